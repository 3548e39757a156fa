import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OCSF_VERSION } from '../../core/events.ts';
import { SluiceError } from '../../core/errors.ts';
import type { NetworkFlow } from '../../core/model/network-flow.ts';
import { hubbleRecord } from '../../../test/fixtures/hubble_flows/load.ts';
import { stableRecordUid } from '../aws_cloudtrail/index.ts';
import { normalizeHubbleFlow } from './normalize.ts';
import { avroRoundTrip } from '../../../test/fixtures/collector-kit.ts';

// Expected values below were written from reading the raw lines in test/fixtures/hubble_flows.

const assertAvroRoundTrip = avroRoundTrip<NetworkFlow>('network_flow.v1');

function unmappedOf(e: NetworkFlow): Record<string, unknown> {
  return JSON.parse(e.unmapped) as Record<string, unknown>;
}

const BOOKINFO_KIND_LABELS = (app: string, version: string) => [
  { key: 'app', value: app },
  { key: 'sidecar.opentelemetry.io/injected', value: 'bookinfo.otelcol-bookinfo' },
  { key: 'version', value: version },
];

/** The productpage identity fields its bookinfo flows carry, whatever names the workload (its pod or its app label). */
const PRODUCTPAGE = {
  cluster: 'kind',
  namespace: 'bookinfo',
  labels: BOOKINFO_KIND_LABELS('productpage', 'v1'),
  image_repository: null,
  image_version: null,
  service_account: 'bookinfo-productpage',
  app: 'productpage',
  app_version: 'v1',
};

describe('normalizeHubbleFlow: TCP between two bookinfo workloads (kind, tcp line 1)', () => {
  const raw = hubbleRecord('selected-kind-flows.jsonl', 1);
  const { key, event: e } = normalizeHubbleFlow(raw);

  it('keys by the source workload identity', () => {
    assert.equal(key, 'kind/bookinfo/app/productpage');
  });

  it('maps both workload identities', () => {
    assert.deepEqual(e.src, {
      type: 'workload',
      workload: { ...PRODUCTPAGE, kind: 'Deployment', name: 'productpage-v1', pod: 'productpage-v1-6b746f74dc-9rcxx' },
      ip: '10.244.0.177',
      port: 35128,
      fqdn: null,
      cidr_bucket: null,
      is_external: false,
      instance_uid: null,
      interface_uid: null,
    });
    assert.deepEqual(e.dst.workload, {
      cluster: 'kind',
      namespace: 'bookinfo',
      kind: 'Deployment',
      name: 'reviews-v2',
      pod: 'reviews-v2-7bf8c9648f-r7bs2',
      labels: BOOKINFO_KIND_LABELS('reviews', 'v2'),
      image_repository: null,
      image_version: null,
      service_account: 'bookinfo-reviews',
      app: 'reviews',
      app_version: 'v2',
    });
    assert.equal(e.dst.ip, '10.244.0.110');
    assert.equal(e.dst.port, 9080);
  });

  it('maps class, time, protocol, verdict and metadata', () => {
    assert.equal(e.class_uid, 4001);
    assert.equal(e.category_uid, 4);
    assert.equal(e.activity_id, 6);
    assert.equal(e.activity_name, 'Traffic');
    assert.equal(e.type_uid, 400106);
    assert.equal(e.severity_id, 1);
    assert.equal(e.time, Date.UTC(2021, 10, 10, 10, 40, 56, 465));
    assert.deepEqual(e.connection_info, {
      protocol_name: 'TCP',
      protocol_num: 6,
      direction: 'egress',
      l7_protocol: null,
      tcp_flags: 16, // ACK
      icmp_type: null,
      icmp_code: null,
    });
    assert.equal(e.verdict, 'FORWARDED');
    assert.equal(e.verdict_reason, null);
    assert.equal(e.traffic, null);
    assert.equal(e.l7, null);
    assert.equal(e.process, null);
    assert.equal(e.cloud, null);
    assert.equal(e.node_name, 'kind-control-plane');
    assert.deepEqual(e.metadata, {
      uid: stableRecordUid(raw.flow as Record<string, unknown>),
      version: OCSF_VERSION,
      product_name: 'Hubble',
      vendor_name: 'Cilium',
      log_name: 'L3_L4',
      original_time: '2021-11-10T10:40:56.465597700Z',
      source: 'hubble_flows',
    });
    assert.match(e.metadata.uid, /^[0-9a-f]{32}$/);
  });

  it('keeps unmapped fields, including the Cilium identities and the IP version', () => {
    const un = unmappedOf(e);
    assert.deepEqual(un.ethernet, { source: 'd2:d9:76:de:f4:90', destination: '6e:3c:ce:d3:9e:a6' });
    assert.deepEqual(un.event_type, { type: 4, sub_type: 1 });
    assert.equal(un.trace_observation_point, 'TO_PROXY');
    assert.equal(un.is_reply, false);
    assert.equal(un.Summary, 'TCP Flags: ACK');
    assert.deepEqual(un.IP, { ipVersion: 'IPv4' });
    assert.deepEqual(un.source, { ID: 881, identity: 3418 });
    assert.deepEqual(un.destination, { ID: 3879, identity: 11615 });
    assert.ok(!('l4' in un) && !('verdict' in un) && !('time' in un));
    assert.deepEqual(JSON.parse(e.raw_data ?? 'null'), raw);
    assertAvroRoundTrip(e, 'tcp line 1');
  });
});

