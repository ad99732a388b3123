// One Kafka client connection: frames in, requests decoded and dispatched to the API handlers,
// responses out in request order.
//
// Kafka clients pipeline requests and match responses by order as much as by correlation id,
// so every request gets a slot in a FIFO when it arrives, handlers may finish in any order,
// and a slot is written only when every slot before it has been. A request without a response
// (Produce with acks=0) leaves an empty slot. Bounds: at most MAX_IN_FLIGHT requests are
// handled at once (further frames wait, and the socket stops being read); while the socket's
// outbound buffer is over WRITE_HIGH_WATER nothing more is read either.
//
// Bad input (a size prefix over the limit or negative, a header or body that does not decode,
// an unknown API key, a version that is not advertised, an HTTP request) closes this
// connection only, logged once; nothing is allocated for a size the peer did not send.
//
// Dispatch is typed by API key: the handler of a key decodes its body with that key's codec,
// and its response is encoded with it, so request and response types meet without casts.
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { Logger } from '../log.js';
import { rfc2253 } from '../core/security/ssl-principal.js';
import { logDeniedAuthorization } from '../core/security/authorization-log.js';
import { ANONYMOUS_PRINCIPAL, type AclOperation, type AclPrincipal, type AclResource, type AuthorizationSession } from '../core/security/authorizer.js';
import { SECURITY_TOPIC } from '../core/security/security-store.js';
import { encodeResponseFrame } from './protocol/codec.js';
import { FrameSplitter, FrameTooLargeError } from './protocol/frame.js';
import { decodeRequestHeader, type RequestHeader } from './protocol/header.js';
import { Reader } from './protocol/reader.js';
import { Writer } from './protocol/writer.js';
import { ApiKey, apis as codecApis, apiTable, isApiKey, omittedApis, type FetchResponse, type RequestByKey, type ResponseByKey } from './protocol/messages/index.js';
import { encodeApiVersionsResponse } from './protocol/messages/api-versions.js';
import { asCodecError, KafkaCodecError } from './protocol/errors.js';
import { HANDLERS, advertisedApiVersions } from './apis/index.js';
import type { ApiHandler, ConnectionScope, RequestContext } from './apis/types.js';
import type { KafkaServices } from './context.js';
import { ErrorCode } from './errors.js';
import type { ListenerScope } from './listener.js';
import { SaslAuthentication } from './sasl.js';
import type { BufferLease } from '../util/buffer-pool.js';

/** The requests a SASL listener serves before authentication (Kafka's SaslServerAuthenticator). */
const BEFORE_AUTHENTICATION = new Set<number>([ApiKey.ApiVersions, ApiKey.SaslHandshake, ApiKey.SaslAuthenticate]);

const MAX_IN_FLIGHT = 128;
const WRITE_HIGH_WATER = 16 * 1024 * 1024;
/** Kafka's connections.max.idle.ms. */
const IDLE_TIMEOUT_MS = 10 * 60 * 1000;
const RESOLVED = Promise.resolve();

interface Slot {
  ready: boolean;
  chunks: Buffer[] | null;
  /** Size of the request frame (for the producer byte-rate quota). */
  requestBytes?: number;
  /**
   * Read buffers the response references (a Fetch's records): released by the socket's write
   * callback of the slot's last chunk, or as soon as the handler is done when nothing is written.
   */
  lease?: BufferLease;
}

/** Requests client quotas never throttle: the ones before authentication, as in Kafka. */
const QUOTA_EXEMPT = new Set<number>([ApiKey.ApiVersions, ApiKey.SaslHandshake, ApiKey.SaslAuthenticate]);

/** Record bytes of a Fetch response (for the consumer byte-rate quota). */
let nextConnectionId = 1;

/** Why a frame could not be decoded, for the close log line. */
function malformed(e: unknown, what: string): string {
  const err = asCodecError(e, what);
  return err instanceof KafkaCodecError ? err.message : `malformed ${what}: ${String(err.message)}`;
}

