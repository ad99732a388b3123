// Record-batch helpers that only tests use, built on src/core/records (which alone knows the
// layout): splitting a buffer of batches into one view per batch, with or without the partial
// batch a size-limited Fetch response may end in.
import { forEachBatch } from '../../src/core/records/batch.js';

/** The whole batches of a buffer (stored batches, a Fetch's records), one view each. */
export function splitBatches(buf: Buffer): Buffer[] {
  return splitBatchesWithTail(buf).batches;
}

/** The whole batches of a buffer and the number of bytes after the last one (a cut-off batch). */
export function splitBatchesWithTail(buf: Buffer): { batches: Buffer[]; partialTail: number } {
  const batches: Buffer[] = [];
  const end = forEachBatch(buf, (pos, size) => {
    batches.push(buf.subarray(pos, pos + size));
  });
  return { batches, partialTail: buf.length - end };
}
