import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clusterFromNodeName, workloadFromPodName } from './workload.ts';

describe('workloadFromPodName on every pod name in the Hubble samples', () => {
  // All 29 distinct pod names of shared/data/hubble_flows, with the workload read from the name
  // and, where the cluster objects are known (Istio bookinfo, GKE/kind add-ons), their real kind.
  const cases: Array<[string, string, string]> = [
    ['details-v1-79f774bdb9-m4j4k', 'Deployment', 'details-v1'],
    ['productpage-v1-6b746f74dc-9rcxx', 'Deployment', 'productpage-v1'],
    ['productpage-v1-6b746f74dc-ffh56', 'Deployment', 'productpage-v1'],
    ['ratings-v1-b6994bb9-4dt5c', 'Deployment', 'ratings-v1'], // 8-character pod-template-hash
    ['ratings-v1-b6994bb9-jgqxb', 'Deployment', 'ratings-v1'],
    ['reviews-v1-545db77b95-6hbgc', 'Deployment', 'reviews-v1'],
    ['reviews-v1-545db77b95-j2n72', 'Deployment', 'reviews-v1'],
    ['reviews-v1-545db77b95-s6jb8', 'Deployment', 'reviews-v1'],
    ['reviews-v2-7bf8c9648f-r7bs2', 'Deployment', 'reviews-v2'],
    ['reviews-v3-84779c7bbc-6x8gl', 'Deployment', 'reviews-v3'],
    ['istio-galley-7994d74d58-s2pwm', 'Deployment', 'istio-galley'],
    ['istio-telemetry-85cf8ddf5f-kw64q', 'Deployment', 'istio-telemetry'],
    ['jaeger-67f448c8f8-dmh9h', 'Deployment', 'jaeger'],
    ['prometheus-6655946b9f-6xcpf', 'Deployment', 'prometheus'],
    ['prometheus-6655946b9f-hx9ln', 'Deployment', 'prometheus'],
    ['jaeger-default-6f5845c4b7-7r5r6', 'Deployment', 'jaeger-default'],
    ['clickhouse-operator-59df4c7bcb-hbt6t', 'Deployment', 'clickhouse-operator'],
    ['coredns-558bd4d5db-9grjv', 'Deployment', 'coredns'],
    ['coredns-558bd4d5db-w2m67', 'Deployment', 'coredns'],
    ['event-exporter-gke-67986489c8-svnrf', 'Deployment', 'event-exporter-gke'],
    ['kube-dns-6c7b8dc9f9-gnxh2', 'Deployment', 'kube-dns'],
    ['kube-dns-b4f5c58c7-7qmtw', 'Deployment', 'kube-dns'], // 9-character hash
    ['kube-dns-b4f5c58c7-vnx5s', 'Deployment', 'kube-dns'],
    ['node-local-dns-6jnx9', 'DaemonSet', 'node-local-dns'],
    ['node-local-dns-88zrp', 'DaemonSet', 'node-local-dns'],
    ['node-local-dns-cw6pv', 'DaemonSet', 'node-local-dns'],
    ['node-local-dns-r99x7', 'DaemonSet', 'node-local-dns'],
    ['otelcol-hubble-collector-2t8z4', 'DaemonSet', 'otelcol-hubble-collector'],
    ['otelcol-hubble-collector-fwc6m', 'DaemonSet', 'otelcol-hubble-collector'],
  ];
  for (const [pod, kind, name] of cases) {
    it(`${pod} -> ${kind} ${name}`, () => {
      assert.deepEqual(workloadFromPodName(pod), { kind, name });
    });
  }
});

describe('workloadFromPodName on other naming schemes', () => {
  it('StatefulSet ordinals, CronJob jobs, bare pods', () => {
    assert.deepEqual(workloadFromPodName('web-0'), { kind: 'StatefulSet', name: 'web' });
    assert.deepEqual(workloadFromPodName('kafka-broker-12'), { kind: 'StatefulSet', name: 'kafka-broker' });
    assert.deepEqual(workloadFromPodName('nightly-backup-28123456-x7kzq'), { kind: 'CronJob', name: 'nightly-backup' });
    assert.deepEqual(workloadFromPodName('debug'), { kind: 'Pod', name: 'debug' });
    assert.deepEqual(workloadFromPodName('my-debug-shell'), { kind: 'Pod', name: 'my-debug-shell' });
  });

  it('does not take words with vowels or the digits 0, 1, 3 for generated suffixes', () => {
    // "-agent" / "-proxy" contain letters outside the generated alphabet.
    assert.deepEqual(workloadFromPodName('datadog-agent'), { kind: 'Pod', name: 'datadog-agent' });
    assert.deepEqual(workloadFromPodName('envoy-proxy-a1b2c'), { kind: 'Pod', name: 'envoy-proxy-a1b2c' });
    // a 4-character last part is not a pod suffix
    assert.deepEqual(workloadFromPodName('app-545db77b95-s6jb'), { kind: 'Pod', name: 'app-545db77b95-s6jb' });
  });

  it('never returns an empty name', () => {
    for (const pod of ['-s6jb8', '--', '-0', '', 'x-545db77b95-s6jb8'.slice(1)]) {
      const w = workloadFromPodName(pod);
      assert.ok(w.name.length > 0 || pod === '', `${JSON.stringify(pod)} -> ${JSON.stringify(w)}`);
    }
  });
});

describe('clusterFromNodeName', () => {
  it('reads the cluster of every node in the samples', () => {
    assert.equal(clusterFromNodeName('gke-ilya-otel-demo-1-ilya-otel-demo-1-6114bb84-zr1l'), 'ilya-otel-demo-1');
    assert.equal(clusterFromNodeName('gke-ilya-otel-demo-2-ilya-otel-demo-2-dac8cc20-hr0z'), 'ilya-otel-demo-2');
    assert.equal(clusterFromNodeName('kind-control-plane'), 'kind');
  });

  it('other GKE, kind, k3d and minikube names; none for EKS and AKS', () => {
    assert.equal(clusterFromNodeName('gke-prod-default-pool-3f2a9c1d-x8k2'), 'prod');
    assert.equal(clusterFromNodeName('gke-prod-highmem-3f2a9c1d-x8k2'), 'prod-highmem');
    assert.equal(clusterFromNodeName('dev-worker2'), 'dev');
    assert.equal(clusterFromNodeName('k3d-lab-agent-0'), 'lab');
    assert.equal(clusterFromNodeName('minikube-m02'), 'minikube');
    assert.equal(clusterFromNodeName('ip-10-0-1-23.ec2.internal'), null);
    assert.equal(clusterFromNodeName('aks-nodepool1-12345678-vmss000000'), null);
  });
});
