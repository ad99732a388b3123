// One segment: a file `<base offset, 20 digits>.log` holding whole record batches back to back,
// with its in-memory index (see segment-index.ts). A segment is appended to while it is the
// active (last) one of its partition, then sealed: fsynced and indexed on disk, and from then
// on only read, replaced whole by compaction, or deleted whole by retention.
import { readSync, writevSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { open, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReadBuffers } from '../../util/buffer-pool.js';
import { SegmentIndex, type IndexedPrefix } from './segment-index.js';
import { fsyncDir, unlinkIfExists, writeFileAtomic } from './fs-util.js';

export const LOG_SUFFIX = '.log';
/** Groups up to this size are written synchronously (see write()). */
const SYNC_WRITE_MAX = 64 * 1024;
/** Reads up to this size, of data within SYNC_READ_RECENT bytes of the segment's end, are made inline. */
const SYNC_READ_MAX = 256 * 1024;
const SYNC_READ_RECENT = 64 * 1024 * 1024;
export const INDEX_SUFFIX = '.index';
/** A compacted copy being written; only renamed over the .log once complete and fsynced. */
export const CLEANED_SUFFIX = '.log.cleaned';
/** `<base>.log.damaged-<n>`: the original bytes of a segment that recovery salvaged (salvage.ts), kept for the operator. */
export const DAMAGED_INFIX = '.log.damaged-';

export function segmentFileName(baseOffset: number, suffix: string): string {
  return String(baseOffset).padStart(20, '0') + suffix;
}

/** Facts of a segment that a failed write must roll back to. */
interface SegmentMark {
  size: number;
  nextOffset: number;
  maxTimestamp: number;
  bytesSinceEntry: number;
  /** Index entries at or after this position go on rollback. */
  index: number;
}

export class Segment {
  readonly logPath: string;
  readonly indexPath: string;
  /** Bytes written to the file (acknowledged or not). */
  size = 0;
  /** Bytes readers may see: the end of the last acknowledged batch. */
  readable = 0;
  /** Offset after the last batch written. */
  nextOffset: number;
  /** Largest batch max timestamp in the segment, -1 when empty. */
  maxTimestamp = -1;
  /** Basis of segment.ms: when the segment got its first batch (wall clock, or that batch's timestamp after recovery). */
  createdAt: number;
  sealed = false;
  /** Names of the damaged originals kept beside this segment (salvage.ts): deleted with it. */
  keptCopies: string[] = [];
  /** The index in memory, or null while evicted (sealed segments only, see index-budget.ts). */
  private _index: SegmentIndex | null;
  private loading: Promise<SegmentIndex> | null = null;
  private indexLimit = Infinity;
  private bytesSinceEntry = 0;
  private refs = 0;
  private retired = false;
  private closed = false;

  private constructor(
    readonly dir: string,
    readonly baseOffset: number,
    private fh: FileHandle,
    public ino: number,
    now: number,
  ) {
    this.logPath = join(dir, segmentFileName(baseOffset, LOG_SUFFIX));
    this.indexPath = join(dir, segmentFileName(baseOffset, INDEX_SUFFIX));
    this.nextOffset = baseOffset;
    this.createdAt = now;
    this._index = new SegmentIndex(baseOffset);
  }

  /** The index of a segment being written or scanned (never evicted: only sealed ones are). */
  get index(): SegmentIndex {
    if (this._index === null) throw new Error(`index of ${this.logPath} is not in memory`);
    return this._index;
  }
  private useIndex(index: SegmentIndex): void {
    index.setLimit(this.indexLimit);
    this._index = index;
  }

  /** Bytes the index holds in memory (0 while evicted). */
  get indexBytes(): number {
    return this._index?.bytes ?? 0;
  }

  /** Caps the memory of the index; it thins itself past the cap. */
  limitIndex(maxBytes: number): void {
    this.indexLimit = maxBytes;
    this._index?.setLimit(maxBytes);
  }

  /** Lets go of a sealed segment's index; the next lookup reads it back from its file. */
  evictIndex(): void {
    if (this.sealed && this.loading === null) this._index = null;
  }

  /** The index for a lookup, read back from the index file first if it was evicted. */
  lookupIndex(): SegmentIndex | Promise<SegmentIndex> {
    if (this._index !== null) return this._index;
    this.loading ??= this.reloadIndex().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async reloadIndex(): Promise<SegmentIndex> {
    const loaded = await this.loadIndex();
    let index: SegmentIndex;
    if (typeof loaded === 'string' || loaded.prefix.nextOffset !== this.nextOffset) {
      // Lookups scan from the start of the file instead: slower, still correct.
      index = new SegmentIndex(this.baseOffset);
    } else {
      index = loaded.index;
      index.compact();
    }
    if (this._index === null) this.useIndex(index);
    return this._index ?? index;
  }

  /** Creates a new, empty segment file; the directory entry is fsynced so the file survives a crash. */
  static async create(dir: string, baseOffset: number, now: number): Promise<Segment> {
    const path = join(dir, segmentFileName(baseOffset, LOG_SUFFIX));
    const fh = await open(path, 'wx+');
    try {
      const st = await fh.stat();
      await fsyncDir(dir);
      return new Segment(dir, baseOffset, fh, st.ino, now);
    } catch (e) {
      await fh.close().catch(() => {});
      throw e;
    }
  }

  /** Opens an existing segment file; the caller recovers its facts (see recovery.ts). */
  static async open(dir: string, baseOffset: number, path = join(dir, segmentFileName(baseOffset, LOG_SUFFIX))): Promise<Segment> {
    const fh = await open(path, 'r+');
    const st = await fh.stat();
    const seg = new Segment(dir, baseOffset, fh, st.ino, Date.now());
    seg.size = st.size;
    return seg;
  }

  /** Reads the index file if there is one; returns it or the reason it cannot be used. */
  async loadIndex(): Promise<{ index: SegmentIndex; prefix: IndexedPrefix } | string> {
    let buf: Buffer;
    try {
      buf = await readFile(this.indexPath);
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no index file' : `unreadable index: ${(e as Error).message}`;
    }
    const parsed = SegmentIndex.parse(buf, this.baseOffset);
    if (typeof parsed === 'string') return parsed;
    if (parsed.prefix.fileIno !== this.ino) return 'index belongs to a replaced log file';
    if (parsed.prefix.coveredBytes > this.size) return `index covers ${parsed.prefix.coveredBytes} bytes but the log has ${this.size}`;
    return parsed;
  }

  /**
   * Accounts for a batch written (or found by recovery) at `position`: updates the sparse
   * offset and time index every `indexInterval` bytes and the segment's running facts.
   */
  track(position: number, size: number, baseOffset: number, lastOffset: number, maxTimestamp: number, indexInterval: number): void {
    if (this.bytesSinceEntry >= indexInterval && position > 0) {
      this.index.addOffset(baseOffset, position);
      // Running max of the batches before this one: lets a lookup skip everything before `position`.
      if (this.maxTimestamp > this.index.lastIndexedTimestamp) this.index.addTime(this.maxTimestamp, baseOffset, position);
      this.bytesSinceEntry = 0;
    }
    this.bytesSinceEntry += size;
    if (maxTimestamp > this.maxTimestamp) this.maxTimestamp = maxTimestamp;
    this.nextOffset = lastOffset + 1;
  }

  mark(): SegmentMark {
    return { size: this.size, nextOffset: this.nextOffset, maxTimestamp: this.maxTimestamp, bytesSinceEntry: this.bytesSinceEntry, index: this.size };
  }

  /** Rolls the in-memory facts back to a mark and cuts the file there (after a failed write). */
  async rollback(m: SegmentMark): Promise<void> {
    this.index.dropFrom(m.index);
    this.nextOffset = m.nextOffset;
    this.maxTimestamp = m.maxTimestamp;
    this.bytesSinceEntry = m.bytesSinceEntry;
    this.size = m.size;
    this.readable = Math.min(this.readable, m.size);
    await this.fh.truncate(m.size);
  }

  /** Writes buffers at the end of the file; the caller updates `size` via track()/bookkeeping. */
  async write(bufs: Buffer[], total: number): Promise<void> {
    let written = 0;
    let position = this.size;
    // writev writes everything on regular files except on error; the loop covers short writes anyway.
    if (total <= SYNC_WRITE_MAX) {
      // Small writes land in the page cache in microseconds: writing them inline saves a
      // thread-pool round trip per group, which is most of the latency of a lone fsync=always writer.
      while (written < total) {
        const n = writevSync(this.fh.fd, written === 0 ? bufs : remainder(bufs, written), position);
        if (n <= 0) throw new Error('write made no progress');
        written += n;
        position += n;
      }
      this.size += total;
      return;
    }
    while (written < total) {
      const { bytesWritten } = written === 0 ? await this.fh.writev(bufs, position) : await this.fh.writev(remainder(bufs, written), position);
      if (bytesWritten <= 0) throw new Error('write made no progress');
      written += bytesWritten;
      position += bytesWritten;
    }
    this.size += total;
  }

  /** Reads `length` bytes at `position` (fewer at the end of the file), into a buffer from `buffers` when given. */
  async read(position: number, length: number, buffers?: ReadBuffers): Promise<Buffer> {
    const buf = buffers !== undefined ? buffers.alloc(length) : Buffer.allocUnsafe(length);
    let got = 0;
    if (length <= SYNC_READ_MAX && this.size - position <= SYNC_READ_RECENT) {
      // Recently written bytes are in the page cache: a pread on the event loop takes microseconds,
      // where the thread pool's round trip costs a promise, a worker and a wake-up of the loop
      // (a KV or direct get is one small read each). Older data may be on disk: it goes to the pool.
      while (got < length) {
        const n = readSync(this.fh.fd, buf, got, length - got, position + got);
        if (n === 0) break;
        got += n;
      }
      return got === length ? buf : buf.subarray(0, got);
    }
    while (got < length) {
      const { bytesRead } = await this.fh.read(buf, got, length - got, position + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return got === length ? buf : buf.subarray(0, got);
  }

  datasync(): Promise<void> {
    return this.fh.datasync();
  }

  /** The file descriptor, for an fdatasync on the event loop (inline-sync.ts). */
  get fd(): number {
    return this.fh.fd;
  }

  /** Cuts the file to `size` bytes; the index file is removed first since it may describe more. */
  async truncateFile(size: number): Promise<void> {
    await unlinkIfExists(this.indexPath);
    await this.fh.truncate(size);
    this.size = size;
    this.readable = Math.min(this.readable, size);
  }

  /** Resets the in-memory index and facts, before re-tracking the batches of the file. */
  resetFacts(): void {
    this.useIndex(new SegmentIndex(this.baseOffset));
    this.nextOffset = this.baseOffset;
    this.maxTimestamp = -1;
    this.bytesSinceEntry = 0;
  }

  adoptIndex(index: SegmentIndex, prefix: IndexedPrefix, indexInterval: number): void {
    this.useIndex(index);
    this.nextOffset = prefix.nextOffset;
    this.maxTimestamp = prefix.maxTimestamp;
    this.createdAt = prefix.createdAt;
    // Conservative: the next entry comes one interval after the covered prefix.
    this.bytesSinceEntry = Math.min(indexInterval, prefix.coveredBytes);
  }

  /** Persists the index for the whole file as tracked; the log must have been fsynced up to its size. */
  async writeIndex(): Promise<void> {
    const data = this.index.serialize({
      baseOffset: this.baseOffset,
      coveredBytes: this.size,
      fileIno: this.ino,
      nextOffset: this.nextOffset,
      maxTimestamp: this.maxTimestamp,
      createdAt: this.createdAt,
    });
    await writeFileAtomic(this.indexPath, data, this.dir);
  }

  /** Seals the segment: data fsynced, index on disk. Called when a newer segment takes over. */
  async seal(): Promise<void> {
    await this.datasync();
    await this.writeIndex();
    this.sealed = true;
  }

  /** Replaces this segment's file with a compacted copy (already fsynced); returns the new segment. */
  async replaceWith(cleanedPath: string): Promise<void> {
    await unlinkIfExists(this.indexPath);
    await rename(cleanedPath, this.logPath);
    await fsyncDir(this.dir);
  }

  /** Pins the file handle open for an operation in progress (reads, fsyncs). */
  acquire(): void {
    this.refs++;
  }

  release(): void {
    this.refs--;
    if (this.refs === 0 && this.retired) void this.closeNow();
  }

  /** The segment left its partition (deleted or replaced): close once nobody uses the handle. */
  retire(): void {
    this.retired = true;
    if (this.refs === 0) void this.closeNow();
  }

  async deleteFiles(): Promise<void> {
    await unlinkIfExists(this.indexPath);
    await unlinkIfExists(this.logPath);
    for (const name of this.keptCopies) await unlinkIfExists(join(this.dir, name));
  }

  async close(): Promise<void> {
    this.retired = true;
    await this.closeNow();
  }

  private async closeNow(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.fh.close().catch(() => {});
  }

  static async inodeOf(path: string): Promise<number> {
    return (await stat(path)).ino;
  }
}

function remainder(bufs: Buffer[], skip: number): Buffer[] {
  const out: Buffer[] = [];
  for (const b of bufs) {
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    out.push(skip > 0 ? b.subarray(skip) : b);
    skip = 0;
  }
  return out;
}
