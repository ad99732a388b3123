// Durable sourcing (ADR-60, nats-server 2.14; docs/jetstream.md 1.28): a mirror or source whose
// config names `consumer: { name, deliver_subject }` reads the origin through that existing
// durable push consumer instead of reading the origin's log itself (sources.ts).
//
// As nats-server's sourcing stream does, the reader talks to the consumer over the Router:
// - setup: `$JS.API.CONSUMER.RESET.<origin>.<consumer>` with an empty payload (the consumer goes
//   back to its ack floor, pending and delivery sequence cleared), answered with the consumer's
//   info: a consumer whose ack_policy is not flow_control is not used (the source's error is then
//   10214 / 10217, and the setup is retried, as nats-server retries it);
// - then it subscribes the deliver subject: the consumer's deliveries (their ack subject carries
//   stream and delivery sequence, time and pending), flow-control requests and idle heartbeats;
// - it stores what arrives in order (a mirror keeps the origin's sequences and fills gaps, a
//   source appends with a Nats-Stream-Source header) and answers each flow-control request only
//   once what came before it is durable in the target and its cursor recorded, with the
//   Nats-Last-Stream / Nats-Last-Consumer headers: that answer is the consumer's acknowledgement
//   (ack_policy flow_control), so the consumer's delivered and ack floor follow the target and a
//   restart resumes from the consumer's durable ack floor;
// - a delivery sequence that skips (something lost) or a heartbeat announcing deliveries not seen
//   resets the consumer again; a delivery sequence back at 1 is a reset made by someone else and
//   is followed; what the target already has (origin sequences at or below its cursor) is
//   dropped, so nothing is stored twice; silence for a few heartbeats (the consumer was deleted,
//   or moved to another deliver subject) starts the setup again.
// The consumer's filter, deliver policy and start are the consumer's own (the source may not
// set filter_subject, opt_start_seq or opt_start_time: stream-config.ts refuses them).
import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from '../../log.js';
import type { RoutedSubscription, Router, SubscriptionOwner } from '../routing/router.js';
import type { ExtraHeader } from './record-codec.js';
import type { StreamStateStore } from './state-topic.js';
import type { Stream } from './stream-view.js';
import type { JsApiError, StreamSource } from './types.js';
import { jsError } from './api-errors.js';

const RESET_TIMEOUT_MS = 2_000;
const RETRY_MS = 1_000;
/** No delivery, request or heartbeat for this long (heartbeats are 1 s): set up again. */
const SILENCE_MS = 5_000;
const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** nats-server's getHash: 8 characters of the name's SHA-256 in base 62 digits. */
export function natsHash(name: string): string {
  const b = createHash('sha256').update(name).digest();
  let s = '';
  for (let i = 0; i < 8; i++) s += DIGITS[b[i]! % 62];
  return s;
}

type Entry =
  | { kind: 'msg'; subject: string; hdr: Buffer; data: Buffer; sseq: number; dseq: number; timeMs: number; pending: number }
  | { kind: 'fc'; reply: string }
  | { kind: 'hb'; lastConsumer: number; stalled: string | undefined };

/** The parts of the sourcing reader a durable source shares with sources.ts. */
export interface DurableSourceHost {
  readonly target: Stream;
  readonly router: Router;
  readonly owner: SubscriptionOwner;
  readonly state: StreamStateStore;
  readonly logger: Logger;
  /** The origin stream, when it exists (same account only: an `external` durable source is refused at create). */
  lookup(src: StreamSource): Stream | undefined;
  /** The header fields of a stored header block. */
  headerFields(hdr: Buffer): ExtraHeader[];
  /** The subject transforms applied to an origin subject. */
  transformed(subject: string): string;
  /** "<filter> <dest>" of the Nats-Stream-Source header. */
  readonly iname: string;
}

function statusOf(hdr: Buffer): string {
  const end = hdr.indexOf('\r\n');
  return hdr.toString('latin1', 0, end < 0 ? hdr.length : end);
}

