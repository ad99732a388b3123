// Recovery of a partition directory at open: which segment files exist, which indexes can be
// trusted, and what the bytes after the last trusted point hold.
//
// The rule that keeps acknowledged data safe: a segment is fsynced before a newer one is
// created (sealing), and an index file is written only after the bytes it covers were
// fsynced. So the only bytes that can be torn by a crash are those after the covered prefix
// of the LAST segment. Those are scanned batch by batch with CRC-32C; a bad batch there is
//  - a torn tail (the write of unacknowledged data was cut short) when nothing valid follows
//    it: the file is truncated to the last valid batch, and
//  - damage when a valid batch with a later offset follows it: bytes that were once
//    acknowledged are damaged. With salvage (user topics, the default) only the damaged byte
//    range is cut out (salvage.ts) and every valid batch after it is kept; otherwise
//    (internal topics, or `--damage-recovery offline`) the partition goes offline.
// A bad batch in a sealed segment whose index had to be rebuilt is damage too.
//
// The base offset of a batch is outside its CRC, so a flipped base offset looks like a valid
// batch whose offsets jump ahead. A forward jump is accepted only where it can be explained: an
// offset range an earlier salvage dropped (recorded in partition.json), or a batch that the next
// valid batch follows (compaction leaves such gaps in sealed segments), or, at the end of a
// sealed segment, one that stays below the next segment's base offset. Anything else is a bad
// batch like a CRC mismatch.
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
import type { OffsetRange } from '../engine.js';
import { CLEANED_SUFFIX, DAMAGED_INFIX, LOG_SUFFIX, Segment } from './segment.js';
import { unlinkIfExists } from './fs-util.js';
import { salvageSegment, type DamagedRange } from './salvage.js';

const SCAN_CHUNK = 4 * 1024 * 1024;
/** A candidate batch's base offset further than this past the expected one is not believed. */
const MAX_PLAUSIBLE_JUMP = 2 ** 31;

export interface ScanResult {
  /** Position after the last valid batch. */
  validEnd: number;
  /** Why the bytes at validEnd are not a valid batch; null if the scan reached the end of the file. */
  defect: string | null;
  /** The bad batch is whole and CRC-valid, only its base offset cannot be believed (a jump nothing explains). */
  badOffset?: boolean;
}

/** What explains a forward jump of offsets while scanning one segment (see the header). */
export interface JumpRules {
  /** Offset ranges dropped by a salvage: a batch that starts right after one of them is no jump. */
  gaps: OffsetRange[];
  /** The next segment's base offset; null for the last segment, where a jump in the final batch is not believed. */
  nextBase: number | null;
}

/**
 * Reads `seg` from `from` to the end of its file, validating each batch (structure, CRC,
 * offsets moving forward, and with `rules` forward jumps explained) and tracking it into the
 * segment's index and facts.
 */
export async function scanSegment(seg: Segment, from: number, indexInterval: number, rules?: JumpRules): Promise<ScanResult> {
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
      const last = batchLastOffset(buf, p);
      if (rules !== undefined && base > seg.nextOffset && !(await jumpExplained(seg, rules, pos + p + size, base, last, buf, p + size))) {
        return { validEnd: pos + p, defect: `batch offset ${base} jumps ahead of ${seg.nextOffset} and nothing explains it (a damaged base offset)`, badOffset: true };
      }
      if (pos + p === 0) {
        const ts = batchMaxTimestamp(buf, p);
        if (ts > 0) seg.createdAt = ts;
      }
      seg.track(pos + p, size, base, last, batchMaxTimestamp(buf, p), indexInterval);
      p += size;
    }
    if (!needMore) want = SCAN_CHUNK;
    pos += p;
  }
  return { validEnd: pos, defect: null };
}

/** Whether the jump of a batch at `seg.nextOffset` to `base` (ending at `last`, its bytes ending at `after`) is explained. */
async function jumpExplained(seg: Segment, rules: JumpRules, after: number, base: number, last: number, buf: Buffer, bufAfter: number): Promise<boolean> {
  for (const g of rules.gaps) if (g.to === base - 1 && g.from >= seg.nextOffset) return true;
  const next = await followerAt(seg, after, last + 1, buf, bufAfter);
  if (next === 'follows') return true;
  if (next === 'end') return rules.nextBase !== null && last < rules.nextBase;
  return false;
}

/**
 * What is at `position`: 'end' (the end of the file, or a batch cut short by it: a torn tail),
 * 'follows' (a whole, CRC-valid batch with a base offset of at least `minBase`), or 'other'.
 * Uses `buf` from `bufPos` when it holds the batch, reads the file otherwise.
 */
