// The storage engine interface: the only thing the log (src/core/log) knows about where its
// bytes live. It speaks in topics, partitions, offsets and record batches, never in files or
// segments, so that another engine (memory/ today, a shared one on PostgreSQL later) stands in
// for the local-disk one without touching the log or the protocol code. The broker picks the
// engine (src/storage/index.ts); the log is handed one.
//
// Contract, for every engine:
// - A partition is a sequence of Kafka v2 record batches with increasing offsets. The engine
//   assigns offsets: append() stamps the base offset into the batch in place and stores the
//   bytes unchanged otherwise.
// - append() resolves once the batch is acknowledged under the partition's durability policy
//   (see DurabilityPolicy). Appends of one partition are acknowledged in the order they were
//   called; if one fails, every append queued behind it fails too and the partition's end
//   offset returns to the end of the last acknowledged batch, so offsets never have holes.
// - read() returns only acknowledged batches, whole, as stored.
// - Everything below logStartOffset is gone for readers; the engine may free it at any time.
// - Retention and compaction work in whole units of storage (Kafka's segments). Retention may
//   free the unit still being appended to once all of it is acknowledged and due (the engine
//   starts a new, empty one at the end first: the log start offset becomes the end offset);
//   compaction never rewrites it (units.ts).
// test/storage/contract.test.ts checks this contract against every engine.
import type { FsyncPolicy } from '../config.js';
import type { LogError } from '../core/records/errors.js';
import type { ReadBuffers } from '../util/buffer-pool.js';

export type DurabilityPolicy = FsyncPolicy;

/** Identity of a partition. topicId distinguishes a topic from a deleted one of the same name. */
export interface PartitionRef {
  topic: string;
  topicId: string;
  partition: number;
}

/** Settings of a partition's storage; the log derives them from topic configs. Changeable live. */
export interface PartitionStorageSettings {
  /** When appends are made durable before being acknowledged. */
  durability: DurabilityPolicy;
  /** Under 'interval': the longest time an acknowledged append stays un-fsynced. */
  durabilityIntervalMs: number;
  /** Size at which the engine starts a new unit of storage (Kafka's segment.bytes). */
  segmentBytes: number;
  /** Age at which the engine starts a new unit of storage (Kafka's segment.ms). */
  segmentMs: number;
  /** Bytes between entries of the offset and time lookup structures (Kafka's index.interval.bytes). */
  indexIntervalBytes: number;
}

export interface AppendResult {
  baseOffset: number;
  /** Offset of the last record of the last batch appended. */
  lastOffset: number;
}

export interface ReadResult {
  /** Whole stored batches, in offset order, starting with the batch that contains the offset asked for. */
  chunks: Buffer[];
  bytes: number;
  /** Offset after the last batch returned. */
  nextOffset: number;
}

export interface TimestampLookup {
  /** Offset of the first batch whose max timestamp is >= the timestamp asked for. */
  offset: number;
  timestamp: number;
}

export interface RetentionRule {
  /** Data whose newest record is older than this (ms since the epoch) may go. */
  deleteOlderThan?: number;
  /** Keep the partition at or under this many bytes, freeing the oldest data first. */
  maxBytes?: number;
}

/**
 * A rewrite of batches for compaction: called with each stored batch (its own bytes, offsets
 * stamped); returns the batch to keep (the same Buffer when unchanged), or null to drop it.
 * Offsets of kept records never change.
 */
export type BatchRewrite = (batch: Buffer) => Buffer | null | Promise<Buffer | null>;

export interface RewriteResult {
  /** Offset up to which (exclusive) the data was rewritten; below the end of the log. */
  rewrittenUpTo: number;
  bytesBefore: number;
  bytesAfter: number;
}

/** Offsets `from`..`to` (inclusive). */
export interface OffsetRange {
  from: number;
  to: number;
}

/** What recovery dropped as damaged from a partition at this start (see docs/storage.md, "Recovery"). */
export interface SalvageFacts {
  /** Damaged byte ranges cut out of segment files, the batches after them kept. */
  ranges: number;
  /** Offsets that were in them (acknowledged data lost to the damage). */
  offsets: number;
  /** Bytes cut out. */
  bytes: number;
}

export interface PartitionStore {
  readonly ref: PartitionRef;
  /**
   * Offset ranges at or above the log start offset that recovery dropped as damaged (salvage):
   * readers find the next batch after them, as after compaction. Kept across restarts; absent
   * for an engine that never salvages.
   */
  readonly lostRanges?: readonly OffsetRange[];
  /** What recovery salvaged at this start (absent: nothing, or an engine that never does). */
  readonly salvaged?: SalvageFacts;
  /** First offset readers may see. */
  readonly logStartOffset: number;
  /** Offset the next append will get (appends still in flight included). */
  readonly endOffset: number;
  /** End of what has been acknowledged: readers see offsets below it (the high watermark). */
  readonly acknowledgedEnd: number;
  /** End of what is known to be on stable storage (fsynced): <= acknowledgedEnd. */
  readonly durableEnd: number;
  /** Bytes stored for the partition. */
  readonly sizeBytes: number;
  /** Set when the partition went offline (corruption found, fsync failed): every call then fails with it. */
  readonly failure: LogError | null;

  configure(settings: PartitionStorageSettings): void;

