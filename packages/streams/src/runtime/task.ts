// A stream task: one sub-topology instantiated for one partition (task id `<sub>_<partition>`).
// It owns its processors and stores, buffers the records fetched for its source partitions,
// picks the next record by timestamp across them (as Kafka's PartitionGroup), tracks stream time,
// runs punctuations and, at commit, flushes its stores and reports the offsets to commit.
// Processing is synchronous: a batch of records goes through the processors without awaiting;
// only async processors (mapValuesAsync and friends) leave work in flight, which commit awaits.
import type { Cancellable, Processor, ProcessorContext, PunctuationType, Punctuator } from '../processor/api.js';
import { Record, type RecordMetadata } from '../record.js';
import type { KeyValueStore, SessionStore, StateStore, TimestampedKeyValueStore, WindowStore } from '../state/api.js';
import { createRuntimeStore, KeyValueStoreImpl, SessionStoreImpl, WindowStoreImpl, type RuntimeStore, type StoreContext } from '../state/runtime-stores.js';
import { ProcessingError, RecordSerdeError, StreamsError } from '../errors.js';
import type { Serde } from '../serdes.js';
import type { SinkNode, SourceNode, Topology } from '../topology/topology.js';
import type { Subtopology } from '../topology/plan.js';
import { partitionForKey } from './murmur2.js';
import { fallbackSerde, resolveSerde } from '../serde-fallback.js';
import { isWindowedSerde, type WindowedSerde } from '../dsl/windowed-serdes.js';
import type { ConsumedRecord, TaskEnvironment } from './types.js';

interface NodeRuntime {
  readonly name: string;
  readonly processor: Processor<unknown, unknown, unknown, unknown>;
  readonly children: NodeRuntime[];
  readonly childByName: Map<string, NodeRuntime>;
}

interface Schedule {
  readonly node: NodeRuntime;
  readonly interval: number;
  readonly type: PunctuationType;
  readonly punctuator: Punctuator;
  next: number;
  cancelled: boolean;
}

interface PartitionQueue {
  readonly topic: string;
  readonly partition: number;
  readonly source: SourceNode;
  records: ConsumedRecord[];
  head: number;
  /** Next offset to commit: one past the last record taken from this queue. */
  consumed: number;
  /** Largest timestamp taken from this partition (the timestamp extractor's partitionTime). */
  partitionTime: number;
}

/** Work an async processor has in flight; commit waits for it. */
export interface AsyncTracker {
  begin(): void;
  end(error?: unknown): void;
}

const taskByContext = new WeakMap<object, StreamTask>();

/** The task behind a processor context (DSL processors that defer work or flush caches need it). */
export function taskOf(context: object): StreamTask {
  const t = taskByContext.get(context);
  if (!t) throw new StreamsError('not a stream task context');
  return t;
}

export class StreamTask {
  readonly id: string;
  readonly stores = new Map<string, RuntimeStore>();
  private readonly queues = new Map<string, PartitionQueue>();
  private readonly nodes = new Map<string, NodeRuntime>();
  private readonly schedules: Schedule[] = [];
  private streamTime = -1;
  private current: NodeRuntime | null = null;
  private meta: RecordMetadata | null = null;
  private currentTimestamp = 0;
  private readonly context: ProcessorContext<unknown, unknown>;
  private inFlight = 0;
  private asyncError: unknown = undefined;
  private idleWaiters: (() => void)[] = [];
  /** Records processed since the task was created (metrics). */
  processed = 0;
  private closed = false;

  constructor(
    readonly topology: Topology,
    readonly sub: Subtopology,
    readonly partition: number,
    private readonly env: TaskEnvironment,
    /** A global task reads every partition of its topics; a stream task only its own. */
    partitions: ReadonlyMap<string, number> | null = null,
  ) {
    this.id = partitions ? `global-${sub.id}` : `${sub.id}_${partition}`;
    this.context = this.makeContext();
    taskByContext.set(this.context, this);
    for (const source of sub.sources) {
      for (const t of source.topics) {
        const topic = env.topicName(t, source.internal);
        const count = partitions ? (partitions.get(topic) ?? 0) : 1;
        for (let i = 0; i < count; i++) {
          const p = partitions ? i : partition;
          this.queues.set(`${topic}\u0000${p}`, { topic, partition: p, source, records: [], head: 0, consumed: -1, partitionTime: -1 });
        }
      }
    }
  }

