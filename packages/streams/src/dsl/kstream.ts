// KStream: a record stream, as Kafka Streams' KStream. Each operator adds a processor to the
// topology (named as Java names it) and returns the stream after it. Operators that change the
// key mark the stream for repartitioning; the next grouping or join inserts a repartition topic.
import type { FixedKeyProcessor, Processor, ProcessorSupplier } from '../processor/api.js';
import { keyValue, type KeyValue } from '../record.js';
import type { Serde } from '../serdes.js';
import { TopologyError } from '../errors.js';
import type { TopicNameExtractor } from '../topology/topology.js';
import type { DslContext } from './internal.js';
import type { Branched, Consumed, Grouped, Joined, Materialized, Named, Produced, Repartitioned, StreamJoined } from './options.js';
import { addRepartition } from './repartition.js';
import { branchProcessor, filterProcessor, flatMapProcessor, flatMapValuesProcessor, mapProcessor, mapValuesProcessor, passThroughProcessor, peekProcessor, selectKeyProcessor } from './processors/stateless.js';
import { asyncFlatMapValuesProcessor, asyncMapValuesProcessor } from './processors/async.js';
import { joinWindowProcessor, leftOrRightSerde, outerKeySerde, streamStreamJoinProcessor, streamTableJoinProcessor, type LeftOrRight } from './processors/joins.js';
import { storeGetter, tableSourceProcessor, type OldValues } from './processors/table.js';
import { JoinWindows } from './windows.js';
import { KGroupedStream } from './grouped-stream.js';
import { KTable } from './ktable.js';
import { GlobalKTable } from './global-ktable.js';
import { DeferredSerde, wrapSerde } from '../serde-fallback.js';

export class KStream<K, V> {
  /** @internal */
  constructor(
    readonly ctx: DslContext,
    readonly nodeName: string,
    readonly keySerde: Serde<K> | undefined,
    readonly valueSerde: Serde<V> | undefined,
    readonly repartitionRequired: boolean,
  ) {}

  private add<KR, VR>(prefix: string, named: Named | undefined, supplier: ProcessorSupplier<K, V, KR, VR>, keySerde: Serde<KR> | undefined, valueSerde: Serde<VR> | undefined, repartition: boolean): KStream<KR, VR> {
    const name = named?.name ?? this.ctx.newProcessorName(prefix);
    this.ctx.topology.addProcessor(name, supplier, this.nodeName);
    return new KStream(this.ctx, name, keySerde, valueSerde, repartition);
  }

  filter(predicate: (key: K, value: V) => boolean, named?: Named): KStream<K, V> {
    return this.add('KSTREAM-FILTER-', named, () => filterProcessor(predicate, false), this.keySerde, this.valueSerde, this.repartitionRequired);
  }

  filterNot(predicate: (key: K, value: V) => boolean, named?: Named): KStream<K, V> {
    return this.add('KSTREAM-FILTER-', named, () => filterProcessor(predicate, true), this.keySerde, this.valueSerde, this.repartitionRequired);
  }

  map<KR, VR>(mapper: (key: K, value: V) => KeyValue<KR, VR> | [KR, VR], named?: Named): KStream<KR, VR> {
    const m = (k: K, v: V): KeyValue<KR, VR> => {
      const r = mapper(k, v);
      return Array.isArray(r) ? keyValue(r[0], r[1]) : r;
    };
    return this.add<KR, VR>('KSTREAM-MAP-', named, () => mapProcessor(m), undefined, undefined, true);
  }

  mapValues<VR>(mapper: (value: V, key: K) => VR, named?: Named): KStream<K, VR> {
    return this.add<K, VR>('KSTREAM-MAPVALUES-', named, () => mapValuesProcessor(mapper), this.keySerde, undefined, this.repartitionRequired);
  }

  flatMap<KR, VR>(mapper: (key: K, value: V) => Iterable<KeyValue<KR, VR> | [KR, VR]>, named?: Named): KStream<KR, VR> {
    const m = function* (k: K, v: V): Iterable<KeyValue<KR, VR>> {
      for (const r of mapper(k, v)) yield Array.isArray(r) ? keyValue(r[0], r[1]) : r;
    };
    return this.add<KR, VR>('KSTREAM-FLATMAP-', named, () => flatMapProcessor(m), undefined, undefined, true);
  }

