// Join processors. Stream-stream joins keep each side's records in a window store (duplicates
// kept) and join a new record with the other side's records within the join window; left and
// outer joins hold unmatched records in a shared store and emit them with a null partner once
// their window has closed (stream time past record time + window + grace), as Kafka Streams does
// since 3.1. Stream-table and stream-global-table joins look the table up; table-table joins
// recompute the result row on a change of either side.
import type { Processor, ProcessorContext } from '../../processor/api.js';
import { Record, type Change } from '../../record.js';
import type { KeyValueStore, WindowStore } from '../../state/api.js';
import type { Serde } from '../../serdes.js';
import type { ValueGetter, ValueGetterSupplier } from './table.js';
import type { OldValues } from './table.js';
import { TupleForwarder } from './table.js';

type Ctx = ProcessorContext<unknown, unknown>;

const perTaskState = new WeakMap<object, Map<string, unknown>>();

/** State shared by the processors of one task (the two sides of a join). */
export function sharedState<T>(ctx: object, name: string, create: () => T, guard: (x: unknown) => x is T): T {
  let m = perTaskState.get(ctx);
  if (!m) perTaskState.set(ctx, (m = new Map()));
  const existing = m.get(name);
  if (guard(existing)) return existing;
  const v = create();
  m.set(name, v);
  return v;
}

interface TimeTracker {
  streamTime: number;
  minTime: number;
}

function isTracker(x: unknown): x is TimeTracker {
  return typeof x === 'object' && x !== null && 'streamTime' in x && 'minTime' in x;
}

/** Key of the shared outer-join store: [timestamp 8][side 1: 1 left, 0 right][key bytes]. */
export interface OuterKey<K> {
  readonly timestamp: number;
  readonly left: boolean;
  readonly key: K;
}

export function outerKeySerde<K>(keySerde: Serde<K>): Serde<OuterKey<K>> {
  return {
    serialize(k, topic) {
      const kb = keySerde.serialize(k.key, topic);
      const out = Buffer.allocUnsafe(9 + kb.length);
      out.writeBigInt64BE(BigInt(k.timestamp), 0);
      out[8] = k.left ? 1 : 0;
      kb.copy(out, 9);
      return out;
    },
    deserialize(b, topic) {
      return { timestamp: Number(b.readBigInt64BE(0)), left: b[8] === 1, key: keySerde.deserialize(b.subarray(9), topic) };
    },
  };
}

/** Value of the shared outer-join store: one side's value, [side 1][value bytes]. */
export interface LeftOrRight<V1, V2> {
  readonly left: V1 | null;
  readonly right: V2 | null;
}

export function leftOrRightSerde<V1, V2>(left: Serde<V1>, right: Serde<V2>): Serde<LeftOrRight<V1, V2>> {
  return {
    serialize(v, topic) {
      if (v.left !== null) return Buffer.concat([Buffer.from([1]), left.serialize(v.left, topic)]);
      if (v.right !== null) return Buffer.concat([Buffer.from([0]), right.serialize(v.right, topic)]);
      throw new TypeError('an outer-join store entry holds one side');
    },
    deserialize(b, topic) {
      return b[0] === 1 ? { left: left.deserialize(b.subarray(1), topic), right: null } : { left: null, right: right.deserialize(b.subarray(1), topic) };
    },
  };
}

/** KSTREAM-WINDOWED-: puts each record into its side's join store, then forwards it. */
export function joinWindowProcessor<K, V>(storeName: string): Processor<K, V, K, V> {
  let ctx: Ctx;
  let store: WindowStore<K, V>;
  return {
    init: (c) => {
      ctx = c;
      store = c.getWindowStore<K, V>(storeName);
    },
    process: (r) => {
      if (r.key !== null && r.key !== undefined && r.value !== null && r.value !== undefined) store.put(r.key, r.value, r.timestamp);
      ctx.forward(r);
    },
  };
}

