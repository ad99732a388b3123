// The Kafka listeners: one TCP or TLS server per configured listener (PLAINTEXT, SSL,
// SASL_PLAINTEXT, SASL_SSL; one PLAINTEXT listener on --kafka-port by default), the registry of
// live connections, the services their requests use (log, coordinators, authorizer, the cluster
// identity each listener advertises, the fetch session cache, client telemetry), certificate
// reload (SIGHUP) without dropping connections, and closing every connection on shutdown
// (before the log closes).
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { KafkaOptions } from '../config.js';
import { usesSasl, usesTls, type KafkaListenerConfig } from '../core/security/kafka-listeners.js';
import type { SaslServerMechanism } from '../core/security/sasl/mechanism.js';
import { PlainMechanism } from '../core/security/sasl/plain.js';
import { ScramMechanism } from '../core/security/sasl/scram.js';
import { OAuthBearerMechanism } from '../core/security/sasl/oauthbearer.js';
import { JwksVerifier } from '../core/security/jwt.js';
import { scramMechanism } from '../core/security/scram.js';
import type { SecurityStore } from '../core/security/security-store.js';
import type { DynamicBrokerConfigs } from '../core/config/dynamic-broker-configs.js';
import { mapPrincipalName, parseMappingRules } from '../core/security/ssl-principal.js';
import { ReloadableTls } from '../core/security/tls.js';
import type { ListenerScope } from './listener.js';
import type { Coordinators } from '../core/coordinators/index.js';
import type { Log } from '../core/log/index.js';
import { allowAll, type Authorizer } from '../core/security/authorizer.js';
import { LoggerLevels, type Logger } from '../log.js';
import type { KafkaConnection } from './connection.js';
import { coordinatorProducerHook } from './coordination.js';
import { NODE_ID, type ClusterIdentity, type KafkaServices, type ProducerStateHook } from './context.js';
import { FetchSessionCache } from './fetch-session.js';
import { KafkaStats } from './stats.js';
import { ShareSessionCache } from './share-session.js';
import { ClientTelemetry } from './client-telemetry.js';
import { BufferPool } from '../util/buffer-pool.js';

/** What the listener serves requests with besides the log. */
export interface KafkaDependencies {
  /** Groups, producer ids and transactions, restored from the log before the listener starts. */
  coordinators: Coordinators;
  /** Defaults to allow-all. */
  authorizer?: Authorizer;
  /** SCRAM credentials and ACL bindings, restored from the log. */
  security: SecurityStore;
  /** Dynamic broker configs, applied before the listener starts. */
  brokerConfigs: DynamicBrokerConfigs;
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '::0', '']);
/** A pooled read buffer: 1 MiB of records plus room for the index interval before the offset. */
const READ_BUFFER_BYTES = 1024 * 1024 + 64 * 1024;

/** The listeners the options configure: the list, or one PLAINTEXT listener on host:port. */
export function listenersOf(options: KafkaOptions): KafkaListenerConfig[] {
  if (options.listeners !== undefined && options.listeners.length > 0) return [...options.listeners];
  return [{
    name: 'PLAINTEXT',
    host: options.host,
    port: options.port,
    protocol: 'PLAINTEXT',
    ...(options.advertisedHost !== undefined ? { advertisedHost: options.advertisedHost } : {}),
    ...(options.advertisedPort !== undefined ? { advertisedPort: options.advertisedPort } : {}),
  }];
}

/** The TLS material of SSL listeners, from the keystore and truststore options. */
export function kafkaTls(o: KafkaOptions): ReloadableTls {
  const passphrase = o.sslKeystoreType === 'PKCS12' ? o.sslKeystorePassword : o.sslKeyPassword;
  return new ReloadableTls({
    ...(o.sslKeystoreType === 'PKCS12' ? { pfxFile: o.sslKeystore } : o.sslKeystorePem !== undefined ? { pem: o.sslKeystorePem } : { certFile: o.sslKeystore }),
    ...(passphrase !== undefined ? { passphrase } : {}),
    ...(o.sslTruststorePem !== undefined ? { caPem: o.sslTruststorePem } : o.sslTruststore !== undefined ? { caFile: o.sslTruststore } : {}),
    minVersion: o.sslMinVersion,
  });
}

/** One open listener: its configuration, its server, its scope for connections. */
class OpenListener implements ClusterIdentity {
  readonly nodeId = NODE_ID;
  advertisedHost: string;
  advertisedPort = -1;
  server: Server | null = null;
  readonly scope: ListenerScope;

  constructor(
    readonly config: KafkaListenerConfig,
    readonly clusterId: string,
    sasl: ReadonlyMap<string, SaslServerMechanism> | null,
    reauthMs: number,
    mapSslPrincipal: (dn: string) => string,
  ) {
    this.advertisedHost = config.advertisedHost ?? (WILDCARD_HOSTS.has(config.host) ? 'localhost' : config.host);
    this.scope = { name: config.name, protocol: config.protocol, cluster: this, sasl, reauthMs, mapSslPrincipal };
  }

