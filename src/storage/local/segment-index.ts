// The lookup structures of one segment: a sparse offset index (offset -> byte position, one
// entry every index.interval.bytes) and a time index (running max timestamp -> position, an
// entry whenever the running max grew since the last one, at the same sparse points).
// They live in memory while the segment is open and are written to `<base>.index` when the
// segment is sealed or the partition closes cleanly; they are never needed for correctness,
// only for speed, so recovery rebuilds them by scanning whenever the file is missing, torn,
// stale (covers fewer bytes than the log holds) or belongs to another file (inode differs).
// Being sparse is also what bounds their memory (see index-budget.ts): an index given a
// byte limit thins itself when it reaches it, keeping every other entry and from then on
// one entry in twice as many intervals, so a lookup scans at most twice as far per halving.
import { readInt64, writeInt64 } from '../../core/records/batch.js';
import { crc32c } from '../../core/records/crc32c.js';

const MAGIC = 0x5758_4958; // "WXIX"
const VERSION = 1;
const HEADER_SIZE = 72;
const OFFSET_ENTRY = 8; // u32 relative offset, u32 position
const TIME_ENTRY = 16; // f64 timestamp, u32 relative offset, u32 position

/** What an index file vouches for: the log prefix it was built from and that prefix's facts. */
export interface IndexedPrefix {
  baseOffset: number;
  /** Log bytes the index covers; the log prefix up to here was fsynced before the index was written. */
  coveredBytes: number;
  /** Inode of the log file the index was built for (a replaced log file gets a new one). */
  fileIno: number;
  nextOffset: number;
  maxTimestamp: number;
  createdAt: number;
}

/** Entries an index starts with room for (grown by doubling, up to its byte limit). */
const INITIAL_ENTRIES = 16;
/** The room an index keeps whatever its limit: a few entries of each kind. */
const MIN_BYTES = 4 * (2 * OFFSET_ENTRY + TIME_ENTRY);

export class SegmentIndex {
  private offsets = new Uint32Array(INITIAL_ENTRIES * 2); // [rel, pos, rel, pos, ...]
  private offsetCount = 0;
  private times = new Float64Array(INITIAL_ENTRIES);
  private timeRefs = new Uint32Array(INITIAL_ENTRIES * 2); // [rel, pos, ...] parallel to times
  private timeCount = 0;
  /** Calls of addOffset/addTime so far, and how many calls one kept entry stands for. */
  private offsetCalls = 0;
  private offsetStride = 1;
  private timeCalls = 0;
  private timeStride = 1;
  private limit = Infinity;

  constructor(readonly baseOffset: number) {}

  get entries(): number {
    return this.offsetCount;
  }

  /** Bytes of memory the index holds (its arrays' capacity). */
  get bytes(): number {
    return this.offsets.byteLength + this.times.byteLength + this.timeRefs.byteLength;
  }

  /**
   * Caps the memory of the index at `maxBytes` (at least MIN_BYTES):
   * past it the index thins itself instead of growing.
   */
  setLimit(maxBytes: number): void {
    this.limit = Math.max(maxBytes, MIN_BYTES);
    while (this.bytes > this.limit && (this.offsetCount > 1 || this.timeCount > 1)) {
      if (this.offsets.byteLength >= this.times.byteLength + this.timeRefs.byteLength) this.thinOffsets(true);
      else this.thinTimes(true);
    }
  }

  /** Drops the spare capacity (a sealed segment's index no longer grows). */
  compact(): void {
    if (this.offsets.length > this.offsetCount * 2) this.offsets = this.offsets.slice(0, this.offsetCount * 2);
    if (this.times.length > this.timeCount) {
      this.times = this.times.slice(0, this.timeCount);
      this.timeRefs = this.timeRefs.slice(0, this.timeCount * 2);
    }
  }

