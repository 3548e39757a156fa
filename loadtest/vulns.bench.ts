/**
 * The vulns join, single thread, on synthetic but OSV-shaped data: `npm run bench -- vulns [--packages 5000] [--advisories 20000] [--images 2000]
 * [--per-image 150] [--osv <jsonl>...]`. Advisories are clones of real OSV records (the fixtures,
 * or the files given) spread over `--packages` package names; images hold `--per-image` of them at
 * versions drawn from the records' `versions` lists or ranges. Prints JSON: DB load rate, image
 * package records matched per second, state bytes per advisory and per image, and a new
 * advisory's incremental rescan next to a full rescan of every image.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Advisory } from '../services/core/model/advisory.ts';
import type { ImageInventory } from '../services/core/model/image-inventory.ts';
import { MemoryKeyedState } from '../services/core/state.ts';
import { VulnsConfig } from '../services/detectors/vulns/config.ts';
import { VulnsDetector } from '../services/detectors/vulns/detector.ts';
import { matchPackage } from '../services/detectors/vulns/match.ts';
import type { VulnsState } from '../services/detectors/vulns/state.ts';
import { osvCollector } from '../services/collectors/osv/index.ts';

interface Args {
  packages: number;
  advisories: number;
  images: number;
  perImage: number;
  osv: string[];
}

function parseArgs(argv: readonly string[]): Args {
  const a: Args = { packages: 5000, advisories: 20000, images: 2000, perImage: 150, osv: [] };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const v = argv[i + 1];
    if (k === '--osv' && v) {
      a.osv.push(v);
      i++;
    } else if (k.startsWith('--') && v !== undefined) {
      const key = k.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()) as keyof Args;
      if (key !== 'osv' && key in a) (a[key] as number) = Number(v);
      i++;
    }
  }
  return a;
}

/** A tiny deterministic PRNG (mulberry32), so runs are comparable. */
function rng(seed: number): () => number {
  let t = seed;
  return () => {
    t = (t + 0x6d2b79f5) | 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

async function sourceAdvisories(files: readonly string[]): Promise<Advisory[]> {
  const paths = files.length ? files : [new URL('../services/detectors/vulns/fixtures/osv/pypi-sample.jsonl', import.meta.url).pathname, new URL('../services/detectors/vulns/fixtures/osv/go-sample.jsonl', import.meta.url).pathname];
  const out: Advisory[] = [];
  for (const p of paths) for (const o of osvCollector().collect({ name: p, bytes: readFileSync(p) })) if (o.kind === 'event' && o.stream === 'advisory' && o.event.withdrawn === null) out.push(o.event);
  return out;
}

/** A version the advisory affects, when it says one (a listed version or an introduced one), else '0.0.1'. */
function someVersion(a: Advisory, r: () => number): string {
  const listed = a.affected.flatMap((e) => e.versions);
  if (listed.length) return listed[Math.floor(r() * listed.length)]!;
  const intro = a.affected.flatMap((e) => e.ranges.filter((x) => x.type !== 'GIT').flatMap((x) => x.events.map((ev) => ev.introduced).filter((v): v is string => v !== null && v !== '0')));
  return intro[0] ?? '0.0.1';
}

export async function runVulnsBench(argv: readonly string[]): Promise<Record<string, unknown>> {
  const args = parseArgs(argv);
  const r = rng(7);
  const base = await sourceAdvisories(args.osv);
  // Advisories: clone base records onto `packages` synthetic package names of their ecosystem.
  const advisories: Array<{ key: string; event: Advisory }> = [];
  const packageOf: Array<{ key: string; eco: string; name: string; sample: Advisory }> = [];
  for (let p = 0; p < args.packages; p++) {
    const sample = base[p % base.length]!;
    const name = `${sample.package.name}-${p}`;
    packageOf.push({ key: `${sample.package.ecosystem}/${name}`, eco: sample.package.ecosystem, name, sample });
  }
  for (let i = 0; i < args.advisories; i++) {
    const pkg = packageOf[i % args.packages]!;
    const src = base[(i * 7) % base.length]!.package.ecosystem === pkg.eco ? base[(i * 7) % base.length]! : pkg.sample;
    const id = `BENCH-${i}`;
    const event: Advisory = {
      ...src,
      id,
      aliases: [`CVE-2099-${i}`],
      metadata: { ...src.metadata, uid: `${id}#${pkg.key}` },
      package: { ecosystem: pkg.eco, name: pkg.name, purl: null },
      affected: src.affected.map((e) => ({ ...e, package: e.package ? { ecosystem: pkg.eco, name: pkg.name, purl: null } : null })),
    };
    advisories.push({ key: pkg.key, event });
  }
  // Images: `perImage` package records each.
  const images: Array<{ key: string; event: ImageInventory }> = [];
  const holders = new Map<string, number>();
  for (let m = 0; m < args.images; m++) {
    const digest = `sha256:${m.toString(16).padStart(64, '0')}`;
    const chosen = new Set<number>();
    while (chosen.size < Math.min(args.perImage, args.packages)) chosen.add(Math.floor(r() * args.packages));
    for (const p of chosen) {
      const pkg = packageOf[p]!;
      holders.set(pkg.key, (holders.get(pkg.key) ?? 0) + 1);
      const version = someVersion(pkg.sample, r);
      images.push({
        key: pkg.key,
        event: {
          metadata: { uid: `${digest}#${pkg.key}`, version: '1.3.0', product_name: 'bench', vendor_name: 'bench', log_name: null, original_time: '', source: 'sbom' },
          time: 0,
          image: { uid: digest, digest, repository: `bench/app-${m}`, tags: ['latest'], os: null },
          packages: [{ purl: null, name: pkg.name, version, type: null, ecosystem: pkg.eco, licenses: [], source_package: null }],
          sbom_format: 'cyclonedx',
          sbom_spec_version: '1.5',
          raw_data: null,
        },
      });
    }
  }
  const state = new MemoryKeyedState<VulnsState>();
  const detector = new VulnsDetector(VulnsConfig.parse({}), { state, clock: { now: () => 0 } });
  let offset = 0;
  const feed = (records: ReadonlyArray<{ key: string; event: Advisory | ImageInventory }>): number => {
    let n = 0;
    for (const { key, event } of records) n += detector.process(event, { key, topic: 't', partition: 0, offset: String(offset++) }).length;
    return n;
  };
  const stateBytes = (): number => {
    let b = 0;
    for (const k of state.keys()) b += Buffer.byteLength(JSON.stringify(state.get(k)));
    return b;
  };
  let t = performance.now();
  feed(advisories);
  const loadSeconds = (performance.now() - t) / 1000;
  const advisoryBytes = stateBytes();
  t = performance.now();
  const findings = feed(images);
  const imageSeconds = (performance.now() - t) / 1000;
  const totalBytes = stateBytes();
  // A new advisory for the most widely held package: incremental rescan.
  const [hotKey, k] = [...holders].sort((a, b) => b[1] - a[1])[0]!;
  const hot = advisories.find((a) => a.key === hotKey)!;
  const evalsBefore = detector.stats().evaluations;
  t = performance.now();
  feed([{ key: hotKey, event: { ...hot.event, id: 'BENCH-NEW', aliases: ['CVE-2099-999999'], modified: '2099-01-01T00:00:00Z', metadata: { ...hot.event.metadata, uid: 'BENCH-NEW' } } }]);
  const incrementalMs = performance.now() - t;
  const incrementalEvaluations = detector.stats().evaluations - evalsBefore;
  // The same news handled as a full rescan: every image package matched against its advisories again.
  t = performance.now();
  let fullMatches = 0;
  for (const key of state.keys()) {
    const s = state.get(key)!;
    const held = Object.values(s.advisories);
    for (const img of Object.values(s.images)) fullMatches += matchPackage(img.packages, held, img.osVersion, {}).length;
  }
  const fullMs = performance.now() - t;
  return {
    input: { ...args, sourceRecords: base.length },
    db_load: { advisories: args.advisories, seconds: +loadSeconds.toFixed(3), advisories_per_second: Math.round(args.advisories / loadSeconds) },
    images: { package_records: images.length, seconds: +imageSeconds.toFixed(3), package_records_per_second: Math.round(images.length / imageSeconds), findings },
    state: {
      bytes_total: totalBytes,
      bytes_per_advisory: Math.round(advisoryBytes / args.advisories),
      bytes_per_image: Math.round((totalBytes - advisoryBytes) / args.images),
      bytes_per_image_package: Math.round((totalBytes - advisoryBytes) / images.length),
    },
    new_advisory: { images_holding_package: k, evaluations: incrementalEvaluations, ms: +incrementalMs.toFixed(2) },
    full_rescan: { image_packages: images.length, ms: +fullMs.toFixed(1), matches: fullMatches },
  };
}
