// KTable processors: every KTable node forwards Change(new, old) records. The source and the
// aggregations are materialized in a timestamped store; with caching on, their updates reach
// children when the cache flushes (at commit or eviction), so a hot key emits one update per
// commit interval, as in Kafka Streams. Value getters let joins and lookups read a table's
// current value, from its store or computed through the unmaterialized nodes above it.
import type { Processor, ProcessorContext } from '../../processor/api.js';
import { Record, type Change, type ValueAndTimestamp } from '../../record.js';
import type { TimestampedKeyValueStore } from '../../state/api.js';
import { KeyValueStoreImpl } from '../../state/runtime-stores.js';
import { sameKey } from '../internal.js';

type Ctx = ProcessorContext<unknown, unknown>;

/** Mutable at build time: a downstream operator that needs old values switches it on. */
export interface OldValues {
  sendOldValues: boolean;
}

export type ValueGetter<K, V> = (key: K) => ValueAndTimestamp<V> | undefined;

export interface ValueGetterSupplier<K, V> {
  /** Stores the getter reads (connected to whichever processor uses the getter). */
  readonly stores: string[];
  create(ctx: Ctx): ValueGetter<K, V>;
}

export function storeGetter<K, V>(store: string): ValueGetterSupplier<K, V> {
  return {
    stores: [store],
    create: (ctx) => {
      const s = ctx.getTimestampedKeyValueStore<K, V>(store);
      return (key) => s.get(key);
    },
  };
}

/** Forwards a change now, or leaves it to the store's cache flush when caching is on. */
export class TupleForwarder<K, V> {
  private readonly cached: boolean;

  constructor(
    private readonly ctx: Ctx,
    store: TimestampedKeyValueStore<K, V> | null,
    private readonly old: OldValues,
  ) {
    this.cached = store instanceof KeyValueStoreImpl && store.cachingEnabled;
    if (store instanceof KeyValueStoreImpl && this.cached) {
      store.setFlushListener(
        (key: K, nv: ValueAndTimestamp<V> | null, ov: ValueAndTimestamp<V> | null, ts: number) => {
          ctx.forward(new Record(key, { newValue: nv?.value ?? null, oldValue: this.old.sendOldValues ? (ov?.value ?? null) : null }, nv?.timestamp ?? ts));
        },
        true,
      );
    }
  }

  maybeForward(key: K, newValue: V | null, oldValue: V | null, timestamp: number, template: Record<unknown, unknown>): void {
    if (this.cached) return;
    this.ctx.forward(new Record(key, { newValue, oldValue: this.old.sendOldValues ? oldValue : null }, timestamp, template.headers));
  }
}

/** builder.table(): materializes the topic's latest value per key. */
export function tableSourceProcessor<K, V>(storeName: string, old: OldValues): Processor<K, V, K, Change<V>> {
  let ctx: Ctx;
  let store: TimestampedKeyValueStore<K, V>;
  let fwd: TupleForwarder<K, V>;
  return {
    init: (c) => {
      ctx = c;
      store = c.getTimestampedKeyValueStore<K, V>(storeName);
      fwd = new TupleForwarder(c, store, old);
    },
    process: (r) => {
      if (r.key === null || r.key === undefined) return;
      const prev = store.get(r.key);
      const value = r.value === undefined ? null : r.value;
      store.put(r.key, value === null ? null : { value, timestamp: r.timestamp });
      fwd.maybeForward(r.key, value, prev?.value ?? null, r.timestamp, r);
      void ctx;
    },
  };
}

/** KTable.filter / filterNot, optionally materialized. */
export function tableFilterProcessor<K, V>(predicate: (key: K, value: V) => boolean, negate: boolean, storeName: string | null, old: OldValues): Processor<K, Change<V>, K, Change<V>> {
  let ctx: Ctx;
  let store: TimestampedKeyValueStore<K, V> | null = null;
  let fwd: TupleForwarder<K, V> | null = null;
  const keep = (k: K, v: V | null): V | null => (v !== null && predicate(k, v) !== negate ? v : null);
  return {
    init: (c) => {
      ctx = c;
      if (storeName) {
        store = c.getTimestampedKeyValueStore<K, V>(storeName);
        fwd = new TupleForwarder(c, store, old);
      }
    },
    process: (r) => {
      const nv = keep(r.key, r.value.newValue);
      const ov = old.sendOldValues ? keep(r.key, r.value.oldValue) : null;
      if (old.sendOldValues && nv === null && ov === null) return;
      if (store && fwd) {
        const prev = store.get(r.key);
        store.put(r.key, nv === null ? null : { value: nv, timestamp: r.timestamp });
        fwd.maybeForward(r.key, nv, prev?.value ?? null, r.timestamp, r);
        return;
      }
      ctx.forward(r.withValue({ newValue: nv, oldValue: ov }));
    },
  };
}