  get port(): number {
    const addr = this.server?.address();
    return addr && typeof addr === 'object' ? addr.port : -1;
  }
}

type ConnectionModule = typeof import('./connection.js');
let connectionModule: ConnectionModule | null = null;
let connectionLoading: Promise<ConnectionModule> | null = null;
/**
 * The connection module brings the codec of every API and every handler (about 10 MB of a
 * broker's idle RSS): it loads when the first Kafka client connects, not at start.
 */
function loadConnectionModule(): Promise<ConnectionModule> {
  connectionLoading ??= import('./connection.js').then((m) => (connectionModule = m));
  return connectionLoading;
}

/** Whether the connection module has loaded (tests of the lazy loading). */
export function kafkaConnectionModuleLoaded(): boolean {
  return connectionModule !== null;
}

export class KafkaServer implements KafkaServices {
  readonly coordinators: Coordinators;
  readonly producerState: ProducerStateHook;
  readonly fetchSessions: FetchSessionCache;
  readonly shareSessions = new ShareSessionCache();
  readonly telemetry = new ClientTelemetry();
  /**
   * A Fetch's storage reads: a partition's 1 MiB (the clients' default max.partition.fetch.bytes)
   * plus the index interval a read starts before its offset; 8 kept, so at most 8.5 MiB retained.
   */
  readonly readPool = new BufferPool(READ_BUFFER_BYTES, 8);
  /** Connections, bytes and requests, read by the monitor (/metrics, the console). */
  readonly stats = new KafkaStats();
  /** The authorization decision point; replaceable at run time (every request reads it). */
  authorizer: Authorizer;
  readonly security: SecurityStore;
  readonly brokerConfigs: DynamicBrokerConfigs;
  /** The named loggers of the broker's logger (the one handed in, not the listener's child). */
  readonly loggerLevels: LoggerLevels;
  /** The JWKS OAUTHBEARER tokens are verified with, when a listener enables OAUTHBEARER. */
  private jwks: JwksVerifier | null = null;
  private readonly listeners: OpenListener[] = [];
  /** TLS material of the SSL listeners, if any. */
  readonly tls: ReloadableTls | null;
  private readonly connections = new Set<KafkaConnection>();
  /** Sockets accepted while the connection module loads (the first clients only). */
  private readonly pendingSockets = new Set<Socket>();
  private closing: Promise<void> | null = null;
  readonly logger: Logger;

  private constructor(
    readonly options: KafkaOptions,
    readonly log: Log,
    logger: Logger,
    readonly clusterId: string,
    deps: KafkaDependencies,
  ) {
    this.loggerLevels = new LoggerLevels(logger);
    this.logger = logger.child({ component: 'kafka' });
    this.fetchSessions = new FetchSessionCache(options.fetchSessionCacheSlots);
    this.coordinators = deps.coordinators;
    this.authorizer = deps.authorizer ?? allowAll;
    this.security = deps.security;
    this.brokerConfigs = deps.brokerConfigs;
    this.producerState = coordinatorProducerHook(log, deps.coordinators);
    const configs = listenersOf(options);
    this.tls = configs.some((l) => usesTls(l.protocol)) ? kafkaTls(options) : null;
    const rules = parseMappingRules(options.sslPrincipalMappingRules);
    const mapSsl = (dn: string): string => mapPrincipalName(dn, rules);
    for (const l of configs) {
      const sasl = usesSasl(l.protocol) ? this.mechanismsOf(l) : null;
      this.listeners.push(new OpenListener(l, clusterId, sasl, options.reauthMs, mapSsl));
    }
  }

  /** The SASL mechanisms of a listener, each with its credentials. */
  private mechanismsOf(l: KafkaListenerConfig): Map<string, SaslServerMechanism> {
    const out = new Map<string, SaslServerMechanism>();
    for (const name of l.saslMechanisms ?? this.options.saslMechanisms) {
      const scram = scramMechanism(name);
      if (name === 'PLAIN') out.set(name, new PlainMechanism(l.plainUsers ?? this.options.plainUsers ?? {}));
      else if (scram !== undefined) out.set(name, new ScramMechanism(scram, (user, m) => this.security.credential(user, m)));
      else if (name === 'OAUTHBEARER') out.set(name, new OAuthBearerMechanism(this.jwksVerifier(), (reason) => this.logger.warn({ listener: l.name, reason }, 'kafka OAUTHBEARER token refused')));
      else throw new Error(`SASL mechanism ${name} is not served yet`);
    }
    return out;
  }

