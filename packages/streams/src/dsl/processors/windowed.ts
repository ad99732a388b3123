// Windowed aggregations: time windows (tumbling, hopping), sliding windows and session windows,
// with Kafka Streams' rules for late records: a record whose window ends at or before
// stream time - grace is dropped (time and sliding windows), and a session that would end before
// stream time - grace - gap is dropped. Results are KTable changes keyed by Windowed<K>; with
// caching on they are forwarded when the window store's cache flushes.
import type { Processor, ProcessorContext } from '../../processor/api.js';
import { Record, type Change, type ValueAndTimestamp } from '../../record.js';
import type { SessionStore, Window, WindowStore, Windowed } from '../../state/api.js';
import { SessionStoreImpl, WindowStoreImpl } from '../../state/runtime-stores.js';
import { windowStoreKeyParts } from '../../state/key-schema.js';
import type { Logger } from '../../runtime/types.js';
import { taskOf } from '../../runtime/task.js';
import type { SessionWindows, SlidingWindows, TimeWindows } from '../windows.js';
import type { OldValues } from './table.js';

type Ctx = ProcessorContext<unknown, unknown>;

function warnLate(log: Logger, ctx: Ctx, ts: number, closeTime: number, window: string): void {
  const m = ctx.recordMetadata;
  log.debug(`Skipping record for expired window. ${m ? `topic=[${m.topic}] partition=[${m.partition}] offset=[${m.offset}] ` : ''}timestamp=[${ts}] window=${window} expiration=[${closeTime}]`);
}

/** Forwarding of window-store updates: now, or on cache flush. */
class WindowForwarder<K, VA> {
  private readonly cached: boolean;

  constructor(
    private readonly ctx: Ctx,
    store: WindowStore<K, ValueAndTimestamp<VA>>,
    private readonly sizeOf: (start: number) => number,
    private readonly old: OldValues,
  ) {
    this.cached = store instanceof WindowStoreImpl && store.cachingEnabled;
    if (store instanceof WindowStoreImpl && this.cached) {
      store.setFlushListener((key: K, nv: ValueAndTimestamp<VA> | null, ov: ValueAndTimestamp<VA> | null, ts: number, storeKey: Buffer) => {
        const start = windowStoreKeyParts(storeKey).start;
        const wk: Windowed<K> = { key, window: { start, end: start + this.sizeOf(start) } };
        ctx.forward(new Record(wk, { newValue: nv?.value ?? null, oldValue: this.old.sendOldValues ? (ov?.value ?? null) : null }, nv?.timestamp ?? ts));
      }, true);
    }
  }

  maybeForward(key: K, window: Window, newValue: VA, oldValue: VA | null, timestamp: number, template: Record<unknown, unknown>): void {
    if (this.cached) return;
    const change: Change<VA> = { newValue, oldValue: this.old.sendOldValues ? oldValue : null };
    this.ctx.forward(new Record({ key, window }, change, timestamp, template.headers));
  }
}

export function timeWindowAggregateProcessor<K, V, VA>(storeName: string, windows: TimeWindows, initializer: () => VA, aggregator: (key: K, value: V, agg: VA) => VA, old: OldValues): Processor<K, V, Windowed<K>, Change<VA>> {
  let ctx: Ctx;
  let log: Logger;
  let store: WindowStore<K, ValueAndTimestamp<VA>>;
  let fwd: WindowForwarder<K, VA>;
  let observed = -1;
  return {
    init: (c) => {
      ctx = c;
      log = taskOf(c).logger;
      store = c.getWindowStore<K, ValueAndTimestamp<VA>>(storeName);
      fwd = new WindowForwarder(c, store, () => windows.sizeMs, old);
    },
    process: (r) => {
      if (r.key === null || r.key === undefined) return;
      const ts = r.timestamp;
      observed = Math.max(observed, ts);
      const closeTime = observed - windows.graceMs;
      for (const w of windows.windowsFor(ts)) {
        if (w.end <= closeTime) {
          warnLate(log, ctx, ts, closeTime, `[${w.start},${w.end})`);
          continue;
        }
        const prev = store.fetch(r.key, w.start);
        const base = prev === undefined ? initializer() : prev.value;
        const agg = aggregator(r.key, r.value, base);
        const nts = prev === undefined ? ts : Math.max(ts, prev.timestamp);
        store.put(r.key, { value: agg, timestamp: nts }, w.start);
        fwd.maybeForward(r.key, w, agg, base, nts, r);
      }
    },
  };
}

