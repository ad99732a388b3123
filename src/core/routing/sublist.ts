// The subject interest graph: a trie of subject tokens with '*' and '>' branches, holding plain
// and queue subscriptions, with a bounded cache of match results keyed by literal subject.
// Publishing looks up the cache first, so the steady state of a pub/sub workload costs one Map
// lookup per message; interest changes invalidate only the cached subjects they can affect.
import { FULL_WILDCARD, SINGLE_WILDCARD, hasWildcardToken, isValidSubject, subjectMatches } from './subject.js';

/** Something that receives messages: a NATS connection today, a stream capture tomorrow. */
export interface Subscription {
  readonly subject: string;
  /** Queue group name; one member of each group receives a given message. */
  readonly queue: string | undefined;
}

export interface MatchResult<S> {
  /** Plain subscriptions: each receives the message. */
  readonly plain: readonly S[];
  /** Queue groups: one member of each inner array receives the message. */
  readonly queues: readonly (readonly S[])[];
}

const EMPTY_RESULT: MatchResult<never> = Object.freeze({ plain: [], queues: [] });

/** What a match collects on its way down the trie. */
interface Collected<S> {
  plain: S[];
  queueGroups: Map<string, S[]> | null;
}

/** A literal prefix whose `<prefix>.>` node answers every subject below it (see addShortcut). */
interface Shortcut<S> {
  /** The prefix and its dot. */
  readonly head: string;
  readonly tokens: readonly string[];
  /** The sublist version `result` was computed at. */
  version: number;
  /** null: the subscriptions have another shape, match normally. */
  result: MatchResult<S> | null;
}

/** Default bound of the match cache. */
const CACHE_MAX = 1024;

/** Slots of a full cache's admission filter (a power of two). */
const DOOR_SLOTS = 1024;

/** False for an empty subject or one with an empty token (it matches nothing). */
function wellFormed(subject: string): boolean {
  const n = subject.length;
  return n > 0 && subject.charCodeAt(0) !== 46 && subject.charCodeAt(n - 1) !== 46 && !subject.includes('..');
}

class Level<S> {
  literal = new Map<string, TrieNode<S>>();
  single: TrieNode<S> | null = null;
  full: TrieNode<S> | null = null;

  isEmpty(): boolean {
    return this.literal.size === 0 && this.single === null && this.full === null;
  }
}

class TrieNode<S> {
  next: Level<S> | null = null;
  plain = new Set<S>();
  queues: Map<string, Set<S>> | null = null;

  isEmpty(): boolean {
    return this.plain.size === 0 && (this.queues === null || this.queues.size === 0) && (this.next === null || this.next.isEmpty());
  }
}

export interface SublistStats {
  subscriptions: number;
  cacheEntries: number;
  inserts: number;
  removes: number;
  matches: number;
  cacheHits: number;
}

export class Sublist<S extends Subscription> {
  /**
   * @param cacheMax bound of the match cache; 0 keeps no cache (for small, rarely changing
   *   lists whose user caches its own decisions, such as permission lists).
   */
  constructor(
    private readonly cacheMax = CACHE_MAX,
    /**
     * Whether match() first looks the subject's first token up among the root's literal tokens
     * (when the root has no wildcard): for a list most subjects miss at the root, such as the
     * stream captures, which every request inbox and ack subject is offered to. A miss there then
     * costs no lookup in the large match cache and no cache entry.
     */
    private readonly rootReject = false,
  ) {}

  /** Called after every insert and remove with the subscription's subject (Router's interest watches). */
  onChange: ((subject: string) => void) | null = null;
  /** Called after every insert and remove with the subscription itself (accounts' stream imports: core/routing/accounts.ts). */
  onMembership: ((sub: S, added: boolean) => void) | null = null;

  private readonly root = new Level<S>();
  /** Bumped by every insert and remove: shortcut results are recomputed after a change. */
  private version = 0;
  private readonly shortcuts: Shortcut<S>[] = [];
  private readonly cache = new Map<string, MatchResult<S>>();
  private readonly door: (string | undefined)[] = new Array<string | undefined>(DOOR_SLOTS).fill(undefined);
  private count = 0;
  private inserts = 0;
  private removes = 0;
  private matches = 0;
  private cacheHits = 0;