  flatMapValues<VR>(mapper: (value: V, key: K) => Iterable<VR>, named?: Named): KStream<K, VR> {
    return this.add<K, VR>('KSTREAM-FLATMAPVALUES-', named, () => flatMapValuesProcessor(mapper), this.keySerde, undefined, this.repartitionRequired);
  }

  /** Like mapValues with an async function: concurrent across keys, in order per key. */
  mapValuesAsync<VR>(mapper: (value: V, key: K) => Promise<VR>, named?: Named): KStream<K, VR> {
    return this.add<K, VR>('KSTREAM-MAPVALUES-', named, () => asyncMapValuesProcessor(mapper), this.keySerde, undefined, this.repartitionRequired);
  }

  flatMapValuesAsync<VR>(mapper: (value: V, key: K) => Promise<Iterable<VR>>, named?: Named): KStream<K, VR> {
    return this.add<K, VR>('KSTREAM-FLATMAPVALUES-', named, () => asyncFlatMapValuesProcessor(mapper), this.keySerde, undefined, this.repartitionRequired);
  }

  selectKey<KR>(selector: (key: K, value: V) => KR, named?: Named): KStream<KR, V> {
    return this.add<KR, V>('KSTREAM-KEY-SELECT-', named, () => selectKeyProcessor(selector), undefined, this.valueSerde, true);
  }

  peek(action: (key: K, value: V) => void, named?: Named): KStream<K, V> {
    return this.add('KSTREAM-PEEK-', named, () => peekProcessor(action, true), this.keySerde, this.valueSerde, this.repartitionRequired);
  }

  foreach(action: (key: K, value: V) => void, named?: Named): void {
    this.add('KSTREAM-FOREACH-', named, () => peekProcessor(action, false), this.keySerde, this.valueSerde, this.repartitionRequired);
  }

  /** Prints each record as `[label]: key, value` (Kafka Streams' Printed.toSysOut()). */
  print(label = this.nodeName, named?: Named): void {
    this.add('KSTREAM-PRINTER-', named, () => peekProcessor((k: K, v: V) => console.log(`[${label}]: ${String(k)}, ${String(v)}`), false), this.keySerde, this.valueSerde, this.repartitionRequired);
  }

  /** Splits the stream by predicates; each record goes to the first branch it matches. */
  split(named?: Named): BranchedKStream<K, V> {
    const name = named?.name ?? this.ctx.newProcessorName('KSTREAM-BRANCH-');
    return new BranchedKStream(this, name);
  }

  merge(other: KStream<K, V>, named?: Named): KStream<K, V> {
    const name = named?.name ?? this.ctx.newProcessorName('KSTREAM-MERGE-');
    this.ctx.topology.addProcessor(name, passThroughProcessor, this.nodeName, other.nodeName);
    return new KStream(this.ctx, name, this.keySerde, this.valueSerde, this.repartitionRequired || other.repartitionRequired);
  }

  /** Writes the stream to an internal `<applicationId>-<name>-repartition` topic and reads it back. */
  repartition(options: Repartitioned<K, V> = {}): KStream<K, V> {
    const keySerde = options.key ?? this.keySerde;
    const valueSerde = options.value ?? this.valueSerde;
    const prefix = options.name ?? this.ctx.newProcessorName('KSTREAM-REPARTITION-');
    const { source } = addRepartition(this.ctx, this.nodeName, prefix, { keySerde, valueSerde, partitions: options.partitions, partitioner: options.partitioner });
    return new KStream(this.ctx, source, keySerde, valueSerde, false);
  }

  to(topic: string | TopicNameExtractor<K, V>, produced: Produced<K, V> = {}): void {
    const name = produced.name ?? this.ctx.newProcessorName('KSTREAM-SINK-');
    this.ctx.topology.addSinkNode<K, V>(name, topic, { keySerde: produced.key ?? this.keySerde, valueSerde: produced.value ?? this.valueSerde, partitioner: produced.partitioner }, [this.nodeName], false);
  }