export function slidingWindowAggregateProcessor<K, V, VA>(storeName: string, windows: SlidingWindows, initializer: () => VA, aggregator: (key: K, value: V, agg: VA) => VA, old: OldValues): Processor<K, V, Windowed<K>, Change<VA>> {
  let ctx: Ctx;
  let log: Logger;
  let store: WindowStore<K, ValueAndTimestamp<VA>>;
  let fwd: WindowForwarder<K, VA>;
  let observed = -1;
  const diff = windows.timeDifferenceMs;
  return {
    init: (c) => {
      ctx = c;
      log = taskOf(c).logger;
      store = c.getWindowStore<K, ValueAndTimestamp<VA>>(storeName);
      fwd = new WindowForwarder(c, store, () => diff, old);
    },
    process: (r) => {
      if (r.key === null || r.key === undefined || r.value === null || r.value === undefined) return;
      const key = r.key;
      const ts = r.timestamp;
      observed = Math.max(observed, ts);
      const closeTime = observed - windows.graceMs;
      if (ts + diff < closeTime) {
        warnLate(log, ctx, ts, closeTime, `[${ts},${ts + diff}]`);
        return;
      }
      /** Adds the record to a window (existing aggregate, or a fresh one) unless it closed. */
      const update = (w: Window, current: ValueAndTimestamp<VA>) => {
        if (w.end < closeTime) {
          warnLate(log, ctx, ts, closeTime, `[${w.start},${w.end}]`);
          return;
        }
        const agg = aggregator(key, r.value, current.value);
        const nts = Math.max(ts, current.timestamp);
        store.put(key, { value: agg, timestamp: nts }, w.start);
        fwd.maybeForward(key, w, agg, current.value, nts, r);
      };
      const fresh = (): ValueAndTimestamp<VA> => ({ value: initializer(), timestamp: ts });
      const starts = new Set<number>();
      let leftAgg: ValueAndTimestamp<VA> | undefined;
      let rightAgg: ValueAndTimestamp<VA> | undefined;
      let leftExists = false;
      let rightExists = false;
      let previous: number | undefined;

      if (ts < diff) {
        // Early records (their left window would start before 0) share the window [0, diff].
        let combined: { start: number; value: ValueAndTimestamp<VA> } | undefined;
        for (const e of store.fetchRange(key, 0, ts + 1)) {
          starts.add(e.windowStart);
          if (e.windowStart === 0) {
            combined = { start: 0, value: e.value };
            if (e.value.timestamp < ts) previous = e.value.timestamp;
          } else if (e.windowStart <= ts) {
            rightAgg = e.value;
            update({ start: e.windowStart, end: e.windowStart + diff }, e.value);
          } else if (e.windowStart === ts + 1) {
            rightExists = true;
          }
        }
        if (rightAgg === undefined && combined !== undefined && combined.value.timestamp > ts) rightAgg = combined.value;
        if (!rightExists && rightAgg !== undefined && rightAgg.timestamp > ts) {
          const w = { start: ts + 1, end: ts + 1 + diff };
          store.put(key, rightAgg, w.start);
          fwd.maybeForward(key, w, rightAgg.value, null, rightAgg.timestamp, r);
        }
        if (previous !== undefined && !starts.has(previous + 1)) update({ start: previous + 1, end: previous + 1 + diff }, fresh());
        update({ start: 0, end: diff }, combined?.value ?? fresh());
        return;
      }

      for (const e of store.fetchRange(key, Math.max(0, ts - 2 * diff), ts + 1)) {
        const start = e.windowStart;
        starts.add(start);
        const end = start + diff;
        const maxTs = e.value.timestamp;
        if (end < ts) {
          leftAgg = e.value;
          previous = maxTs;
        } else if (end === ts) {
          leftExists = true;
          if (maxTs < ts) previous = maxTs;
          update({ start, end }, e.value);
        } else if (end > ts && start <= ts) {
          rightAgg = e.value;
          update({ start, end }, e.value);
        } else if (start === ts + 1) {
          rightExists = true;
        }
      }
      // The previous record's right window, when the current record falls in it.
      if (previous !== undefined) {
        const prs = previous + 1;
        if (!starts.has(prs) && prs + diff >= ts) update({ start: prs, end: prs + diff }, fresh());
      }
      // The current record's left window [ts - diff, ts].
      if (!leftExists) {
        const base = previous !== undefined && ts - diff <= previous && leftAgg !== undefined ? { value: leftAgg.value, timestamp: ts } : fresh();
        update({ start: ts - diff, end: ts }, base);
      }
      // The current record's right window, when later records exist within diff.
      if (!rightExists && rightAgg !== undefined && rightAgg.timestamp > ts) {
        const w = { start: ts + 1, end: ts + 1 + diff };
        store.put(key, rightAgg, w.start);
        fwd.maybeForward(key, w, rightAgg.value, null, rightAgg.timestamp, r);
      }
    },
  };
}

