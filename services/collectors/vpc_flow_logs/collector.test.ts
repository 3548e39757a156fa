import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { CollectorOutput } from '../../core/components.ts';
import { OCSF_VERSION } from '../../core/events.ts';
import { SluiceError } from '../../core/errors.ts';
import type { NetworkFlow } from '../../core/model/network-flow.ts';
import { logLines, pantherCases, pantherLog, V2_LOG, V5_LOG } from '../../../test/fixtures/vpc_flow_logs/load.ts';
import { stableRecordUid } from '../aws_cloudtrail/index.ts';
import { normalizeVpcRecord, parseHeader, VpcFlowLogsConfigSchema, vpcFlowLogsCollector, vpcFlowLogsSpec } from './index.ts';
import { assertCollectorSpec, assertFieldsDocumented, assertOnlyRejects, avroRoundTrip, splitOutputs, type SplitOutputs } from '../../../test/fixtures/collector-kit.ts';
import { assertSniffs } from '../../../test/fixtures/hubble_flows/sniff-samples.ts';

// Expected values below were written from reading the fixture lines (see test/fixtures/vpc_flow_logs/SOURCE.md).

const assertAvroRoundTrip = avroRoundTrip<NetworkFlow>('network_flow.v1');
const split = (outputs: Iterable<CollectorOutput>): SplitOutputs<'flow'> => splitOutputs(outputs, 'flow');

const collector = vpcFlowLogsCollector();

