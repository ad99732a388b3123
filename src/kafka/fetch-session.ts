// Incremental fetch sessions (KIP-227): the broker remembers the partitions a fetcher asked for,
// so that its next Fetch names only the partitions whose fetch position changed (and the ones
// it drops, as forgotten topics), and the answer carries only the partitions that have
// something new (records, a moved high watermark or log start offset, an error).
//
// A full fetch with session epoch 0 asks for a session; one with epoch -1 (FINAL) asks for none
// and closes the session it names; an incremental fetch (epoch > 0) names its session and the
// epoch the broker gave it last (FETCH_SESSION_ID_NOT_FOUND, INVALID_FETCH_SESSION_EPOCH, and
// FETCH_SESSION_TOPIC_ID_ERROR when the request's version names topics otherwise than the
// session does). The session's partitions are kept in fetch order; those that returned records
// move to the end, so that under max_bytes the others go first next time.
//
// The cache is bounded as Kafka bounds it: max.incremental.fetch.session.cache.slots (1000)
// sessions. When it is full, a new session may evict one that has not been used for
// min.incremental.fetch.session.eviction.ms (2 minutes), else the least valuable evictable one:
// sessions of followers (privileged) outrank those of consumers, larger sessions outrank
// smaller ones, and a session becomes evictable by others of its kind only once it is older
// than the eviction time (checked when it is used). Kafka splits its cache into 8 shards for
// lock contention and fills them round-robin; Wharf runs on one thread and keeps one.
//
// This module knows sessions and the request's partitions; reading the log is the handler's.
import type { FetchRequestFetchPartition } from './protocol/messages/fetch.js';
import { ErrorCode } from './errors.js';

/** Kafka's max.incremental.fetch.session.cache.slots default (--kafka-fetch-session-cache-slots). */
export const FETCH_SESSION_CACHE_SLOTS = 1000;
/** Kafka's min.incremental.fetch.session.eviction.ms (a constant in Kafka too). */
export const FETCH_SESSION_EVICTION_MS = 120_000;
export const INVALID_SESSION_ID = 0;
export const INITIAL_EPOCH = 0;
export const FINAL_EPOCH = -1;

const MAX_INT32 = 0x7fffffff;

/** The epoch that follows `epoch` (Kafka's FetchMetadata.nextEpoch). */
export function nextEpoch(epoch: number): number {
  if (epoch < 0) return FINAL_EPOCH;
  return epoch === MAX_INT32 ? 1 : epoch + 1;
}

/** A partition as a request names it: by topic name (v<13) or topic id (v13+, name null when unknown). */
export interface FetchPartitionKey {
  topic: string | null;
  /** Topic id in wire form; '' in sessions keyed by name. */
  topicId: string;
  partition: number;
}

/** A partition a fetch request asks for, with what it asks. */
export interface RequestedPartition extends FetchPartitionKey {
  req: FetchRequestFetchPartition;
}

/** What the broker remembers of a session's partition: the last request, and what it answered. */
export class CachedPartition implements RequestedPartition {
  /** Sent in the last answer that included the partition (-1: answer it next time). */
  highWatermark = -1n;
  logStartOffset = -1n;

  constructor(
    public topic: string | null,
    readonly topicId: string,
    readonly partition: number,
    public req: FetchRequestFetchPartition,
  ) {}
}

const keyOf = (usesTopicIds: boolean, p: FetchPartitionKey): string => `${usesTopicIds ? p.topicId : (p.topic ?? '')}\u0000${p.partition}`;

export class FetchSession {
  /** Partitions in fetch order. */
  readonly partitions = new Map<string, CachedPartition>();
  lastUsedMs: number;
  /** The epoch the next incremental request must carry. */
  epoch = nextEpoch(INITIAL_EPOCH);
  /** Size when last touched (the eviction ranking uses it). */
  cachedSize = 0;
  evictableByAll = false;
  evictableByPrivileged = false;

  constructor(
    readonly id: number,
    readonly privileged: boolean,
    readonly usesTopicIds: boolean,
    readonly creationMs: number,
  ) {
    this.lastUsedMs = creationMs;
  }

  get size(): number {
    return this.partitions.size;
  }

  add(p: RequestedPartition): CachedPartition {
    const c = new CachedPartition(p.topic, p.topicId, p.partition, p.req);
    this.partitions.set(keyOf(this.usesTopicIds, p), c);
    return c;
  }

