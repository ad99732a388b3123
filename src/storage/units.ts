// Rules every engine follows when it divides a partition into units of storage (Kafka's
// segments): when the unit being appended to is closed and a new one started, which units
// retention frees (the one appended to included, as Kafka's "roll then delete"), and which ones
// a compaction rewrite may touch. Kept in one place so that a topic's segment.bytes, segment.ms,
// retention.ms and retention.bytes mean the same on every engine, and the log and storage
// test suites can hold every engine to the same figures.
import { LogError } from '../core/records/errors.js';
import type { PartitionRef, PartitionStorageSettings, RetentionRule, RewriteResult } from './engine.js';

/** A unit spans at most this many offsets (the local engine's index keeps 32-bit relative offsets). */
export const MAX_UNIT_OFFSET_SPAN = 2 ** 31;

/** What the rules need to know of a unit. */
export interface UnitFacts {
  readonly baseOffset: number;
  /** Offset after the last batch stored in the unit. */
  readonly nextOffset: number;
  /** Bytes stored in the unit. */
  readonly size: number;
  /** Largest batch max timestamp in the unit, -1 when empty. */
  readonly maxTimestamp: number;
  /** When the unit got its first batch (basis of segment.ms). */
  readonly createdAt: number;
  /** Closed for appends: only read, rewritten whole, or freed whole from now on. */
  readonly sealed: boolean;
}

/**
 * Whether a batch of `incoming` bytes spanning `span` offsets from `nextOffset` must start a
 * new unit instead of joining `unit`, which holds `pendingBytes` more than `unit.size` already
 * (batches of the same write not yet counted). An empty unit takes anything.
 */
export function needsNewUnit(
  settings: PartitionStorageSettings,
  unit: UnitFacts,
  pendingBytes: number,
  incoming: number,
  now: number,
  nextOffset: number,
  span: number,
): boolean {
  const used = unit.size + pendingBytes;
  if (used === 0) return false;
  return used + incoming > settings.segmentBytes || now - unit.createdAt >= settings.segmentMs || nextOffset + span - unit.baseOffset >= MAX_UNIT_OFFSET_SPAN;
}

/**
 * How many of the oldest units retention frees, oldest first, stopping at the first one it keeps,
 * as Kafka's log retention does: a unit goes when it is older than the rule's time (its newest
 * timestamp is), when the partition without it still holds at least the rule's bytes, or when
 * it holds nothing at or above the log start offset. The unit appended to is a candidate too
 * once it holds data and all of it is acknowledged (below `acknowledgedEnd`): a partition
 * written once and then left idle loses its data at retention.ms, as on Kafka, which rolls the
 * active segment and deletes it. When every unit goes (the result is `units.length`), the engine
 * first starts a new, empty unit at the end of the log, so that the partition keeps one and its
 * log start offset becomes its end offset.
 */
export function unitsFreedByRetention(units: readonly UnitFacts[], rule: RetentionRule, logStartOffset: number, acknowledgedEnd: number): number {
  let total = 0;
  for (const u of units) total += u.size;
  let n = 0;
  for (let i = 0; i < units.length; i++) {
    const u = units[i]!;
    const last = i === units.length - 1;
    if (last ? u.size === 0 || u.nextOffset > acknowledgedEnd : !u.sealed) break;
    const byStart = u.nextOffset <= logStartOffset;
    const byTime = rule.deleteOlderThan !== undefined && u.maxTimestamp < rule.deleteOlderThan;
    const bySize = rule.maxBytes !== undefined && total - u.size >= rule.maxBytes;
    if (!byStart && !byTime && !bySize) break;
    total -= u.size;
    n++;
  }
  return n;
}

/**
 * A compaction rewrite of everything below `upTo`: the sealed units wholly below it, oldest
 * first (the unit appended to is never touched), each through `rewriteUnit`, which returns the
 * unit's new size. `stopped()` ends the pass early (the partition is closing). Says how far it got.
 * Units that end at or below `from` are left alone (an erase rewrites only where its records are).
 */
export async function rewriteSealedUnits<U extends UnitFacts>(
  units: readonly U[],
  upTo: number,
  rewriteUnit: (unit: U) => Promise<number>,
  stopped: () => boolean,
  from = 0,
): Promise<RewriteResult> {
  const candidates = units.filter((u) => u.sealed && u.nextOffset <= upTo && u.nextOffset > from);
  let bytesBefore = 0;
  let bytesAfter = 0;
  let rewrittenUpTo = units[0]?.baseOffset ?? 0;
  for (const unit of candidates) {
    if (stopped()) break;
    bytesBefore += unit.size;
    bytesAfter += await rewriteUnit(unit);
    rewrittenUpTo = unit.nextOffset;
  }
  return { rewrittenUpTo, bytesBefore, bytesAfter };
}

/**
 * The refusal of an append whose caller numbered it from `expected` when the log would store it
 * from `end` (an append before it failed and took no offsets): see PartitionStore.append.
 */
export function renumberedAppend(ref: PartitionRef, expected: number, end: number): LogError {
  return new LogError('KAFKA_STORAGE_ERROR', `append to ${ref.topic}-${ref.partition} refused: it was numbered from offset ${expected}, but an append before it failed and the log ends at ${end}`);
}
