// The stores a task runs: the typed stores of state/api.ts over a BytesStore, with the cache in
// front (dirty entries keep typed values, serialized once per flush, not once per update) and the
// changelog behind (each flushed write becomes a record of <applicationId>-<store>-changelog in
// the task's partition, in the transaction under exactly_once_v2). Restoration writes changelog
// records straight into the BytesStore.
import type { KeyValue, ValueAndTimestamp } from '../record.js';
import type { Serde } from '../serdes.js';
import { fallbackSerde } from '../serde-fallback.js';
import type { KeyValueStore, SessionStore, StateStore, WindowStore, WindowStoreEntry, Windowed } from './api.js';
import { bytesKey, prefixEnd, type BytesStore } from './bytes-store.js';
import { rawValueOf, sessionStoreKey, sessionStoreKeyParts, timestampOf, windowStoreKey, windowStoreKeyParts, withTimestamp } from './key-schema.js';
import type { StoreSpec } from './spec.js';

/** What a runtime store needs from its task. */
export interface StoreContext {
  readonly taskId: string;
  readonly partition: number;
  /** Full changelog topic name, or null when logging is off. */
  readonly changelogTopic: string | null;
  logChange(topic: string, key: Buffer, value: Buffer | null, timestamp: number): void;
  /** Timestamp of the record being processed (changelog records of plain stores carry it). */
  recordTimestamp(): number;
  streamTime(): number;
  /** Bytes this store's cache may hold before it flushes (0: no cache). */
  readonly cacheBytes: number;
}

/** A changelog record being restored into a store. */
export interface RestoreRecord {
  readonly key: Buffer;
  readonly value: Buffer | null;
  readonly timestamp: number;
}

/** The runtime side of every store: flush, restore, close. */
export interface RuntimeStore extends StateStore {
  readonly spec: StoreSpec;
  readonly bytes: BytesStore;
  readonly cachingEnabled: boolean;
  /** Writes cached dirty entries to the engine and the changelog (forwarding KTable updates). */
  flush(): void;
  /** Drops cached entries without writing them (the task is closed dirty). */
  discardCache(): void;
  restore(records: ReadonlyArray<RestoreRecord>): void;
  close(): void;
}


/** KTable-style flush callback: the key, its new and previous value, the entry's timestamp. */
export type FlushListener<K, V> = (key: K, newValue: V | null, oldValue: V | null, timestamp: number, storeKey: Buffer) => void;

interface CacheEntry<K, V> {
  readonly keyBytes: Buffer;
  readonly key: K;
  value: V | null;
  timestamp: number;
  dirty: boolean;
}

const ENTRY_OVERHEAD = 96;

/** Value codecs: plain (changelog value = stored value) and timestamped ([ts][value] stored). */
interface ValueCodec<V> {
  toInner(value: V, timestamp: number): Buffer;
  fromInner(stored: Buffer): V;
  /** The changelog value and timestamp of a stored value. */
  changelogOf(stored: Buffer, recordTimestamp: number): { value: Buffer; timestamp: number };
  /** The stored value of a changelog record. */
  restoreOf(value: Buffer, timestamp: number): Buffer;
  timestampOf(value: V, recordTimestamp: number): number;
}

function plainCodec<V>(serde: Serde<V>, topic: string): ValueCodec<V> {
  return {
    toInner: (v) => serde.serialize(v, topic),
    fromInner: (b) => serde.deserialize(b, topic),
    changelogOf: (b, ts) => ({ value: b, timestamp: ts }),
    restoreOf: (b) => b,
    timestampOf: (_v, ts) => ts,
  };
}

function timestampedCodec<V>(serde: Serde<V>, topic: string): ValueCodec<ValueAndTimestamp<V>> {
  return {
    toInner: (v) => withTimestamp(serde.serialize(v.value, topic), v.timestamp),
    fromInner: (b) => ({ value: serde.deserialize(rawValueOf(b), topic), timestamp: timestampOf(b) }),
    changelogOf: (b) => ({ value: rawValueOf(b), timestamp: timestampOf(b) }),
    restoreOf: (b, ts) => withTimestamp(b, ts),
    timestampOf: (v) => v.timestamp,
  };
}

abstract class BaseStore<K, V> implements RuntimeStore {
  readonly name: string;
  readonly persistent: boolean;
  readonly cachingEnabled: boolean;
  protected readonly topic: string;
  protected readonly cache = new Map<string, CacheEntry<K, V>>();
  protected cacheSize = 0;
  protected listener: FlushListener<K, V> | undefined;
  protected sendOldValues = false;

