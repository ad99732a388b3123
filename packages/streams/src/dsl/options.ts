// Option objects of the DSL, one per Kafka Streams config class (Consumed, Produced, Materialized,
// Grouped, Joined, StreamJoined, Repartitioned, Named, Branched, TableJoined), as plain typed
// objects: `{ key: Serdes.String(), value: Serdes.Long() }` instead of builder chains.
import type { Serde } from '../serdes.js';
import type { OffsetReset, StreamPartitioner, TimestampExtractor } from '../topology/topology.js';

export interface Named {
  /** Name of the processor node (and of internal topics/stores derived from it). */
  name?: string;
}

export interface Consumed<K, V> extends Named {
  key?: Serde<K>;
  value?: Serde<V>;
  timestampExtractor?: TimestampExtractor;
  offsetReset?: OffsetReset;
}

export interface Produced<K, V> extends Named {
  key?: Serde<K>;
  value?: Serde<V>;
  partitioner?: StreamPartitioner<K, V>;
}

export type StoreType = 'persistent' | 'inMemory';

export interface Materialized<K, V> {
  /** The store's name: its changelog is `<applicationId>-<storeName>-changelog`; queryable by it. */
  storeName?: string;
  key?: Serde<K>;
  value?: Serde<V>;
  /** Engine (default: the application's defaultStoreType, `persistent`). */
  storeType?: StoreType;
  /** Back the store with a changelog topic (default true). */
  logging?: boolean;
  /** Extra configs of the changelog topic. */
  loggingConfig?: Record<string, string>;
  /** Cache writes and emit KTable updates on flush (default true). */
  caching?: boolean;
  /** Window and session stores: retention (default window size + grace). */
  retentionMs?: number;
}

export interface Grouped<K, V> extends Named {
  key?: Serde<K>;
  value?: Serde<V>;
}

export interface Repartitioned<K, V> extends Named {
  key?: Serde<K>;
  value?: Serde<V>;
  partitions?: number;
  partitioner?: StreamPartitioner<K, V>;
}

export interface Joined<K, V, VO> extends Named {
  key?: Serde<K>;
  value?: Serde<V>;
  otherValue?: Serde<VO>;
}

export interface StreamJoined<K, V, VO> extends Named {
  key?: Serde<K>;
  value?: Serde<V>;
  otherValue?: Serde<VO>;
  /** Base name of the two join stores (default derived from the processor names). */
  storeName?: string;
  storeType?: StoreType;
  logging?: boolean;
}

export interface TableJoined<K, KO> extends Named {
  partitioner?: StreamPartitioner<K, unknown>;
  otherPartitioner?: StreamPartitioner<KO, unknown>;
}

export interface Branched<S> {
  /** Appended to the split's name: the key of this branch in the returned map. */
  name?: string;
  /** Transforms the branch stream; its result (when it returns one) is what the map holds. */
  withFunction?: (stream: S) => S | void;
}
