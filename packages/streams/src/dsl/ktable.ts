// KTable: a changelog stream seen as a table, as Kafka Streams' KTable. Its nodes forward
// Change(new, old) records; old values travel only when a downstream operator asks for them
// (groupBy's subtractor, joins). A table's current value is read through its value getter.
import type { Change } from '../record.js';
import type { Serde } from '../serdes.js';
import type { Windowed } from '../state/api.js';
import { TopologyError } from '../errors.js';
import type { DslContext } from './internal.js';
import type { Grouped, Materialized, Named, TableJoined } from './options.js';
import { toStreamProcessor } from './processors/stateless.js';
import { filterGetter, mapValuesGetter, storeGetter, tableFilterProcessor, tableMapValuesProcessor, tableRepartitionMapProcessor, type OldValues, type ValueGetterSupplier } from './processors/table.js';
import { joinGetter, tableJoinMergeProcessor, tableTableJoinProcessor, type TableJoinKind } from './processors/joins.js';
import { suppressProcessor, bufferedChangeSerde } from './processors/suppress.js';
import { foreignKeyJoin } from './fk-join.js';
import type { Suppressed } from './suppressed.js';
import { KStream } from './kstream.js';
import { KGroupedTable } from './grouped-table.js';
import { keyValue, type KeyValue } from '../record.js';

export class KTable<K, V> {
  /** @internal */
  constructor(
    readonly ctx: DslContext,
    readonly nodeName: string,
    readonly keySerde: Serde<K> | undefined,
    readonly valueSerde: Serde<V> | undefined,
    /** The store holding this table, when it is materialized. */
    readonly storeName: string | null,
    private readonly getter: ValueGetterSupplier<K, V>,
    /** @internal */
    readonly oldValues: OldValues,
    /** @internal windowed tables keep their grace for suppress() */
    readonly windowGraceMs: number | undefined = undefined,
  ) {}

  /** The name interactive queries use (app.store(name)), or null when not materialized. */
  queryableStoreName(): string | null {
    return this.storeName;
  }

  /** @internal */
  valueGetter(): ValueGetterSupplier<K, V> {
    return this.getter;
  }

  /** @internal a downstream operator needs old values */
  enableSendingOldValues(): void {
    this.oldValues.sendOldValues = true;
  }

  private materialize<VR>(m: Materialized<K, VR> | undefined, prefix: string, valueSerde: Serde<VR> | undefined, name: string): string | null {
    if (!m || (m.storeName === undefined && m.storeType === undefined && m.logging === undefined)) return null;
    const spec = this.ctx.storeSpec(m, prefix, 'timestampedKeyValue', m.key ?? this.keySerde, valueSerde);
    this.ctx.topology.addStateStore(spec, name);
    return spec.name;
  }

  filter(predicate: (key: K, value: V) => boolean, materialized?: Materialized<K, V> & Named): KTable<K, V> {
    return this.doFilter(predicate, false, materialized);
  }

  filterNot(predicate: (key: K, value: V) => boolean, materialized?: Materialized<K, V> & Named): KTable<K, V> {
    return this.doFilter(predicate, true, materialized);
  }

  private doFilter(predicate: (key: K, value: V) => boolean, negate: boolean, m: (Materialized<K, V> & Named) | undefined): KTable<K, V> {
    const name = m?.name ?? this.ctx.newProcessorName('KTABLE-FILTER-');
    const old: OldValues = { sendOldValues: false };
    let store: string | null = null;
    this.ctx.topology.addProcessor(name, () => tableFilterProcessor(predicate, negate, store, old), this.nodeName);
    store = this.materialize(m, 'KTABLE-FILTER-', m?.value ?? this.valueSerde, name);
    const getter = store ? storeGetter<K, V>(store) : filterGetter(this.getter, predicate, negate);
    if (!store) for (const s of getter.stores) this.ctx.topology.connectProcessorAndStateStores(name, s);
    return new KTable(this.ctx, name, this.keySerde, this.valueSerde, store, getter, store ? old : chainOldValues(old, this));
  }