  constructor(
    readonly spec: StoreSpec,
    readonly bytes: BytesStore,
    protected readonly ctx: StoreContext,
    protected readonly keySerde: Serde<K>,
    protected readonly codec: ValueCodec<V>,
  ) {
    this.name = spec.name;
    this.persistent = spec.persistent;
    this.cachingEnabled = spec.caching && ctx.cacheBytes > 0;
    this.topic = ctx.changelogTopic ?? spec.name;
  }

  /** KTable processors receive cached updates when they are flushed. */
  setFlushListener(listener: FlushListener<K, V>, sendOldValues: boolean): void {
    this.listener = listener;
    this.sendOldValues = sendOldValues;
  }

  protected abstract storeKeyOf(keyBytes: Buffer, key: K): Buffer;

  protected keyBytes(key: K): Buffer {
    return this.keySerde.serialize(key, this.topic);
  }

  protected readInner(storeKey: Buffer): V | undefined {
    const b = this.bytes.get(storeKey);
    return b === undefined ? undefined : this.codec.fromInner(b);
  }

  /** Writes one entry through to the engine and the changelog. */
  protected writeThrough(storeKey: Buffer, key: K, value: V | null, timestamp: number): void {
    const old = this.listener && this.sendOldValues ? this.readInner(storeKey) : undefined;
    if (value === null) {
      this.bytes.delete(storeKey);
      if (this.ctx.changelogTopic) this.ctx.logChange(this.ctx.changelogTopic, storeKey, null, timestamp);
    } else {
      const stored = this.codec.toInner(value, timestamp);
      this.bytes.put(storeKey, stored);
      if (this.ctx.changelogTopic) {
        const c = this.codec.changelogOf(stored, timestamp);
        this.ctx.logChange(this.ctx.changelogTopic, storeKey, c.value, c.timestamp);
      }
    }
    if (this.listener && this.cachingEnabled) this.listener(key, value, old ?? null, timestamp, storeKey);
  }

  protected cachedGet(storeKey: Buffer): V | null | undefined {
    if (!this.cachingEnabled) return this.readInner(storeKey);
    const e = this.cache.get(bytesKey(storeKey));
    if (e) return e.value;
    return this.readInner(storeKey);
  }

  protected cachedPut(storeKey: Buffer, key: K, value: V | null, timestamp: number): void {
    if (!this.cachingEnabled) {
      this.writeThrough(storeKey, key, value, timestamp);
      return;
    }
    const k = bytesKey(storeKey);
    const e = this.cache.get(k);
    if (e) {
      this.cache.delete(k);
      e.value = value;
      e.timestamp = timestamp;
      e.dirty = true;
      this.cache.set(k, e);
    } else {
      this.cache.set(k, { keyBytes: storeKey, key, value, timestamp, dirty: true });
      this.cacheSize += storeKey.length + ENTRY_OVERHEAD;
      if (this.cacheSize > this.ctx.cacheBytes) this.evict();
    }
  }

  private evict(): void {
    const target = this.ctx.cacheBytes * 0.8;
    for (const [k, e] of this.cache) {
      if (this.cacheSize <= target) break;
      if (e.dirty) this.writeThrough(e.keyBytes, e.key, e.value, e.timestamp);
      this.cache.delete(k);
      this.cacheSize -= e.keyBytes.length + ENTRY_OVERHEAD;
    }
  }

  flush(): void {
    if (this.cachingEnabled) {
      for (const e of this.cache.values()) {
        if (!e.dirty) continue;
        e.dirty = false;
        this.writeThrough(e.keyBytes, e.key, e.value, e.timestamp);
      }
      this.cache.clear();
      this.cacheSize = 0;
    }
    this.afterFlush();
    this.bytes.flush();
  }

  protected afterFlush(): void {}

  discardCache(): void {
    this.cache.clear();
    this.cacheSize = 0;
  }

  /** Dirty cached entries the engine does not have yet, for scans (merged over the engine's). */
  protected dirtyEntries(): CacheEntry<K, V>[] {
    const out: CacheEntry<K, V>[] = [];
    for (const e of this.cache.values()) if (e.dirty) out.push(e);
    return out;
  }

