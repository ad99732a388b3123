// Subject mapping as nats-server configures it (its `mappings` block, in the server config or in
// an account): a client's publish on a subject that a mapping's source matches is routed to the
// mapping's destination instead. Sources may be literal or wildcard subjects; a mapping has one
// destination or several weighted ones (weights up to 100 in total; the rest of the traffic keeps
// its subject, unless the source itself is listed, which makes the rest a loss), optionally
// scoped to a cluster. Destinations are templates (subject-transform.ts).
//
// The rules are nats-server v2.15.2's (server/opts.go parseAccountMappings and
// parseAccountMapDest, server/accounts.go AddWeightedMappings and selectMappedSubject), errors
// included, so that a table nats-server accepts behaves the same here. One difference: when
// several sources match a subject, nats-server takes the first in its list, which a config file
// fills in Go's map iteration order (random per start); here the table's order decides.
//
// map() is the publish hot path: a subject that matched no mapping costs a Map lookup once it is
// cached, and the scan that resolves a new one allocates nothing. Results are cached per subject
// in a bounded cache; weighted results cache each destination's subject and draw per message.
import { isValidSubject, hasWildcardToken, FULL_WILDCARD, SINGLE_WILDCARD } from './subject.js';
import { SubjectTransform, SubjectTransformError, fromByteString, identityDestination, toByteString } from './subject-transform.js';

/** One weighted destination, as in nats-server's config: `{ destination, weight, cluster }`. */
export interface MappingDestination {
  /** Destination template; `dest` is accepted too, as in nats-server's config. */
  readonly destination: string;
  /** 0..100, or a string like "50%" as nats-server's config allows. */
  readonly weight: number | string;
  /** Applies only on a server of this cluster (see SubjectMappingOptions.clusterName). */
  readonly cluster?: string;
}

/** Source subject -> one destination, or weighted destinations. */
export type MappingTable = Readonly<Record<string, string | MappingDestination | readonly MappingDestination[]>>;

export interface SubjectMappingOptions {
  /**
   * The cluster this server belongs to: destinations scoped to it replace the unscoped ones.
   * Unset (a server outside any cluster, as Wharf is today): cluster-scoped destinations are
   * validated and ignored, as on a nats-server without a cluster name.
   */
  readonly clusterName?: string;
  /** Subjects whose resolution is cached (default 4096). */
  readonly cacheSize?: number;
  /** Uniform in [0, 1): draws weighted destinations and {{random()}} (default Math.random). */
  readonly random?: () => number;
}

/** The table was refused; `errors` holds every problem, each in nats-server's words. */
export class SubjectMappingError extends Error {
  override name = 'SubjectMappingError';
  constructor(readonly errors: readonly string[]) {
    super(errors.join('; '));
  }
}

interface Destination {
  readonly transform: SubjectTransform;
  /** Cumulative weight after sorting, as nats-server keeps it: drawn w in [0,100) picks the first w < weight. */
  readonly weight: number;
}

interface Mapping {
  /** Source as a byte string. */
  readonly source: string;
  readonly wildcard: boolean;
  /** Source tokens for the subset match (also used for literal sources, see below). */
  readonly pattern: readonly string[];
  /** The destinations that apply on this server. */
  readonly destinations: readonly Destination[];
}

/** A resolution that needs a draw per message: weighted destinations or {{random()}}. */
class Draw {
  constructor(
    readonly destinations: readonly Destination[],
    /** Each destination's subject, or null when it must be computed per message ({{random()}}). */
    readonly subjects: readonly (string | null)[],
    readonly tokens: readonly string[],
    readonly subject: string,
  ) {}
}

const DEFAULT_CACHE_SIZE = 4096;
const MAX_INT64 = 2n ** 63n - 1n;

export class SubjectMapping {
  private readonly cache = new Map<string, string | Draw>();
  private readonly cacheMax: number;
  private readonly random: () => number;

  private constructor(
    private readonly mappings: readonly Mapping[],
    options: SubjectMappingOptions,
  ) {
    this.cacheMax = Math.max(4, options.cacheSize ?? DEFAULT_CACHE_SIZE);
    this.random = options.random ?? Math.random;
  }

