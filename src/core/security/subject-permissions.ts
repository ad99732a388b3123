// Decides whether a principal may publish to or subscribe to a subject, from the allow and deny
// lists of its Permissions, with nats-server's semantics: each list is a subject trie (the
// routing Sublist without its cache), publish decisions are remembered in a small bounded cache
// per permission set (nats-server keeps 128 per client and prunes 32 at a time), and a
// subscription whose wildcard overlaps a subscribe deny entry gets a delivery-time filter, since
// a deny entry does not refuse the broader subscription itself.
//
// A permission set is compiled once and shared by every connection of its principal: the
// decisions depend on the subject only (the per-connection part, reply subjects granted by
// allow_responses, is the front-end's).
import { Sublist, type Subscription } from '../routing/sublist.js';
import { FULL_WILDCARD, SINGLE_WILDCARD, TOKEN_SEPARATOR, hasWildcardToken, isValidSubject } from '../routing/subject.js';
import type { Permissions, ResponsePermission, SubjectPermission } from './principal.js';

/** nats-server's DEFAULT_ALLOW_RESPONSE_MAX_MSGS and DEFAULT_ALLOW_RESPONSE_EXPIRATION. */
const DEFAULT_RESPONSE_MAX_MSGS = 1;
const DEFAULT_RESPONSE_EXPIRES_MS = 2 * 60_000;
/** Bounds of the decision caches, and how many entries one pruning drops (nats-server's). */
const PUBLISH_CACHE_MAX = 128;
const DELIVERY_CACHE_MAX = 256;
const PRUNE = 32;

interface Entry extends Subscription {
  readonly subject: string;
  readonly queue: string | undefined;
}

type Trie = Sublist<Entry>;

/** Splits a "subject [queue]" permission entry and validates both parts. */
function parseEntry(text: string, withQueue: boolean, what: string): Entry {
  const fields = text.trim().split(/\s+/);
  const subject = fields[0] ?? '';
  const queue = fields.length === 2 && withQueue ? fields[1] : undefined;
  if (fields.length > (withQueue ? 2 : 1) || !isValidSubject(subject) || (queue !== undefined && !isValidSubject(queue))) {
    throw new Error(`invalid ${what} permission ${JSON.stringify(text)}`);
  }
  return { subject, queue };
}

function trieOf(entries: readonly string[], withQueue: boolean, what: string): Trie {
  const trie: Trie = new Sublist<Entry>(0);
  for (const text of entries) trie.insert(parseEntry(text, withQueue, what));
  return trie;
}

function hasAny(trie: Trie, subject: string): boolean {
  const r = trie.match(subject);
  return r.plain.length > 0 || r.queues.length > 0;
}

/** Removes the oldest entries of a cache that went over its bound. */
function prune<K>(cache: Map<K, boolean>, max: number): void {
  if (cache.size <= max) return;
  let n = PRUNE;
  for (const key of cache.keys()) {
    cache.delete(key);
    if (--n === 0) break;
  }
}

function isWildcardToken(token: string): boolean {
  return token === SINGLE_WILDCARD || token === FULL_WILDCARD;
}

/**
 * Whether the tokens of `subject` (which may hold wildcards) are within `pattern`, as
 * nats-server's isSubsetMatchTokenized decides it: "foo.*" is within "foo.*", "foo.>" and ">",
 * not within "foo.bar".
 */
function isSubsetMatch(subject: readonly string[], pattern: readonly string[]): boolean {
  for (let i = 0; i < pattern.length; i++) {
    if (i >= subject.length) return false;
    const p = pattern[i]!;
    if (p.length === 0) return false;
    if (p === FULL_WILDCARD) return true;
    const s = subject[i]!;
    if (s.length === 0 || s === FULL_WILDCARD) return false;
    if (s === SINGLE_WILDCARD) {
      if (p !== SINGLE_WILDCARD) return false;
      continue;
    }
    // nats-server looks at the first byte only here: a pattern token "*x" acts as a wildcard.
    if (p.charCodeAt(0) !== 0x2a && s !== p) return false;
  }
  return subject.length === pattern.length;
}

