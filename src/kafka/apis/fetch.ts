// Fetch (1): reads stored batches from each partition asked for and returns them as stored.
//
// Long poll: if less than min_bytes is available (and no read failed), the request waits up to
// max_wait_ms, woken as soon as any of its partitions gets new data. Limits: each partition
// gets at most partition_max_bytes and the whole response at most max_bytes, except that the
// first batch of the first partition with data is returned whole even if it is larger (KIP-74),
// so a consumer always makes progress. Later partitions whose next batch does not fit get none.
// As in Kafka, a partition refused before reading (unknown topic or partition, not authorized)
// is answered with its error but does not end the wait; a read that fails does.
//
// Sessions (KIP-227, v7+): see ../fetch-session.ts. A full fetch with epoch 0 gets a session; an
// incremental one fetches the session's partitions and answers those with something new. The
// answer lists fetched partitions in fetch order, then the refused ones, and groups consecutive
// partitions of a topic, as Kafka's does. v13+ names topics by id (UNKNOWN_TOPIC_ID); v17 (a
// follower's directory id) and v18 (a follower's high watermark) change nothing for consumers.
//
// read_committed reads up to the last stable offset and gets the aborted transactions that
// overlap the batches returned (from the partition's transaction state).
//
// Authorization, as Kafka: a consumer needs READ on each topic (else its partitions answer
// TOPIC_AUTHORIZATION_FAILED); a follower (replica id >= 0) needs CLUSTER_ACTION on the cluster
// (else every partition does).
import type { DataWaiter, LogPartition, PartitionReadResult } from '../../core/log/index.js';
import { ApiKey } from '../protocol/messages/index.js';
import type { FetchRequest, FetchResponse, FetchResponseFetchableTopicResponse, FetchResponsePartitionData } from '../protocol/messages/fetch.js';
import { CLUSTER, topicResource } from '../authorization.js';
import { LEADER_EPOCH, ZERO_UUID } from '../context.js';
import { ErrorCode, KafkaApiError, toKafkaError } from '../errors.js';
import {
  FINAL_EPOCH,
  INVALID_SESSION_ID,
  mustAnswer,
  newFetchContext,
  nextEpoch,
  type CachedPartition,
  type FetchContext,
  type FetchPartitionKey,
  type RequestedPartition,
} from '../fetch-session.js';
import { checkLeaderEpoch, partitionOf, topicNameById } from './topics.js';
import { defineHandler, type ConnectionScope, type RequestContext } from './types.js';

const EMPTY = Buffer.alloc(0);
const MAX_INT32 = 0x7fffffff;

/** A partition of the answer: what was asked, and what is answered. */
interface Entry {
  p: RequestedPartition;
  out: FetchResponsePartitionData;
  /** The session's own record of the partition (incremental fetches). */
  cached: CachedPartition | null;
}

interface Want {
  partition: LogPartition;
  offset: number;
  maxBytes: number;
  out: FetchResponsePartitionData;
}

