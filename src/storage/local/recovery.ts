// Recovery of a partition directory at open: which segment files exist, which indexes can be
// trusted, and what the bytes after the last trusted point hold.
//
// The rule that keeps acknowledged data safe: a segment is fsynced before a newer one is
// created (sealing), and an index file is written only after the bytes it covers were
// fsynced. So the only bytes that can be torn by a crash are those after the covered prefix
// of the LAST segment. Those are scanned batch by batch with CRC-32C; a bad batch there is
//  - a torn tail (the write of unacknowledged data was cut short) when nothing valid follows
//    it: the file is truncated to the last valid batch, and
//  - corruption when a valid batch with a later offset follows it: bytes that were once
//    acknowledged are damaged, so the partition goes offline rather than silently dropping
//    everything after the damage.
// A bad batch anywhere else (a sealed segment whose index had to be rebuilt) is corruption.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../log.js';
import {
  BATCH_HEADER_SIZE,
  OFFSET_MAGIC,
  CURRENT_MAGIC,
  batchBaseOffset,
  batchDefect,
  batchLastOffset,
  batchMaxTimestamp,
  batchSize,
  batchCrcValid,
} from '../../core/records/batch.js';
import { StorageCorruptionError } from '../../core/records/errors.js';
import { CLEANED_SUFFIX, LOG_SUFFIX, Segment } from './segment.js';
import { unlinkIfExists } from './fs-util.js';

const SCAN_CHUNK = 4 * 1024 * 1024;

export interface ScanResult {
  /** Position after the last valid batch. */
  validEnd: number;
  /** Why the bytes at validEnd are not a valid batch; null if the scan reached the end of the file. */
  defect: string | null;
}

/**
 * Reads `seg` from `from` to the end of its file, validating each batch (structure, CRC,
 * offsets moving forward) and tracking it into the segment's index and facts.
 */
export async function scanSegment(seg: Segment, from: number, indexInterval: number): Promise<ScanResult> {
  let pos = from;
  let want = SCAN_CHUNK;
  while (pos < seg.size) {
    const buf = await seg.read(pos, Math.min(want, seg.size - pos));
    let p = 0;
    let needMore = false;
    while (p < buf.length) {
      const remaining = seg.size - (pos + p);
      if (buf.length - p < BATCH_HEADER_SIZE) {
        if (remaining < BATCH_HEADER_SIZE) return { validEnd: pos + p, defect: `incomplete batch header (${remaining} bytes)` };
        needMore = true;
        break;
      }
      const size = batchSize(buf, p);
      if (size >= BATCH_HEADER_SIZE && size > buf.length - p && size <= remaining && buf.readInt8(p + OFFSET_MAGIC) === CURRENT_MAGIC) {
        want = Math.max(SCAN_CHUNK, size);
        needMore = true;
        break;
      }
      const defect = batchDefect(buf, p, Math.min(buf.length, p + remaining));
      if (defect) return { validEnd: pos + p, defect };
      const base = batchBaseOffset(buf, p);
      if (base < seg.nextOffset) {
        return { validEnd: pos + p, defect: `batch offset ${base} does not follow ${seg.nextOffset - 1}` };
      }
      if (pos + p === 0) {
        const ts = batchMaxTimestamp(buf, p);
        if (ts > 0) seg.createdAt = ts;
      }
      seg.track(pos + p, size, base, batchLastOffset(buf, p), batchMaxTimestamp(buf, p), indexInterval);
      p += size;
    }
    if (!needMore) want = SCAN_CHUNK;
    pos += p;
  }
  return { validEnd: pos, defect: null };
}

/**
 * Decides whether the invalid bytes at `position` of the last segment are a torn tail: true
 * when no valid batch with an offset of at least `nextOffset` starts anywhere after them.
 */
export async function isTornTail(seg: Segment, position: number, nextOffset: number): Promise<boolean> {
  const head = await seg.read(position, Math.min(BATCH_HEADER_SIZE, seg.size - position));
  // A file that does not start with a batch header is not a torn write of ours.
  if (position === 0 && head.length >= 17 && head.some((b) => b !== 0) && head.readInt8(OFFSET_MAGIC) !== CURRENT_MAGIC) return false;
  let pos = position + 1;
  while (pos + BATCH_HEADER_SIZE <= seg.size) {
    const buf = await seg.read(pos, Math.min(SCAN_CHUNK + BATCH_HEADER_SIZE, seg.size - pos));
    const limit = buf.length - BATCH_HEADER_SIZE;
    for (let p = 0; p <= limit; p++) {
      if (buf[p + OFFSET_MAGIC] !== CURRENT_MAGIC) continue;
      const base = batchBaseOffset(buf, p);
      if (base < nextOffset || base > nextOffset + 2 ** 31) continue;
      const size = batchSize(buf, p);
      if (size < BATCH_HEADER_SIZE || pos + p + size > seg.size) continue;
      const batch = p + size <= buf.length ? buf.subarray(p, p + size) : await seg.read(pos + p, size);
      if (batchCrcValid(batch, 0, size)) return false;
    }
    pos += limit + 1;
  }
  return true;
}

