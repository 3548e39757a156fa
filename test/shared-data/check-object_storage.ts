/**
 * Runs the object_storage directory reader over the shared development data (/work/shared/data/dlp, or
 * the folder given as the first argument) and prints how many objects, chunks and rejects came out,
 * the sniffed content types, and checks every chunk against schemas/avro/object_chunk.v1.avsc and that
 * each object's chunks reassemble to the file (decoded when gzip). Exit 0 with a note when the folder is
 * absent; exit 1 on a reject, a schema failure or a mismatch.
 *
 *   node --import tsx test/shared-data/check-object_storage.ts [dir] [--chunk-bytes N] [--verbose]
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import avro from 'avsc';
import { readDirectoryObjects } from '../../services/collectors/object_storage/index.ts';

const args = process.argv.slice(2);
const verbose = args.includes('--verbose');
const chunkArg = args.indexOf('--chunk-bytes');
const chunkBytes = chunkArg >= 0 ? Number(args[chunkArg + 1]) : 1024;
const dir = args.find((a, i) => !a.startsWith('--') && (chunkArg < 0 || i !== chunkArg + 1)) ?? '/work/shared/data/dlp';

if (!existsSync(dir)) {
  console.log(`check-object_storage: ${dir} is absent; nothing to check.`);
  process.exit(0);
}

const type = avro.Type.forSchema(JSON.parse(readFileSync(new URL('../../schemas/avro/object_chunk.v1.avsc', import.meta.url), 'utf8')) as avro.Schema);
const totals = { objects: 0, chunks: 0, rejected: 0, bytes: 0, schemaFailures: 0, mismatches: 0 };
const types = new Map<string, number>();
const parts = new Map<string, Buffer[]>();
let failed = false;

for await (const out of readDirectoryObjects(dir, { config: { chunkBytes } })) {
  if (out.kind === 'dead_letter') {
    totals.rejected++;
    failed = true;
    console.log(`REJECT ${out.position}: ${out.reason}`);
    continue;
  }
  if (out.stream !== 'object_chunk') continue;
  const e = out.event;
  totals.chunks++;
  totals.bytes += e.size;
  if (!type.isValid(e)) {
    totals.schemaFailures++;
    failed = true;
    console.log(`SCHEMA ${out.position}`);
  }
  const list = parts.get(e.object.key) ?? [];
  list.push(e.content);
  parts.set(e.object.key, list);
  if (e.is_last) {
    totals.objects++;
    types.set(e.object.content_type, (types.get(e.object.content_type) ?? 0) + 1);
    const stored = readFileSync(join(dir, ...e.object.key.split('/')));
    const expected = e.object.content_encoding === 'gzip' ? gunzipSync(stored) : stored;
    if (!Buffer.concat(list).equals(expected)) {
      totals.mismatches++;
      failed = true;
      console.log(`MISMATCH ${e.object.key}`);
    }
    parts.delete(e.object.key);
    if (verbose) console.log(`${e.object.key}: ${e.total_chunks} chunk(s), ${e.offset + e.size} bytes, ${e.object.content_type}`);
  }
}

console.log(`check-object_storage: ${dir} (chunkBytes ${chunkBytes})`);
console.log(`  objects ${totals.objects}, chunks ${totals.chunks}, decoded bytes ${totals.bytes}, rejected ${totals.rejected}, schema failures ${totals.schemaFailures}, mismatches ${totals.mismatches}`);
console.log(`  content types: ${[...types].sort((a, b) => b[1] - a[1]).map(([t, n]) => `${t} ${n}`).join(', ')}`);
process.exit(failed ? 1 : 0);
