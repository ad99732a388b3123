// The Kafka listener: accepts connections on --kafka-port, keeps the registry of live
// connections, holds the services their requests use (log, coordinators, authorizer, the
// cluster identity, the fetch session cache, client telemetry), and closes every connection
// on shutdown (before the log closes).
import { createServer, type Server, type Socket } from 'node:net';
import type { KafkaOptions } from '../config.js';
import type { Coordinators } from '../core/coordinators/index.js';
import type { Log } from '../core/log/index.js';
import { allowAll, type Authorizer } from '../core/security/authorizer.js';
import type { Logger } from '../log.js';
import { KafkaConnection } from './connection.js';
import { coordinatorProducerHook } from './coordination.js';
import { NODE_ID, type ClusterIdentity, type KafkaServices, type ProducerStateHook } from './context.js';
import { FetchSessionCache } from './fetch-session.js';
import { KafkaStats } from './stats.js';
import { ClientTelemetry } from './client-telemetry.js';

/** What the listener serves requests with besides the log. */
export interface KafkaDependencies {
  /** Groups, producer ids and transactions, restored from the log before the listener starts. */
  coordinators: Coordinators;
  /** Defaults to allow-all. */
  authorizer?: Authorizer;
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '::0', '']);

export class KafkaServer implements KafkaServices, ClusterIdentity {
  readonly nodeId = NODE_ID;
  advertisedHost: string;
  advertisedPort = -1;
  readonly cluster: ClusterIdentity = this;
  readonly coordinators: Coordinators;
  readonly producerState: ProducerStateHook;
  readonly fetchSessions = new FetchSessionCache();
  readonly telemetry = new ClientTelemetry();
  /** Connections, bytes and requests, read by the monitor (/metrics, the console). */
  readonly stats = new KafkaStats();
  /** The authorization decision point; replaceable at run time (every request reads it). */
  authorizer: Authorizer;
  private server: Server | null = null;
  private readonly connections = new Set<KafkaConnection>();
  private closing: Promise<void> | null = null;
  readonly logger: Logger;

  private constructor(
    readonly options: KafkaOptions,
    readonly log: Log,
    logger: Logger,
    readonly clusterId: string,
    deps: KafkaDependencies,
  ) {
    this.logger = logger.child({ component: 'kafka' });
    this.coordinators = deps.coordinators;
    this.authorizer = deps.authorizer ?? allowAll;
    this.producerState = coordinatorProducerHook(log, deps.coordinators);
    this.advertisedHost = options.advertisedHost ?? (WILDCARD_HOSTS.has(options.host) ? 'localhost' : options.host);
  }

  /** Starts listening; the cluster id is the log's. */
  static async start(options: KafkaOptions, log: Log, logger: Logger, deps: KafkaDependencies): Promise<KafkaServer> {
    const server = new KafkaServer(options, log, logger, log.clusterId, deps);
    await server.listen();
    return server;
  }

  /** The bound port. */
  get port(): number {
    const addr = this.server?.address();
    return addr && typeof addr === 'object' ? addr.port : -1;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  private listen(): Promise<void> {
    const server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.options.host, port: this.options.port }, () => {
        server.off('error', reject);
        server.on('error', (e) => this.logger.error({ err: e }, 'kafka listener error'));
        this.advertisedPort = this.options.advertisedPort ?? this.port;
        this.logger.info({ port: this.port, advertised: `${this.advertisedHost}:${this.advertisedPort}`, clusterId: this.clusterId, nodeId: this.nodeId }, 'kafka listener ready');
        resolve();
      });
    });
  }

  private accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    this.stats.connectionsTotal++;
    const conn = new KafkaConnection(socket, this, this.logger, (c) => {
      this.connections.delete(c);
      this.telemetry.connectionClosed(c.id);
    });
    this.connections.add(conn);
  }

  /** Stops accepting, closes every connection, and waits for their handlers to finish. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const server = this.server;
      const stopped = server ? new Promise<void>((r) => server.close(() => r())) : Promise.resolve();
      const conns = [...this.connections];
      for (const c of conns) c.destroy();
      await Promise.all([stopped, ...conns.map((c) => c.settled())]);
      this.logger.debug('kafka listener closed');
    })();
    return this.closing;
  }
}