function joinChunks(chunks: Buffer[]): Buffer {
  if (chunks.length === 0) return EMPTY;
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

function setOffsets(out: FetchResponsePartitionData, r: { highWatermark: number; lastStableOffset: number; logStartOffset: number }): void {
  out.highWatermark = BigInt(r.highWatermark);
  out.lastStableOffset = BigInt(r.lastStableOffset);
  out.logStartOffset = BigInt(r.logStartOffset);
}

function partitionData(index: number, readCommitted: boolean): FetchResponsePartitionData {
  return {
    partitionIndex: index,
    errorCode: ErrorCode.NONE,
    highWatermark: -1n,
    lastStableOffset: -1n,
    logStartOffset: -1n,
    abortedTransactions: readCommitted ? [] : null,
    preferredReadReplica: -1,
    records: EMPTY,
  };
}

/** The request's partitions and forgotten partitions, keyed as its version names topics. */
function requested(ctx: RequestContext, req: FetchRequest, byId: boolean): { fetchData: RequestedPartition[]; toForget: FetchPartitionKey[] } {
  const fetchData: RequestedPartition[] = [];
  for (const t of req.topics) {
    const topicId = byId ? (t.topicId ?? ZERO_UUID) : '';
    const topic = byId ? topicNameById(ctx.log, topicId) : (t.topic ?? '');
    for (const p of t.partitions) fetchData.push({ topic, topicId, partition: p.partition, req: p });
  }
  const toForget: FetchPartitionKey[] = [];
  for (const t of req.forgottenTopicsData ?? []) {
    const topicId = byId ? (t.topicId ?? ZERO_UUID) : '';
    const topic = byId ? null : (t.topic ?? '');
    for (const partition of t.partitions) toForget.push({ topic, topicId, partition });
  }
  return { fetchData, toForget };
}

/**
 * The long poll: resolves when an append moves the high watermark of any of the partitions past
 * where it is now (what is there was not enough for min_bytes), when `timeoutMs` has passed, or
 * when the connection closes. As Kafka's fetch purgatory completes a delayed fetch on the high
 * watermark's advance, the append that acknowledges a batch wakes the fetch in the same turn of
 * the event loop (LogPartition.addWaiter). One promise and one timer per wait and a callback per
 * partition: the AbortController, Promise.race and per-partition timers and abort listeners this
 * replaced cost 40-67 us per woken fetch on this machine (docs/storage.md, "One record's latency").
 */
function longPoll(wants: readonly Want[], timeoutMs: number, conn: ConnectionScope): Promise<void> {
  return new Promise<void>((resolve) => {
    const waiters: DataWaiter[] = [];
    let done = false;
    const end = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      conn.unwatchClose(end);
      for (let i = 0; i < waiters.length; i++) wants[i]!.partition.removeWaiter(waiters[i]!);
      resolve();
    };
    const timer = setTimeout(end, timeoutMs);
    if (!conn.watchClose(end)) {
      end();
      return;
    }
    for (const w of wants) {
      const waiter: DataWaiter = { offset: Math.max(w.offset, w.partition.highWatermark), wake: end };
      waiters.push(waiter);
      // Not registered: the partition went offline meanwhile; the next read says so.
      if (!w.partition.addWaiter(waiter)) {
        end();
        return;
      }
    }
  });
}

/** The answer's topics: consecutive partitions of one topic grouped, in the order given. */
function group(entries: readonly Entry[], byId: boolean): FetchResponseFetchableTopicResponse[] {
  const out: FetchResponseFetchableTopicResponse[] = [];
  let last: FetchResponseFetchableTopicResponse | null = null;
  let lastKey: string | null = null;
  for (const e of entries) {
    const key = byId ? e.p.topicId : (e.p.topic ?? '');
    if (last === null || key !== lastKey) {
      last = byId ? { topicId: e.p.topicId, partitions: [] } : { topic: e.p.topic ?? '', partitions: [] };
      out.push(last);
      lastKey = key;
    }
    last.partitions.push(e.out);
  }
  return out;
}