  /** Validates a table (all errors at once, as nats-server reports a config) and compiles it. */
  static parse(table: MappingTable, options: SubjectMappingOptions = {}): SubjectMapping {
    const errors: string[] = [];
    const mappings: Mapping[] = [];
    for (const [source, value] of Object.entries(table)) {
      if (!isValidSubject(toByteString(source))) {
        errors.push(`Subject ${goQuote(source)} is not a valid subject`);
        continue;
      }
      let dests: RawDestination[];
      let context: string;
      if (typeof value === 'string') {
        dests = [{ subject: value, weight: 100, cluster: '' }];
        context = `Error adding mapping for ${goQuote(source)} to ${goQuote(value)} : `;
      } else {
        const entries: unknown[] = Array.isArray(value) ? value : [value];
        dests = [];
        for (const entry of entries) {
          const d = parseDestination(entry, errors);
          if (d !== null) dests.push(d);
        }
        context = `Error adding mapping for ${goQuote(source)} : `;
      }
      try {
        mappings.push(compileMapping(source, dests, options.clusterName ?? ''));
      } catch (err) {
        if (!(err instanceof SubjectTransformError)) throw err;
        errors.push(context + err.message);
      }
    }
    if (errors.length > 0) throw new SubjectMappingError(errors);
    return new SubjectMapping(mappings, options);
  }

  /** Number of mappings. */
  get size(): number {
    return this.mappings.length;
  }

  /** Subjects whose resolution is cached (bounded by SubjectMappingOptions.cacheSize). */
  get cacheEntries(): number {
    return this.cache.size;
  }

  /** Source subjects, in the order they are tried. */
  sources(): string[] {
    return this.mappings.map((m) => fromByteString(m.source));
  }

  /**
   * The subject a publish on `subject` (a byte string) is routed to: `subject` itself when no
   * mapping matches, '' when a weighted mapping that lists its own source drew the lost share.
   */
  map(subject: string): string {
    let r = this.cache.get(subject);
    if (r === undefined) {
      r = this.resolve(subject);
      if (this.cache.size >= this.cacheMax) {
        // Evict the oldest quarter, as the sublist's cache does.
        let n = this.cacheMax >> 2;
        for (const key of this.cache.keys()) {
          this.cache.delete(key);
          if (--n === 0) break;
        }
      }
      this.cache.set(subject, r);
    }
    return typeof r === 'string' ? r : this.draw(r);
  }

  private resolve(subject: string): string | Draw {
    const mappings = this.mappings;
    for (let i = 0; i < mappings.length; i++) {
      const m = mappings[i]!;
      if (!m.wildcard && m.source === subject) {
        // nats-server tokenizes the subject only when it passes a mapping over, so a literal
        // mapping met first transforms no tokens: {{partition(n)}} hashes "" there.
        return this.resolved(m, i === 0 ? [] : subject.split('.'), subject);
      }
      if (subsetMatch(subject, m.pattern)) return this.resolved(m, subject.split('.'), subject);
    }
    return subject;
  }

  private resolved(m: Mapping, tokens: string[], subject: string): string | Draw {
    const dests = m.destinations;
    const subjects = dests.map((d) => (d.transform.random ? null : d.transform.apply(tokens, subject, this.random)));
    if (dests.length === 1 && dests[0]!.weight === 100 && subjects[0] !== null) return subjects[0]!;
    return new Draw(dests, subjects, tokens, subject);
  }

  private draw(r: Draw): string {
    const dests = r.destinations;
    let i = 0;
    if (dests.length !== 1 || dests[0]!.weight !== 100) {
      const w = Math.floor(this.random() * 100);
      while (i < dests.length && !(w < dests[i]!.weight)) i++;
      // Weights that total less than 100 with the source listed: the rest is dropped.
      if (i === dests.length) return '';
    }
    return r.subjects[i] ?? dests[i]!.transform.apply(r.tokens, r.subject, this.random);
  }
}

interface RawDestination {
  subject: string;
  weight: number;
  cluster: string;
}

/** nats-server's parseAccountMapDest: one `{ destination, weight, cluster }` entry. */
function parseDestination(v: unknown, errors: string[]): RawDestination | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    errors.push('Expected an entry for the mapping destination');
    return null;
  }
  const d: RawDestination = { subject: '', weight: 0, cluster: '' };
  let sawWeight = false;
  for (const [key, value] of Object.entries(v)) {
    switch (key.toLowerCase()) {
      case 'dest':
      case 'destination':
        if (typeof value !== 'string') {
          errors.push(`Expected a string for the mapping destination, got ${String(value)}`);
          return null;
        }
        d.subject = value;
        break;
      case 'weight': {
        let weight: number;
        if (typeof value === 'string') {
          const ws = value.endsWith('%') ? value.slice(0, -1) : value;
          const parsed = /^[+-]?[0-9]+$/.test(ws) ? BigInt(ws) : null;
          if (parsed === null || parsed > MAX_INT64 || parsed < -MAX_INT64 - 1n) {
            errors.push(`Invalid weight ${goQuote(ws)} for mapping destination`);
            return null;
          }
          if (parsed > 100n || parsed < 0n) {
            errors.push(`Invalid weight ${parsed} for mapping destination`);
            return null;
          }
          weight = Number(parsed);
        } else if (typeof value === 'number' && Number.isInteger(value)) {
          weight = value;
        } else {
          errors.push(`Unknown entry type for weight of ${String(value)}`);
          return null;
        }
        if (weight > 100 || weight < 0) {
          errors.push(`Invalid weight ${weight} for mapping destination`);
          return null;
        }
        d.weight = weight;
        sawWeight = true;
        break;
      }
      case 'cluster':
        if (typeof value !== 'string') {
          errors.push(`Expected a string for the mapping cluster, got ${String(value)}`);
          return null;
        }
        d.cluster = value;
        break;
      default:
        errors.push(`Unknown field ${goQuote(key)} for mapping destination`);
        return null;
    }
  }
  if (!sawWeight) {
    errors.push(`Missing weight for mapping destination ${goQuote(d.subject)}`);
    return null;
  }
  return d;
}