  /**
   * The entries of [from, end) in byte order as a flush would leave them: the engine's, with the
   * cache's dirty entries merged over them (a cached delete hides the engine's entry). A scan
   * writes nothing and forwards nothing, so interactive queries may scan between commits.
   */
  protected scanRange(from: Buffer | null, end: Buffer | null): Array<readonly [Buffer, V]> {
    const engine: Array<readonly [Buffer, V]> = [];
    for (const [k, v] of this.bytes.range(from, end)) engine.push([k, this.codec.fromInner(v)]);
    if (!this.cachingEnabled || this.cache.size === 0) return engine;
    const overlay: CacheEntry<K, V>[] = [];
    for (const e of this.cache.values()) {
      if (!e.dirty) continue;
      if (from !== null && Buffer.compare(e.keyBytes, from) < 0) continue;
      if (end !== null && Buffer.compare(e.keyBytes, end) >= 0) continue;
      overlay.push(e);
    }
    if (overlay.length === 0) return engine;
    overlay.sort((a, b) => Buffer.compare(a.keyBytes, b.keyBytes));
    const out: Array<readonly [Buffer, V]> = [];
    let i = 0;
    for (const e of overlay) {
      while (i < engine.length && Buffer.compare(engine[i]![0], e.keyBytes) < 0) out.push(engine[i++]!);
      if (i < engine.length && engine[i]![0].equals(e.keyBytes)) i++;
      if (e.value !== null) out.push([e.keyBytes, e.value]);
    }
    while (i < engine.length) out.push(engine[i++]!);
    return out;
  }

  restore(records: ReadonlyArray<RestoreRecord>): void {
    for (const r of records) {
      if (r.value === null) this.bytes.delete(r.key);
      else this.bytes.put(r.key, this.codec.restoreOf(r.value, r.timestamp));
    }
  }

  close(): void {
    this.bytes.close();
  }
}

export class KeyValueStoreImpl<K, V> extends BaseStore<K, V> implements KeyValueStore<K, V> {
  protected storeKeyOf(keyBytes: Buffer): Buffer {
    return keyBytes;
  }

  get(key: K): V | undefined {
    return this.cachedGet(this.keyBytes(key)) ?? undefined;
  }

  put(key: K, value: V | null): void {
    const kb = this.keyBytes(key);
    const ts = value === null ? this.ctx.recordTimestamp() : this.codec.timestampOf(value, this.ctx.recordTimestamp());
    this.cachedPut(kb, key, value, ts);
  }

  putIfAbsent(key: K, value: V): V | undefined {
    const old = this.get(key);
    if (old === undefined) this.put(key, value);
    return old;
  }

  putAll(entries: ReadonlyArray<KeyValue<K, V | null>>): void {
    for (const e of entries) this.put(e.key, e.value);
  }

  delete(key: K): V | undefined {
    const old = this.get(key);
    this.put(key, null);
    return old;
  }

  private scan(from: Buffer | null, to: Buffer | null, inclusiveTo: boolean): KeyValue<K, V>[] {
    const out: KeyValue<K, V>[] = [];
    const end = to === null ? null : inclusiveTo ? Buffer.concat([to, Buffer.from([0])]) : to;
    for (const [k, v] of this.scanRange(from, end)) out.push({ key: this.keySerde.deserialize(k, this.topic), value: v });
    return out;
  }

  range(from: K | null, to: K | null): KeyValue<K, V>[] {
    return this.scan(from === null ? null : this.keyBytes(from), to === null ? null : this.keyBytes(to), true);
  }

  all(): KeyValue<K, V>[] {
    return this.scan(null, null, false);
  }

  prefixScan(prefix: Buffer): KeyValue<K, V>[] {
    return this.scan(prefix, prefixEnd(prefix), false);
  }

  approximateNumEntries(): number {
    let n = this.bytes.count();
    for (const e of this.dirtyEntries()) {
      const inEngine = this.bytes.get(e.keyBytes) !== undefined;
      if (e.value === null && inEngine) n--;
      else if (e.value !== null && !inEngine) n++;
    }
    return n;
  }
}

/** Window stores: key [key][start][seq]; retainDuplicates gives each put its own sequence number. */
export class WindowStoreImpl<K, V> extends BaseStore<K, V> implements WindowStore<K, V> {
  private seq = 0;
  private purgedUpTo = -1;
  private readonly retentionMs: number;

