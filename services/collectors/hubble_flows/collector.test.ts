import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import type { CollectorOutput } from '../../core/components.ts';
import type { NetworkFlow } from '../../core/model/network-flow.ts';
import { fixtureBytes, fixtureLines, HUBBLE_FILES } from '../../../test/fixtures/hubble_flows/load.ts';
import { HubbleFlowsConfigSchema, hubbleFlowsCollector, hubbleFlowsSpec } from './index.ts';
import { assertCollectorSpec, assertConfigProblems, assertFieldsDocumented, assertOnlyRejects, avroRoundTrip, splitOutputs, type SplitOutputs } from '../../../test/fixtures/collector-kit.ts';
import { assertSniffs } from '../../../test/fixtures/hubble_flows/sniff-samples.ts';

const assertAvroRoundTrip = avroRoundTrip<NetworkFlow>('network_flow.v1');
const split = (outputs: Iterable<CollectorOutput>): SplitOutputs<'flow'> => splitOutputs(outputs, 'flow');

describe('hubble_flows collector on the fixture files (46 real flows)', () => {
  const collector = hubbleFlowsCollector();
  const perFile = HUBBLE_FILES.map((f) => ({ file: f, ...split(collector.collect({ name: f, bytes: fixtureBytes(f) })) }));

  it('normalizes every flow, none rejected', () => {
    assert.deepEqual(perFile.flatMap((p) => p.rejects), []);
    assert.deepEqual(
      perFile.map((p) => [p.file, p.events.length]),
      [
        ['basic-sample-10-flows.jsonl', 10],
        ['basic-sample-5-dns-flows.jsonl', 5],
        ['basic-sample-5-http-flows.jsonl', 5],
        ['basic-sample-400-icmpv4-flows.jsonl', 18],
        ['selected-kind-flows.jsonl', 8],
      ],
    );
  });

  it('emits on the flow stream with file positions, each keyed by its source identity', () => {
    for (const p of perFile) {
      p.events.forEach((e, i) => {
        assert.equal(e.stream, 'flow');
        assert.equal(e.position, `${p.file}#${i}`);
      });
    }
    const keys = new Map<string, number>();
    for (const e of perFile.flatMap((p) => p.events)) keys.set(e.key, (keys.get(e.key) ?? 0) + 1);
    assert.deepEqual(Object.fromEntries([...keys].sort()), {
      'external/35.246.31.0/24': 1,
      'ilya-otel-demo-1/-/reserved/host': 2,
      'ilya-otel-demo-1/bookinfo/app/reviews': 2,
      'ilya-otel-demo-1/istio-system/app/galley': 1,
      'ilya-otel-demo-1/istio-system/app/telemetry': 1,
      'ilya-otel-demo-1/istio-system/app/prometheus': 1,
      'ilya-otel-demo-1/kube-system/app/event-exporter-gke': 1,
      'ilya-otel-demo-1/kube-system/app/kube-dns': 1,
      'ilya-otel-demo-2/istio-system/app/prometheus': 3,
      'ilya-otel-demo-2/kube-system/app/node-local-dns': 5, // 3 DNS queries + 2 HTTP responses
      'ilya-otel-demo-2/kube-system/app/kube-dns': 2,
      'kind/-/reserved/health': 7,
      'kind/-/reserved/host': 4, // icmp lines 1, 6, 12, 16
      'kind/-/reserved/remote-node': 8, // icmp lines 3, 4, 8, 9, 11, 14, 18 + udp line 4
      'kind/bookinfo/app/details': 1,
      // productpage-v1's pods and the end carrying only productpage's labels are one application.
      'kind/bookinfo/app/productpage': 3,
      'kind/bookinfo/app/ratings': 1,
      'kind/bookinfo/app/reviews': 1,
      'kind/kube-system/app/coredns': 1,
    });
  });

  it('every event round-trips through the Avro schema', () => {
    for (const e of perFile.flatMap((p) => p.events)) assertAvroRoundTrip(e.event, e.position);
  });

  it('reads gzip, a JSON array and bare flows the same way', () => {
    const file = 'basic-sample-10-flows.jsonl';
    const want = perFile[0]!.events.map((e) => e.event.metadata.uid);
    const gz = split(collector.collect({ name: 'g', bytes: gzipSync(fixtureBytes(file)) }));
    assert.deepEqual(gz.events.map((e) => e.event.metadata.uid), want);
    const lines = fixtureLines(file).map((l) => JSON.parse(l) as { flow: unknown });
    const arr = split(collector.collect({ name: 'a', bytes: Buffer.from(JSON.stringify(lines)) }));
    assert.deepEqual(arr.events.map((e) => e.event.metadata.uid), want);
    const bare = split(collector.collect({ name: 'b', bytes: Buffer.from(lines.map((l) => JSON.stringify(l.flow)).join('\n')) }));
    assert.deepEqual(bare.events.map((e) => e.event.metadata.uid), want);
    assert.deepEqual(bare.events.map((e) => e.key), perFile[0]!.events.map((e) => e.key));
  });
});

