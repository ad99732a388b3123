// startBroker(): composes the storage engine, the log, the coordinators, the front-ends and
// the HTTP monitor into one broker, as a list of components started in order and closed in
// reverse (src/lifecycle.ts). Each component gets its own section of the options. The CLI is a
// thin layer over this, and applications and test suites embed it directly.
import { ConfigError, resolveOptions, type BrokerConfig, type BrokerOptions } from './config.js';
import { createLogger, type Logger } from './log.js';
import { Lifecycle } from './lifecycle.js';
import { Router } from './core/routing/router.js';
import { subjectMatches } from './core/routing/subject.js';
import { AccountConfigError } from './core/routing/accounts.js';
import { NatsJwtError } from './core/security/nats-jwt.js';
import { NatsServer } from './nats/server.js';
import { startMonitor, type Monitor } from './http/server.js';
import { openLog, type Log } from './core/log/index.js';
import { createStorageEngine } from './storage/index.js';
// Types only: the Kafka front-end and the coordinators load with import() when a Kafka listener is configured.
import type { KafkaServer } from './kafka/server.js';
import type { Coordinators } from './core/coordinators/index.js';
import { JETSTREAM_API_LEVEL, JETSTREAM_VERSION, JetStreamService } from './jetstream/service.js';
import { JetStreamAccounts, JetStreamAccountsError, type JetStreamAccountSpec } from './jetstream/accounts.js';
import { GLOBAL_ACCOUNT } from './core/security/principal.js';
import { BrokerMetrics } from './http/metrics/registry.js';
import { wharfVersion } from './version.js';
import { SecurityStore } from './core/security/security-store.js';
import { StandardAuthorizer } from './core/security/standard-authorizer.js';
import type { Authorizer } from './core/security/authorizer.js';
import { DynamicBrokerConfigs } from './core/config/dynamic-broker-configs.js';

export interface BrokerPorts {
  /** NATS client port. */
  nats: number;
  /** Kafka port (of the first listener), or -1 when Kafka is disabled. */
  kafka: number;
  /** The port of each Kafka listener, by name. */
  kafkaListeners: Record<string, number>;
  /** Monitoring port, or -1 when disabled. */
  http: number;
}

export interface Broker {
  readonly options: BrokerOptions;
  readonly logger: Logger;
  readonly ports: BrokerPorts;
  readonly router: Router;
  readonly nats: NatsServer;
  /** The partitioned log (topics), on the storage engine of `storage.engine`. */
  readonly log: Log;
  /** The Kafka listener, or null when `kafka.port` is -1. */
  readonly kafka: KafkaServer | null;
  /** Consumer groups, producer state and transactions (with the Kafka listener), else null. */
  readonly coordinators: Coordinators | null;
  /** The monitoring HTTP server, or null when `http.port` is -1. */
  readonly monitor: Monitor | null;
  /** The Prometheus registry served on /metrics, or null without the monitor. */
  readonly metrics: BrokerMetrics | null;
  /** The global account's streams and $JS.API, or null when it has no JetStream (`jetstream.enabled` false, or accounts configured). */
  readonly jetstream: JetStreamService | null;
  /** JetStream of every account (jetstream/accounts.ts), or null when `jetstream.enabled` is false. */
  readonly jetstreamAccounts: JetStreamAccounts | null;
  /** Records that the configuration was (re)loaded now: /varz config_load_time. */
  configLoaded(): void;
  /** Stops accepting clients and closes them gradually (SIGUSR2 in the CLI). */
  lameDuck(): Promise<void>;
  /**
   * Re-reads the TLS certificates and keys of every listener (SIGHUP in the CLI): new handshakes
   * use them, established connections are kept. Throws, keeping the old ones, when a file is not usable.
   */
  reloadTls(): void;
  /** Closes listeners and connections, then flushes and releases storage. Idempotent. */
  close(): Promise<void>;
}

/**
 * Security options that are read (from the options or a configuration file) but not served yet:
 * refused at start, naming the setting, rather than accepted and ignored.
 */
