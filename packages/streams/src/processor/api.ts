// The Processor API, as Kafka Streams' org.apache.kafka.streams.processor.api: a processor
// receives records one at a time, may read and write the state stores connected to it, forwards
// records to its children and schedules punctuations on stream time or wall-clock time. Every DSL
// operator is built on it.
import type { Record, RecordMetadata } from '../record.js';
import type { KeyValueStore, SessionStore, StateStore, TimestampedKeyValueStore, WindowStore } from '../state/api.js';

export type PunctuationType = 'STREAM_TIME' | 'WALL_CLOCK_TIME';

export const PunctuationType = {
  STREAM_TIME: 'STREAM_TIME',
  WALL_CLOCK_TIME: 'WALL_CLOCK_TIME',
} as const;

/** A scheduled punctuation; cancel() stops it. */
export interface Cancellable {
  cancel(): void;
}

export type Punctuator = (timestamp: number) => void;

export interface ProcessorContext<KForward = never, VForward = never> {
  readonly applicationId: string;
  /** `<subtopology>_<partition>`, as Kafka Streams names tasks. */
  readonly taskId: string;
  /** The source record being processed; null inside a punctuation or a cache flush. */
  readonly recordMetadata: RecordMetadata | null;
  /** The largest timestamp this task has seen (-1 before the first record). */
  currentStreamTimeMs(): number;
  currentSystemTimeMs(): number;
  /** Sends a record to every child, or only to the child of that name. */
  forward<K extends KForward, V extends VForward>(record: Record<K, V>, childName?: string): void;
  schedule(intervalMs: number, type: PunctuationType, punctuator: Punctuator): Cancellable;
  /** Asks for a commit as soon as possible (after the current batch). */
  commit(): void;
  getStateStore(name: string): StateStore;
  getKeyValueStore<K, V>(name: string): KeyValueStore<K, V>;
  getTimestampedKeyValueStore<K, V>(name: string): TimestampedKeyValueStore<K, V>;
  getWindowStore<K, V>(name: string): WindowStore<K, V>;
  getSessionStore<K, V>(name: string): SessionStore<K, V>;
}

export interface Processor<KIn, VIn, KOut = never, VOut = never> {
  init?(context: ProcessorContext<KOut, VOut>): void;
  process(record: Record<KIn, VIn>): void;
  close?(): void;
}

/** A processor that cannot change the key (KStream.processValues). */
export interface FixedKeyProcessor<KIn, VIn, VOut = never> {
  init?(context: ProcessorContext<KIn, VOut>): void;
  process(record: Record<KIn, VIn>): void;
  close?(): void;
}

export type ProcessorSupplier<KIn, VIn, KOut = never, VOut = never> = () => Processor<KIn, VIn, KOut, VOut>;