  /** Keeps every other offset entry; `shrink` also gives the freed half of the array back. */
  private thinOffsets(shrink: boolean): void {
    const n = Math.ceil(this.offsetCount / 2);
    for (let i = 0; i < n; i++) {
      this.offsets[i * 2] = this.offsets[i * 4]!;
      this.offsets[i * 2 + 1] = this.offsets[i * 4 + 1]!;
    }
    this.offsetCount = n;
    this.offsetStride *= 2;
    if (shrink) this.offsets = this.offsets.slice(0, Math.max(2, n * 2, (this.offsets.length >>> 2) * 2));
  }

  private thinTimes(shrink: boolean): void {
    const n = Math.ceil(this.timeCount / 2);
    for (let i = 0; i < n; i++) {
      this.times[i] = this.times[i * 2]!;
      this.timeRefs[i * 2] = this.timeRefs[i * 4]!;
      this.timeRefs[i * 2 + 1] = this.timeRefs[i * 4 + 1]!;
    }
    this.timeCount = n;
    this.timeStride *= 2;
    if (shrink) {
      const len = Math.max(1, n, this.times.length >>> 1);
      this.times = this.times.slice(0, len);
      this.timeRefs = this.timeRefs.slice(0, len * 2);
    }
  }

  /** Timestamp of the last time entry, or -Infinity. */
  get lastIndexedTimestamp(): number {
    return this.timeCount === 0 ? -Infinity : this.times[this.timeCount - 1]!;
  }

  addOffset(offset: number, position: number): void {
    if (this.offsetCalls++ % this.offsetStride !== 0) return;
    if (this.offsetCount * 2 === this.offsets.length) {
      if (this.bytes + this.offsets.byteLength > this.limit) {
        this.thinOffsets(false);
        if ((this.offsetCalls - 1) % this.offsetStride !== 0 || this.offsetCount * 2 === this.offsets.length) return;
      } else {
        const grown = new Uint32Array(Math.max(this.offsets.length * 2, INITIAL_ENTRIES * 2));
        grown.set(this.offsets);
        this.offsets = grown;
      }
    }
    this.offsets[this.offsetCount * 2] = offset - this.baseOffset;
    this.offsets[this.offsetCount * 2 + 1] = position;
    this.offsetCount++;
  }

  addTime(timestamp: number, offset: number, position: number): void {
    if (this.timeCalls++ % this.timeStride !== 0) return;
    if (this.timeCount === this.times.length && this.bytes + this.times.byteLength + this.timeRefs.byteLength > this.limit) {
      this.thinTimes(false);
      if ((this.timeCalls - 1) % this.timeStride !== 0 || this.timeCount === this.times.length) return;
    }
    if (this.timeCount === this.times.length) {
      const t = new Float64Array(Math.max(this.times.length * 2, INITIAL_ENTRIES));
      t.set(this.times);
      this.times = t;
      const r = new Uint32Array(t.length * 2);
      r.set(this.timeRefs);
      this.timeRefs = r;
    }
    this.times[this.timeCount] = timestamp;
    this.timeRefs[this.timeCount * 2] = offset - this.baseOffset;
    this.timeRefs[this.timeCount * 2 + 1] = position;
    this.timeCount++;
  }