  mapValues<VR>(mapper: (value: V, key: K) => VR, materialized?: Materialized<K, VR> & Named): KTable<K, VR> {
    const name = materialized?.name ?? this.ctx.newProcessorName('KTABLE-MAPVALUES-');
    const old: OldValues = { sendOldValues: false };
    let store: string | null = null;
    this.ctx.topology.addProcessor(name, () => tableMapValuesProcessor(mapper, store, old), this.nodeName);
    store = this.materialize(materialized, 'KTABLE-MAPVALUES-', materialized?.value, name);
    const getter = store ? storeGetter<K, VR>(store) : mapValuesGetter(this.getter, mapper);
    if (!store) for (const s of getter.stores) this.ctx.topology.connectProcessorAndStateStores(name, s);
    // Unmaterialized, mapValues computes its old value from the parent's.
    return new KTable(this.ctx, name, this.keySerde, materialized?.value, store, getter, store ? old : chainOldValues(old, this));
  }

  toStream(named?: Named): KStream<K, V | null>;
  toStream<KR>(mapper: (key: K, value: V | null) => KR, named?: Named): KStream<KR, V | null>;
  toStream<KR>(a?: Named | ((key: K, value: V | null) => KR), b?: Named): KStream<K | KR, V | null> {
    const mapper = typeof a === 'function' ? (a as (key: K, value: V | null) => KR) : undefined;
    const named = typeof a === 'function' ? b : a;
    const name = named?.name ?? this.ctx.newProcessorName('KTABLE-TOSTREAM-');
    this.ctx.topology.addProcessor(name, () => toStreamProcessor<K, V, KR>(mapper), this.nodeName);
    return new KStream<K | KR, V | null>(this.ctx, name, mapper ? undefined : this.keySerde, this.valueSerde, mapper !== undefined);
  }

  groupBy<KR, VR>(selector: (key: K, value: V) => KeyValue<KR, VR> | [KR, VR], grouped: Grouped<KR, VR> = {}): KGroupedTable<KR, VR> {
    const name = grouped.name ?? this.ctx.newProcessorName('KTABLE-SELECT-');
    const sel = (k: K, v: V): KeyValue<KR, VR> => {
      const r = selector(k, v);
      return Array.isArray(r) ? keyValue(r[0], r[1]) : r;
    };
    this.ctx.topology.addProcessor(name, () => tableRepartitionMapProcessor(sel), this.nodeName);
    this.enableSendingOldValues();
    return new KGroupedTable<KR, VR>(this.ctx, name, grouped.key, grouped.value, grouped.name);
  }

  suppress(suppressed: Suppressed): KTable<K, V> {
    const name = suppressed.name ?? this.ctx.newProcessorName('KTABLE-SUPPRESS-');
    const storeName = suppressed.name ? `${suppressed.name}-store` : this.ctx.newStoreName('KTABLE-SUPPRESS-');
    if (suppressed.kind === 'untilWindowCloses' && this.windowGraceMs === undefined) throw new TopologyError('suppress(Suppressed.untilWindowCloses()) is for windowed KTables (the result of a windowed aggregation)');
    const grace = this.windowGraceMs ?? 0;
    const valueSerde = this.valueSerde;
    const spec = this.ctx.storeSpecNamed(storeName, { storeType: 'inMemory', caching: false }, 'keyValue', this.keySerde, bufferedChangeSerde, { caching: false });
    this.ctx.topology.addProcessor(name, () => suppressProcessor<K, V>(storeName, suppressed, grace, valueSerde), this.nodeName);
    this.ctx.topology.addStateStore(spec, name);
    return new KTable(this.ctx, name, this.keySerde, this.valueSerde, null, this.getter, { sendOldValues: false }, this.windowGraceMs);
  }

  join<VO, VR>(other: KTable<K, VO>, joiner: (value: V, other: VO, key: K) => VR, materialized?: Materialized<K, VR> & Named): KTable<K, VR> {
    return this.tableJoin(other, 'inner', (l, r, k) => joiner(l as V, r as VO, k), materialized);
  }

