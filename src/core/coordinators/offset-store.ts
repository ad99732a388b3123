// Committed offsets of consumer groups, in memory, and their records in `__consumer_offsets`.
// The group coordinator decides what may be committed; this store only keeps what was.
//
// Records (see internal-topic.ts for the envelope):
//   ["o", group, topic, partition]               -> { v, offset, leaderEpoch, metadata, commitTimestamp, expireTimestamp }
//   ["to", producerId, group, topic, partition]  -> the same, pending in an open transaction of that producer
// A transaction's offsets become committed when it commits: one batch then writes the "o"
// records and the tombstones of the "to" records, so a replay sees either both or neither.
// An abort writes only the tombstones.
import type { InternalRecord } from './internal-topic.js';

export interface CommittedOffset {
  offset: number;
  /** -1 when the client did not say. */
  leaderEpoch: number;
  metadata: string | null;
  commitTimestamp: number;
  /** Explicit expiry (OffsetCommit v1's retention), or -1. */
  expireTimestamp: number;
}

export interface TopicPartitionOffset extends CommittedOffset {
  topic: string;
  partition: number;
}

const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;
const splitTp = (key: string): [string, number] => {
  const i = key.lastIndexOf('\u0000');
  return [key.slice(0, i), Number(key.slice(i + 1))];
};

export function offsetRecordValue(o: CommittedOffset): Record<string, unknown> {
  return { v: 1, offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata, commitTimestamp: o.commitTimestamp, expireTimestamp: o.expireTimestamp };
}

export function parseOffsetValue(v: Record<string, unknown>): CommittedOffset | null {
  if (typeof v.offset !== 'number') return null;
  return {
    offset: v.offset,
    leaderEpoch: typeof v.leaderEpoch === 'number' ? v.leaderEpoch : -1,
    metadata: typeof v.metadata === 'string' ? v.metadata : null,
    commitTimestamp: typeof v.commitTimestamp === 'number' ? v.commitTimestamp : 0,
    expireTimestamp: typeof v.expireTimestamp === 'number' ? v.expireTimestamp : -1,
  };
}

export class OffsetStore {
  /** group -> topic\0partition -> offset */
  private readonly committed = new Map<string, Map<string, CommittedOffset>>();
  /** producerId -> group -> topic\0partition -> offset (transactional, not yet committed) */
  private readonly pending = new Map<number, Map<string, Map<string, CommittedOffset>>>();

  get(group: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.committed.get(group)?.get(tpKey(topic, partition));
  }

  /** Every committed offset of a group, sorted by topic and partition. */
  all(group: string): TopicPartitionOffset[] {
    const m = this.committed.get(group);
    if (!m) return [];
    const out: TopicPartitionOffset[] = [];
    for (const [k, o] of m) {
      const [topic, partition] = splitTp(k);
      out.push({ topic, partition, ...o });
    }
    out.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
    return out;
  }

  hasOffsets(group: string): boolean {
    return (this.committed.get(group)?.size ?? 0) > 0;
  }

  groups(): string[] {
    return [...this.committed.keys()];
  }

  set(group: string, topic: string, partition: number, o: CommittedOffset): void {
    let m = this.committed.get(group);
    if (!m) this.committed.set(group, (m = new Map()));
    m.set(tpKey(topic, partition), o);
  }

  delete(group: string, topic: string, partition: number): void {
    const m = this.committed.get(group);
    if (!m) return;
    m.delete(tpKey(topic, partition));
    if (m.size === 0) this.committed.delete(group);
  }

  /** Every group's committed offsets on one topic (for a deleted topic). */
  ofTopic(topic: string): Array<{ group: string; partition: number }> {
    const out: Array<{ group: string; partition: number }> = [];
    for (const [group, m] of this.committed) {
      for (const k of m.keys()) {
        const [t, partition] = splitTp(k);
        if (t === topic) out.push({ group, partition });
      }
    }
    return out;
  }

  deleteGroup(group: string): TopicPartitionOffset[] {
    const all = this.all(group);
    this.committed.delete(group);
    return all;
  }

  // ------------------------------------------------------------------------------------------
  // Transactional offsets

  setPending(producerId: number, group: string, topic: string, partition: number, o: CommittedOffset): void {
    let byGroup = this.pending.get(producerId);
    if (!byGroup) this.pending.set(producerId, (byGroup = new Map()));
    let m = byGroup.get(group);
    if (!m) byGroup.set(group, (m = new Map()));
    m.set(tpKey(topic, partition), o);
  }

  deletePending(producerId: number, group: string, topic: string, partition: number): void {
    const byGroup = this.pending.get(producerId);
    const m = byGroup?.get(group);
    if (!byGroup || !m) return;
    m.delete(tpKey(topic, partition));
    if (m.size === 0) byGroup.delete(group);
    if (byGroup.size === 0) this.pending.delete(producerId);
  }

  /** True if an open transaction holds an offset for this partition of the group. */
  hasPending(group: string, topic: string, partition: number): boolean {
    const k = tpKey(topic, partition);
    for (const byGroup of this.pending.values()) {
      if (byGroup.get(group)?.has(k)) return true;
    }
    return false;
  }

  hasPendingForGroup(group: string): boolean {
    for (const byGroup of this.pending.values()) if (byGroup.has(group)) return true;
    return false;
  }

  pendingProducers(): number[] {
    return [...this.pending.keys()];
  }

  /** The pending offsets of a producer, by group. */
  pendingOf(producerId: number): Array<{ group: string; offsets: TopicPartitionOffset[] }> {
    const byGroup = this.pending.get(producerId);
    if (!byGroup) return [];
    return [...byGroup].map(([group, m]) => ({
      group,
      offsets: [...m].map(([k, o]) => {
        const [topic, partition] = splitTp(k);
        return { topic, partition, ...o };
      }),
    }));
  }

  /**
   * The records that end a producer's transaction in this store: the committed offsets (on
   * commit) and tombstones of the pending ones. Apply with applyCompletion() once appended.
   */
  completionRecords(producerId: number, commit: boolean): InternalRecord[] {
    const out: InternalRecord[] = [];
    for (const { group, offsets } of this.pendingOf(producerId)) {
      for (const o of offsets) {
        if (commit) out.push({ key: ['o', group, o.topic, o.partition], value: offsetRecordValue(o) });
        out.push({ key: ['to', producerId, group, o.topic, o.partition], value: null });
      }
    }
    return out;
  }

  applyCompletion(producerId: number, commit: boolean): void {
    if (commit) {
      for (const { group, offsets } of this.pendingOf(producerId)) {
        for (const o of offsets) {
          const { topic, partition, ...rest } = o;
          this.set(group, topic, partition, rest);
        }
      }
    }
    this.pending.delete(producerId);
  }
}