  /**
   * Stores one or more validated batches (a buffer of whole batches whose header facts the log
   * has checked) at the end of the log. `lastOffsetDeltas[i]` and `maxTimestamps[i]` describe
   * the i-th batch. The engine owns `batches` from now on: it stamps offsets into it and may
   * keep it in memory.
   *
   * `expectBase`: the offset the caller numbered the first batch with before handing it over
   * (an append observer, a JetStream stream, numbers messages while earlier appends are still
   * in flight). When the append would get another base offset (an append before it failed and
   * took no offsets), it is refused unwritten with KAFKA_STORAGE_ERROR instead of being stored
   * under offsets the caller does not know. Without it, appends behind a failed one go on.
   */
  append(batches: Buffer, lastOffsetDeltas: readonly number[], maxTimestamps: readonly number[], expectBase?: number): Promise<AppendResult>;

  /**
   * Reads whole batches from `offset` (the batch containing it, or the next one if it fell in
   * a gap left by compaction), up to `maxBytes` but at least one batch, stopping before `maxOffset`.
   * With `buffers`, bytes read from files go into buffers taken from it (the caller owns their
   * lifetime: a Fetch lends pooled buffers until the socket has written them); without, fresh ones.
   */
  read(offset: number, maxBytes: number, maxOffset?: number, buffers?: ReadBuffers): Promise<ReadResult>;

  /** First batch with max timestamp >= `timestamp`, or null if there is none. */
  offsetForTimestamp(timestamp: number): Promise<TimestampLookup | null>;

  /** Advances the log start offset to `offset` (DeleteRecords) and frees what it can below it. Durable on return. */
  deleteBefore(offset: number): Promise<void>;

  /**
   * Frees the oldest data that `rule` lets go, and units holding nothing at or above the log
   * start offset, in whole units of storage, the one appended to included; returns the new log
   * start offset.
   */
  applyRetention(rule: RetentionRule): Promise<number>;

  /** Removes every batch that ends at or after `offset`; the new end is the base offset of the first removed batch. */
  truncateTo(offset: number): Promise<void>;

  /**
   * Rewrites data below `upTo` (compaction, erasing deleted records), in the background: appends
   * and reads go on meanwhile. An engine may rewrite less than asked (e.g. not data it is still
   * appending to) and says how far it went. Units of storage that end at or below `from` are
   * left alone. A crash in the middle leaves each unit either as it was or as rewritten.
   */
  rewrite(upTo: number, fn: BatchRewrite, from?: number): Promise<RewriteResult>;

  /** Makes everything appended so far durable and persists the partition's state. */
  checkpoint(): Promise<void>;

  close(): Promise<void>;
}

/** Topic metadata as the engine persists it; configs are Kafka's names and string values. */
export interface StoredTopic {
  name: string;
  topicId: string;
  partitions: number;
  configs: Record<string, string>;
  createdAt: number;
}

export interface StorageEngine {
  readonly kind: string;
  /** Where the data lives, for people (a directory, "memory"); Kafka reports it as log.dirs. */
  readonly location: string;
  /** Every topic whose creation was committed and whose deletion was not. */
  loadTopics(): Promise<StoredTopic[]>;
  /** Creates or updates a topic's metadata durably. Partitions are created by openPartition(). */
  putTopic(topic: StoredTopic): Promise<void>;
  /** Removes a topic's metadata and all its partitions' data (closed by the caller first). */
  dropTopic(topic: StoredTopic): Promise<void>;
  /**
   * Opens a partition, creating it if `create` is set, after recovering it if needed. Throws
   * StorageCorruptionError when the partition's data is damaged beyond a torn tail.
   */
  openPartition(ref: PartitionRef, settings: PartitionStorageSettings, create: boolean): Promise<PartitionStore>;
  /** Broker-wide metadata (the cluster id, ...): small string values by key, as last stored. */
  loadMetadata(): Promise<Record<string, string>>;
  /**
   * Stores `value` under `key` durably (a crash leaves the old or the new value, never a mix)
   * and returns the value now stored. With `onlyIfAbsent` a value already stored wins and is
   * returned instead: how brokers sharing one engine agree on a value created once.
   */
  putMetadata(key: string, value: string, opts?: { onlyIfAbsent?: boolean }): Promise<string>;
  /** Makes everything durable (all partitions must be checkpointed or closed first) and releases the engine. */
  close(): Promise<void>;
  /** What the engine holds in memory beside the data it stores (absent: nothing worth counting). */
  memory?(): EngineMemory;
}

/** Memory an engine keeps to serve lookups, as it accounts it, and its configured bound. */
export interface EngineMemory {
  /** Bytes of segment indexes in memory now. */
  indexBytes: number;
  /** The bound of indexBytes (Infinity when unbounded). */
  indexLimit: number;
}

/**
 * Receives what the append path of a disk engine measures, for the monitor's metrics: each
 * fsync's duration and each group commit's size. Installed by the broker when it serves
 * /metrics; engines call it only when it is set.
 */
export interface StorageObserver {
  /** An fdatasync of the append path or of the interval policy took `seconds`. */
  fsync(seconds: number): void;
  /** One group commit wrote `appends` appends (producer requests or NATS event batches) of `bytes` bytes together. */
  groupCommit(appends: number, bytes: number): void;
}