  /** A serde with the application's defaults applied (the default's type is taken on trust). */
  serdeFor<T>(serde: Serde<T> | undefined, role: 'key' | 'value', where: string): Serde<T> {
    const r = resolveSerde(serde, role, { key: this.env.defaultKeySerde, value: this.env.defaultValueSerde });
    return (r ?? fallbackSerde<T>(where)) as Serde<T>;
  }

  get logger(): TaskEnvironment['logger'] {
    return this.env.logger;
  }

  /** Source topic-partitions of this task (full topic names). */
  get inputPartitions(): { topic: string; partition: number }[] {
    return [...this.queues.values()].map((q) => ({ topic: q.topic, partition: q.partition }));
  }

  /** Changelog topic of a store of this task, or null when the store is not logged. */
  changelogTopic(store: string): string | null {
    const spec = this.topology.stores.get(store);
    if (!spec || !spec.logging) return null;
    const source = this.topology.sourceChangelogs.get(store);
    if (source) return this.env.topicName(source, false);
    return this.env.topicName(`${store}-changelog`, true);
  }

  /** Opens the stores (before restoration) and then initializes processors (after it). */
  openStores(): void {
    const env = this.env;
    for (const name of this.sub.stores) {
      const spec = this.topology.stores.get(name) ?? this.topology.globalStores.get(name)?.store;
      if (!spec) throw new StreamsError(`store ${name} is not in the topology`);
      const changelogTopic = this.changelogTopic(name);
      const ctx: StoreContext = {
        taskId: this.id,
        partition: this.partition,
        changelogTopic: this.topology.sourceChangelogs.has(name) ? null : changelogTopic,
        logChange: (topic, key, value, timestamp) => this.env.collector.send({ topic, partition: this.partition, key, value, timestamp, headers: [] }),
        recordTimestamp: () => this.currentTimestamp,
        streamTime: () => this.streamTime,
        get cacheBytes() {
          return env.cacheBytesPerStore;
        },
      };
      this.stores.set(name, createRuntimeStore(spec, this.env.openStore(this.id, spec), ctx, { key: this.env.defaultKeySerde, value: this.env.defaultValueSerde }));
    }
  }

  /** Changelog topic-partitions to restore, with the store each one fills. */
  changelogPartitions(): { store: string; topic: string; partition: number }[] {
    const out: { store: string; topic: string; partition: number }[] = [];
    for (const name of this.sub.stores) {
      const topic = this.changelogTopic(name);
      if (topic) out.push({ store: name, topic, partition: this.partition });
    }
    return out;
  }

  initProcessors(): void {
    const build = (name: string): NodeRuntime => {
      const existing = this.nodes.get(name);
      if (existing) return existing;
      const node = this.topology.nodes.get(name)!;
      let processor: Processor<unknown, unknown, unknown, unknown>;
      if (node.kind === 'source') processor = { process: (r) => this.context.forward(r) };
      else if (node.kind === 'sink') processor = this.sinkProcessor(node);
      else processor = node.supplier();
      const rt: NodeRuntime = { name, processor, children: [], childByName: new Map() };
      this.nodes.set(name, rt);
      for (const c of node.children) {
        if (!this.sub.nodes.includes(c)) continue;
        const child = build(c);
        rt.children.push(child);
        rt.childByName.set(c, child);
      }
      return rt;
    };
    for (const name of this.sub.nodes) build(name);
    // Initialize children before parents is not required; Java initializes in topological order.
    for (const name of this.sub.nodes) {
      const rt = this.nodes.get(name)!;
      if (rt.processor.init) {
        this.current = rt;
        try {
          rt.processor.init(this.context);
        } finally {
          this.current = null;
        }
      }
    }
  }

