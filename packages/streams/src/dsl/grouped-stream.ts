// KGroupedStream and its windowed forms (TimeWindowedKStream for time and sliding windows,
// SessionWindowedKStream): aggregations that materialize a store and return a KTable. When the
// grouping changed the key, the records first go through `<store or Grouped name>-repartition`.
import type { Serde } from '../serdes.js';
import { Serdes } from '../serdes.js';
import type { ProcessorSupplier } from '../processor/api.js';
import type { Change } from '../record.js';
import type { Windowed } from '../state/api.js';
import type { StoreKind, StoreSpec } from '../state/spec.js';
import type { Materialized, Named } from './options.js';
import { addRepartition } from './repartition.js';
import { streamAggregateProcessor } from './processors/aggregate.js';
import { storeGetter, type OldValues, type ValueGetterSupplier } from './processors/table.js';
import { sessionWindowAggregateProcessor, slidingWindowAggregateProcessor, timeWindowAggregateProcessor } from './processors/windowed.js';
import { SessionWindows, SlidingWindows, TimeWindows } from './windows.js';
import { windowedSerdeOf } from './windowed-serdes.js';
import { KTable } from './ktable.js';
import type { KStream } from './kstream.js';

type Agg<K, V, VA> = (key: K, value: V, aggregate: VA) => VA;

interface BuildSpec<K, V, KT, VA> {
  prefix: string;
  materialized: (Materialized<KT, VA> & Named) | undefined;
  kind: StoreKind;
  valueSerde: Serde<VA> | undefined;
  /** The store's key serde (the inner key's for windowed stores). */
  storeKeySerde?: Serde<unknown> | undefined;
  extra: Partial<StoreSpec>;
  supplier: (store: string, old: OldValues) => ProcessorSupplier<K, V, KT, Change<VA>>;
  resultKeySerde: Serde<KT> | undefined;
  getter: (store: string) => ValueGetterSupplier<KT, VA>;
  graceMs?: number;
}

export class KGroupedStream<K, V> {
  /** @internal */
  constructor(
    readonly stream: KStream<K, V>,
    readonly keySerde: Serde<K> | undefined,
    readonly valueSerde: Serde<V> | undefined,
    readonly groupedName: string | undefined,
    readonly repartitionRequired: boolean,
  ) {}

  /** @internal */
  build<KT, VA>(b: BuildSpec<K, V, KT, VA>): KTable<KT, VA> {
    const ctx = this.stream.ctx;
    const m = b.materialized;
    const storeName = m?.storeName ?? ctx.newStoreName(b.prefix);
    const fn = m?.name ?? ctx.newProcessorName(b.prefix);
    let parent = this.stream.nodeName;
    if (this.repartitionRequired) parent = addRepartition(ctx, parent, this.groupedName ?? storeName, { keySerde: this.keySerde, valueSerde: this.valueSerde }).source;
    const spec = ctx.storeSpecNamed(storeName, m, b.kind, b.storeKeySerde ?? this.keySerde, b.valueSerde, b.extra);
    const old: OldValues = { sendOldValues: false };
    ctx.topology.addProcessor(fn, b.supplier(storeName, old), parent);
    ctx.topology.addStateStore(spec, fn);
    return new KTable<KT, VA>(ctx, fn, b.resultKeySerde, b.valueSerde, storeName, b.getter(storeName), old, b.graceMs);
  }

  count(materialized?: Materialized<K, number> & Named): KTable<K, number> {
    return this.aggregateWith<number>('KSTREAM-AGGREGATE-', () => 0, (_k, _v, n) => n + 1, materialized, materialized?.value ?? Serdes.Long());
  }

