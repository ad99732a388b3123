// Salvage of a damaged segment at recovery (user topics; docs/storage.md, "Recovery"): the
// damaged byte ranges are cut out and every valid batch after them is kept, where taking the
// partition offline would lose all of it (a JetStream stream is one partition).
//
// From a bad batch, the scan resumes at the next position holding a whole, CRC-valid batch
// with a base offset at or past the next expected one that the batch after it follows (or that
// ends the file): recovery.ts findResync. The offsets between are lost; several damaged ranges
// in one segment are found one after the other. Then, in this order, each step crash-safe:
//  1. the original file is kept as a hard link `<base>.log.damaged-<n>` (once per inode), for the
//     operator; retention deletes it with its segment;
//  2. the lost offset ranges are recorded (partition.json, atomically), so that the next scan
//     accepts the jump over them and the streams layer knows what is gone;
//  3. a copy without the damaged ranges is written to `<base>.log.salvage.tmp`, fsynced, renamed
//     over the segment, and the directory fsynced: a crash leaves the old or the new file (a
//     leftover .tmp is removed at the next start, which salvages again: the same ranges);
//  4. the copy is scanned again from its start; it must be valid throughout.
// In the last segment, bytes after the last damage that hold no batch to resume from are a torn
// tail (offsets not recorded: the next appends take them); in a sealed segment they are lost up
// to the next segment's base offset.
import { link, open, readdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../log.js';
import { StorageCorruptionError } from '../../core/records/errors.js';
import type { OffsetRange } from '../engine.js';
import { fsyncDir, unlinkIfExists } from './fs-util.js';
import { DAMAGED_INFIX, Segment } from './segment.js';
import { findResync, looksForeign, scanSegment, type JumpRules, type ScanResult } from './recovery.js';

const COPY_CHUNK = 4 * 1024 * 1024;

export interface DamagedRange {
  file: string;
  /** Byte range cut out of the file: [fromByte, toByte). */
  fromByte: number;
  toByte: number;
  /** The offsets that were in it; null when it held none that are known (a torn tail). */
  lost: OffsetRange | null;
  /** Why the first batch of the range was bad. */
  reason: string;
}

export interface SalvageInput {
  /** The scan's stop at the first bad batch. */
  firstDefect: ScanResult;
  /** The jump rules of the scan; the lost ranges found here are added to its gaps. */
  rules: JumpRules;
  isLast: boolean;
  indexInterval: number;
  logger: Logger;
  recordLost(ranges: OffsetRange[]): Promise<void>;
}

export interface Salvaged {
  /** The segment reopened on the rewritten file, its facts tracked. */
  segment: Segment;
  /** The ranges cut out, a torn tail of the last segment excluded. */
  damaged: DamagedRange[];
  /** Bytes cut as a torn tail of the last segment. */
  tailBytes: number;
}

/**
 * Cuts the damaged ranges out of `seg` (which was scanned up to the first bad batch) and returns
 * the segment reopened on the rewritten file; null when there is nothing to resume from and the
 * file does not look like ours (left untouched for the operator).
 */
export async function salvageSegment(seg: Segment, o: SalvageInput): Promise<Salvaged | null> {
  const cut: DamagedRange[] = [];
  let tailBytes = 0;
  let at = o.firstDefect.validEnd;
  let reason = o.firstDefect.defect!;
  for (;;) {
    const expected = seg.nextOffset;
    const cand = await findResync(seg, at + 1, expected, o.rules.nextBase);
    if (cand === null) {
      if (at === 0 && cut.length === 0 && (await looksForeign(seg))) return null;
      if (o.isLast) {
        tailBytes = seg.size - at;
        cut.push({ file: seg.logPath, fromByte: at, toByte: seg.size, lost: null, reason });
      } else {
        const nextBase = o.rules.nextBase!;
        cut.push({ file: seg.logPath, fromByte: at, toByte: seg.size, lost: nextBase > expected ? { from: expected, to: nextBase - 1 } : null, reason });
      }
      break;
    }
    const lost = cand.base > expected ? { from: expected, to: cand.base - 1 } : null;
    cut.push({ file: seg.logPath, fromByte: at, toByte: cand.position, lost, reason });
    if (lost !== null) o.rules.gaps.push(lost);
    const scan = await scanSegment(seg, cand.position, o.indexInterval, o.rules);
    if (!scan.defect) break;
    at = scan.validEnd;
    reason = scan.defect;
  }

  const dir = seg.dir;
  const kept = await keepOriginal(seg);
  const lost = cut.flatMap((r) => (r.lost !== null ? [r.lost] : []));
  if (lost.length > 0) await o.recordLost(lost);
  await writeWithout(seg, cut);
  await seg.close();

  const fresh = await Segment.open(dir, seg.baseOffset);
  fresh.keptCopies = seg.keptCopies;
  fresh.resetFacts();
  const scan = await scanSegment(fresh, 0, o.indexInterval, o.rules);
  if (scan.defect) {
    await fresh.close();
    throw new StorageCorruptionError(`salvaged copy of ${seg.logPath} is invalid at byte ${scan.validEnd}: ${scan.defect}`, seg.logPath, scan.validEnd);
  }
  const damaged = o.isLast && cut[cut.length - 1]!.lost === null && cut[cut.length - 1]!.toByte === seg.size && tailBytes > 0 ? cut.slice(0, -1) : cut;
  for (const r of damaged) {
    o.logger.warn(
      {
        file: r.file,
        bytes: `${r.fromByte}-${r.toByte}`,
        lost_offsets: r.lost === null ? 'none' : `${r.lost.from}-${r.lost.to}`,
        lost_count: r.lost === null ? 0 : r.lost.to - r.lost.from + 1,
        reason: r.reason,
        kept_as: kept,
      },
      'cut a damaged byte range out of the log; the valid batches after it are kept (the offsets in it are lost)',
    );
  }
  if (tailBytes > 0) o.logger.warn({ file: seg.logPath, position: seg.size - tailBytes, bytes: tailBytes }, 'truncating torn tail of the log after the damage (no valid batch follows)');
  return { segment: fresh, damaged, tailBytes };
}

/** Hard-links the segment's current file as `<base>.log.damaged-<n>`, unless a kept copy is that very file already; returns its name. */
async function keepOriginal(seg: Segment): Promise<string> {
  const prefix = seg.logPath.slice(seg.dir.length + 1).replace(/\.log$/, DAMAGED_INFIX);
  let n = 0;
  for (const name of await readdir(seg.dir)) {
    if (!name.startsWith(prefix)) continue;
    const k = Number(name.slice(prefix.length));
    if (Number.isInteger(k)) n = Math.max(n, k);
    if ((await stat(join(seg.dir, name))).ino === seg.ino) return name;
  }
  const name = `${prefix}${n + 1}`;
  await link(seg.logPath, join(seg.dir, name));
  await fsyncDir(seg.dir);
  seg.keptCopies = [...seg.keptCopies, name];
  return name;
}

/** Replaces the segment's file, atomically, with a copy that leaves out the byte ranges in `cut` (sorted, disjoint). */
async function writeWithout(seg: Segment, cut: readonly DamagedRange[]): Promise<void> {
  const tmp = `${seg.logPath}.salvage.tmp`;
  await unlinkIfExists(tmp);
  const out = await open(tmp, 'wx');
  try {
    let written = 0;
    let pos = 0;
    const copy = async (from: number, to: number): Promise<void> => {
      for (let p = from; p < to; ) {
        const buf = await seg.read(p, Math.min(COPY_CHUNK, to - p));
        if (buf.length === 0) throw new Error(`${seg.logPath} ended at byte ${p} while being copied`);
        await out.write(buf, 0, buf.length, written);
        written += buf.length;
        p += buf.length;
      }
    };
    for (const r of cut) {
      await copy(pos, r.fromByte);
      pos = r.toByte;
    }
    await copy(pos, seg.size);
    await out.datasync();
  } catch (e) {
    await out.close().catch(() => {});
    await unlinkIfExists(tmp);
    throw e;
  }
  await out.close();
  await unlinkIfExists(seg.indexPath);
  await rename(tmp, seg.logPath);
  await fsyncDir(seg.dir);
}