describe('hubble_flows collector on bad input', () => {
  const collector = hubbleFlowsCollector();

  it('dead-letters each bad line with its position and reason, and keeps going', () => {
    const good = fixtureLines('basic-sample-10-flows.jsonl');
    const text = [
      good[0],
      good[1]!.slice(0, 150),
      '{"node_status":{"state_change":"NODE_CONNECTED","node_names":["kind-control-plane"]},"node_name":"kind-control-plane","time":"2021-11-10T10:40:56Z"}',
      '{"flow":{"time":"2021-06-16T16:52:13Z","IP":{"source":"10.0.2.16"},"l4":{"TCP":{"source_port":"15020"}}}}',
      '',
      '"flow"',
      good[2],
    ].join('\n');
    const out = [...collector.collect({ name: 'mixed.jsonl', bytes: Buffer.from(text) })];
    assert.deepEqual(
      out.map((o) => (o.kind === 'event' ? [o.position, 'event'] : [o.position, o.reasonCode, o.reason.replace(/not valid JSON: .*/, 'not valid JSON')])),
      [
        ['mixed.jsonl#0', 'event'],
        ['mixed.jsonl#1', 'SLUICE_ERR_INPUT_MALFORMED', 'line 2: not valid JSON'],
        ['mixed.jsonl#2', 'SLUICE_ERR_INPUT_MALFORMED', 'line 3: not a flow: a Hubble GetFlowsResponse carrying node_status'],
        ['mixed.jsonl#3', 'SLUICE_ERR_INPUT_MALFORMED', 'line 4: l4.TCP.source_port must be an integer, got "15020"'],
        ['mixed.jsonl#4', 'SLUICE_ERR_INPUT_MALFORMED', 'line 6: record must be a JSON object, got a string'],
        ['mixed.jsonl#5', 'event'],
      ],
    );
    const rejected = out[1];
    assert.equal(rejected?.kind === 'dead_letter' && rejected.raw.toString('utf8'), good[1]!.slice(0, 150));
    assert.equal(rejected?.kind === 'dead_letter' && rejected.source, 'hubble_flows');
  });

  it('never throws, whatever the bytes', () => {
    assertOnlyRejects(collector, [
      Buffer.from('{"flow": []}'),
      Buffer.from(JSON.stringify({ flow: { time: '2021-06-16T16:52:13Z', IP: {}, source: { labels: ['k8s:'.padEnd(200000, 'x')] } } })),
      Buffer.from(JSON.stringify({ flow: { time: '2021-06-16T16:52:13Z', IP: null, l4: { TCP: { flags: { SYN: 'yes' } } } } })),
      Buffer.from(JSON.stringify({ flow: { time: '2021-06-16T16:52:13Z', source: {}, l7: { latency_ns: '1e9' } } })),
    ]);
  });
});

describe('hubble_flows config, spec and sniff', () => {
  it('defaults, rejects unknown keys reporting every problem, documents every field', () => {
    const cfg = HubbleFlowsConfigSchema.parse({});
    assert.equal(cfg.cluster, null);
    assert.deepEqual(cfg.imageLabels, ['image', 'app.kubernetes.io/image']);
    assert.equal(cfg.rawCapBytes, 64 * 1024);
    assertConfigProblems(() => hubbleFlowsCollector({ cluster: '', bogus: 1 } as never), ['cluster', 'bogus']);
    assertFieldsDocumented(HubbleFlowsConfigSchema);
  });

  it('applies the cluster and the caps', () => {
    const c = hubbleFlowsCollector({ cluster: 'lab', rawCapBytes: 0, unmappedCapBytes: 2 });
    const { events } = split(c.collect({ name: 'x', bytes: fixtureBytes('selected-kind-flows.jsonl') }));
    assert.equal(events[0]!.key, 'lab/bookinfo/app/productpage');
    assert.equal(events[0]!.event.raw_data, null);
    assert.equal(events[0]!.event.unmapped, '{"_truncated":true}');
  });

  it('exposes its spec', () => {
    assertCollectorSpec(hubbleFlowsSpec, 'hubble_flows', ['flow']);
    assert.equal(hubbleFlowsSpec.create({ cluster: 'x' }).type, 'hubble_flows');
  });

  it('sniffs true for its own records, false for CloudTrail, Azure, K8s audit, AWS Config, Hubble, VPC, SBOM and OSV records', () => {
    assertSniffs(hubbleFlowsSpec, 'hubble_flows');
  });
});
