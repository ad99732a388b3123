// The interfaces of core/streams: JetStream's view of a one-partition topic of the log, as the
// $JS.API front-end (src/jetstream), the JetStream consumer coordinator
// (src/core/coordinators/jetstream) and the monitor (/jsz) see it. No wire format here: no JSON,
// no NATS protocol, no Kafka protocol; configs are plain values (durations in nanoseconds as
// bigint, as nats-server keeps them), messages are Buffers.
//
// The mapping (docs/jetstream.md 1.1): a stream S is topic S with one partition; sequence n is
// offset n - 1; a message's subject is the record key, its payload the record value, its NATS
// headers the record headers; its time is the record timestamp (LogAppendTime, milliseconds).
import type { SubscriptionOwner } from '../routing/router.js';

// ---------------------------------------------------------------------------------------------
// Configuration, as nats-server returns it (field names are nats-server's JSON names).

export type Retention = 'limits' | 'interest' | 'workqueue';
export type Discard = 'old' | 'new';
export type Storage = 'file' | 'memory';
export type Compression = 'none' | 's2';

export interface SubjectTransform {
  src: string;
  dest: string;
}

export interface RePublish {
  src?: string;
  dest: string;
  headers_only?: boolean;
}

export interface ExternalStream {
  api: string;
  deliver: string;
}

export interface StreamSource {
  name: string;
  opt_start_seq?: number;
  /** RFC 3339, as given. */
  opt_start_time?: string;
  filter_subject?: string;
  subject_transforms?: SubjectTransform[];
  external?: ExternalStream;
  /** ADR-60 durable sourcing: read through this existing durable push consumer of the origin. */
  consumer?: StreamConsumerSource;
}

export interface StreamConsumerSource {
  name: string;
  deliver_subject: string;
}

export interface StreamConsumerLimits {
  /** ns */
  inactive_threshold?: bigint;
  max_ack_pending?: number;
}

export interface StreamConfig {
  name: string;
  description?: string;
  subjects?: string[];
  retention: Retention;
  max_consumers: number;
  max_msgs: number;
  max_bytes: number;
  /** ns; 0 = no limit. */
  max_age: bigint;
  max_msgs_per_subject: number;
  max_msg_size: number;
  discard: Discard;
  storage: Storage;
  num_replicas: number;
  no_ack?: boolean;
  /** ns */
  duplicate_window: bigint;
  mirror?: StreamSource;
  sources?: StreamSource[];
  compression: Compression;
  first_seq?: number;
  subject_transform?: SubjectTransform;
  republish?: RePublish;
  allow_direct: boolean;
  mirror_direct: boolean;
  discard_new_per_subject?: boolean;
  sealed: boolean;
  deny_delete: boolean;
  deny_purge: boolean;
  allow_rollup_hdrs: boolean;
  consumer_limits: StreamConsumerLimits;
  allow_msg_ttl: boolean;
  /** ns */
  subject_delete_marker_ttl?: bigint;
  /** Counter CRDTs (ADR-49): every message is an increment (Nats-Incr) of its subject's counter. */
  allow_msg_counter?: boolean;
  /** Atomic batch publish (ADR-50). */
  allow_atomic?: boolean;
  /** Fast batch publish (ADR-50's fast ingest, nats-server 2.14; fast-batch.ts). */
  allow_batched?: boolean;
  /** Message schedules (ADR-51). */
  allow_msg_schedules?: boolean;
  /**
   * nats-server 2.12's async persist (ADR "JetStream Consistency Models"): set only when 'async'
   * ('default' and '' are stored as absent, as nats-server omits them). Wharf still answers each
   * publish once it is durable (the stronger guarantee; docs/jetstream.md 1.26).
   */
  persist_mode?: 'async';
  metadata?: Record<string, string>;
}

/** An API error as nats-server answers it: HTTP-like code, JetStream err_code, description. */
export interface JsApiError {
  code: number;
  err_code: number;
  description: string;
}

/** The account-wide JetStream limits a stream config is checked against. */
export interface AccountLimits {
  /** Bytes of memory streams the server may hold; -1 = unlimited. */
  maxMemory: number;
  /** Bytes of file streams the server may hold; -1 = unlimited. */
  maxStorage: number;
  /** Streams the account may have; -1 or absent = unlimited. */
  maxStreams?: number;
}

// ---------------------------------------------------------------------------------------------
// Messages and state.

