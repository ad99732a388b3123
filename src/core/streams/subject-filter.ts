// Subject filters of JetStream consumers and stream reads: one or more subjects, literal or
// with wildcards, matched against the literal subjects of stored messages. Literal filters are
// a Set lookup; wildcard filters are matched token by token in place (core/routing's
// subjectMatches allocates nothing), with no cache: a consumer created on a stream of 100 k
// subjects asks about each once (num_pending), and a bounded cache of decisions only thrashed.
import { hasWildcardToken, subjectMatches } from '../routing/subject.js';
import type { SubjectFilter } from './types.js';

class Filter implements SubjectFilter {
  private readonly literals: Set<string>;
  private readonly wildcards: string[];
  readonly all: boolean;

  constructor(readonly subjects: readonly string[]) {
    this.literals = new Set(subjects.filter((s) => !hasWildcardToken(s)));
    this.wildcards = subjects.filter((s) => hasWildcardToken(s));
    this.all = this.wildcards.includes('>');
  }

  matches(subject: string): boolean {
    if (this.all || this.literals.has(subject)) return true;
    const w = this.wildcards;
    for (let i = 0; i < w.length; i++) if (subjectMatches(w[i]!, subject)) return true;
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