describe('normalizeHubbleFlow: TCP flags give the activity', () => {
  it('tcp line 23: SYN, verdict REDIRECTED -> Open; ratings-v1 (8-character hash) is the source', () => {
    const { key, event: e } = normalizeHubbleFlow(hubbleRecord('selected-kind-flows.jsonl', 4));
    assert.equal(e.activity_name, 'Open');
    assert.equal(e.activity_id, 1);
    assert.equal(e.type_uid, 400101);
    assert.equal(e.verdict, 'REDIRECTED');
    assert.equal(e.connection_info.tcp_flags, 2);
    assert.equal(key, 'kind/bookinfo/app/ratings');
    assert.equal(e.dst.workload?.name, 'productpage-v1');
    assert.equal(unmappedOf(e).policy_match_type, 3);
  });

  it('tcp line 10: FIN+ACK -> Close; the interface stays in unmapped', () => {
    const { key, event: e } = normalizeHubbleFlow(hubbleRecord('selected-kind-flows.jsonl', 3));
    assert.equal(e.activity_name, 'Close');
    assert.equal(e.connection_info.tcp_flags, 17);
    assert.equal(key, 'kind/bookinfo/app/reviews');
    assert.deepEqual(unmappedOf(e).interface, { index: 25, name: 'lxc25aced2f4021' });
  });

  it('GKE 10-flows line 9: host SYN to kube-dns -> Open, keyed by the reserved host of the GKE cluster', () => {
    const { key, event: e } = normalizeHubbleFlow(hubbleRecord('basic-sample-10-flows.jsonl', 9));
    assert.equal(key, 'ilya-otel-demo-1/-/reserved/host');
    assert.equal(e.activity_name, 'Open');
    assert.equal(e.src.type, 'host');
    assert.equal(e.src.workload, null);
    assert.equal(e.src.ip, '10.0.2.1');
    assert.equal(e.src.is_external, false);
    assert.equal(e.src.cidr_bucket, null);
    assert.equal(e.dst.workload?.cluster, 'ilya-otel-demo-1');
    assert.equal(e.dst.workload?.kind, 'Deployment');
    assert.equal(e.dst.workload?.name, 'kube-dns');
    assert.deepEqual(e.dst.workload?.labels, [{ key: 'k8s-app', value: 'kube-dns' }]);
    assert.equal(e.dst.workload?.service_account, 'kube-dns');
    assert.deepEqual(unmappedOf(e).source, { identity: 1, labels: ['reserved:host'] });
  });
});