export class KafkaConnection implements ConnectionScope {
  readonly id = nextConnectionId++;
  readonly remoteAddress: string;
  private readonly splitter: FrameSplitter;
  private readonly abort = new AbortController();
  private readonly closeWatchers = new Set<() => void>();
  private readonly slots: Slot[] = [];
  /** Frames received while MAX_IN_FLIGHT requests were being handled. */
  private readonly backlog: Buffer[] = [];
  private readonly running = new Set<Promise<void>>();
  /** Completion of the exclusive request that later requests wait for, if any. */
  private gate: Promise<void> | null = null;
  private produceTail: Promise<void> = RESOLVED;
  private produceTailDone = true;
  private closing: string | null = null;
  private closeAfterSlot: Slot | null = null;
  private closed = false;
  private writeBlocked = false;
  private clientId: string | null = null;
  private readonly log: Logger;
  /** SASL authentication on a SASL listener; null on the others. */
  private readonly sasl: SaslAuthentication | null;
  /** The principal of a TLS client's certificate on an SSL listener. */
  private tlsPrincipal: AclPrincipal = ANONYMOUS_PRINCIPAL;
  private saslPrincipal: AclPrincipal | null = null;
  /** Reading is stopped until then (ms since the epoch) by a quota throttle; 0: not muted. */
  private mutedUntil = 0;
  private muteTimer: NodeJS.Timeout | undefined;
  /** The client's IP address, as ACL hosts name it. */
  private readonly host: string;
  /** The authorizer's cached decisions for the current principal, when it keeps them. */
  private session: AuthorizationSession | null = null;
  /**
   * The authorization hook of this connection's requests: the listener's authorizer, bound to
   * the principal and host. The security store's topic is the broker's own: no client may
   * touch it, whatever the ACLs say.
   */
  private readonly authorize = (operation: AclOperation, resource: AclResource): boolean => {
    if (resource.type === 'TOPIC' && resource.name === SECURITY_TOPIC) return false;
    const session = this.session;
    if (session !== null) return session.authorize(operation, resource);
    return this.services.authorizer.authorize(this.principal, operation, resource, this.host);
  };

  /**
   * The authorize() of one request: the connection's decision, a denial logged once per
   * resource for this request (`request` is its API name) unless the caller says it only filters.
   */
  private requestAuthorizer(request: string): (operation: AclOperation, resource: AclResource, logIfDenied?: boolean) => boolean {
    let logged: Set<string> | null = null;
    return (operation, resource, logIfDenied = true) => {
      if (this.authorize(operation, resource)) return true;
      if (!logIfDenied) return false;
      const key = `${operation} ${resource.type} ${resource.name}`;
      if (logged?.has(key) === true) return false;
      (logged ??= new Set()).add(key);
      logDeniedAuthorization(this.log, this.principal, operation, resource, this.host, request);
      return false;
    };
  }