  reduce(reducer: (aggregate: V, value: V) => V, materialized?: Materialized<K, V> & Named): KTable<K, V> {
    return this.build<K, V>({
      prefix: 'KSTREAM-REDUCE-',
      materialized,
      kind: 'timestampedKeyValue',
      valueSerde: materialized?.value ?? this.valueSerde,
      storeKeySerde: materialized?.key,
      extra: {},
      supplier: (store, old) => () => streamAggregateProcessor<K, V, V>(store, (_k, v) => v, (_k, v, agg) => reducer(agg, v), old),
      resultKeySerde: materialized?.key ?? this.keySerde,
      getter: (s) => storeGetter<K, V>(s),
    });
  }

  aggregate<VA>(initializer: () => VA, aggregator: Agg<K, V, VA>, materialized?: Materialized<K, VA> & Named): KTable<K, VA> {
    return this.aggregateWith('KSTREAM-AGGREGATE-', initializer, aggregator, materialized, materialized?.value);
  }

  private aggregateWith<VA>(prefix: string, initializer: () => VA, aggregator: Agg<K, V, VA>, materialized: (Materialized<K, VA> & Named) | undefined, valueSerde: Serde<VA> | undefined): KTable<K, VA> {
    return this.build<K, VA>({
      prefix,
      materialized,
      kind: 'timestampedKeyValue',
      valueSerde,
      storeKeySerde: materialized?.key,
      extra: {},
      supplier: (store, old) => () => streamAggregateProcessor<K, V, VA>(store, (k, v) => aggregator(k, v, initializer()), aggregator, old),
      resultKeySerde: materialized?.key ?? this.keySerde,
      getter: (s) => storeGetter<K, VA>(s),
    });
  }

  windowedBy(windows: TimeWindows | SlidingWindows): TimeWindowedKStream<K, V>;
  windowedBy(windows: SessionWindows): SessionWindowedKStream<K, V>;
  windowedBy(windows: TimeWindows | SlidingWindows | SessionWindows): TimeWindowedKStream<K, V> | SessionWindowedKStream<K, V> {
    if (windows instanceof SessionWindows) return new SessionWindowedKStream(this, windows);
    return new TimeWindowedKStream(this, windows);
  }
}

export class TimeWindowedKStream<K, V> {
  /** @internal */
  constructor(
    private readonly grouped: KGroupedStream<K, V>,
    private readonly windows: TimeWindows | SlidingWindows,
  ) {}

  count(materialized?: Materialized<K, number> & Named): KTable<Windowed<K>, number> {
    return this.aggregateWith('KSTREAM-AGGREGATE-', () => 0, (_k, _v, n) => n + 1, materialized, materialized?.value ?? Serdes.Long());
  }

  reduce(reducer: (aggregate: V, value: V) => V, materialized?: Materialized<K, V> & Named): KTable<Windowed<K>, V> {
    // A reduce is an aggregate whose first value is the value itself.
    return this.aggregateWith<V | null>('KSTREAM-REDUCE-', () => null, (_k, v, agg) => (agg === null ? v : reducer(agg, v)), materialized as (Materialized<K, V | null> & Named) | undefined, materialized?.value ?? this.grouped.valueSerde) as KTable<Windowed<K>, V>;
  }

  aggregate<VA>(initializer: () => VA, aggregator: Agg<K, V, VA>, materialized?: Materialized<K, VA> & Named): KTable<Windowed<K>, VA> {
    return this.aggregateWith('KSTREAM-AGGREGATE-', initializer, aggregator, materialized, materialized?.value);
  }

