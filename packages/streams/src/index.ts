// wharf/streams: a stream-processing library over the Kafka protocol with the concepts and API of
// Kafka Streams (StreamsBuilder, KStream, KTable, GlobalKTable, windows, joins, state stores,
// the Processor API), running against any Kafka broker: Wharf or Apache Kafka.
export { Serdes, SerializationError, type Serde } from './serdes.js';
export { Record, keyValue, type Change, type Headers, type KeyValue, type RecordMetadata, type ValueAndTimestamp } from './record.js';
export * from './errors.js';
export { PunctuationType, type Cancellable, type FixedKeyProcessor, type Processor, type ProcessorContext, type ProcessorSupplier, type Punctuator } from './processor/api.js';
export type { KeyValueStore, ReadOnlyKeyValueStore, ReadOnlySessionStore, ReadOnlyWindowStore, SessionStore, StateStore, TimestampedKeyValueStore, Window, WindowStore, WindowStoreEntry, Windowed } from './state/api.js';
export { Stores, StoreBuilder, type StoreSpec } from './state/spec.js';
export { Topology, type OffsetReset, type StreamPartitioner, type TimestampExtractor, type TopicNameExtractor } from './topology/topology.js';
export type { NodeDescription, SubtopologyDescription, TopologyDescription } from './topology/describe.js';
export { StreamsBuilder } from './dsl/streams-builder.js';
export { KStream, BranchedKStream } from './dsl/kstream.js';
export { KTable, type WindowedKTable } from './dsl/ktable.js';
export { GlobalKTable } from './dsl/global-ktable.js';
export { KGroupedStream, SessionWindowedKStream, TimeWindowedKStream } from './dsl/grouped-stream.js';
export { KGroupedTable } from './dsl/grouped-table.js';
export { JoinWindows, SessionWindows, SlidingWindows, TimeWindows } from './dsl/windows.js';
export { BufferConfig, Suppressed } from './dsl/suppressed.js';
export { WindowedSerdes, type WindowedSerde } from './dsl/windowed-serdes.js';
export type { Branched, Consumed, Grouped, Joined, Materialized, Named, Produced, Repartitioned, StoreType, StreamJoined, TableJoined } from './dsl/options.js';
export { TopologyTestDriver, TestInputTopic, TestOutputTopic, type TestDriverConfig, type TestRecord } from './test-driver/driver.js';
export type { DeserializationHandler, Logger } from './runtime/types.js';
export { KafkaStreams, type QueryableKeyValueStore, type QueryableSessionStore, type QueryableWindowStore, type StreamsState, type TaskMetricsSnapshot } from './kafka-streams.js';
export type { ProcessingGuarantee, StreamsConfig } from './config.js';
export { resetApplication, type ResetOptions, type ResetReport } from './tools/reset.js';