/** Whether some literal subject could match both subjects (nats-server's SubjectsCollide). */
export function subjectsCollide(a: string, b: string): boolean {
  if (a === b) return true;
  const ta = a.split(TOKEN_SEPARATOR);
  const tb = b.split(TOKEN_SEPARATOR);
  const fa = ta.includes(FULL_WILDCARD);
  const fb = tb.includes(FULL_WILDCARD);
  const la = !fa && !ta.includes(SINGLE_WILDCARD);
  const lb = !fb && !tb.includes(SINGLE_WILDCARD);
  if (la && lb) return false;
  if (la) return isSubsetMatch(ta, tb);
  if (lb) return isSubsetMatch(tb, ta);
  if (ta.length !== tb.length) {
    if (!fa && !fb) return false;
    if ((ta.length < tb.length && !fa) || (tb.length < ta.length && !fb)) return false;
  }
  const stop = Math.min(ta.length, tb.length);
  for (let i = 0; i < stop; i++) {
    const x = ta[i]!;
    const y = tb[i]!;
    if (x.length === 0 || y.length === 0) return false;
    // nats-server compares first bytes: a token starting with '*' or '>' can match anything.
    const cx = x.charCodeAt(0);
    const cy = y.charCodeAt(0);
    if (cx === 0x2a || cy === 0x2a || cx === 0x3e || cy === 0x3e) continue;
    if (x !== y) return false;
  }
  return true;
}

/** Whether a queue name is among the queue groups of a permission match (nats-server's queueMatches). */
function queueMatches(queue: string, groups: readonly (readonly Entry[])[]): boolean {
  if (groups.length === 0) return true;
  const tokens = queue.split(TOKEN_SEPARATOR);
  for (const group of groups) {
    const name = group[0]!.queue!;
    if (queue === name) return true;
    const pattern = name.split(TOKEN_SEPARATOR);
    if (pattern.some(isWildcardToken) && isSubsetMatch(tokens, pattern)) return true;
  }
  return false;
}

export class SubjectPermissions {
  private static readonly compiled = new WeakMap<Permissions, SubjectPermissions>();

  /** The compiled form of a permission set, built once per set. */
  static of(permissions: Permissions): SubjectPermissions {
    let c = SubjectPermissions.compiled.get(permissions);
    if (c === undefined) SubjectPermissions.compiled.set(permissions, (c = new SubjectPermissions(permissions)));
    return c;
  }

  /** allow_responses with nats-server's defaults applied; undefined when not granted. */
  readonly responses: ResponsePermission | undefined;
  /** False when publishing is unrestricted (no list applies): the check can be skipped. */
  readonly restrictsPublish: boolean;
  private readonly pubAllow: Trie | null;
  private readonly pubDeny: Trie | null;
  private readonly subAllow: Trie | null;
  private readonly subDeny: Trie | null;
  private readonly denyEntries: readonly Entry[];
  private readonly publishCache = new Map<string, boolean>();
  /** Delivery decisions of plain subscriptions by subject, and of queue subscriptions by queue, then subject. */
  private readonly deliveryCache = new Map<string, boolean>();
  private readonly queueDeliveryCache = new Map<string, Map<string, boolean>>();
  /** Decisions held by both delivery caches together (bounded by DELIVERY_CACHE_MAX). */
  private deliveryEntries = 0;

  private constructor(p: Permissions) {
    const r = p.responses;
    this.responses =
      r === undefined
        ? undefined
        : {
            maxMsgs: r.maxMsgs === 0 ? DEFAULT_RESPONSE_MAX_MSGS : r.maxMsgs,
            expiresMs: r.expiresMs === 0 ? DEFAULT_RESPONSE_EXPIRES_MS : r.expiresMs,
          };
    // Granting responses without a publish allow list turns the blanket allow off: an empty
    // trie allows nothing, so only the granted replies get through.
    const pub: SubjectPermission = p.publish ?? {};
    const pubAllow = pub.allow ?? [];
    this.pubAllow = pubAllow.length > 0 || r !== undefined ? trieOf(pubAllow, false, 'publish allow') : null;
    this.pubDeny = pub.deny !== undefined && pub.deny.length > 0 ? trieOf(pub.deny, false, 'publish deny') : null;
    this.restrictsPublish = this.pubAllow !== null || this.pubDeny !== null;
    const sub = p.subscribe;
    this.subAllow = sub?.allow !== undefined && sub.allow.length > 0 ? trieOf(sub.allow, true, 'subscribe allow') : null;
    this.denyEntries = (sub?.deny ?? []).map((e) => parseEntry(e, true, 'subscribe deny'));
    this.subDeny = this.denyEntries.length > 0 ? trieOf(sub!.deny!, true, 'subscribe deny') : null;
  }

