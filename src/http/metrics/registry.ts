// The broker's Prometheus metrics (prom-client), named and labelled after Prometheus's
// conventions (docs/metrics.md lists them). Two kinds, so that the data path does not slow:
//  - observed on their paths, through hooks bound once: Kafka request latencies (a histogram
//    child per API key, bound on its first request) and the storage engine's fsync durations
//    and group-commit sizes;
//  - read at scrape time from counters the components keep anyway: connections, messages and
//    bytes per protocol, per-partition offsets, sizes and traffic, consumer-group lag,
//    transactions, JetStream totals. Nothing is looked up per message. The per-partition and
//    per-group families are written directly in the text format (exposition.ts), not through
//    prom-client's labelled metrics, which cost 10x more per series.
// The process metrics (memory, CPU, event-loop lag, GC) are prom-client's default collectors.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Coordinators } from '../../core/coordinators/index.js';
import type { Log, LogPartition } from '../../core/log/index.js';
import type { Router } from '../../core/routing/router.js';
import type { JetStreamService } from '../../jetstream/service.js';
import type { KafkaRequestObserver, KafkaStats } from '../../kafka/stats.js';
import type { NatsServer } from '../../nats/server.js';
import type { SalvageFacts, StorageObserver } from '../../storage/engine.js';
import { LagReader } from '../lag.js';
import { FamilyText, escapeLabelValue } from './exposition.js';

/** What the scrape-time collectors read. */
export interface MetricSources {
  log: Log;
  router: Router;
  nats: NatsServer;
  kafka: { readonly connectionCount: number; readonly stats: KafkaStats } | null;
  coordinators: Coordinators | null;
  jetstream: JetStreamService | null;
}

/** Latency buckets of Kafka requests, seconds: 0.1 ms to 10 s (long-polling Fetch waits up to its max wait). */
const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** fsync buckets, seconds: 50 µs to 1 s. */
const FSYNC_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
const GROUP_COMMIT_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];
const GROUP_COMMIT_BYTES_BUCKETS = [256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216];

export class BrokerMetrics {
  readonly registry = new Registry();
  private readonly fsyncSeconds: Histogram;
  private readonly groupCommitAppends: Histogram;
  private readonly groupCommitBytes: Histogram;
  private readonly kafkaLatency: Histogram<'api'>;
  /** Histogram children by API key, bound on the key's first request. */
  private readonly latencyByKey: Array<{ observe(v: number): void } | undefined> = [];
  private attached = false;
  /** The per-partition and per-group families (exposition.ts), set by attach(). */
  private direct: () => Promise<string> = () => Promise.resolve('');

  /** Hooks of the storage engine's append path. */
  readonly storageObserver: StorageObserver;
  /** Hook of the Kafka listener's request path. */
  readonly kafkaObserver: KafkaRequestObserver;

