// The NATS front-end: a TCP listener, the registry of client connections, the INFO they are
// greeted with, the end-of-event flush that coalesces writes, and lame-duck shutdown.
import { createServer, type Server, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { NatsOptions } from '../config.js';
import type { Logger } from '../log.js';
import type { Router } from '../core/routing/router.js';
import { ReloadableTls } from '../core/security/tls.js';
import { Accounts } from '../core/routing/accounts.js';
import type { NatsAccount } from '../core/security/nats-users.js';
import { JwtAuthenticator, authenticatorFor, type Authenticator } from './auth.js';
import { OperatorTrust } from '../core/security/nats-operator.js';
import { NatsConnection } from './connection.js';
import { adoptWithSharedReads } from '../util/shared-read.js';
import { onMicrotask } from '../util/microtask.js';
import { ERR } from './errors.js';

export { GLOBAL_ACCOUNT } from '../core/security/principal.js';

/**
 * The nats-server version Wharf reports in INFO and /varz: clients gate features on it
 * (docs/jetstream.md 1.19), so it is the version whose JetStream features Wharf implements.
 */
export const NATS_COMPAT_VERSION = '2.14.0';
/** How many closed connections /connz?state=closed remembers, as nats-server does. */
const CLOSED_RING = 10_000;

/** nats-server ids are nkey public keys: 'N' and 55 base32 characters. */
function newServerId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bytes = randomBytes(55);
  let id = 'N';
  for (const b of bytes) id += alphabet[b & 31];
  return id;
}

export interface NatsServerTotals {
  inMsgs: number;
  inBytes: number;
  outMsgs: number;
  outBytes: number;
  totalConnections: number;
}

export class NatsServer {
  readonly serverId = newServerId();
  readonly serverName: string;
  /** Who may connect; replaced by a config reload that changes the credentials. */
  authenticator: Authenticator | null;
  /** TLS of the client port (tls_required), or null. */
  readonly tls: ReloadableTls | null;
  /** The accounts' subject spaces: the global account is `router`. */
  readonly accounts: Accounts;
  /** The configured accounts (of the options, or of the preloaded account JWTs in operator mode), by name. */
  readonly accountConfigs: Readonly<Record<string, NatsAccount>>;
  readonly connections = new Map<number, NatsConnection>();
  readonly closedConnections: NatsConnection[] = [];
  slowConsumers = 0;
  staleConnections = 0;
  /** Times a publisher was held back because a receiver was over 3/4 of max_pending. */
  stalls = 0;
  /** The connection whose message is being routed right now: the one a backed-up receiver holds back. */
  publishing: NatsConnection | null = null;
  lameDuck = false;
  private nextCid = 1;
  private listener: Server | undefined;
  private listenPort = 0;
  private readonly dirty: (NatsConnection | null)[] = [];
  private dirtyCount = 0;
  private flushScheduled = false;
  /** Counters of connections that have closed; live ones are summed on demand. */
  private readonly closedTotals: NatsServerTotals = { inMsgs: 0, inBytes: 0, outMsgs: 0, outBytes: 0, totalConnections: 0 };
  private infoPrefix = '';
  /** JetStream's API level when the broker serves JetStream (INFO "jetstream" and "api_lvl"), else null. */
  private jetStreamLevel: number | null = null;

  /**
   * @param authenticator who may connect and as which principal; by default the token or the
   *   user/password of the options, or nobody's credentials required (null).
   */
  constructor(
    readonly options: NatsOptions,
    readonly router: Router,
    readonly logger: Logger,
    authenticator?: Authenticator | null,
  ) {
    this.serverName = options.serverName ?? this.serverId;
    if (options.operator !== undefined) {
      // Operator mode: the accounts are the preloaded account JWTs, users present user JWTs.
      const trust = new OperatorTrust(options.operator);
      this.accountConfigs = trust.accounts();
      this.accounts = new Accounts(router, this.accountConfigs);
      this.authenticator = authenticator ?? new JwtAuthenticator(trust, (reason) => this.logger.warn({ reason }, 'NATS user JWT refused'));
    } else {
      this.accountConfigs = options.accounts ?? {};
      this.accounts = new Accounts(router, options.accounts);
      this.authenticator = authenticator === undefined ? authenticatorFor(options) : authenticator;
    }
    this.tls =
      options.tlsCert !== undefined
        ? new ReloadableTls({ certFile: options.tlsCert, ...(options.tlsKey !== undefined ? { keyFile: options.tlsKey } : {}), ...(options.tlsCa !== undefined ? { caFile: options.tlsCa } : {}), minVersion: options.tlsMinVersion })
        : null;
  }

