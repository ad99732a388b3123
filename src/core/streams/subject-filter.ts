// Subject filters of JetStream consumers and stream reads: one or more subjects, literal or
// with wildcards, matched against the literal subjects of stored messages. Literal filters are
// a Set lookup; each wildcard filter is split into its tokens once, when the filter is made,
// and a subject is then matched against those tokens in place (nothing allocated per match).
// No cache of decisions: a consumer created on a stream of 100 k subjects asks about each once
// (num_pending), and a bounded cache only thrashed. Matching the pre-split pattern is about half
// the cost of core/routing's subjectMatches, which re-scans the filter for its separators on
// every call (see TokenPattern).
import { hasWildcardToken } from '../routing/subject.js';
import type { SubjectFilter } from './types.js';

/**
 * A wildcard filter split once: its literal prefix up to the first wildcard token ("mem." of
 * "mem.*.x"), the tokens after it (null for '*') and whether it ends in '>'. Matching uses
 * startsWith and indexOf, which run as native code even while the caller is still interpreted:
 * the first consumer created on a stream of 100 k subjects matches each once, before V8 has
 * optimised anything (a hand-written character loop was 2x slower there, and only 10 % faster
 * once optimised).
 */
class TokenPattern {
  private readonly prefix: string;
  private readonly tokens: (string | null)[];
  private readonly tail: boolean;

  constructor(filter: string) {
    const tokens = filter.split('.');
    this.tail = tokens[tokens.length - 1] === '>';
    if (this.tail) tokens.pop();
    let lead = 0;
    while (lead < tokens.length && tokens[lead] !== '*') lead++;
    this.prefix = lead === 0 ? '' : tokens.slice(0, lead).join('.') + '.';
    this.tokens = tokens.slice(lead).map((t) => (t === '*' ? null : t));
  }

  /** Whether the literal subject `s` (valid: non-empty tokens) matches. */
  matches(s: string): boolean {
    const sn = s.length;
    let si = this.prefix.length;
    if (si > 0 && !s.startsWith(this.prefix)) return false;
    const tokens = this.tokens;
    for (let i = 0; i < tokens.length; i++) {
      // The subject has no token left for this one.
      if (si >= sn) return false;
      const t = tokens[i]!;
      let e = s.indexOf('.', si);
      if (e < 0) e = sn;
      if (t === null) {
        if (e === si) return false;
      } else if (e - si !== t.length || !s.startsWith(t, si)) return false;
      si = e + 1;
    }
    // '>' needs one token or more left; otherwise the subject must be used up.
    return this.tail ? si < sn : si > sn;
  }
}

class Filter implements SubjectFilter {
  private readonly literals: Set<string>;
  private readonly patterns: TokenPattern[];
  readonly all: boolean;
  /** True when every subject of the filter is literal (a subject index can look them up). */
  readonly literalOnly: boolean;

  constructor(readonly subjects: readonly string[]) {
    this.literals = new Set(subjects.filter((s) => !hasWildcardToken(s)));
    const wildcards = subjects.filter((s) => hasWildcardToken(s));
    this.patterns = wildcards.map((w) => new TokenPattern(w));
    this.all = wildcards.includes('>');
    this.literalOnly = wildcards.length === 0;
  }

  matches(subject: string): boolean {
    if (this.all || this.literals.has(subject)) return true;
    const p = this.patterns;
    for (let i = 0; i < p.length; i++) if (p[i]!.matches(subject)) return true;
    return false;
  }
}

/** A filter over `subjects`; null (every subject) when the list is empty or holds '>'. */
export function subjectFilter(subjects: readonly string[]): SubjectFilter | null {
  const list = subjects.filter((s) => s.length > 0);
  if (list.length === 0 || list.includes('>')) return null;
  return new Filter(list);
}

/** Whether two subjects (either may have wildcards) can match a common literal subject. */
export function subjectsCollide(a: string, b: string): boolean {
  const x = a.split('.');
  const y = b.split('.');
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const p = x[i]!;
    const q = y[i]!;
    if (p === '>' || q === '>') return true;
    if (p === '*' || q === '*') continue;
    if (p !== q) return false;
  }
  return x.length === y.length;
}

/** Whether every subject `sub` can match is also matched by `of` (nats-server's subjectIsSubsetMatch). */
export function subjectIsSubset(sub: string, of: string): boolean {
  const x = sub.split('.');
  const y = of.split('.');
  for (let i = 0; i < x.length; i++) {
    const q = y[i];
    if (q === undefined) return false;
    if (q === '>') return true;
    const p = x[i]!;
    if (p === '>') return false;
    if (q === '*') continue;
    if (p === '*' || p !== q) return false;
  }
  return x.length === y.length;
}
