// What a task exchanges with whoever drives it (the TopologyTestDriver or a stream thread over
// Kafka): records consumed from a partition, records to produce, and the services a task needs.
import type { Headers } from '../record.js';
import type { Serde } from '../serdes.js';
import type { BytesStore } from '../state/bytes-store.js';
import type { StoreSpec } from '../state/spec.js';
import type { StateStore } from '../state/api.js';

export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Headers;
}

export interface OutgoingRecord {
  readonly topic: string;
  /** undefined: the producer chooses (null key, no partitioner). */
  readonly partition: number | undefined;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: number;
  readonly headers: Headers;
}

export interface RecordCollector {
  send(record: OutgoingRecord): void;
}

export type DeserializationHandler = 'logAndContinue' | 'logAndFail' | ((error: Error, record: ConsumedRecord) => 'continue' | 'fail');

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export interface TaskEnvironment {
  readonly applicationId: string;
  readonly collector: RecordCollector;
  /** Full topic name of a topology topic name (internal ones get `<applicationId>-`). */
  topicName(name: string, internal: boolean): string;
  /** Partition count of an output topic (sinks partition keyed records by murmur2). */
  partitionsFor(topic: string): number;
  /** Opens the engine of a store of a task. */
  openStore(taskId: string, spec: StoreSpec): BytesStore;
  readonly cacheBytesPerStore: number;
  readonly defaultKeySerde: Serde<unknown> | undefined;
  readonly defaultValueSerde: Serde<unknown> | undefined;
  readonly deserializationHandler: DeserializationHandler;
  wallClock(): number;
  readonly logger: Logger;
  /** A global store (filled from all partitions of its topic), if the topology has one of that name. */
  globalStore(name: string): StateStore | undefined;
  /** Asks the driver for a commit soon (ProcessorContext.commit()). */
  requestCommit(): void;
}