  constructor(spec: StoreSpec, bytes: BytesStore, ctx: StoreContext, keySerde: Serde<K>, codec: ValueCodec<V>) {
    super(spec, bytes, ctx, keySerde, codec);
    this.retentionMs = spec.retentionMs ?? 86_400_000;
  }

  protected storeKeyOf(keyBytes: Buffer): Buffer {
    return keyBytes;
  }

  /** Largest window start written (Kafka's window stores expire by their own observed time). */
  private observed = -1;

  private expired(start: number): boolean {
    return this.observed >= 0 && start <= this.observed - this.retentionMs;
  }

  put(key: K, value: V | null, windowStart: number): void {
    this.observed = Math.max(this.observed, windowStart);
    if (this.expired(windowStart)) return;
    const kb = this.keyBytes(key);
    const seq = this.spec.retainDuplicates ? ++this.seq : 0;
    if (this.spec.retainDuplicates && value === null) return;
    const sk = windowStoreKey(kb, windowStart, seq);
    const ts = value === null ? this.ctx.recordTimestamp() : this.codec.timestampOf(value, this.ctx.recordTimestamp());
    this.cachedPut(sk, key, value, ts);
  }

  fetch(key: K, windowStart: number): V | undefined {
    if (this.expired(windowStart)) return undefined;
    return this.cachedGet(windowStoreKey(this.keyBytes(key), windowStart, 0)) ?? undefined;
  }

  fetchRange(key: K, timeFrom: number, timeTo: number): WindowStoreEntry<V>[] {
    const kb = this.keyBytes(key);
    const from = windowStoreKey(kb, Math.max(0, timeFrom), 0);
    const to = windowStoreKey(kb, timeTo, -1);
    const out: WindowStoreEntry<V>[] = [];
    for (const [k, v] of this.scanRange(from, Buffer.concat([to, Buffer.from([0])]))) {
      const p = windowStoreKeyParts(k);
      if (p.start < timeFrom || p.start > timeTo || !p.key.equals(kb) || this.expired(p.start)) continue;
      out.push({ windowStart: p.start, value: v });
    }
    return out;
  }

  fetchAll(timeFrom: number, timeTo: number): KeyValue<Windowed<K>, V>[] {
    const out: KeyValue<Windowed<K>, V>[] = [];
    for (const [k, v] of this.scanRange(null, null)) {
      const p = windowStoreKeyParts(k);
      if (p.start < timeFrom || p.start > timeTo || this.expired(p.start)) continue;
      const size = this.spec.windowSizeMs ?? 0;
      out.push({ key: { key: this.keySerde.deserialize(p.key, this.topic), window: { start: p.start, end: p.start + size } }, value: v });
    }
    out.sort((a, b) => a.key.window.start - b.key.window.start);
    return out;
  }

  all(): KeyValue<Windowed<K>, V>[] {
    return this.fetchAll(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  }

  protected override afterFlush(): void {
    const st = this.observed;
    const horizon = st - this.retentionMs;
    if (st < 0 || horizon - this.purgedUpTo < Math.max(1, this.retentionMs / 2)) return;
    this.purgedUpTo = horizon;
    const dead: Buffer[] = [];
    for (const [k] of this.bytes.range(null, null)) if (windowStoreKeyParts(k).start <= horizon) dead.push(k);
    for (const k of dead) this.bytes.delete(k);
  }

  override restore(records: ReadonlyArray<RestoreRecord>): void {
    super.restore(records);
    for (const r of records) {
      const p = windowStoreKeyParts(r.key);
      if (p.seq > this.seq) this.seq = p.seq;
      if (p.start > this.observed) this.observed = p.start;
    }
  }
}

/** Session stores: key [key][end][start], value the aggregate (not timestamped, as Java's). */
export class SessionStoreImpl<K, V> extends BaseStore<Windowed<K>, V> implements SessionStore<K, V> {
  private purgedUpTo = -1;
  private readonly retentionMs: number;
  private readonly innerKeySerde: Serde<K>;

  constructor(spec: StoreSpec, bytes: BytesStore, ctx: StoreContext, keySerde: Serde<K>, codec: ValueCodec<V>) {
    const topic = ctx.changelogTopic ?? spec.name;
    const windowedSerde: Serde<Windowed<K>> = {
      serialize: (w) => sessionStoreKey(keySerde.serialize(w.key, topic), w.window.start, w.window.end),
      deserialize: (b) => {
        const p = sessionStoreKeyParts(b);
        return { key: keySerde.deserialize(p.key, topic), window: { start: p.start, end: p.end } };
      },
    };
    super(spec, bytes, ctx, windowedSerde, codec);
    this.innerKeySerde = keySerde;
    this.retentionMs = spec.retentionMs ?? 86_400_000;
  }