describe('vpc_flow_logs: default (version 2) text with a header line', () => {
  const bytes = readFileSync(V2_LOG);
  const { events, rejects, all } = split(collector.collect({ name: 'v2.log', bytes }));

  it('reads 12 records: 9 flows, NODATA, SKIPDATA and a cut line rejected; the header takes no position', () => {
    assert.equal(all.length, 12);
    assert.equal(events.length, 9);
    assert.deepEqual(
      rejects.map((r) => [r.position, r.reasonCode, r.reason]),
      [
        ['v2.log#7', 'SLUICE_ERR_INPUT_MALFORMED', 'line 9: log-status NODATA: no traffic on eni-1235b8ca123456789 in 1431280876..1431280934; not a flow record'],
        [
          'v2.log#8',
          'SLUICE_ERR_INPUT_MALFORMED',
          'line 10: log-status SKIPDATA: AWS skipped flow records on eni-11111111111111111 in 1431280876..1431280934 (capacity or internal error); those flows were lost at the source',
        ],
        [
          'v2.log#11',
          'SLUICE_ERR_INPUT_MALFORMED',
          'line 13: not a VPC flow log record: 9 fields, the header has 14 (version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status)',
        ],
      ],
    );
    const lines = logLines(V2_LOG);
    assert.equal(rejects[0]!.raw.toString('utf8'), lines[8]);
    assert.equal(rejects.every((r) => r.source === 'vpc_flow_logs' && r.stage === 'collect'), true);
  });

  it('line 2: SSH from a public address, field by field', () => {
    const o = events[0]!;
    assert.equal(o.position, 'v2.log#0');
    assert.equal(o.key, 'external/1.1.1.0/24');
    const e = o.event;
    assert.equal(e.class_uid, 4001);
    assert.equal(e.activity_id, 6);
    assert.equal(e.activity_name, 'Traffic');
    assert.equal(e.type_uid, 400106);
    assert.equal(e.time, 1418530010_000);
    assert.equal(e.start_time, 1418530010_000);
    assert.equal(e.end_time, 1418530070_000);
    assert.deepEqual(e.src, {
      type: 'external', workload: null, ip: '1.1.1.1', port: 49152, fqdn: null, cidr_bucket: '1.1.1.0/24', is_external: true, instance_uid: null, interface_uid: null,
    });
    assert.deepEqual(e.dst, {
      type: 'ip', workload: null, ip: '10.0.0.1', port: 22, fqdn: null, cidr_bucket: null, is_external: false, instance_uid: null, interface_uid: null,
    });
    assert.deepEqual(e.connection_info, {
      protocol_name: 'TCP', protocol_num: 6, direction: 'unknown', l7_protocol: null, tcp_flags: null, icmp_type: null, icmp_code: null,
    });
    assert.equal(e.verdict, 'FORWARDED');
    assert.deepEqual(e.traffic, { bytes_in: null, bytes_out: 4249, packets_in: null, packets_out: 20 });
    assert.deepEqual(e.cloud, { provider: 'AWS', region: null, account_uid: '123456789010', vpc_uid: null, subnet_uid: null });
    assert.deepEqual(e.metadata, {
      uid: stableRecordUid({
        version: '2', 'account-id': '123456789010', 'interface-id': 'eni-1235b8ca123456789', srcaddr: '1.1.1.1', dstaddr: '10.0.0.1',
        srcport: '49152', dstport: '22', protocol: '6', packets: '20', bytes: '4249', start: '1418530010', end: '1418530070',
        action: 'ACCEPT', 'log-status': 'OK',
      }),
      version: OCSF_VERSION,
      product_name: 'VPC Flow Logs',
      vendor_name: 'AWS',
      log_name: 'vpc-flow-log-v2',
      original_time: '1418530010',
      source: 'vpc_flow_logs',
    });
    // Without flow-direction the interface cannot be placed on an end: it stays in unmapped.
    assert.deepEqual(JSON.parse(e.unmapped), { version: '2', 'interface-id': 'eni-1235b8ca123456789', 'log-status': 'OK' });
    assert.equal(e.raw_data, logLines(V2_LOG)[1]);
    assert.equal(e.node_name, null);
    assert.equal(e.l7, null);
  });

  it('keys: private sources by address, public by /24, IPv6 by /48; REJECT is Refuse; ICMP has no ports', () => {
    assert.deepEqual(
      events.map((o) => [o.key, o.event.verdict, o.event.activity_name, o.event.dst.port]),
      [
        ['external/1.1.1.0/24', 'FORWARDED', 'Traffic', 22],
        ['external/1.1.1.0/24', 'FORWARDED', 'Traffic', 443],
        ['ip/10.10.10.1', 'FORWARDED', 'Traffic', 22],
        ['external/1.1.1.0/24', 'DROPPED', 'Refuse', 22],
        ['ip/10.0.0.1', 'FORWARDED', 'Traffic', 53],
        ['ip/10.0.0.1', 'FORWARDED', 'Traffic', 53], // 100.100.100.100 is in 100.64.0.0/10 (shared address space)
        ['ip/10.0.0.1', 'FORWARDED', 'Traffic', 80],
        ['external/2001:db8:1234::/48', 'FORWARDED', 'Traffic', 22],
        ['external/203.0.113.0/24', 'FORWARDED', 'Traffic', null],
      ],
    );
    assert.equal(events[4]!.event.dst.is_external, true); // 1.1.1.1
    assert.equal(events[5]!.event.dst.is_external, false);
    assert.equal(events[5]!.event.dst.type, 'ip');
    assert.equal(events[8]!.event.connection_info.protocol_name, 'ICMPv4');
    assert.equal(events[8]!.event.src.port, null);
  });

  it('every event round-trips through the Avro schema', () => {
    events.forEach((o) => assertAvroRoundTrip(o.event, o.position));
  });

  it('reads the same lines without the header, and gzip\'d', () => {
    const body = logLines(V2_LOG).slice(1).join('\n');
    const plain = split(collector.collect({ name: 'cw', bytes: Buffer.from(body) }));
    assert.deepEqual(plain.events.map((o) => o.event), events.map((o) => o.event));
    const gz = split(collector.collect({ name: 's3.log.gz', bytes: gzipSync(bytes) }));
    assert.deepEqual(gz.events.map((o) => o.event), events.map((o) => o.event));
    assert.equal(gz.rejects.length, 3);
  });
});