  leftJoin<VO, VR>(other: KTable<K, VO>, joiner: (value: V, other: VO | null, key: K) => VR, materialized?: Materialized<K, VR> & Named): KTable<K, VR> {
    return this.tableJoin(other, 'left', (l, r, k) => joiner(l as V, r, k), materialized);
  }

  outerJoin<VO, VR>(other: KTable<K, VO>, joiner: (value: V | null, other: VO | null, key: K) => VR, materialized?: Materialized<K, VR> & Named): KTable<K, VR> {
    return this.tableJoin(other, 'outer', joiner, materialized);
  }

  private tableJoin<VO, VR>(other: KTable<K, VO>, kind: TableJoinKind, joiner: (l: V | null, r: VO | null, key: K) => VR, m: (Materialized<K, VR> & Named) | undefined): KTable<K, VR> {
    const ctx = this.ctx;
    const base = m?.name;
    const merge = base ?? ctx.newProcessorName('KTABLE-MERGE-');
    const prefix = kind === 'inner' ? 'JOIN' : kind === 'left' ? 'LEFT' : 'OUTER';
    const joinThis = base ? `${base}-join-this` : ctx.newProcessorName(`KTABLE-${prefix}THIS-`);
    const joinOther = base ? `${base}-join-other` : ctx.newProcessorName(`KTABLE-${prefix}OTHER-`);
    const old: OldValues = { sendOldValues: false };
    const leftGetter = this.valueGetter();
    const rightGetter = other.valueGetter();
    const t = ctx.topology;
    // The joined row depends on both sides: old values of both are needed when ours are asked.
    t.addProcessor(joinThis, () => tableTableJoinProcessor<K, V, VO, VR>(kind !== 'outer', kind === 'inner', rightGetter, (mine, theirs, k) => joiner(mine, theirs, k), old), this.nodeName);
    t.addProcessor(joinOther, () => tableTableJoinProcessor<K, VO, V, VR>(kind === 'inner', kind !== 'outer', leftGetter, (mine, theirs, k) => joiner(theirs, mine, k), old), other.nodeName);
    for (const s of rightGetter.stores) t.connectProcessorAndStateStores(joinThis, s);
    for (const s of leftGetter.stores) t.connectProcessorAndStateStores(joinOther, s);
    let store: string | null = null;
    t.addProcessor(merge, () => tableJoinMergeProcessor<K, VR>(store, old), joinThis, joinOther);
    store = this.materialize(m, 'KTABLE-MERGE-', m?.value, merge);
    const getter = store ? storeGetter<K, VR>(store) : joinGetter(leftGetter, rightGetter, kind, joiner);
    t.copartitionGroups.push([this.nodeName, other.nodeName]);
    return new KTable<K, VR>(ctx, merge, this.keySerde, m?.value, store, getter, chainOldValues(old, this, other));
  }

  /** Foreign-key join: each row of this table joins the row of `other` its value points to. */
  joinOnForeignKey<KO, VO, VR>(other: KTable<KO, VO>, foreignKey: (value: V) => KO | null, joiner: (value: V, other: VO, key: K) => VR, options: TableJoined<K, KO> & Materialized<K, VR> = {}): KTable<K, VR> {
    return foreignKeyJoin(this, other, foreignKey, (v, o, k) => joiner(v, o as VO, k), false, options);
  }

  leftJoinOnForeignKey<KO, VO, VR>(other: KTable<KO, VO>, foreignKey: (value: V) => KO | null, joiner: (value: V, other: VO | null, key: K) => VR, options: TableJoined<K, KO> & Materialized<K, VR> = {}): KTable<K, VR> {
    return foreignKeyJoin(this, other, foreignKey, joiner, true, options);
  }
}

/** Old values of a derived table come from its parents: asking for them asks the parents. */
function chainOldValues(own: OldValues, ...parents: { enableSendingOldValues(): void }[]): OldValues {
  return {
    get sendOldValues() {
      return own.sendOldValues;
    },
    set sendOldValues(v: boolean) {
      own.sendOldValues = v;
      if (v) for (const p of parents) p.enableSendingOldValues();
    },
  };
}

/** The type of a windowed aggregation's result table. */
export type WindowedKTable<K, V> = KTable<Windowed<K>, V>;

export type { Change };
