// The log: every topic and partition of the broker, their configs, the broker-wide identity
// kept with them (the cluster id), and the background maintenance (retention, compaction).
// openLog() is the broker's entry point. The log is handed its storage engine (the broker
// picks it, src/storage/index.ts) and knows it only through the engine interface. Extra engines
// may be handed beside it: a topic whose `wharf.storage` config names one lives there (a
// JetStream memory stream on the memory engine while the broker's default is local), and is
// loaded from it on open; broker-wide metadata (the cluster id) stays on the default engine.
//
// Topic hooks let core services that give topics a second meaning (JetStream streams) veto a
// create or a config change before it is committed, and learn of topics created, altered and
// deleted by either protocol.
import { randomBytes, randomUUID } from 'node:crypto';
import type { FsyncPolicy } from '../../config.js';
import type { Logger } from '../../log.js';
import type { PartitionRef, PartitionStorageSettings, PartitionStore, StorageEngine, StoredTopic } from '../../storage/engine.js';
import { compactPartition } from './compaction.js';
import { LogError } from '../records/errors.js';
import { Mutex } from '../../util/mutex.js';
import { LogPartition, type AppendListener, type TopicView } from './partition.js';
import {
  describeTopicConfigs,
  resolveTopicSettings,
  validateTopicConfigs,
  type BrokerLogDefaults,
  type TopicSettings,
} from './topic-config.js';

export interface LogOptions {
  /** Where the log's data lives. The log owns it from now on: it closes it, also when opening fails. */
  engine: StorageEngine;
  /**
   * Further engines by the `wharf.storage` value that selects them (e.g. { memory: ... }); owned
   * and closed by the log like `engine`. A topic naming no engine, or one not given here, lives
   * on `engine`.
   */
  engines?: Record<string, StorageEngine>;
  /** Broker-wide durability policy; a topic may override it with `wharf.fsync`. */
  fsync: FsyncPolicy;
  /** Interval of the 'interval' policy, ms; a topic may override it with `flush.ms`. */
  fsyncInterval: number;
  logger: Logger;
  /** Broker-wide defaults for topic configs, by Kafka name. */
  topicDefaults?: Record<string, string>;
  /** Bytes of recently acknowledged batches kept in memory per partition, at most (default 1 MiB). */
  hotTailBytes?: number;
  /**
   * Bytes of hot tails across all partitions (default 32 MiB): with many partitions each one
   * gets an equal share, so memory stays bounded however many topics exist.
   */
  hotTailTotalBytes?: number;
  /** Period of retention and compaction checks, ms (default 30 s; 0 disables the timer). */
  maintenanceIntervalMs?: number;
}

/** See Log.memory(). */
export interface LogMemory {
  /** Bytes the partitions' hot tails hold (their backing stores when they hold views). */
  hotTailBytes: number;
  /** The bound of hotTailBytes (--hot-tail-total-bytes). */
  hotTailLimit: number;
  /** Bytes of segment indexes in memory, over all engines. */
  indexBytes: number;
  /** The bound of indexBytes (--index-memory-bytes; Infinity when unbounded). */
  indexLimit: number;
}

export interface TopicInfo {
  name: string;
  topicId: string;
  partitions: number;
  /** Configs the topic sets explicitly (Kafka names, string values). */
  configs: Record<string, string>;
  internal: boolean;
  /** When the topic was created, ms since the epoch. */
  createdAt: number;
}

/**
 * What a core service that gives topics a meaning of its own (JetStream) tells the log. Every
 * hook runs inside the log's admin lock, so topic changes reach it one at a time and in order.
 */
export interface TopicHooks {
  /**
   * Called before a topic is created or its configs change (`existing` is the topic before the
   * change, null for a create); throws a LogError to refuse it. Runs before anything is written.
   */
  validate?(name: string, configs: Record<string, string>, partitions: number, existing: TopicInfo | null): void;
  /** The topic was created (committed). */
  created?(info: TopicInfo): void;
  /** The topic's configs changed (committed). */
  altered?(info: TopicInfo, before: TopicInfo): void;
  /** The topic was deleted (its partitions are closed). */
  deleted?(info: TopicInfo): void;
}

