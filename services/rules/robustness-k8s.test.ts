/**
 * Metamorphic robustness of the Kubernetes rules: every k8s_audit rule's inline tests are turned
 * back into audit.k8s.io/v1 Events (test/fixtures/k8s-forms/render.ts) and delivered in every
 * documented form (Event line, EventList, v1beta1, EKS via CloudWatch Logs, AKS diagnostics, AKS
 * table row); each must give the same verdict as the plain Event. The GKE Cloud Audit Logs form
 * cannot carry requestURI, annotations, groups or impersonatedUser, so it is compared with the plain Event without
 * them. The raw Events of test/fixtures/k8s-forms/*.json (written from the Kubernetes, EKS, GKE
 * and AKS docs, with their expected rule) go through the same forms.
 */
import { fileURLToPath } from 'node:url';
import { gkeEntry, K8S_FORMS, toK8sEvent, type Json } from '../../test/fixtures/k8s-forms/render.ts';
import type { CompiledRule } from './compile.ts';
import { loadRulePacks } from './index.ts';
import { collectActivity, registerFormTests, ruleFindings } from '../../test/support/rule-forms.ts';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/k8s-forms/', import.meta.url));
const rules = loadRulePacks(['@builtin/activity']).filter((r) => r.sources?.includes('k8s_audit'));
/** The Event without what GKE's form cannot hold. */
function gkeComparable(ev: Json): Json {
  const { requestURI: _u, annotations: _a, impersonatedUser: _i, ...rest } = ev;
  const user = { ...((ev.user ?? {}) as Json) };
  delete user.groups;
  delete user.extra;
  delete user.uid;
  return { ...rest, user };
}

function verdicts(rule: CompiledRule, records: readonly Json[], label: string): { baseline: number; diffs: string[] } {
  const run = (bytesOf: (ev: Json) => Buffer, recs: readonly Json[], name: string): number =>
    ruleFindings(rule, recs.flatMap((r, i) => collectActivity(bytesOf(r), `${label}/${name}#${i}`)));
  const plain = K8S_FORMS[0]!.render;
  const baseline = run(plain, records, 'plain');
  const diffs: string[] = [];
  const compare = (name: string, want: number, f: () => number): void => {
    try {
      const got = f();
      if (got > 0 !== want > 0) diffs.push(`${name}: ${got} finding(s), plain Event ${want}`);
    } catch (err) {
      diffs.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  for (const form of K8S_FORMS) compare(form.name, baseline, () => run(form.render, records, form.name));
  // GKE logs non-resource requests (/healthz, /version) under other methods: only resource requests are rendered.
  if (records.some((r) => r.objectRef === undefined)) return { baseline, diffs };
  const lossy = records.map(gkeComparable);
  const reduced = run(plain, lossy, 'reduced');
  compare('GKE Cloud Audit Logs entry', reduced, () => run((ev) => Buffer.from(JSON.stringify(gkeEntry(ev))), lossy, 'gke'));
  return { baseline, diffs };
}

registerFormTests({
  rules,
  toRecord: toK8sEvent,
  verdicts,
  fixturesDir: FIXTURES,
  sourceName: 'Kubernetes',
  plainName: 'Event',
  minRules: 40,
  minRendered: 150,
});
