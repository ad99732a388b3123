// What every Kafka API handler sees of the broker: the log, the options, the identity of this
// node in the (single-node) cluster, and the hooks later coordinators plug into.
import type { BrokerOptions } from '../config.js';
import type { Log, AppendOutcome } from '../core/log/index.js';
import type { Logger } from '../log.js';
import type { ErrorCode } from './errors.js';

/** Node id of this broker; it is its own controller. */
export const NODE_ID = 1;
/**
 * Leader epoch of every partition. Wharf is a single node that never changes leader, so the
 * epoch is 0 forever; Produce stamps it into each batch, Metadata, Fetch, ListOffsets and
 * OffsetForLeaderEpoch report and check it.
 */
export const LEADER_EPOCH = 0;

/** What the producer-state check of an idempotent or transactional batch decided. */
export type ProducerCheck =
  | { action: 'append' }
  /** A retry of a batch already appended: answer with its earlier outcome, append nothing. */
  | { action: 'duplicate'; outcome: AppendOutcome }
  | { action: 'reject'; errorCode: ErrorCode; message: string };

/** Facts of a batch with producerId >= 0, from its header. */
export interface ProducerBatch {
  topic: string;
  partition: number;
  transactionalId: string | null;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  lastOffsetDelta: number;
  transactional: boolean;
}

/**
 * Hook of the producer-id/sequence and transaction coordinator (its own issue): called for each
 * batch whose producerId is >= 0 before it is appended, and after the append is acknowledged.
 * Without a hook such batches are appended as they are.
 */
export interface ProducerStateHook {
  check(batch: ProducerBatch): ProducerCheck | Promise<ProducerCheck>;
  appended(batch: ProducerBatch, outcome: AppendOutcome): void;
  /** The append of a batch that check() let through failed (its sequence range is free again). */
  failed?(batch: ProducerBatch, error: unknown): void;
}

export interface KafkaBroker {
  readonly log: Log;
  readonly options: BrokerOptions;
  readonly logger: Logger;
  readonly nodeId: number;
  /** The log's cluster id (kept durably by the storage engine). */
  readonly clusterId: string;
  /** Host and port clients are told to connect to (Metadata, DescribeCluster). */
  advertisedHost: string;
  advertisedPort: number;
  producerState: ProducerStateHook | null;
}

/** Kafka's text form of a topic id (base64url of 16 bytes) from the log's 32 hex digits. */
export function topicIdToWire(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64url');
}

export function topicIdFromWire(id: string): string {
  return Buffer.from(id, 'base64url').toString('hex');
}

export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';
