// Public surface of the log for the broker and the front-ends.
export { openLog, Log, validateTopicName, type LogOptions, type TopicInfo, type PartitionInfo } from './log-manager.js';
export { LogPartition, type DataWaiter, type AppendOutcome, type PartitionReadResult, type ReadOptions, type AppendListener, type AbortedTransaction, type PartitionTransactionState } from './partition.js';
export { LogError, StorageCorruptionError, isLogError, type LogErrorCode } from '../records/errors.js';
export { registerCompressionCodec, CompressionType, type CompressionCodec } from '../records/compression.js';
export { TOPIC_CONFIGS, resolveTopicSettings, validateTopicConfig, type TopicSettings } from './topic-config.js';
export * as recordBatch from '../records/batch.js';
