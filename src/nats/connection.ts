// One NATS client connection: protocol state, subscriptions, liveness and flow control.
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { ReloadableTls } from '../core/security/tls.js';
import { tlsPeerOf, type TlsPeer } from '../core/security/tls-peer.js';
import type { ClientDetails, ReplyBytes, Router, SubscriptionOwner } from '../core/routing/router.js';
import { isValidLiteralSubject } from '../core/routing/subject.js';
import { ANONYMOUS, type Principal } from '../core/security/principal.js';
import type { Verdict } from './auth.js';
import { MAX_CLIENT_PROTOCOL, type ConnectOptions } from './connect.js';
import { ERR, errLine, publishViolation, subscribeViolation } from './errors.js';
import { COPY_LIMIT, Outbound } from './outbound.js';
import { inSharedReadBuffer } from '../util/shared-read.js';
import { NatsParser, type ParserHandler, type ProtocolError } from './parser.js';
import { ClientPermissions } from './permissions.js';
import { NatsSubscription } from './subscription.js';
import type { NatsServer } from './server.js';

/** Why a connection ended, with the names nats-server reports in /connz?state=closed. */
export type CloseReason =
  | 'Client Closed'
  | 'Server Shutdown'
  | 'Authentication Timeout'
  | 'Authentication Failure'
  | 'Parse Error'
  | 'Protocol Violation'
  | 'Maximum Payload Exceeded'
  | 'Maximum Control Line Exceeded'
  | 'Slow Consumer (Pending Bytes)'
  | 'Slow Consumer (Write Deadline)'
  | 'Stale Connection'
  | 'Maximum Connections Exceeded'
  | 'Read Error'
  | 'Write Error'
  | 'Bad Client Protocol Version'
  | 'No Responders Requires Headers'
  | 'TLS Handshake Error'
  | 'Authentication Expired'
  | 'Maximum Account Connections Exceeded';

const PING = Buffer.from('PING\r\n');
const PONG = Buffer.from('PONG\r\n');
const OK = Buffer.from('+OK\r\n');
/** After an error line, how long we let the client read it before forcing the socket shut. */
const CLOSE_LINGER_MS = 1_000;
/**
 * Longest a publisher is held back at once when a receiver is over 3/4 of max_pending. The
 * pause ends earlier when the receiver drains. Short holds throttle a fast publisher (as
 * nats-server's stalls do) without letting a stuck receiver block it for long: a receiver
 * that never drains reaches max_pending or the write deadline and is cut off instead.
 */
const STALL_MAX_MS = 5;

export class NatsConnection implements ParserHandler, SubscriptionOwner {
  readonly start = new Date();
  /** When the client last sent something (ms since the epoch): a number, so that a read allocates no Date. */
  private lastActivityMs = this.start.getTime();
  connect: ConnectOptions = { verbose: true, pedantic: true, echo: true };
  echo = true;
  /** Whether the client takes HMSG (it said headers:true in CONNECT). */
  headers = false;
  readonly subscriptions = new Map<string, NatsSubscription>();

  inMsgs = 0;
  inBytes = 0;
  outMsgs = 0;
  outBytes = 0;
  /** Round trip of the last server PING, in nanoseconds; 0 until measured. */
  rtt = 0;
  /** Who the client is: anonymous until its CONNECT is authenticated (or when no credentials are required). */
  principal: Principal = ANONYMOUS;
  /** The client's verified TLS certificate, once the handshake is done (if it presented one). */
  tlsPeer: TlsPeer | undefined;
  /** The negotiated TLS version and cipher, once the handshake is done (/connz). */
  tlsVersion: string | undefined;
  tlsCipher: string | undefined;
  /** Set while the TLS handshake runs: a socket error then is a handshake error. */
  private tlsPending = false;
  /** The nonce this connection's INFO carried, for nkey and JWT clients to sign; undefined when none is needed. */
  readonly nonce: string | undefined;

  /** Set while queued for the end-of-event flush. */
  dirty = false;
  closed = false;
  closeReason: CloseReason | undefined;
  stopTime: Date | undefined;

