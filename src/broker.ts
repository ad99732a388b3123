// startBroker(): composes the core, the front-ends and the HTTP monitor into one broker.
// The CLI is a thin layer over this, and applications and test suites embed it directly.
import { resolveOptions, type BrokerOptions } from './config.js';
import { createLogger, type Logger } from './log.js';
import { Router } from './core/routing/router.js';
import { NatsServer } from './nats/server.js';
import { startMonitor, type Monitor } from './http/server.js';
import { openLog, type Log } from './core/log/index.js';
import { createStorageEngine } from './storage/index.js';
import { KafkaServer } from './kafka/server.js';
import { startCoordinators, type Coordinators } from './core/coordinators/index.js';
import { decodeSubscriptionTopics } from './kafka/coordination.js';

export interface BrokerPorts {
  /** NATS client port. */
  nats: number;
  /** Kafka port, or -1 when the listener is disabled. */
  kafka: number;
  /** Monitoring port, or -1 when disabled. */
  http: number;
}

export interface Broker {
  readonly options: BrokerOptions;
  readonly logger: Logger;
  readonly ports: BrokerPorts;
  readonly router: Router;
  readonly nats: NatsServer;
  /** The partitioned log (topics), on the storage engine of `storage` (in `dataDir` for 'local'). */
  readonly log: Log;
  /** The Kafka listener, or null when `kafkaPort` is -1. */
  readonly kafka: KafkaServer | null;
  /** Consumer groups, producer state and transactions (with the Kafka listener), else null. */
  readonly coordinators: Coordinators | null;
  /** Stops accepting clients and closes them gradually (SIGUSR2 in the CLI). */
  lameDuck(): Promise<void>;
  /** Closes listeners and connections and flushes storage. Idempotent. */
  close(): Promise<void>;
}

export async function startBroker(options: Partial<BrokerOptions> = {}, externalLogger?: Logger): Promise<Broker> {
  const startedAt = new Date();
  const opts = resolveOptions(options);
  const logger = externalLogger ?? createLogger(opts.logLevel);
  const router = new Router();
  const nats = new NatsServer(opts, router, logger);
  let monitor: Monitor | undefined;
  let kafka: KafkaServer | null = null;
  let coordinators: Coordinators | null = null;
  const engine = await createStorageEngine(opts.storage === 'memory' ? { kind: 'memory', logger } : { kind: 'local', dataDir: opts.dataDir, logger });
  const log = await openLog({
    engine,
    fsync: opts.fsync,
    fsyncInterval: opts.fsyncInterval,
    logger,
    // Kafka's message.max.bytes is the broker-wide default of each topic's max.message.bytes.
    topicDefaults: { 'max.message.bytes': String(opts.messageMaxBytes) },
  });
  try {
    await nats.listen();
    if (opts.kafkaPort >= 0) {
      // Restored from the log before the listener accepts anyone.
      coordinators = await startCoordinators({
        log,
        logger,
        subscriptionDecoder: decodeSubscriptionTopics,
        groups: {
          minSessionTimeoutMs: opts.groupMinSessionTimeout,
          maxSessionTimeoutMs: opts.groupMaxSessionTimeout,
          initialRebalanceDelayMs: opts.groupInitialRebalanceDelay,
          maxGroupSize: opts.groupMaxSize,
          offsetsRetentionMs: opts.offsetsRetention,
          offsetsRetentionCheckIntervalMs: opts.offsetsRetentionCheckInterval,
          offsetMetadataMaxBytes: opts.offsetMetadataMaxBytes,
          consumerSessionTimeoutMs: opts.groupConsumerSessionTimeout,
          consumerHeartbeatIntervalMs: opts.groupConsumerHeartbeatInterval,
        },
        transactions: {
          maxTimeoutMs: opts.transactionMaxTimeout,
          abortTimedOutIntervalMs: opts.transactionAbortTimedOutInterval,
          transactionalIdExpirationMs: opts.transactionalIdExpiration,
        },
      });
      kafka = await KafkaServer.start(opts, log, logger, { coordinators });
    }
    if (opts.httpPort >= 0) monitor = await startMonitor({ options: opts, nats, router, logger, startedAt });
  } catch (err) {
    await Promise.allSettled([nats.close(), monitor?.close(), kafka?.close()]);
    coordinators?.close();
    await log.close();
    throw err;
  }
  const ports: BrokerPorts = { nats: nats.port, kafka: kafka?.port ?? -1, http: monitor?.port ?? -1 };
  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    await Promise.all([nats.close(), monitor?.close(), kafka?.close()]);
    coordinators?.close();
    // Listeners are down, so nothing appends any more: flush and close the storage last.
    await log.close();
    logger.info('broker stopped');
  };
  return {
    options: opts,
    logger,
    ports,
    router,
    nats,
    log,
    kafka,
    coordinators,
    lameDuck: () => nats.enterLameDuckMode(),
    close: () => (closing ??= close()),
  };
}
