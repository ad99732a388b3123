// Erasing deleted messages from the log (docs/jetstream.md 1.5, step 5): STREAM.MSG.DELETE
// without no_erase removes the record from its stored batch, so that Kafka readers and the
// bytes on disk no longer hold the payload, not only NATS readers. The stream hands the log a
// batch filter (this file) and the log has the engine rewrite the sealed units of storage that
// hold the erased offsets (LogPartition.rewriteSealed): the engine writes a filtered copy and
// swaps it in, so a crash leaves each unit either as it was or as rewritten, never a mix, and
// other records keep their offsets and bytes (the batch is rebuilt from their own encodings,
// with a new CRC). The unit being appended to is rewritten once it rolls; until then the erase
// is pending (re-queued from __jetstream_state after a restart: a pass over records already
// erased changes nothing).
//
// Test hook: WHARF_TEST_ERASE_KILL_AT=n makes the process SIGKILL itself when the filter is about
// to erase its n-th record (1-based) of the process's life, that is in the middle of a rewrite
// (the crash test of an erase); read once, at load, and does nothing when unset.
import { compressionCodec } from '../records/compression.js';
import {
  batchBaseOffset,
  batchCompression,
  batchIsControl,
  batchLastOffsetDelta,
  batchProducerId,
  decodeRecordsAsync,
  rebuildBatchAsync,
} from '../records/batch.js';

const killAt = ((): number => {
  const v = process.env['WHARF_TEST_ERASE_KILL_AT'];
  return v === undefined || v === '' ? 0 : Number(v);
})();
let erasedInProcess = 0;

export interface EraseFilter {
  (batch: Buffer): Promise<Buffer | null>;
  /** Records removed so far by this filter. */
  readonly erased: () => number;
  /** Erasable records found in batches whose compression has no codec here (left as they are). */
  readonly undecodable: () => number;
}

/**
 * A batch filter that removes the records at `offsets` (sorted ascending). Batches holding none
 * of them are returned as they are without being decoded; an emptied batch is dropped, unless
 * it is an idempotent producer's (its header keeps the producer's sequence: it stays, empty).
 */
export function eraseFilter(offsets: readonly number[]): EraseFilter {
  const wanted = new Set(offsets);
  let erased = 0;
  let undecodable = 0;
  const holds = (base: number, last: number): boolean => {
    // Binary search for the first offset >= base.
    let lo = 0;
    let hi = offsets.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (offsets[mid]! < base) lo = mid + 1;
      else hi = mid;
    }
    return lo < offsets.length && offsets[lo]! <= last;
  };
  const fn = async (batch: Buffer): Promise<Buffer | null> => {
    if (batchIsControl(batch)) return batch;
    const base = batchBaseOffset(batch);
    const last = base + batchLastOffsetDelta(batch);
    if (!holds(base, last)) return batch;
    const c = batchCompression(batch);
    if (c !== 0 && compressionCodec(c) === undefined) {
      undecodable++;
      return batch;
    }
    const records = await decodeRecordsAsync(batch);
    const kept = records.filter((r) => !wanted.has(r.offset));
    if (kept.length === records.length) return batch;
    for (let i = records.length - kept.length; i > 0; i--) {
      erasedInProcess++;
      if (killAt > 0 && erasedInProcess === killAt) process.kill(process.pid, 'SIGKILL');
    }
    erased += records.length - kept.length;
    const pid = batchProducerId(batch);
    if (kept.length === 0 && pid < 0) return null;
    return rebuildBatchAsync(batch, kept.map((r) => r.raw));
  };
  return Object.assign(fn, { erased: () => erased, undecodable: () => undecodable });
}
