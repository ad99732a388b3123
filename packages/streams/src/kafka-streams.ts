// KafkaStreams: runs a topology against a Kafka cluster (Wharf or Apache Kafka), as Kafka
// Streams' KafkaStreams. start() checks the source topics, creates the internal topics, restores
// global stores and joins the application's group; it resolves once the instance is RUNNING.
// Interactive queries read the stores of the tasks this instance runs.
import { EventEmitter } from 'node:events';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Topology } from './topology/topology.js';
import { subtopologies, type Subtopology } from './topology/plan.js';
import { resolveConfig, type ResolvedConfig, type StreamsConfig } from './config.js';
import { KafkaClient } from './client/kafka.js';
import { ensureInternalTopics, planTopics } from './runtime/internal-topics.js';
import { StreamThread, type ThreadState } from './runtime/stream-thread.js';
import { GlobalState } from './runtime/global-state.js';
import { loadLmdb } from './state/lmdb-store.js';
import type { KeyValue, ValueAndTimestamp } from './record.js';
import type { StateStore, Windowed } from './state/api.js';
import { KeyValueStoreImpl, SessionStoreImpl, WindowStoreImpl } from './state/runtime-stores.js';
import { StreamsError } from './errors.js';
import type { Logger } from './runtime/types.js';

export type StreamsState = 'CREATED' | 'REBALANCING' | 'RUNNING' | 'PENDING_SHUTDOWN' | 'NOT_RUNNING' | 'PENDING_ERROR' | 'ERROR';

export interface TaskMetricsSnapshot {
  readonly taskId: string;
  readonly state: string;
  readonly recordsProcessed: number;
  readonly recordsPerSecond: number;
  readonly processLatencyAvgMs: number;
  readonly recordsLag: number;
  readonly recordsRestored: number;
}

/** A key-value store as interactive queries see it: every local task's store of that name. */
export interface QueryableKeyValueStore<K, V> {
  get(key: K): Promise<V | undefined>;
  all(): Promise<KeyValue<K, V>[]>;
  range(from: K | null, to: K | null): Promise<KeyValue<K, V>[]>;
  approximateNumEntries(): Promise<number>;
}

export interface QueryableWindowStore<K, V> {
  fetch(key: K, timeFrom: number, timeTo: number): Promise<{ windowStart: number; value: V }[]>;
  all(): Promise<KeyValue<Windowed<K>, V>[]>;
}

export interface QueryableSessionStore<K, V> {
  fetch(key: K): Promise<KeyValue<Windowed<K>, V>[]>;
}

const consoleLogger: Logger = {
  debug() {},
  info() {},
  warn: (m) => console.warn(`[wharf/streams] ${m}`),
  error: (m) => console.error(`[wharf/streams] ${m}`),
};

function isValueAndTimestamp(v: unknown): v is ValueAndTimestamp<unknown> {
  return typeof v === 'object' && v !== null && 'value' in v && 'timestamp' in v;
}

function plain<V>(v: unknown, timestamped: boolean): V {
  return (timestamped && isValueAndTimestamp(v) ? v.value : v) as V;
}

export class KafkaStreams extends EventEmitter {
  readonly config: ResolvedConfig;
  private readonly logger: Logger;
  private readonly subs: Subtopology[];
  private state: StreamsState = 'CREATED';
  private client: KafkaClient | null = null;
  private thread: StreamThread | null = null;
  private global: GlobalState | null = null;
  private processId = '';
  private closing: Promise<void> | null = null;

  constructor(
    readonly topology: Topology,
    config: StreamsConfig,
  ) {
    super();
    this.config = resolveConfig(config);
    this.logger = config.logger ?? consoleLogger;
    this.subs = subtopologies(topology);
  }

  get appDir(): string {
    return join(this.config.stateDir, this.config.applicationId);
  }

  currentState(): StreamsState {
    return this.state;
  }

  private setState(s: StreamsState): void {
    if (this.state === s) return;
    const old = this.state;
    this.state = s;
    this.emit('stateChange', s, old);
  }