export const fetch = defineHandler(ApiKey.Fetch, {
  minVersion: 4,
  maxVersion: 18,
  async handle(ctx, req) {
    const { log, header, conn } = ctx;
    const v = header.apiVersion;
    const byId = v >= 13;
    const replicaId = v >= 15 ? (req.replicaState?.replicaId ?? -1) : (req.replicaId ?? -1);
    const follower = replicaId >= 0;
    const { fetchData, toForget } = requested(ctx, req, byId);
    // Before v7 there are no sessions: every request is a sessionless full fetch.
    const context = newFetchContext(ctx.fetchSessions, {
      version: v,
      sessionId: v >= 7 ? (req.sessionId ?? INVALID_SESSION_ID) : INVALID_SESSION_ID,
      epoch: v >= 7 ? (req.sessionEpoch ?? FINAL_EPOCH) : FINAL_EPOCH,
      isFollower: follower,
      fetchData,
      toForget,
    });
    if (context.kind === 'error') return { throttleTimeMs: 0, errorCode: context.errorCode, sessionId: INVALID_SESSION_ID, responses: [] };

    // The partitions to answer: the request's, or (incremental) the session's in fetch order.
    let asked: Array<{ p: RequestedPartition; cached: CachedPartition | null }>;
    if (context.kind === 'incremental') {
      asked = [];
      for (const c of context.session.partitions.values()) {
        if (c.topic === null && byId) c.topic = topicNameById(log, c.topicId);
        asked.push({ p: c, cached: c });
      }
    } else {
      asked = context.partitions.map((p) => ({ p, cached: null }));
    }

    const readCommitted = req.isolationLevel === 1;
    const isolation = readCommitted ? 'read_committed' : 'read_uncommitted';
    const responseMax = req.maxBytes !== undefined && req.maxBytes >= 0 ? req.maxBytes : MAX_INT32;
    const followerAllowed = follower && ctx.authorize('CLUSTER_ACTION', CLUSTER, false);
    const readable = new Map<string, boolean>();
    const mayRead = (name: string): boolean => {
      let ok = readable.get(name);
      if (ok === undefined) readable.set(name, (ok = ctx.authorize('READ', topicResource(name))));
      return ok;
    };
    const fetched: Entry[] = [];
    const refused: Entry[] = [];
    const wants: Want[] = [];
    let failed = false;
    for (const { p, cached } of asked) {
      const out = partitionData(p.partition, readCommitted);
      const entry: Entry = { p, out, cached };
      const name = p.topic;
      // Refused before reading: answered, but the long poll goes on for the others.
      let refusal: number | null = null;
      if (name === null) refusal = ErrorCode.UNKNOWN_TOPIC_ID;
      else if (follower ? !followerAllowed : !mayRead(name)) refusal = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
      let partition: LogPartition | null = null;
      if (refusal === null) {
        try {
          partition = partitionOf(log, name!, p.partition);
        } catch (e) {
          refusal = toKafkaError(e).code;
        }
      }
      if (refusal !== null || partition === null) {
        out.errorCode = refusal ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        refused.push(entry);
        continue;
      }
      fetched.push(entry);
      try {
        checkLeaderEpoch(p.req.currentLeaderEpoch, LEADER_EPOCH);
        const failure = partition.failure;
        if (failure) throw failure;
        const offset = p.req.fetchOffset;
        if (offset < 0n || offset > BigInt(Number.MAX_SAFE_INTEGER)) {
          throw new KafkaApiError(ErrorCode.OFFSET_OUT_OF_RANGE, `fetch offset ${offset} is out of range`);
        }
        wants.push({ partition, offset: Number(offset), maxBytes: Math.max(0, p.req.partitionMaxBytes), out });
      } catch (e) {
        out.errorCode = toKafkaError(e).code;
        failed = true;
      }
    }

    const deadline = Date.now() + Math.max(0, req.maxWaitMs);
    for (;;) {
      let total = 0;
      for (const w of wants) {
        const part = w.partition;
        w.out.records = EMPTY;
        if (w.out.errorCode !== ErrorCode.NONE) continue;
        const budget = Math.min(w.maxBytes, responseMax - total);
        try {
          const end = readCommitted ? part.lastStableOffset : part.highWatermark;
          let r: PartitionReadResult | null = null;
          // A partition read to its end has nothing to read: its offsets are the answer.
          if (w.offset !== end && (budget > 0 || total === 0)) {
            r = await part.read(w.offset, Math.max(budget, 1), { isolation, buffers: ctx.readBuffers() });
          }
          if (r) {
            setOffsets(w.out, r);
            if (readCommitted) w.out.abortedTransactions = (r.abortedTransactions ?? []).map((a) => ({ producerId: BigInt(a.producerId), firstOffset: BigInt(a.firstOffset) }));
            // Only the first partition with data may exceed the limits (KIP-74).
            if (r.bytes > 0 && (total === 0 || r.bytes <= budget)) {
              w.out.records = joinChunks(r.chunks);
              total += r.bytes;
            }
          } else {
            if (w.offset < part.logStartOffset || w.offset > part.highWatermark) {
              throw new KafkaApiError(ErrorCode.OFFSET_OUT_OF_RANGE, `fetch offset ${w.offset} is out of range`);
            }
            setOffsets(w.out, { highWatermark: part.highWatermark, lastStableOffset: part.lastStableOffset, logStartOffset: part.logStartOffset });
            if (readCommitted) w.out.abortedTransactions = [];
          }
        } catch (e) {
          const err = toKafkaError(e);
          if (err.unexpected) ctx.logger.error({ err: e }, 'fetch read failed');
          w.out.errorCode = err.code;
          // Kafka answers any partition error, OFFSET_OUT_OF_RANGE included, with -1 watermarks.
          setOffsets(w.out, { highWatermark: -1, lastStableOffset: -1, logStartOffset: -1 });
          failed = true;
        }
      }
      const remaining = deadline - Date.now();
      if (failed || total >= req.minBytes || remaining <= 0 || conn.signal.aborted || wants.length === 0) break;
      await longPoll(wants, remaining, conn);
      if (conn.signal.aborted) break;
    }
    // The client quotas see the bytes before they are sent: past one, the answer is empty.
    let recordBytes = 0;
    for (const e of fetched) recordBytes += e.out.records?.length ?? 0;
    const throttleMs = ctx.fetchQuota(recordBytes);
    if (throttleMs > 0) return throttled(ctx, context, throttleMs);
    return answer(ctx, context, [...fetched, ...refused], byId);
  },
});

