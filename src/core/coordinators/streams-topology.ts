// The topology of a streams group (KIP-1071) as the coordinator keeps it, and its configuration
// against the topics of the log: which source topics are missing, how many partitions each
// internal topic needs (repartition topics from the subtopologies that write them or their
// declared count, co-partitioned topics made equal, changelogs as many as the subtopology's
// widest source), which internal topics must be created, and how many tasks each subtopology
// has. The outcome is a status of the heartbeat (MISSING_SOURCE_TOPICS, MISSING_INTERNAL_TOPICS,
// INCORRECTLY_PARTITIONED_TOPICS) with Kafka's texts, or a topology that cannot be configured at
// all (STREAMS_INVALID_TOPOLOGY). Wire-format free: the Kafka front-end converts the request's
// topology into these records.
import { CoordinatorError } from './errors.js';

export interface StreamsTopicInfo {
  name: string;
  /** 0: no count required (repartition topics: derived; changelogs: always 0). */
  partitions: number;
  replicationFactor: number;
  configs: Array<[string, string]>;
}

export interface StreamsCopartitionGroup {
  /** Indexes into the subtopology's sourceTopics. */
  sourceTopics: number[];
  sourceTopicRegex: number[];
  /** Indexes into the subtopology's repartitionSourceTopics. */
  repartitionSourceTopics: number[];
}

export interface StreamsSubtopology {
  subtopologyId: string;
  sourceTopics: string[];
  sourceTopicRegex: string[];
  stateChangelogTopics: StreamsTopicInfo[];
  repartitionSinkTopics: string[];
  repartitionSourceTopics: StreamsTopicInfo[];
  copartitionGroups: StreamsCopartitionGroup[];
}

export interface StreamsTopology {
  epoch: number;
  subtopologies: StreamsSubtopology[];
}

/** KIP-1071's status codes of a StreamsGroupHeartbeat response. */
export const StreamsStatus = {
  STALE_TOPOLOGY: 0,
  MISSING_SOURCE_TOPICS: 1,
  INCORRECTLY_PARTITIONED_TOPICS: 2,
  MISSING_INTERNAL_TOPICS: 3,
  SHUTDOWN_APPLICATION: 4,
  ASSIGNMENT_DELAYED: 5,
  MISSING_CLIENT_TAGS: 6,
} as const;

export interface StreamsStatusEntry {
  code: number;
  detail: string;
}

/** An internal topic the broker creates for the group. */
export interface InternalTopicToCreate {
  name: string;
  partitions: number;
  configs: Record<string, string>;
}

export interface ConfiguredTopology {
  epoch: number;
  /** No status problem: tasks can be assigned. */
  ready: boolean;
  /** subtopology id -> number of tasks (partitions of its widest source). */
  tasks: Map<string, number>;
  /** Subtopologies with state (changelogs): their tasks get standbys and warm-ups. */
  stateful: Set<string>;
  /** Every topic a subtopology reads, with its partition count (for IQ endpoint partitions). */
  sourcesOf: Map<string, Array<{ topic: string; partitions: number }>>;
  topicsToCreate: InternalTopicToCreate[];
  status: StreamsStatusEntry | null;
}

/** Kafka's list of topic names in a status: at most three, then "and N additional topics". */
export function summarizeTopics(topics: Iterable<string>): string {
  const all = [...topics];
  if (all.length === 0) return '<none>';
  return all.slice(0, 3).join(', ') + (all.length > 3 ? ` and ${all.length - 3} additional topics` : '');
}

const invalid = (message: string): never => {
  throw new CoordinatorError('STREAMS_INVALID_TOPOLOGY', message);
};