export interface PartitionInfo {
  partition: number;
  online: boolean;
  error?: string;
  /** Offset ranges recovery cut out as damaged (absent when none): the data there is lost, the rest is served. */
  lostRanges?: Array<{ from: number; to: number }>;
  highWatermark: number;
  logStartOffset: number;
  lastStableOffset: number;
  sizeBytes: number;
}

class Topic implements TopicView {
  partitions: LogPartition[] = [];
  settings: TopicSettings;
  constructor(
    public meta: StoredTopic,
    defaults: BrokerLogDefaults,
    /** The engine the topic lives on. */
    readonly engine: StorageEngine,
  ) {
    this.settings = resolveTopicSettings(meta.configs, defaults);
  }
  get name(): string {
    return this.meta.name;
  }
  get topicId(): string {
    return this.meta.topicId;
  }
}

const MAX_PARTITIONS = 10_000;
/** Metadata key of the cluster id in the engine. */
const CLUSTER_ID_KEY = 'clusterId';

/** Kafka's rules for topic names, which also keep them safe in file systems and URLs. */
export function validateTopicName(name: string): void {
  if (typeof name !== 'string' || name.length === 0 || name.length > 249 || name === '.' || name === '..' || !/^[a-zA-Z0-9._-]+$/.test(name)) {
    throw new LogError('INVALID_TOPIC_EXCEPTION', `invalid topic name ${JSON.stringify(name)}: use 1-249 of [a-zA-Z0-9._-], not "." or ".."`);
  }
}

function storageSettings(s: TopicSettings): PartitionStorageSettings {
  return {
    durability: s.fsync,
    durabilityIntervalMs: s.flushMs,
    segmentBytes: s.segmentBytes,
    segmentMs: s.segmentMs,
    indexIntervalBytes: s.indexIntervalBytes,
  };
}

function partitionInfo(p: LogPartition): PartitionInfo {
  return {
    partition: p.index,
    online: p.online,
    ...(p.failure ? { error: p.failure.message } : {}),
    ...(p.lostRanges.length > 0 ? { lostRanges: p.lostRanges.map((r) => ({ from: r.from, to: r.to })) } : {}),
    highWatermark: p.highWatermark,
    logStartOffset: p.logStartOffset,
    lastStableOffset: p.lastStableOffset,
    sizeBytes: p.sizeBytes,
  };
}


export class Log {
  private readonly topics = new Map<string, Topic>();
  /** Topic name by topic id, kept with `topics` (Kafka clients name topics by id too). */
  private readonly namesById = new Map<string, string>();
  private readonly admin = new Mutex();
  private readonly listeners = new Set<AppendListener>();
  private hooks: TopicHooks[] = [];
  /** Engines by `wharf.storage` value, the default one included under its kind. */
  private readonly engines: Map<string, StorageEngine>;
  /** The broker-wide defaults of topic settings (durability policy, topic config defaults). */
  readonly defaults: BrokerLogDefaults;
  private readonly tailBytes: number;
  private readonly tailTotalBytes: number;
  private maintenanceTimer: NodeJS.Timeout | null = null;
  private maintenanceRun: Promise<void> | null = null;
  private closed = false;
  private readonly log: Logger;
  private _clusterId = '';

  private constructor(
    private readonly engine: StorageEngine,
    opts: LogOptions,
  ) {
    this.defaults = { fsync: opts.fsync, fsyncInterval: opts.fsyncInterval, topicDefaults: opts.topicDefaults };
    this.tailBytes = opts.hotTailBytes ?? 1024 * 1024;
    this.tailTotalBytes = opts.hotTailTotalBytes ?? 32 * 1024 * 1024;
    this.log = opts.logger.child({ component: 'log' });
    this.engines = new Map(Object.entries(opts.engines ?? {}));
  }

  /** The engine a topic with these configs lives on. */
  private engineFor(configs: Record<string, string>): StorageEngine {
    const kind = configs['wharf.storage'];
    return (kind !== undefined ? this.engines.get(kind) : undefined) ?? this.engine;
  }

  /** Every engine the log owns, the default first. */
  private allEngines(): StorageEngine[] {
    const out = [this.engine];
    for (const e of this.engines.values()) if (!out.includes(e)) out.push(e);
    return out;
  }

  /** Adds hooks (see TopicHooks); returns the function that removes them. */
  addTopicHooks(hooks: TopicHooks): () => void {
    this.hooks.push(hooks);
    return () => {
      this.hooks = this.hooks.filter((h) => h !== hooks);
    };
  }