  /**
   * Whether the lists allow publishing to a subject. A decision is cached, except a refusal
   * when responses are granted: the caller then checks its reply subjects, which change.
   */
  publishAllowed(subject: string): boolean {
    const cached = this.publishCache.get(subject);
    if (cached !== undefined) return cached;
    let allowed = true;
    if (this.pubAllow !== null) allowed = hasAny(this.pubAllow, subject);
    if (allowed && this.pubDeny !== null) allowed = !hasAny(this.pubDeny, subject);
    if (allowed || this.responses === undefined) {
      this.publishCache.set(subject, allowed);
      prune(this.publishCache, PUBLISH_CACHE_MAX);
    }
    return allowed;
  }

  /**
   * Whether a subscription to `subject` (which may hold wildcards) is allowed, for the queue
   * group `queue` if given. Wildcards of the subject are matched against the lists as tokens,
   * as nats-server does: an allow entry "foo.*" also admits "foo.>".
   */
  subscribeAllowed(subject: string, queue: string | undefined): boolean {
    let allowed = true;
    if (this.subAllow !== null) {
      const r = this.subAllow.match(subject);
      allowed = r.plain.length > 0;
      if (queue !== undefined && r.queues.length > 0) allowed = queueMatches(queue, r.queues);
    }
    if (allowed && this.subDeny !== null) {
      const r = this.subDeny.match(subject);
      allowed = r.plain.length === 0;
      if (allowed && queue !== undefined && r.queues.length > 0) allowed = !queueMatches(queue, r.queues);
    }
    return allowed;
  }

  /**
   * Whether an allowed subscription can match messages a deny entry forbids (a wildcard, or a
   * queue subscription, overlapping a deny entry): its deliveries must then pass deliveryDenied.
   */
  filtersDelivery(subject: string, queue: string | undefined): boolean {
    if (this.denyEntries.length === 0) return false;
    if (queue === undefined && !hasWildcardToken(subject)) return false;
    return this.denyEntries.some((e) => subjectsCollide(e.subject, subject));
  }

  /** Entries held by the decision caches (bounded), for tests and monitoring. */
  cacheSizes(): { publish: number; delivery: number; queues: number } {
    let delivery = this.deliveryCache.size;
    for (const perQueue of this.queueDeliveryCache.values()) delivery += perQueue.size;
    return { publish: this.publishCache.size, delivery, queues: this.queueDeliveryCache.size };
  }


  /** Whether a message on a literal subject must not reach a subscription of the queue group. */
  deliveryDenied(subject: string, queue: string | undefined): boolean {
    if (this.subDeny === null) return false;
    let cache = this.deliveryCache;
    if (queue !== undefined) {
      let perQueue = this.queueDeliveryCache.get(queue);
      if (perQueue === undefined) this.queueDeliveryCache.set(queue, (perQueue = new Map()));
      cache = perQueue;
    }
    const cached = cache.get(subject);
    if (cached !== undefined) return cached;
    const r = this.subDeny.match(subject);
    let denied = r.plain.length > 0;
    if (!denied && queue !== undefined && r.queues.length > 0) denied = queueMatches(queue, r.queues);
    cache.set(subject, denied);
    if (++this.deliveryEntries > DELIVERY_CACHE_MAX) this.pruneDeliveryCache();
    return denied;
  }

  /** Drops at least PRUNE delivery decisions: the oldest queue groups' first, then plain ones. */
  private pruneDeliveryCache(): void {
    let n = PRUNE;
    for (const [queue, perQueue] of this.queueDeliveryCache) {
      if (n <= 0) break;
      n -= perQueue.size;
      this.deliveryEntries -= perQueue.size;
      this.queueDeliveryCache.delete(queue);
    }
    for (const subject of this.deliveryCache.keys()) {
      if (n-- <= 0) break;
      this.deliveryCache.delete(subject);
      this.deliveryEntries--;
    }
  }
}
