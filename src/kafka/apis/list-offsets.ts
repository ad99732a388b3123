// ListOffsets (2): offsets by timestamp. Special timestamps: -1 latest (high watermark, or the
// last stable offset under read_committed), -2 earliest (log start offset), -3 the record with
// the largest timestamp (v7+), -4 earliest local (v8+; all data is local, so the log start).
// A timestamp no record reaches answers offset -1 and timestamp -1, as Kafka does.
// Authorization, as Kafka: DESCRIBE on each topic, else TOPIC_AUTHORIZATION_FAILED.
import { recordBatch, type LogPartition } from '../../core/log/index.js';
import { ApiKey } from '../protocol/messages/index.js';
import type { ListOffsetsResponseListOffsetsPartitionResponse, ListOffsetsResponseListOffsetsTopicResponse } from '../protocol/messages/list-offsets.js';
import { authorizedTopics } from '../authorization.js';
import { LEADER_EPOCH } from '../context.js';
import { ErrorCode, KafkaApiError, toKafkaError } from '../errors.js';
import { checkLeaderEpoch, partitionOf } from './topics.js';
import { defineHandler } from './types.js';

const LATEST = -1n;
const EARLIEST = -2n;
const MAX_TIMESTAMP = -3n;
const EARLIEST_LOCAL = -4n;
const LATEST_TIERED = -5n;
const EARLIEST_PENDING_UPLOAD = -6n;
const SCAN_BYTES = 1024 * 1024;

/** The first record with the largest timestamp: scans the batch headers, then decodes one batch. */
async function maxTimestampRecord(p: LogPartition): Promise<{ offset: number; timestamp: number } | null> {
  let offset = p.logStartOffset;
  const end = p.highWatermark;
  let best: Buffer | null = null;
  let bestTs = -Infinity;
  while (offset < end) {
    const r = await p.read(offset, SCAN_BYTES, { maxOffset: end });
    if (r.bytes === 0 || r.nextOffset <= offset) break;
    for (const chunk of r.chunks) {
      recordBatch.forEachBatch(chunk, (pos, size) => {
        if (recordBatch.batchIsControl(chunk, pos)) return;
        const ts = recordBatch.batchMaxTimestamp(chunk, pos);
        if (ts > bestTs) {
          bestTs = ts;
          best = chunk.subarray(pos, pos + size);
        }
      });
    }
    offset = r.nextOffset;
  }
  if (best === null) return null;
  const batch: Buffer = best;
  try {
    for (const rec of await recordBatch.decodeRecordsAsync(batch)) {
      if (rec.timestamp === bestTs) return { offset: rec.offset, timestamp: bestTs };
    }
  } catch {
    // A batch we cannot look into: its last offset carries its max timestamp.
  }
  return { offset: recordBatch.batchLastOffset(batch), timestamp: bestTs };
}

export const listOffsets = defineHandler(ApiKey.ListOffsets, {
  minVersion: 1,
  maxVersion: 11,
  async handle(ctx, req) {
    const { log, header } = ctx;
    const v = header.apiVersion;
    const describable = authorizedTopics(ctx, 'DESCRIBE', req.topics.map((t) => t.name));
    const readCommitted = req.isolationLevel === 1;
    const topics: ListOffsetsResponseListOffsetsTopicResponse[] = [];
    const seen = new Set<string>();
    for (const t of req.topics) {
      const partitions: ListOffsetsResponseListOffsetsPartitionResponse[] = [];
      topics.push({ name: t.name, partitions });
      for (const rp of t.partitions) {
        const out: ListOffsetsResponseListOffsetsPartitionResponse = { partitionIndex: rp.partitionIndex, errorCode: ErrorCode.NONE, timestamp: -1n, offset: -1n, leaderEpoch: -1 };
        partitions.push(out);
        const key = `${t.name}\0${rp.partitionIndex}`;
        try {
          if (seen.has(key)) throw new KafkaApiError(ErrorCode.INVALID_REQUEST, 'partition listed twice');
          seen.add(key);
          if (!describable.has(t.name)) throw new KafkaApiError(ErrorCode.TOPIC_AUTHORIZATION_FAILED, `Not authorized to describe topic ${t.name}`);
          const p = partitionOf(log, t.name, rp.partitionIndex);
          checkLeaderEpoch(rp.currentLeaderEpoch, LEADER_EPOCH);
          const failure = p.failure;
          if (failure) throw failure;
          const ts = rp.timestamp;
          if (ts === LATEST) {
            out.offset = BigInt(readCommitted ? p.lastStableOffset : p.highWatermark);
            out.leaderEpoch = LEADER_EPOCH;
          } else if (ts === EARLIEST || (ts === EARLIEST_LOCAL && v >= 8)) {
            out.offset = BigInt(p.logStartOffset);
            out.leaderEpoch = LEADER_EPOCH;
          } else if (ts === MAX_TIMESTAMP && v >= 7) {
            const found = await maxTimestampRecord(p);
            if (found) {
              out.offset = BigInt(found.offset);
              out.timestamp = BigInt(found.timestamp);
              out.leaderEpoch = LEADER_EPOCH;
            }
          } else if ((ts === LATEST_TIERED && v >= 9) || (ts === EARLIEST_PENDING_UPLOAD && v >= 11)) {
            // No remote storage: no tiered offset (offset, timestamp and leader epoch stay -1).
          } else if (ts < 0n) {
            throw new KafkaApiError(ErrorCode.UNSUPPORTED_VERSION, `timestamp ${ts} needs a newer ListOffsets version`);
          } else {
            const found = await p.offsetForTimestamp(Number(ts));
            const limit = readCommitted ? p.lastStableOffset : p.highWatermark;
            if (found && found.offset < limit) {
              out.offset = BigInt(found.offset);
              out.timestamp = BigInt(found.timestamp);
              out.leaderEpoch = LEADER_EPOCH;
            }
          }
        } catch (e) {
          const err = toKafkaError(e);
          if (err.unexpected) ctx.logger.error({ err: e }, 'list offsets failed');
          out.errorCode = err.code;
        }
      }
    }
    return { throttleTimeMs: 0, topics };
  },
});