export interface StoredMessage {
  seq: number;
  /** The subject (the record key), as a byte string: one char per byte, as the NATS front-end decodes subjects. */
  subject: string;
  /**
   * The NATS header block ("NATS/1.0\r\nName: value\r\n...\r\n\r\n") rebuilt from the record
   * headers, or an empty buffer when the record has none. Never changed after it is handed
   * out: a receiver may keep it.
   */
  hdr: Buffer;
  /** The payload (the record value): a view into stored bytes that are never changed. */
  data: Buffer;
  /** Stored time, ms since the epoch. */
  time: number;
}

export interface StreamState {
  messages: number;
  /** Bytes in nats-server's accounting (docs/jetstream.md 1.7), not Kafka's. */
  bytes: number;
  /** 0 for a stream that never had a message (nats-server's empty state); else last_seq + 1 when empty. */
  first_seq: number;
  /** ms since the epoch; 0 when there is no first message. */
  first_ts: number;
  last_seq: number;
  /** ms since the epoch; 0 when there is no last message. */
  last_ts: number;
  num_subjects: number;
  num_deleted: number;
  consumer_count: number;
}

/**
 * A set of subjects (literal or with wildcards) a consumer filters on. Built once with
 * `subjectFilter()` (core/streams/subject-filter.ts) and kept: matching caches its decisions.
 */
export interface SubjectFilter {
  readonly subjects: readonly string[];
  /** True when no subject of the filter has a wildcard token (an index can look them up). */
  readonly literalOnly: boolean;
  /** Whether a literal subject (a byte string) passes the filter. */
  matches(subject: string): boolean;
}

/** Why messages left a stream. */
export type RemovalReason = 'delete' | 'purge' | 'limits' | 'ttl' | 'rollup' | 'ack';

export type StreamEvent =
  /** Messages [first, last] are durable and readable (last >= first). */
  | { kind: 'appended'; first: number; last: number }
  /**
   * Messages left the stream. `firstSeq` is the stream's first sequence after the removal
   * (everything below it is gone, whatever `seqs` says); `seqs` lists removed sequences at or
   * above it (deletes that are not a prefix), in ascending order.
   */
  | { kind: 'removed'; reason: RemovalReason; firstSeq: number; seqs: readonly number[] }
  /** The stream's config changed (STREAM.UPDATE, or a topic config altered over Kafka). */
  | { kind: 'updated'; config: StreamConfig }
  /** The stream is gone (STREAM.DELETE, or its topic deleted over Kafka); no event follows. */
  | { kind: 'deleted' };

export interface PurgeRequest {
  filter?: string;
  seq?: number;
  keep?: number;
}

/**
 * What the consumers of a stream tell it, for interest and work-queue retention and for
 * consumer_count. Installed by the consumer coordinator with StreamView.setConsumerHooks().
 */
export interface StreamConsumerHooks {
  /** Number of consumers on the stream (state().consumer_count). */
  consumerCount(): number;
  /**
   * Interest retention: whether some consumer (by its filter) still needs the message with
   * this subject at `seq`. A message nobody needs is removed right after its append.
   */
  interested(subject: string, seq: number): boolean;
}

/** Which message of the stream a direct get or MSG.GET asks for. */
export interface MessageQuery {
  seq?: number;
  last_by_subj?: string;
  next_by_subj?: string;
}

export interface StreamView {
  readonly name: string;
  /** The id of the stream's topic (32 hex digits): stable across restarts, new after a re-create. */
  readonly topicId: string;
  /** The config in force; replaced (never mutated) on update. */
  readonly config: StreamConfig;
  /** When the stream was created, ms since the epoch. */
  readonly created: number;
  state(): StreamState;

  /** Sequence of the first live message, or last_seq + 1 when the stream is empty. */
  readonly firstSeq: number;
  /** Sequence of the last message ever appended (0 for a new stream). */
  readonly lastSeq: number;
  /** False while the stream's partition is offline (damaged, or a failed fsync): its sequences are then not what it holds. */
  readonly online: boolean;

  /**
   * One NATS publish on a subject the stream captures, called synchronously by the Router
   * capture with the message still in the read buffer (docs/jetstream.md 1.3). Checks it,
   * appends it to the stream's open batch and answers `reply` with the PubAck (or the error)
   * through Router.publish once the append is durable. Returns true when the Router must hold
   * back the fan-out of this message to core subscribers (the stream delivers it itself, in log
   * order, after an earlier Kafka append is durable: docs/jetstream.md 1.4).
   */
  capture(subject: string, reply: string | undefined, hdrLen: number, msg: Buffer, origin: SubscriptionOwner | null): boolean;

