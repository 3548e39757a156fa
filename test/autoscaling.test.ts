/**
 * The processor's autoscaling overlays (k8s/autoscaling/keda, k8s/autoscaling/hpa) against the
 * official schemas (KEDA's CRDs as generated into @kubernetes-models/keda, autoscaling/v2 from
 * kubernetes-models) and against the rest of the deployment: the Deployment they scale, the consumer
 * group and brokers the processor uses, the partitions per topic, and the Secret KEDA reads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { ScaledObject, TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { resolveConfig } from '../services/cli/config.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- YAML documents in a test
/** The first document of a file, or the one of the given kind. */
const read = (path: string, kind?: string): Obj => {
  const docs = parseAllDocuments(readFileSync(new URL(`../${path}`, import.meta.url), 'utf8')).map((d) => d.toJS() as Obj);
  const doc = kind ? docs.find((d) => d?.kind === kind) : docs[0];
  assert.ok(doc, `${path}: no ${kind ?? 'document'}`);
  return doc;
};

const scaled = read('k8s/autoscaling/keda/scaledobject.yaml');
const auth = read('k8s/autoscaling/keda/triggerauthentication.yaml');
const hpa = read('k8s/autoscaling/hpa/hpa.yaml');
const deployment = read('k8s/processor-deployment.yaml', 'Deployment');
const configMap = read('k8s/configmap.yaml', 'ConfigMap');

/** Parameters of KEDA's kafka scaler (keda.sh/docs/2.x/scalers/apache-kafka). */
const KAFKA_SCALER_PARAMETERS = new Set([
  'bootstrapServers', 'consumerGroup', 'topic', 'lagThreshold', 'activationLagThreshold', 'offsetResetPolicy', 'allowIdleConsumers',
  'scaleToZeroOnInvalidOffset', 'excludePersistentLag', 'limitToPartitionsWithLag', 'ensureEvenDistributionOfPartitions', 'version',
  'partitionLimitation', 'sasl', 'tls', 'unsafeSsl',
]);

test('the ScaledObject, TriggerAuthentication and HPA validate against their official schemas', () => {
  new ScaledObject(scaled as never).validate();
  new TriggerAuthentication(auth as never).validate();
  new HorizontalPodAutoscaler(hpa as never).validate();
  // The validators do check: a wrong type is refused.
  assert.throws(() => new ScaledObject({ ...scaled, spec: { ...scaled.spec, minReplicaCount: 'one' } } as never).validate());
  assert.throws(() => new HorizontalPodAutoscaler({ ...hpa, spec: { ...hpa.spec, maxReplicas: '12' } } as never).validate());
});

test('both scale the processor Deployment, between 1 and the partitions per topic', () => {
  const partitions = resolveConfig({}).topics.partitions;
  for (const ref of [scaled.spec.scaleTargetRef, hpa.spec.scaleTargetRef]) {
    assert.deepEqual({ kind: ref.kind, name: ref.name }, { kind: deployment.kind, name: deployment.metadata.name });
  }
  assert.equal(scaled.spec.minReplicaCount, 1);
  assert.equal(hpa.spec.minReplicas, 1);
  assert.equal(scaled.spec.maxReplicaCount, partitions, 'one member per partition of each input topic (the co-partitioned assignor)');
  assert.equal(hpa.spec.maxReplicas, partitions);
  const compose = readFileSync(new URL('../docker-compose.yml', import.meta.url), 'utf8');
  assert.match(compose, new RegExp(`--topic sluice\\.activity\\.v1 --partitions ${partitions} `), 'compose creates the stream topics with that many partitions');
  for (const k of ['hpa', 'keda']) {
    const kustomization = read(`k8s/autoscaling/${k}/kustomization.yaml`);
    assert.deepEqual(kustomization.resources[0], '../..', `${k} overlays the base`);
    assert.match(kustomization.patches[0].patch, /op: remove\s+path: \/spec\/replicas/, `${k} leaves the replica count to the autoscaler`);
    assert.equal(typeof deployment.spec.replicas, 'number', 'the base sets replicas, so the remove patch applies');
  }
});

test('the lag trigger reads the processor group on the brokers the processor uses', () => {
  const trigger = scaled.spec.triggers.find((t: Obj) => t.type === 'kafka');
  assert.ok(trigger, 'a kafka trigger');
  for (const k of Object.keys(trigger.metadata)) assert.ok(KAFKA_SCALER_PARAMETERS.has(k), `${k} is a parameter of KEDA's kafka scaler`);
  assert.equal(trigger.metadata.bootstrapServers, configMap.data.KAFKA_BROKERS);
  assert.equal(trigger.metadata.consumerGroup, configMap.data.SLUICE_PROCESSOR_GROUP ?? resolveConfig({}).processor.groupId);
  assert.equal(trigger.metadata.topic, undefined, 'no topic: the lag of every topic the group reads');
  assert.ok(Number(trigger.metadata.lagThreshold) > 0);
});

test("KEDA's credentials come from the processor's own Secret and container", () => {
  const container = deployment.spec.template.spec.containers.find((c: Obj) => c.name === auth.spec.env[0].containerName);
  assert.ok(container, 'the container named by the TriggerAuthentication exists');
  const secretRefs = JSON.stringify(deployment.spec.template.spec) + readFileSync(new URL('../k8s/processor-deployment.yaml', import.meta.url), 'utf8');
  for (const ref of auth.spec.secretTargetRef) {
    assert.match(secretRefs, new RegExp(`name: ${ref.name}[\\s\\S]*key: ${ref.key}`), `the processor uses ${ref.name}/${ref.key} too`);
  }
  const docs = parseAllDocuments(readFileSync(new URL('../k8s/secrets/secret.example.yaml', import.meta.url), 'utf8'));
  assert.ok(docs.length > 0);
  assert.match(readFileSync(new URL('../k8s/secrets/secret.example.yaml', import.meta.url), 'utf8'), new RegExp(auth.spec.secretTargetRef[0].name));
});
