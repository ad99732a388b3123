// TopologyTestDriver: runs a topology without a broker, as Kafka Streams' TopologyTestDriver. Each
// sub-topology becomes one task (partition 0); a record piped into an input topic is processed at
// once, records written to repartition topics are fed back to the tasks that read them, and the
// driver commits (flushing caches) after every input, so outputs appear record by record. Stream
// time follows the records; wall-clock time moves only with advanceWallClockTime().
import type { Serde } from '../serdes.js';
import { Serdes } from '../serdes.js';
import type { Headers, KeyValue, ValueAndTimestamp } from '../record.js';
import { NO_HEADERS } from '../record.js';
import type { KeyValueStore, SessionStore, StateStore, TimestampedKeyValueStore, WindowStore } from '../state/api.js';
import { InMemoryBytesStore } from '../state/bytes-store.js';
import { KeyValueStoreImpl, SessionStoreImpl, WindowStoreImpl } from '../state/runtime-stores.js';
import { keyValueFacade, windowFacade } from '../state/facades.js';
import { StreamsError } from '../errors.js';
import type { Topology } from '../topology/topology.js';
import { subtopologies } from '../topology/plan.js';
import { StreamTask } from '../runtime/task.js';
import { silentLogger, type ConsumedRecord, type DeserializationHandler, type Logger, type OutgoingRecord, type TaskEnvironment } from '../runtime/types.js';

export interface TestDriverConfig {
  applicationId?: string;
  defaultKeySerde?: Serde<unknown>;
  defaultValueSerde?: Serde<unknown>;
  /** Start of the driver's wall clock (default Date.now()). */
  initialWallClockTimeMs?: number;
  deserializationHandler?: DeserializationHandler;
  /** Cache size; the driver commits after each record, so caching changes no output. */
  cacheMaxBytes?: number;
  logger?: Logger;
}

export interface TestRecord<K, V> {
  readonly key: K | null;
  readonly value: V | null;
  readonly timestamp: number;
  readonly headers: Headers;
}

export class TopologyTestDriver {
  private readonly tasks: StreamTask[] = [];
  private readonly globalTasks: StreamTask[] = [];
  private readonly readers = new Map<string, StreamTask[]>();
  private readonly outputs = new Map<string, OutgoingRecord[]>();
  private readonly offsets = new Map<string, number>();
  private pending: OutgoingRecord[] = [];
  private wallClock: number;
  private readonly applicationId: string;
  private readonly env: TaskEnvironment;
  private readonly internalTopics = new Set<string>();

  constructor(
    private readonly topology: Topology,
    config: TestDriverConfig = {},
  ) {
    this.applicationId = config.applicationId ?? 'topology-test-driver';
    this.wallClock = config.initialWallClockTimeMs ?? Date.now();
    const globalStores = new Map<string, StateStore>();
    this.env = {
      applicationId: this.applicationId,
      collector: { send: (r) => this.pending.push(r) },
      topicName: (name, internal) => (internal ? `${this.applicationId}-${name}` : name),
      partitionsFor: () => 1,
      openStore: () => new InMemoryBytesStore(),
      cacheBytesPerStore: config.cacheMaxBytes ?? 10 * 1024 * 1024,
      defaultKeySerde: config.defaultKeySerde,
      defaultValueSerde: config.defaultValueSerde,
      deserializationHandler: config.deserializationHandler ?? 'logAndFail',
      wallClock: () => this.wallClock,
      logger: config.logger ?? silentLogger,
      globalStore: (name) => globalStores.get(name),
      requestCommit: () => undefined,
    };
    for (const name of topology.repartitionTopics.keys()) this.internalTopics.add(`${this.applicationId}-${name}`);
    for (const sub of subtopologies(topology)) {
      const task = new StreamTask(topology, sub, 0, this.env);
      task.openStores();
      if (sub.global) {
        for (const [name, store] of task.stores) globalStores.set(name, store);
        this.globalTasks.push(task);
      } else this.tasks.push(task);
      for (const { topic } of task.inputPartitions) {
        let list = this.readers.get(topic);
        if (!list) this.readers.set(topic, (list = []));
        list.push(task);
      }
    }
    for (const t of [...this.globalTasks, ...this.tasks]) t.initProcessors();
  }

  /** Input topic with its serdes (key and value may be given as Serdes or left to the defaults). */
  createInputTopic<K, V>(topic: string, keySerde?: Serde<K>, valueSerde?: Serde<V>): TestInputTopic<K, V> {
    if (!this.readers.has(topic)) throw new StreamsError(`Unknown topic: ${topic}`);
    return new TestInputTopic(this, topic, keySerde, valueSerde);
  }