  /** The id of this instance: kept in the state directory, so a restart keeps its transactional id. */
  private loadProcessId(): string {
    const file = join(this.appDir, 'kafka-streams-process-metadata');
    try {
      const j: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (typeof j === 'object' && j !== null && 'processId' in j && typeof j.processId === 'string') return j.processId;
    } catch {
      /* new instance */
    }
    const id = randomUUID();
    mkdirSync(this.appDir, { recursive: true });
    writeFileSync(file, JSON.stringify({ processId: id, version: 1 }));
    return id;
  }

  async start(): Promise<void> {
    if (this.state !== 'CREATED') throw new StreamsError(`start() in state ${this.state}: an instance starts once`);
    this.setState('REBALANCING');
    try {
      mkdirSync(this.appDir, { recursive: true });
      this.processId = this.loadProcessId();
      const needsLmdb = [...this.topology.stores.values()].some((s) => (this.topology.defaultTypedStores.has(s.name) ? this.config.defaultStoreType === 'persistent' : s.persistent));
      if (needsLmdb) await loadLmdb();
      const client = new KafkaClient({ clientId: this.config.clientId, bootstrapServers: this.config.bootstrapServers, requestTimeoutMs: Math.max(30_000, this.config.rebalanceTimeoutMs + 5_000) });
      this.client = client;
      const plan = await planTopics(this.topology, this.config.applicationId, this.subs, client);
      await ensureInternalTopics(client, plan.internal, this.config.replicationFactor);
      const sinkTopics = new Set<string>();
      for (const n of this.topology.nodes.values()) if (n.kind === 'sink' && !n.internal && typeof n.topic === 'string') sinkTopics.add(n.topic);
      const sinkPartitions = new Map<string, number>();
      if (sinkTopics.size > 0) {
        const meta = await client.admin.metadata({ topics: [...sinkTopics], autocreateTopics: true, forceUpdate: true }).catch(() => null);
        for (const t of sinkTopics) {
          const c = meta?.topics.get(t)?.partitionsCount;
          if (c) sinkPartitions.set(t, c);
        }
      }
      this.global = new GlobalState(this.topology, this.subs, this.config, client, this.logger);
      await this.global.start();
      const running = new Promise<void>((resolve, reject) => {
        const onState = (s: StreamsState) => {
          if (s === 'RUNNING') {
            this.off('stateChange', onState);
            resolve();
          } else if (s === 'ERROR' || s === 'NOT_RUNNING' || s === 'PENDING_SHUTDOWN') {
            this.off('stateChange', onState);
            reject(this.lastError ?? new StreamsError(`the application stopped while starting (${s})`));
          }
        };
        this.on('stateChange', onState);
      });
      this.thread = new StreamThread({
        config: this.config,
        topology: this.topology,
        subs: this.subs,
        plan,
        client,
        logger: this.logger,
        processId: this.processId,
        appDir: this.appDir,
        globalStores: this.global.stores,
        sinkPartitions,
        onStateChange: (s: ThreadState) => {
          if (this.state === 'PENDING_SHUTDOWN' || this.state === 'ERROR' || this.state === 'NOT_RUNNING') return;
          if (s === 'RUNNING') this.setState('RUNNING');
          else if (s === 'PARTITIONS_ASSIGNED' || s === 'STARTING') this.setState('REBALANCING');
        },
        onError: (err) => this.fail(err),
        pollGlobal: () => undefined,
      });
      this.thread.start();
      await running;
    } catch (err) {
      this.lastError ??= err;
      await this.shutdown('ERROR');
      throw err;
    }
  }

  private lastError: unknown = undefined;

  private fail(err: unknown): void {
    this.lastError ??= err;
    this.logger.error(`stream thread failed: ${err instanceof Error ? err.message : String(err)}`);
    this.setState('PENDING_ERROR');
    this.emit('error', err);
    void this.shutdown('ERROR');
  }

  private shutdown(final: 'NOT_RUNNING' | 'ERROR'): Promise<void> {
    this.closing ??= (async () => {
      if (final === 'NOT_RUNNING') this.setState('PENDING_SHUTDOWN');
      await this.thread?.close().catch(() => undefined);
      await this.global?.close().catch(() => undefined);
      await this.client?.close().catch(() => undefined);
      this.setState(final);
    })();
    return this.closing;
  }