describe('vpc_flow_logs: custom format (version 5 fields) with a header', () => {
  const { events, rejects } = split(collector.collect({ name: 'v5.log', bytes: readFileSync(V5_LOG) }));

  it('normalizes the 5 records: tcp-flags give the activity, flow-direction places the interface', () => {
    assert.deepEqual(rejects, []);
    assert.deepEqual(
      events.map((o) => [o.key, o.event.activity_name, o.event.connection_info.tcp_flags, o.event.connection_info.direction]),
      [
        ['external/52.213.180.0/24', 'Open', 2, 'ingress'],
        ['ip/10.0.0.62', 'Traffic', 18, 'egress'],
        ['external/52.213.180.0/24', 'Open', 3, 'ingress'],
        ['ip/10.0.0.62', 'Reset', 4, 'egress'],
        ['ip/10.0.0.62', 'Traffic', 0, 'egress'],
      ],
    );
    const first = events[0]!.event;
    assert.equal(first.dst.interface_uid, 'eni-1235b8ca123456789'); // ingress: the interface is the destination
    assert.equal(first.dst.instance_uid, 'i-01234567890123456');
    assert.equal(first.src.interface_uid, null);
    assert.deepEqual(first.cloud, {
      provider: 'AWS', region: 'us-east-1', account_uid: '123456789010', vpc_uid: 'vpc-abcdefab012345678', subnet_uid: 'subnet-aaaaaaaa012345678',
    });
    assert.deepEqual(first.traffic, { bytes_in: null, bytes_out: 568, packets_in: null, packets_out: 8 });
    assert.equal(first.metadata.log_name, 'vpc-flow-log-v5');
    assert.deepEqual(JSON.parse(first.unmapped), {
      version: '5', type: 'IPv4', 'pkt-srcaddr': '52.213.180.42', 'pkt-dstaddr': '10.0.0.62', 'log-status': 'OK',
    });
    assert.equal(events[1]!.event.src.interface_uid, 'eni-1235b8ca123456789'); // egress: the source
    assert.equal(events[4]!.event.src.instance_uid, null); // "-"
    events.forEach((o) => assertAvroRoundTrip(o.event, o.position));
  });

  it('recognises header lines, including the ${field} form of --log-format', () => {
    assert.deepEqual(parseHeader('${version} ${srcaddr} ${dstaddr} ${action}'), ['version', 'srcaddr', 'dstaddr', 'action']);
    assert.equal(parseHeader('2 123456789010 eni-1 1.1.1.1 10.0.0.1 1 22 6 1 40 1 2 ACCEPT OK'), null);
    assert.equal(parseHeader('hello world again'), null);
  });
});