function header(hdr: Buffer, name: string): string | undefined {
  const lines = hdr.toString('latin1').split('\r\n');
  for (let i = 1; i < lines.length; i++) {
    const c = lines[i]!.indexOf(':');
    if (c > 0 && lines[i]!.slice(0, c).trim() === name) return lines[i]!.slice(c + 1).trim();
  }
  return undefined;
}

export class DurableSource {
  private running = false;
  private queue: Entry[] = [];
  private wake: (() => void) | null = null;
  private sub: RoutedSubscription | null = null;
  private lastSeen = 0;
  private lastDseq = 0;
  /** Stream sequence of the last delivery taken in this session (0: none yet): what a flow-control answer acknowledges. */
  private lastSseq = 0;
  /** Last origin sequence taken (stored or appended in flight). */
  private taken: number;
  private needReset = false;
  private readonly log: Logger;
  private readonly cname: string;
  private readonly deliver: string;
  /** "<origin>:C=<hash> <filter> <dest>" of the Nats-Stream-Source header (nats-server's iname). */
  private readonly iname: string;

  constructor(
    private readonly host: DurableSourceHost,
    private readonly src: StreamSource,
    private readonly mirror: boolean,
    recorded: number,
  ) {
    this.cname = src.consumer!.name;
    this.deliver = src.consumer!.deliver_subject;
    this.taken = recorded;
    this.iname = `${src.name}:C=${natsHash(this.cname)}`;
    this.log = host.logger.child({ origin: src.name, consumer: this.cname });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    if (this.mirror) this.taken = Math.max(this.taken, this.host.target.lastSeq);
    this.host.target.sourcing.cursors.set(this.src.name, this.taken);
    void this.run().catch((err: unknown) => this.log.error({ err }, 'durable source reader stopped'));
  }

  stop(): void {
    this.running = false;
    this.unsubscribe();
    this.setError(undefined);
    this.wake?.();
  }

  poke(): void {
    /* deliveries wake the reader; nothing to do on origin appends */
  }