describe('normalizeHubbleFlow: flows to and from the world', () => {
  it('GKE 10-flows line 8: event-exporter -> 35.246.31.234:443, external destination with its /24', () => {
    const { key, event: e } = normalizeHubbleFlow(hubbleRecord('basic-sample-10-flows.jsonl', 8));
    assert.equal(key, 'ilya-otel-demo-1/kube-system/app/event-exporter-gke');
    assert.deepEqual(e.dst, {
      type: 'external',
      workload: null,
      ip: '35.246.31.234',
      port: 443,
      fqdn: null,
      cidr_bucket: '35.246.31.0/24',
      is_external: true,
      instance_uid: null,
      interface_uid: null,
    });
    assert.equal(e.src.workload?.labels.find((l) => l.key === 'k8s-app')?.value, 'event-exporter');
    assert.equal(e.connection_info.direction, 'egress');
    assert.deepEqual(unmappedOf(e).destination, { identity: 2, labels: ['reserved:world'] });
  });

  it('GKE 10-flows line 7: the reply from the world is keyed by the external /24', () => {
    const { key, event: e } = normalizeHubbleFlow(hubbleRecord('basic-sample-10-flows.jsonl', 7));
    assert.equal(key, 'external/35.246.31.0/24');
    assert.equal(e.src.type, 'external');
    assert.equal(e.src.port, 443);
    assert.equal(e.dst.workload?.pod, 'event-exporter-gke-67986489c8-svnrf');
    assertAvroRoundTrip(e, '10-flows line 7');
  });

  it('http line 1: Prometheus GET to world 10.128.0.4 (a private address outside the cluster is still external)', () => {
    const { key, event: e } = normalizeHubbleFlow(hubbleRecord('basic-sample-5-http-flows.jsonl', 1));
    assert.equal(key, 'ilya-otel-demo-2/istio-system/app/prometheus');
    assert.equal(e.dst.type, 'external');
    assert.equal(e.dst.cidr_bucket, '10.128.0.0/24');
    assert.equal(e.dst.port, 9990);
    assert.equal(e.connection_info.l7_protocol, 'http');
    assert.deepEqual(e.l7, {
      type: 'REQUEST',
      latency_ns: null,
      http: { method: 'GET', url: 'http://10.128.0.4:9990/metrics', code: null, protocol: 'HTTP/1.1' },
      dns: null,
      kafka: null,
    });
    assert.equal(e.metadata.log_name, 'L7');
    const headers = (unmappedOf(e).l7 as { http: { headers: Array<{ key: string; value: string }> } }).http.headers;
    assert.equal(headers.find((h) => h.key === 'User-Agent')?.value, 'Prometheus/2.15.1');
    assert.deepEqual(e.src.workload?.labels, [
      { key: 'app', value: 'prometheus' },
      { key: 'release', value: 'istio' },
    ]);
  });

  it('http line 4: a named pod labelled reserved:world is a workload (the pod name wins); 503 response', () => {
    const { key, event: e } = normalizeHubbleFlow(hubbleRecord('basic-sample-5-http-flows.jsonl', 4));
    assert.equal(key, 'ilya-otel-demo-2/kube-system/app/node-local-dns');
    assert.equal(e.src.type, 'workload');
    assert.equal(e.src.is_external, false);
    assert.equal(e.src.cidr_bucket, null);
    assert.deepEqual(e.src.workload?.labels, []);
    assert.equal(e.src.workload?.service_account, null);
    assert.equal(e.src.workload?.pod, 'node-local-dns-r99x7');
    assert.equal(e.l7?.http?.code, 503);
    assert.equal(e.l7?.type, 'RESPONSE');
    assert.deepEqual(unmappedOf(e).source, { identity: 2, labels: ['reserved:world'] });
  });

  it('tcp line 39 (kind): productpage GET http://details:9080/details/0, details labelled world but named', () => {
    const { event: e } = normalizeHubbleFlow(hubbleRecord('selected-kind-flows.jsonl', 5));
    assert.equal(e.dst.type, 'workload');
    assert.equal(e.dst.workload?.name, 'details-v1');
    assert.equal(e.dst.workload?.namespace, 'bookinfo');
    assert.equal(e.l7?.http?.url, 'http://details:9080/details/0');
    const resp = normalizeHubbleFlow(hubbleRecord('selected-kind-flows.jsonl', 6)).event;
    assert.equal(resp.l7?.latency_ns, 2859600);
    assert.equal(resp.l7?.http?.code, 200);
  });
});

