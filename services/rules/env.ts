import { CelScalar, celEnv, type CelEnv } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
// @bufbuild/re2 is @bufbuild/cel's own regular-expression engine (its dependency): used here only to
// cache compiled patterns, which the standard `matches` recompiles on every call.
import { RE2JS } from '@bufbuild/re2';
import { RULE_HELPERS } from './helpers.ts';

/** What a rule is evaluated on: an activity event, or (posture rules) a resource configuration. */
export type RuleInput = 'activity' | 'resource';

/**
 * Variables each input binds. `event` is the normalized ApiActivity (with `unmapped` parsed),
 * `raw` the parsed raw record; `resource` is a resource configuration object (posture rules, not
 * shipped yet). A rule may only name the variables of its own input.
 */
export const INPUT_VARIABLES: Readonly<Record<RuleInput, readonly string[]>> = {
  activity: ['event', 'raw'],
  resource: ['resource'],
};

const compiled = new Map<string, { test(text: string): boolean }>();

/**
 * RE2 (linear time, the CEL standard's syntax) with compiled patterns cached, at most 2000. Each
 * pattern remembers its last input and answer: several rules often test one pattern on the same
 * field of one event (the EC2 instance-role session name), and RE2 runs once.
 */
export const cachedRe2 = {
  compile(pattern: string): { test(text: string): boolean } {
    let m = compiled.get(pattern);
    if (!m) {
      const re = RE2JS.compile(pattern);
      let lastText: string | null = null;
      let lastResult = false;
      m = {
        test: (text: string): boolean => {
          if (text !== lastText) {
            lastResult = re.test(text);
            lastText = text;
          }
          return lastResult;
        },
      };
      if (compiled.size >= 2000) compiled.clear();
      compiled.set(pattern, m);
    }
    return m;
  },
};

/** The one CEL environment of all rules: standard library, the strings extension and the helpers. */
export const RULE_ENV: CelEnv = celEnv({
  variables: { event: CelScalar.DYN, raw: CelScalar.DYN, resource: CelScalar.DYN },
  funcs: [...strings, ...RULE_HELPERS],
  re2: cachedRe2,
});

/** Operators and macros the parser emits that are not listed in the function resolver. */
const BUILTIN_CALLS: Record<string, number[]> = {
  '_&&_': [2],
  '_||_': [2],
  '_?_:_': [3],
  '_[_]': [2],
  '!_': [1],
  '-_': [1],
  '@not_strictly_false': [1],
  '@in': [2],
  '_==_': [2],
  '_!=_': [2],
  '_<_': [2],
  '_<=_': [2],
  '_>_': [2],
  '_>=_': [2],
  '_+_': [2],
  '_-_': [2],
  '_*_': [2],
  '_/_': [2],
  '_%_': [2],
};

/** Arity of each callable name: `fn:<n>` for global calls, `method:<n>` for `x.f(...)` calls. */
export const CALL_SIGNATURES: ReadonlyMap<string, ReadonlySet<string>> = (() => {
  const out = new Map<string, Set<string>>();
  const add = (name: string, sig: string): void => {
    let s = out.get(name);
    if (!s) out.set(name, (s = new Set()));
    s.add(sig);
  };
  for (const f of RULE_ENV.funcs) {
    if (f.target) add(f.name, `method:${f.arguments.length}`);
    else add(f.name, `fn:${f.arguments.length}`);
  }
  for (const [name, arities] of Object.entries(BUILTIN_CALLS)) for (const n of arities) add(name, `fn:${n}`);
  return out;
})();