  private sinkProcessor(node: SinkNode): Processor<unknown, unknown, unknown, unknown> {
    const where = (kind: string) => `the ${kind}s written by sink ${node.name}`;
    const keySerde = this.serdeFor(node.keySerde, 'key', where('key'));
    const valueSerde = this.serdeFor(node.valueSerde, 'value', where('value'));
    const windowed = isWindowedSerde(keySerde) ? keySerde : null;
    return {
      process: (record) => {
        const topic = typeof node.topic === 'string' ? this.env.topicName(node.topic, node.internal) : node.topic(record.key, record.value, { topic: this.meta?.topic ?? null, partition: this.meta?.partition ?? -1, offset: this.meta?.offset ?? -1 });
        const key = this.serialize('key', keySerde, record.key, topic);
        const value = this.serialize('value', valueSerde, record.value, topic);
        let partition: number | undefined;
        const n = this.env.partitionsFor(topic);
        if (node.partitioner) partition = node.partitioner(topic, record.key, record.value, n);
        if (partition === undefined && key !== null) {
          const hashed = windowed && record.key !== null && record.key !== undefined ? this.serializeBase(windowed, record.key, topic) : key;
          partition = partitionForKey(hashed, n);
        }
        this.env.collector.send({ topic, partition, key, value, timestamp: record.timestamp, headers: record.headers });
      },
    };
  }

  private serializeBase(serde: WindowedSerde<unknown>, key: unknown, topic: string): Buffer {
    if (typeof key !== 'object' || key === null || !('window' in key) || !('key' in key)) throw new RecordSerdeError('key', 'serialize', topic, -1, -1, new StreamsError('a windowed key serde got a key that is not windowed'));
    const window = key.window;
    if (typeof window !== 'object' || window === null || !('start' in window) || !('end' in window) || typeof window.start !== 'number' || typeof window.end !== 'number') throw new RecordSerdeError('key', 'serialize', topic, -1, -1, new StreamsError('a windowed key has no window'));
    return serde.serializeBaseKey({ key: key.key, window: { start: window.start, end: window.end } }, topic);
  }

  private serialize(kind: 'key' | 'value', serde: Serde<unknown>, data: unknown, topic: string): Buffer | null {
    if (data === null || data === undefined) return null;
    try {
      return serde.serialize(data, topic);
    } catch (err) {
      throw new RecordSerdeError(kind, 'serialize', topic, this.meta?.partition ?? -1, this.meta?.offset ?? -1, err);
    }
  }

  private makeContext(): ProcessorContext<unknown, unknown> {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const task = this;
    const store = (name: string): StateStore => {
      const s = task.stores.get(name) ?? task.env.globalStore(name);
      if (!s) throw new StreamsError(`processor ${task.current?.name ?? '?'} has no access to store ${name} (connect it with addStateStore/connectProcessorAndStateStores)`);
      return s;
    };
    return {
      applicationId: this.env.applicationId,
      taskId: this.id,
      get recordMetadata() {
        return task.meta;
      },
      currentStreamTimeMs: () => this.streamTime,
      currentSystemTimeMs: () => this.env.wallClock(),
      forward: (record, childName) => this.forward(record, childName),
      schedule: (interval, type, punctuator) => this.schedule(interval, type, punctuator),
      commit: () => this.env.requestCommit(),
      getStateStore: store,
      getKeyValueStore<K, V>(name: string): KeyValueStore<K, V> {
        const s = store(name);
        if (!(s instanceof KeyValueStoreImpl)) throw new StreamsError(`store ${name} is not a key-value store`);
        return s as KeyValueStore<K, V>;
      },
      getTimestampedKeyValueStore<K, V>(name: string): TimestampedKeyValueStore<K, V> {
        const s = store(name);
        if (!(s instanceof KeyValueStoreImpl) || !(s.spec.kind === 'timestampedKeyValue')) throw new StreamsError(`store ${name} is not a timestamped key-value store`);
        return s as TimestampedKeyValueStore<K, V>;
      },
      getWindowStore<K, V>(name: string): WindowStore<K, V> {
        const s = store(name);
        if (!(s instanceof WindowStoreImpl)) throw new StreamsError(`store ${name} is not a window store`);
        return s as WindowStore<K, V>;
      },
      getSessionStore<K, V>(name: string): SessionStore<K, V> {
        const s = store(name);
        if (!(s instanceof SessionStoreImpl)) throw new StreamsError(`store ${name} is not a session store`);
        return s as SessionStore<K, V>;
      },
    };
  }