  /** Commits, leaves the group (tasks move at once) and closes every store. */
  close(): Promise<void> {
    if (this.state === 'CREATED') {
      this.setState('NOT_RUNNING');
      return Promise.resolve();
    }
    return this.shutdown(this.state === 'ERROR' || this.state === 'PENDING_ERROR' ? 'ERROR' : 'NOT_RUNNING');
  }

  /** Deletes this application's local state (only while not running), as KafkaStreams.cleanUp(). */
  cleanUp(): void {
    if (this.state !== 'CREATED' && this.state !== 'NOT_RUNNING' && this.state !== 'ERROR') throw new StreamsError('cleanUp() only while the application is not running');
    rmSync(this.appDir, { recursive: true, force: true });
  }

  private storesNamed(name: string): StateStore[] {
    const local = this.thread?.storesNamed(name) ?? [];
    const g = this.global?.stores.get(name);
    if (g) local.push(g);
    if (local.length === 0 && !this.topology.stores.has(name) && !this.topology.globalStores.has(name)) throw new StreamsError(`no store named ${name} in the topology`);
    return local;
  }

  /** A key-value store for interactive queries (timestamped DSL stores answer plain values). */
  store<K, V>(name: string): QueryableKeyValueStore<K, V> {
    const kv = () =>
      this.storesNamed(name).filter((s): s is KeyValueStoreImpl<unknown, unknown> => {
        if (!(s instanceof KeyValueStoreImpl)) throw new StreamsError(`store ${name} is not a key-value store`);
        return true;
      });
    return {
      get: async (key) => {
        for (const s of kv()) {
          const v = s.get(key);
          if (v !== undefined) return plain<V>(v, s.spec.kind === 'timestampedKeyValue');
        }
        return undefined;
      },
      all: async () => kv().flatMap((s) => s.all().map((e) => ({ key: e.key as K, value: plain<V>(e.value, s.spec.kind === 'timestampedKeyValue') }))),
      range: async (from, to) => kv().flatMap((s) => s.range(from, to).map((e) => ({ key: e.key as K, value: plain<V>(e.value, s.spec.kind === 'timestampedKeyValue') }))),
      approximateNumEntries: async () => kv().reduce((n, s) => n + s.approximateNumEntries(), 0),
    };
  }

  windowStore<K, V>(name: string): QueryableWindowStore<K, V> {
    const ws = () =>
      this.storesNamed(name).filter((s): s is WindowStoreImpl<unknown, unknown> => {
        if (!(s instanceof WindowStoreImpl)) throw new StreamsError(`store ${name} is not a window store`);
        return true;
      });
    return {
      fetch: async (key, from, to) => ws().flatMap((s) => s.fetchRange(key, from, to).map((e) => ({ windowStart: e.windowStart, value: plain<V>(e.value, s.spec.kind === 'timestampedWindow') }))),
      all: async () => ws().flatMap((s) => s.all().map((e) => ({ key: e.key as Windowed<K>, value: plain<V>(e.value, s.spec.kind === 'timestampedWindow') }))),
    };
  }

  sessionStore<K, V>(name: string): QueryableSessionStore<K, V> {
    const ss = () =>
      this.storesNamed(name).filter((s): s is SessionStoreImpl<unknown, unknown> => {
        if (!(s instanceof SessionStoreImpl)) throw new StreamsError(`store ${name} is not a session store`);
        return true;
      });
    return {
      fetch: async (key) => ss().flatMap((s) => s.fetch(key).map((e) => ({ key: e.key as Windowed<K>, value: e.value as V }))),
    };
  }

  /** Per-task metrics of this instance. */
  metrics(): TaskMetricsSnapshot[] {
    return (this.thread?.taskMetrics() ?? []).map((m) => m.snapshot());
  }

  /** Tasks this instance runs (active) and replicates (standby). */
  localTasks(): { active: string[]; standby: string[] } {
    return { active: [...(this.thread?.active.keys() ?? [])].sort(), standby: [...(this.thread?.standby.keys() ?? [])].sort() };
  }
}