  /** Byte position from which a forward scan finds the batch holding `offset` (0 if no entry precedes it). */
  positionForOffset(offset: number): number {
    const rel = offset - this.baseOffset;
    let lo = 0;
    let hi = this.offsetCount - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.offsets[mid * 2]! <= rel) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? 0 : this.offsets[found * 2 + 1]!;
  }

  /**
   * Byte position from which a forward scan finds the first batch with max timestamp >= ts:
   * every batch up to the last entry whose running max is below ts is older than ts.
   */
  positionForTimestamp(ts: number): number {
    let lo = 0;
    let hi = this.timeCount - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.times[mid]! < ts) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? 0 : this.timeRefs[found * 2 + 1]!;
  }

  /** Entries are added by position: this drops those at or after `position` (a failed write's). */
  dropFrom(position: number): void {
    while (this.offsetCount > 0 && this.offsets[this.offsetCount * 2 - 1]! >= position) this.offsetCount--;
    while (this.timeCount > 0 && this.timeRefs[this.timeCount * 2 - 1]! >= position) this.timeCount--;
  }

  serialize(prefix: IndexedPrefix): Buffer {
    const out = Buffer.alloc(HEADER_SIZE + this.offsetCount * OFFSET_ENTRY + this.timeCount * TIME_ENTRY);
    out.writeUInt32BE(MAGIC, 0);
    out.writeUInt32BE(VERSION, 4);
    writeInt64(out, 8, prefix.baseOffset);
    writeInt64(out, 16, prefix.coveredBytes);
    out.writeDoubleBE(prefix.fileIno, 24);
    writeInt64(out, 32, prefix.nextOffset);
    writeInt64(out, 40, prefix.maxTimestamp);
    writeInt64(out, 48, prefix.createdAt);
    out.writeUInt32BE(this.offsetCount, 56);
    out.writeUInt32BE(this.timeCount, 60);
    let pos = HEADER_SIZE;
    for (let i = 0; i < this.offsetCount; i++) {
      out.writeUInt32BE(this.offsets[i * 2]!, pos);
      out.writeUInt32BE(this.offsets[i * 2 + 1]!, pos + 4);
      pos += OFFSET_ENTRY;
    }
    for (let i = 0; i < this.timeCount; i++) {
      out.writeDoubleBE(this.times[i]!, pos);
      out.writeUInt32BE(this.timeRefs[i * 2]!, pos + 8);
      out.writeUInt32BE(this.timeRefs[i * 2 + 1]!, pos + 12);
      pos += TIME_ENTRY;
    }
    out.writeUInt32BE(checksum(out), 64);
    return out;
  }

  /** Parses an index file; returns a reason string when it cannot be trusted. */
  static parse(buf: Buffer, baseOffset: number): { index: SegmentIndex; prefix: IndexedPrefix } | string {
    if (buf.length < HEADER_SIZE) return 'index file shorter than its header';
    if (buf.readUInt32BE(0) !== MAGIC) return 'not a Wharf index file';
    if (buf.readUInt32BE(4) !== VERSION) return `unsupported index version ${buf.readUInt32BE(4)}`;
    const offsetCount = buf.readUInt32BE(56);
    const timeCount = buf.readUInt32BE(60);
    if (buf.length !== HEADER_SIZE + offsetCount * OFFSET_ENTRY + timeCount * TIME_ENTRY) return 'index file size does not match its entry counts';
    if (buf.readUInt32BE(64) !== checksum(buf)) return 'index checksum mismatch';
    const prefix: IndexedPrefix = {
      baseOffset: readInt64(buf, 8),
      coveredBytes: readInt64(buf, 16),
      fileIno: buf.readDoubleBE(24),
      nextOffset: readInt64(buf, 32),
      maxTimestamp: readInt64(buf, 40),
      createdAt: readInt64(buf, 48),
    };
    if (prefix.baseOffset !== baseOffset) return `index is for base offset ${prefix.baseOffset}`;
    const index = new SegmentIndex(baseOffset);
    let pos = HEADER_SIZE;
    let lastPos = -1;
    for (let i = 0; i < offsetCount; i++) {
      const rel = buf.readUInt32BE(pos);
      const p = buf.readUInt32BE(pos + 4);
      if (p <= lastPos || p >= prefix.coveredBytes) return 'index entries out of order';
      lastPos = p;
      index.addOffset(baseOffset + rel, p);
      pos += OFFSET_ENTRY;
    }
    for (let i = 0; i < timeCount; i++) {
      index.addTime(buf.readDoubleBE(pos), baseOffset + buf.readUInt32BE(pos + 8), buf.readUInt32BE(pos + 12));
      pos += TIME_ENTRY;
    }
    return { index, prefix };
  }
}

function checksum(buf: Buffer): number {
  return crc32c(buf.subarray(HEADER_SIZE), crc32c(buf.subarray(0, 64)));
}
