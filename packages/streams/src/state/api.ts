// The state store interfaces processors and interactive queries see, typed by key and value, as
// Kafka Streams' KeyValueStore, TimestampedKeyValueStore, WindowStore and SessionStore. Stores
// are synchronous inside a task (a processor reads its state without awaiting), which is what
// lets a task process a batch of records without a promise per record.
import type { KeyValue, ValueAndTimestamp } from '../record.js';

export interface StateStore {
  readonly name: string;
  readonly persistent: boolean;
}

/** A time window [start, end): end is exclusive for time windows, inclusive for sessions. */
export interface Window {
  readonly start: number;
  readonly end: number;
}

/** A key of a windowed aggregation: the grouping key and its window. */
export interface Windowed<K> {
  readonly key: K;
  readonly window: Window;
}

export interface ReadOnlyKeyValueStore<K, V> {
  get(key: K): V | undefined;
  /** Entries with from <= key <= to in the serialized key's byte order (null: unbounded). */
  range(from: K | null, to: K | null): KeyValue<K, V>[];
  all(): KeyValue<K, V>[];
  /** Entries whose serialized key starts with the serialized prefix. */
  prefixScan(prefix: Buffer): KeyValue<K, V>[];
  approximateNumEntries(): number;
}

export interface KeyValueStore<K, V> extends StateStore, ReadOnlyKeyValueStore<K, V> {
  put(key: K, value: V | null): void;
  putIfAbsent(key: K, value: V): V | undefined;
  putAll(entries: ReadonlyArray<KeyValue<K, V | null>>): void;
  delete(key: K): V | undefined;
}

export type TimestampedKeyValueStore<K, V> = KeyValueStore<K, ValueAndTimestamp<V>>;

export interface WindowStoreEntry<V> {
  readonly windowStart: number;
  readonly value: V;
}

export interface ReadOnlyWindowStore<K, V> {
  fetch(key: K, windowStart: number): V | undefined;
  /** The key's windows with timeFrom <= start <= timeTo, by start time. */
  fetchRange(key: K, timeFrom: number, timeTo: number): WindowStoreEntry<V>[];
  /** Every key's windows with timeFrom <= start <= timeTo. */
  fetchAll(timeFrom: number, timeTo: number): KeyValue<Windowed<K>, V>[];
  all(): KeyValue<Windowed<K>, V>[];
}

export interface WindowStore<K, V> extends StateStore, ReadOnlyWindowStore<K, V> {
  put(key: K, value: V | null, windowStart: number): void;
}

export interface ReadOnlySessionStore<K, V> {
  /** Sessions of the key that end at or after earliestSessionEnd and start at or before latestSessionStart. */
  findSessions(key: K, earliestSessionEnd: number, latestSessionStart: number): KeyValue<Windowed<K>, V>[];
  fetchSession(key: K, sessionStart: number, sessionEnd: number): V | undefined;
  fetch(key: K): KeyValue<Windowed<K>, V>[];
}

export interface SessionStore<K, V> extends StateStore, ReadOnlySessionStore<K, V> {
  put(session: Windowed<K>, aggregate: V): void;
  remove(session: Windowed<K>): void;
}