  /** Adds a subscription; false when its subject is not a valid subscription subject. */
  insert(sub: S): boolean {
    if (!isValidSubject(sub.subject)) return false;
    let level = this.root;
    let node: TrieNode<S> | null = null;
    for (const token of sub.subject.split('.')) {
      if (token === SINGLE_WILDCARD) node = level.single ??= new TrieNode();
      else if (token === FULL_WILDCARD) node = level.full ??= new TrieNode();
      else {
        node = level.literal.get(token) ?? null;
        if (node === null) level.literal.set(token, (node = new TrieNode()));
      }
      level = node.next ??= new Level();
    }
    // `level` was created eagerly for the last node; drop it if nothing hangs below.
    if (node!.next !== null && node!.next.isEmpty()) node!.next = null;
    if (sub.queue === undefined) {
      node!.plain.add(sub);
    } else {
      const queues = (node!.queues ??= new Map());
      let members = queues.get(sub.queue);
      if (members === undefined) queues.set(sub.queue, (members = new Set()));
      members.add(sub);
    }
    this.count++;
    this.inserts++;
    this.version++;
    this.invalidate(sub.subject);
    if (this.onChange !== null) this.onChange(sub.subject);
    if (this.onMembership !== null) this.onMembership(sub, true);
    return true;
  }

  /** Removes a subscription; false when it was not present. */
  remove(sub: S): boolean {
    const tokens = sub.subject.split('.');
    const path: { level: Level<S>; token: string; node: TrieNode<S> }[] = [];
    let level: Level<S> | null = this.root;
    let node: TrieNode<S> | null = null;
    for (const token of tokens) {
      if (level === null) return false;
      node = token === SINGLE_WILDCARD ? level.single : token === FULL_WILDCARD ? level.full : level.literal.get(token) ?? null;
      if (node === null) return false;
      path.push({ level, token, node });
      level = node.next;
    }
    if (node === null) return false;
    let removed: boolean;
    if (sub.queue === undefined) {
      removed = node.plain.delete(sub);
    } else {
      const members = node.queues?.get(sub.queue);
      removed = members?.delete(sub) ?? false;
      if (members !== undefined && members.size === 0) node.queues!.delete(sub.queue);
    }
    if (!removed) return false;
    // Prune empty branches bottom-up so that churn of unique subjects (inboxes) cannot grow the trie.
    for (let i = path.length - 1; i >= 0; i--) {
      const step = path[i]!;
      if (step.node.next !== null && step.node.next.isEmpty()) step.node.next = null;
      if (!step.node.isEmpty()) break;
      if (step.token === SINGLE_WILDCARD) step.level.single = null;
      else if (step.token === FULL_WILDCARD) step.level.full = null;
      else step.level.literal.delete(step.token);
    }
    this.count--;
    this.removes++;
    this.version++;
    this.invalidate(sub.subject);
    if (this.onChange !== null) this.onChange(sub.subject);
    if (this.onMembership !== null) this.onMembership(sub, false);
    return true;
  }

  /**
   * Declares a literal prefix (e.g. "$JS.ACK") under which subjects are unique per message (ack
   * subjects): while the only subscriptions that can match such a subject are on `<prefix>.>`
   * (no other subscription below the prefix, no wildcard above it), match() answers them from
   * that node without hashing the subject for the cache, walking the trie or touching the cache.
   * Any other shape of subscriptions falls back to the ordinary match.
   */
  addShortcut(prefix: string): void {
    if (!isValidSubject(prefix) || hasWildcardToken(prefix)) throw new Error(`shortcut prefix ${prefix} must be a literal subject`);
    const head = `${prefix}.`;
    if (this.shortcuts.some((sc) => sc.head === head)) return;
    this.shortcuts.push({ head, tokens: prefix.split('.'), version: -1, result: null });
  }

  private shortcutResult(sc: Shortcut<S>): MatchResult<S> | null {
    if (sc.version === this.version) return sc.result;
    sc.version = this.version;
    sc.result = null;
    let level: Level<S> | null = this.root;
    for (const t of sc.tokens) {
      if (level === null) {
        sc.result = EMPTY_RESULT;
        return sc.result;
      }
      if (level.single !== null || level.full !== null) return null;
      const node = level.literal.get(t);
      if (node === undefined) {
        sc.result = EMPTY_RESULT;
        return sc.result;
      }
      level = node.next;
    }
    if (level === null) sc.result = EMPTY_RESULT;
    else if (level.literal.size > 0 || level.single !== null) return null;
    else if (level.full === null) sc.result = EMPTY_RESULT;
    else {
      const acc: Collected<S> = { plain: [], queueGroups: null };
      this.addNode(level.full, acc);
      sc.result = acc.plain.length === 0 && acc.queueGroups === null ? EMPTY_RESULT : { plain: acc.plain, queues: acc.queueGroups === null ? [] : [...acc.queueGroups.values()] };
    }
    return sc.result;
  }

