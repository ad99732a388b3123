// The coordinators of the core: consumer groups (classic, KIP-848) and streams groups (KIP-1071)
// with their committed offsets, producer state
// (idempotence, open transactions, LSO), and transactions. startCoordinators() restores them
// from the log in dependency order: producer state first (scans the partitions), then groups
// (replays __consumer_offsets), then transactions (replays __transaction_state and finishes
// what a crash interrupted, which may write markers and offsets), then share groups (replay
// __share_group_state, and take their groups' records the group coordinator replayed from
// __consumer_offsets). The JetStream consumer
// coordinator starts apart (startJetStreamConsumers), after the streams it serves are rebuilt.
import type { GroupOptions, TransactionOptions } from '../../config.js';
import type { Logger } from '../../log.js';
import type { Log } from '../log/index.js';
import { GroupCoordinator, type GroupCoordinatorConfig, type SubscriptionDecoder } from './group-coordinator.js';
import type { InternalRecordCodec } from './internal-topic.js';
import { migrationPolicyProblem, parseMigrationPolicy, type ConsumerProtocolCodec } from './group-migration.js';
import { ProducerStateManager, type ProducerExpirationConfig } from './producer-state.js';
import { TransactionCoordinator, type TransactionCoordinatorConfig } from './transaction-coordinator.js';
import { ConsumerGroups } from './consumer-group.js';
import { ShareGroups, type ShareGroupConfig } from './share-group.js';
import { StreamsGroups, type StreamsGroupConfig } from './streams-group.js';
import { ConsumerCoordinator } from './jetstream/consumer-coordinator.js';

export interface Coordinators {
  readonly groups: GroupCoordinator;
  readonly consumerGroups: ConsumerGroups;
  readonly streamsGroups: StreamsGroups;
  readonly producers: ProducerStateManager;
  readonly transactions: TransactionCoordinator;
  readonly shareGroups: ShareGroups;
  close(): void;
}

export interface CoordinatorOptions {
  log: Log;
  logger: Logger;
  groups?: Partial<GroupCoordinatorConfig>;
  transactions?: Partial<TransactionCoordinatorConfig>;
  /** producer.id.expiration.ms and its check interval (defaults: Kafka's). */
  producers?: Partial<ProducerExpirationConfig>;
  shareGroups?: Partial<ShareGroupConfig>;
  subscriptionDecoder?: SubscriptionDecoder;
  /** The consumer protocol's embedded formats (from the Kafka front-end), for the online migration between group protocols. */
  consumerProtocol?: ConsumerProtocolCodec;
  /** The record schemas of the internal topics (Kafka's, from the Kafka front-end); without them, Wharf's JSON records. */
  recordCodecs?: { consumerOffsets?: InternalRecordCodec; transactionState?: InternalRecordCodec; shareGroupState?: InternalRecordCodec };
  /** Streams group settings beyond those taken from `groups` (see streamsGroupConfig). */
  streams?: Partial<StreamsGroupConfig>;
}

/**
 * Streams groups take their session timeout and heartbeat interval from the KIP-848 settings,
 * their initial rebalance delay and maximum size from the classic ones (Kafka has a
 * group.streams.* twin of each, with the same defaults: 45 s, 5 s, 3 s, unbounded).
 */
export function streamsGroupConfig(g: Partial<GroupCoordinatorConfig> = {}, extra: Partial<StreamsGroupConfig> = {}): Partial<StreamsGroupConfig> {
  const out: Partial<StreamsGroupConfig> = {};
  if (g.consumerSessionTimeoutMs !== undefined) out.sessionTimeoutMs = g.consumerSessionTimeoutMs;
  if (g.consumerHeartbeatIntervalMs !== undefined) out.heartbeatIntervalMs = g.consumerHeartbeatIntervalMs;
  if (g.initialRebalanceDelayMs !== undefined) out.initialRebalanceDelayMs = g.initialRebalanceDelayMs;
  if (g.maxGroupSize !== undefined) out.maxSize = g.maxGroupSize;
  return { ...out, ...extra };
}

/** The group coordinator's settings from the broker's `groups` options (the rest keep their defaults). */
export function groupConfig(o: GroupOptions): Partial<GroupCoordinatorConfig> {
  return {
    minSessionTimeoutMs: o.minSessionTimeout,
    maxSessionTimeoutMs: o.maxSessionTimeout,
    initialRebalanceDelayMs: o.initialRebalanceDelay,
    maxGroupSize: o.maxSize,
    offsetsRetentionMs: o.offsetsRetention,
    offsetsRetentionCheckIntervalMs: o.offsetsRetentionCheckInterval,
    offsetMetadataMaxBytes: o.offsetMetadataMaxBytes,
    consumerSessionTimeoutMs: o.consumerSessionTimeout,
    consumerHeartbeatIntervalMs: o.consumerHeartbeatInterval,
    consumerMigrationPolicy: migrationPolicy(o.consumerMigrationPolicy),
  };
}

