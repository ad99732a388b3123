// KGroupedTable (KTable.groupBy): re-keyed changes go through `<store or Grouped name>-repartition`
// (values in Java's Change format) to an aggregation that subtracts a row's old value from its
// old group and adds its new value to its new group.
import type { Serde } from '../serdes.js';
import { Serdes } from '../serdes.js';
import type { Change } from '../record.js';
import type { DslContext } from './internal.js';
import type { Materialized, Named } from './options.js';
import { changeSerde } from './change-serde.js';
import { storeGetter, tableAggregateProcessor, type OldValues } from './processors/table.js';
import { KTable } from './ktable.js';
import { wrapSerde } from '../serde-fallback.js';

export class KGroupedTable<K, V> {
  /** @internal */
  constructor(
    private readonly ctx: DslContext,
    private readonly selectNode: string,
    private readonly keySerde: Serde<K> | undefined,
    private readonly valueSerde: Serde<V> | undefined,
    private readonly groupedName: string | undefined,
  ) {}

  private build<VA>(prefix: string, first: (key: K, value: V) => VA, adder: (key: K, value: V, agg: VA) => VA, subtractor: (key: K, value: V, agg: VA) => VA, m: (Materialized<K, VA> & Named) | undefined, valueSerde: Serde<VA> | undefined): KTable<K, VA> {
    const ctx = this.ctx;
    const storeName = m?.storeName ?? ctx.newStoreName(prefix);
    const sinkName = ctx.newProcessorName('KSTREAM-SINK-');
    const sourceName = ctx.newProcessorName('KSTREAM-SOURCE-');
    const fn = m?.name ?? ctx.newProcessorName(prefix);
    const topic = `${this.groupedName ?? storeName}-repartition`;
    const vs = wrapSerde<V, Change<V>>(this.valueSerde, 'value', changeSerde, `repartition topic ${topic}`);
    const t = ctx.topology;
    t.addSinkNode(sinkName, topic, { keySerde: this.keySerde, valueSerde: vs }, [this.selectNode], true);
    t.addSource(sourceName, topic, { keySerde: this.keySerde, valueSerde: vs }, true);
    t.repartitionTopics.set(topic, { name: topic, partitions: undefined });
    const old: OldValues = { sendOldValues: false };
    t.addProcessor(fn, () => tableAggregateProcessor<K, V, VA>(storeName, first, adder, subtractor, old), sourceName);
    t.addStateStore(ctx.storeSpecNamed(storeName, m, 'timestampedKeyValue', m?.key ?? this.keySerde, valueSerde), fn);
    return new KTable<K, VA>(ctx, fn, m?.key ?? this.keySerde, valueSerde, storeName, storeGetter<K, VA>(storeName), old);
  }

  count(materialized?: Materialized<K, number> & Named): KTable<K, number> {
    return this.build<number>('KTABLE-AGGREGATE-', () => 1, (_k, _v, n) => n + 1, (_k, _v, n) => n - 1, materialized, materialized?.value ?? Serdes.Long());
  }

  reduce(adder: (aggregate: V, value: V) => V, subtractor: (aggregate: V, value: V) => V, materialized?: Materialized<K, V> & Named): KTable<K, V> {
    return this.build<V>('KTABLE-REDUCE-', (_k, v) => v, (_k, v, agg) => adder(agg, v), (_k, v, agg) => subtractor(agg, v), materialized, materialized?.value ?? this.valueSerde);
  }

  aggregate<VA>(initializer: () => VA, adder: (key: K, value: V, aggregate: VA) => VA, subtractor: (key: K, value: V, aggregate: VA) => VA, materialized?: Materialized<K, VA> & Named): KTable<K, VA> {
    return this.build<VA>('KTABLE-AGGREGATE-', (k, v) => adder(k, v, initializer()), adder, subtractor, materialized, materialized?.value);
  }
}
