import { test } from 'node:test';
import assert from 'node:assert/strict';
import { edgeKey, intersectLabels, isReplyFlow, parseEdgeKey, parsePeer, peerId, serverPort, versionOf } from './identity.ts';
import { entityEnd, externalEnd, fixtureFlows, flow, workloadEnd } from './tests/helpers/flows.ts';

const a = workloadEnd({ namespace: 'shop', name: 'a' }, 40000);
const b = workloadEnd({ namespace: 'shop', name: 'b' }, 8080);

test('reply detection: Hubble flag, TCP SYN/SYN-ACK, ICMP type, L7 type, then ports', () => {
  const base = flow(a, b, { time: 0 });
  const cases: Array<[string, Parameters<typeof isReplyFlow>[0], boolean]> = [
    ['is_reply true', { ...base, unmapped: '{"is_reply":true}' }, true],
    ['is_reply false wins over ports', { ...flow({ ...a, port: 80 }, { ...b, port: 50000 }, { time: 0 }), unmapped: '{"is_reply":false}' }, false],
    ['older reply field', { ...base, unmapped: '{"reply":true,"Summary":"x"}' }, true],
    ['SYN', { ...base, unmapped: '{}', connection_info: { ...base.connection_info, tcp_flags: 2 } }, false],
    ['SYN-ACK', { ...base, unmapped: '{}', connection_info: { ...base.connection_info, tcp_flags: 18 } }, true],
    ['ICMP echo reply', { ...flow(a, b, { time: 0, proto: 'ICMPv4', icmpType: 0 }), unmapped: '{}' }, true],
    ['ICMP echo request', { ...flow(a, b, { time: 0, proto: 'ICMPv4', icmpType: 8 }), unmapped: '{}' }, false],
    ['L7 response', { ...base, unmapped: '{}', l7: { type: 'RESPONSE', latency_ns: null, http: null, dns: null, kafka: null } }, true],
    ['service port to ephemeral port', { ...flow({ ...a, port: 9080 }, { ...b, port: 51234 }, { time: 0 }), unmapped: '{}' }, true],
    ['ephemeral to service port', { ...flow(a, b, { time: 0 }), unmapped: '{}' }, false],
    ['both ephemeral', { ...flow({ ...a, port: 40001 }, { ...b, port: 50000 }, { time: 0 }), unmapped: '{}' }, false],
    ['a header value is not the flag', { ...base, unmapped: '{"headers":[{"key":"x","value":"\\"is_reply\\":true"}]}' }, false],
  ];
  for (const [name, f, expected] of cases) assert.equal(isReplyFlow(f, 32768), expected, name);
});

test('the server port: destination port of a request, source port of a reply, ICMP request type', () => {
  assert.equal(serverPort(flow(a, b, { time: 0 }), false), '8080');
  assert.equal(serverPort(flow({ ...b, port: 8080 }, { ...a, port: 40000 }, { time: 0 }), true), '8080');
  assert.equal(serverPort(flow(a, b, { time: 0, proto: 'ICMPv4', icmpType: 0 }), true), '8', 'echo reply -> echo');
  assert.equal(serverPort(flow({ ...a, port: null }, { ...b, port: null }, { time: 0, proto: 'SCTP' }), false), '-');
});

test('peer ids: workload identity, FQDN when known, else CIDR bucket; entities; never an IP', () => {
  assert.equal(peerId(b), 'w:test/shop/Deployment/b');
  assert.equal(peerId(externalEnd('203.0.113.9', 443, 'API.Stripe.com.')), 'fqdn:api.stripe.com');
  assert.equal(peerId(externalEnd('203.0.113.9', 443)), 'cidr:203.0.113.0/24');
  assert.equal(peerId({ ...externalEnd('2001:db8:1:2::5', 443), type: 'ip', cidr_bucket: null }), 'cidr:2001:db8:1::/48');
  assert.equal(peerId(entityEnd('remote-node', '172.18.0.3', 4240)), 'ent:remote-node');
  assert.equal(peerId({ ...externalEnd('203.0.113.9', 1), ip: null, cidr_bucket: null }), 'unknown');
  assert.deepEqual(parsePeer('w:c/ns/Deployment/web'), { type: 'workload', cluster: 'c', namespace: 'ns', kind: 'Deployment', name: 'web' });
  assert.deepEqual(parsePeer('w:c/-/app/x'), { type: 'workload', cluster: 'c', namespace: null, kind: 'app', name: 'x' });
  assert.deepEqual(parsePeer('w:broken'), { type: 'unknown' });
  // Over the real fixtures, no peer id or key carries a full IP address.
  for (const { event } of fixtureFlows()) {
    const p = peerId(event.dst);
    if (event.dst.ip) assert.ok(!p.includes(event.dst.ip) || p.endsWith('/24'), p);
  }
});

test('edge keys round-trip, process parts are encoded', () => {
  const parts = { dir: 'out' as const, peer: 'fqdn:api.example.com', proto: 'TCP', port: '443', proc: null };
  assert.equal(edgeKey(parts), 'o|fqdn:api.example.com|TCP|443');
  assert.deepEqual(parseEdgeKey(edgeKey(parts)), parts);
  const withProc = { ...parts, dir: 'in' as const, proc: `${encodeURIComponent('/bin/we|ird')}>${encodeURIComponent('/bin/sh')}` };
  assert.deepEqual(parseEdgeKey(edgeKey(withProc)), withProc);
});

test('selector labels: intersection of the observations carrying labels, without per-pod labels', () => {
  const l = (o: Record<string, string>) => Object.entries(o).map(([key, value]) => ({ key, value }));
  const first = intersectLabels(null, l({ app: 'web', 'pod-template-hash': '5d9c', version: 'v1' }));
  assert.deepEqual(first, { app: 'web', version: 'v1' });
  assert.equal(intersectLabels(first, l({ app: 'web', version: 'v1', 'pod-template-hash': 'other' })), first, 'unchanged: same object');
  assert.equal(intersectLabels(first, []), first, 'no labels: ignored');
  assert.deepEqual(intersectLabels(first, l({ app: 'web', version: 'v2' })), { app: 'web' });
  assert.equal(intersectLabels(null, []), null);
});

test('version: image version first, then the configured labels', () => {
  const w = workloadEnd({ namespace: 's', name: 'x', labels: { version: 'v3' }, version: null }, 1).workload!;
  assert.equal(versionOf(w, ['version']), 'v3');
  assert.equal(versionOf({ ...w, image_version: 'sha256:abc' }, ['version']), 'sha256:abc');
  assert.equal(versionOf(w, ['app.kubernetes.io/version']), null);
});