export function filterGetter<K, V>(parent: ValueGetterSupplier<K, V>, predicate: (key: K, value: V) => boolean, negate: boolean): ValueGetterSupplier<K, V> {
  return {
    stores: parent.stores,
    create: (ctx) => {
      const g = parent.create(ctx);
      return (key) => {
        const v = g(key);
        return v !== undefined && predicate(key, v.value) !== negate ? v : undefined;
      };
    },
  };
}

/** KTable.mapValues, optionally materialized. */
export function tableMapValuesProcessor<K, V, VR>(mapper: (value: V, key: K) => VR, storeName: string | null, old: OldValues): Processor<K, Change<V>, K, Change<VR>> {
  let ctx: Ctx;
  let store: TimestampedKeyValueStore<K, VR> | null = null;
  let fwd: TupleForwarder<K, VR> | null = null;
  const map = (k: K, v: V | null): VR | null => (v === null ? null : mapper(v, k));
  return {
    init: (c) => {
      ctx = c;
      if (storeName) {
        store = c.getTimestampedKeyValueStore<K, VR>(storeName);
        fwd = new TupleForwarder(c, store, old);
      }
    },
    process: (r) => {
      const nv = map(r.key, r.value.newValue);
      if (store && fwd) {
        const prev = store.get(r.key);
        store.put(r.key, nv === null ? null : { value: nv, timestamp: r.timestamp });
        fwd.maybeForward(r.key, nv, prev?.value ?? null, r.timestamp, r);
        return;
      }
      const ov = old.sendOldValues ? map(r.key, r.value.oldValue) : null;
      ctx.forward(r.withValue({ newValue: nv, oldValue: ov }));
    },
  };
}

export function mapValuesGetter<K, V, VR>(parent: ValueGetterSupplier<K, V>, mapper: (value: V, key: K) => VR): ValueGetterSupplier<K, VR> {
  return {
    stores: parent.stores,
    create: (ctx) => {
      const g = parent.create(ctx);
      return (key) => {
        const v = g(key);
        return v === undefined ? undefined : { value: mapper(v.value, key), timestamp: v.timestamp };
      };
    },
  };
}

/** KTable.groupBy: re-keys each change; the old row is subtracted from its old group. */
export function tableRepartitionMapProcessor<K, V, KR, VR>(selector: (key: K, value: V) => { key: KR; value: VR }): Processor<K, Change<V>, KR, Change<VR>> {
  let ctx: Ctx;
  return {
    init: (c) => {
      ctx = c;
    },
    process: (r) => {
      const np = r.value.newValue === null ? null : selector(r.key, r.value.newValue);
      const op = r.value.oldValue === null ? null : selector(r.key, r.value.oldValue);
      const npOk = np !== null && np.key !== null && np.key !== undefined && np.value !== null && np.value !== undefined;
      const opOk = op !== null && op.key !== null && op.key !== undefined && op.value !== null && op.value !== undefined;
      if (npOk && opOk && sameKey(np.key, op.key)) {
        ctx.forward(r.withKey(op.key).withValue({ newValue: np.value, oldValue: op.value }));
        return;
      }
      if (opOk) ctx.forward(r.withKey(op.key).withValue({ newValue: null, oldValue: op.value }));
      if (npOk) ctx.forward(r.withKey(np.key).withValue({ newValue: np.value, oldValue: null }));
    },
  };
}

/** KGroupedTable.aggregate/reduce/count: subtract the old value, add the new one. */
export function tableAggregateProcessor<K, V, VA>(storeName: string, first: (key: K, value: V) => VA, adder: (key: K, value: V, agg: VA) => VA, subtractor: (key: K, value: V, agg: VA) => VA, old: OldValues): Processor<K, Change<V>, K, Change<VA>> {
  let store: TimestampedKeyValueStore<K, VA>;
  let fwd: TupleForwarder<K, VA>;
  return {
    init: (c) => {
      store = c.getTimestampedKeyValueStore<K, VA>(storeName);
      fwd = new TupleForwarder(c, store, old);
    },
    process: (r) => {
      if (r.key === null || r.key === undefined) return;
      const prev = store.get(r.key);
      const oldAgg = prev?.value ?? null;
      let agg: VA | null = oldAgg;
      let ts = prev?.timestamp ?? r.timestamp;
      if (r.value.oldValue !== null && agg !== null) {
        agg = subtractor(r.key, r.value.oldValue, agg);
      }
      // The first value of a group starts it: initializer + adder (aggregate), the value itself (reduce).
      if (r.value.newValue !== null) agg = agg === null ? first(r.key, r.value.newValue) : adder(r.key, r.value.newValue, agg);
      ts = Math.max(ts, r.timestamp);
      store.put(r.key, agg === null ? null : { value: agg, timestamp: ts });
      fwd.maybeForward(r.key, agg, oldAgg, ts, r);
    },
  };
}