describe('normalizeHubbleFlow: DNS', () => {
  it('dns line 1: a DNS query over TCP/53 carries the queried name in l7.dns', () => {
    const { key, event: e } = normalizeHubbleFlow(hubbleRecord('basic-sample-5-dns-flows.jsonl', 1));
    assert.equal(key, 'ilya-otel-demo-2/kube-system/app/node-local-dns');
    assert.equal(e.connection_info.l7_protocol, 'dns');
    assert.equal(e.connection_info.protocol_name, 'TCP');
    assert.equal(e.connection_info.tcp_flags, null); // no flags object on L7 records
    assert.deepEqual(e.l7?.dns, {
      query: 'istiod-istio-1611.istio-system.svc.istio-system.svc.cluster.local.',
      qtypes: ['A'],
      rcode: null,
      rcode_name: null,
      ips: [],
      rrtypes: [],
      ttl: null,
    });
    // The query names a third host, not the DNS server: dst.fqdn stays empty.
    assert.equal(e.dst.fqdn, null);
    assert.equal(e.dst.workload?.name, 'kube-dns');
    assert.deepEqual((unmappedOf(e).l7 as Record<string, unknown>).dns, { observation_source: 'proxy' });
  });

  it('dns line 2: NXDOMAIN answer with TTL 4294967295', () => {
    const { event: e } = normalizeHubbleFlow(hubbleRecord('basic-sample-5-dns-flows.jsonl', 2));
    assert.equal(e.l7?.type, 'RESPONSE');
    assert.equal(e.l7?.dns?.rcode, 3);
    assert.equal(e.l7?.dns?.rcode_name, 'NXDOMAIN');
    assert.equal(e.l7?.dns?.ttl, 4294967295);
    assertAvroRoundTrip(e, 'dns line 2');
  });

  it('udp line 7 (kind): a DNS answer with addresses; no rcode in proto3 JSON means NOERROR', () => {
    const { key, event: e } = normalizeHubbleFlow(hubbleRecord('selected-kind-flows.jsonl', 8));
    assert.equal(key, 'kind/kube-system/app/coredns');
    assert.equal(e.connection_info.protocol_name, 'UDP');
    assert.equal(e.connection_info.protocol_num, 17);
    assert.equal(e.src.port, 53);
    assert.deepEqual(e.l7?.dns, {
      query: 'productpage.bookinfo.svc.cluster.local.',
      qtypes: ['A'],
      rcode: 0,
      rcode_name: 'NOERROR',
      ips: ['10.245.218.54'],
      rrtypes: ['A'],
      ttl: 19,
    });
    assert.equal(e.src.workload?.labels.length, 1); // k8s-app=kube-dns
  });
});

describe('normalizeHubbleFlow: Kafka', () => {
  it('an L7 Kafka record (the http line 1 flow carrying a Kafka produce request instead): api key and version, topic, correlation id; zero error code left out by proto3', () => {
    const rec = structuredClone(hubbleRecord('basic-sample-5-http-flows.jsonl', 1)) as { flow: { l7: unknown } };
    rec.flow.l7 = { type: 'REQUEST', kafka: { api_version: 7, api_key: 'produce', correlation_id: 12, topic: 'orders' } };
    const { event: e } = normalizeHubbleFlow(rec);
    assert.equal(e.connection_info.l7_protocol, 'kafka');
    assert.deepEqual(e.l7?.kafka, { api_key: 'produce', api_version: 7, topic: 'orders', error_code: null, correlation_id: 12 });
    assertAvroRoundTrip(e, 'kafka');
    rec.flow.l7 = { type: 'REQUEST', kafka: { api_version: 'seven', api_key: 'produce' } };
    assert.throws(() => normalizeHubbleFlow(rec), /l7\.kafka\.api_version/);
  });
});