  private forward(record: Record<unknown, unknown>, childName?: string): void {
    const node = this.current;
    if (!node) throw new StreamsError('forward() called outside of processing');
    const prevTs = this.currentTimestamp;
    if (childName !== undefined) {
      const child = node.childByName.get(childName);
      if (!child) throw new StreamsError(`processor ${node.name} has no child ${childName}`);
      this.invoke(child, record);
    } else {
      for (const child of node.children) this.invoke(child, record);
    }
    this.current = node;
    this.currentTimestamp = prevTs;
  }

  private invoke(child: NodeRuntime, record: Record<unknown, unknown>): void {
    this.current = child;
    this.currentTimestamp = record.timestamp;
    try {
      child.processor.process(record);
    } catch (err) {
      if (err instanceof StreamsError) throw err;
      const origin = this.meta ? `${this.meta.topic}-${this.meta.partition}@${this.meta.offset}` : '';
      throw new ProcessingError(this.id, child.name, origin, err);
    }
  }

  /** Runs fn as if `node` were processing (async processors forwarding later, cache flushes). */
  runAs(nodeName: string, meta: RecordMetadata | null, timestamp: number, fn: () => void): void {
    const node = this.nodes.get(nodeName);
    if (!node) throw new StreamsError(`unknown processor ${nodeName}`);
    const prev = this.current;
    const prevMeta = this.meta;
    const prevTs = this.currentTimestamp;
    this.current = node;
    this.meta = meta;
    this.currentTimestamp = timestamp;
    try {
      fn();
    } finally {
      this.current = prev;
      this.meta = prevMeta;
      this.currentTimestamp = prevTs;
    }
  }

  /** The name of the processor running now (processors that defer work keep it). */
  currentNodeName(): string {
    return this.current?.name ?? '';
  }

  currentMetadata(): RecordMetadata | null {
    return this.meta;
  }

  private schedule(interval: number, type: PunctuationType, punctuator: Punctuator): Cancellable {
    if (!(interval >= 1)) throw new StreamsError(`punctuation interval must be at least 1 ms, got ${interval}`);
    const node = this.current;
    if (!node) throw new StreamsError('schedule() must be called from a processor');
    const s: Schedule = { node, interval, type, punctuator, next: type === 'STREAM_TIME' ? 0 : this.env.wallClock() + interval, cancelled: false };
    this.schedules.push(s);
    return {
      cancel: () => {
        s.cancelled = true;
        const i = this.schedules.indexOf(s);
        if (i >= 0) this.schedules.splice(i, 1);
      },
    };
  }

  private punctuate(type: PunctuationType, now: number): boolean {
    let fired = false;
    for (const s of [...this.schedules]) {
      if (s.type !== type || s.cancelled || now < s.next || now < 0) continue;
      fired = true;
      const prevMeta = this.meta;
      this.meta = null;
      this.current = s.node;
      this.currentTimestamp = now;
      try {
        s.punctuator(now);
      } catch (err) {
        if (err instanceof StreamsError) throw err;
        throw new ProcessingError(this.id, s.node.name, `punctuation at ${now}`, err);
      } finally {
        this.current = null;
        this.meta = prevMeta;
      }
      let next = s.next + s.interval;
      if (now >= next) next = s.next + (Math.floor((now - s.next) / s.interval) + 1) * s.interval;
      s.next = next;
    }
    return fired;
  }

  punctuateWallClock(now: number): boolean {
    return this.punctuate('WALL_CLOCK_TIME', now);
  }

