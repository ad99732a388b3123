// The application reset tool, as kafka-streams-application-reset: with no instance running, it
// moves the application's committed offsets on its input topics back to the start (or to the
// end), deletes its internal topics (repartition topics, changelogs, foreign-key join topics) so
// that they are created anew, and optionally deletes this machine's local state. The next start
// reprocesses the input from scratch. The group's committed offsets of the internal topics are
// deleted (OffsetDelete) before the topics are: Apache Kafka drops them with the topic, but a
// broker that keeps them would have the recreated repartition topics read from stale offsets.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Admin } from '@platformatic/kafka';
import { StreamsError } from '../errors.js';

export interface ResetOptions {
  applicationId: string;
  bootstrapServers: string | string[];
  /** Input topics whose committed offsets are reset (default: every topic the group committed). */
  inputTopics?: string[];
  /** Reset to the end instead of the start (skip existing input). */
  toLatest?: boolean;
  /** Also delete the local state directory `<stateDir>/<applicationId>`. */
  stateDir?: string;
  /** Report what would be done, change nothing. */
  dryRun?: boolean;
}

export interface ResetReport {
  readonly offsets: { topic: string; partition: number; offset: number }[];
  readonly deletedTopics: string[];
  readonly deletedStateDir: string | null;
}

const INTERNAL = /-(repartition|changelog)$|^.*-KTABLE-FK-JOIN-SUBSCRIPTION-(REGISTRATION|RESPONSE)-\d{10}-topic$/;

export async function resetApplication(o: ResetOptions): Promise<ResetReport> {
  const servers = Array.isArray(o.bootstrapServers) ? o.bootstrapServers : o.bootstrapServers.split(',').map((s) => s.trim());
  const admin = new Admin({ clientId: `${o.applicationId}-reset`, bootstrapBrokers: servers });
  try {
    const groups = await admin.describeGroups({ groups: [o.applicationId] });
    const g = groups.get(o.applicationId);
    if (g && g.members.size > 0) throw new StreamsError(`application ${o.applicationId} still has ${g.members.size} running member(s): stop every instance before resetting`);
    const all = await admin.listTopics({ includeInternals: false });
    const prefix = `${o.applicationId}-`;
    const internal = all.filter((t) => t.startsWith(prefix) && INTERNAL.test(t)).sort();
    const committed = await admin.listConsumerGroupOffsets({ groups: [o.applicationId] });
    const committedTopics = new Set<string>();
    const committedInternal: { name: string; partitionIndexes: number[] }[] = [];
    for (const grp of committed) {
      for (const t of grp.topics) {
        committedTopics.add(t.name);
        if (internal.includes(t.name)) committedInternal.push({ name: t.name, partitionIndexes: t.partitions.map((p) => p.partitionIndex) });
      }
    }
    const inputs = (o.inputTopics ?? [...committedTopics].filter((t) => !t.startsWith(prefix))).filter((t) => all.includes(t));
    const offsets: { topic: string; partition: number; offset: number }[] = [];
    if (inputs.length > 0) {
      const meta = await admin.metadata({ topics: inputs });
      const request = inputs.map((name) => ({ name, partitions: Array.from({ length: meta.topics.get(name)?.partitionsCount ?? 0 }, (_, partitionIndex) => ({ partitionIndex, timestamp: o.toLatest ? -1n : -2n })) }));
      const listed = await admin.listOffsets({ topics: request });
      for (const t of listed) for (const p of t.partitions) offsets.push({ topic: t.name, partition: p.partitionIndex, offset: Number(p.offset) });
    }
    const stateDir = o.stateDir ? join(o.stateDir, o.applicationId) : null;
    if (!o.dryRun) {
      const byTopic = new Map<string, { partition: number; offset: bigint }[]>();
      for (const x of offsets) byTopic.set(x.topic, [...(byTopic.get(x.topic) ?? []), { partition: x.partition, offset: BigInt(x.offset) }]);
      if (byTopic.size > 0) await admin.alterConsumerGroupOffsets({ groupId: o.applicationId, topics: [...byTopic.entries()].map(([name, partitionOffsets]) => ({ name, partitionOffsets })) });
      if (committedInternal.length > 0) await admin.deleteConsumerGroupOffsets({ groupId: o.applicationId, topics: committedInternal });
      if (internal.length > 0) await admin.deleteTopics({ topics: internal });
      if (stateDir) rmSync(stateDir, { recursive: true, force: true });
    }
    return { offsets, deletedTopics: internal, deletedStateDir: stateDir };
  } finally {
    await admin.close();
  }
}
