// Fast batch publish ("fast ingest", ADR-50, nats-server 2.14, API level 4): the flow-control
// side. Unlike an atomic batch (atomic-batch.ts), a fast batch is not staged: every message is
// an ordinary publish, checked and stored on its own, and the batch is only the protocol around
// them, carried by the reply subject `<prefix>.<id>.<flow>.<gap>.<seq>.<op>.$FI` (op 0 start,
// 1 append, 2 commit, 3 commit by end of batch, 4 ping). The server answers with flow messages
// on the reply: `{"type":"ack","seq":n,"msgs":m}` (messages up to n are stored; ack again every
// m), `{"type":"gap","last_seq":x,"seq":y}` (messages x..y-1 never arrived), `{"type":"err",
// "seq":n,"error":{...}}` (message n was refused), and once the commit is stored the PubAck
// `{"stream","seq","batch","count"}`. The rules are nats-server v2.15's
// (server/jetstream_batching.go fastBatch*, server/stream.go getFastBatch and
// processJetStreamFastBatchMsg), applied in their order; this file keeps the open batches of one
// stream and decides per message; stream-view.ts stores the messages and reports when each is
// durable (persisted), which drives the acks and the commit.
//
// Not done: the reply carried in a service import's client-info header (accounts exporting a
// stream's subjects), and the leader-change reset (Wharf has no clustering).
import { jsError } from './api-errors.js';
import type { JsApiError } from './types.js';

const SUFFIX = '.$FI';
export const REQUIRED_API_LEVEL = 'Nats-Required-Api-Level';
const MAX_BATCH_ID_LENGTH = 64;

/** A message's place in a fast batch, parsed from its reply subject. */
export interface FastBatchRequest {
  id: string;
  seq: number;
  /** The most messages between two acks the client allows (its initial flow). */
  flow: number;
  gapOk: boolean;
  commit: boolean;
  commitEob: boolean;
  ping: boolean;
}