  get currentStreamTime(): number {
    return this.streamTime;
  }

  /** Adds fetched records of one of this task's partitions. */
  addRecords(topic: string, partition: number, records: ConsumedRecord[]): void {
    const q = this.queues.get(`${topic}\u0000${partition}`);
    if (!q) throw new StreamsError(`task ${this.id} does not read ${topic}-${partition}`);
    if (q.head > 0 && q.head === q.records.length) {
      q.records = [];
      q.head = 0;
    }
    for (const r of records) q.records.push(r);
  }

  /** Records buffered and not processed yet. */
  buffered(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.records.length - q.head;
    return n;
  }

  bufferedFor(topic: string, partition: number): number {
    const q = this.queues.get(`${topic}\u0000${partition}`);
    return q ? q.records.length - q.head : 0;
  }

  /** Sets where consumption of a partition starts (the committed offset) for commit accounting. */
  setPosition(topic: string, partition: number, offset: number): void {
    const q = this.queues.get(`${topic}\u0000${partition}`);
    if (q && q.consumed < 0) q.consumed = offset;
  }

  hasAsyncCapacity(limit: number): boolean {
    return this.inFlight < limit;
  }

  get asyncInFlight(): number {
    return this.inFlight;
  }

  /** The async processors report their work here. */
  readonly asyncTracker: AsyncTracker = {
    begin: () => {
      this.inFlight++;
    },
    end: (error?: unknown) => {
      this.inFlight--;
      if (error !== undefined && this.asyncError === undefined) this.asyncError = error;
      if (this.inFlight === 0) {
        const w = this.idleWaiters;
        this.idleWaiters = [];
        for (const f of w) f();
      }
    },
  };

