/**
 * Sigma condition expressions: `selection and not filter`, `1 of selection*`, `all of them`,
 * parentheses; `not` binds tighter than `and`, which binds tighter than `or`. Aggregations
 * (`| count() by …`) and `near` are not supported and are reported.
 */

export type ConditionNode =
  | { kind: 'ref'; name: string }
  | { kind: 'of'; quantifier: 'one' | 'all'; pattern: string }
  | { kind: 'not'; operand: ConditionNode }
  | { kind: 'and' | 'or'; operands: ConditionNode[] };

type Token = { t: 'word'; v: string } | { t: '(' } | { t: ')' };

function tokenize(text: string): Token[] {
  if (text.includes('|')) throw new Error('aggregation conditions (`| count() …`) are not supported');
  const out: Token[] = [];
  const re = /\s*(\(|\)|[^\s()]+)/y;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    m = re.exec(text);
    if (!m) break;
    pos = re.lastIndex;
    const v = m[1]!;
    if (v === '(') out.push({ t: '(' });
    else if (v === ')') out.push({ t: ')' });
    else out.push({ t: 'word', v });
  }
  if (text.slice(pos).trim() !== '') throw new Error(`cannot read the condition near "${text.slice(pos, pos + 20)}"`);
  return out;
}

/** Parses a Sigma condition; throws an Error whose message says what is wrong. */
export function parseCondition(text: string): ConditionNode {
  const tokens = tokenize(text);
  let i = 0;
  const peekWord = (): string | null => {
    const t = tokens[i];
    return t && t.t === 'word' ? t.v.toLowerCase() : null;
  };
  const parseOr = (): ConditionNode => {
    const operands = [parseAnd()];
    while (peekWord() === 'or') {
      i++;
      operands.push(parseAnd());
    }
    return operands.length === 1 ? operands[0]! : { kind: 'or', operands };
  };
  const parseAnd = (): ConditionNode => {
    const operands = [parseNot()];
    while (peekWord() === 'and') {
      i++;
      operands.push(parseNot());
    }
    return operands.length === 1 ? operands[0]! : { kind: 'and', operands };
  };
  const parseNot = (): ConditionNode => {
    if (peekWord() === 'not') {
      i++;
      return { kind: 'not', operand: parseNot() };
    }
    return parseAtom();
  };
  const parseAtom = (): ConditionNode => {
    const t = tokens[i];
    if (!t) throw new Error('the condition ends too early');
    if (t.t === '(') {
      i++;
      const inner = parseOr();
      if (tokens[i]?.t !== ')') throw new Error('a parenthesis is not closed');
      i++;
      return inner;
    }
    if (t.t === ')') throw new Error('unexpected ")"');
    const w = t.v.toLowerCase();
    if (w === '1' || w === 'all' || w === 'any') {
      const next = tokens[i + 1];
      if (next?.t === 'word' && next.v.toLowerCase() === 'of') {
        const target = tokens[i + 2];
        if (!target || target.t !== 'word') throw new Error(`"${t.v} of" needs a selection name or pattern`);
        i += 3;
        return { kind: 'of', quantifier: w === 'all' ? 'all' : 'one', pattern: target.v };
      }
      if (/^[0-9]+$/.test(w)) throw new Error(`"${t.v} of" with a count other than 1 is not supported`);
    }
    if (/^[0-9]+$/.test(w) && tokens[i + 1]?.t === 'word' && (tokens[i + 1] as { v: string }).v.toLowerCase() === 'of') {
      throw new Error(`"${t.v} of" (a count other than 1) is not supported`);
    }
    if (['and', 'or', 'not', 'of', 'near'].includes(w)) throw new Error(`unexpected "${t.v}"${w === 'near' ? ' (near is not supported)' : ''}`);
    i++;
    return { kind: 'ref', name: t.v };
  };
  const node = parseOr();
  if (i < tokens.length) {
    const t = tokens[i]!;
    throw new Error(`unexpected ${t.t === 'word' ? `"${t.v}"` : `"${t.t}"`} in the condition`);
  }
  return node;
}