  private sock: Socket;
  private readonly parser: NatsParser;
  private readonly out = new Outbound();
  /** The permission check point; null when the principal may do everything (no check at all). */
  private permissions: ClientPermissions | null = null;
  /** The same object when it tracks reply subjects of deliveries (allow_responses), else null. */
  private replyGrants: ClientPermissions | null = null;
  private connectReceived = false;
  /** Whether CONNECT's credentials were accepted (or none are required). */
  private authenticatedFlag = false;
  get authenticated(): boolean {
    return this.authenticatedFlag;
  }
  private set authenticated(v: boolean) {
    this.authenticatedFlag = v;
  }
  private pingsOut = 0;
  private firstPongSent = false;
  private pingSentAt = 0n;
  private pingTimer: NodeJS.Timeout | undefined;
  private authTimer: NodeJS.Timeout | undefined;
  /** Closes the connection when the principal's credentials expire (a user JWT's exp). */
  private expiryTimer: NodeJS.Timeout | undefined;
  /** The subscription and payload limits: the server's, lowered by the principal's. */
  private maxSubscriptions: number;
  private maxPayload: number;
  private writeDeadlineTimer: NodeJS.Timeout | undefined;
  /** The subject space of the client's account: the global one until CONNECT names another principal. */
  private router: Router;
  /** Pending bytes over which publishers to this connection are held back. */
  private readonly stallThreshold: number;
  /** Set while this connection, as a publisher, is held back. */
  private stallTimer: NodeJS.Timeout | undefined;
  /** Publishers held back because of this connection's backlog; released when it drains. */
  private stalledPublishers: Set<NatsConnection> | undefined;

  constructor(
    readonly server: NatsServer,
    socket: Socket,
    readonly cid: number,
    readonly ip: string,
    readonly port: number,
  ) {
    this.router = server.router;
    const opts = server.options;
    this.authenticated = server.authenticator === null;
    this.maxSubscriptions = opts.maxSubscriptions;
    this.maxPayload = opts.maxPayload;
    // nats-server's nonce: 11 random bytes, base64url without padding.
    this.nonce = server.authenticator?.needsNonce === true ? randomBytes(11).toString('base64url') : undefined;
    this.parser = new NatsParser(this, opts.maxControlLine);
    this.stallThreshold = Math.floor((opts.maxPending / 4) * 3);
    this.sock = socket;
    this.attach(socket);
  }

  /** Who the client is, as the JetStream API audit advisory names it. */
  clientDetails(): ClientDetails {
    const c = this.connect;
    return { id: this.cid, start: this.start, host: this.ip, name: c.name, lang: c.lang, version: c.version, rttNs: this.rtt };
  }

  /** The socket the connection reads and writes: the TCP socket, or what replaced it (TLS). */
  get socket(): Socket {
    return this.sock;
  }

  private readonly onSocketData = (chunk: Buffer): void => this.read(chunk);
  private readonly onSocketDrain = (): void => this.onDrain();
  private readonly onSocketError = (): void => this.close(this.closeReason ?? (this.tlsPending ? 'TLS Handshake Error' : 'Read Error'));
  private readonly onSocketClose = (): void => this.close(this.closeReason ?? (this.tlsPending ? 'TLS Handshake Error' : 'Client Closed'));

  private attach(socket: Socket): void {
    socket.setNoDelay(true);
    socket.on('data', this.onSocketData);
    socket.on('drain', this.onSocketDrain);
    socket.on('error', this.onSocketError);
    socket.on('close', this.onSocketClose);
  }

  /**
   * Moves the connection onto another socket, as the NATS TLS upgrade needs: INFO went out in
   * plain text, then the client starts TLS on the same TCP connection, and the server goes on
   * over a TLSSocket wrapping it. Parser state (a partial line or payload) and output not yet
   * written carry over: the next flush writes to the new socket. The old socket keeps an error
   * listener that ignores its errors, since the new socket (which wraps it) reports them.
   */
  replaceSocket(next: Socket): void {
    const old = this.sock;
    if (next === old) return;
    old.off('data', this.onSocketData);
    old.off('drain', this.onSocketDrain);
    old.off('error', this.onSocketError);
    old.off('close', this.onSocketClose);
    old.on('error', ignoreError);
    this.sock = next;
    this.attach(next);
    if (this.closed) next.destroy();
    else if (this.stallTimer !== undefined) next.pause();
  }