  /** Resolves when no async work is in flight (before a commit); rethrows what it failed with. */
  async drainAsync(): Promise<void> {
    while (this.inFlight > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    this.checkAsyncError();
  }

  checkAsyncError(): void {
    if (this.asyncError !== undefined) {
      const e = this.asyncError;
      this.asyncError = undefined;
      if (e instanceof StreamsError) throw e;
      throw new ProcessingError(this.id, 'async', '', e);
    }
  }

  private nextQueue(): PartitionQueue | undefined {
    let best: PartitionQueue | undefined;
    let bestTs = Infinity;
    for (const q of this.queues.values()) {
      if (q.head >= q.records.length) continue;
      const ts = q.records[q.head]!.timestamp;
      if (ts < bestTs) {
        best = q;
        bestTs = ts;
      }
    }
    return best;
  }

  /** Processes up to `max` buffered records, fewer once async work in flight reaches `asyncLimit`; returns how many were taken. */
  process(max: number, asyncLimit = Infinity): number {
    this.checkAsyncError();
    let n = 0;
    // Async processors' work counts against asyncLimit record by record: a batch stops there.
    while (n < max && this.inFlight < asyncLimit) {
      const q = this.nextQueue();
      if (!q) break;
      const raw = q.records[q.head]!;
      q.head++;
      q.consumed = raw.offset + 1;
      n++;
      this.processOne(q, raw);
    }
    if (n > 0) this.processed += n;
    return n;
  }

  private deserialize(kind: 'key' | 'value', serde: Serde<unknown> | undefined, data: Buffer | null, raw: ConsumedRecord): { ok: true; value: unknown } | { ok: false } {
    if (data === null) return { ok: true, value: null };
    if (!serde) return { ok: true, value: data };
    try {
      return { ok: true, value: serde.deserialize(data, raw.topic) };
    } catch (err) {
      const error = new RecordSerdeError(kind, 'deserialize', raw.topic, raw.partition, raw.offset, err);
      const h = this.env.deserializationHandler;
      const decision = typeof h === 'function' ? h(error, raw) : h === 'logAndContinue' ? 'continue' : 'fail';
      if (decision === 'fail') throw error;
      this.env.logger.warn(`${error.message}: skipped (deserialization handler: continue)`);
      return { ok: false };
    }
  }

  private sourceSerdes = new Map<string, { key: Serde<unknown> | undefined; value: Serde<unknown> | undefined }>();

  /** Source serdes: given, or the defaults; internal topics fall back to UTF-8, external ones to raw bytes. */
  private serdesOf(src: SourceNode): { key: Serde<unknown> | undefined; value: Serde<unknown> | undefined } {
    let s = this.sourceSerdes.get(src.name);
    if (!s) {
      const d = { key: this.env.defaultKeySerde, value: this.env.defaultValueSerde };
      const key = resolveSerde(src.keySerde, 'key', d);
      const value = resolveSerde(src.valueSerde, 'value', d);
      s = { key: key ?? (src.internal ? fallbackSerde(`source ${src.name}`) : undefined), value: value ?? (src.internal ? fallbackSerde(`source ${src.name}`) : undefined) };
      this.sourceSerdes.set(src.name, s);
    }
    return s;
  }

  private processOne(q: PartitionQueue, raw: ConsumedRecord): void {
    const src = q.source;
    const serdes = this.serdesOf(src);
    const key = this.deserialize('key', serdes.key, raw.key, raw);
    if (!key.ok) return;
    const value = this.deserialize('value', serdes.value, raw.value, raw);
    if (!value.ok) return;
    let ts = raw.timestamp;
    if (src.timestampExtractor) ts = src.timestampExtractor({ topic: raw.topic, partition: raw.partition, offset: raw.offset, key: key.value, value: value.value, timestamp: raw.timestamp }, q.partitionTime);
    if (ts < 0) {
      this.env.logger.warn(`record ${raw.topic}-${raw.partition}@${raw.offset} has an invalid timestamp ${ts}: skipped`);
      return;
    }
    if (ts > q.partitionTime) q.partitionTime = ts;
    if (ts > this.streamTime) this.streamTime = ts;
    const node = this.nodes.get(src.name)!;
    this.meta = { topic: raw.topic, partition: raw.partition, offset: raw.offset };
    this.current = node;
    this.currentTimestamp = ts;
    try {
      node.processor.process(new Record(key.value, value.value, ts, raw.headers));
    } finally {
      this.current = null;
      this.meta = null;
    }
    this.punctuate('STREAM_TIME', this.streamTime);
  }

  /** Flushes stores (caches forward their KTable updates here) before a commit. */
  flush(): void {
    for (const s of this.stores.values()) {
      const owner = this.storeOwner(s.name);
      if (owner) this.runAs(owner, null, this.currentTimestamp, () => s.flush());
      else s.flush();
    }
  }

  private storeOwner(store: string): string | undefined {
    for (const name of this.sub.nodes) {
      const n = this.topology.nodes.get(name)!;
      if (n.kind === 'processor' && n.stores.includes(store)) return name;
    }
    return undefined;
  }

  /** Offsets to commit: one past the last record processed, per source partition. */
  committableOffsets(): Map<string, { topic: string; partition: number; offset: number }> {
    const out = new Map<string, { topic: string; partition: number; offset: number }>();
    for (const [k, q] of this.queues) if (q.consumed >= 0) out.set(k, { topic: q.topic, partition: q.partition, offset: q.consumed });
    return out;
  }

  /** Drops unprocessed records of one partition (it is being reassigned or sought). */
  clearBuffer(topic: string, partition: number): void {
    const q = this.queues.get(`${topic}\u0000${partition}`);
    if (q) {
      q.records = [];
      q.head = 0;
    }
  }

  /** Unprocessed buffered records are dropped; positions go back to the last consumed offset. */
  resetBuffers(): void {
    for (const q of this.queues.values()) {
      q.records = [];
      q.head = 0;
    }
  }

  close(clean: boolean): void {
    if (this.closed) return;
    this.closed = true;
    for (const n of this.nodes.values()) {
      try {
        n.processor.close?.();
      } catch (err) {
        this.env.logger.warn(`task ${this.id}: processor ${n.name} failed to close: ${(err as Error).message}`);
      }
    }
    for (const s of this.stores.values()) {
      if (!clean) s.discardCache();
      s.close();
    }
  }
}