/** nats-server's parseInt64: decimal digits only, else -1. */
function parseDigits(s: string): number {
  if (s.length === 0) return -1;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/**
 * The fast batch a reply subject names: null when the reply is not one (no `.$FI` suffix),
 * 'invalid' when it ends so but does not parse (nats-server answers 10206 then).
 */
export function parseFastBatchReply(reply: string | undefined): FastBatchRequest | 'invalid' | null {
  if (reply === undefined) return null;
  const l = reply.length;
  if (l <= 4 || !reply.endsWith(SUFFIX)) return null;
  const n = l - 4;
  let o = reply.lastIndexOf('.', n - 1);
  if (o === -1) return 'invalid';
  const op = parseDigits(reply.slice(o + 1, n));
  if (op < 0 || op > 4) return 'invalid';
  const ping = op === 4;
  const commitEob = op === 3;
  const commit = commitEob || op === 2;
  let p = o;
  if (o === 0 || (o = reply.lastIndexOf('.', o - 1)) === -1) return 'invalid';
  const seq = parseDigits(reply.slice(o + 1, p));
  if (seq <= 0 || !Number.isSafeInteger(seq)) return 'invalid';
  p = o;
  if (seq === 1 && commitEob) return 'invalid';
  if (op === 0 && seq !== 1) return 'invalid';
  if (op === 1 && seq <= 1) return 'invalid';
  if (o === 0 || (o = reply.lastIndexOf('.', o - 1)) === -1) return 'invalid';
  const gap = reply.slice(o + 1, p);
  if (gap !== 'fail' && gap !== 'ok') return 'invalid';
  p = o;
  if (o === 0 || (o = reply.lastIndexOf('.', o - 1)) === -1) return 'invalid';
  let flow = parseDigits(reply.slice(o + 1, p));
  if (flow <= 0) flow = 10;
  else if (flow > 0xffff) flow = 0xffff;
  p = o;
  if (o === 0 || (o = reply.lastIndexOf('.', o - 1)) === -1) return 'invalid';
  return { id: reply.slice(o + 1, p), seq, flow, gapOk: gap === 'ok', commit, commitEob, ping };
}

/** nats-server's fast batch limits (`jetstream { limits { batch { ... } } }` share the timeout). */
export interface FastBatchLimits {
  /** A batch with no message for this long is dropped (no advisory, as nats-server). */
  timeoutMs: number;
  /** Open fast batches per stream (default 1000). */
  maxInflightPerStream: number;
  /** Open fast batches of the whole server (default 50 000), counted in `inflightTotal`. */
  maxInflightTotal: number;
  /** The server's JetStream API level (Nats-Required-Api-Level on a message). */
  apiLevel: number;
  readonly inflightTotal: { count: number };
}

export function defaultFastBatchLimits(apiLevel = 4): FastBatchLimits {
  return { timeoutMs: 10_000, maxInflightPerStream: 1000, maxInflightTotal: 50_000, apiLevel, inflightTotal: { count: 0 } };
}

/** One open fast batch (nats-server's fastBatch). */
export class FastBatch {
  /** The highest batch sequence received. */
  lseq = 0;
  /** The stream sequence of the last message of the batch stored. */
  sseq = 0;
  /** The highest batch sequence stored (at most lseq). */
  pseq = 0;
  /** The batch sequence of the last flow ack sent (at most pseq). */
  fseq = 0;
  /** Messages accepted and not yet stored. */
  pending = 0;
  /** An ack every this many messages. */
  ackMessages = 1;
  /** The last reply seen when a message was stored. */
  reply = '';
  commit = false;
  /**
   * The reply of the message that committed while messages were still on their way to the log
   * (an end of batch, a gap, an error): the PubAck goes there once they are stored.
   */
  commitReply = '';
  timer: NodeJS.Timeout | null = null;

  constructor(
    readonly id: string,
    readonly gapOk: boolean,
    readonly maxAckMessages: number,
  ) {}
}

/** How the stream answers: the bytes of a commit's PubAck, of a publish error, and the send. */
export interface FastBatchWire {
  send(reply: string, body: Buffer): void;
  batchAck(seq: number, batch: string, count: number): Buffer;
  /** `{"stream":"S","seq":n,"duplicate": true,"batch":"id","count":c}`. */
  duplicateAck(seq: number, batch: string, count: number): Buffer;
  error(err: JsApiError): Buffer;
  /** `{"type":"err","seq":n,"error":{"code","err_code","description"}}`. */
  flowError(seq: number, err: JsApiError): Buffer;
}

/** What the stream does with one message after `begin`. */
export type FastStep =
  /** Answered (or dropped): nothing to store. */
  | { kind: 'done' }
  /** Refused before the batch: the error PubAck to the reply. */
  | { kind: 'error'; error: JsApiError }
  /** Check and store it as a publish; then `accepted`/`refused`, and `persisted` once durable. */
  | { kind: 'store'; batch: FastBatch; stripLevel: boolean };

export class FastBatches {
  private readonly open = new Map<string, FastBatch>();

  constructor(
    private readonly limits: FastBatchLimits,
    private readonly wire: FastBatchWire,
  ) {}

  get size(): number {
    return this.open.size;
  }

  /**
   * A message of a fast batch, after the stream's own checks (sealed, max_msg_size,
   * allow_batched: processJetStreamFastBatchMsg's order). `requiredLevel` is the message's
   * Nats-Required-Api-Level header, if any; `canRespond` false for no_ack streams.
   */
  begin(req: FastBatchRequest, reply: string, requiredLevel: string | undefined, canRespond: boolean): FastStep {
    if (req.id.length > MAX_BATCH_ID_LENGTH) return { kind: 'error', error: jsError('JSBatchPublishInvalidBatchIDErr') };
    let b = this.open.get(req.id);
    if (b === undefined) {
      if (req.seq !== 1) return { kind: 'error', error: jsError('JSBatchPublishUnknownBatchIDErr') };
      if (this.open.size + 1 > this.limits.maxInflightPerStream) return { kind: 'error', error: jsError('JSBatchPublishTooManyInflight') };
      if (this.limits.inflightTotal.count + 1 > this.limits.maxInflightTotal) return { kind: 'error', error: jsError('JSBatchPublishTooManyInflight') };
      this.limits.inflightTotal.count++;
      b = new FastBatch(req.id, req.gapOk, req.flow);
      this.open.set(req.id, b);
      this.init(b);
      this.arm(b);
    }
    let stripLevel = false;
    if (requiredLevel !== undefined && requiredLevel !== '') {
      // strconv.Atoi, then the server's level: a level it lacks (or no number) refuses the batch.
      const level = /^[+-]?\d+$/.test(requiredLevel) ? Number(requiredLevel) : Number.NaN;
      if (!(level <= this.limits.apiLevel)) {
        this.cleanup(b);
        return { kind: 'error', error: jsError('JSRequiredApiLevelErr') };
      }
      stripLevel = true;
    }
    // Each message holds the batch open for another timeout (unless it is committing).
    if (!b.commit) b.timer?.refresh();
    if (req.ping) {
      // A ping: a gap is reported; the flow ack is sent again.
      let sendFlow = true;
      if (req.seq > b.lseq) {
        this.wire.send(reply, gapJson(b.lseq + 1, req.seq + 1));
        if (b.gapOk) {
          b.lseq = req.seq;
          if (b.pending === 0) b.pseq = b.lseq;
          sendFlow = !this.checkFlowControl(b, reply);
        } else if (this.commitNow(b, reply)) {
          sendFlow = false;
        }
      }
      if (sendFlow) this.sendFlowControl(b, b.fseq, reply);
      return { kind: 'done' };
    }
    // A batch committing (after an error) takes nothing more: the client waits for the PubAck.
    if (b.commit) return { kind: 'done' };
    b.lseq++;
    if (b.lseq !== req.seq) {
      // v2.15.2 reports a sequence behind too (main since reports forward gaps only).
      this.wire.send(reply, gapJson(b.lseq, req.seq));
      if (b.gapOk && req.seq > b.lseq) {
        b.lseq = req.seq;
      } else {
        // A gap not allowed, or a sequence seen before: the batch commits what it has.
        b.lseq--;
        this.commitNow(b, reply);
        return { kind: 'done' };
      }
    }
    if (req.commit) {
      if (req.commitEob) {
        // The end-of-batch message is not stored: the batch ends at the message before.
        b.lseq--;
        if (b.pending === 0) b.pseq = b.lseq;
      }
      const acked = this.commitNow(b, reply);
      if (req.commitEob || acked) return { kind: 'done' };
    }
    // The first message is answered with the flow settings, before its checks.
    if (req.seq === 1 && canRespond && !req.commit) this.wire.send(reply, flowAckJson(0, b.ackMessages));
    return { kind: 'store', batch: b, stripLevel };
  }

  /** The message passed the publish checks and is on its way to the log. */
  accepted(b: FastBatch): void {
    b.pending++;
  }

  /**
   * The message was refused by the publish checks (`error`), or is a duplicate of stored
   * message `duplicateSeq` (error null).
   */
  refused(b: FastBatch, req: FastBatchRequest, reply: string, error: JsApiError | null, duplicateSeq: number): void {
    const duplicate = error === null;
    if (duplicate) {
      if (b.pending === 0) {
        b.pseq = req.seq;
        this.checkFlowControl(b, reply);
      }
      if (!req.commit) return;
    }
    // The first message of a gap-fail batch is answered as a single publish would be.
    if (!b.gapOk && b.lseq === 1) {
      this.cleanup(b);
      this.wire.send(reply, duplicate ? this.wire.duplicateAck(duplicateSeq, req.id, req.seq) : this.wire.error(error));
      return;
    }
    if (!duplicate) this.wire.send(reply, this.wire.flowError(req.seq, error));
    if (b.gapOk && !req.commit) return;
    if (!duplicate) {
      b.lseq--;
      if (b.pending === 0) b.pseq = b.lseq;
    }
    this.commitNow(b, reply);
  }

  /**
   * A message of the batch is durable at stream sequence `streamSeq` (fastBatchRegisterSequences):
   * the flow ack when due, the commit's PubAck when it was the last.
   */
  persisted(b: FastBatch, req: FastBatchRequest, reply: string, streamSeq: number): void {
    if (this.open.get(b.id) !== b) return;
    b.reply = reply;
    if (b.pending > 0) b.pending--;
    b.sseq = streamSeq;
    if (b.pending === 0) b.pseq = b.lseq;
    else b.pseq = req.seq;
    if (b.lseq === b.pseq && b.commit) {
      this.cleanup(b);
      this.wire.send(b.commitReply !== '' ? b.commitReply : reply, this.wire.batchAck(b.sseq, b.id, b.lseq));
      return;
    }
    this.checkFlowControl(b, reply);
  }

  /** The message's append failed: the batch is dropped, the client gets the store's error. */
  failed(b: FastBatch, reply: string, error: JsApiError): void {
    if (this.open.get(b.id) !== b) return;
    this.cleanup(b);
    this.wire.send(reply, this.wire.error(error));
  }

  /** Drops every open batch (the stream closes, or its config no longer allows batches). */
  clear(): void {
    for (const b of [...this.open.values()]) this.cleanup(b);
  }

  private init(b: FastBatch): void {
    // The only batch gets what the client asks (at most 500); with others it starts at 1.
    b.ackMessages = this.open.size > 1 ? 1 : Math.min(500, b.maxAckMessages);
  }

  private arm(b: FastBatch): void {
    const t = setTimeout(() => this.cleanup(b), this.limits.timeoutMs);
    t.unref();
    b.timer = t;
  }

  /** fastBatchCommit: the batch commits; the PubAck now when all of it is stored (then true). */
  private commitNow(b: FastBatch, reply: string): boolean {
    b.commit = true;
    if (b.lseq !== b.pseq) {
      // nats-server stores each message before it reads the next (one server), so it always
      // answers here at once; Wharf's appends are asynchronous: the PubAck waits, for this reply.
      b.commitReply = reply;
      return false;
    }
    this.cleanup(b);
    this.wire.send(reply, this.wire.batchAck(b.sseq, b.id, b.lseq));
    return true;
  }

  /** Sends a flow ack when ackMessages more are stored, adjusting the interval to the batches open. */
  private checkFlowControl(b: FastBatch, reply: string): boolean {
    const am = b.ackMessages;
    if (b.pseq < b.fseq + am) return false;
    b.fseq += Math.floor((b.pseq - b.fseq) / am) * am;
    let max = Math.max(1, Math.floor(500 / Math.max(1, this.open.size)));
    if (max > b.maxAckMessages) max = b.maxAckMessages;
    if (b.ackMessages < max) b.ackMessages = Math.min(max, b.ackMessages * 2);
    else if (b.ackMessages > max) b.ackMessages = Math.max(max, Math.floor(b.ackMessages / 2));
    this.sendFlowControl(b, b.fseq, reply);
    return true;
  }

  private sendFlowControl(b: FastBatch, seq: number, reply: string): void {
    if (reply === '') return;
    this.wire.send(reply, flowAckJson(seq, b.ackMessages));
  }

  private cleanup(b: FastBatch): void {
    if (this.open.get(b.id) !== b) return;
    if (b.timer !== null) clearTimeout(b.timer);
    b.timer = null;
    this.open.delete(b.id);
    this.limits.inflightTotal.count--;
  }
}

function flowAckJson(seq: number, msgs: number): Buffer {
  return Buffer.from(`{"type":"ack","seq":${seq},"msgs":${msgs}}`, 'latin1');
}

function gapJson(lastSeq: number, seq: number): Buffer {
  return Buffer.from(`{"type":"gap","last_seq":${lastSeq},"seq":${seq}}`, 'latin1');
}