export function sessionWindowAggregateProcessor<K, V, VA>(storeName: string, windows: SessionWindows, initializer: () => VA, aggregator: (key: K, value: V, agg: VA) => VA, merger: (key: K, a: VA, b: VA) => VA, old: OldValues): Processor<K, V, Windowed<K>, Change<VA>> {
  let ctx: Ctx;
  let log: Logger;
  let store: SessionStore<K, VA>;
  let cached = false;
  let observed = -1;
  const forward = (wk: Windowed<K>, newValue: VA | null, oldValue: VA | null, template: Record<unknown, unknown> | null) => {
    ctx.forward(new Record(wk, { newValue, oldValue: old.sendOldValues ? oldValue : null }, wk.window.end, template?.headers));
  };
  return {
    init: (c) => {
      ctx = c;
      log = taskOf(c).logger;
      store = c.getSessionStore<K, VA>(storeName);
      cached = store instanceof SessionStoreImpl && store.cachingEnabled;
      if (store instanceof SessionStoreImpl && cached) {
        store.setFlushListener((wk: Windowed<K>, nv: VA | null, ov: VA | null) => forward(wk, nv, ov, null), true);
      }
    },
    process: (r) => {
      if (r.key === null || r.key === undefined) return;
      const ts = r.timestamp;
      observed = Math.max(observed, ts);
      const closeTime = observed - windows.graceMs - windows.inactivityGapMs;
      const merged = store.findSessions(r.key, ts - windows.inactivityGapMs, ts + windows.inactivityGapMs);
      let agg = initializer();
      let start = ts;
      let end = ts;
      for (const s of merged) {
        agg = merger(r.key, agg, s.value);
        start = Math.min(start, s.key.window.start);
        end = Math.max(end, s.key.window.end);
      }
      if (end < closeTime) {
        warnLate(log, ctx, ts, closeTime, `[${start},${end}]`);
        return;
      }
      if (start !== ts || end !== ts) {
        for (const s of merged) {
          store.remove(s.key);
          if (!cached) forward(s.key, null, s.value, r);
        }
      }
      agg = aggregator(r.key, r.value, agg);
      const wk: Windowed<K> = { key: r.key, window: { start, end } };
      store.put(wk, agg);
      if (!cached) forward(wk, agg, null, r);
    },
  };
}