/** nats-server's AddWeightedMappings: checks weights, compiles, adds the remainder, sorts. */
function compileMapping(sourceText: string, dests: readonly RawDestination[], clusterName: string): Mapping {
  const source = toByteString(sourceText);
  const wildcard = hasWildcardToken(source);
  const seen = new Set<string>();
  const totals = new Map<string, number>();
  const unscoped: { transform: SubjectTransform; weight: number }[] = [];
  const scoped = new Map<string, { transform: SubjectTransform; weight: number }[]>();
  for (const d of dests) {
    const subject = toByteString(d.subject);
    if (seen.has(subject)) throw new SubjectTransformError(`duplicate entry for ${goQuote(d.subject)}`);
    seen.add(subject);
    if (d.weight > 100) throw new SubjectTransformError('individual weights need to be <= 100');
    const total = (totals.get(d.cluster) ?? 0) + d.weight;
    totals.set(d.cluster, total);
    if (total > 100) throw new SubjectTransformError('total weight needs to be <= 100');
    const transform = SubjectTransform.compile(source, subject);
    if (d.cluster === '') {
      unscoped.push({ transform, weight: d.weight });
    } else {
      let list = scoped.get(d.cluster);
      if (list === undefined) scoped.set(d.cluster, (list = []));
      list.push({ transform, weight: d.weight });
    }
  }
  const finish = (list: { transform: SubjectTransform; weight: number }[]): Destination[] => {
    const sum = list.reduce((n, d) => n + d.weight, 0);
    if (sum !== 100 && !seen.has(source)) {
      // The rest of the traffic keeps its subject.
      const identity = SubjectTransform.compile(source, wildcard ? identityDestination(source) : source);
      list.push({ transform: identity, weight: list.length === 0 ? 100 : 100 - sum });
    }
    list.sort((a, b) => a.weight - b.weight);
    let cumulative = 0;
    return list.map((d) => ({ transform: d.transform, weight: (cumulative += d.weight) }));
  };
  // Every cluster's list is completed (and so validated) even when only one can apply.
  const main = finish(unscoped);
  let destinations = main;
  for (const [cluster, list] of scoped) {
    const done = finish(list);
    if (cluster === clusterName) destinations = done;
  }
  return { source, wildcard, pattern: source.split('.'), destinations };
}

/**
 * nats-server's isSubsetMatch of a published subject against a source, without splitting the
 * subject. Like nats-server, a source token that starts with '*' matches any token (so a
 * literal source 'a.*b' also catches 'a.x' when no exact mapping came first), and a published
 * '*' token matches only a source '*'.
 */
function subsetMatch(subject: string, pattern: readonly string[]): boolean {
  const n = subject.length;
  let pos = 0;
  for (let i = 0; i < pattern.length; i++) {
    if (pos > n) return false;
    const p = pattern[i]!;
    if (p === FULL_WILDCARD) return true;
    let end = subject.indexOf('.', pos);
    if (end < 0) end = n;
    const len = end - pos;
    if (len === 0) return false;
    if (len === 1) {
      const c = subject.charCodeAt(pos);
      if (c === 0x3e) return false;
      if (c === 0x2a) {
        if (p !== SINGLE_WILDCARD) return false;
        pos = end + 1;
        continue;
      }
    }
    if (p.charCodeAt(0) !== 0x2a && !(p.length === len && subject.startsWith(p, pos))) return false;
    pos = end + 1;
  }
  return pos > n;
}

/** Go's %q for the strings in messages (ASCII escapes; other text as is). */
function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (c === 0x07) out += '\\a';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0b) out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}