  /** to(topic) then stream(topic) (removed from Java's API in 4.0; kept here for convenience). */
  through(topic: string, produced: Produced<K, V> = {}): KStream<K, V> {
    this.to(topic, produced);
    const consumed: Consumed<K, V> = {};
    const ks = produced.key ?? this.keySerde;
    const vs = produced.value ?? this.valueSerde;
    if (ks) consumed.key = ks;
    if (vs) consumed.value = vs;
    const name = this.ctx.newProcessorName('KSTREAM-SOURCE-');
    this.ctx.topology.addSource(name, topic, { keySerde: consumed.key, valueSerde: consumed.value });
    return new KStream(this.ctx, name, consumed.key, consumed.value, false);
  }

  toTable(materialized: Materialized<K, V> & Named = {}): KTable<K, V> {
    const name = materialized.name ?? this.ctx.newProcessorName('KSTREAM-TOTABLE-');
    const spec = this.ctx.storeSpec(materialized, 'KSTREAM-TOTABLE-', 'timestampedKeyValue', materialized.key ?? this.keySerde, materialized.value ?? this.valueSerde);
    let parent = this.nodeName;
    if (this.repartitionRequired) parent = addRepartition(this.ctx, this.nodeName, `${name}-repartition`.replace(/-repartition$/, ''), { keySerde: materialized.key ?? this.keySerde, valueSerde: materialized.value ?? this.valueSerde }).source;
    const old: OldValues = { sendOldValues: false };
    this.ctx.topology.addProcessor(name, () => tableSourceProcessor<K, V>(spec.name, old), parent);
    this.ctx.topology.addStateStore(spec, name);
    return new KTable<K, V>(this.ctx, name, materialized.key ?? this.keySerde, materialized.value ?? this.valueSerde, spec.name, storeGetter<K, V>(spec.name), old);
  }

  groupByKey(grouped: Grouped<K, V> = {}): KGroupedStream<K, V> {
    return new KGroupedStream(this, grouped.key ?? this.keySerde, grouped.value ?? this.valueSerde, grouped.name, this.repartitionRequired);
  }

  groupBy<KR>(selector: (key: K, value: V) => KR, grouped: Grouped<KR, V> = {}): KGroupedStream<KR, V> {
    const name = grouped.name ?? this.ctx.newProcessorName('KSTREAM-KEY-SELECT-');
    this.ctx.topology.addProcessor(name, () => selectKeyProcessor(selector), this.nodeName);
    const selected = new KStream<KR, V>(this.ctx, name, grouped.key, grouped.value ?? this.valueSerde, true);
    return new KGroupedStream(selected, grouped.key, grouped.value ?? this.valueSerde, grouped.name, true);
  }

  /** Repartitions this stream for a join unless its key is where it came from. */
  private forJoin(prefix: string, keySerde: Serde<K> | undefined, valueSerde: Serde<V> | undefined): KStream<K, V> {
    if (!this.repartitionRequired) return this;
    const { source } = addRepartition(this.ctx, this.nodeName, prefix, { keySerde, valueSerde });
    return new KStream(this.ctx, source, keySerde, valueSerde, false);
  }

  join<VO, VR>(other: KStream<K, VO>, joiner: (value: V, other: VO, key: K) => VR, windows: JoinWindows, options?: StreamJoined<K, V, VO>): KStream<K, VR>;
  join<VT, VR>(table: KTable<K, VT>, joiner: (value: V, tableValue: VT, key: K) => VR, options?: Joined<K, V, VT>): KStream<K, VR>;
  join<KG, VG, VR>(table: GlobalKTable<KG, VG>, keySelector: (key: K, value: V) => KG, joiner: (value: V, tableValue: VG, key: K) => VR, named?: Named): KStream<K, VR>;
  join(other: KStream<K, unknown> | KTable<K, unknown> | GlobalKTable<unknown, unknown>, a: (...args: never[]) => unknown, b?: unknown, c?: unknown): KStream<K, unknown> {
    return this.dispatchJoin('inner', other, a, b, c);
  }

