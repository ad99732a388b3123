// KGroupedStream.aggregate/reduce/count as a processor over a timestamped key-value store:
// records without a key or value are skipped (as Kafka Streams does), the aggregate's timestamp
// is the largest of its records', and updates are forwarded as KTable changes.
import type { Processor } from '../../processor/api.js';
import type { Change } from '../../record.js';
import type { TimestampedKeyValueStore } from '../../state/api.js';
import { TupleForwarder, type OldValues } from './table.js';

export function streamAggregateProcessor<K, V, VA>(storeName: string, first: (key: K, value: V) => VA, aggregator: (key: K, value: V, agg: VA) => VA, old: OldValues): Processor<K, V, K, Change<VA>> {
  let store: TimestampedKeyValueStore<K, VA>;
  let fwd: TupleForwarder<K, VA>;
  return {
    init: (c) => {
      store = c.getTimestampedKeyValueStore<K, VA>(storeName);
      fwd = new TupleForwarder(c, store, old);
    },
    process: (r) => {
      if (r.key === null || r.key === undefined || r.value === null || r.value === undefined) return;
      const prev = store.get(r.key);
      const agg = prev === undefined ? first(r.key, r.value) : aggregator(r.key, r.value, prev.value);
      const ts = prev === undefined ? r.timestamp : Math.max(r.timestamp, prev.timestamp);
      store.put(r.key, { value: agg, timestamp: ts });
      fwd.maybeForward(r.key, agg, prev?.value ?? null, ts, r);
    },
  };
}