function refuseUnserved(opts: BrokerOptions): void {
  const n = opts.nats;
  const unserved: string[] = [];
  // The system account is an account like the others, without JetStream (jetStreamAccountSpecs);
  // nats-server's $SYS events and requests are not served in it (docs/security.md).
  if (n.systemAccount !== undefined && n.operator === undefined && !Object.hasOwn(n.accounts ?? {}, n.systemAccount)) {
    throw new ConfigError(`system account ${JSON.stringify(n.systemAccount)} is not a configured account`);
  }
  const k = opts.kafka;
  const mechanisms = new Set([...k.saslMechanisms, ...(k.listeners ?? []).flatMap((l) => l.saslMechanisms ?? [])]);
  if (mechanisms.has('OAUTHBEARER') && k.oauthJwksFile === undefined) throw new ConfigError('OAUTHBEARER needs a JWKS file (kafka-oauth-jwks-file, or sasl.oauthbearer.jwks.endpoint.url=file:... in the Kafka configuration file)');
  if (unserved.length > 0) throw new ConfigError(`not supported yet: ${unserved.join(', ')}`);
}

/**
 * Which accounts have JetStream: the global account (as before accounts: nats-server gives it
 * none once accounts are configured, Wharf keeps it, so that topics created over Kafka with
 * wharf.nats.subjects, the console and existing users keep their streams), and each account whose
 * configuration (or JWT) enables it, as nats-server decides. The system account never has; every
 * other account answers the API with 10039.
 */
function jetStreamAccountSpecs(server: NatsServer): JetStreamAccountSpec[] {
  const configs = server.accountConfigs;
  const names = server.accounts.names;
  return names.map((name) => {
    const c = configs[name];
    const enabled = name === GLOBAL_ACCOUNT || (name !== server.options.systemAccount && c?.jetstream === true);
    // nats-server's serviceImportShadowed($JS.API.INFO): a service import whose local subject takes it.
    const apiImported = (c?.imports ?? []).some((i) => i.kind === 'service' && subjectMatches(i.to ?? i.subject, '$JS.API.INFO'));
    return { name, router: server.accounts.router(name), enabled, apiImported, ...(c?.jetstreamLimits !== undefined ? { limits: c.jetstreamLimits } : {}) };
  });
}