describe('normalizeHubbleFlow: reserved identities, label-only ends, ICMP', () => {
  it('icmp line 1: host -> health EchoRequest', () => {
    const { key, event: e } = normalizeHubbleFlow(hubbleRecord('basic-sample-400-icmpv4-flows.jsonl', 1));
    assert.equal(key, 'kind/-/reserved/host');
    assert.equal(e.dst.type, 'health');
    assert.deepEqual(e.connection_info, {
      protocol_name: 'ICMPv4',
      protocol_num: 1,
      direction: 'ingress',
      l7_protocol: null,
      tcp_flags: null,
      icmp_type: 8,
      icmp_code: 0,
    });
    assert.equal(e.src.port, null);
  });

  it('icmp line 2: "ICMPv4":{} is an echo reply (type 0, left out by proto3 JSON)', () => {
    const { key, event: e } = normalizeHubbleFlow(hubbleRecord('basic-sample-400-icmpv4-flows.jsonl', 2));
    assert.equal(key, 'kind/-/reserved/health');
    assert.equal(e.connection_info.icmp_type, 0);
  });

  it('icmp line 3: remote-node, no traffic_direction -> unknown', () => {
    const { key, event: e } = normalizeHubbleFlow(hubbleRecord('basic-sample-400-icmpv4-flows.jsonl', 3));
    assert.equal(key, 'kind/-/reserved/remote-node');
    assert.equal(e.connection_info.direction, 'unknown');
  });

  it('tcp line 4: a source with productpage labels but no pod name is keyed by its app label', () => {
    const { key, event: e } = normalizeHubbleFlow(hubbleRecord('selected-kind-flows.jsonl', 2));
    assert.equal(key, 'kind/bookinfo/app/productpage');
    // The namespace comes from the io.kubernetes.pod.namespace label.
    assert.deepEqual(e.src.workload, { ...PRODUCTPAGE, kind: 'app', name: 'productpage', pod: null });
    assert.equal(e.src.ip, '10.244.0.148');
  });
});

describe('normalizeHubbleFlow: forms and options', () => {
  it('a bare flow gives the same event as its GetFlowsResponse line (raw_data aside)', () => {
    const line = hubbleRecord('selected-kind-flows.jsonl', 1);
    const bare = normalizeHubbleFlow(line.flow);
    const wrapped = normalizeHubbleFlow(line);
    assert.equal(bare.key, wrapped.key);
    assert.deepEqual({ ...bare.event, raw_data: null }, { ...wrapped.event, raw_data: null });
  });

  it('uses the flow uuid, endpoint workloads[] and cluster_name when Hubble sends them', () => {
    const line = hubbleRecord('selected-kind-flows.jsonl', 1);
    const flow = structuredClone(line.flow) as Record<string, Record<string, unknown>>;
    flow.uuid = 'b3c4b8a1-7a53-4e1b-9d2e-1f7f5a0c2e11' as never;
    flow.source!.workloads = [{ name: 'productpage', kind: 'Deployment' }];
    flow.source!.cluster_name = 'bookinfo-prod';
    flow.destination_names = ['reviews.bookinfo.svc.cluster.local.'] as never;
    const { key, event: e } = normalizeHubbleFlow({ ...line, flow });
    assert.equal(e.metadata.uid, 'b3c4b8a1-7a53-4e1b-9d2e-1f7f5a0c2e11');
    assert.equal(key, 'bookinfo-prod/bookinfo/app/productpage');
    assert.equal(e.dst.workload?.cluster, 'kind');
    assert.equal(e.dst.fqdn, 'reviews.bookinfo.svc.cluster.local');
  });

  it('the configured cluster replaces the node-name rule; an image label fills the image fields', () => {
    const line = hubbleRecord('selected-kind-flows.jsonl', 1);
    const flow = structuredClone(line.flow) as { source: { labels: string[] } };
    flow.source.labels.push('k8s:image=docker.io/istio/examples-bookinfo-productpage-v1:1.16.2');
    const { key, event: e } = normalizeHubbleFlow({ ...line, flow }, { cluster: 'lab' });
    assert.equal(key, 'lab/bookinfo/app/productpage');
    assert.equal(e.src.workload?.image_repository, 'docker.io/istio/examples-bookinfo-productpage-v1');
    assert.equal(e.src.workload?.image_version, '1.16.2');
  });

  it('a DROPPED flow is Refuse with its drop reason', () => {
    const line = hubbleRecord('selected-kind-flows.jsonl', 1);
    const flow = { ...(line.flow as object), verdict: 'DROPPED', drop_reason_desc: 'POLICY_DENIED' };
    const e = normalizeHubbleFlow({ flow }).event;
    assert.equal(e.activity_name, 'Refuse');
    assert.equal(e.activity_id, 5);
    assert.equal(e.verdict_reason, 'POLICY_DENIED');
  });
});