  /** Applies an incremental request: new and changed partitions, then the forgotten ones. */
  update(fetchData: readonly RequestedPartition[], toForget: readonly FetchPartitionKey[]): void {
    for (const p of fetchData) {
      const cached = this.partitions.get(keyOf(this.usesTopicIds, p));
      if (cached) cached.req = p.req;
      else this.add(p);
    }
    for (const p of toForget) this.partitions.delete(keyOf(this.usesTopicIds, p));
  }

  /** Moves a partition that returned records to the end of the fetch order. */
  moveToEnd(c: CachedPartition): void {
    const key = keyOf(this.usesTopicIds, c);
    this.partitions.delete(key);
    this.partitions.set(key, c);
  }
}

/** Counters of the cache, for tests and monitoring. */
export interface FetchSessionStats {
  /** Fetch requests by kind. */
  sessionless: number;
  full: number;
  incremental: number;
  sessionErrors: number;
  /** Partitions named by incremental requests (changed or new ones only). */
  incrementalPartitionsSent: number;
  created: number;
  evicted: number;
}

export class FetchSessionCache {
  private readonly sessions = new Map<number, FetchSession>();
  readonly stats: FetchSessionStats = { sessionless: 0, full: 0, incremental: 0, sessionErrors: 0, incrementalPartitionsSent: 0, created: 0, evicted: 0 };