async function followerAt(seg: Segment, position: number, minBase: number, buf?: Buffer, bufPos = 0): Promise<'end' | 'follows' | 'other'> {
  const remaining = seg.size - position;
  if (remaining < BATCH_HEADER_SIZE) return 'end';
  let head: Buffer;
  let hp: number;
  if (buf !== undefined && buf.length - bufPos >= BATCH_HEADER_SIZE) {
    head = buf;
    hp = bufPos;
  } else {
    head = await seg.read(position, BATCH_HEADER_SIZE);
    hp = 0;
  }
  const size = batchSize(head, hp);
  if (head[hp + OFFSET_MAGIC] !== CURRENT_MAGIC || size < BATCH_HEADER_SIZE) return 'other';
  if (size > remaining) return 'end';
  const base = batchBaseOffset(head, hp);
  if (base < minBase || base > minBase + MAX_PLAUSIBLE_JUMP) return 'other';
  const batch = head.length - hp >= size ? head.subarray(hp, hp + size) : await seg.read(position, size);
  return batchDefect(batch, 0, size) === null ? 'follows' : 'other';
}

/**
 * The first position after `position` where a batch can be resumed from after damage: a whole,
 * CRC-valid batch with a base offset of at least `nextOffset` (and plausibly close to it) that
 * the next batch follows, or that ends the file (a sealed segment's: below its next segment's
 * base offset). Null when there is none.
 */
export async function findResync(seg: Segment, position: number, nextOffset: number, nextBase: number | null): Promise<{ position: number; base: number } | null> {
  let pos = position;
  while (pos + BATCH_HEADER_SIZE <= seg.size) {
    const buf = await seg.read(pos, Math.min(SCAN_CHUNK + BATCH_HEADER_SIZE, seg.size - pos));
    const limit = buf.length - BATCH_HEADER_SIZE;
    for (let p = 0; p <= limit; p++) {
      if (buf[p + OFFSET_MAGIC] !== CURRENT_MAGIC) continue;
      const base = batchBaseOffset(buf, p);
      if (base < nextOffset || base > nextOffset + MAX_PLAUSIBLE_JUMP) continue;
      const size = batchSize(buf, p);
      if (size < BATCH_HEADER_SIZE || pos + p + size > seg.size) continue;
      const batch = p + size <= buf.length ? buf.subarray(p, p + size) : await seg.read(pos + p, size);
      if (!batchCrcValid(batch, 0, size)) continue;
      const last = batchLastOffset(batch, 0);
      const next = await followerAt(seg, pos + p + size, last + 1, p + size <= buf.length ? buf : undefined, p + size);
      if (next === 'follows' || (next === 'end' && (nextBase === null || last < nextBase))) return { position: pos + p, base };
    }
    pos += limit + 1;
  }
  return null;
}

/** Whether the file starts with bytes that are no batch header of ours (a file that is not a log segment). */
export async function looksForeign(seg: Segment): Promise<boolean> {
  const head = await seg.read(0, Math.min(BATCH_HEADER_SIZE, seg.size));
  return head.length >= 17 && head.some((b) => b !== 0) && head.readInt8(OFFSET_MAGIC) !== CURRENT_MAGIC;
}

/**
 * Decides whether the invalid bytes at `position` of the last segment are a torn tail: true
 * when no valid batch with an offset of at least `nextOffset` starts anywhere after them.
 */
export async function isTornTail(seg: Segment, position: number, nextOffset: number): Promise<boolean> {
  // A file that does not start with a batch header is not a torn write of ours.
  if (position === 0 && (await looksForeign(seg))) return false;
  let pos = position + 1;
  while (pos + BATCH_HEADER_SIZE <= seg.size) {
    const buf = await seg.read(pos, Math.min(SCAN_CHUNK + BATCH_HEADER_SIZE, seg.size - pos));
    const limit = buf.length - BATCH_HEADER_SIZE;
    for (let p = 0; p <= limit; p++) {
      if (buf[p + OFFSET_MAGIC] !== CURRENT_MAGIC) continue;
      const base = batchBaseOffset(buf, p);
      if (base < nextOffset || base > nextOffset + MAX_PLAUSIBLE_JUMP) continue;
      const size = batchSize(buf, p);
      if (size < BATCH_HEADER_SIZE || pos + p + size > seg.size) continue;
      const batch = p + size <= buf.length ? buf.subarray(p, p + size) : await seg.read(pos + p, size);
      if (batchCrcValid(batch, 0, size)) return false;
    }
    pos += limit + 1;
  }
  return true;
}

