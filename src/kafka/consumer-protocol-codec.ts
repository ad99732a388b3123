// The consumer protocol's embedded formats (ConsumerProtocolSubscription and
// ConsumerProtocolAssignment v0-3, what classic-protocol consumers put in JoinGroup and SyncGroup),
// for the group coordinator's online migration between the classic and the consumer (KIP-848)
// protocols: the core does not know these formats, it reads a classic member's subscribed topics,
// owned partitions and rack, and its assignment, and writes the assignment of a classic member of
// a consumer group, through this codec (broker.ts hands it to the coordinators).
import type { ConsumerProtocolCodec, ClassicSubscription } from '../core/coordinators/group-migration.js';
import type { Assignment } from '../core/coordinators/consumer-group.js';
import { decodeConsumerProtocolSubscription } from './protocol/messages/consumer-protocol-subscription.js';
import { decodeConsumerProtocolAssignment, encodeConsumerProtocolAssignment } from './protocol/messages/consumer-protocol-assignment.js';
import { Reader } from './protocol/reader.js';
import { Writer } from './protocol/writer.js';

/** The newest version of both formats Kafka 4.4 knows; a newer one is read as this (Kafka does the same). */
const MAX_VERSION = 3;

function toAssignment(entries: ReadonlyArray<{ topic: string; partitions: number[] }>): Assignment {
  const out: Assignment = new Map();
  for (const e of entries) {
    let s = out.get(e.topic);
    if (!s) out.set(e.topic, (s = new Set()));
    for (const p of e.partitions) s.add(p);
  }
  return out;
}

export const consumerProtocolCodec: ConsumerProtocolCodec = {
  decodeSubscription(metadata: Buffer): ClassicSubscription | null {
    try {
      if (metadata.length < 2) return null;
      const r = new Reader(metadata);
      const version = r.int16();
      if (version < 0) return null;
      const sub = decodeConsumerProtocolSubscription(r, Math.min(version, MAX_VERSION));
      return { topics: sub.topics, ownedPartitions: toAssignment(sub.ownedPartitions ?? []), rackId: sub.rackId ?? null };
    } catch {
      return null;
    }
  },
  decodeAssignment(data: Buffer): Assignment | null {
    // A member that never synced has an empty assignment: it owns nothing.
    if (data.length === 0) return new Map();
    try {
      const r = new Reader(data);
      const version = r.int16();
      if (version < 0) return null;
      return toAssignment(decodeConsumerProtocolAssignment(r, Math.min(version, MAX_VERSION)).assignedPartitions);
    } catch {
      return null;
    }
  },
  encodeAssignment(a: Assignment): Buffer {
    // Version 0: every client reads it (the layout is the same up to v3).
    const w = new Writer(64);
    w.int16(0);
    const assignedPartitions = [...a]
      .filter(([, ps]) => ps.size > 0)
      .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
      .map(([topic, ps]) => ({ topic, partitions: [...ps].sort((x, y) => x - y) }));
    encodeConsumerProtocolAssignment(w, 0, { assignedPartitions, userData: Buffer.alloc(0) });
    return w.finish();
  },
};