  private notify(fn: (h: TopicHooks) => void): void {
    for (const h of this.hooks) {
      try {
        fn(h);
      } catch (e) {
        this.log.error({ err: e }, 'topic hook failed');
      }
    }
  }

  /** @internal use openLog() */
  static async open(opts: LogOptions): Promise<Log> {
    const engine = opts.engine;
    let log: Log;
    try {
      if (opts.topicDefaults) validateTopicConfigs(opts.topicDefaults);
      log = new Log(engine, opts);
      await log.load();
    } catch (e) {
      await engine.close().catch(() => {});
      for (const other of Object.values(opts.engines ?? {})) if (other !== engine) await other.close().catch(() => {});
      throw e;
    }
    const interval = opts.maintenanceIntervalMs ?? 30_000;
    if (interval > 0) {
      log.maintenanceTimer = setInterval(() => void log.runMaintenance().catch((e) => log.log.error({ err: e }, 'maintenance failed')), interval);
      log.maintenanceTimer.unref();
    }
    return log;
  }

  /**
   * The cluster id: created (22 characters of base64url, as Kafka's) when the log is first
   * opened on its engine, the same on every open after that.
   */
  /** Where the storage engine keeps the data (a directory, or "memory"). */
  get storageLocation(): string {
    return this.engine.location;
  }

  get clusterId(): string {
    return this._clusterId;
  }

  private async load(): Promise<void> {
    const started = Date.now();
    const meta = await this.engine.loadMetadata();
    this._clusterId = meta[CLUSTER_ID_KEY] ?? (await this.engine.putMetadata(CLUSTER_ID_KEY, randomBytes(16).toString('base64url'), { onlyIfAbsent: true }));
    const stored: Array<[StoredTopic, StorageEngine]> = [];
    for (const engine of this.allEngines()) for (const t of await engine.loadTopics()) stored.push([t, engine]);
    let offline = 0;
    for (const [meta, engine] of stored) {
      if (this.topics.has(meta.name)) {
        this.log.error({ topic: meta.name, engine: engine.kind }, 'a topic of this name exists on another engine: ignored');
        continue;
      }
      const topic = new Topic(meta, this.defaults, engine);
      this.topics.set(meta.name, topic);
      this.namesById.set(meta.topicId, meta.name);
      for (let p = 0; p < meta.partitions; p++) {
        const part = await this.openPartition(topic, p, false);
        if (!part.online) offline++;
        topic.partitions.push(part);
      }
    }
    this.rebalanceTails();
    this.log.info({ topics: stored.length, offlinePartitions: offline, ms: Date.now() - started, engine: this.engine.kind }, 'log opened');
  }

  /** Opens a partition; a failure takes only this partition offline. */
  private async openPartition(topic: Topic, p: number, create: boolean): Promise<LogPartition> {
    const ref: PartitionRef = { topic: topic.name, topicId: topic.topicId, partition: p };
    let store: PartitionStore | null = null;
    let failure: LogError | null = null;
    try {
      store = await topic.engine.openPartition(ref, storageSettings(topic.settings), create);
    } catch (e) {
      if (create) throw e;
      failure = e instanceof LogError ? e : new LogError('KAFKA_STORAGE_ERROR', `cannot open ${topic.name}-${p}: ${(e as Error).message}`, { cause: e });
      this.log.error({ topic: topic.name, partition: p, err: failure }, 'partition is offline');
    }
    return new LogPartition(topic, p, store, failure, this.tailShare(1), (part, b, base, last) => this.emit(part, b, base, last), this.log.child({ topic: topic.name, partition: p }));
  }

  private emit(part: LogPartition, batches: Buffer, base: number, last: number): void {
    for (const l of this.listeners) l(part, batches, base, last);
  }

  private check(): void {
    if (this.closed) throw new LogError('NOT_LEADER_OR_FOLLOWER', 'the log is closed');
  }

  private topic(name: string): Topic {
    const t = this.topics.get(name);
    if (!t) throw new LogError('UNKNOWN_TOPIC_OR_PARTITION', `unknown topic ${name}`);
    return t;
  }

  // ------------------------------------------------------------------------------------------
  // Topic lifecycle