  /** All subscriptions interested in a literal subject. */
  match(subject: string): MatchResult<S> {
    this.matches++;
    for (let i = 0; i < this.shortcuts.length; i++) {
      const sc = this.shortcuts[i]!;
      if (subject.startsWith(sc.head)) {
        const r = this.shortcutResult(sc);
        if (r !== null) return wellFormed(subject) ? r : EMPTY_RESULT;
        break;
      }
    }
    if (this.rootReject) {
      const root = this.root;
      if (root.single === null && root.full === null) {
        const dot = subject.indexOf('.');
        if (!root.literal.has(dot < 0 ? subject : subject.substring(0, dot))) return EMPTY_RESULT;
      }
    }
    const cached = this.cache.get(subject);
    if (cached !== undefined) {
      this.cacheHits++;
      return cached;
    }
    if (!wellFormed(subject)) return EMPTY_RESULT;
    const acc: Collected<S> = { plain: [], queueGroups: null };
    this.collect(this.root, subject, 0, acc);
    const plain = acc.plain;
    const queueGroups = acc.queueGroups;
    const result: MatchResult<S> =
      plain.length === 0 && queueGroups === null ? EMPTY_RESULT : { plain, queues: queueGroups === null ? [] : [...queueGroups.values()] };
    if (this.cacheMax === 0) return result;
    if (this.cache.size >= this.cacheMax) {
      // A full cache admits a subject on its second miss only: unique subjects (ack subjects,
      // reply inboxes: one per message) then cost no insert and evict nothing, and the subjects
      // published again and again stay cached.
      if (!this.seenBefore(subject)) return result;
      // Evict the oldest quarter: cheap, and a hot subject is re-cached on its next publish.
      let n = Math.max(1, this.cacheMax >> 2);
      for (const key of this.cache.keys()) {
        this.cache.delete(key);
        if (--n === 0) break;
      }
    }
    this.cache.set(subject, result);
    return result;
  }

  /**
   * The admission filter of a full cache: a table of the last subject that missed in each slot
   * (slots by a hash of a few characters; a collision only delays an admission). True when
   * `subject` is the last miss of its slot.
   */
  private seenBefore(subject: string): boolean {
    const n = subject.length;
    const h = (n * 31 + subject.charCodeAt(n - 1) * 1031 + subject.charCodeAt(n >> 1) * 131 + subject.charCodeAt((n * 3) >> 2) * 17 + subject.charCodeAt(n >> 2)) & (DOOR_SLOTS - 1);
    if (this.door[h] === subject) return true;
    this.door[h] = subject;
    return false;
  }

  /** Every subscription, for monitoring. */
  *all(): IterableIterator<S> {
    const stack: Level<S>[] = [this.root];
    while (stack.length > 0) {
      const level = stack.pop()!;
      const nodes = [...level.literal.values()];
      if (level.single) nodes.push(level.single);
      if (level.full) nodes.push(level.full);
      for (const node of nodes) {
        yield* node.plain;
        if (node.queues) for (const members of node.queues.values()) yield* members;
        if (node.next) stack.push(node.next);
      }
    }
  }

  get size(): number {
    return this.count;
  }

  stats(): SublistStats {
    return {
      subscriptions: this.count,
      cacheEntries: this.cache.size,
      inserts: this.inserts,
      removes: this.removes,
      matches: this.matches,
      cacheHits: this.cacheHits,
    };
  }

  /** Fan-out of the cached match results (plain subscriptions plus queue groups), for /subsz. */
  cacheFanout(): { entries: number; max: number; total: number } {
    let max = 0;
    let total = 0;
    for (const r of this.cache.values()) {
      const n = r.plain.length + r.queues.length;
      total += n;
      if (n > max) max = n;
    }
    return { entries: this.cache.size, max, total };
  }

  // Misses are frequent (every ack and inbox subject is new): no allocation but the result's
  // and the tokens the walk needs (a token is cut from the subject only where the level has
  // literal children to look it up in).
  private collect(level: Level<S>, subject: string, start: number, acc: Collected<S>): void {
    // '>' at this level matches the remaining one or more tokens.
    if (level.full !== null) this.addNode(level.full, acc);
    let end = subject.indexOf('.', start);
    const last = end < 0;
    if (last) end = subject.length;
    if (level.literal.size > 0) {
      const literal = level.literal.get(subject.substring(start, end));
      if (literal !== undefined) {
        if (last) this.addNode(literal, acc);
        else if (literal.next !== null) this.collect(literal.next, subject, end + 1, acc);
      }
    }
    const single = level.single;
    if (single !== null) {
      if (last) this.addNode(single, acc);
      else if (single.next !== null) this.collect(single.next, subject, end + 1, acc);
    }
  }

  private addNode(node: TrieNode<S>, acc: Collected<S>): void {
    if (node.plain.size > 0) for (const s of node.plain) acc.plain.push(s);
    if (node.queues === null || node.queues.size === 0) return;
    const groups = (acc.queueGroups ??= new Map());
    for (const [name, members] of node.queues) {
      let group = groups.get(name);
      if (group === undefined) groups.set(name, (group = []));
      for (const s of members) group.push(s);
    }
  }

  private invalidate(subject: string): void {
    if (this.cache.size === 0) return;
    if (!hasWildcardToken(subject)) {
      this.cache.delete(subject);
      return;
    }
    for (const key of this.cache.keys()) {
      if (subjectMatches(subject, key)) this.cache.delete(key);
    }
  }
}