  createOutputTopic<K, V>(topic: string, keySerde?: Serde<K>, valueSerde?: Serde<V>): TestOutputTopic<K, V> {
    return new TestOutputTopic(this, topic, keySerde, valueSerde);
  }

  /** Topics the topology wrote to (internal ones with the application id). */
  producedTopicNames(): string[] {
    return [...this.outputs.keys()];
  }

  /** @internal */
  pipe(topic: string, key: Buffer | null, value: Buffer | null, timestamp: number, headers: Headers): void {
    const readers = this.readers.get(topic);
    if (!readers) throw new StreamsError(`Unknown topic: ${topic}`);
    const offset = this.offsets.get(topic) ?? 0;
    this.offsets.set(topic, offset + 1);
    const record: ConsumedRecord = { topic, partition: 0, offset, timestamp, key, value, headers };
    for (const task of readers) {
      task.addRecords(topic, 0, [record]);
      task.process(Number.MAX_SAFE_INTEGER);
    }
    this.drain();
    this.commit();
  }

  /** Routes produced records: repartition topics back to their readers, the rest to outputs. */
  private drain(): void {
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      for (const r of batch) {
        let list = this.outputs.get(r.topic);
        if (!list) this.outputs.set(r.topic, (list = []));
        list.push(r);
        if (this.internalTopics.has(r.topic)) {
          const offset = this.offsets.get(r.topic) ?? 0;
          this.offsets.set(r.topic, offset + 1);
          for (const task of this.readers.get(r.topic) ?? []) {
            task.addRecords(r.topic, 0, [{ topic: r.topic, partition: 0, offset, timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers }]);
            task.process(Number.MAX_SAFE_INTEGER);
          }
        }
      }
    }
  }

  private commit(): void {
    for (let round = 0; round < 100; round++) {
      for (const t of [...this.globalTasks, ...this.tasks]) t.flush();
      if (this.pending.length === 0) return;
      this.drain();
    }
  }

  /** Advances wall-clock time and runs the WALL_CLOCK_TIME punctuations that are due. */
  advanceWallClockTime(ms: number): void {
    this.wallClock += ms;
    for (const t of this.tasks) t.punctuateWallClock(this.wallClock);
    this.drain();
    this.commit();
  }

  /** Waits for async processors (mapValuesAsync...) and routes what they produced. */
  async settle(): Promise<void> {
    for (;;) {
      await Promise.all(this.tasks.map((t) => t.drainAsync()));
      this.drain();
      this.commit();
      if (this.tasks.every((t) => t.asyncInFlight === 0) && this.pending.length === 0) return;
    }
  }

  /** @internal */
  take(topic: string): OutgoingRecord | undefined {
    return this.outputs.get(topic)?.shift();
  }

  /** @internal */
  queueSize(topic: string): number {
    return this.outputs.get(topic)?.length ?? 0;
  }

  private store(name: string): StateStore {
    for (const t of [...this.tasks, ...this.globalTasks]) {
      const s = t.stores.get(name);
      if (s) return s;
    }
    throw new StreamsError(`no state store named ${name}`);
  }

  getStateStore(name: string): StateStore {
    return this.store(name);
  }

  /** A key-value store; a timestamped one (every DSL table) answers its values alone, as Java's driver. */
  getKeyValueStore<K, V>(name: string): KeyValueStore<K, V> {
    const s = this.store(name);
    if (!(s instanceof KeyValueStoreImpl)) throw new StreamsError(`store ${name} is not a key-value store`);
    if (s.spec.kind === 'timestampedKeyValue') return keyValueFacade(s as TimestampedKeyValueStore<K, V>);
    return s as KeyValueStore<K, V>;
  }

  getTimestampedKeyValueStore<K, V>(name: string): TimestampedKeyValueStore<K, V> {
    const s = this.store(name);
    if (!(s instanceof KeyValueStoreImpl) || s.spec.kind !== 'timestampedKeyValue') throw new StreamsError(`store ${name} is not a timestamped key-value store`);
    return s as TimestampedKeyValueStore<K, V>;
  }

  /** A window store; a timestamped one (every DSL windowed aggregation) answers its values alone. */
  getWindowStore<K, V>(name: string): WindowStore<K, V> {
    const s = this.store(name);
    if (!(s instanceof WindowStoreImpl)) throw new StreamsError(`store ${name} is not a window store`);
    if (s.spec.kind === 'timestampedWindow') return windowFacade(s as WindowStore<K, ValueAndTimestamp<V>>);
    return s as WindowStore<K, V>;
  }

  getTimestampedWindowStore<K, V>(name: string): WindowStore<K, ValueAndTimestamp<V>> {
    const s = this.store(name);
    if (!(s instanceof WindowStoreImpl) || s.spec.kind !== 'timestampedWindow') throw new StreamsError(`store ${name} is not a timestamped window store`);
    return s as WindowStore<K, ValueAndTimestamp<V>>;
  }

  getSessionStore<K, V>(name: string): SessionStore<K, V> {
    const s = this.store(name);
    if (!(s instanceof SessionStoreImpl)) throw new StreamsError(`store ${name} is not a session store`);
    return s as SessionStore<K, V>;
  }

  close(): void {
    for (const t of [...this.tasks, ...this.globalTasks]) t.close(true);
  }
}