  /** Creates a topic with `partitions` partitions and the given configs (Kafka names). */
  createTopic(name: string, opts: { partitions?: number; configs?: Record<string, string> } = {}): Promise<TopicInfo> {
    return this.admin.run(async () => {
      this.check();
      validateTopicName(name);
      if (this.topics.has(name)) throw new LogError('TOPIC_ALREADY_EXISTS', `topic ${name} already exists`);
      const partitions = opts.partitions ?? 1;
      if (!Number.isInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) {
        throw new LogError('INVALID_PARTITIONS', `a topic needs between 1 and ${MAX_PARTITIONS} partitions, got ${partitions}`);
      }
      const configs = { ...(opts.configs ?? {}) };
      validateTopicConfigs(configs);
      for (const h of this.hooks) h.validate?.(name, configs, partitions, null);
      const meta: StoredTopic = { name, topicId: randomUUID().replace(/-/g, ''), partitions, configs, createdAt: Date.now() };
      const engine = this.engineFor(configs);
      const topic = new Topic(meta, this.defaults, engine);
      // Partitions first, metadata last: the metadata file is the commit point of the create.
      try {
        for (let p = 0; p < partitions; p++) topic.partitions.push(await this.openPartition(topic, p, true));
        await engine.putTopic(meta);
      } catch (e) {
        await Promise.all(topic.partitions.map((p) => p.engineStore?.close()));
        await engine.dropTopic(meta).catch(() => {});
        throw e;
      }
      this.topics.set(name, topic);
      this.namesById.set(topic.topicId, name);
      this.rebalanceTails();
      this.log.info({ topic: name, partitions, configs, engine: engine.kind }, 'topic created');
      const info = this.info(topic);
      this.notify((h) => h.created?.(info));
      return info;
    });
  }

  /** Hot-tail bytes per partition when `extra` partitions join the current ones. */
  private tailShare(extra: number): number {
    let count = extra;
    for (const t of this.topics.values()) count += t.partitions.length;
    // No floor: the total holds however many partitions there are (a share smaller than a batch
    // holds nothing, and that partition's reads go to the storage engine).
    return Math.min(this.tailBytes, Math.floor(this.tailTotalBytes / Math.max(1, count)));
  }

  /**
   * The memory the log and its engines hold in caches, as they account it, beside the bounds
   * they hold it to (the memory test and the memory benchmark read it).
   */
  memory(): LogMemory {
    let hotTailBytes = 0;
    for (const t of this.topics.values()) for (const p of t.partitions) hotTailBytes += p.tailBytesHeld;
    let indexBytes = 0;
    let indexLimit = 0;
    for (const e of new Set([this.engine, ...this.engines.values()])) {
      const m = e.memory?.();
      if (!m) continue;
      indexBytes += m.indexBytes;
      indexLimit += m.indexLimit;
    }
    return { hotTailBytes, hotTailLimit: this.tailTotalBytes, indexBytes, indexLimit };
  }

  /** Gives every partition its share of the hot-tail budget after the partition count changed. */
  private rebalanceTails(): void {
    const share = this.tailShare(0);
    for (const t of this.topics.values()) for (const p of t.partitions) p.setTailBytes(share);
  }

  /** Deletes a topic and all its data; pending reads and waits on it end. */
  deleteTopic(name: string): Promise<void> {
    return this.admin.run(async () => {
      this.check();
      const topic = this.topic(name);
      this.topics.delete(name);
      this.namesById.delete(topic.topicId);
      const gone = new LogError('UNKNOWN_TOPIC_OR_PARTITION', `topic ${name} was deleted`);
      for (const p of topic.partitions) p.markRemoved(gone);
      await Promise.all(topic.partitions.map((p) => p.engineStore?.close().catch(() => {})));
      await topic.engine.dropTopic(topic.meta);
      this.rebalanceTails();
      this.log.info({ topic: name }, 'topic deleted');
      const info = this.info(topic);
      this.notify((h) => h.deleted?.(info));
    });
  }

