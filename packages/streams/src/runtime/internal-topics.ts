// Internal topics, named and configured as Kafka Streams names and configures them, and the
// partition counts that make tasks line up: a repartition topic gets the largest partition count
// of the sub-topology writing it (or its Repartitioned count), co-partitioned topics (the two
// sides of a join) must agree, and a changelog has one partition per task of its sub-topology.
// Missing internal topics are created at start; missing source topics stop the start.
import type { Topology } from '../topology/topology.js';
import type { Subtopology } from '../topology/plan.js';
import { changelogConfig } from '../state/spec.js';
import { MissingSourceTopicError, StreamsError, TopologyError } from '../errors.js';
import { ErrorCode, hasCode, type KafkaClient } from '../client/kafka.js';


export interface InternalTopic {
  readonly name: string;
  readonly partitions: number;
  readonly config: Record<string, string>;
  readonly kind: 'repartition' | 'changelog';
}

export interface TopicPlan {
  /** Partitions of every topic the topology reads (full names). */
  readonly partitions: Map<string, number>;
  readonly internal: InternalTopic[];
  /** Tasks per sub-topology (max partitions of its sources). */
  readonly tasksPerSubtopology: Map<number, number>;
}

export const REPARTITION_CONFIG: Record<string, string> = {
  'cleanup.policy': 'delete',
  'segment.bytes': '52428800',
  'retention.ms': '-1',
  'message.timestamp.type': 'CreateTime',
};

export function internalName(appId: string, name: string): string {
  return `${appId}-${name}`;
}

/** Source topics feeding a node within the topology graph (full names). */
function upstreamTopics(topology: Topology, appId: string, node: string, seen = new Set<string>()): string[] {
  if (seen.has(node)) return [];
  seen.add(node);
  const n = topology.nodes.get(node);
  if (!n) return [];
  if (n.kind === 'source') return n.topics.map((t) => (n.internal ? internalName(appId, t) : t));
  return n.parents.flatMap((p) => upstreamTopics(topology, appId, p, seen));
}