  constructor(readonly version: string) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    new Gauge({ name: 'wharf_info', help: 'Wharf build information (always 1)', labelNames: ['version', 'node'], registers }).set({ version, node: process.versions.node }, 1);
    this.fsyncSeconds = new Histogram({ name: 'wharf_storage_fsync_duration_seconds', help: 'Duration of fdatasync calls of the append path (group commit) and of the interval policy', buckets: FSYNC_BUCKETS, registers });
    this.groupCommitAppends = new Histogram({ name: 'wharf_storage_group_commit_appends', help: 'Appends written and synced together by one group commit', buckets: GROUP_COMMIT_BUCKETS, registers });
    this.groupCommitBytes = new Histogram({ name: 'wharf_storage_group_commit_bytes', help: 'Bytes written by one group commit', buckets: GROUP_COMMIT_BYTES_BUCKETS, registers });
    this.kafkaLatency = new Histogram({ name: 'wharf_kafka_request_duration_seconds', help: 'Time from a Kafka request decoded to its response queued, by API', labelNames: ['api'], buckets: LATENCY_BUCKETS, registers });
    const fsync = this.fsyncSeconds;
    const appends = this.groupCommitAppends;
    const bytes = this.groupCommitBytes;
    this.storageObserver = {
      fsync: (seconds) => fsync.observe(seconds),
      groupCommit: (n, b) => {
        appends.observe(n);
        bytes.observe(b);
      },
    };
    this.kafkaObserver = {
      request: (apiKey, apiName, seconds) => {
        let child = this.latencyByKey[apiKey];
        if (child === undefined) this.latencyByKey[apiKey] = child = this.kafkaLatency.labels({ api: apiName });
        child.observe(seconds);
      },
    };
  }

  /** Registers the scrape-time collectors over the broker's components (once, by the monitor). */
  attach(src: MetricSources): void {
    if (this.attached) return;
    this.attached = true;
    const registers = [this.registry];
    const lag = new LagReader(src.log, src.coordinators);
    const nats = src.nats;
    const kafka = src.kafka;

    const log = src.log;
    new Gauge({
      name: 'wharf_cache_bytes',
      help: 'Bytes the log holds in memory beside the stored data, by cache (hot_tail, index), as it accounts them (bounded by wharf_cache_limit_bytes)',
      labelNames: ['cache'],
      registers,
      collect() {
        const m = log.memory();
        this.set({ cache: 'hot_tail' }, m.hotTailBytes);
        this.set({ cache: 'index' }, m.indexBytes);
      },
    });
    new Gauge({
      name: 'wharf_cache_limit_bytes',
      help: 'The configured bound of each cache of wharf_cache_bytes (--hot-tail-total-bytes, --index-memory-bytes)',
      labelNames: ['cache'],
      registers,
      collect() {
        const m = log.memory();
        this.set({ cache: 'hot_tail' }, m.hotTailLimit);
        this.set({ cache: 'index' }, m.indexLimit);
      },
    });
    new Gauge({
      name: 'wharf_connections',
      help: 'Open client connections, by protocol',
      labelNames: ['protocol'],
      registers,
      collect() {
        this.set({ protocol: 'nats' }, nats.connections.size);
        if (kafka !== null) this.set({ protocol: 'kafka' }, kafka.connectionCount);
      },
    });
    new Counter({
      name: 'wharf_connections_accepted_total',
      help: 'Client connections accepted since start, by protocol',
      labelNames: ['protocol'],
      registers,
      collect() {
        this.reset();
        this.inc({ protocol: 'nats' }, nats.totals().totalConnections);
        if (kafka !== null) this.inc({ protocol: 'kafka' }, kafka.stats.connectionsTotal);
      },
    });
    new Counter({
      name: 'wharf_messages_received_total',
      help: 'Messages received from clients: NATS publishes (Kafka records are counted per partition, wharf_partition_log_end_offset)',
      labelNames: ['protocol'],
      registers,
      collect() {
        this.reset();
        this.inc({ protocol: 'nats' }, nats.totals().inMsgs);
      },
    });
    new Counter({
      name: 'wharf_messages_sent_total',
      help: 'Messages delivered to clients: NATS MSG/HMSG',
      labelNames: ['protocol'],
      registers,
      collect() {
        this.reset();
        this.inc({ protocol: 'nats' }, nats.totals().outMsgs);
      },
    });
    new Counter({
      name: 'wharf_received_bytes_total',
      help: 'Bytes received from clients: NATS payloads, Kafka request frames',
      labelNames: ['protocol'],
      registers,
      collect() {
        this.reset();
        this.inc({ protocol: 'nats' }, nats.totals().inBytes);
        if (kafka !== null) this.inc({ protocol: 'kafka' }, kafka.stats.bytesIn);
      },
    });
    new Counter({
      name: 'wharf_sent_bytes_total',
      help: 'Bytes sent to clients: NATS payloads, Kafka response frames',
      labelNames: ['protocol'],
      registers,
      collect() {
        this.reset();
        this.inc({ protocol: 'nats' }, nats.totals().outBytes);
        if (kafka !== null) this.inc({ protocol: 'kafka' }, kafka.stats.bytesOut);
      },
    });
    new Counter({
      name: 'wharf_nats_slow_consumers_total',
      help: 'NATS clients cut off as slow consumers since start',
      registers,
      collect() {
        this.reset();
        this.inc(nats.slowConsumers);
      },
    });
    new Gauge({
      name: 'wharf_nats_subscriptions',
      help: 'Subscriptions in the subject interest graph',
      registers,
      collect() {
        this.set(src.router.subscriptions.size);
      },
    });

    // Per partition and per group and partition: written directly (exposition.ts), from the
    // log's counters and one read of every group's lag per scrape.
    const partitionLabels = new WeakMap<LogPartition, string>();
    const labelsOf = (topic: string, index: number, p: LogPartition): string => {
      let l = partitionLabels.get(p);
      if (l === undefined) partitionLabels.set(p, (l = `topic="${escapeLabelValue(topic)}",partition="${index}"`));
      return l;
    };
    this.direct = async () => {
      const families = PARTITION_FAMILIES.map(([name, help, type]) => new FamilyText(name, help, type));
      forEachPartition(src.log, (topic, index, p) => {
        const l = labelsOf(topic, index, p);
        families[0]!.sample(l, p.highWatermark);
        families[1]!.sample(l, p.logStartOffset);
        families[2]!.sample(l, p.sizeBytes);
        families[3]!.sample(l, p.traffic.appendedBytes);
        families[4]!.sample(l, p.traffic.readBytes);
        families[5]!.sample(l, p.traffic.readOffsets);
      });
      const groups = GROUP_FAMILIES.map(([name, help]) => new FamilyText(name, help, 'gauge'));
      const now = Date.now();
      for (const group of lag.groups()) {
        const g = `group="${escapeLabelValue(group)}",`;
        for (const l of await lag.ofGroup(group, now)) {
          const labels = `${g}topic="${escapeLabelValue(l.topic)}",partition="${l.partition}"`;
          groups[0]!.sample(labels, l.lag);
          if (l.lagMs !== null) groups[1]!.sample(labels, l.lagMs / 1_000);
          groups[2]!.sample(labels, l.committed);
        }
      }
      return families.map((f) => f.text()).join('') + groups.map((f) => f.text()).join('');
    };
    new Gauge({
      name: 'wharf_storage_used_bytes',
      help: 'Bytes held by every partition, internal topics included',
      registers,
      collect() {
        let total = 0;
        forEachPartition(src.log, (_t, _i, p) => (total += p.sizeBytes));
        this.set(total);
      },
    });
    new Gauge({
      name: 'wharf_offline_partitions',
      help: "Partitions that are offline (damaged at start, found corrupt on read, or a failed fsync), internal topics included, by topic (Kafka's OfflinePartitionsCount); a damaged internal topic's coordinator refuses requests meanwhile",
      labelNames: ['topic'],
      registers,
      collect() {
        this.reset();
        const byTopic = new Map<string, number>();
        forEachPartition(src.log, (t, _i, p) => {
          if (!p.online) byTopic.set(t, (byTopic.get(t) ?? 0) + 1);
        });
        for (const [topic, n] of byTopic) this.set({ topic }, n);
      },
    });

    const salvaged = (name: string, help: string, pick: (f: SalvageFacts) => number): void => {
      new Counter({
        name,
        help,
        labelNames: ['topic'],
        registers,
        collect() {
          this.reset();
          const byTopic = new Map<string, number>();
          forEachPartition(src.log, (t, _i, p) => {
            const n = pick(p.salvaged);
            if (n > 0) byTopic.set(t, (byTopic.get(t) ?? 0) + n);
          });
          for (const [topic, n] of byTopic) this.inc({ topic }, n);
        },
      });
    };
    salvaged('wharf_log_salvaged_ranges_total', 'Damaged byte ranges that recovery cut out of user topics at this start, keeping the valid batches after them (--damage-recovery salvage), by topic', (f) => f.ranges);
    salvaged('wharf_log_salvaged_lost_offsets_total', 'Offsets (records) that were in the damaged ranges recovery cut out at this start: acknowledged data lost to the damage, by topic', (f) => f.offsets);
    salvaged('wharf_log_salvaged_bytes_total', 'Bytes of the damaged ranges recovery cut out at this start, by topic', (f) => f.bytes);

    // Consumer groups: members and state (lag and offsets are written directly, above).
    new Gauge({
      name: 'wharf_consumer_group_members',
      help: 'Members of the consumer group',
      labelNames: ['group', 'state'],
      registers,
      collect() {
        this.reset();
        const c = src.coordinators;
        if (c === null) return;
        for (const g of c.groups.listGroups()) {
          const members = c.groups.isConsumerGroup(g.groupId) ? c.consumerGroups.describe(g.groupId).members.length : c.groups.describeGroup(g.groupId).members.length;
          this.set({ group: g.groupId, state: g.state }, members);
        }
      },
    });
    new Gauge({
      name: 'wharf_transactions_open',
      help: 'Kafka transactions in progress (Ongoing, PrepareCommit, PrepareAbort)',
      registers,
      collect() {
        const c = src.coordinators;
        this.set(c === null ? 0 : c.transactions.list({ states: ['Ongoing', 'PrepareCommit', 'PrepareAbort'] }).length);
      },
    });
    new Gauge({
      name: 'wharf_kafka_producer_ids',
      help: "Producer ids whose state the partitions hold, summed over partitions (Kafka's ProducerIdCount); idle ones expire after producer.id.expiration.ms",
      registers,
      collect() {
        const c = src.coordinators;
        this.set(c === null ? 0 : c.producers.producerIdCount());
      },
    });
    new Gauge({
      name: 'wharf_kafka_transactional_ids',
      help: 'Transactional ids the transaction coordinator holds; idle ones expire after transactional.id.expiration.ms',
      registers,
      collect() {
        const c = src.coordinators;
        this.set(c === null ? 0 : c.transactions.transactionalIdCount);
      },
    });

    // JetStream totals, as /jsz counts them.
    const js = src.jetstream;
    if (js !== null) {
      const usage = () => js.context.streams.usage();
      new Gauge({ name: 'wharf_jetstream_streams', help: 'JetStream streams', registers, collect() { this.set(usage().streams); } });
      new Gauge({ name: 'wharf_jetstream_consumers', help: 'JetStream consumers', registers, collect() { this.set(js.context.consumers.count()); } });
      new Gauge({ name: 'wharf_jetstream_messages', help: 'Messages held by JetStream streams', registers, collect() { this.set(usage().messages); } });
      new Gauge({ name: 'wharf_jetstream_bytes', help: 'Bytes held by JetStream streams', registers, collect() { this.set(usage().bytes); } });
    }
  }

  /** The text exposition format: prom-client's registry, then the families written directly. */
  async scrape(): Promise<string> {
    const [registry, direct] = await Promise.all([this.registry.metrics(), this.direct()]);
    return registry.endsWith('\n') || registry === '' ? registry + direct : `${registry}\n${direct}`;
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** Per-partition families, in the order attach() writes their samples. */
const PARTITION_FAMILIES: ReadonlyArray<readonly [string, string, 'gauge' | 'counter']> = [
  ['wharf_partition_log_end_offset', 'Offset the next record of the partition gets (high watermark); its rate is the produce rate in records', 'gauge'],
  ['wharf_partition_log_start_offset', 'First offset of the partition still stored', 'gauge'],
  ['wharf_partition_size_bytes', 'Bytes the partition holds in its storage engine', 'gauge'],
  ['wharf_partition_appended_bytes_total', 'Bytes of record batches appended to the partition since start (produce rate in bytes)', 'counter'],
  ['wharf_partition_read_bytes_total', 'Bytes of record batches read from the partition since start: Kafka Fetch, JetStream and NATS deliveries (fetch rate in bytes)', 'counter'],
  ['wharf_partition_read_records_total', 'Offsets read from the partition since start (fetch rate in records)', 'counter'],
];

/** Per group and partition families (gauges), in the order attach() writes their samples. */
const GROUP_FAMILIES: ReadonlyArray<readonly [string, string]> = [
  ['wharf_consumer_group_lag', 'Records of the partition the group has not consumed (log end offset - committed offset)'],
  ['wharf_consumer_group_lag_seconds', 'Age of the oldest record the group has not consumed (0 when caught up)'],
  ['wharf_consumer_group_committed_offset', 'Committed offset of the group on the partition'],
];

function forEachPartition(log: Log, fn: (topic: string, index: number, p: LogPartition) => void): void {
  for (const t of log.listTopics()) {
    for (let i = 0; i < t.partitions; i++) {
      let p;
      try {
        p = log.partition(t.name, i);
      } catch {
        continue;
      }
      fn(t.name, i, p);
    }
  }
}