  /** Raises the partition count of a topic to `total` (CreatePartitions). */
  createPartitions(name: string, total: number): Promise<TopicInfo> {
    return this.admin.run(async () => {
      this.check();
      const topic = this.topic(name);
      const current = topic.partitions.length;
      if (!Number.isInteger(total) || total <= current || total > MAX_PARTITIONS) {
        throw new LogError('INVALID_PARTITIONS', `topic ${name} has ${current} partitions; the new count must be larger (and at most ${MAX_PARTITIONS}), got ${total}`);
      }
      const added: LogPartition[] = [];
      try {
        for (let p = current; p < total; p++) added.push(await this.openPartition(topic, p, true));
        for (const h of this.hooks) h.validate?.(name, topic.meta.configs, total, this.info(topic));
        await topic.engine.putTopic({ ...topic.meta, partitions: total });
      } catch (e) {
        await Promise.all(added.map((p) => p.engineStore?.close()));
        throw e;
      }
      topic.meta = { ...topic.meta, partitions: total };
      topic.partitions.push(...added);
      this.rebalanceTails();
      return this.info(topic);
    });
  }

  /**
   * Changes topic configs: a string sets a config, null removes it (back to the default).
   * With `replace`, configs not named are removed too (Kafka's legacy AlterConfigs).
   */
  alterTopicConfigs(name: string, changes: Record<string, string | null>, replace = false): Promise<TopicInfo> {
    return this.admin.run(async () => {
      this.check();
      const topic = this.topic(name);
      const next: Record<string, string> = replace ? {} : { ...topic.meta.configs };
      for (const [k, v] of Object.entries(changes)) {
        if (v === null) delete next[k];
        else next[k] = v;
      }
      validateTopicConfigs(next);
      if ((next['wharf.storage'] ?? 'local') !== (topic.meta.configs['wharf.storage'] ?? 'local')) {
        throw new LogError('INVALID_CONFIG', `wharf.storage of topic ${name} cannot change: it is chosen when the topic is created`);
      }
      const before = this.info(topic);
      for (const h of this.hooks) h.validate?.(name, next, topic.partitions.length, before);
      const meta = { ...topic.meta, configs: next };
      await topic.engine.putTopic(meta);
      topic.meta = meta;
      topic.settings = resolveTopicSettings(next, this.defaults);
      for (const p of topic.partitions) p.engineStore?.configure(storageSettings(topic.settings));
      const info = this.info(topic);
      this.notify((h) => h.altered?.(info, before));
      return info;
    });
  }

  /**
   * Replaces the broker-wide defaults of topic configs at run time (Kafka's dynamic log.*
   * broker configs): every topic that does not set a config itself follows the new default,
   * retention and segment rolling included.
   */
  setTopicDefaults(next: Record<string, string>): Promise<void> {
    return this.admin.run(async () => {
      this.check();
      validateTopicConfigs(next);
      this.defaults.topicDefaults = { ...next };
      for (const topic of this.topics.values()) {
        topic.settings = resolveTopicSettings(topic.meta.configs, this.defaults);
        for (const p of topic.partitions) p.engineStore?.configure(storageSettings(topic.settings));
      }
    });
  }

  /** Validates configs as createTopic would (for validateOnly requests), the topic hooks included. */
  validateConfigs(configs: Record<string, string>, name?: string, partitions = 1): void {
    validateTopicConfigs(configs);
    if (name !== undefined) for (const h of this.hooks) h.validate?.(name, configs, partitions, null);
  }

  listTopics(): TopicInfo[] {
    return [...this.topics.values()].map((t) => this.info(t));
  }

  hasTopic(name: string): boolean {
    return this.topics.has(name);
  }

  describeTopic(name: string): TopicInfo & { partitionInfo: PartitionInfo[]; effectiveConfigs: Array<{ name: string; value: string; isDefault: boolean }> } {
    const topic = this.topic(name);
    return {
      ...this.info(topic),
      partitionInfo: topic.partitions.map(partitionInfo),
      effectiveConfigs: describeTopicConfigs(topic.meta.configs, this.defaults),
    };
  }

  // Lookups by key for the request paths (Metadata and friends): no scan of every topic and no
  // effective configs computed, so describing n topics costs O(n).

  /** The topic named `name`, or null. */
  topicInfo(name: string): TopicInfo | null {
    const t = this.topics.get(name);
    return t ? this.info(t) : null;
  }

  /** The partitions of the topic named `name` (state and offsets, no configs), or null. */
  partitionInfos(name: string): PartitionInfo[] | null {
    const t = this.topics.get(name);
    return t ? t.partitions.map(partitionInfo) : null;
  }

  /** The name of the topic whose id (32 hex digits) is `topicId`, or null. */
  topicNameById(topicId: string): string | null {
    return this.namesById.get(topicId) ?? null;
  }

