// The record that flows through a topology: key, value, timestamp and headers, immutable, as
// Kafka Streams' org.apache.kafka.streams.processor.api.Record. Derived records share the headers
// until one of them changes them.

/** Record headers: ordered (name, value) pairs; a name may repeat. */
export type Headers = ReadonlyArray<readonly [string, Buffer | null]>;

export const NO_HEADERS: Headers = Object.freeze([]);

export class Record<K, V> {
  constructor(
    readonly key: K,
    readonly value: V,
    readonly timestamp: number,
    readonly headers: Headers = NO_HEADERS,
  ) {}

  withKey<NK>(key: NK): Record<NK, V> {
    return new Record(key, this.value, this.timestamp, this.headers);
  }

  withValue<NV>(value: NV): Record<K, NV> {
    return new Record(this.key, value, this.timestamp, this.headers);
  }

  withTimestamp(timestamp: number): Record<K, V> {
    return new Record(this.key, this.value, timestamp, this.headers);
  }

  withHeaders(headers: Headers): Record<K, V> {
    return new Record(this.key, this.value, this.timestamp, headers);
  }
}

/** Where the record being processed came from (absent inside punctuations). */
export interface RecordMetadata {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/** A KTable update: the new value and, when the table keeps it, the previous one (null: none). */
export interface Change<V> {
  readonly newValue: V | null;
  readonly oldValue: V | null;
}

/** A value with the timestamp of the record that last wrote it (a timestamped store's entry). */
export interface ValueAndTimestamp<V> {
  readonly value: V;
  readonly timestamp: number;
}

/** A key and value pair, as KeyValue in Kafka Streams (flatMap results, store iterators). */
export interface KeyValue<K, V> {
  readonly key: K;
  readonly value: V;
}

export function keyValue<K, V>(key: K, value: V): KeyValue<K, V> {
  return { key, value };
}