  private jwksVerifier(): JwksVerifier {
    const o = this.options;
    if (o.oauthJwksFile === undefined) throw new Error('OAUTHBEARER needs a JWKS file (kafka-oauth-jwks-file, sasl.oauthbearer.jwks.endpoint.url=file:...)');
    this.jwks ??= new JwksVerifier(o.oauthJwksFile, {
      ...(o.oauthIssuer !== undefined ? { issuer: o.oauthIssuer } : {}),
      ...(o.oauthAudience !== undefined ? { audiences: o.oauthAudience.split(',').map((a) => a.trim()).filter((a) => a.length > 0) } : {}),
    });
    return this.jwks;
  }

  /** This node as the first listener's clients reach it. */
  get cluster(): ClusterIdentity {
    return this.listeners[0]!;
  }

  /** Starts listening; the cluster id is the log's. */
  static async start(options: KafkaOptions, log: Log, logger: Logger, deps: KafkaDependencies): Promise<KafkaServer> {
    const server = new KafkaServer(options, log, logger, log.clusterId, deps);
    await server.listen();
    return server;
  }

  /** The bound port of the first listener. */
  get port(): number {
    return this.listeners[0]?.port ?? -1;
  }

  /** The bound port of each listener, by name. */
  get ports(): Record<string, number> {
    return Object.fromEntries(this.listeners.map((l) => [l.config.name, l.port]));
  }

  /** Re-reads the TLS keystore and truststore and the OAUTHBEARER JWKS file (SIGHUP); established connections keep their session. */
  reloadTls(): void {
    this.tls?.reload();
    this.jwks?.reload();
  }

  /** Every listener as it is bound and as clients are told to reach it (the monitor's overview). */
  get addresses(): Array<{ name: string; protocol: string; host: string; port: number; advertisedHost: string; advertisedPort: number }> {
    return this.listeners.map((l) => ({ name: l.config.name, protocol: l.config.protocol, host: l.config.host, port: l.port, advertisedHost: l.advertisedHost, advertisedPort: l.advertisedPort }));
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  private async listen(): Promise<void> {
    try {
      for (const l of this.listeners) await this.open(l);
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  private open(l: OpenListener): Promise<void> {
    const tls = this.tls;
    let server: Server;
    if (usesTls(l.config.protocol) && tls !== null) {
      const clientAuth = this.options.sslClientAuth;
      const tlsServer = createTlsServer(
        { ...tls.options, requestCert: clientAuth !== 'none', rejectUnauthorized: clientAuth === 'required' },
        (socket: TLSSocket) => this.accept(socket, l),
      );
      tls.onReload((options) => tlsServer.setSecureContext(options));
      tlsServer.on('tlsClientError', (err, socket) => {
        this.logger.warn({ listener: l.config.name, remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`, err: err.message }, 'kafka TLS handshake failed');
      });
      server = tlsServer;
    } else {
      server = createServer({ noDelay: true }, (socket) => this.accept(socket, l));
    }
    l.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: l.config.host === '' ? undefined : l.config.host, port: l.config.port }, () => {
        server.off('error', reject);
        server.on('error', (e) => this.logger.error({ err: e, listener: l.config.name }, 'kafka listener error'));
        l.advertisedPort = l.config.advertisedPort ?? l.port;
        this.logger.info({ listener: l.config.name, protocol: l.config.protocol, port: l.port, advertised: `${l.advertisedHost}:${l.advertisedPort}`, clusterId: this.clusterId, nodeId: NODE_ID }, 'kafka listener ready');
        resolve();
      });
    });
  }

  private accept(socket: Socket, l: OpenListener): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    this.stats.connectionsTotal++;
    if (connectionModule !== null) {
      this.serve(connectionModule, socket, l);
      return;
    }
    // The socket stays paused (no 'data' listener yet); its errors are ignored until it is served.
    const ignore = () => {};
    socket.on('error', ignore);
    this.pendingSockets.add(socket);
    loadConnectionModule().then(
      (m) => {
        this.pendingSockets.delete(socket);
        socket.off('error', ignore);
        if (this.closing || socket.destroyed) socket.destroy();
        else this.serve(m, socket, l);
      },
      (err: unknown) => {
        this.pendingSockets.delete(socket);
        this.logger.error({ err }, 'could not load the Kafka connection module');
        socket.destroy();
      },
    );
  }

  private serve(m: ConnectionModule, socket: Socket, l: OpenListener): void {
    const conn = new m.KafkaConnection(socket, this, l.scope, this.logger, (c) => {
      this.connections.delete(c);
      this.telemetry.connectionClosed(c.id);
    });
    this.connections.add(conn);
  }

  /** Stops accepting, closes every connection, and waits for their handlers to finish. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const stopped = this.listeners.map((l) => {
        const server = l.server;
        return server?.listening === true ? new Promise<void>((r) => server.close(() => r())) : Promise.resolve();
      });
      for (const s of this.pendingSockets) s.destroy();
      this.pendingSockets.clear();
      const conns = [...this.connections];
      for (const c of conns) c.destroy();
      await Promise.all([...stopped, ...conns.map((c) => c.settled())]);
      this.logger.debug('kafka listener closed');
    })();
    return this.closing;
  }
}