  constructor(
    readonly maxEntries = FETCH_SESSION_CACHE_SLOTS,
    readonly evictionMs = FETCH_SESSION_EVICTION_MS,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {}

  /** Sessions in the cache. */
  get size(): number {
    return this.sessions.size;
  }

  /** Partitions cached over all sessions. */
  get totalPartitions(): number {
    let n = 0;
    for (const s of this.sessions.values()) n += s.size;
    return n;
  }

  get(id: number): FetchSession | undefined {
    return this.sessions.get(id);
  }

  remove(id: number): boolean {
    return this.sessions.delete(id);
  }

  /**
   * A new session holding `partitions` (with what they were answered), or null when the cache
   * is full and nothing may be evicted for it.
   */
  create(privileged: boolean, usesTopicIds: boolean, partitions: ReadonlyArray<{ p: RequestedPartition; highWatermark: bigint; logStartOffset: bigint }>): FetchSession | null {
    const now = this.now();
    if (this.sessions.size >= this.maxEntries && !this.tryEvict(privileged, partitions.length, now)) return null;
    const session = new FetchSession(this.newSessionId(), privileged, usesTopicIds, now);
    for (const { p, highWatermark, logStartOffset } of partitions) {
      const c = session.add(p);
      c.highWatermark = highWatermark;
      c.logStartOffset = logStartOffset;
    }
    this.sessions.set(session.id, session);
    this.touch(session, now);
    this.stats.created++;
    return session;
  }

  /** Records a use of the session: its age, size and evictability are taken now. */
  touch(session: FetchSession, now = this.now()): void {
    session.lastUsedMs = now;
    session.cachedSize = session.size;
    const old = now - session.creationMs > this.evictionMs;
    session.evictableByPrivileged = !session.privileged || old;
    session.evictableByAll = old;
  }

  private newSessionId(): number {
    for (;;) {
      const id = 1 + Math.floor(this.random() * (MAX_INT32 - 1));
      if (!this.sessions.has(id)) return id;
    }
  }

  /**
   * Kafka's tryEvict: the least recently used session if it is stale, else the first evictable
   * session by (privileged, size, id) if the new one ranks above it.
   */
  private tryEvict(privileged: boolean, size: number, now: number): boolean {
    let lru: FetchSession | null = null;
    for (const s of this.sessions.values()) {
      if (lru === null || s.lastUsedMs < lru.lastUsedMs || (s.lastUsedMs === lru.lastUsedMs && s.id < lru.id)) lru = s;
    }
    if (lru === null) return false;
    if (now - lru.lastUsedMs > this.evictionMs) return this.evict(lru);
    let first: FetchSession | null = null;
    for (const s of this.sessions.values()) {
      if (!(privileged ? s.evictableByPrivileged : s.evictableByAll)) continue;
      if (first === null || rank(s.privileged, s.cachedSize, s.id, first.privileged, first.cachedSize, first.id) < 0) first = s;
    }
    if (first === null) return false;
    // The new session's key has id 0, below every real id: equal privilege and size do not evict.
    if (rank(privileged, size, 0, first.privileged, first.cachedSize, first.id) < 0) return false;
    return this.evict(first);
  }

  private evict(s: FetchSession): boolean {
    this.sessions.delete(s.id);
    this.stats.evicted++;
    return true;
  }
}

function rank(ap: boolean, as: number, aid: number, bp: boolean, bs: number, bid: number): number {
  if (ap !== bp) return ap ? 1 : -1;
  if (as !== bs) return as - bs;
  return aid - bid;
}

/** How a fetch request is answered, decided before any partition is read. */
export type FetchContext =
  /** The session named cannot be used: the answer is the error alone. */
  | { kind: 'error'; errorCode: ErrorCode }
  /** Every partition of the request is answered, without a session (epoch -1, or no room). */
  | { kind: 'sessionless'; partitions: readonly RequestedPartition[] }
  /** Every partition of the request is answered, and a session is created for them. */
  | { kind: 'full'; partitions: readonly RequestedPartition[]; privileged: boolean; usesTopicIds: boolean }
  /** The session's partitions are fetched; those with something new are answered. */
  | { kind: 'incremental'; session: FetchSession; epoch: number };

export interface FetchSessionRequest {
  version: number;
  sessionId: number;
  epoch: number;
  isFollower: boolean;
  fetchData: readonly RequestedPartition[];
  toForget: readonly FetchPartitionKey[];
}

/** Kafka's FetchManager.newContext: which context a request gets, applying it to its session. */
export function newFetchContext(cache: FetchSessionCache, r: FetchSessionRequest): FetchContext {
  const usesTopicIds = r.version >= 13;
  if (r.epoch === INITIAL_EPOCH || r.epoch === FINAL_EPOCH) {
    // A full request closes the session it names.
    if (r.sessionId !== INVALID_SESSION_ID) cache.remove(r.sessionId);
    if (r.epoch === FINAL_EPOCH) {
      cache.stats.sessionless++;
      return { kind: 'sessionless', partitions: r.fetchData };
    }
    cache.stats.full++;
    return { kind: 'full', partitions: r.fetchData, privileged: r.isFollower, usesTopicIds };
  }
  const session = cache.get(r.sessionId);
  let errorCode: ErrorCode | null = null;
  if (!session) errorCode = ErrorCode.FETCH_SESSION_ID_NOT_FOUND;
  else if (session.epoch !== r.epoch) errorCode = ErrorCode.INVALID_FETCH_SESSION_EPOCH;
  else if (session.usesTopicIds !== usesTopicIds) errorCode = ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR;
  if (errorCode !== null || !session) {
    cache.stats.sessionErrors++;
    return { kind: 'error', errorCode: errorCode ?? ErrorCode.FETCH_SESSION_ID_NOT_FOUND };
  }
  session.update(r.fetchData, r.toForget);
  cache.stats.incremental++;
  cache.stats.incrementalPartitionsSent += r.fetchData.length;
  if (session.size === 0) {
    // Nothing left to fetch: the session ends and the (empty) request is answered without one.
    cache.remove(session.id);
    return { kind: 'sessionless', partitions: r.fetchData };
  }
  cache.touch(session);
  session.epoch = nextEpoch(session.epoch);
  return { kind: 'incremental', session, epoch: r.epoch };
}

/** What a partition's answer says, as far as the session cares. */
export interface PartitionAnswer {
  errorCode: number;
  highWatermark: bigint;
  logStartOffset: bigint;
  recordBytes: number;
  preferredReadReplica: number;
}

/**
 * Whether a session's partition goes into an incremental answer (records, a moved high
 * watermark or log start offset, an error), remembering what is sent. A partition in error is
 * answered again once the error is gone (its high watermark is forgotten).
 */
export function mustAnswer(c: CachedPartition, a: PartitionAnswer): boolean {
  let answer = a.recordBytes > 0;
  if (c.highWatermark !== a.highWatermark) {
    answer = true;
    c.highWatermark = a.highWatermark;
  }
  if (c.logStartOffset !== a.logStartOffset) {
    answer = true;
    c.logStartOffset = a.logStartOffset;
  }
  if (a.preferredReadReplica >= 0) answer = true;
  if (a.errorCode !== ErrorCode.NONE) {
    c.highWatermark = -1n;
    answer = true;
  }
  return answer;
}
