// The application's configuration: Kafka Streams' settings that matter here, named in camelCase
// (applicationId for application.id, commitIntervalMs for commit.interval.ms, ...), with Kafka
// Streams' defaults unless noted.
import type { Serde } from './serdes.js';
import type { DeserializationHandler, Logger } from './runtime/types.js';
import type { StoreType } from './dsl/options.js';
import { StreamsError } from './errors.js';

export type ProcessingGuarantee = 'at_least_once' | 'exactly_once_v2';

export interface StreamsConfig {
  /** Group id, transactional id prefix and internal topic prefix. */
  applicationId: string;
  /** `host:port[,host:port...]` or a list. */
  bootstrapServers: string | string[];
  processingGuarantee?: ProcessingGuarantee;
  /** Directory of persistent stores and of this instance's process id (default ./kafka-streams-state). */
  stateDir?: string;
  /** Default: 30000 ms (at_least_once), 100 ms (exactly_once_v2). */
  commitIntervalMs?: number;
  /** Cache bytes for all stores of this instance (statestore.cache.max.bytes, default 10 MB). */
  cacheMaxBytes?: number;
  numStandbyReplicas?: number;
  replicationFactor?: number;
  defaultKeySerde?: Serde<unknown>;
  defaultValueSerde?: Serde<unknown>;
  /** Engine of DSL stores without a storeType (default.dsl.store: persistent = LMDB here). */
  defaultStoreType?: StoreType;
  deserializationExceptionHandler?: DeserializationHandler;
  /** Where sources without a committed offset start (auto.offset.reset, default earliest). */
  autoOffsetReset?: 'earliest' | 'latest';
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** max.poll.interval.ms: how long the group waits for members to rejoin. */
  rebalanceTimeoutMs?: number;
  /** Transaction timeout of exactly_once_v2 (default 10000 ms, as Kafka Streams sets it). */
  transactionTimeoutMs?: number;
  /** How often committed repartition records are deleted (repartition.purge.interval.ms). */
  repartitionPurgeIntervalMs?: number;
  /** Records a task processes per iteration before others get a turn. */
  maxRecordsPerTaskIteration?: number;
  /** Fetched records buffered per partition before fetching pauses (buffered.records.per.partition). */
  bufferedRecordsPerPartition?: number;
  /** Async processors' work in flight per task. */
  maxAsyncInFlight?: number;
  /** Static membership (group.instance.id). */
  groupInstanceId?: string;
  clientId?: string;
  logger?: Logger;
}

export interface ResolvedConfig {
  readonly applicationId: string;
  readonly bootstrapServers: string[];
  readonly processingGuarantee: ProcessingGuarantee;
  readonly stateDir: string;
  readonly commitIntervalMs: number;
  readonly cacheMaxBytes: number;
  readonly numStandbyReplicas: number;
  readonly replicationFactor: number;
  readonly defaultKeySerde: Serde<unknown> | undefined;
  readonly defaultValueSerde: Serde<unknown> | undefined;
  readonly defaultStoreType: StoreType;
  readonly deserializationExceptionHandler: DeserializationHandler;
  readonly autoOffsetReset: 'earliest' | 'latest';
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly transactionTimeoutMs: number;
  readonly repartitionPurgeIntervalMs: number;
  readonly maxRecordsPerTaskIteration: number;
  readonly bufferedRecordsPerPartition: number;
  readonly maxAsyncInFlight: number;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
}

export function resolveConfig(c: StreamsConfig): ResolvedConfig {
  if (!c.applicationId || !/^[a-zA-Z0-9._-]+$/.test(c.applicationId)) throw new StreamsError(`applicationId must be a non-empty string of letters, digits, '.', '_' and '-', got ${JSON.stringify(c.applicationId)}`);
  const servers = (Array.isArray(c.bootstrapServers) ? c.bootstrapServers : c.bootstrapServers.split(',')).map((s) => s.trim()).filter(Boolean);
  if (servers.length === 0) throw new StreamsError('bootstrapServers is empty');
  const eos = (c.processingGuarantee ?? 'at_least_once') === 'exactly_once_v2';
  if (c.processingGuarantee !== undefined && c.processingGuarantee !== 'at_least_once' && c.processingGuarantee !== 'exactly_once_v2') throw new StreamsError(`processingGuarantee must be at_least_once or exactly_once_v2, got ${String(c.processingGuarantee)}`);
  return {
    applicationId: c.applicationId,
    bootstrapServers: servers,
    processingGuarantee: eos ? 'exactly_once_v2' : 'at_least_once',
    stateDir: c.stateDir ?? './kafka-streams-state',
    commitIntervalMs: c.commitIntervalMs ?? (eos ? 100 : 30_000),
    cacheMaxBytes: c.cacheMaxBytes ?? 10 * 1024 * 1024,
    numStandbyReplicas: c.numStandbyReplicas ?? 0,
    replicationFactor: c.replicationFactor ?? -1,
    defaultKeySerde: c.defaultKeySerde,
    defaultValueSerde: c.defaultValueSerde,
    defaultStoreType: c.defaultStoreType ?? 'persistent',
    deserializationExceptionHandler: c.deserializationExceptionHandler ?? 'logAndFail',
    autoOffsetReset: c.autoOffsetReset ?? 'earliest',
    sessionTimeoutMs: c.sessionTimeoutMs ?? 45_000,
    heartbeatIntervalMs: c.heartbeatIntervalMs ?? 3_000,
    rebalanceTimeoutMs: c.rebalanceTimeoutMs ?? 300_000,
    transactionTimeoutMs: c.transactionTimeoutMs ?? 10_000,
    repartitionPurgeIntervalMs: c.repartitionPurgeIntervalMs ?? 30_000,
    maxRecordsPerTaskIteration: c.maxRecordsPerTaskIteration ?? 1000,
    bufferedRecordsPerPartition: c.bufferedRecordsPerPartition ?? 1000,
    maxAsyncInFlight: c.maxAsyncInFlight ?? 64,
    groupInstanceId: c.groupInstanceId ?? null,
    clientId: c.clientId ?? c.applicationId,
  };
}