  private aggregateWith<VA>(prefix: string, initializer: () => VA, aggregator: Agg<K, V, VA>, materialized: (Materialized<K, VA> & Named) | undefined, valueSerde: Serde<VA> | undefined): KTable<Windowed<K>, VA> {
    const w = this.windows;
    const sliding = w instanceof SlidingWindows;
    const size = sliding ? w.timeDifferenceMs : w.sizeMs;
    const retention = materialized?.retentionMs ?? w.retentionMs();
    return this.grouped.build<Windowed<K>, VA>({
      prefix,
      materialized: materialized as (Materialized<Windowed<K>, VA> & Named) | undefined,
      kind: 'timestampedWindow',
      valueSerde,
      storeKeySerde: materialized?.key,
      extra: { windowSizeMs: size, retentionMs: retention },
      supplier: (store, old) => () => (sliding ? slidingWindowAggregateProcessor<K, V, VA>(store, w, initializer, aggregator, old) : timeWindowAggregateProcessor<K, V, VA>(store, w, initializer, aggregator, old)),
      resultKeySerde: windowedSerdeOf(materialized?.key ?? this.grouped.keySerde, false, sliding ? size : size),
      getter: (s) => windowGetter<K, VA>(s),
      graceMs: w.graceMs,
    });
  }
}

export class SessionWindowedKStream<K, V> {
  /** @internal */
  constructor(
    private readonly grouped: KGroupedStream<K, V>,
    private readonly windows: SessionWindows,
  ) {}

  count(materialized?: Materialized<K, number> & Named): KTable<Windowed<K>, number> {
    return this.aggregate(() => 0, (_k, _v, n) => n + 1, (_k, a, b) => a + b, { ...materialized, value: materialized?.value ?? Serdes.Long() });
  }

  reduce(reducer: (aggregate: V, value: V) => V, materialized?: Materialized<K, V> & Named): KTable<Windowed<K>, V> {
    return this.build<V | null>(
      'KSTREAM-REDUCE-',
      () => null,
      (_k, v, agg) => (agg === null ? v : reducer(agg, v)),
      (_k, a, b) => (a === null ? b : b === null ? a : reducer(a, b)),
      materialized as (Materialized<K, V | null> & Named) | undefined,
      materialized?.value ?? this.grouped.valueSerde,
    ) as KTable<Windowed<K>, V>;
  }

  aggregate<VA>(initializer: () => VA, aggregator: Agg<K, V, VA>, merger: (key: K, a: VA, b: VA) => VA, materialized?: Materialized<K, VA> & Named): KTable<Windowed<K>, VA> {
    return this.build('KSTREAM-AGGREGATE-', initializer, aggregator, merger, materialized, materialized?.value);
  }

  private build<VA>(prefix: string, initializer: () => VA, aggregator: Agg<K, V, VA>, merger: (key: K, a: VA, b: VA) => VA, materialized: (Materialized<K, VA> & Named) | undefined, valueSerde: Serde<VA> | undefined): KTable<Windowed<K>, VA> {
    const w = this.windows;
    return this.grouped.build<Windowed<K>, VA>({
      prefix,
      materialized: materialized as (Materialized<Windowed<K>, VA> & Named) | undefined,
      kind: 'session',
      valueSerde,
      storeKeySerde: materialized?.key,
      extra: { retentionMs: materialized?.retentionMs ?? w.retentionMs() },
      supplier: (store, old) => () => sessionWindowAggregateProcessor<K, V, VA>(store, w, initializer, aggregator, merger, old),
      resultKeySerde: windowedSerdeOf(materialized?.key ?? this.grouped.keySerde, true, 0),
      getter: (s) => sessionGetter<K, VA>(s),
      graceMs: w.graceMs + w.inactivityGapMs,
    });
  }
}

function windowGetter<K, VA>(store: string): ValueGetterSupplier<Windowed<K>, VA> {
  return {
    stores: [store],
    create: (ctx) => {
      const s = ctx.getWindowStore<K, { value: VA; timestamp: number }>(store);
      return (wk) => s.fetch(wk.key, wk.window.start);
    },
  };
}

function sessionGetter<K, VA>(store: string): ValueGetterSupplier<Windowed<K>, VA> {
  return {
    stores: [store],
    create: (ctx) => {
      const s = ctx.getSessionStore<K, VA>(store);
      return (wk) => {
        const v = s.fetchSession(wk.key, wk.window.start, wk.window.end);
        return v === undefined ? undefined : { value: v, timestamp: wk.window.end };
      };
    },
  };
}