export class TestInputTopic<K, V> {
  private nextTimestamp: number;

  /** @internal */
  constructor(
    private readonly driver: TopologyTestDriver,
    readonly topic: string,
    private readonly keySerde: Serde<K> | undefined,
    private readonly valueSerde: Serde<V> | undefined,
    startTimestamp = 0,
    private readonly autoAdvanceMs = 0,
  ) {
    this.nextTimestamp = startTimestamp;
  }

  private bytes<T>(serde: Serde<T> | undefined, data: T | null | undefined): Buffer | null {
    if (data === null || data === undefined) return null;
    if (serde) return serde.serialize(data, this.topic);
    if (Buffer.isBuffer(data)) return data;
    if (typeof data === 'string') return Serdes.String().serialize(data, this.topic);
    throw new StreamsError(`input topic ${this.topic}: give a serde for ${typeof data} values`);
  }

  /** Pipes one record; without a timestamp it gets the topic's current time (then auto-advance). */
  pipeInput(key: K | null, value: V | null, timestamp?: number, headers: Headers = NO_HEADERS): void {
    const ts = timestamp ?? this.nextTimestamp;
    if (timestamp === undefined) this.nextTimestamp += this.autoAdvanceMs;
    this.driver.pipe(this.topic, this.bytes(this.keySerde, key), this.bytes(this.valueSerde, value), ts, headers);
  }

  pipeValue(value: V, timestamp?: number): void {
    this.pipeInput(null, value, timestamp);
  }

  pipeKeyValueList(records: ReadonlyArray<KeyValue<K, V>>, startTimestamp?: number, advanceMs = 0): void {
    let ts = startTimestamp;
    for (const r of records) {
      this.pipeInput(r.key, r.value, ts);
      if (ts !== undefined) ts += advanceMs;
    }
  }

  /** Moves the time given to records piped without one. */
  advanceTime(ms: number): void {
    this.nextTimestamp += ms;
  }
}

export class TestOutputTopic<K, V> {
  /** @internal */
  constructor(
    private readonly driver: TopologyTestDriver,
    readonly topic: string,
    private readonly keySerde: Serde<K> | undefined,
    private readonly valueSerde: Serde<V> | undefined,
  ) {}

  private decode<T>(serde: Serde<T> | undefined, b: Buffer | null): T | null {
    if (b === null) return null;
    if (serde) return serde.deserialize(b, this.topic);
    return b as T;
  }

  readRecord(): TestRecord<K, V> {
    const r = this.driver.take(this.topic);
    if (!r) throw new StreamsError(`Empty topic: ${this.topic}`);
    return { key: this.decode(this.keySerde, r.key), value: this.decode(this.valueSerde, r.value), timestamp: r.timestamp, headers: r.headers };
  }

  readValue(): V | null {
    return this.readRecord().value;
  }

  readKeyValue(): KeyValue<K | null, V | null> {
    const r = this.readRecord();
    return { key: r.key, value: r.value };
  }

  readRecordsToList(): TestRecord<K, V>[] {
    const out: TestRecord<K, V>[] = [];
    while (!this.isEmpty()) out.push(this.readRecord());
    return out;
  }

  readKeyValuesToList(): KeyValue<K | null, V | null>[] {
    return this.readRecordsToList().map((r) => ({ key: r.key, value: r.value }));
  }

  readValuesToList(): (V | null)[] {
    return this.readRecordsToList().map((r) => r.value);
  }

  /** The latest value per key (a null value removes the key), as Java's readKeyValuesToMap. */
  readKeyValuesToMap(): Map<K | null, V | null> {
    const m = new Map<K | null, V | null>();
    for (const r of this.readRecordsToList()) {
      if (r.value === null) m.delete(r.key);
      else m.set(r.key, r.value);
    }
    return m;
  }

  getQueueSize(): number {
    return this.driver.queueSize(this.topic);
  }

  isEmpty(): boolean {
    return this.getQueueSize() === 0;
  }
}