class TopicConfigurationProblem extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** Partition counts of the repartition topics: declared ones, then from their writers' sources. */
function repartitionCounts(t: StreamsTopology, partitionsOf: (topic: string) => number | null): Map<string, number> {
  const counts = new Map<string, number>();
  for (const s of t.subtopologies) for (const r of s.repartitionSourceTopics) if (r.partitions !== 0) counts.set(r.name, r.partitions);
  for (;;) {
    let needed = false;
    let progress = false;
    for (const s of t.subtopologies) {
      for (const sink of s.repartitionSinkTopics) {
        if (counts.has(sink)) continue;
        let n: number | null = null;
        for (const r of s.repartitionSourceTopics) {
          const c = counts.get(r.name);
          if (c !== undefined && (n === null || c > n)) n = c;
        }
        for (const src of s.sourceTopics) {
          const c = partitionsOf(src);
          if (c !== null && (n === null || c > n)) n = c;
        }
        if (n === null) needed = true;
        else {
          counts.set(sink, n);
          progress = true;
        }
      }
    }
    if (!needed) break;
    if (!progress) invalid('Failed to compute number of partitions for all repartition topics. There may be loops in the topology that cannot be resolved.');
  }
  for (const s of t.subtopologies) {
    if (s.repartitionSourceTopics.some((r) => !counts.has(r.name))) invalid('Failed to compute number of partitions for all repartition topics, because a repartition source topic is never used as a sink topic.');
  }
  return counts;
}

/** Co-partitioned topics get one count: external ones must agree, flexible repartition topics follow. */
function enforceCopartitioning(t: StreamsTopology, counts: Map<string, number>, partitionsOf: (topic: string) => number | null): void {
  const fixed = new Set<string>();
  const flexible = new Set<string>();
  for (const s of t.subtopologies) for (const r of s.repartitionSourceTopics) (r.partitions !== 0 ? fixed : flexible).add(r.name);
  const countOf = (topic: string): number => counts.get(topic) ?? partitionsOf(topic) ?? 0;
  for (const s of t.subtopologies) {
    for (const g of s.copartitionGroups) {
      const topics = [...g.sourceTopics.map((i) => s.sourceTopics[i]!), ...g.repartitionSourceTopics.map((i) => s.repartitionSourceTopics[i]!.name)].filter((x) => x !== undefined);
      const external = topics.filter((x) => !fixed.has(x) && !flexible.has(x));
      let target: number | null = null;
      if (external.length > 0) {
        const ns = new Set(external.map(countOf));
        if (ns.size > 1) {
          throw new TopicConfigurationProblem(StreamsStatus.INCORRECTLY_PARTITIONED_TOPICS, `Following topics do not have the same number of partitions: [${[...external].sort().map((x) => `${x}=${countOf(x)}`).join(', ')}]`);
        }
        target = countOf(external[0]!);
      }
      for (const r of topics.filter((x) => fixed.has(x))) {
        const n = countOf(r);
        if (target === null) target = n;
        else if (n !== target) throw new TopicConfigurationProblem(StreamsStatus.INCORRECTLY_PARTITIONED_TOPICS, `Number of partitions [${n}] of repartition topic [${r}] doesn't match number of partitions [${target}] of the source topic.`);
      }
      if (target === null) target = Math.max(0, ...topics.map(countOf));
      for (const r of topics.filter((x) => flexible.has(x))) counts.set(r, target);
    }
  }
}

/**
 * Configures `t` against the log: `partitionsOf` answers a topic's partition count, or null when
 * the topic does not exist. Throws STREAMS_INVALID_TOPOLOGY for a topology that cannot be
 * configured whatever the topics.
 */