  /** The message at seq, or null when it is deleted, purged or not there. */
  get(seq: number): Promise<StoredMessage | null>;
  /** First live message at or after seq whose subject passes `filter` (null = any subject). */
  next(seq: number, filter: SubjectFilter | null): Promise<StoredMessage | null>;
  /** Sequence of the first live message at or after seq passing `filter`, or 0: no read, from the subject index. */
  nextSeq(seq: number, filter: SubjectFilter | null): number;
  /** The last live message on a subject (wildcards allowed: the last matching), or null. */
  last(subject: string): Promise<StoredMessage | null>;
  /** Sequence of the last live message on `subject` (wildcards allowed), or 0: from the subject index. */
  lastSeqOf(subject: string): number;
  /**
   * The last live sequence of every subject passing `filter` (null = any), ascending: where a
   * last_per_subject consumer starts. From the subject index, no read.
   */
  lastSeqs(filter: SubjectFilter | null): number[];
  /**
   * Reads the live messages at or after `seq` passing `filter`, in order, calling `fn` with each
   * until it returns false or `max` messages were passed: one read of the log for the whole run,
   * no promise per message (consumer deliveries). The message passed is valid during the call
   * only. Resolves with how many messages `fn` took (the one it refused not counted).
   */
  readMany(seq: number, filter: SubjectFilter | null, max: number, fn: (m: StoredMessage) => boolean): Promise<number>;
  /**
   * Live messages at or after fromSeq passing `filter`; with `lastPerSubject`, the number of
   * matching subjects whose last message is at or after fromSeq (consumer num_pending). From
   * the subject index, no read.
   */
  count(fromSeq: number, filter: SubjectFilter | null, lastPerSubject: boolean): number;
  /** Subject of a live sequence, or null: from the subject index, no read. */
  subjectOf(seq: number): string | null;
  /** Size of a live message in nats-server's accounting (Nats-Pending-Bytes, max_bytes of pulls), or 0. */
  sizeOf(seq: number): number;
  /** First sequence whose stored time is >= `timeMs` (deliver policy by_start_time), or lastSeq + 1. */
  seqForTime(timeMs: number): Promise<number>;

  /** Deletes one message (MSG.DELETE; erase or not). False when it is not there. Durable on return. */
  delete(seq: number, erase: boolean): Promise<boolean>;
  /** Purges as STREAM.PURGE does; returns how many messages went. Durable on return. */
  purge(req: PurgeRequest): Promise<number>;
  /**
   * Removes messages acknowledged by consumers (interest and work-queue retention). Only
   * durably acknowledged messages may be passed. Durable on return.
   */
  removeAcked(seqs: readonly number[]): Promise<void>;

  /** Every durable change, in sequence order. Returns the function that stops listening. */
  onChange(listener: (ev: StreamEvent) => void): () => void;
  /** Installs (or with null removes) what the consumer coordinator tells the stream. */
  setConsumerHooks(hooks: StreamConsumerHooks | null): void;

  /** Live message count per subject matching `filter` (STREAM.INFO subjects_filter). */
  subjects(filter: string): Map<string, number>;
  /** Deleted sequences between the first and the last (STREAM.INFO deleted_details), ascending. */
  deleted(): number[];
}

export type StreamRegistryEvent =
  | { kind: 'created'; stream: StreamView }
  | { kind: 'updated'; stream: StreamView }
  | { kind: 'deleted'; stream: StreamView };

/**
 * A stream config as a client sent it (decoded from JSON by the front-end, unset fields
 * absent): the registry fills nats-server's defaults and checks its rules.
 */
export type StreamConfigInput = Partial<StreamConfig>;

export interface StreamRegistry {
  /** Creates a stream (idempotent for an identical config); an error as nats-server answers it. */
  create(cfg: StreamConfigInput): Promise<{ stream: StreamView; created: boolean } | JsApiError>;
  update(cfg: StreamConfigInput): Promise<StreamView | JsApiError>;
  /** Deletes the stream and its topic. False when there is none. */
  delete(name: string): Promise<boolean>;
  get(name: string): StreamView | undefined;
  /** Names sorted as STREAM.NAMES lists them, optionally only streams whose subjects collide with `subjectFilter`. */
  names(subjectFilter?: string): string[];
  /** The stream capturing a publish subject, if any (one at most: overlaps are refused). */
  capturing(subject: string): StreamView | undefined;
  /** Streams created, updated or deleted, by either protocol. Returns the function that stops listening. */
  onChange(listener: (ev: StreamRegistryEvent) => void): () => void;
}