export interface RecoveryOptions {
  indexInterval: number;
  logger: Logger;
  /** Cut damaged byte ranges out and keep the valid batches after them; false: such damage is a StorageCorruptionError. */
  salvage: boolean;
  /** Offset ranges earlier salvages dropped (partition.json): batches right after them are no jumps. */
  lostRanges: readonly OffsetRange[];
  /** Persists newly lost offset ranges (partition.json), before the segment they were in is rewritten. */
  recordLost(ranges: OffsetRange[]): Promise<void>;
}

export interface RecoveredSegments {
  segments: Segment[];
  /** Segments whose index was rebuilt (the last one included when its tail was scanned). */
  rebuilt: number;
  /** Bytes cut from a torn tail. */
  truncatedBytes: number;
  /** Damaged byte ranges salvage cut out. */
  damaged: DamagedRange[];
}

/**
 * Opens every segment of a partition directory, trusting index files where they are valid
 * and scanning the rest, truncates a torn tail, and salvages (or refuses) damage. Throws
 * StorageCorruptionError for damage it may not or cannot salvage.
 */
export async function recoverSegments(dir: string, opts: RecoveryOptions): Promise<RecoveredSegments> {
  const { indexInterval, logger } = opts;
  const names = await readdir(dir);
  const bases: number[] = [];
  const keptCopies = new Map<number, string[]>();
  for (const name of names) {
    if (name.endsWith(CLEANED_SUFFIX) || name.endsWith('.tmp')) {
      // A compacted or salvaged copy or an atomic write that never committed: the original is intact.
      await unlinkIfExists(join(dir, name));
    } else if (/^\d{20}\.log$/.test(name)) {
      bases.push(Number(name.slice(0, 20)));
    } else if (/^\d{20}\.index$/.test(name)) {
      if (!names.includes(name.slice(0, 20) + LOG_SUFFIX)) await unlinkIfExists(join(dir, name));
    } else if (name.startsWith(DAMAGED_INFIX, 20) && /^\d{20}$/.test(name.slice(0, 20))) {
      // The original bytes of a salvaged segment, kept for the operator; deleted with the segment.
      const base = Number(name.slice(0, 20));
      keptCopies.set(base, [...(keptCopies.get(base) ?? []), name]);
    } else if (name !== 'partition.json') {
      logger.warn({ dir, file: name }, 'ignoring a file that is not part of the log');
    }
  }
  bases.sort((a, b) => a - b);
  const segments: Segment[] = [];
  const gaps = [...opts.lostRanges];
  const damaged: DamagedRange[] = [];
  let rebuilt = 0;
  let truncatedBytes = 0;
  try {
    for (let i = 0; i < bases.length; i++) {
      const isLast = i === bases.length - 1;
      let seg = await Segment.open(dir, bases[i]!);
      seg.keptCopies = keptCopies.get(bases[i]!) ?? [];
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
      const rules: JumpRules = { gaps, nextBase: isLast ? null : bases[i + 1]! };
      const scan = await scanSegment(seg, from, indexInterval, rules);
      if (scan.defect) {
        // A bad batch the salvage may cut out: damage followed by valid batches, or (in a sealed segment) at all.
        const torn = isLast && !scan.badOffset && (await isTornTail(seg, scan.validEnd, seg.nextOffset));
        // In salvage mode a whole batch with an unbelievable base offset at the very end of the last segment is cut like a torn tail.
        const cutAsTail = opts.salvage && isLast && scan.badOffset === true && (await findResync(seg, scan.validEnd + 1, seg.nextOffset, null)) === null;
        if (torn || cutAsTail) {
          truncatedBytes += seg.size - scan.validEnd;
          logger.warn(
            { file: seg.logPath, position: scan.validEnd, bytes: seg.size - scan.validEnd, reason: scan.defect },
            torn ? 'truncating torn tail of the log (an append that was never acknowledged)' : 'truncating the last batch of the log: its base offset cannot be believed',
          );
          await seg.truncateFile(scan.validEnd);
          await seg.datasync();
        } else {
          const where = `${seg.logPath} at byte ${scan.validEnd} (after offset ${seg.nextOffset - 1})`;
          const refuse = (): never => {
            throw new StorageCorruptionError(
              isLast ? `corrupt record batch in ${where}: ${scan.defect}, followed by valid batches; refusing to drop them` : `corrupt record batch in sealed segment ${where}: ${scan.defect}`,
              seg.logPath,
              scan.validEnd,
            );
          };
          if (!opts.salvage) refuse();
          const result = await salvageSegment(seg, { firstDefect: scan, rules, isLast, indexInterval, logger, recordLost: opts.recordLost });
          if (result === null) refuse();
          const fresh = result!.segment;
          segments[i] = seg = fresh;
          damaged.push(...result!.damaged);
          truncatedBytes += result!.tailBytes;
        }
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
  return { segments, rebuilt, truncatedBytes, damaged };
}