  /**
   * TLS on the connection, as nats-server does it: INFO in plain text, then the handshake on the
   * same TCP connection (or, with handshake_first, the handshake before INFO, which then goes over
   * TLS). The handshake has tlsTimeout to complete; a client that sends plain text instead, or no
   * acceptable certificate when one is required, fails it and is closed.
   */
  beginTls(tls: ReloadableTls): void {
    const opts = this.server.options;
    const raw = this.sock;
    const verify = opts.tlsVerify || opts.tlsMap;
    // A tls.Server that never listens performs the server side of the handshake on this socket,
    // with its checks (a required client certificate must verify against the CAs).
    const upgrader = createTlsServer({ ...tls.options, requestCert: verify, rejectUnauthorized: verify });
    this.tlsPending = true;
    const timer = setTimeout(() => {
      if (!this.tlsPending) return;
      this.server.logger.warn({ cid: this.cid, ip: this.ip }, 'TLS handshake timeout');
      raw.destroy();
      this.close('TLS Handshake Error');
    }, opts.tlsTimeout);
    upgrader.once('secureConnection', (secure: TLSSocket) => {
      clearTimeout(timer);
      this.tlsPending = false;
      if (this.closed) {
        secure.destroy();
        return;
      }
      const cert = secure.getPeerX509Certificate();
      if (cert !== undefined && secure.authorized) this.tlsPeer = tlsPeerOf(cert);
      this.tlsVersion = secure.getProtocol() ?? undefined;
      this.tlsCipher = secure.getCipher()?.name;
      this.replaceSocket(secure);
      if (opts.tlsHandshakeFirst) this.begin();
    });
    upgrader.once('tlsClientError', (err: Error) => {
      clearTimeout(timer);
      this.server.logger.warn({ cid: this.cid, ip: this.ip, err: err.message }, 'TLS handshake error');
      raw.destroy();
      this.close('TLS Handshake Error');
    });
    if (!opts.tlsHandshakeFirst) this.begin();
    // Plain text the client sends before the handshake would be taken for TLS records: stop reading it ourselves.
    raw.off('data', this.onSocketData);
    upgrader.emit('connection', raw);
  }

  /** Sends INFO and arms the timers; called once the server accepted the connection. */
  begin(): void {
    this.sock.write(this.server.infoLine(this));
    const opts = this.server.options;
    if (!this.authenticated) {
      this.authTimer = setTimeout(() => this.fail(ERR.authenticationTimeout, 'Authentication Timeout'), opts.authTimeout);
    }
    this.pingTimer = setInterval(() => this.onPingTimer(), opts.pingInterval);
    this.pingTimer.unref();
  }

  // ---- inbound ------------------------------------------------------------------------

  /** When the client last sent something (connz last_activity and idle). */
  get lastActivity(): Date {
    return new Date(this.lastActivityMs);
  }

  /** One read of the socket: its 'data' event, or the shared buffer's callback (the view is valid during the call only). */
  read(chunk: Buffer): void {
    if (this.closed) return;
    this.lastActivityMs = Date.now();
    this.parser.parse(chunk);
  }

  awaitingAuth(): boolean {
    return !this.authenticated && !this.connectReceived;
  }

  onConnect(json: string): boolean {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      this.protocolClose('Parse Error');
      return true;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      this.protocolClose('Parse Error');
      return true;
    }
    // Options absent from this CONNECT keep their earlier value, starting from nats-server's
    // defaults: a bare CONNECT {} is verbose and pedantic.
    const connect: ConnectOptions = { ...this.connect, ...(parsed as ConnectOptions) };
    this.connect = connect;
    this.connectReceived = true;
    if (this.authTimer) clearTimeout(this.authTimer);
    this.authTimer = undefined;