  protected storeKeyOf(keyBytes: Buffer): Buffer {
    return keyBytes;
  }

  private observed = -1;

  private expired(end: number): boolean {
    return this.observed >= 0 && end <= this.observed - this.retentionMs;
  }

  put(session: Windowed<K>, aggregate: V | null): void {
    this.observed = Math.max(this.observed, session.window.end);
    if (this.expired(session.window.end)) return;
    this.cachedPut(this.keyBytes(session), session, aggregate, this.ctx.recordTimestamp());
  }

  remove(session: Windowed<K>): void {
    this.cachedPut(this.keyBytes(session), session, null, this.ctx.recordTimestamp());
  }

  fetchSession(key: K, sessionStart: number, sessionEnd: number): V | undefined {
    return this.cachedGet(sessionStoreKey(this.innerKeySerde.serialize(key, this.topic), sessionStart, sessionEnd)) ?? undefined;
  }

  findSessions(key: K, earliestSessionEnd: number, latestSessionStart: number): KeyValue<Windowed<K>, V>[] {
    const kb = this.innerKeySerde.serialize(key, this.topic);
    const from = sessionStoreKey(kb, 0, Math.max(0, earliestSessionEnd));
    const out: KeyValue<Windowed<K>, V>[] = [];
    for (const [k, v] of this.scanRange(from, prefixEnd(kb))) {
      const p = sessionStoreKeyParts(k);
      if (!p.key.equals(kb) || p.end < earliestSessionEnd || p.start > latestSessionStart || this.expired(p.end)) continue;
      out.push({ key: { key, window: { start: p.start, end: p.end } }, value: v });
    }
    out.sort((a, b) => a.key.window.start - b.key.window.start);
    return out;
  }

  fetch(key: K): KeyValue<Windowed<K>, V>[] {
    return this.findSessions(key, 0, Number.MAX_SAFE_INTEGER);
  }

  protected override afterFlush(): void {
    const st = this.observed;
    const horizon = st - this.retentionMs;
    if (st < 0 || horizon - this.purgedUpTo < Math.max(1, this.retentionMs / 2)) return;
    this.purgedUpTo = horizon;
    const dead: Buffer[] = [];
    for (const [k] of this.bytes.range(null, null)) if (sessionStoreKeyParts(k).end <= horizon) dead.push(k);
    for (const k of dead) this.bytes.delete(k);
  }

  override restore(records: ReadonlyArray<RestoreRecord>): void {
    super.restore(records);
    for (const r of records) {
      const end = sessionStoreKeyParts(r.key).end;
      if (end > this.observed) this.observed = end;
    }
  }
}

/** Builds the runtime store of a spec over an engine. */
export function createRuntimeStore(spec: StoreSpec, bytes: BytesStore, ctx: StoreContext, defaults: { key?: Serde<unknown>; value?: Serde<unknown> }): RuntimeStore {
  const resolved = spec.resolveSerdes?.({ key: defaults.key, value: defaults.value });
  const keySerde = resolved?.key ?? spec.keySerde ?? defaults.key ?? fallbackSerde(`the keys of store ${spec.name}`);
  const valueSerde = resolved?.value ?? spec.valueSerde ?? defaults.value ?? fallbackSerde(`the values of store ${spec.name}`);
  const topic = ctx.changelogTopic ?? spec.name;
  switch (spec.kind) {
    case 'keyValue':
      return new KeyValueStoreImpl(spec, bytes, ctx, keySerde, plainCodec(valueSerde, topic));
    case 'timestampedKeyValue':
      return new KeyValueStoreImpl(spec, bytes, ctx, keySerde, timestampedCodec(valueSerde, topic));
    case 'window':
      return new WindowStoreImpl(spec, bytes, ctx, keySerde, plainCodec(valueSerde, topic));
    case 'timestampedWindow':
      return new WindowStoreImpl(spec, bytes, ctx, keySerde, timestampedCodec(valueSerde, topic));
    case 'session':
      return new SessionStoreImpl(spec, bytes, ctx, keySerde, plainCodec(valueSerde, topic));
  }
}