export interface StreamStreamJoinSpec<K, M, T, V1, V2, VR> {
  readonly joinName: string;
  /** This processor handles records of the left stream (window bounds as given). */
  readonly isLeft: boolean;
  readonly otherStore: string;
  readonly outerStore: string | null;
  /** This side's unmatched records are emitted with a null partner. */
  readonly outer: boolean;
  readonly beforeMs: number;
  readonly afterMs: number;
  readonly graceMs: number;
  /** Joins this side's value with the other's, in left/right order. */
  readonly combine: (mine: M, theirs: T | null, key: K) => VR;
  /** An unmatched record of this side, as the shared outer store keeps it. */
  readonly wrap: (mine: M) => LeftOrRight<V1, V2>;
  /** The result of a stored unmatched record (either side) whose window closed. */
  readonly unmatched: (stored: LeftOrRight<V1, V2>, key: K) => VR;
}

export function streamStreamJoinProcessor<K, M, T, V1, V2, VR>(spec: StreamStreamJoinSpec<K, M, T, V1, V2, VR>): Processor<K, M, K, VR> {
  let ctx: Ctx;
  let other: WindowStore<K, T>;
  let outerStore: KeyValueStore<OuterKey<K>, LeftOrRight<V1, V2>> | null = null;
  let tracker: TimeTracker;
  // This side's window relative to its own records.
  const before = spec.isLeft ? spec.beforeMs : spec.afterMs;
  const after = spec.isLeft ? spec.afterMs : spec.beforeMs;

  const emitNonJoined = () => {
    if (!outerStore) return;
    if (tracker.minTime + Math.min(spec.afterMs, spec.beforeMs) + spec.graceMs >= tracker.streamTime) return;
    tracker.minTime = Number.MAX_SAFE_INTEGER;
    const done: OuterKey<K>[] = [];
    let leftOpen = false;
    let rightOpen = false;
    for (const { key: ok, value } of outerStore.all()) {
      if (leftOpen && rightOpen) break;
      const lookBack = ok.left ? spec.afterMs : spec.beforeMs;
      if (ok.timestamp + lookBack + spec.graceMs >= tracker.streamTime) {
        tracker.minTime = Math.min(tracker.minTime, ok.timestamp);
        if (ok.left) leftOpen = true;
        else rightOpen = true;
        continue;
      }
      ctx.forward(new Record(ok.key, spec.unmatched(value, ok.key), ok.timestamp));
      done.push(ok);
    }
    for (const k of done) outerStore.delete(k);
  };

  return {
    init: (c) => {
      ctx = c;
      other = c.getWindowStore<K, T>(spec.otherStore);
      if (spec.outerStore) outerStore = c.getKeyValueStore<OuterKey<K>, LeftOrRight<V1, V2>>(spec.outerStore);
      tracker = sharedState(c, spec.joinName, () => ({ streamTime: -1, minTime: Number.MAX_SAFE_INTEGER }), isTracker);
    },
    process: (r) => {
      const ts = r.timestamp;
      tracker.streamTime = Math.max(tracker.streamTime, ts);
      if (r.value === null || r.value === undefined) return;
      if (r.key === null || r.key === undefined) {
        if (spec.outer) ctx.forward(r.withValue(spec.combine(r.value, null, r.key)));
        return;
      }
      if (ts === tracker.streamTime) emitNonJoined();
      const timeFrom = Math.max(0, ts - before);
      const timeTo = Math.max(0, ts + after);
      const matches = other.fetchRange(r.key, timeFrom, timeTo);
      for (const m of matches) {
        // The join store's window start is the other record's timestamp.
        ctx.forward(r.withValue(spec.combine(r.value, m.value, r.key)).withTimestamp(Math.max(ts, m.windowStart)));
        if (outerStore) outerStore.delete({ timestamp: m.windowStart, left: !spec.isLeft, key: r.key });
      }
      if (spec.outer && matches.length === 0) {
        if (!outerStore || timeTo < tracker.streamTime) {
          ctx.forward(r.withValue(spec.combine(r.value, null, r.key)));
        } else {
          tracker.minTime = Math.min(tracker.minTime, ts);
          outerStore.put({ timestamp: ts, left: spec.isLeft, key: r.key }, spec.wrap(r.value));
        }
      }
    },
  };
}

