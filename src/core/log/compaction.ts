// Log compaction (cleanup.policy=compact): keep the latest record per key, drop tombstones
// (null values) once they are older than delete.retention.ms, leave records younger than
// min.compaction.lag.ms alone. Two passes over the log through the storage interface:
//  1. read [log start, high watermark) and note the latest offset of every key (and the last
//     batch of every producer id, whose header must survive to keep the producer's sequence);
//  2. let the engine rewrite what it can (sealed data) with a filter built from that map.
// A record is removed only when the map knows a newer record with its key, so the map may
// cover more of the log than the engine rewrites. Offsets of kept records never change.
// Records of batches whose compression has no registered codec are kept as they are.
import type { Logger } from '../../log.js';
import type { PartitionStore, RewriteResult } from '../../storage/engine.js';
import { compressionCodec } from '../records/compression.js';
import {
  batchBaseOffset,
  batchCompression,
  batchIsControl,
  batchProducerId,
  decodeRecordsAsync,
  rebuildBatchAsync,
  forEachBatch,
} from '../records/batch.js';
import type { TopicSettings } from './topic-config.js';

const READ_CHUNK = 4 * 1024 * 1024;

export interface CompactionOutcome extends RewriteResult {
  keys: number;
  recordsRemoved: number;
}

const canDecode = (batch: Buffer): boolean => {
  const c = batchCompression(batch);
  return c === 0 || compressionCodec(c) !== undefined;
};

export async function compactPartition(store: PartitionStore, settings: TopicSettings, now: number, log: Logger): Promise<CompactionOutcome> {
  const end = store.acknowledgedEnd;
  const latest = new Map<string, number>();
  const lastBatchOfProducer = new Map<number, number>();
  let offset = store.logStartOffset;
  while (offset < end) {
    const r = await store.read(offset, READ_CHUNK, end);
    if (r.bytes === 0) break;
    for (const chunk of r.chunks) {
      const batches: Buffer[] = [];
      forEachBatch(chunk, (pos, size) => {
        batches.push(chunk.subarray(pos, pos + size));
      });
      for (const batch of batches) {
        const pid = batchProducerId(batch);
        if (pid >= 0) lastBatchOfProducer.set(pid, batchBaseOffset(batch));
        if (batchIsControl(batch) || !canDecode(batch)) continue;
        for (const rec of await decodeRecordsAsync(batch)) {
          if (rec.key !== null) latest.set(rec.key.toString('latin1'), rec.offset);
        }
      }
    }
    offset = r.nextOffset;
  }

  const tombstoneCutoff = now - settings.deleteRetentionMs;
  const lagCutoff = settings.minCompactionLagMs > 0 ? now - settings.minCompactionLagMs : Infinity;
  let recordsRemoved = 0;

  const filter = async (batch: Buffer): Promise<Buffer | null> => {
    // Transaction markers are the transaction coordinator's business (its own issue).
    if (batchIsControl(batch) || !canDecode(batch)) return batch;
    const records = await decodeRecordsAsync(batch);
    const kept = records.filter((r) => {
      if (r.timestamp >= lagCutoff) return true;
      if (r.key === null) return false;
      const newest = latest.get(r.key.toString('latin1'));
      if (newest !== undefined && newest > r.offset) return false;
      if (r.value === null && r.timestamp < tombstoneCutoff) return false;
      return true;
    });
    if (kept.length === records.length) return batch;
    recordsRemoved += records.length - kept.length;
    const base = batchBaseOffset(batch);
    const pid = batchProducerId(batch);
    if (kept.length === 0 && !(pid >= 0 && lastBatchOfProducer.get(pid) === base)) return null;
    // An emptied batch of a producer's last write keeps its header (sequence numbers) and no records.
    return rebuildBatchAsync(batch, kept.map((r) => r.raw));
  };

  const result = await store.rewrite(end, filter);
  log.debug({ ...result, keys: latest.size, recordsRemoved }, 'compaction pass done');
  return { ...result, keys: latest.size, recordsRemoved };
}