describe('vpc_flow_logs: JSON forms', () => {
  it('Panther camelCase, Athena snake_case and VPC kebab-case keys give the same flow', () => {
    const camel = { version: 2, account: '123456789010', interfaceId: 'eni-1235b8ca123456789', srcAddr: '1.1.1.1', dstAddr: '10.0.0.1', srcPort: 49152, dstPort: 22, protocol: 6, packets: 20, bytes: 4249, start: '2014-12-14T04:06:50Z', end: '2014-12-14T04:07:50Z', action: 'ACCEPT', logStatus: 'OK', p_log_type: 'AWS.VPCFlow' };
    const snake = { version: 2, account_id: '123456789010', interface_id: 'eni-1235b8ca123456789', srcaddr: '1.1.1.1', dstaddr: '10.0.0.1', srcport: 49152, dstport: 22, protocol: 6, packets: 20, bytes: 4249, start: 1418530010, end: 1418530070, action: 'ACCEPT', log_status: 'OK' };
    const a = normalizeVpcRecord(camel).event;
    const b = normalizeVpcRecord(snake).event;
    const text = split(collector.collect({ name: 't', bytes: readFileSync(V2_LOG) })).events[0]!.event;
    for (const e of [a, b]) {
      assert.equal(e.time, text.time);
      assert.equal(e.end_time, text.end_time);
      assert.deepEqual(e.src, text.src);
      assert.deepEqual(e.dst, text.dst);
      assert.deepEqual(e.traffic, text.traffic);
      assert.deepEqual(e.cloud, text.cloud);
      assert.equal(e.verdict, 'FORWARDED');
    }
    assert.equal(a.metadata.original_time, '2014-12-14T04:06:50Z');
    assert.ok(!('p_log_type' in JSON.parse(a.unmapped)), 'Panther p_* fields are left out');
  });

  it('a CloudWatch Logs subscription payload: one record per logEvents message, uid = event id', () => {
    const lines = logLines(V2_LOG);
    const payload = {
      messageType: 'DATA_MESSAGE',
      owner: '123456789010',
      logGroup: 'vpc-flow-logs',
      logStream: 'eni-1235b8ca123456789-all',
      subscriptionFilters: ['to-sluice'],
      logEvents: [
        { id: '31953106606966983378809025079804211143289615424298221568', timestamp: 1418530010000, message: lines[1] },
        { id: '31953106606966983378809025079804211143289615424298221569', timestamp: 1418530010000, message: lines[8] },
        { id: '31953106606966983378809025079804211143289615424298221570', timestamp: 1418530010000, message: 'CWL CONTROL MESSAGE: Checking health of destination' },
      ],
    };
    const { events, rejects } = split(collector.collect({ name: 'cwl.json.gz', bytes: gzipSync(Buffer.from(JSON.stringify(payload))) }));
    assert.equal(events.length, 1);
    assert.equal(events[0]!.event.metadata.uid, '31953106606966983378809025079804211143289615424298221568');
    assert.equal(events[0]!.key, 'external/1.1.1.0/24');
    assert.deepEqual(rejects.map((r) => r.position), ['cwl.json.gz#1', 'cwl.json.gz#2']);
    assert.match(rejects[0]!.reason, /^log-status NODATA/);
    assert.match(rejects[1]!.reason, /^CloudWatch Logs event message is not a default-format VPC flow log record/);
  });

  it('Panther rule tests: Route 53 queries map to l7 dns; flow stubs without time and OCSF records are rejected', () => {
    const outcome: Record<string, string> = {};
    for (const c of pantherCases()) {
      const out = [...collector.collect({ name: c.case_id, bytes: Buffer.from(JSON.stringify(c.log)) })];
      assert.equal(out.length, 1, c.case_id);
      const o = out[0]!;
      outcome[c.case_id] = o.kind === 'event' ? `event ${o.key}` : o.reason;
      if (o.kind === 'event' && o.stream === 'flow') assertAvroRoundTrip(o.event, c.case_id);
    }
    const stub = 'not a VPC flow log record: start and end are both missing';
    const ocsf = 'an OCSF record (src_endpoint/dst_endpoint), not a VPC flow log record: OCSF input is not accepted by vpc_flow_logs';
    const dns = 'event external/5.6.7.0/24';
    assert.deepEqual(outcome, {
      'AWS.DNS.Crypto.Domain#0': dns, 'AWS.DNS.Crypto.Domain#1': dns, 'AWS.DNS.Crypto.Domain#2': dns, 'AWS.DNS.Crypto.Domain#3': dns,
      'AWS.DNS.Crypto.Domain#4': dns, 'AWS.DNS.Crypto.Domain#5': dns, 'AWS.DNS.Crypto.Domain#6': dns, 'AWS.DNS.Crypto.Domain#7': dns,
      'AWS.DNS.Crypto.Domain#8': ocsf, 'AWS.DNS.Crypto.Domain#9': ocsf,
      'AWS.VPC.SSHAllowedSignal#0': stub, 'AWS.VPC.SSHAllowedSignal#1': stub, 'AWS.VPC.SSHAllowedSignal#2': stub, 'AWS.VPC.SSHAllowedSignal#3': stub,
      'AWS.VPC.UnapprovedOutboundDNS#0': stub, 'AWS.VPC.UnapprovedOutboundDNS#1': stub, 'AWS.VPC.UnapprovedOutboundDNS#2': stub,
      'AWS.VPC.UnapprovedOutboundDNS#3': ocsf, 'AWS.VPC.UnapprovedOutboundDNS#4': ocsf,
    });
  });

  it('AWS.DNS.Crypto.Domain#2: a Route 53 Resolver query for moneropool.ru, field by field', () => {
    const log = pantherLog('AWS.DNS.Crypto.Domain#2');
    const { key, event: e } = normalizeVpcRecord(log);
    assert.equal(key, 'external/5.6.7.0/24');
    assert.equal(e.time, Date.UTC(2022, 5, 25, 0, 27, 53));
    assert.equal(e.metadata.product_name, 'Route 53 Resolver');
    assert.equal(e.metadata.log_name, 'route53-resolver-query-log');
    assert.equal(e.metadata.original_time, '2022-06-25 00:27:53');
    assert.equal(e.metadata.uid, stableRecordUid(log));
    assert.deepEqual(e.src, {
      type: 'external', workload: null, ip: '5.6.7.8', port: 8888, fqdn: null, cidr_bucket: '5.6.7.0/24', is_external: true, instance_uid: 'i-0abc234', interface_uid: null,
    });
    assert.equal(e.dst.type, 'unknown');
    assert.deepEqual(e.connection_info, {
      protocol_name: 'UDP', protocol_num: 17, direction: 'unknown', l7_protocol: 'dns', tcp_flags: null, icmp_type: null, icmp_code: null,
    });
    assert.deepEqual(e.l7?.dns, { query: 'moneropool.ru', qtypes: ['A'], rcode: 0, rcode_name: 'NOERROR', ips: ['1.2.3.4'], rrtypes: ['A'], ttl: null });
    assert.equal(e.verdict, 'UNKNOWN');
    assert.deepEqual(e.cloud, { provider: 'AWS', region: 'us-west-2', account_uid: '0123456789', vpc_uid: 'vpc-abc123', subnet_uid: null });
    assert.deepEqual(JSON.parse(e.unmapped), { query_class: 'IN', version: '1.100000', answers: { Class: 'IN', Rdata: '1.2.3.4', Type: 'A' } });
  });

  it('a Route 53 Resolver DNS Firewall BLOCK is DROPPED / Refuse', () => {
    const log = { ...pantherLog('AWS.DNS.Crypto.Domain#2'), firewall_rule_action: 'BLOCK' };
    const e = normalizeVpcRecord(log).event;
    assert.equal(e.verdict, 'DROPPED');
    assert.equal(e.verdict_reason, 'BLOCK');
    assert.equal(e.activity_name, 'Refuse');
  });
});

