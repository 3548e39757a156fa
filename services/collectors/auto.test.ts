import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { autoCollector } from './auto.ts';
import { COLLECTOR_SPECS } from './registry.ts';
import type { CollectorOutput } from '../core/components.ts';

const auto = autoCollector(COLLECTOR_SPECS);
const fixture = (p: string) => readFileSync(new URL(`../../test/fixtures/${p}`, import.meta.url));
const run = (name: string, bytes: Buffer): CollectorOutput[] => [...auto.collect({ name, bytes })];
const streams = (outs: CollectorOutput[]) => outs.map((o) => (o.kind === 'event' ? o.stream : `dead:${o.reasonCode}`));

test('auto picks the collector per record in a mixed NDJSON file, keeping each record position', () => {
  const cloudtrail = readFileSync(new URL('../../test/fixtures/cloudtrail/otrf/ec2_proxy_s3_exfiltration_2020-09-14011940.jsonl', import.meta.url), 'utf8').split('\n')[0]!;
  const hubble = fixture('hubble_flows/basic-sample-10-flows.jsonl').toString('utf8').split('\n')[0]!;
  const osv = fixture('osv/go_advisories_selected.jsonl').toString('utf8').split('\n')[0]!;
  const outs = run('mixed.ndjson', Buffer.from([cloudtrail, hubble, '{"hello":"world"}', osv].join('\n')));
  assert.deepEqual(streams(outs).slice(0, 3), ['activity', 'flow', 'dead:SLUICE_ERR_INPUT_MALFORMED']);
  assert.ok(streams(outs).slice(3).every((s) => s === 'advisory'));
  assert.deepEqual(outs.slice(0, 3).map((o) => o.position), ['mixed.ndjson#0', 'mixed.ndjson#1', 'mixed.ndjson#2']);
  const unknown = outs[2]!;
  assert.ok(unknown.kind === 'dead_letter' && /no collector recognises this record/.test(unknown.reason));
});

test('auto recognises whole non-JSON documents: CycloneDX XML, VPC flow log text, YAML templates', () => {
  // The inventory, then its 10 per-package records (the sbom collector's packageRecords).
  assert.deepEqual(streams(run('alpine.cdx.xml', fixture('sbom/osv-scanner/alpine.cdx.xml'))), Array(11).fill('image_inventory'));
  assert.deepEqual(streams(run('alpine.cdx.xml.gz', gzipSync(fixture('sbom/osv-scanner/alpine.cdx.xml')))), Array(11).fill('image_inventory'));
  const vpc = streams(run('vpc.log', fixture('vpc_flow_logs/derived/vpc-flow-v2.log')));
  assert.ok(vpc.filter((s) => s === 'flow').length >= 9, vpc.join(','));
  assert.ok(streams(run('bucket.yaml', fixture('config_files/cfn/public-bucket.yaml'))).every((s) => s === 'config'));
  assert.ok(streams(run('workloads.yaml', fixture('config_files/k8s/workloads.yaml'))).every((s) => s === 'config'));
});

test('text no collector recognises is dead-lettered, not dropped', () => {
  const outs = run('notes.txt', Buffer.from('just some words\nand more words\n'));
  assert.ok(outs.length > 0);
  assert.ok(outs.every((o) => o.kind === 'dead_letter'));
});
