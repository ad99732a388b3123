// Subject transforms of streams (subject_transform, source subject_transforms, republish):
// a source pattern with wildcards and a destination that places the tokens the wildcards
// matched: `{{wildcard(n)}}` or `$n` for the n-th wildcard, `*` for the next one in order, a
// trailing `>` for the rest (nats-server's rules for these three users). Compiled once per
// config; applying it builds the result string only.
//
// The full mapping language (partition, split, slice functions, weights) is core/routing's
// subject mapping; streams need the wildcard forms, which every client uses.
import { isValidSubject } from '../routing/subject.js';

type Part = { literal: string } | { wildcard: number } | { rest: true };

export class SubjectTransformer {
  private readonly src: string[];
  private readonly parts: Part[];
  /** Index of each '*' of the source among its tokens. */
  private readonly stars: number[] = [];
  private readonly fullAt: number;

  private constructor(src: string, dest: string) {
    this.src = src.split('.');
    this.src.forEach((t, i) => {
      if (t === '*') this.stars.push(i);
    });
    this.fullAt = this.src[this.src.length - 1] === '>' ? this.src.length - 1 : -1;
    let next = 0;
    this.parts = dest.split('.').map((t): Part => {
      const fn = /^\{\{\s*wildcard\s*\(\s*(\d+)\s*\)\s*\}\}$/.exec(t);
      if (fn) return { wildcard: Number(fn[1]) };
      const dollar = /^\$(\d+)$/.exec(t);
      if (dollar) return { wildcard: Number(dollar[1]) };
      if (t === '*') return { wildcard: ++next };
      if (t === '>') return { rest: true };
      return { literal: t };
    });
  }

  /** A transformer, or an error text when the pair is not valid. `src` empty means '>'. */
  static compile(src: string | undefined, dest: string): SubjectTransformer | string {
    const s = src === undefined || src === '' ? '>' : src;
    if (!isValidSubject(s)) return `invalid source subject ${s}`;
    if (!isValidSubject(dest.replace(/\{\{[^}]*\}\}/g, 'x'))) return `invalid destination ${dest}`;
    const t = new SubjectTransformer(s, dest);
    for (const p of t.parts) {
      if ('wildcard' in p && (p.wildcard < 1 || p.wildcard > t.stars.length)) return `wildcard index ${p.wildcard} out of range`;
      if ('rest' in p && t.fullAt < 0) return 'destination has > but the source does not';
    }
    return t;
  }

  /** The transformed subject, or null when `subject` does not match the source. */
  apply(subject: string): string | null {
    const tokens = subject.split('.');
    const src = this.src;
    if (this.fullAt >= 0 ? tokens.length <= this.fullAt : tokens.length !== src.length) return null;
    for (let i = 0; i < src.length; i++) {
      const p = src[i]!;
      if (p === '>') break;
      if (p !== '*' && p !== tokens[i]) return null;
    }
    const out: string[] = [];
    for (const part of this.parts) {
      if ('literal' in part) out.push(part.literal);
      else if ('wildcard' in part) out.push(tokens[this.stars[part.wildcard - 1]!]!);
      else out.push(...tokens.slice(this.fullAt));
    }
    return out.join('.');
  }
}
