// Fetch (1): reads stored batches from each partition asked for and returns them as stored.
//
// Long poll: if less than min_bytes is available (and nothing failed), the request waits up to
// max_wait_ms, woken as soon as any of its partitions gets new data. Limits: each partition
// gets at most partition_max_bytes and the whole response at most max_bytes, except that the
// first batch of the first partition with data is returned whole even if it is larger (KIP-74),
// so a consumer always makes progress. Later partitions whose next batch does not fit get none.
//
// Sessions (KIP-227): every request is answered as a full, sessionless fetch (session id 0),
// which clients accept; an incremental request naming a session gets FETCH_SESSION_ID_NOT_FOUND.
// read_committed reads up to the last stable offset and gets the aborted transactions that
// overlap the batches returned (from the partition's transaction state).
//
// Authorization, as Kafka: a consumer needs READ on each topic (else its partitions answer
// TOPIC_AUTHORIZATION_FAILED); a follower (replica id >= 0) needs CLUSTER_ACTION on the cluster
// (else every partition does).
import type { LogPartition, PartitionReadResult } from '../../core/log/index.js';
import { ApiKey } from '../protocol/messages/index.js';
import type { FetchResponseFetchableTopicResponse, FetchResponsePartitionData } from '../protocol/messages/fetch.js';
import { CLUSTER, topicResource } from '../authorization.js';
import { LEADER_EPOCH } from '../context.js';
import { ErrorCode, KafkaApiError, toKafkaError } from '../errors.js';
import { checkLeaderEpoch, partitionOf, topicNameById } from './topics.js';
import { defineHandler } from './types.js';

const EMPTY = Buffer.alloc(0);
const MAX_INT32 = 0x7fffffff;

interface Want {
  partition: LogPartition | null;
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

export const fetch = defineHandler(ApiKey.Fetch, {
  minVersion: 4,
  maxVersion: 16,
  async handle(ctx, req) {
    const { log, header, conn } = ctx;
    const v = header.apiVersion;
    if (v >= 7 && (req.sessionId ?? 0) > 0) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] };
    }
    const readCommitted = req.isolationLevel === 1;
    const isolation = readCommitted ? 'read_committed' : 'read_uncommitted';
    const responseMax = req.maxBytes !== undefined && req.maxBytes >= 0 ? req.maxBytes : MAX_INT32;
    const wants: Want[] = [];
    const responses: FetchResponseFetchableTopicResponse[] = [];
    let failed = false;
    const byId = v >= 13;
    const nameOf = (t: (typeof req.topics)[number]): string | null => (byId ? topicNameById(log, t.topicId ?? '') : (t.topic ?? ''));
    const replicaId = v >= 15 ? (req.replicaState?.replicaId ?? -1) : (req.replicaId ?? -1);
    const follower = replicaId >= 0;
    const followerAllowed = follower && ctx.authorize('CLUSTER_ACTION', CLUSTER);

    for (const t of req.topics) {
      const name = nameOf(t);
      const allowed = follower ? followerAllowed : name !== null && ctx.authorize('READ', topicResource(name));
      const partitions: FetchResponsePartitionData[] = [];
      responses.push(byId ? { topicId: t.topicId, partitions } : { topic: t.topic, partitions });
      for (const p of t.partitions) {
        const out: FetchResponsePartitionData = {
          partitionIndex: p.partition,
          errorCode: ErrorCode.NONE,
          highWatermark: -1n,
          lastStableOffset: -1n,
          logStartOffset: -1n,
          abortedTransactions: readCommitted ? [] : null,
          preferredReadReplica: -1,
          records: EMPTY,
        };
        partitions.push(out);
        try {
          if (name === null) throw new KafkaApiError(ErrorCode.UNKNOWN_TOPIC_ID, `unknown topic id ${t.topicId}`);
          if (!allowed) throw new KafkaApiError(ErrorCode.TOPIC_AUTHORIZATION_FAILED, `Not authorized to read topic ${name}`);
          const partition = partitionOf(log, name, p.partition);
          checkLeaderEpoch(p.currentLeaderEpoch, LEADER_EPOCH);
          const failure = partition.failure;
          if (failure) throw failure;
          const offset = p.fetchOffset;
          if (offset < 0n || offset > BigInt(Number.MAX_SAFE_INTEGER)) {
            throw new KafkaApiError(ErrorCode.OFFSET_OUT_OF_RANGE, `fetch offset ${offset} is out of range`);
          }
          wants.push({ partition, offset: Number(offset), maxBytes: Math.max(0, p.partitionMaxBytes), out });
        } catch (e) {
          out.errorCode = toKafkaError(e).code;
          out.records = EMPTY;
          failed = true;
        }
      }
    }

    const deadline = Date.now() + Math.max(0, req.maxWaitMs);
    for (;;) {
      let total = 0;
      for (const w of wants) {
        const part = w.partition!;
        w.out.records = EMPTY;
        if (w.out.errorCode !== ErrorCode.NONE) continue;
        const budget = Math.min(w.maxBytes, responseMax - total);
        try {
          let r: PartitionReadResult | null = null;
          if (budget > 0 || total === 0) {
            r = await part.read(w.offset, Math.max(budget, 1), { isolation });
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
            setOffsets(w.out, { highWatermark: part.highWatermark, lastStableOffset: part.lastStableOffset, logStartOffset: part.logStartOffset });
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
      // Long poll: wake on new data in any partition, the deadline, or the connection closing.
      const stop = new AbortController();
      const onClose = (): void => stop.abort();
      conn.signal.addEventListener('abort', onClose, { once: true });
      try {
        // Wait for data past what is there now: what is there was not enough for min_bytes.
        await Promise.race(wants.map((w) => w.partition!.waitForData(Math.max(w.offset, w.partition!.highWatermark), remaining, stop.signal)));
      } finally {
        stop.abort();
        conn.signal.removeEventListener('abort', onClose);
      }
      if (conn.signal.aborted) break;
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses };
  },
});
