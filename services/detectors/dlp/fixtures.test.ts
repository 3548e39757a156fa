import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readDirectoryObjects } from '../../collectors/object_storage/directory.ts';
import { chunksOf, testDetector } from './testing.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const SKIP = new Set(['LICENSE.txt', 'expected_findings.json']);

/** CredSweeper rules of the types dlp has (as in test/shared-data/check-dlp.ts). */
function typeOf(rule: string, value: string): string | null {
  if (rule === 'AWS Client ID') return 'aws_access_key_id';
  if (rule === 'AWS Multi') return /^(?:AKIA|ASIA|A3T)/.test(value) ? 'aws_access_key_id' : 'aws_secret_access_key';
  const map: Record<string, string> = { 'PEM Private Key': 'private_key', 'JSON Web Token': 'jwt', 'Gitlab Prefix Token': 'gitlab_token', 'Slack Webhook': 'slack_token', 'Stripe Credentials': 'stripe_key' };
  return map[rule] ?? null;
}

test('CredSweeper samples: every labelled line of a supported type is found, and only those (documented exceptions)', async () => {
  const expected = JSON.parse(readFileSync(`${FIXTURES}credsweeper/expected_findings.json`, 'utf8')) as Array<{ rule: string; line_data_list: Array<{ path: string; line_num: number; value: string | null }> }>;
  const labels = new Set<string>();
  for (const e of expected) {
    for (const l of e.line_data_list) {
      const t = typeOf(e.rule, l.value ?? '');
      if (t) labels.add(`${t} ${l.path.replace('./tests/samples/', '')}:${l.line_num}`);
    }
  }
  assert.ok(labels.size >= 35);
  const d = testDetector({ verdicts: 'findings' });
  const covered = new Set<string>();
  const extra: string[] = [];
  const content = new Map<string, Buffer>();
  for await (const out of readDirectoryObjects(`${FIXTURES}credsweeper`, { config: { chunkBytes: 1024 } })) {
    if (out.kind !== 'event' || out.stream !== 'object_chunk' || SKIP.has(out.event.object.key)) continue;
    const e = out.event;
    content.set(e.object.key, Buffer.concat([content.get(e.object.key) ?? Buffer.alloc(0), e.content]));
    for (const f of d.run([e])) {
      if (f.rule === 'object_verdict') continue;
      const bytes = content.get(e.object.key)!;
      const off = Number(f.evidences[0]!.offset);
      const first = bytes.subarray(0, off).toString('latin1').split('\n').length;
      const last = first + bytes.subarray(off, off + Number(f.evidences[0]!.length)).toString('latin1').split('\n').length - 1;
      let hit = false;
      for (let line = first; line <= last; line++) {
        const k = `${f.rule} ${e.object.key}:${line}`;
        if (labels.has(k)) {
          covered.add(k);
          hit = true;
        }
      }
      if (!hit) extra.push(`${f.rule} ${e.object.key}:${first} ${String(f.evidences[0]!.subtype)}`);
    }
  }
  assert.deepEqual([...labels].filter((l) => !covered.has(l)), [], 'labelled lines not found');
  assert.deepEqual(extra.sort(), [
    // AppSync API key assigned to apiKey: CredSweeper has a rule of its own for it.
    'generic_secret aws_client_id:11 null',
    // The session token of the AWS credentials JSON: CredSweeper does not label it.
    'generic_secret aws_multi.md:9 null',
    // Encrypted private keys are reported (Medium) by dlp; CredSweeper counts them as negatives.
    'private_key pem_key.n.encrypted.1:1 pkcs8_encrypted',
  ]);
});

test('Presidio records: cards, SSNs, e-mails and phones found at their spans, nothing else', () => {
  const records = JSON.parse(readFileSync(`${FIXTURES}presidio/generated_small_subset.json`, 'utf8')) as Array<{ full_text: string; spans: Array<{ entity_type: string; start_position: number; end_position: number }> }>;
  const types: Record<string, string> = { CREDIT_CARD: 'payment_card', US_SSN: 'us_ssn', EMAIL_ADDRESS: 'email', PHONE_NUMBER: 'phone' };
  const d = testDetector({ verdicts: 'findings' });
  let labelled = 0;
  records.forEach((r, i) => {
    const byteAt = (ch: number): number => Buffer.byteLength(r.full_text.slice(0, ch), 'utf8');
    const want = r.spans
      .filter((s) => types[s.entity_type])
      .map((s) => `${types[s.entity_type]}@${byteAt(s.start_position)}+${byteAt(s.end_position) - byteAt(s.start_position)}`)
      .sort();
    labelled += want.length;
    const bytes = Buffer.from(r.full_text, 'utf8');
    const got = d
      .run(chunksOf(bytes, [Math.floor(bytes.length / 2)], { key: `presidio/${i}.txt` }))
      .filter((f) => f.rule !== 'object_verdict')
      .map((f) => `${f.rule}@${String(f.evidences[0]!.offset)}+${String(f.evidences[0]!.length)}`)
      .sort();
    assert.deepEqual(got, want, r.full_text);
  });
  assert.equal(labelled, 25);
});