export function configureTopology(t: StreamsTopology, partitionsOf: (topic: string) => number | null): ConfiguredTopology {
  const empty = (status: StreamsStatusEntry): ConfiguredTopology => ({ epoch: t.epoch, ready: false, tasks: new Map(), stateful: new Set(), sourcesOf: new Map(), topicsToCreate: [], status });
  const missing = new Set<string>();
  for (const s of t.subtopologies) for (const src of s.sourceTopics) if (partitionsOf(src) === null) missing.add(src);
  if (missing.size > 0) return empty({ code: StreamsStatus.MISSING_SOURCE_TOPICS, detail: `Source topics ${summarizeTopics([...missing].sort())} are missing.` });
  try {
    const counts = repartitionCounts(t, partitionsOf);
    enforceCopartitioning(t, counts, partitionsOf);
    const countOf = (topic: string): number => counts.get(topic) ?? partitionsOf(topic) ?? 0;
    const tasks = new Map<string, number>();
    const stateful = new Set<string>();
    const sourcesOf = new Map<string, Array<{ topic: string; partitions: number }>>();
    const wanted = new Map<string, InternalTopicToCreate>();
    for (const s of t.subtopologies) {
      const sources = [...s.sourceTopics, ...s.repartitionSourceTopics.map((r) => r.name)];
      if (sources.length === 0) invalid(`No source topics found for subtopology ${s.subtopologyId}`);
      const n = Math.max(...sources.map(countOf));
      tasks.set(s.subtopologyId, n);
      sourcesOf.set(s.subtopologyId, sources.map((topic) => ({ topic, partitions: countOf(topic) })));
      if (s.stateChangelogTopics.length > 0) stateful.add(s.subtopologyId);
      for (const r of s.repartitionSourceTopics) wanted.set(r.name, { name: r.name, partitions: countOf(r.name), configs: Object.fromEntries(r.configs) });
      for (const c of s.stateChangelogTopics) wanted.set(c.name, { name: c.name, partitions: n, configs: Object.fromEntries(c.configs) });
    }
    const topicsToCreate: InternalTopicToCreate[] = [];
    for (const w of wanted.values()) {
      const have = partitionsOf(w.name);
      if (have === null) topicsToCreate.push(w);
      else if (have !== w.partitions) throw new TopicConfigurationProblem(StreamsStatus.INCORRECTLY_PARTITIONED_TOPICS, `Existing topic ${w.name} has different number of partitions: expected ${w.partitions}, found ${have}`);
    }
    const status = topicsToCreate.length > 0 ? { code: StreamsStatus.MISSING_INTERNAL_TOPICS, detail: `Internal topics are missing: ${summarizeTopics(topicsToCreate.map((x) => x.name))}` } : null;
    return { epoch: t.epoch, ready: status === null, tasks, stateful, sourcesOf, topicsToCreate, status };
  } catch (e) {
    if (e instanceof TopicConfigurationProblem) return empty({ code: e.code, detail: e.message });
    throw e;
  }
}

/** Every topic the topology names (sources, repartition topics, changelogs). */
export function topologyTopics(t: StreamsTopology): string[] {
  const out = new Set<string>();
  for (const s of t.subtopologies) {
    for (const x of s.sourceTopics) out.add(x);
    for (const x of s.repartitionSinkTopics) out.add(x);
    for (const x of s.repartitionSourceTopics) out.add(x.name);
    for (const x of s.stateChangelogTopics) out.add(x.name);
  }
  return [...out];
}

/** The partition counts the configuration depends on, as one comparable key. */
export function topologyMetadataKey(t: StreamsTopology, partitionsOf: (topic: string) => number | null): string {
  return topologyTopics(t)
    .sort()
    .map((x) => `${x}=${partitionsOf(x) ?? -1}`)
    .join(',');
}

/** Structural equality of two topologies (the epoch included, as Kafka compares them). */
export function sameTopology(a: StreamsTopology, b: StreamsTopology): boolean {
  const norm = (t: StreamsTopology) =>
    JSON.stringify({
      epoch: t.epoch,
      subtopologies: [...t.subtopologies]
        .sort((x, y) => (x.subtopologyId < y.subtopologyId ? -1 : x.subtopologyId > y.subtopologyId ? 1 : 0))
        .map((s) => ({ ...s, sourceTopics: [...s.sourceTopics].sort(), repartitionSinkTopics: [...s.repartitionSinkTopics].sort() })),
    });
  return norm(a) === norm(b);
}