/**
 * The answer to a Fetch past a client quota, as Kafka's getThrottledResponse gives it: no
 * partitions, the throttle time, and no change to the fetch session (a full fetch gets no
 * session; an incremental one keeps its cached partitions, so what was not sent is sent after
 * the throttle).
 */
function throttled(ctx: RequestContext, context: Exclude<FetchContext, { kind: 'error' }>, throttleTimeMs: number): FetchResponse {
  if (context.kind !== 'incremental') return { throttleTimeMs, errorCode: ErrorCode.NONE, sessionId: INVALID_SESSION_ID, responses: [] };
  const session = context.session;
  if (session.epoch !== nextEpoch(context.epoch) || ctx.fetchSessions.get(session.id) !== session) {
    return { throttleTimeMs, errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH, sessionId: session.id, responses: [] };
  }
  return { throttleTimeMs, errorCode: ErrorCode.NONE, sessionId: session.id, responses: [] };
}

/** The response of a fetch context, once its partitions are read. */
function answer(ctx: RequestContext, context: Exclude<FetchContext, { kind: 'error' }>, entries: Entry[], byId: boolean): FetchResponse {
  const respond = (sessionId: number, list: readonly Entry[], errorCode: number = ErrorCode.NONE): FetchResponse => ({ throttleTimeMs: 0, errorCode, sessionId, responses: group(list, byId) });
  switch (context.kind) {
    case 'sessionless':
      return respond(INVALID_SESSION_ID, entries);
    case 'full': {
      const session = ctx.fetchSessions.create(
        context.privileged,
        context.usesTopicIds,
        entries.map((e) => ({ p: e.p, highWatermark: e.out.highWatermark, logStartOffset: e.out.logStartOffset ?? -1n })),
      );
      return respond(session?.id ?? INVALID_SESSION_ID, entries);
    }
    case 'incremental': {
      const session = context.session;
      // Another request of the session got in while this one waited: this answer is stale.
      if (session.epoch !== nextEpoch(context.epoch) || ctx.fetchSessions.get(session.id) !== session) {
        return respond(session.id, [], ErrorCode.INVALID_FETCH_SESSION_EPOCH);
      }
      const changed: Entry[] = [];
      for (const e of entries) {
        const c = e.cached!;
        const records = e.out.records?.length ?? 0;
        if (!mustAnswer(c, { errorCode: e.out.errorCode, highWatermark: e.out.highWatermark, logStartOffset: e.out.logStartOffset ?? -1n, recordBytes: records, preferredReadReplica: e.out.preferredReadReplica ?? -1 })) continue;
        changed.push(e);
        if (records > 0) session.moveToEnd(c);
      }
      return respond(session.id, changed);
    }
  }
}