describe('normalizeHubbleFlow: bad records', () => {
  function assertMalformed(record: unknown, reason: RegExp): void {
    assert.throws(
      () => normalizeHubbleFlow(record),
      (err: unknown) => err instanceof SluiceError && err.code === 'SLUICE_ERR_INPUT_MALFORMED' && reason.test(err.message),
    );
  }
  const good = hubbleRecord('selected-kind-flows.jsonl', 1);
  const flow = good.flow as Record<string, unknown>;

  it('names the field', () => {
    assertMalformed('x', /^record must be a JSON object, got a string$/);
    assertMalformed({ flow: 5 }, /^flow must be an object, got a number$/);
    assertMalformed({ flow: { ...flow, time: undefined } }, /^not a Hubble flow: time is missing$/);
    assertMalformed({}, /^not a Hubble flow: time is missing; IP, l4, source and destination are all missing$/);
    assertMalformed({ flow: { ...flow, time: 'noon' } }, /time "noon" is not an RFC 3339 date-time/);
    assertMalformed({ flow: { ...flow, IP: { source: '10.0.0.300' } } }, /^IP.source "10.0.0.300" is not an IP address$/);
    assertMalformed({ flow: { ...flow, l4: { TCP: { source_port: 70000 } } } }, /^l4.TCP.source_port must be an integer in \[0, 65535\], got 70000$/);
    assertMalformed({ flow: { ...flow, source: { labels: 'k8s:app=x' } } }, /^source.labels must be an array, got a string$/);
    assertMalformed({ flow: { ...flow, source: { labels: [7] } } }, /^source.labels\[0\] must be a string, got a number$/);
    assertMalformed({ flow: { ...flow, l7: { dns: { ips: [null] } } } }, /^l7.dns.ips\[0\] must be a string, got null$/);
    assertMalformed({ flow: { ...flow, verdict: 1 } }, /^verdict must be a string, got a number$/);
    assertMalformed({ flow: { ...flow, verdict: 'ALLOWED' } }, /^verdict "ALLOWED" is not a Hubble verdict$/);
    assertMalformed({ flow: { ...flow, traffic_direction: 'in' } }, /^traffic_direction "in" is not INGRESS, EGRESS or TRAFFIC_DIRECTION_UNKNOWN$/);
    assertMalformed({ flow: { ...flow, source: { pod_name: 'p'.repeat(300) } } }, /^source.pod_name is longer than 253 characters$/);
    assertMalformed({ node_status: { state_change: 'NODE_CONNECTED' }, node_name: 'x', time: '2021-11-10T10:40:56Z' }, /^not a flow: a Hubble GetFlowsResponse carrying node_status$/);
  });
});