export interface RecoveredSegments {
  segments: Segment[];
  /** Segments whose index was rebuilt (the last one included when its tail was scanned). */
  rebuilt: number;
  /** Bytes cut from a torn tail. */
  truncatedBytes: number;
}

/**
 * Opens every segment of a partition directory, trusting index files where they are valid
 * and scanning the rest, and truncates a torn tail. Throws StorageCorruptionError for damage
 * that is not a torn tail.
 */
export async function recoverSegments(dir: string, indexInterval: number, logger: Logger): Promise<RecoveredSegments> {
  const names = await readdir(dir);
  const bases: number[] = [];
  for (const name of names) {
    if (name.endsWith(CLEANED_SUFFIX) || name.endsWith('.tmp')) {
      // A compacted copy or an atomic write that never committed: the original is intact.
      await unlinkIfExists(join(dir, name));
    } else if (/^\d{20}\.log$/.test(name)) {
      bases.push(Number(name.slice(0, 20)));
    } else if (/^\d{20}\.index$/.test(name)) {
      if (!names.includes(name.slice(0, 20) + LOG_SUFFIX)) await unlinkIfExists(join(dir, name));
    } else if (name !== 'partition.json') {
      logger.warn({ dir, file: name }, 'ignoring a file that is not part of the log');
    }
  }
  bases.sort((a, b) => a - b);
  const segments: Segment[] = [];
  let rebuilt = 0;
  let truncatedBytes = 0;
  try {
    for (let i = 0; i < bases.length; i++) {
      const isLast = i === bases.length - 1;
      const seg = await Segment.open(dir, bases[i]!);
      segments.push(seg);
      const prev = segments[i - 1];
      if (prev && seg.baseOffset < prev.nextOffset) {
        throw new StorageCorruptionError(`segment ${seg.logPath} starts at offset ${seg.baseOffset}, inside the previous segment (which ends at ${prev.nextOffset})`, seg.logPath);
      }
      const loaded = await seg.loadIndex();
      let from = 0;
      if (typeof loaded === 'string') {
        seg.resetFacts();
        if (!isLast || loaded !== 'no index file') logger.info({ file: seg.logPath, reason: loaded }, 'rebuilding segment index');
      } else {
        seg.adoptIndex(loaded.index, loaded.prefix, indexInterval);
        from = loaded.prefix.coveredBytes;
      }
      if (from === seg.size) {
        seg.sealed = !isLast;
        seg.readable = seg.size;
        continue;
      }
      rebuilt++;
      const scan = await scanSegment(seg, from, indexInterval);
      if (scan.defect) {
        if (!isLast || !(await isTornTail(seg, scan.validEnd, seg.nextOffset))) {
          const where = `${seg.logPath} at byte ${scan.validEnd} (after offset ${seg.nextOffset - 1})`;
          throw new StorageCorruptionError(
            isLast
              ? `corrupt record batch in ${where}: ${scan.defect}, followed by valid batches; refusing to drop them`
              : `corrupt record batch in sealed segment ${where}: ${scan.defect}`,
            seg.logPath,
            scan.validEnd,
          );
        }
        truncatedBytes += seg.size - scan.validEnd;
        logger.warn(
          { file: seg.logPath, position: scan.validEnd, bytes: seg.size - scan.validEnd, reason: scan.defect },
          'truncating torn tail of the log (an append that was never acknowledged)',
        );
        await seg.truncateFile(scan.validEnd);
        await seg.datasync();
      }
      seg.readable = seg.size;
      seg.sealed = !isLast;
      // A sealed segment's bytes are durable already; persist the rebuilt index so the next start is quick.
      if (seg.sealed) await seg.writeIndex();
    }
  } catch (e) {
    await Promise.all(segments.map((s) => s.close()));
    throw e;
  }
  return { segments, rebuilt, truncatedBytes };
}
