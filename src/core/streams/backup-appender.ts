// Appends a snapshot's log entries to a restored stream's new topic (stream-backup.ts,
// StreamRegistry.beginRestore): the stored batches at the offsets they had, fillers for the
// offsets between them and up to the snapshot's end, in appends of about 1 MiB, then the log
// start moved to the snapshot's. Batches keep their LogAppendTime (AppendOptions.restored).
import type { LogPartition } from '../log/partition.js';
import { batchBaseOffset, batchLastOffsetDelta, forEachBatch } from '../records/batch.js';
import { fillerBatch } from './record-codec.js';

const APPEND_BYTES = 1024 * 1024;

export class BackupAppender {
  private next = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly now = Date.now();

  constructor(
    private readonly partition: LogPartition,
    private readonly logStart: number,
    private readonly endOffset: number,
  ) {}

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const buf = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    await this.partition.append(buf, { restored: true });
  }

  private async push(b: Buffer): Promise<void> {
    this.pending.push(b);
    this.pendingBytes += b.length;
    if (this.pendingBytes >= APPEND_BYTES) await this.flush();
  }

  /** One log entry: whole stored batches, in offset order. */
  async entry(data: Buffer): Promise<void> {
    const found: Buffer[] = [];
    const endPos = forEachBatch(data, (pos, size) => {
      found.push(data.subarray(pos, pos + size));
    });
    if (endPos !== data.length) throw new Error('a log entry of the snapshot ends inside a batch');
    for (const b of found) {
      const base = batchBaseOffset(b);
      if (base < this.next) {
        // The batch holding the log start, read again by the next entry: already appended.
        if (base + batchLastOffsetDelta(b) < this.next) continue;
        throw new Error(`the snapshot's batches overlap at offset ${base}`);
      }
      if (base > this.next) await this.push(fillerBatch(base - this.next, this.now));
      await this.push(Buffer.from(b));
      this.next = base + batchLastOffsetDelta(b) + 1;
    }
  }

  /** The last filler, the last append, and the log start of the snapshot. */
  async end(): Promise<void> {
    if (this.next < this.endOffset) await this.push(fillerBatch(this.endOffset - this.next, this.now));
    await this.flush();
    const hw = this.partition.highWatermark;
    if (hw !== Math.max(this.next, this.endOffset)) throw new Error(`restored log ends at ${hw}, the snapshot at ${this.endOffset}`);
    if (this.logStart > 0) await this.partition.deleteRecordsBefore(this.logStart);
  }
}