  private setError(err: JsApiError | undefined): void {
    if (err === undefined) this.host.target.sourcing.errors.delete(this.src.name);
    else this.host.target.sourcing.errors.set(this.src.name, err);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      t.unref?.();
      function done(): void {
        clearTimeout(t);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }

  private async run(): Promise<void> {
    while (this.running) {
      if (this.host.lookup(this.src) === undefined) {
        await this.sleep(RETRY_MS);
        continue;
      }
      const info = await this.reset();
      if (!this.running) return;
      if (info === null) {
        // Nobody answered (the consumers are not up yet, or the request timed out).
        await this.sleep(RETRY_MS);
        continue;
      }
      if ('err_code' in info) {
        this.setError(info);
        await this.sleep(RETRY_MS * 2);
        continue;
      }
      if (info.ackPolicy !== 'flow_control') {
        this.setError(jsError(this.mirror ? 'JSMirrorConsumerRequiresAckFCErr' : 'JSSourceConsumerRequiresAckFCErr'));
        await this.sleep(RETRY_MS * 2);
        continue;
      }
      if (info.deliver !== this.deliver) {
        // Its deliveries would never arrive here: said in STREAM.INFO, and tried again later.
        const err = `consumer ${this.cname} delivers to ${info.deliver || '(no deliver subject)'}, not ${this.deliver}`;
        this.setError(jsError(this.mirror ? 'JSMirrorConsumerSetupFailedErrF' : 'JSSourceConsumerSetupFailedErrF', { err }));
        await this.sleep(SILENCE_MS);
        continue;
      }
      this.setError(undefined);
      // A mirror takes the origin's sequences: the consumer's ack floor (what it will not deliver
      // again) becomes a gap when the mirror has less (nats-server's skipMsgs).
      const t = this.host.target;
      if (this.mirror && info.floor > t.lastSeq) {
        t.appendFiller(info.floor - t.lastSeq);
        await t.settled();
        this.taken = Math.max(this.taken, info.floor);
      }
      this.lastDseq = 0;
      this.lastSseq = 0;
      this.needReset = false;
      this.queue = [];
      this.lastSeen = Date.now();
      this.subscribe();
      await this.session();
      this.unsubscribe();
    }
  }

  /** CONSUMER.RESET of the consumer: its ack policy and ack floor, an API error, or null without an answer. */
  private reset(): Promise<{ ackPolicy: string; deliver: string; floor: number } | JsApiError | null> {
    const router = this.host.router;
    const inbox = `_INBOX.WHARF_SRC.${randomBytes(8).toString('hex')}`;
    return new Promise((resolve) => {
      let done = false;
      const finish = (v: { ackPolicy: string; deliver: string; floor: number } | JsApiError | null): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        router.subscriptions.remove(sub);
        resolve(v);
      };
      const sub: RoutedSubscription = {
        subject: inbox,
        queue: undefined,
        owner: this.host.owner,
        deliver: (_s, _r, hdrLen, buf, start, end) => {
          let v: { ackPolicy: string; deliver: string; floor: number } | JsApiError | null = null;
          try {
            const j = JSON.parse(buf.toString('utf8', start + hdrLen, end)) as {
              error?: JsApiError;
              config?: { ack_policy?: string; deliver_subject?: string };
              ack_floor?: { stream_seq?: number };
              reset_seq?: number;
            };
            if (j.error !== undefined) v = j.error;
            else v = { ackPolicy: j.config?.ack_policy ?? '', deliver: j.config?.deliver_subject ?? '', floor: Math.max(0, (j.reset_seq ?? 1) - 1, j.ack_floor?.stream_seq ?? 0) };
          } catch {
            v = null;
          }
          queueMicrotask(() => finish(v));
        },
      };
      const timer = setTimeout(() => finish(null), RESET_TIMEOUT_MS);
      timer.unref?.();
      router.subscriptions.insert(sub);
      const n = router.route(`$JS.API.CONSUMER.RESET.${this.src.name}.${this.cname}`, inbox, 0, Buffer.alloc(0), this.host.owner);
      if (n === 0) finish(null);
    });
  }

  private subscribe(): void {
    this.unsubscribe();
    const sub: RoutedSubscription = {
      subject: this.deliver,
      queue: undefined,
      owner: this.host.owner,
      deliver: (subject, reply, hdrLen, buf, start, end) => {
        this.onDelivery(subject, reply, hdrLen, buf, start, end);
      },
    };
    this.sub = sub;
    this.host.router.subscriptions.insert(sub);
  }

  private unsubscribe(): void {
    if (this.sub !== null) this.host.router.subscriptions.remove(this.sub);
    this.sub = null;
  }

  /** Takes one message on the deliver subject (synchronously, inside the consumer's delivery): queued. */
  private onDelivery(subject: string, reply: string | undefined, hdrLen: number, buf: Buffer, start: number, end: number): void {
    const hdr = Buffer.from(buf.subarray(start, start + hdrLen));
    if (reply !== undefined && reply.startsWith('$JS.ACK.')) {
      const t = reply.split('.');
      // $JS.ACK.<stream>.<consumer>.<dc>.<sseq>.<dseq>.<ts>.<pending> (or the v2 form with domain and account hash first).
      const o = t.length >= 12 ? 6 : 4;
      if (t.length < o + 5) return;
      this.queue.push({
        kind: 'msg',
        subject,
        hdr,
        data: Buffer.from(buf.subarray(start + hdrLen, end)),
        sseq: Number(t[o + 1]),
        dseq: Number(t[o + 2]),
        timeMs: Math.floor(Number(t[o + 3]) / 1e6),
        pending: Number(t[o + 4]),
      });
    } else if (hdrLen > 0) {
      const status = statusOf(hdr);
      if (status.startsWith('NATS/1.0 100')) {
        if (status.includes('FlowControl') && reply !== undefined) this.queue.push({ kind: 'fc', reply });
        else this.queue.push({ kind: 'hb', lastConsumer: Number(header(hdr, 'Nats-Last-Consumer') ?? 0) || 0, stalled: header(hdr, 'Nats-Consumer-Stalled') });
      }
    }
    this.lastSeen = Date.now();
    this.wake?.();
  }

