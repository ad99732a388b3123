// The package's public API: start a broker in-process, its options, and the errors a caller
// may want to tell apart.
export { startBroker } from './broker.js';
export type { Broker, BrokerPorts } from './broker.js';
export { configFromFlags, ConfigError, DEFAULT_OPTIONS } from './config.js';
export type { BrokerConfig, BrokerOptions, NatsOptions, KafkaOptions, StorageOptions, GroupOptions, TransactionOptions, HttpOptions, OptionsByFlag } from './config.js';
export { DataDirInUseError } from './storage/index.js';