export async function planTopics(topology: Topology, appId: string, subs: Subtopology[], client: KafkaClient): Promise<TopicPlan> {
  const repartition = new Map<string, { explicit: number | undefined; writer: Subtopology | undefined }>();
  for (const [name, spec] of topology.repartitionTopics) repartition.set(internalName(appId, name), { explicit: spec.partitions, writer: undefined });
  for (const sub of subs) {
    for (const n of sub.nodes) {
      const node = topology.nodes.get(n)!;
      if (node.kind === 'sink' && node.internal && typeof node.topic === 'string') {
        const r = repartition.get(internalName(appId, node.topic));
        if (r) r.writer = sub;
      }
    }
  }
  const external = new Set<string>();
  for (const sub of subs) for (const s of sub.sources) if (!s.internal) for (const t of s.topics) external.add(t);
  const partitions = new Map<string, number>();
  if (external.size > 0) {
    const existing = new Set(await client.admin.listTopics({ includeInternals: true }));
    const missing = [...external].filter((t) => !existing.has(t)).sort();
    if (missing.length > 0) throw new MissingSourceTopicError(missing);
    const meta = await client.metadata([...external], true);
    for (const t of external) {
      const m = meta.topics.get(t);
      if (!m || m.partitionsCount <= 0) missing.push(t);
      else partitions.set(t, m.partitionsCount);
    }
    if (missing.length > 0) throw new MissingSourceTopicError(missing.sort());
  }
  // Repartition counts, then co-partitioning constraints, until nothing changes.
  const fixed = new Map<string, number>();
  for (const [name, r] of repartition) if (r.explicit !== undefined) fixed.set(name, r.explicit);
  const groups = topology.copartitionGroups.map((g) => [...new Set(g.flatMap((node) => upstreamTopics(topology, appId, node)))]);
  for (let round = 0; round < 20; round++) {
    let changed = false;
    for (let pass = 0; pass < repartition.size + 1; pass++) {
      for (const [name, r] of repartition) {
        if (fixed.has(name)) {
          if (partitions.get(name) !== fixed.get(name)) {
            partitions.set(name, fixed.get(name)!);
            changed = true;
          }
          continue;
        }
        const inputs = r.writer ? r.writer.sourceTopics.map((t) => (repartition.has(internalName(appId, t)) ? internalName(appId, t) : t)) : [];
        const counts = inputs.map((t) => partitions.get(t)).filter((c): c is number => c !== undefined);
        if (counts.length === 0) continue;
        const n = Math.max(...counts);
        if (partitions.get(name) !== n) {
          partitions.set(name, n);
          changed = true;
        }
      }
    }
    for (const g of groups) {
      const ext = g.filter((t) => !repartition.has(t));
      const extCounts = [...new Set(ext.map((t) => partitions.get(t)).filter((c): c is number => c !== undefined))];
      if (extCounts.length > 1) throw new TopologyError(`topics ${ext.join(', ')} are joined and must have the same number of partitions (co-partitioning), but have ${ext.map((t) => `${t}: ${partitions.get(t)}`).join(', ')}`);
      const target = extCounts[0] ?? Math.max(0, ...g.map((t) => partitions.get(t) ?? 0));
      if (target <= 0) continue;
      for (const t of g) {
        if (!repartition.has(t)) continue;
        const explicit = repartition.get(t)!.explicit;
        if (explicit !== undefined && explicit !== target) throw new TopologyError(`repartition topic ${t} has ${explicit} partitions but is co-partitioned with topics of ${target}`);
        if (fixed.get(t) !== target) {
          fixed.set(t, target);
          changed = true;
        }
      }
    }
    if (!changed) break;
  }
  for (const name of repartition.keys()) if (!partitions.has(name)) throw new StreamsError(`cannot decide the partition count of repartition topic ${name}`);
  const tasksPerSubtopology = new Map<number, number>();
  const internal: InternalTopic[] = [];
  for (const [name] of repartition) internal.push({ name, partitions: partitions.get(name)!, config: REPARTITION_CONFIG, kind: 'repartition' });
  for (const sub of subs) {
    if (sub.global) continue;
    const counts = sub.sourceTopics.map((t) => partitions.get(repartition.has(internalName(appId, t)) ? internalName(appId, t) : t) ?? 0);
    const n = Math.max(0, ...counts);
    tasksPerSubtopology.set(sub.id, n);
    for (const store of sub.stores) {
      const spec = topology.stores.get(store)!;
      if (!spec.logging || topology.sourceChangelogs.has(store)) continue;
      internal.push({ name: internalName(appId, `${store}-changelog`), partitions: n, config: changelogConfig(spec), kind: 'changelog' });
    }
  }
  return { partitions, internal, tasksPerSubtopology };
}

/** Creates missing internal topics; an existing one with another partition count is an error. */
export async function ensureInternalTopics(client: KafkaClient, topics: InternalTopic[], replicationFactor: number): Promise<void> {
  if (topics.length === 0) return;
  const meta = await client.metadata(topics.map((t) => t.name), true).catch(() => null);
  const missing: InternalTopic[] = [];
  for (const t of topics) {
    const m = meta?.topics.get(t.name);
    if (!m) missing.push(t);
    else if (m.partitionsCount !== t.partitions) throw new StreamsError(`internal topic ${t.name} exists with ${m.partitionsCount} partitions, but the topology needs ${t.partitions} (reset the application to recreate it)`);
  }
  for (const t of missing) {
    try {
      await client.admin.createTopics({ topics: [t.name], partitions: t.partitions, replicas: replicationFactor, configs: Object.entries(t.config).map(([name, value]) => ({ name, value })) });
    } catch (err) {
      if (!hasCode(err, ErrorCode.TOPIC_ALREADY_EXISTS)) throw err;
    }
  }
  // Wait until every created topic is in the metadata with all its leaders.
  for (let attempt = 0; attempt < 100 && missing.length > 0; attempt++) {
    const m = await client.metadata(missing.map((t) => t.name), true).catch(() => null);
    if (m && missing.every((t) => m.topics.get(t.name)?.partitions.every((p) => p.leader >= 0))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}