    const proto = connect.protocol ?? 0;
    if (typeof proto !== 'number' || proto < 0 || proto > MAX_CLIENT_PROTOCOL) {
      this.fail(ERR.badClientProtocol, 'Bad Client Protocol Version');
      return true;
    }
    if (connect.no_responders === true && connect.headers !== true) {
      this.fail(ERR.noRespondersRequiresHeaders, 'No Responders Requires Headers');
      return true;
    }
    this.echo = connect.echo !== false;
    this.headers = connect.headers === true;

    const auth = this.server.authenticator;
    if (auth === null || this.authenticated) {
      this.afterConnect();
      return true;
    }
    const verdict = auth.check(connect, { ...(this.tlsPeer !== undefined ? { peer: this.tlsPeer } : {}), ...(this.nonce !== undefined ? { nonce: this.nonce } : {}) });
    if (!(verdict instanceof Promise)) {
      this.authVerdict(verdict);
      return true;
    }
    // Credentials checked asynchronously (bcrypt): hold further input until the verdict.
    this.sock.pause();
    verdict.then(
      (who) => {
        if (this.closed) return;
        this.authVerdict(who);
        if (this.closed) return;
        this.sock.resume();
        this.parser.resume();
        this.server.flushDirty();
      },
      () => this.authVerdict(null),
    );
    return false;
  }

  private authVerdict(who: Verdict): void {
    if (who === null) {
      // Logged once per refused CONNECT, naming what the client claimed to be (never a secret),
      // as nats-server logs its authorization errors.
      const c = this.connect;
      this.server.logger.warn({ cid: this.cid, ip: this.ip, user: c.user, nkey: c.nkey, jwt: c.jwt === undefined ? undefined : true, token: c.auth_token === undefined ? undefined : true }, 'NATS authentication refused');
      this.fail(ERR.authorizationViolation, 'Authentication Failure');
      return;
    }
    const limits = who.limits;
    if (limits !== undefined) {
      const max = limits.accountConnections;
      if (max !== undefined && this.server.accountConnections(who.account) >= max) {
        this.fail(ERR.maxAccountConnections, 'Maximum Account Connections Exceeded');
        return;
      }
      if (limits.subscriptions !== undefined) this.maxSubscriptions = this.maxSubscriptions > 0 ? Math.min(this.maxSubscriptions, limits.subscriptions) : limits.subscriptions;
      if (limits.payload !== undefined) this.maxPayload = Math.min(this.maxPayload, limits.payload);
      if (limits.expiresAt !== undefined) {
        // Credentials that expire close the connection then, as nats-server does.
        this.expiryTimer = setTimeout(() => this.fail(ERR.authenticationExpired, 'Authentication Expired'), Math.max(0, limits.expiresAt - Date.now()));
        this.expiryTimer.unref();
      }
    }
    this.authenticated = true;
    this.principal = who;
    this.router = this.server.accounts.router(who.account);
    this.permissions = ClientPermissions.of(who);
    this.replyGrants = this.permissions?.tracksReplies === true ? this.permissions : null;
    this.afterConnect();
  }

  private afterConnect(): void {
    if (this.connect.verbose) this.queueProto(OK);
  }

  onPublishHeader(subject: string, size: number, withHeaders: boolean): boolean {
    if (withHeaders && !this.headers) {
      // HPUB from a client that did not negotiate headers: nats-server drops it silently.
      this.protocolClose('Protocol Violation');
      return false;
    }
    if (size > this.maxPayload) {
      this.fail(ERR.maxPayload, 'Maximum Payload Exceeded');
      return false;
    }
    if (this.connect.pedantic && !isValidLiteralSubject(subject)) {
      // nats-server reports this but still routes the message.
      this.queueProto(errLine(ERR.invalidPublishSubject));
    }
    return true;
  }

  onPublish(published: string, reply: string | undefined, hdrLen: number, buf: Buffer, start: number, end: number): void {
    this.inMsgs++;
    this.inBytes += end - start;
    // Subject mappings apply first, as in nats-server: permissions and the no-responders
    // status see the subject the message is delivered on.
    const subject = this.router.mapSubject(published);
    if (this.permissions !== null && !this.permissions.mayPublish(subject)) {
      // nats-server: -ERR, no +OK, the message is dropped and the connection stays open; the
      // violation is logged once (nats-server's "Publish Violation" error log).
      this.server.logger.warn({ cid: this.cid, ip: this.ip, user: this.principal.name, account: this.principal.account, subject }, 'NATS publish permission violation');
      this.queueProto(errLine(publishViolation(subject)));
      return;
    }
    if (this.connect.verbose) this.queueProto(OK);
    this.server.publishing = this;
    let delivered: number;
    if (end - start >= COPY_LIMIT && inSharedReadBuffer(buf)) {
      // Nobody to hand it to and no reply to answer: the message ends here, without the copy.
      if (reply === undefined && !this.router.wouldClaim(subject)) {
        this.server.publishing = null;
        this.router.countUnclaimed();
        return;
      }
      // Receivers' outbound buffers keep large payloads by reference until written: one copy out
      // of the shared read buffer, which the next read overwrites (src/util/shared-read.ts).
      const copy = Buffer.from(buf.subarray(start, end));
      delivered = this.router.routeRange(subject, reply, hdrLen, copy, 0, copy.length, this);
    } else {
      // Routed as a range of the read buffer: no Buffer view per message (receivers copy what
      // they keep), and a message nobody takes costs the one Sublist lookup of the routing.
      delivered = this.router.routeRange(subject, reply, hdrLen, buf, start, end, this);
    }
    this.server.publishing = null;
    if (delivered === 0 && reply !== undefined && this.connect.no_responders === true) this.sendNoResponders(subject, reply);
  }

  /** The 503 status a requester gets when nobody listens, on its own reply subscription. */
  private sendNoResponders(subject: string, reply: string): void {
    const match = this.router.subscriptions.match(reply);
    let target: NatsSubscription | undefined;
    for (const sub of match.plain) {
      if (sub.owner === this) {
        target = sub as NatsSubscription;
        break;
      }
    }
    if (target === undefined) return;
    const header = `NATS/1.0 503\r\nNats-Subject: ${subject}\r\n\r\n`;
    const len = Buffer.byteLength(header, 'latin1');
    this.out.ascii(`HMSG ${reply}${target.sidField}${len} ${len}\r\n${header}\r\n`);
    this.markDirty();
  }

  onSubscribe(subject: string, queue: string | undefined, sid: string): void {
    // Permissions come first, before the limits and the duplicate sid, as in nats-server.
    if (this.permissions !== null && !this.permissions.maySubscribe(subject, queue)) {
      this.server.logger.warn({ cid: this.cid, ip: this.ip, user: this.principal.name, account: this.principal.account, subject, queue, sid }, 'NATS subscription permission violation');
      this.queueProto(errLine(subscribeViolation(subject, queue)));
      return;
    }
    // The limit comes before the duplicate sid, as in nats-server: at the limit even a
    // repeated sid is refused; below it a repeated sid is accepted and changes nothing.
    const max = this.maxSubscriptions;
    if (max > 0 && this.subscriptions.size >= max) {
      this.queueProto(errLine(ERR.maxSubscriptions));
      return;
    }
    if (this.subscriptions.has(sid)) {
      if (this.connect.verbose) this.queueProto(OK);
      return;
    }
    const filter = this.permissions === null ? null : this.permissions.deliveryFilter(subject, queue);
    const sub = new NatsSubscription(this, subject, queue, sid, filter);
    if (!this.router.subscriptions.insert(sub)) {
      this.queueProto(errLine(ERR.invalidSubject));
      return;
    }
    this.subscriptions.set(sid, sub);
    if (this.connect.verbose) this.queueProto(OK);
  }

  onUnsubscribe(sid: string, max: number): void {
    const sub = this.subscriptions.get(sid);
    if (sub !== undefined) {
      if (max > 0 && max > sub.delivered) sub.max = max;
      else this.removeSubscription(sub);
    }
    if (this.connect.verbose) this.queueProto(OK);
  }

  removeSubscription(sub: NatsSubscription): void {
    if (this.subscriptions.get(sub.sid) !== sub) return;
    this.subscriptions.delete(sub.sid);
    this.router.subscriptions.remove(sub);
  }

  onPing(): void {
    this.queueProto(PONG);
    if (!this.firstPongSent && this.connectReceived) {
      // The first PONG to a client that takes async INFO is followed by an INFO that
      // confirms the CONNECT (connect_info) and names the account, as nats-server does.
      this.firstPongSent = true;
      if ((this.connect.protocol ?? 0) >= 1) this.queueProto(this.server.infoLine(this, true));
    }
  }

  onPong(): void {
    this.pingsOut = 0;
    if (this.pingSentAt > 0n) {
      this.rtt = Number(process.hrtime.bigint() - this.pingSentAt);
      this.pingSentAt = 0n;
    }
  }

  onOk(): void {}

  onErr(): void {
    // A client reporting an error to the server ends the connection, as in nats-server.
    this.protocolClose('Parse Error');
  }

  onInfo(): void {}

  onProtocolError(error: ProtocolError): void {
    switch (error) {
      case 'unknown-operation':
        this.fail(ERR.unknownOperation, 'Parse Error');
        break;
      case 'max-control-line':
        this.fail(ERR.maxControlLine, 'Maximum Control Line Exceeded');
        break;
      case 'auth-violation':
        this.server.logger.warn({ cid: this.cid, ip: this.ip }, 'NATS request before authentication refused');
        this.fail(ERR.authorizationViolation, 'Authentication Failure');
        break;
      case 'bad-arguments':
        this.protocolClose('Parse Error');
        break;
      case 'max-payload':
        this.fail(ERR.maxPayload, 'Maximum Payload Exceeded');
        break;
    }
  }

  // ---- outbound -----------------------------------------------------------------------

  /** Writes one MSG or HMSG for a subscription of this connection: the message is `buf[start, end)`, headers first. */
  /** `replyBytes`, when not null, is the reply subject (then `reply` is undefined): written from its bytes. */
  sendMessage(sub: NatsSubscription, subject: string, reply: string | undefined, hdrLen: number, buf: Buffer, start: number, end: number, replyBytes: ReplyBytes | null): void {
    if (this.closed) return;
    const out = this.out;
    // Receivers that did not ask for headers get MSG with the payload alone.
    const withHeaders = hdrLen > 0 && this.headers;
    out.ascii(withHeaders ? 'HMSG ' : 'MSG ');
    out.ascii(subject);
    out.ascii(sub.sidField);
    if (replyBytes !== null) {
      out.reply(replyBytes);
      out.ascii(' ');
    } else if (reply !== undefined) {
      out.ascii(reply);
      out.ascii(' ');
    }
    const size = end - start;
    if (withHeaders) {
      out.decimal(hdrLen);
      out.ascii(' ');
      out.decimal(size);
      out.crlf();
      out.bytes(buf, start, end);
    } else {
      out.decimal(size - hdrLen);
      out.crlf();
      out.bytes(buf, start + hdrLen, end);
    }
    out.crlf();
    this.outMsgs++;
    this.outBytes += size;
    if (this.replyGrants !== null) {
      if (replyBytes !== null) this.replyGrants.replyReceived(replyBytes.toString());
      else if (reply !== undefined) this.replyGrants.replyReceived(reply);
    }
    const pending = out.buffered + this.sock.writableLength;
    if (pending > this.server.options.maxPending) {
      this.slowConsumer('Slow Consumer (Pending Bytes)');
      return;
    }
    if (pending > this.stallThreshold) this.holdBackPublisher();
    this.markDirty();
  }

  private queueProto(line: Buffer): void {
    if (this.closed) return;
    this.out.bytes(line);
    this.markDirty();
  }

  private markDirty(): void {
    if (!this.dirty) {
      this.dirty = true;
      this.server.scheduleFlush(this);
    }
  }

  /** Called by the server at the end of the event that produced output. */
  flush(): void {
    this.dirty = false;
    if (this.closed) return;
    this.out.flush(this.sock);
    if (this.sock.writableLength > 0 && this.writeDeadlineTimer === undefined) {
      this.writeDeadlineTimer = setTimeout(() => {
        this.writeDeadlineTimer = undefined;
        if (this.sock.writableLength > 0) this.slowConsumer('Slow Consumer (Write Deadline)');
      }, this.server.options.writeDeadline);
    }
  }

  get pendingBytes(): number {
    return this.out.buffered + (this.closed ? 0 : this.sock.writableLength);
  }

  private onDrain(): void {
    if (this.writeDeadlineTimer !== undefined) {
      clearTimeout(this.writeDeadlineTimer);
      this.writeDeadlineTimer = undefined;
    }
    this.releasePublishers();
  }

  /** This receiver is backed up: stop reading from whoever is publishing to it right now. */
  private holdBackPublisher(): void {
    const publisher = this.server.publishing;
    if (publisher === null || publisher.closed || publisher.stallTimer !== undefined) return;
    (this.stalledPublishers ??= new Set()).add(publisher);
    this.server.stalls++;
    publisher.sock.pause();
    publisher.stallTimer = setTimeout(() => publisher.endStall(), STALL_MAX_MS);
  }

  private endStall(): void {
    if (this.stallTimer === undefined) return;
    clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
    if (!this.closed) this.sock.resume();
  }

  private releasePublishers(): void {
    const held = this.stalledPublishers;
    if (held === undefined) return;
    this.stalledPublishers = undefined;
    for (const publisher of held) publisher.endStall();
  }

  private onPingTimer(): void {
    if (this.closed) return;
    if (this.pingsOut + 1 > this.server.options.maxPingsOut) {
      this.server.staleConnections++;
      this.fail(ERR.staleConnection, 'Stale Connection');
      return;
    }
    this.pingsOut++;
    this.pingSentAt = process.hrtime.bigint();
    this.queueProto(PING);
  }

  /** Sends an async INFO (lame duck mode, configuration changes). */
  sendInfo(): void {
    if (this.connect.protocol === undefined || this.connect.protocol < 1) return;
    this.queueProto(this.server.infoLine(this));
  }

  // ---- closing ------------------------------------------------------------------------

  /** Sends -ERR with the reason, then closes once the client could read it. */
  fail(errText: string, reason: CloseReason): void {
    if (this.closed) return;
    this.out.bytes(errLine(errText));
    this.protocolClose(reason);
  }

  /** Flushes what is queued and ends the connection. */
  protocolClose(reason: CloseReason): void {
    if (this.closed) return;
    this.closeReason = reason;
    this.out.flush(this.sock);
    // Read on to the client's FIN (what arrives is ignored: the connection is closed), so the
    // socket ends when the client closes; a socket that reads into the shared buffer stops
    // reading at once when paused (an asynchronous auth check pauses it), and would otherwise
    // wait for the linger timer below.
    if (this.sock.isPaused()) this.sock.resume();
    this.sock.end();
    // A peer that never reads would hold the socket half-open: force it shut.
    setTimeout(() => this.sock.destroy(), CLOSE_LINGER_MS).unref();
    this.close(reason);
  }

  private slowConsumer(reason: CloseReason): void {
    if (this.closed) return;
    this.server.slowConsumers++;
    this.server.logger.warn({ cid: this.cid, ip: this.ip, pending: this.pendingBytes }, 'slow consumer detected');
    this.out.discard();
    this.closeReason = reason;
    this.sock.destroy();
    this.close(reason);
  }

  /** Releases everything the connection holds; idempotent. */
  close(reason: CloseReason): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    this.stopTime = new Date();
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.authTimer) clearTimeout(this.authTimer);
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    if (this.writeDeadlineTimer) clearTimeout(this.writeDeadlineTimer);
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.releasePublishers();
    for (const sub of this.subscriptions.values()) this.router.subscriptions.remove(sub);
    this.server.connectionClosed(this);
    if (!this.sock.destroyed && reason !== 'Client Closed' && this.sock.writableLength === 0 && !this.sock.writableEnded) {
      this.sock.destroy();
    }
  }
}

function ignoreError(): void {}