  leftJoin<VO, VR>(other: KStream<K, VO>, joiner: (value: V, other: VO | null, key: K) => VR, windows: JoinWindows, options?: StreamJoined<K, V, VO>): KStream<K, VR>;
  leftJoin<VT, VR>(table: KTable<K, VT>, joiner: (value: V, tableValue: VT | null, key: K) => VR, options?: Joined<K, V, VT>): KStream<K, VR>;
  leftJoin<KG, VG, VR>(table: GlobalKTable<KG, VG>, keySelector: (key: K, value: V) => KG, joiner: (value: V, tableValue: VG | null, key: K) => VR, named?: Named): KStream<K, VR>;
  leftJoin(other: KStream<K, unknown> | KTable<K, unknown> | GlobalKTable<unknown, unknown>, a: (...args: never[]) => unknown, b?: unknown, c?: unknown): KStream<K, unknown> {
    return this.dispatchJoin('left', other, a, b, c);
  }

  outerJoin<VO, VR>(other: KStream<K, VO>, joiner: (value: V | null, other: VO | null, key: K) => VR, windows: JoinWindows, options?: StreamJoined<K, V, VO>): KStream<K, VR> {
    return this.streamJoin(other, joiner, windows, options ?? {}, 'outer');
  }

  private dispatchJoin(kind: 'inner' | 'left', other: KStream<K, unknown> | KTable<K, unknown> | GlobalKTable<unknown, unknown>, a: (...args: never[]) => unknown, b: unknown, c: unknown): KStream<K, unknown> {
    const fn = a as (x: unknown, y: unknown, z: unknown) => unknown;
    if (other instanceof KStream) {
      if (!(b instanceof JoinWindows)) throw new TopologyError('a stream-stream join needs JoinWindows');
      return this.streamJoin(other, fn, b, (c ?? {}) as StreamJoined<K, V, unknown>, kind);
    }
    if (other instanceof KTable) return this.tableJoin(other, fn, (b ?? {}) as Joined<K, V, unknown>, kind === 'left');
    if (typeof b !== 'function') throw new TopologyError('a global table join needs a key selector and a joiner');
    return this.globalJoin(other, fn as (k: K, v: V) => unknown, b as (x: unknown, y: unknown, z: unknown) => unknown, (c ?? {}) as Named, kind === 'left');
  }