describe('vpc_flow_logs: bad input', () => {
  it('names the field', () => {
    const base = { srcaddr: '10.0.0.1', dstaddr: '10.0.0.2', start: 1418530010 };
    const cases: Array<[unknown, RegExp]> = [
      [{ ...base, srcaddr: 'ten' }, /^srcaddr "ten" is not an IP address$/],
      [{ ...base, dstport: 70000 }, /^dstport "70000" is not an integer in \[0, 65535\]$/],
      [{ ...base, protocol: 'tcp' }, /^protocol "tcp" is not an integer in \[0, 255\]$/],
      [{ ...base, action: 'ALLOW' }, /^action "ALLOW" is not ACCEPT or REJECT$/],
      [{ ...base, start: 'yesterday' }, /^start "yesterday" is neither epoch seconds nor an ISO-8601 date-time$/],
      [{ ...base, bytes: { n: 1 } }, /^bytes must be a string or a number, got an object$/],
      [{ ...base, 'log-status': 'MAYBE' }, /^log-status "MAYBE" is not OK, NODATA or SKIPDATA$/],
      [{ srcaddr: '10.0.0.1' }, /^not a VPC flow log record: dstaddr is missing; start and end are both missing$/],
      [[1], /^record must be a JSON object or a flow log line, got an array$/],
    ];
    for (const [record, reason] of cases) {
      assert.throws(
        () => normalizeVpcRecord(record),
        (err: unknown) => err instanceof SluiceError && err.code === 'SLUICE_ERR_INPUT_MALFORMED' && reason.test(err.message),
        String(reason),
      );
    }
  });

  it('never throws, whatever the bytes', () => {
    const hugeAccount = Buffer.from(`2 ${'9'.repeat(100000)} eni-1 1.1.1.1 10.0.0.1 1 22 6 1 40 1 2 ACCEPT OK`);
    assertOnlyRejects(collector, [
      Buffer.from('{"logEvents": 5}'),
      Buffer.from([0x1f, 0x8b, 0x00]),
      Buffer.from('2 123 eni-1 - - - - - - - x y - OK'),
      Buffer.from('version srcaddr dstaddr\n{"srcaddr": '),
      hugeAccount,
    ]);
    const [huge] = [...collector.collect({ name: 'huge', bytes: hugeAccount })];
    assert.equal(huge?.kind === 'dead_letter' && huge.reason, 'line 1: account-id is longer than 2048 characters');
  });
});

describe('vpc_flow_logs config, spec and sniff', () => {
  it('rejects unknown keys and documents every field', () => {
    assert.throws(
      () => vpcFlowLogsCollector({ bogus: 1 } as never),
      (err: unknown) => err instanceof SluiceError && err.code === 'SLUICE_ERR_CONFIG_INVALID' && /bogus/.test(err.message),
    );
    assertFieldsDocumented(VpcFlowLogsConfigSchema);
  });

  it('applies the caps', () => {
    const c = vpcFlowLogsCollector({ rawCapBytes: 0, unmappedCapBytes: 2 });
    const { events } = split(c.collect({ name: 'x', bytes: readFileSync(V2_LOG) }));
    assert.equal(events[0]!.event.raw_data, null);
    assert.equal(events[0]!.event.unmapped, '{"_truncated":true}');
  });

  it('exposes its spec', () => {
    assertCollectorSpec(vpcFlowLogsSpec, 'vpc_flow_logs', ['flow']);
  });

  it('sniffs true for its own records, false for CloudTrail, Azure, K8s audit, AWS Config, Hubble, VPC, SBOM and OSV records', () => {
    assertSniffs(vpcFlowLogsSpec, 'vpc_flow_logs');
  });
});