/** Stream-table (and stream-global-table, through keyOf) inner and left joins. */
export function streamTableJoinProcessor<K, V, KT, VT, VR>(getter: ValueGetterSupplier<KT, VT>, keyOf: (key: K, value: V) => KT | null | undefined, joiner: (value: V, tableValue: VT | null, key: K) => VR, left: boolean): Processor<K, V, K, VR> {
  let ctx: Ctx;
  let get: ValueGetter<KT, VT>;
  return {
    init: (c) => {
      ctx = c;
      get = getter.create(c);
    },
    process: (r) => {
      if (r.value === null || r.value === undefined) return;
      const tk = r.key === null || r.key === undefined ? null : keyOf(r.key, r.value);
      if (tk === null || tk === undefined) {
        if (left) ctx.forward(r.withValue(joiner(r.value, null, r.key)));
        return;
      }
      const tv = get(tk);
      if (tv === undefined) {
        if (left) ctx.forward(r.withValue(joiner(r.value, null, r.key)));
        return;
      }
      ctx.forward(r.withValue(joiner(r.value, tv.value, r.key)));
    },
  };
}

export type TableJoinKind = 'inner' | 'left' | 'outer';

/**
 * One side of a table-table join: a change of this side ("mine") joined with the other side's
 * current row ("theirs"). mineRequired: no result without this side's row; theirsRequired: no
 * result without the other's (inner: both; left join: the left side is required on both sides).
 */
export function tableTableJoinProcessor<K, M, T, VR>(mineRequired: boolean, theirsRequired: boolean, otherGetter: ValueGetterSupplier<K, T>, combine: (mine: M | null, theirs: T | null, key: K) => VR, old: OldValues): Processor<K, Change<M>, K, Change<VR>> {
  let ctx: Ctx;
  let get: ValueGetter<K, T>;
  return {
    init: (c) => {
      ctx = c;
      get = otherGetter.create(c);
    },
    process: (r) => {
      if (r.key === null || r.key === undefined) return;
      const o = get(r.key);
      const theirs = o?.value ?? null;
      const nv = r.value.newValue;
      const ov = r.value.oldValue;
      if (theirsRequired && theirs === null) return;
      if (!theirsRequired && theirs === null && nv === null && ov === null) return;
      const ts = o ? Math.max(r.timestamp, o.timestamp) : r.timestamp;
      const newValue = (mineRequired ? nv !== null : nv !== null || theirs !== null) ? combine(nv, theirs, r.key) : null;
      const oldValue = old.sendOldValues && (mineRequired ? ov !== null : ov !== null || theirs !== null) ? combine(ov, theirs, r.key) : null;
      ctx.forward(r.withValue({ newValue, oldValue }).withTimestamp(ts));
    },
  };
}

/** The table-table join's result node: passes changes on, or materializes them. */
export function tableJoinMergeProcessor<K, VR>(storeName: string | null, old: OldValues): Processor<K, Change<VR>, K, Change<VR>> {
  let ctx: Ctx;
  let store: KeyValueStore<K, { value: VR; timestamp: number }> | null = null;
  let fwd: TupleForwarder<K, VR> | null = null;
  return {
    init: (c) => {
      ctx = c;
      if (storeName) {
        const s = c.getTimestampedKeyValueStore<K, VR>(storeName);
        store = s;
        fwd = new TupleForwarder(c, s, old);
      }
    },
    process: (r) => {
      if (store && fwd) {
        const prev = store.get(r.key);
        store.put(r.key, r.value.newValue === null ? null : { value: r.value.newValue, timestamp: r.timestamp });
        fwd.maybeForward(r.key, r.value.newValue, prev?.value ?? null, r.timestamp, r);
        return;
      }
      ctx.forward(r);
    },
  };
}

/** Value getter of a table-table join result computed from both sides' getters. */
export function joinGetter<K, V1, V2, VR>(left: ValueGetterSupplier<K, V1>, right: ValueGetterSupplier<K, V2>, kind: TableJoinKind, joiner: (l: V1 | null, r: V2 | null, key: K) => VR): ValueGetterSupplier<K, VR> {
  return {
    stores: [...left.stores, ...right.stores],
    create: (ctx) => {
      const gl = left.create(ctx);
      const gr = right.create(ctx);
      return (key) => {
        const l = gl(key);
        const r = gr(key);
        if (kind === 'inner' && (!l || !r)) return undefined;
        if (kind === 'left' && !l) return undefined;
        if (!l && !r) return undefined;
        return { value: joiner(l?.value ?? null, r?.value ?? null, key), timestamp: Math.max(l?.timestamp ?? -1, r?.timestamp ?? -1) };
      };
    },
  };
}