  private info(t: Topic): TopicInfo {
    return { name: t.name, topicId: t.topicId, partitions: t.partitions.length, configs: { ...t.meta.configs }, internal: t.name.startsWith('__'), createdAt: t.meta.createdAt };
  }

  /** The partition handle for appends and reads. Throws UNKNOWN_TOPIC_OR_PARTITION. */
  partition(topic: string, partition: number): LogPartition {
    const t = this.topics.get(topic);
    const p = t?.partitions[partition];
    if (!p) throw new LogError('UNKNOWN_TOPIC_OR_PARTITION', `unknown partition ${topic}-${partition}`);
    return p;
  }

  /** Listens to every acknowledged append (e.g. to deliver records to NATS subscribers). Returns the unsubscribe function. */
  onAppend(listener: AppendListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ------------------------------------------------------------------------------------------
  // Maintenance

  /** Runs retention and compaction on every partition once (the timer calls this too). */
  runMaintenance(now = Date.now()): Promise<void> {
    if (this.maintenanceRun) return this.maintenanceRun;
    this.maintenanceRun = this.maintain(now).finally(() => {
      this.maintenanceRun = null;
    });
    return this.maintenanceRun;
  }

  private async maintain(now: number): Promise<void> {
    for (const topic of [...this.topics.values()]) {
      const s = topic.settings;
      for (const part of topic.partitions) {
        if (this.closed) return;
        const store = part.engineStore;
        if (!store || !part.online) continue;
        try {
          // A stream topic's limits are enforced exactly by its stream (core/streams), not by
          // unit; every topic, streams included, gets back the units that hold nothing at or
          // above its log start offset (the one appended to too, after DeleteRecords or a
          // stream's removals reached the end).
          const byRetention = s.deletePolicy && !s.externalRetention;
          const startBefore = store.logStartOffset;
          await store.applyRetention({
            ...(byRetention && s.retentionMs >= 0 ? { deleteOlderThan: now - s.retentionMs } : {}),
            ...(byRetention && s.retentionBytes >= 0 ? { maxBytes: s.retentionBytes } : {}),
          });
          if (store.logStartOffset !== startBefore) part.afterRetention();
          if (s.compactPolicy) {
            const size = store.sizeBytes;
            const dirty = size > 0 ? (size - part.cleanBytes) / size : 0;
            if (dirty > 0 && dirty >= s.minCleanableDirtyRatio) {
              const r = await compactPartition(store, s, now, this.log.child({ topic: topic.name, partition: part.index }));
              part.afterCompaction(r.rewrittenUpTo);
              part.cleanBytes = store.sizeBytes;
              if (r.recordsRemoved > 0) this.log.info({ topic: topic.name, partition: part.index, removed: r.recordsRemoved, bytesBefore: r.bytesBefore, bytesAfter: r.bytesAfter }, 'compacted');
            }
          }
        } catch (e) {
          if (!this.topics.has(topic.name) || this.closed) continue;
          this.log.error({ topic: topic.name, partition: part.index, err: e }, 'maintenance of partition failed');
        }
      }
    }
  }

  /** Makes every partition durable and persists its state (e.g. before a planned stop). */
  async checkpoint(): Promise<void> {
    for (const t of this.topics.values()) {
      for (const p of t.partitions) if (p.online) await p.engineStore?.checkpoint();
    }
  }

  /** Lets pending appends finish, makes everything durable, releases the data directory. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.maintenanceTimer) clearInterval(this.maintenanceTimer);
    await this.maintenanceRun?.catch(() => {});
    await this.admin.run(async () => {
      const closing = new LogError('NOT_LEADER_OR_FOLLOWER', 'the log is closing');
      for (const t of this.topics.values()) {
        await Promise.all(
          t.partitions.map(async (p) => {
            await p.engineStore?.close().catch((e: unknown) => this.log.error({ err: e, topic: t.name, partition: p.index }, 'close failed'));
            p.markRemoved(closing);
          }),
        );
      }
      for (const engine of this.allEngines()) await engine.close();
    });
    this.log.info('log closed');
  }
}

/** Opens the broker's log on its engine (recovering it after a crash). Throws a LogError when the stored data cannot be used. */
export function openLog(opts: LogOptions): Promise<Log> {
  return Log.open(opts);
}