  constructor(
    private readonly socket: Socket,
    private readonly services: KafkaServices,
    readonly listener: ListenerScope,
    logger: Logger,
    private readonly onClose: (c: KafkaConnection) => void,
  ) {
    this.remoteAddress = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    this.host = socket.remoteAddress ?? '';
    this.log = logger.child({ conn: this.id, remote: this.remoteAddress, listener: listener.name });
    this.sasl = listener.sasl === null ? null : new SaslAuthentication(listener.sasl, listener.reauthMs);
    this.splitter = new FrameSplitter(services.options.maxFrameBytes);
    socket.setNoDelay(true);
    socket.setTimeout(IDLE_TIMEOUT_MS);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => {
      this.writeBlocked = false;
      this.pump();
    });
    socket.on('timeout', () => this.fail('idle for longer than connections.max.idle.ms', 'debug'));
    socket.on('error', (e) => this.log.debug({ err: e }, 'kafka connection error'));
    socket.on('close', () => this.onSocketClose());
    if (listener.protocol === 'SSL' && socket instanceof TLSSocket) this.namePeer(socket);
    this.newSession();
  }

  /** A new authorization session for the current principal (at start, and when SASL names the client). */
  private newSession(): void {
    this.session = this.services.authorizer.session?.(this.principal, this.host) ?? null;
  }

  /** Who is on the other end: the SASL user, the TLS client's mapped certificate subject, or User:ANONYMOUS. */
  get principal(): AclPrincipal {
    return this.saslPrincipal ?? this.tlsPrincipal;
  }

  /** Names an SSL client by its certificate, as Kafka's DefaultKafkaPrincipalBuilder does; a name no rule maps closes the connection. */
  private namePeer(socket: TLSSocket): void {
    const cert = socket.getPeerX509Certificate();
    if (cert === undefined || !socket.authorized) return;
    try {
      this.tlsPrincipal = { type: 'User', name: this.listener.mapSslPrincipal(rfc2253(cert.subject)) };
    } catch (e) {
      this.fail(`SSL principal mapping failed: ${(e as Error).message}`);
    }
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  watchClose(fn: () => void): boolean {
    if (this.abort.signal.aborted) return false;
    this.closeWatchers.add(fn);
    return true;
  }

  unwatchClose(fn: () => void): void {
    this.closeWatchers.delete(fn);
  }

  /** Aborts `signal`, then calls the close watchers. */
  private abortRequests(): void {
    this.abort.abort();
    if (this.closeWatchers.size === 0) return;
    const watchers = [...this.closeWatchers];
    this.closeWatchers.clear();
    for (const fn of watchers) fn();
  }

  // ---------------------------------------------------------------------------------------
  // Input

  private onData(chunk: Buffer): void {
    if (this.closing !== null) return;
    this.services.stats.bytesIn += chunk.length;
    try {
      this.splitter.push(chunk, (frame) => {
        if (this.closing !== null) return;
        if (this.sasl?.expectsRawToken === true && this.backlog.length === 0) {
          this.rawToken(frame);
          return;
        }
        if (this.slots.length >= MAX_IN_FLIGHT || this.backlog.length > 0 || this.mutedUntil > 0) {
          this.backlog.push(frame);
          this.socket.pause();
        } else {
          this.dispatch(frame);
        }
      });
    } catch (e) {
      if (e instanceof FrameTooLargeError) {
        const head = chunk.subarray(0, 8).toString('latin1');
        if (/^(GET|POST|PUT|HEAD|DELETE|OPTIONS|PATCH|CONNECT|PRI) /.test(head)) this.fail('HTTP request on the Kafka port');
        else if (chunk[0] === 0x16 && chunk[1] === 0x03) this.fail('TLS handshake on the plaintext Kafka port');
        else this.fail(e.message);
      } else {
        this.fail(`cannot read frame: ${(e as Error).message}`);
      }
    }
  }

  private dispatch(frame: Buffer): void {
    const r = new Reader(frame);
    let header: RequestHeader;
    try {
      header = decodeRequestHeader(r);
    } catch (e) {
      this.fail(malformed(e, 'request header'));
      return;
    }
    this.clientId = header.clientId ?? this.clientId;
    const key = header.apiKey;
    if (!isApiKey(key)) {
      const omitted = omittedApis.find((o) => o.key === key);
      this.fail(omitted ? `${omitted.name} is not served (${omitted.reason})` : `unknown API key ${key}`);
      return;
    }
    const sasl = this.sasl;
    if (sasl !== null && !BEFORE_AUTHENTICATION.has(key) && !sasl.mayServe()) {
      const name = codecApis[key]?.name ?? String(key);
      this.fail(sasl.expired() ? `${name} after the SASL session expired (connections.max.reauth.ms) without re-authentication` : `${name} before SASL authentication`);
      return;
    }
    const handler = HANDLERS[key];
    if (key === ApiKey.ApiVersions && (!handler || header.apiVersion > handler.maxVersion)) {
      // A client asks with the newest version it knows; Kafka answers in v0 with the full list.
      this.queueReady(this.apiVersionsFallback(header));
      return;
    }
    if (!handler) {
      this.fail(`${codecApis[key]?.name ?? key} is not supported`);
      return;
    }
    if (header.apiVersion < handler.minVersion || header.apiVersion > handler.maxVersion) {
      this.fail(`${codecApis[key]?.name ?? key} v${header.apiVersion} is not supported (supported: v${handler.minVersion}-v${handler.maxVersion})`);
      return;
    }
    this.accept(handler, header, r, frame.length);
  }

  /** Decodes the body with the codec of the handler's key and queues the handler. */
  private accept<K extends ApiKey>(handler: ApiHandler<K>, header: RequestHeader, r: Reader, requestBytes: number): void {
    const codec = apiTable[handler.key];
    let body: RequestByKey[K];
    try {
      // Bytes after a complete body are ignored, as Apache Kafka ignores them: librdkafka 2.15
      // sends Metadata v12 with a field that version no longer has, and Kafka answers it.
      body = codec.decodeRequest(r, header.apiVersion);
    } catch (e) {
      this.fail(malformed(e, `${codec.name} v${header.apiVersion} request`));
      return;
    }
    const slot: Slot = { ready: false, chunks: null, requestBytes };
    this.slots.push(slot);
    const run = (): Promise<void> => this.run(handler, header, body, slot);
    let p: Promise<void>;
    if (handler.exclusive) {
      const before = [...this.running];
      if (this.gate) before.push(this.gate);
      p = before.length > 0 ? Promise.allSettled(before).then(run) : run();
      this.gate = p;
    } else if (this.gate) {
      p = this.gate.then(run);
    } else {
      p = run();
    }
    this.running.add(p);
    void p.finally(() => {
      this.running.delete(p);
      if (this.gate === p) this.gate = null;
    });
  }

  private async run<K extends ApiKey>(handler: ApiHandler<K>, header: RequestHeader, body: RequestByKey[K], slot: Slot): Promise<void> {
    if (this.closed) return;
    const s = this.services;
    const started = s.stats.observer !== null ? performance.now() : 0;
    const quotas = s.security.quotas;
    const metered = quotas.active && !QUOTA_EXEMPT.has(handler.key);
    const handlerStarted = metered ? performance.now() : 0;
    const ctx: RequestContext = {
      log: s.log,
      coordinators: s.coordinators,
      options: s.options,
      logger: s.logger,
      cluster: this.listener.cluster,
      producerState: s.producerState,
      fetchSessions: s.fetchSessions,
      shareSessions: s.shareSessions,
      telemetry: s.telemetry,
      conn: this,
      header,
      principal: this.principal,
      sasl: this.sasl,
      security: s.security,
      brokerConfigs: s.brokerConfigs,
      loggerLevels: s.loggerLevels,
      authorize: this.requestAuthorizer(codecApis[handler.key]?.name ?? String(handler.key)),
      fetchQuota: (recordBytes: number) => (metered ? quotas.recordFetch(this.principal.name, this.clientId ?? '', recordBytes, performance.now() - handlerStarted) : 0),
      readBuffers: () => (slot.lease ??= s.readPool.lease()),
      closeAfter: (reason: string, level: 'warn' | 'debug' = 'warn') => {
        this.closeAfterSlot = slot;
        this.closeAfterReason = reason;
        this.closeAfterLevel = level;
      },
    };
    try {
      const res = await handler.handle(ctx, body);
      if (handler.key === ApiKey.SaslAuthenticate) this.authenticated();
      if (metered && res !== null) this.throttle(handler.key, res, slot, performance.now() - handlerStarted);
      if (res !== null && !this.closed) slot.chunks = encodeResponseFrame(handler.key, header.apiVersion, header.correlationId, res);
      // Nothing will be written: the handler, the only other user of the buffers, is done.
      else slot.lease?.release();
    } catch (e) {
      slot.lease?.release();
      this.log.error({ err: e, apiKey: header.apiKey, apiVersion: header.apiVersion, clientId: this.clientId }, 'kafka request handler failed');
      this.fail('request handler failed', 'error');
      return;
    }
    s.stats.requests++;
    s.stats.observer?.request(header.apiKey, codecApis[handler.key]?.name ?? String(handler.key), (performance.now() - started) / 1_000);
    slot.ready = true;
    this.flush();
  }

  /**
   * Records a request's cost against the client quotas and, when a quota is exceeded, answers
   * the throttle time in the response and stops reading from the client for that long (Kafka
   * mutes the channel): the client's next requests wait, the ones before are answered.
   */
  private throttle<K extends ApiKey>(key: K, res: ResponseByKey[K], slot: Slot, handlerMs: number): void {
    let ms: number;
    if (key === ApiKey.Fetch) {
      // Recorded by the handler before it answered (ctx.fetchQuota): a throttled Fetch is empty.
      ms = (res as FetchResponse).throttleTimeMs;
    } else {
      const cost = { produceBytes: key === ApiKey.Produce ? (slot.requestBytes ?? 0) : 0, fetchBytes: 0, handlerMs };
      ms = this.services.security.quotas.record(this.principal.name, this.clientId ?? '', cost);
    }
    if (ms <= 0) return;
    if (typeof res === 'object' && res !== null && 'throttleTimeMs' in res && typeof res.throttleTimeMs === 'number') {
      res.throttleTimeMs = Math.max(res.throttleTimeMs, ms);
    }
    const until = Date.now() + ms;
    if (until <= this.mutedUntil) return;
    this.mutedUntil = until;
    this.socket.pause();
    clearTimeout(this.muteTimer);
    this.muteTimer = setTimeout(() => {
      this.mutedUntil = 0;
      this.pump();
    }, ms);
  }

  /** A raw SASL token after a v0 SaslHandshake: answered with a raw token frame, or the connection closes. */
  private rawToken(frame: Buffer): void {
    const sasl = this.sasl!;
    const slot: Slot = { ready: false, chunks: null };
    this.slots.push(slot);
    const p = sasl.authenticate(Buffer.from(frame), -1).then((outcome) => {
      if (outcome.close !== undefined) {
        // One warning per refusal: the close that follows is logged at debug.
        this.log.warn({ reason: outcome.close }, 'kafka authentication refused');
        this.fail(outcome.close, 'debug');
        return;
      }
      this.authenticated();
      const size = Buffer.alloc(4);
      size.writeInt32BE(outcome.authBytes.length, 0);
      slot.chunks = [size, outcome.authBytes];
      slot.ready = true;
      this.flush();
    });
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }

  /** Called when a SASL authentication may have completed: the principal follows the session's user. */
  authenticated(): void {
    const user = this.sasl?.user ?? null;
    if (user !== null && this.saslPrincipal?.name !== user) {
      this.saslPrincipal = { type: 'User', name: user };
      this.newSession();
    }
  }

  private apiVersionsFallback(header: RequestHeader): Buffer[] {
    const w = new Writer(512);
    w.int32(0);
    w.int32(header.correlationId);
    encodeApiVersionsResponse(w, 0, { errorCode: ErrorCode.UNSUPPORTED_VERSION, apiKeys: advertisedApiVersions() });
    const chunks = w.finishChunks();
    const total = chunks.reduce((n, c) => n + c.length, 0);
    chunks[0]!.writeInt32BE(total - 4, 0);
    return chunks;
  }

  private queueReady(chunks: Buffer[]): void {
    this.slots.push({ ready: true, chunks });
    this.flush();
  }

  // ---------------------------------------------------------------------------------------
  // Output

  private flush(): void {
    if (this.closed) return;
    let wrote = false;
    while (this.slots.length > 0 && this.slots[0]!.ready) {
      const slot = this.slots.shift()!;
      const lease = slot.lease;
      if (slot.chunks && this.closing === null) {
        if (!wrote) this.socket.cork();
        wrote = true;
        const chunks = slot.chunks;
        const last = chunks.length - 1;
        for (let i = 0; i <= last; i++) {
          const c = chunks[i]!;
          this.services.stats.bytesOut += c.length;
          // Writes complete in order: once the last chunk's callback runs (written, or failed
          // with the socket), the kernel is done with every buffer the response referenced.
          if (i === last && lease !== undefined) this.socket.write(c, () => lease.release());
          else this.socket.write(c);
        }
      } else {
        lease?.release();
      }
      if (slot === this.closeAfterSlot) {
        if (wrote) this.socket.uncork();
        this.fail(this.closeAfterReason, this.closeAfterLevel);
        return;
      }
    }
    if (wrote) {
      this.socket.uncork();
      if (this.socket.writableLength > WRITE_HIGH_WATER) this.writeBlocked = true;
    }
    this.pump();
  }

  /** Handles backlogged frames and resumes reading when the bounds allow. */
  private pump(): void {
    if (this.closing !== null || this.closed) return;
    const muted = this.mutedUntil > 0;
    while (!muted && this.backlog.length > 0 && this.slots.length < MAX_IN_FLIGHT && !this.writeBlocked) {
      this.dispatch(this.backlog.shift()!);
      if (this.closing !== null) return;
    }
    if (!muted && this.backlog.length === 0 && this.slots.length < MAX_IN_FLIGHT && !this.writeBlocked) this.socket.resume();
    else this.socket.pause();
  }

  // ---------------------------------------------------------------------------------------
  // ConnectionScope

  produceTurn(): { ready: Promise<void> | null; done: () => void } {
    const ready = this.produceTailDone ? null : this.produceTail;
    let release!: () => void;
    this.produceTail = new Promise<void>((r) => (release = r));
    this.produceTailDone = false;
    const tail = this.produceTail;
    let released = false;
    return {
      ready,
      done: () => {
        if (released) return;
        released = true;
        release();
        if (this.produceTail === tail) this.produceTailDone = true;
      },
    };
  }

  private closeAfterReason = '';
  private closeAfterLevel: 'warn' | 'debug' = 'warn';

  // ---------------------------------------------------------------------------------------
  // Closing

  /** Closes this connection after a protocol violation, logged once. */
  fail(reason: string, level: 'warn' | 'error' | 'debug' = 'warn'): void {
    if (this.closing !== null || this.closed) return;
    this.closing = reason;
    this.log[level]({ clientId: this.clientId, reason }, 'closing kafka connection');
    this.backlog.length = 0;
    this.abortRequests();
    this.socket.end();
    // Keep reading (and dropping) what the peer still sends so the close is a FIN, not a reset,
    // but do not wait for a peer that never closes its side.
    this.socket.resume();
    setTimeout(() => this.socket.destroy(), 2_000).unref();
  }

  /** Closes the connection now (broker shutdown). */
  destroy(): void {
    this.closing ??= 'broker closing';
    this.socket.destroy();
  }

  private onSocketClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.closing ??= 'closed by peer';
    this.abortRequests();
    clearTimeout(this.muteTimer);
    // Finished responses never to be written give their buffers back; a running handler's stay
    // with it (a read may still be filling them) and are left to the garbage collector.
    for (const slot of this.slots) if (slot.ready) slot.lease?.release();
    this.slots.length = 0;
    this.backlog.length = 0;
    this.onClose(this);
  }

  /** Resolves when the handlers of this connection have finished (after close). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }
}
