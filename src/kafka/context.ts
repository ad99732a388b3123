// What the Kafka front-end's handlers use besides their request: the services of the listener
// (log, coordinators, options, logger, cluster identity, authorizer, the producer-state check,
// the fetch session cache, client telemetry),
// the identity of this node in its single-node cluster, and the producer-state hook's types.
import type { DynamicBrokerConfigs } from '../core/config/dynamic-broker-configs.js';
import type { KafkaOptions } from '../config.js';
import type { Coordinators } from '../core/coordinators/index.js';
import type { Log, AppendOutcome } from '../core/log/index.js';
import type { Authorizer } from '../core/security/authorizer.js';
import type { SecurityStore } from '../core/security/security-store.js';
import type { Logger, LoggerLevels } from '../log.js';
import type { ErrorCode } from './errors.js';
import type { FetchSessionCache } from './fetch-session.js';
import type { KafkaStats } from './stats.js';
import type { ShareSessionCache } from './share-session.js';
import type { ClientTelemetry } from './client-telemetry.js';
import type { BufferPool } from '../util/buffer-pool.js';

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
  /** A control batch that passed the transaction check: clients may not write it (the caller refuses it). */
  | { action: 'refuse-control' }
  /** A retry of a batch already appended: answer with its earlier outcome, append nothing. */
  | { action: 'duplicate'; outcome: AppendOutcome }
  | { action: 'reject'; errorCode: ErrorCode; message: string };

/** Facts of a batch with producerId >= 0, from its header. */
export interface ProducerBatch {
  topic: string;
  partition: number;
  transactionalId: string | null;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  lastOffsetDelta: number;
  transactional: boolean;
  /** The batch holds control records (a COMMIT/ABORT marker): only the coordinator may write those. */
  control: boolean;
  /**
   * Version of the Produce request: from v11 a write outside the transaction is answered
   * TRANSACTION_ABORTABLE (KIP-890 part 1), from v12 a transactional write adds its partition
   * to the transaction itself (transactions v2, KIP-890 part 2).
   */
  produceVersion: number;
}

/** A transactional producer's partitions that a Produce v12+ request writes to. */
export interface TransactionalWrite {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  partitions: Array<{ topic: string; partition: number }>;
}

/**
 * The producer-id/sequence and transaction check of the Produce path: called for each batch
 * whose producerId is >= 0 before it is appended. The partition itself reports acknowledged
 * appends to the producer state, so only a failed append needs telling.
 */
export interface ProducerStateHook {
  check(batch: ProducerBatch): ProducerCheck | Promise<ProducerCheck>;
  /**
   * Adds the partitions of a Produce v12+ request to the producer's transaction in one step
   * before its batches are checked (check() would add them one by one). Errors are left to
   * check(), which answers them per partition.
   */
  addToTransaction(write: TransactionalWrite): Promise<void>;
  /** The append of a batch that check() let through failed (its sequence range is free again). */
  failed(batch: ProducerBatch, error: unknown): void;
}

/** Who this broker is: what Metadata, DescribeCluster and FindCoordinator tell clients. */
export interface ClusterIdentity {
  readonly nodeId: number;
  /** The log's cluster id (kept durably by the storage engine). */
  readonly clusterId: string;
  /** Host and port clients are told to connect to. */
  readonly advertisedHost: string;
  readonly advertisedPort: number;
}

/** The services of a Kafka listener, shared by its connections. */
export interface KafkaServices {
  readonly log: Log;
  readonly coordinators: Coordinators;
  readonly options: KafkaOptions;
  readonly logger: Logger;
  readonly cluster: ClusterIdentity;
  /** Consulted on every request, through the request context's authorize(). */
  readonly authorizer: Authorizer;
  /** SCRAM credentials and ACL bindings. */
  readonly security: SecurityStore;
  /** Dynamic broker configs (the BROKER config resource). */
  readonly brokerConfigs: DynamicBrokerConfigs;
  /** The broker's named loggers and their levels (the BROKER_LOGGER config resource). */
  readonly loggerLevels: LoggerLevels;
  readonly producerState: ProducerStateHook;
  /** Incremental fetch sessions of the listener's clients (KIP-227). */
  readonly fetchSessions: FetchSessionCache;
  /** The listener's share sessions (KIP-932). */
  readonly shareSessions: ShareSessionCache;
  /** Client telemetry instances (KIP-714), answered as without a metrics plugin. */
  readonly telemetry: ClientTelemetry;
  /** The listener's counters (bytes, requests) and the request-latency hook of the monitor. */
  readonly stats: KafkaStats;
  /** Read buffers Fetch responses borrow until they are written (RequestContext.readBuffers). */
  readonly readPool: BufferPool;
}

/** Kafka's text form of a topic id (base64url of 16 bytes) from the log's 32 hex digits. */
export function topicIdToWire(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64url');
}

/**
 * A member's assignment (topic name to partitions) as KIP-848 heartbeats answer it: by topic id,
 * partitions in order, topics without partitions or no longer in the log left out. Consumer and
 * share group heartbeats both answer so.
 */
export function assignmentByTopicId(log: Log, assignment: ReadonlyMap<string, ReadonlySet<number>>): Array<{ topicId: string; partitions: number[] }> {
  return [...assignment].flatMap(([name, ps]) => {
    const id = ps.size > 0 ? (log.topicInfo(name)?.topicId ?? null) : null;
    return id === null ? [] : [{ topicId: topicIdToWire(id), partitions: [...ps].sort((a, b) => a - b) }];
  });
}

export function topicIdFromWire(id: string): string {
  return Buffer.from(id, 'base64url').toString('hex');
}

export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';