  private streamJoin<VO, VR>(otherIn: KStream<K, VO>, joiner: (value: V, other: VO, key: K) => VR, windows: JoinWindows, options: StreamJoined<K, V, VO>, kind: 'inner' | 'left' | 'outer'): KStream<K, VR> {
    const named = options.name;
    const keySerde = options.key ?? this.keySerde ?? otherIn.keySerde;
    const thisSerde = options.value ?? this.valueSerde;
    const otherSerde = options.otherValue ?? otherIn.valueSerde;
    const left = this.forJoin(named ? `${named}-left` : this.nodeName, keySerde, thisSerde);
    const right = otherIn.forJoin(named ? `${named}-right` : otherIn.nodeName, keySerde, otherSerde);
    const ctx = this.ctx;
    const thisWindowed = named ? `${named}-this-windowed` : ctx.newProcessorName('KSTREAM-WINDOWED-');
    const otherWindowed = named ? `${named}-other-windowed` : ctx.newProcessorName('KSTREAM-WINDOWED-');
    const thisGen = ctx.newProcessorName(kind === 'outer' ? 'KSTREAM-OUTERTHIS-' : 'KSTREAM-JOINTHIS-');
    const otherGen = ctx.newProcessorName(kind !== 'inner' ? 'KSTREAM-OUTEROTHER-' : 'KSTREAM-JOINOTHER-');
    const joinThis = named ? `${named}-this-join` : thisGen;
    const joinOther = named ? `${named}-other-join` : otherGen;
    const merge = named ? `${named}-merge` : ctx.newProcessorName('KSTREAM-MERGE-');
    const base = options.storeName;
    const retention = windows.retentionMs();
    const size = windows.sizeMs();
    const storeOpts: Materialized<K, unknown> = { ...(options.storeType ? { storeType: options.storeType } : {}), ...(options.logging !== undefined ? { logging: options.logging } : {}), caching: false, retentionMs: retention };
    const thisStore = ctx.storeSpecNamed(base ? `${base}-this-join-store` : `${thisGen}-store`, storeOpts, 'window', keySerde, thisSerde, { windowSizeMs: size, retainDuplicates: true, caching: false });
    const otherStore = ctx.storeSpecNamed(base ? `${base}-other-join-store` : `${otherGen}-store`, storeOpts, 'window', keySerde, otherSerde, { windowSizeMs: size, retainDuplicates: true, caching: false });
    let outerStoreName: string | null = null;
    const t = ctx.topology;
    t.addProcessor(thisWindowed, () => joinWindowProcessor<K, V>(thisStore.name), left.nodeName);
    t.addProcessor(otherWindowed, () => joinWindowProcessor<K, VO>(otherStore.name), right.nodeName);
    if (kind !== 'inner') {
      const name = base ? `${base}-outer-shared-join-store` : `${ctx.newProcessorName('KSTREAM-OUTERSHARED-')}-store`;
      const ks = wrapSerde(keySerde, 'key', (s) => outerKeySerde(s), `store ${name}`);
      const vs = thisSerde && otherSerde ? leftOrRightSerde(thisSerde, otherSerde) : new DeferredSerde<LeftOrRight<V, VO>>('value', (d) => leftOrRightSerde((thisSerde ?? d) as Serde<V>, (otherSerde ?? d) as Serde<VO>), `store ${name}`);
      const outer = ctx.storeSpecNamed(name, { ...storeOpts, caching: false }, 'keyValue', ks, vs, { caching: false });
      t.addStateStore(outer);
      outerStoreName = outer.name;
    }
    const common = { joinName: joinThis, outerStore: outerStoreName, beforeMs: windows.beforeMs, afterMs: windows.afterMs, graceMs: windows.graceMs };
    t.addProcessor(
      joinThis,
      () =>
        streamStreamJoinProcessor<K, V, VO, V, VO, VR>({
          ...common,
          isLeft: true,
          otherStore: otherStore.name,
          outer: kind !== 'inner',
          combine: (mine, theirs, key) => joiner(mine, theirs as VO, key),
          wrap: (mine) => ({ left: mine, right: null }),
          unmatched: (s, key) => joiner(s.left as V, s.right as VO, key),
        }),
      thisWindowed,
    );
    t.addProcessor(
      joinOther,
      () =>
        streamStreamJoinProcessor<K, VO, V, V, VO, VR>({
          ...common,
          isLeft: false,
          otherStore: thisStore.name,
          outer: kind === 'outer',
          combine: (mine, theirs, key) => joiner(theirs as V, mine, key),
          wrap: (mine) => ({ left: null, right: mine }),
          unmatched: (s, key) => joiner(s.left as V, s.right as VO, key),
        }),
      otherWindowed,
    );
    t.addStateStore(thisStore, thisWindowed, joinOther);
    t.addStateStore(otherStore, otherWindowed, joinThis);
    if (outerStoreName) t.connectProcessorAndStateStores(outerStoreName, joinThis, joinOther);
    t.addProcessor(merge, passThroughProcessor, joinThis, joinOther);
    t.copartitionGroups.push([left.nodeName, right.nodeName]);
    return new KStream<K, VR>(ctx, merge, keySerde, undefined, false);
  }

  private tableJoin<VT, VR>(table: KTable<K, VT>, joiner: (value: V, tableValue: VT | null, key: K) => VR, options: Joined<K, V, VT>, left: boolean): KStream<K, VR> {
    const me = this.forJoin(options.name ?? this.nodeName, options.key ?? this.keySerde, options.value ?? this.valueSerde);
    const name = options.name ?? this.ctx.newProcessorName(left ? 'KSTREAM-LEFTJOIN-' : 'KSTREAM-JOIN-');
    const getter = table.valueGetter();
    this.ctx.topology.addProcessor(name, () => streamTableJoinProcessor<K, V, K, VT, VR>(getter, (k) => k, joiner, left), me.nodeName);
    for (const s of getter.stores) this.ctx.topology.connectProcessorAndStateStores(name, s);
    this.ctx.topology.copartitionGroups.push([me.nodeName, table.nodeName]);
    return new KStream<K, VR>(this.ctx, name, this.keySerde, undefined, false);
  }