  /** Stores what the consumer delivers until it is stopped, falls silent or needs a reset. */
  private async session(): Promise<void> {
    const t = this.host.target;
    while (this.running && !this.needReset) {
      if (this.queue.length === 0) {
        if (Date.now() - this.lastSeen > SILENCE_MS) {
          this.log.info('the durable source consumer fell silent: setting it up again');
          return;
        }
        await this.sleep(RETRY_MS);
        continue;
      }
      const entries = this.queue;
      this.queue = [];
      const msgs: Array<{ subject: string; headers: ExtraHeader[]; data: Buffer; time?: number }> = [];
      let lag = -1;
      const flush = async (): Promise<void> => {
        if (msgs.length > 0) t.appendInternal(msgs.splice(0));
        await t.settled();
        t.sourcing.cursors.set(this.src.name, this.taken);
        t.sourcing.active.set(this.src.name, Date.now());
        if (lag >= 0) t.sourcing.lags.set(this.src.name, lag);
        await this.host.state.setSourceCursor(t.topicId, this.src.name, this.taken).catch((err: unknown) => this.log.warn({ err }, 'recording the source cursor failed'));
      };
      for (const e of entries) {
        if (!this.running) return;
        if (e.kind === 'msg') {
          if (e.dseq !== this.lastDseq + 1 && e.dseq !== 1) {
            // A delivery was lost: the consumer starts again from its ack floor.
            this.needReset = true;
            break;
          }
          this.lastDseq = e.dseq;
          this.lastSseq = e.sseq;
          lag = e.pending;
          if (e.sseq <= this.taken) continue;
          const subject = this.host.transformed(e.subject);
          if (this.mirror) {
            const gap = e.sseq - (t.lastSeq + 1) - msgs.length;
            if (gap > 0) {
              if (msgs.length > 0) t.appendInternal(msgs.splice(0));
              t.appendFiller(e.sseq - t.lastSeq - 1);
            }
            msgs.push({ subject, headers: this.host.headerFields(e.hdr).filter(([k]) => !k.startsWith('Nats-Expected-') && !k.startsWith('Nats-Batch-')), data: e.data, time: e.timeMs });
          } else {
            const headers = this.host.headerFields(e.hdr).filter(([k]) => k !== 'Nats-Stream-Source' && !k.startsWith('Nats-Expected-') && !k.startsWith('Nats-Batch-'));
            headers.push(['Nats-Stream-Source', `${this.iname} ${e.sseq} ${this.host.iname} ${e.subject} ${t.topicId.slice(0, 8)}`]);
            msgs.push({ subject, headers, data: e.data });
          }
          this.taken = e.sseq;
        } else if (e.kind === 'fc') {
          await flush();
          this.answer(e.reply);
        } else {
          if (e.lastConsumer > this.lastDseq) {
            // Deliveries the heartbeat counts were not seen here.
            this.needReset = true;
            break;
          }
          if (e.stalled !== undefined) {
            await flush();
            this.answer(e.stalled);
          }
        }
      }
      await flush();
    }
  }

  /** The flow-control answer: what the target now holds, which acknowledges it (ack_policy flow_control). */
  private answer(reply: string): void {
    const hdr = Buffer.from(`NATS/1.0\r\nNats-Last-Consumer: ${this.lastDseq}\r\nNats-Last-Stream: ${this.lastSseq}\r\n\r\n`, 'latin1');
    this.host.router.route(reply, undefined, hdr.length, hdr, this.host.owner);
  }
}