/** group.consumer.migration.policy in any case (an embedding application may pass it unparsed). */
function migrationPolicy(value: string): GroupCoordinatorConfig['consumerMigrationPolicy'] {
  const p = parseMigrationPolicy(value);
  if (p === null) throw new Error(migrationPolicyProblem(value));
  return p;
}

/** The share group coordinator's settings from the broker's `groups` options. */
export function shareGroupConfig(o: GroupOptions): Partial<ShareGroupConfig> {
  return {
    sessionTimeoutMs: o.shareSessionTimeout,
    heartbeatIntervalMs: o.shareHeartbeatInterval,
    recordLockDurationMs: o.shareRecordLockDuration,
    deliveryCountLimit: o.shareDeliveryCountLimit,
    maxRecordLocks: o.sharePartitionMaxRecordLocks,
    maxGroupSize: o.shareMaxSize,
  };
}

/** The transaction coordinator's settings from the broker's `transactions` options. */
export function transactionConfig(o: TransactionOptions): Partial<TransactionCoordinatorConfig> {
  return { maxTimeoutMs: o.maxTimeout, abortTimedOutIntervalMs: o.abortTimedOutInterval, transactionalIdExpirationMs: o.idExpiration, removeExpiredIntervalMs: o.removeExpiredInterval };
}

/** The producer state's expiration settings from the broker's `transactions` options. */
export function producerExpirationConfig(o: TransactionOptions): Partial<ProducerExpirationConfig> {
  return { producerIdExpirationMs: o.producerIdExpiration, checkIntervalMs: o.producerIdExpirationCheckInterval };
}

export async function startCoordinators(opts: CoordinatorOptions): Promise<Coordinators> {
  const producers = new ProducerStateManager(opts.log, opts.logger.child({ component: 'producer-state' }), opts.producers);
  await producers.load();
  producers.startExpiryCheck();
  let consumerGroups: ConsumerGroups | null = null;
  let streamsGroups: StreamsGroups | null = null;
  const groups = await GroupCoordinator.open({
    log: opts.log,
    logger: opts.logger,
    config: opts.groups,
    subscriptionDecoder: opts.subscriptionDecoder,
    consumerProtocol: opts.consumerProtocol,
    recordCodec: opts.recordCodecs?.consumerOffsets,
    extensions: [
      (gc) => (consumerGroups = new ConsumerGroups(gc, opts.log, opts.logger)),
      (gc) => (streamsGroups = new StreamsGroups(gc, opts.log, opts.logger.child({ component: 'streams-groups' }), streamsGroupConfig(opts.groups, opts.streams))),
    ],
  });
  let transactions: TransactionCoordinator;
  let shareGroups: ShareGroups;
  try {
    transactions = await TransactionCoordinator.open({ log: opts.log, logger: opts.logger, groups, producers, config: opts.transactions, recordCodec: opts.recordCodecs?.transactionState });
  } catch (e) {
    groups.close();
    producers.close();
    throw e;
  }
  try {
    shareGroups = await ShareGroups.open({ log: opts.log, logger: opts.logger, groups, config: opts.shareGroups, recordCodec: opts.recordCodecs?.shareGroupState });
  } catch (e) {
    transactions.close();
    groups.close();
    producers.close();
    throw e;
  }
  return {
    groups,
    consumerGroups: consumerGroups!,
    streamsGroups: streamsGroups!,
    producers,
    transactions,
    shareGroups,
    close() {
      shareGroups.close();
      transactions.close();
      groups.close();
      producers.close();
    },
  };
}

// The JetStream consumers' entry lives beside their coordinator, so that JetStream imports it
// without this module: a broker without a Kafka listener loads none of the Kafka coordinators
// (src/broker.ts imports this module with the Kafka front-end).
export { startJetStreamConsumers } from './jetstream/consumer-coordinator.js';

export { GroupCoordinator, ProducerStateManager, TransactionCoordinator, ConsumerCoordinator };
export { CONSUMER_STATE_TOPIC } from './jetstream/consumer-state-store.js';
export { CoordinatorError, isCoordinatorError, type CoordinatorErrorCode } from './errors.js';
export { CONSUMER_OFFSETS_TOPIC } from './group-coordinator.js';
export { TRANSACTION_STATE_TOPIC } from './transaction-coordinator.js';
export { SHARE_GROUP_STATE_TOPIC, ShareGroups } from './share-group.js';
