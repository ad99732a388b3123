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
import type { Socket } from 'node:net';
import type { Logger } from '../log.js';
import { decodeRequestFrame, encodeResponseFrame, type DecodedRequest } from './protocol/codec.js';
import { FrameSplitter, FrameTooLargeError } from './protocol/frame.js';
import { API_KEY_API_VERSIONS, type RequestHeader } from './protocol/header.js';
import { Writer } from './protocol/writer.js';
import { apis as codecApis } from './protocol/messages/index.js';
import { encodeApiVersionsResponse } from './protocol/messages/api-versions.js';
import { KafkaCodecError } from './protocol/errors.js';
import { HANDLERS, advertisedApiVersions } from './apis/index.js';
import type { ApiHandler, ConnectionScope, RequestContext } from './apis/types.js';
import type { KafkaBroker } from './context.js';
import { ErrorCode } from './errors.js';

const MAX_IN_FLIGHT = 128;
const WRITE_HIGH_WATER = 16 * 1024 * 1024;
/** Kafka's connections.max.idle.ms. */
const IDLE_TIMEOUT_MS = 10 * 60 * 1000;
const RESOLVED = Promise.resolve();

interface Slot {
  ready: boolean;
  chunks: Buffer[] | null;
}

let nextConnectionId = 1;

export class KafkaConnection implements ConnectionScope {
  readonly id = nextConnectionId++;
  readonly remoteAddress: string;
  private readonly splitter: FrameSplitter;
  private readonly abort = new AbortController();
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

  constructor(
    private readonly socket: Socket,
    private readonly broker: KafkaBroker,
    logger: Logger,
    private readonly onClose: (c: KafkaConnection) => void,
  ) {
    this.remoteAddress = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    this.log = logger.child({ conn: this.id, remote: this.remoteAddress });
    this.splitter = new FrameSplitter(broker.options.kafkaMaxFrameBytes);
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
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  // ---------------------------------------------------------------------------------------
  // Input

  private onData(chunk: Buffer): void {
    if (this.closing !== null) return;
    try {
      this.splitter.push(chunk, (frame) => {
        if (this.closing !== null) return;
        if (this.slots.length >= MAX_IN_FLIGHT || this.backlog.length > 0) {
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
    let req: DecodedRequest;
    try {
      req = decodeRequestFrame(frame);
    } catch (e) {
      this.fail(e instanceof KafkaCodecError ? e.message : `malformed request: ${(e as Error).message}`);
      return;
    }
    const header = req.header;
    this.clientId = header.clientId ?? this.clientId;
    const handler = HANDLERS[header.apiKey];
    if (header.apiKey === API_KEY_API_VERSIONS && (req.kind === 'unsupported' || !handler || header.apiVersion > handler.maxVersion)) {
      // A client asks with the newest version it knows; Kafka answers in v0 with the full list.
      this.queueReady(this.apiVersionsFallback(header));
      return;
    }
    if (req.kind === 'unsupported' || !handler) {
      const name = codecApis[header.apiKey]?.name;
      this.fail(name ? `${name} is not supported` : `unknown API key ${header.apiKey}`);
      return;
    }
    if (header.apiVersion < handler.minVersion || header.apiVersion > handler.maxVersion) {
      this.fail(`${req.api.name} v${header.apiVersion} is not supported (supported: v${handler.minVersion}-v${handler.maxVersion})`);
      return;
    }
    const slot: Slot = { ready: false, chunks: null };
    this.slots.push(slot);
    const run = (): Promise<void> => this.run(handler, header, req.body, slot);
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

  private async run(handler: ApiHandler, header: RequestHeader, body: unknown, slot: Slot): Promise<void> {
    if (this.closed) return;
    const ctx: RequestContext = {
      broker: this.broker,
      conn: this,
      header,
      closeAfter: (reason: string) => {
        this.closeAfterSlot = slot;
        this.closeAfterReason = reason;
      },
    };
    try {
      const res = await handler.handle(ctx, body);
      if (res !== null && !this.closed) slot.chunks = encodeResponseFrame(header.apiKey as never, header.apiVersion, header.correlationId, res as never);
    } catch (e) {
      this.log.error({ err: e, apiKey: header.apiKey, apiVersion: header.apiVersion, clientId: this.clientId }, 'kafka request handler failed');
      this.fail('request handler failed', 'error');
      return;
    }
    slot.ready = true;
    this.flush();
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
      if (slot.chunks && this.closing === null) {
        if (!wrote) this.socket.cork();
        wrote = true;
        for (const c of slot.chunks) this.socket.write(c);
      }
      if (slot === this.closeAfterSlot) {
        if (wrote) this.socket.uncork();
        this.fail(this.closeAfterReason, 'warn');
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
    while (this.backlog.length > 0 && this.slots.length < MAX_IN_FLIGHT && !this.writeBlocked) {
      this.dispatch(this.backlog.shift()!);
      if (this.closing !== null) return;
    }
    if (this.backlog.length === 0 && this.slots.length < MAX_IN_FLIGHT && !this.writeBlocked) this.socket.resume();
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

  // ---------------------------------------------------------------------------------------
  // Closing

  /** Closes this connection after a protocol violation, logged once. */
  fail(reason: string, level: 'warn' | 'error' | 'debug' = 'warn'): void {
    if (this.closing !== null || this.closed) return;
    this.closing = reason;
    this.log[level]({ clientId: this.clientId, reason }, 'closing kafka connection');
    this.backlog.length = 0;
    this.abort.abort();
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
    this.abort.abort();
    this.slots.length = 0;
    this.backlog.length = 0;
    this.onClose(this);
  }

  /** Resolves when the handlers of this connection have finished (after close). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }
}
