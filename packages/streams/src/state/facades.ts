// Plain views of timestamped stores, as Java's KeyValueStoreFacade and WindowStoreFacade: the DSL
// keeps a timestamp with every value (TimestampedKeyValueStore, timestamped window stores), and
// code that asks for a plain key-value or window store of such a store (the TopologyTestDriver's
// getKeyValueStore / getWindowStore) sees the values alone. Writes through a facade carry no
// timestamp (-1, Java's NO_TIMESTAMP).
import type { KeyValue, ValueAndTimestamp } from '../record.js';
import type { KeyValueStore, WindowStore, WindowStoreEntry, Windowed } from './api.js';

const NO_TIMESTAMP = -1;

function plainValue<V>(v: ValueAndTimestamp<V> | undefined): V | undefined {
  return v === undefined ? undefined : v.value;
}

function plainEntries<K, V>(entries: KeyValue<K, ValueAndTimestamp<V>>[]): KeyValue<K, V>[] {
  return entries.map((e) => ({ key: e.key, value: e.value.value }));
}

function stamped<V>(value: V | null): ValueAndTimestamp<V> | null {
  return value === null ? null : { value, timestamp: NO_TIMESTAMP };
}

export function keyValueFacade<K, V>(inner: KeyValueStore<K, ValueAndTimestamp<V>>): KeyValueStore<K, V> {
  return {
    name: inner.name,
    persistent: inner.persistent,
    get: (key) => plainValue(inner.get(key)),
    range: (from, to) => plainEntries(inner.range(from, to)),
    all: () => plainEntries(inner.all()),
    prefixScan: (prefix) => plainEntries(inner.prefixScan(prefix)),
    approximateNumEntries: () => inner.approximateNumEntries(),
    put: (key, value) => inner.put(key, stamped(value)),
    putIfAbsent: (key, value) => {
      const old = inner.get(key);
      if (old === undefined) inner.put(key, stamped(value));
      return plainValue(old);
    },
    putAll: (entries) => inner.putAll(entries.map((e) => ({ key: e.key, value: stamped(e.value) }))),
    delete: (key) => plainValue(inner.delete(key)),
  };
}

export function windowFacade<K, V>(inner: WindowStore<K, ValueAndTimestamp<V>>): WindowStore<K, V> {
  return {
    name: inner.name,
    persistent: inner.persistent,
    fetch: (key, windowStart) => plainValue(inner.fetch(key, windowStart)),
    fetchRange: (key, from, to): WindowStoreEntry<V>[] => inner.fetchRange(key, from, to).map((e) => ({ windowStart: e.windowStart, value: e.value.value })),
    fetchAll: (from, to): KeyValue<Windowed<K>, V>[] => plainEntries(inner.fetchAll(from, to)),
    all: (): KeyValue<Windowed<K>, V>[] => plainEntries(inner.all()),
    put: (key, value, windowStart) => inner.put(key, stamped(value), windowStart),
  };
}