  private globalJoin<KG, VG, VR>(table: GlobalKTable<KG, VG>, keySelector: (key: K, value: V) => KG, joiner: (value: V, tableValue: VG | null, key: K) => VR, named: Named, left: boolean): KStream<K, VR> {
    const name = named.name ?? this.ctx.newProcessorName(left ? 'KSTREAM-LEFTJOIN-' : 'KSTREAM-JOIN-');
    const getter = storeGetter<KG, VG>(table.storeName);
    this.ctx.topology.addProcessor(name, () => streamTableJoinProcessor<K, V, KG, VG, VR>(getter, keySelector, joiner, left), this.nodeName);
    this.ctx.topology.connectProcessorAndStateStores(name, table.storeName);
    return new KStream<K, VR>(this.ctx, name, this.keySerde, undefined, this.repartitionRequired);
  }

  /** A Processor API processor in the stream (stores named must be added to the builder). */
  process<KR, VR>(supplier: ProcessorSupplier<K, V, KR, VR>, ...stores: string[]): KStream<KR, VR> {
    const name = this.ctx.newProcessorName('KSTREAM-PROCESSOR-');
    this.ctx.topology.addProcessor(name, supplier, this.nodeName);
    for (const s of stores) this.ctx.topology.connectProcessorAndStateStores(name, s);
    return new KStream<KR, VR>(this.ctx, name, undefined, undefined, true);
  }

  /** A processor that keeps the key: the stream is not marked for repartitioning. */
  processValues<VR>(supplier: () => FixedKeyProcessor<K, V, VR>, ...stores: string[]): KStream<K, VR> {
    const name = this.ctx.newProcessorName('KSTREAM-PROCESSVALUES-');
    const wrapped = (): Processor<K, V, K, VR> => supplier();
    this.ctx.topology.addProcessor(name, wrapped, this.nodeName);
    for (const s of stores) this.ctx.topology.connectProcessorAndStateStores(name, s);
    return new KStream<K, VR>(this.ctx, name, this.keySerde, undefined, this.repartitionRequired);
  }
}

/** split(): branches added in order; the result maps branch names to streams. */
export class BranchedKStream<K, V> {
  private readonly predicates: (((key: K, value: V) => boolean) | null)[] = [];
  private readonly branches: { name: string; branched: Branched<KStream<K, V>> }[] = [];
  private done = false;

  /** @internal */
  constructor(
    private readonly stream: KStream<K, V>,
    private readonly name: string,
  ) {}

  branch(predicate: (key: K, value: V) => boolean, branched: Branched<KStream<K, V>> = {}): this {
    if (this.done) throw new TopologyError('split() is finished: no branch can be added after defaultBranch()/noDefaultBranch()');
    this.predicates.push(predicate);
    this.branches.push({ name: this.name + (branched.name ?? String(this.predicates.length)), branched });
    return this;
  }

  defaultBranch(branched: Branched<KStream<K, V>> = {}): Record<string, KStream<K, V>> {
    this.predicates.push(null);
    this.branches.push({ name: this.name + (branched.name ?? '0'), branched });
    return this.finish();
  }

  noDefaultBranch(): Record<string, KStream<K, V>> {
    return this.finish();
  }

  private finish(): Record<string, KStream<K, V>> {
    this.done = true;
    const s = this.stream;
    const names = this.branches.map((b) => b.name);
    const predicates = [...this.predicates];
    s.ctx.topology.addProcessor(this.name, () => branchProcessor<K, V>(predicates, () => names), s.nodeName);
    const out: Record<string, KStream<K, V>> = {};
    for (const b of this.branches) {
      s.ctx.topology.addProcessor(b.name, passThroughProcessor, this.name);
      let branch = new KStream<K, V>(s.ctx, b.name, s.keySerde, s.valueSerde, s.repartitionRequired);
      if (b.branched.withFunction) {
        const r = b.branched.withFunction(branch);
        if (r) branch = r;
      }
      out[b.name] = branch;
    }
    return out;
  }
}
