// A cursor over the records of one stored batch, read in place: one fixed-shape object moved from
// record to record, holding positions into the records section instead of a StreamRecord (an
// object, a key view, a value view and a header array) per record. The delivery runs of consumers
// (StreamView.readMany) use it: a record published over NATS has no headers and its subject as
// key, so the key is compared in place and only the value needs a view. A record that needs more
// (headers, a key that is not the subject) is decoded whole with record(), as readRecords would.
//
// It reads what readRecords reads, the same way (no bounds check beyond the section's end: a
// batch's CRC was checked when it was read), so the two agree on every batch.
import { batchBaseOffset, batchBaseTimestamp, batchIsLogAppendTime, batchMaxTimestamp, batchRecordsCount } from '../records/batch.js';
import { LogError } from '../records/errors.js';
import type { StreamRecord } from './record-codec.js';

const EMPTY = Buffer.alloc(0);

export class RecordCursor {
  private data: Buffer = EMPTY;
  private pos = 0;
  private left = 0;
  private base = 0;
  private baseTs = 0;
  private lat = false;
  private maxTs = 0;
  /** The offset of the current record. */
  offset = 0;
  /** Its timestamp (ms). */
  timestamp = 0;
  /** Start and length of its key in the records section (length -1: a null key). */
  private keyAt = 0;
  private keyLen = -1;
  private valueAt = 0;
  private valueLen = -1;
  /** Where its header count starts, and the count. */
  private headersAt = 0;
  /** Number of headers of the current record. */
  headerCount = 0;

  /** Starts on `batch`, whose (decompressed) records section is `data`. */
  reset(batch: Buffer, data: Buffer): void {
    this.data = data;
    this.pos = 0;
    this.left = batchRecordsCount(batch);
    this.base = batchBaseOffset(batch);
    this.baseTs = batchBaseTimestamp(batch);
    this.lat = batchIsLogAppendTime(batch);
    this.maxTs = batchMaxTimestamp(batch);
  }

  /** Moves to the next record; false at the end of the batch. */
  next(): boolean {
    const data = this.data;
    if (this.left <= 0 || this.pos >= data.length) return false;
    this.left--;
    const len = this.varint();
    const end = this.pos + len;
    this.pos++; // attributes
    const tsDelta = this.varint();
    const offDelta = this.varint();
    this.keyLen = this.varint();
    this.keyAt = this.pos;
    if (this.keyLen > 0) this.pos += this.keyLen;
    this.valueLen = this.varint();
    this.valueAt = this.pos;
    if (this.valueLen > 0) this.pos += this.valueLen;
    this.headersAt = this.pos;
    this.headerCount = this.varint();
    this.pos = end;
    this.offset = this.base + offDelta;
    this.timestamp = this.lat ? this.maxTs : this.baseTs + tsDelta;
    return true;
  }

  /** Whether the current record's key is null or the bytes of `subject` (one char per byte). */
  keyIsNullOr(subject: string): boolean {
    const n = this.keyLen;
    if (n < 0) return true;
    if (n !== subject.length) return false;
    const d = this.data;
    const at = this.keyAt;
    for (let i = 0; i < n; i++) if (d[at + i] !== subject.charCodeAt(i)) return false;
    return true;
  }

  /** The current record's value (a view into the batch), or EMPTY when null. */
  value(): Buffer {
    return this.valueLen < 0 ? EMPTY : this.data.subarray(this.valueAt, this.valueAt + this.valueLen);
  }

  /** The current record decoded whole, as readRecords decodes it. */
  record(): StreamRecord {
    const d = this.data;
    const key = this.keyLen < 0 ? null : d.subarray(this.keyAt, this.keyAt + this.keyLen);
    const value = this.valueLen < 0 ? null : d.subarray(this.valueAt, this.valueAt + this.valueLen);
    const headers: Array<[string, Buffer | null]> = [];
    const saved = this.pos;
    this.pos = this.headersAt;
    const hc = this.varint();
    for (let h = 0; h < hc; h++) {
      const kl = this.varint();
      const k = kl < 0 ? '' : d.toString('utf8', this.pos, this.pos + kl);
      if (kl > 0) this.pos += kl;
      const vl = this.varint();
      const v = vl < 0 ? null : d.subarray(this.pos, this.pos + vl);
      if (vl > 0) this.pos += vl;
      headers.push([k, v]);
    }
    this.pos = saved;
    return { offset: this.offset, timestamp: this.timestamp, key, value, headers };
  }

  /** A zigzag varint at the cursor (readVarint without the cursor object). */
  private varint(): number {
    const d = this.data;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= d.length) throw new LogError('CORRUPT_MESSAGE', 'truncated varint');
      const b = d[this.pos++]!;
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
      mul *= 128;
    }
    throw new LogError('CORRUPT_MESSAGE', 'varint longer than 10 bytes');
  }
}