  get port(): number {
    return this.listenPort;
  }

  /**
   * A config reload (SIGHUP): new limits (and, with `credentials`, the user/password or token)
   * apply to what happens from now on, and new clients are greeted with an INFO that says so.
   * Connections already authenticated stay, as in nats-server.
   */
  reload(options: NatsOptions, credentials: boolean): void {
    for (const key of Object.keys(this.options)) if (!(key in options)) Reflect.deleteProperty(this.options, key);
    Object.assign(this.options, options);
    if (credentials) this.authenticator = authenticatorFor(this.options);
    this.buildInfoPrefix();
  }

  /** Authenticated connections of an account (for the account connection limit of operator mode). */
  accountConnections(account: string): number {
    let n = 0;
    for (const c of this.connections.values()) if (c.authenticated && c.principal.account === account) n++;
    return n;
  }

  /** Says in INFO that JetStream is served ("jetstream": true, "api_lvl"); call before listen(). */
  advertiseJetStream(version: string, apiLevel: number): void {
    void version;
    this.jetStreamLevel = apiLevel;
    if (this.listener !== undefined) this.buildInfoPrefix();
  }

  async listen(): Promise<void> {
    // Paused until accept() decides how the connection reads (plain TCP: into the shared buffer).
    const server = createServer({ noDelay: true, pauseOnConnect: true }, (socket) => this.accept(socket));
    this.listener = server;
    server.maxConnections = Number.MAX_SAFE_INTEGER; // enforced here, with nats-server's -ERR
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.options.host, port: this.options.port, backlog: 4096 }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.logger.error({ err }, 'NATS listener error'));
    const addr = server.address();
    this.listenPort = typeof addr === 'object' && addr !== null ? addr.port : this.options.port;
    this.buildInfoPrefix();
    this.logger.info({ host: this.options.host, port: this.listenPort }, 'listening for NATS client connections');
  }

  private buildInfoPrefix(): void {
    const o = this.options;
    const info: Record<string, unknown> = {
      server_id: this.serverId,
      server_name: this.serverName,
      version: NATS_COMPAT_VERSION,
      proto: 1,
      go: `node${process.versions.node}`,
      host: o.host,
      port: this.listenPort,
      headers: true,
    };
    if (this.authenticator !== null) info.auth_required = true;
    if (this.tls !== null) {
      info.tls_required = true;
      if (o.tlsVerify || o.tlsMap) info.tls_verify = true;
    }
    info.max_payload = o.maxPayload;
    if (this.jetStreamLevel !== null) {
      info.jetstream = true;
      info.api_lvl = this.jetStreamLevel;
    }
    if (this.lameDuck) info.ldm = true;
    const json = JSON.stringify(info);
    this.infoPrefix = `INFO ${json.slice(0, -1)}`;
  }

  /** The INFO line for one connection (the client's id and address are part of it). */
  infoLine(conn: NatsConnection, connectInfo = false): Buffer {
    const confirm = connectInfo ? `,"connect_info":true,"remote_account":${JSON.stringify(conn.principal.account)}` : '';
    const nonce = conn.nonce !== undefined && !connectInfo ? `,"nonce":"${conn.nonce}"` : '';
    return Buffer.from(`${this.infoPrefix}${nonce},"client_id":${conn.cid},"client_ip":${JSON.stringify(conn.ip)}${confirm}}\r\n`);
  }

  private accept(accepted: Socket): void {
    const cid = this.nextCid++;
    const ip = accepted.remoteAddress?.replace(/^::ffff:/, '') ?? '';
    const port = accepted.remotePort ?? 0;
    // Plain connections read into the process-wide buffer (src/util/shared-read.ts); a TLS
    // connection's reads are the TLS layer's, so it keeps its socket.
    let conn: NatsConnection | null = null;
    const socket = (this.tls === null ? adoptWithSharedReads(accepted, (chunk) => conn!.read(chunk)) : null) ?? accepted.resume();
    conn = new NatsConnection(this, socket, cid, ip, port);
    if (this.lameDuck) {
      socket.destroy();
      return;
    }
    if (this.connections.size >= this.options.maxConnections) {
      // With TLS the reason could only go over TLS: refuse before the handshake.
      if (this.tls !== null) {
        socket.destroy();
        return;
      }
      // nats-server greets, then refuses: the client sees a reason instead of a reset.
      socket.write(this.infoLine(conn));
      conn.fail(ERR.maxConnections, 'Maximum Connections Exceeded');
      return;
    }
    this.connections.set(cid, conn);
    this.closedTotals.totalConnections++;
    if (this.tls !== null) conn.beginTls(this.tls);
    else conn.begin();
  }

  /** Queues a connection for the flush that runs when the current event's handlers return. */
  scheduleFlush(conn: NatsConnection): void {
    this.dirty[this.dirtyCount++] = conn;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      onMicrotask(this.flushDirty);
    }
  }

  /**
   * Writes what the event gave each dirty connection. The list is reused with a count of its
   * own (no array per event; entries are cleared so a closed connection is not kept); a
   * connection made dirty again during the loop (none is today) is flushed by the same loop.
   */
  readonly flushDirty = (): void => {
    this.flushScheduled = false;
    const list = this.dirty;
    for (let i = 0; i < this.dirtyCount; i++) {
      const conn = list[i]!;
      list[i] = null;
      conn.flush();
    }
    this.dirtyCount = 0;
  };

  connectionClosed(conn: NatsConnection): void {
    if (!this.connections.delete(conn.cid)) return;
    const t = this.closedTotals;
    t.inMsgs += conn.inMsgs;
    t.inBytes += conn.inBytes;
    t.outMsgs += conn.outMsgs;
    t.outBytes += conn.outBytes;
    this.closedConnections.push(conn);
    if (this.closedConnections.length > CLOSED_RING) this.closedConnections.shift();
    this.logger.debug({ cid: conn.cid, reason: conn.closeReason }, 'client connection closed');
  }

  totals(): NatsServerTotals {
    const t = { ...this.closedTotals };
    for (const c of this.connections.values()) {
      t.inMsgs += c.inMsgs;
      t.inBytes += c.inBytes;
      t.outMsgs += c.outMsgs;
      t.outBytes += c.outBytes;
    }
    return t;
  }

  /**
   * Lame-duck mode, as nats-server on SIGUSR2: stop accepting, tell clients (INFO with
   * ldm:true) so they reconnect elsewhere, then close them spread over the configured
   * duration after a grace period.
   */
  async enterLameDuckMode(): Promise<void> {
    if (this.lameDuck) return;
    this.lameDuck = true;
    this.logger.info('entering lame duck mode, stop accepting new NATS clients');
    this.listener?.close();
    this.buildInfoPrefix();
    for (const conn of this.connections.values()) conn.sendInfo();
    const { lameDuckDuration, lameDuckGracePeriod } = this.options;
    await delay(Math.min(lameDuckGracePeriod, lameDuckDuration));
    const conns = [...this.connections.values()];
    const spread = Math.max(0, lameDuckDuration - lameDuckGracePeriod);
    const step = conns.length > 0 ? spread / conns.length : 0;
    for (const conn of conns) {
      conn.protocolClose('Server Shutdown');
      if (step >= 1) await delay(step);
    }
  }

  /** Re-reads the certificate and key (SIGHUP): new handshakes use them, connected clients stay. */
  reloadTls(): void {
    this.tls?.reload();
  }

  async close(): Promise<void> {
    const listener = this.listener;
    this.listener = undefined;
    for (const conn of [...this.connections.values()]) {
      conn.protocolClose('Server Shutdown');
      conn.socket.destroy();
    }
    if (listener?.listening) await new Promise<void>((resolve) => listener.close(() => resolve()));
    this.accounts.close();
  }
}

/** A referenced timer: lame duck mode must keep the process alive until it is done. */
function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