export async function startBroker(config: BrokerConfig = {}, externalLogger?: Logger): Promise<Broker> {
  const startedAt = new Date();
  let configLoadedAt = startedAt;
  const opts = resolveOptions(config);
  refuseUnserved(opts);
  const logger = externalLogger ?? createLogger(opts.logLevel, { format: opts.logFormat });
  for (const notice of opts.notices ?? []) logger.warn(notice);
  const life = new Lifecycle(logger);
  const router = new Router(opts.nats.mappings ? { mappings: opts.nats.mappings } : {});
  // Metrics exist with the monitor that serves them: their hooks are bound into the storage
  // engine and the Kafka listener as those start, and cost nothing without it.
  const metrics = opts.http.port >= 0 ? new BrokerMetrics(wharfVersion()) : null;
  // The Kafka front-end (src/kafka/front-end.ts: the listener, the coordinators' records in
  // Kafka's schemas) and the coordinators it serves (groups, producer state, transactions) load
  // only when a Kafka listener is configured, so that a NATS-only broker loads none of src/kafka
  // (test/kafka/not-loaded.test.ts). The imports run while the log opens.
  const kafkaOn = opts.kafka.port >= 0 || (opts.kafka.listeners?.length ?? 0) > 0;
  const kafkaLoading = kafkaOn
    ? Promise.all([import('./kafka/front-end.js'), import('./core/coordinators/index.js')]).then(([frontEnd, coordinators]) => ({ ...frontEnd, coordinatorsModule: coordinators }))
    : null;
  // Awaited (and its failure handled) below; this only keeps a failed import from counting as
  // an unhandled rejection while the log opens.
  kafkaLoading?.catch(() => {});

  const { storage } = opts;
  const log = await life.start(
    'log',
    async () =>
      openLog({
        engine: await createStorageEngine(storage.engine === 'memory' ? { kind: 'memory', logger } : { kind: 'local', dataDir: storage.dataDir, logger, observer: metrics?.storageObserver ?? null, indexMemoryBytes: storage.indexMemoryBytes, damageRecovery: storage.damageRecovery }),
        // JetStream memory streams live on a memory engine beside the default one (docs/jetstream.md 1.2).
        ...(storage.engine === 'memory' ? {} : { engines: { memory: await createStorageEngine({ kind: 'memory', logger }) } }),
        fsync: storage.fsync,
        fsyncInterval: storage.fsyncInterval,
        hotTailBytes: storage.hotTailBytes,
        hotTailTotalBytes: storage.hotTailTotalBytes,
        maintenanceIntervalMs: storage.retentionCheckInterval,
        logger,
        // Kafka's message.max.bytes is the broker-wide default of each topic's max.message.bytes.
        topicDefaults: { 'max.message.bytes': String(opts.kafka.messageMaxBytes), ...opts.kafka.topicDefaults },
      }),
    // Everything that appends has closed before this runs: flush and release the storage last.
    (l) => l.close(),
  );
  // A failed import closes the log like any failed start.
  const kafkaFrontEnd = kafkaLoading !== null ? await life.start('kafka front-end', () => kafkaLoading, () => {}) : null;
  // Restored from the log before any listener accepts a client.
  const coordinators = kafkaFrontEnd
    ? await life.start(
        'coordinators',
        () =>
          kafkaFrontEnd.coordinatorsModule.startCoordinators({
            log,
            logger,
            subscriptionDecoder: kafkaFrontEnd.decodeSubscriptionTopics,
            consumerProtocol: kafkaFrontEnd.consumerProtocolCodec,
            recordCodecs: {
              // KIP-848 assignments name topics by id in Kafka's records.
              consumerOffsets: kafkaFrontEnd.consumerOffsetsRecords((topic) => {
                const id = log.topicInfo(topic)?.topicId;
                return id === undefined ? null : Buffer.from(id, 'hex').toString('base64url');
              }),
              transactionState: kafkaFrontEnd.transactionStateCodec,
              shareGroupState: kafkaFrontEnd.shareGroupStateCodec,
            },
            groups: kafkaFrontEnd.coordinatorsModule.groupConfig(opts.groups),
            shareGroups: kafkaFrontEnd.coordinatorsModule.shareGroupConfig(opts.groups),
            transactions: kafkaFrontEnd.coordinatorsModule.transactionConfig(opts.transactions),
            producers: kafkaFrontEnd.coordinatorsModule.producerExpirationConfig(opts.transactions),
          }),
        (c) => c.close(),
      )
    : null;
  let natsServer: NatsServer;
  try {
    natsServer = new NatsServer(opts.nats, router, logger);
  } catch (e) {
    await life.close();
    // Imports that name what no account exports, and the like: a configuration error.
    if (e instanceof AccountConfigError || e instanceof NatsJwtError) throw new ConfigError(e.message);
    throw e;
  }
  // Streams are rebuilt from the log before the NATS listener accepts a client, then the
  // consumers over them, per account (jetstream/accounts.ts).
  let jsAccounts: JetStreamAccounts | null = null;
  if (opts.jetstream.enabled) {
    const specs = jetStreamAccountSpecs(natsServer);
    try {
      jsAccounts = await life.start('jetstream', () => JetStreamAccounts.start({ options: opts.jetstream, log, logger, serverName: natsServer.serverName, accounts: specs, routing: natsServer.accounts }), (j) => j.close());
    } catch (e) {
      if (e instanceof JetStreamAccountsError) throw new ConfigError(e.message);
      throw e;
    }
  }
  const jetstream = jsAccounts?.global ?? null;
  const jsConsumers = jsAccounts;
  if (jsAccounts !== null) natsServer.advertiseJetStream(JETSTREAM_VERSION, JETSTREAM_API_LEVEL);
  const nats = await life.start(
    'nats listener',
    async () => {
      await natsServer.listen();
      return natsServer;
    },
    (s) => s.close(),
  );
  // Closed before the NATS listener: waiting pull requests hear "409 Server Shutdown" while their
  // clients are still connected (nats-server gives the notices 50 ms to leave before it goes on).
  if (jsConsumers !== null) {
    await life.start('jetstream shutdown notices', () => jsConsumers, async (c) => {
      if (c.signalShutdown() > 0) await new Promise((r) => setTimeout(r, 50));
    });
  }
  // SCRAM credentials and ACLs, replayed from the log; the authorizer follows the ACLs.
  const security = coordinators ? await life.start('security store', () => SecurityStore.open(log, logger), () => Promise.resolve()) : null;
  let authorizer: Authorizer | undefined;
  if (security !== null && opts.kafka.acls) {
    const standard = new StandardAuthorizer({ ...(opts.kafka.superUsers !== undefined ? { superUsers: opts.kafka.superUsers } : {}), allowEveryoneIfNoAcl: opts.kafka.allowEveryoneIfNoAcl });
    security.onAclsChanged((acls) => standard.load(acls));
    authorizer = standard;
  }
  // Dynamic broker configs (kept beside the security records) are applied before clients come.
  let brokerConfigs: DynamicBrokerConfigs | null = null;
  if (kafkaFrontEnd && coordinators && security) {
    const dynamic = new DynamicBrokerConfigs(kafkaFrontEnd.NODE_ID, security, {
      log,
      producers: coordinators.producers,
      staticTopicDefaults: { ...(log.defaults.topicDefaults ?? {}) },
      staticProducerIdExpirationMs: opts.transactions.producerIdExpiration,
    });
    brokerConfigs = await life.start('dynamic broker configs', async () => {
      await dynamic.start();
      return dynamic;
    }, () => Promise.resolve());
  }
  const kafka =
    kafkaFrontEnd && coordinators && security && brokerConfigs
      ? await life.start('kafka listener', () => kafkaFrontEnd.KafkaServer.start(opts.kafka, log, logger, { coordinators, security, brokerConfigs: brokerConfigs!, ...(authorizer !== undefined ? { authorizer } : {}) }), (k) => k.close())
      : null;
  if (kafka !== null && metrics !== null) kafka.stats.observer = metrics.kafkaObserver;
  if (metrics !== null) metrics.attach({ log, router, nats, kafka, coordinators, jetstream });
  const monitor =
    metrics !== null
      ? await life.start(
          'monitor',
          () =>
            startMonitor({
              options: opts.http,
              nats,
              router,
              log,
              coordinators,
              jetstream,
              jetstreamAccounts: jsAccounts,
              jetstreamConfigured: opts.jetstream.enabled,
              kafka,
              kafkaHost: opts.kafka.host,
              metrics,
              version: wharfVersion(),
              storageEngine: opts.storage.engine,
              fsyncPolicy: opts.storage.fsync,
              logger,
              startedAt,
              configLoadedAt: () => configLoadedAt,
            }),
          (m) => m.close(),
        )
      : null;

  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    await life.close();
    logger.info('broker stopped');
  };
  return {
    options: opts,
    logger,
    ports: { nats: nats.port, kafka: kafka?.port ?? -1, kafkaListeners: kafka?.ports ?? {}, http: monitor?.port ?? -1 },
    router,
    nats,
    log,
    kafka,
    coordinators,
    monitor,
    metrics,
    jetstream,
    jetstreamAccounts: jsAccounts,
    configLoaded: () => {
      configLoadedAt = new Date();
    },
    lameDuck: () => nats.enterLameDuckMode(),
    reloadTls: () => {
      nats.reloadTls();
      kafka?.reloadTls();
      monitor?.reloadTls();
    },
    close: () => (closing ??= close()),
  };
}
