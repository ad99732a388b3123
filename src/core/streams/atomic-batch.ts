// Atomic batch publish (ADR-50, nats-server 2.12): the staging side. A publish carrying
// `Nats-Batch-Id` and `Nats-Batch-Sequence` is one message of a batch; the batch is held here
// (copies of the messages, in memory) until the message with `Nats-Batch-Commit: 1` (or `eob`)
// arrives, and the stream then checks and appends all of it as one log append, or none of it
// (stream-view.ts commitAtomic). This file keeps the open batches of one stream and decides,
// per message, in nats-server's order (server/stream.go processJetStreamAtomicBatchMsg), whether
// it is staged, commits, or is refused with nats-server's error: batch id longer than 64
// (10179), sequence missing (10175), a batch not started at 1 or with a gap (10176), more
// messages than the limit (10199), an unknown commit value (10200), too many open batches
// (10210), a required API level above the server's (10185). A batch inactive for the timeout
// (10 s by default) is dropped.
//
// Staged messages are not durable: a crash before the commit loses the open batch, which the
// client sees as an incomplete batch (nothing of it was appended), never as half a batch.
import { jsError } from './api-errors.js';
import type { HeaderScan } from './record-codec.js';
import type { JsApiError } from './types.js';

export const BATCH_ID = 'Nats-Batch-Id';
export const BATCH_SEQUENCE = 'Nats-Batch-Sequence';
export const BATCH_COMMIT = 'Nats-Batch-Commit';
const REQUIRED_API_LEVEL = 'Nats-Required-Api-Level';
const MAX_BATCH_ID_LENGTH = 64;

/** nats-server's `jetstream { limits { batch { ... } } }`, with its defaults. */
export interface AtomicBatchLimits {
  /** A batch with no message for this long is dropped (`timeout`, default 10 s). */
  timeoutMs: number;
  /** Open batches per stream (`max_inflight_per_stream`, default 50). */
  maxInflightPerStream: number;
  /** Open batches of the whole server (`max_inflight_total`, default 1000), counted in `inflightTotal`. */
  maxInflightTotal: number;
  /** Messages per batch (`max_msgs`, default 1000). */
  maxMsgs: number;
  /** The server's JetStream API level (a batch message may require a level: Nats-Required-Api-Level). */
  apiLevel: number;
  /** The count of open batches across every stream sharing these limits. */
  readonly inflightTotal: { count: number };
}

export function defaultAtomicBatchLimits(apiLevel = 2): AtomicBatchLimits {
  return { timeoutMs: 10_000, maxInflightPerStream: 50, maxInflightTotal: 1000, maxMsgs: 1000, apiLevel, inflightTotal: { count: 0 } };
}

/** A message of a batch as the stream will store it. */
export interface StagedMessage {
  subject: string;
  /** Header block and payload (a copy: the read buffer is reused). */
  msg: Buffer;
  hdrLen: number;
}

interface OpenBatch {
  readonly id: string;
  /** The batch sequence of the last staged message. */
  last: number;
  readonly msgs: StagedMessage[];
  timer: NodeJS.Timeout;
}

/** Why an open batch was abandoned (nats-server's BATCH_ABANDONED advisory `reason`). */
export type BatchAbandonReason = 'timeout' | 'large' | 'incomplete' | 'unsupported';

export type BatchStep =
  | { kind: 'staged' }
  | { kind: 'commit'; id: string; msgs: StagedMessage[] }
  | { kind: 'refused'; error: JsApiError };

/** Whether a value is a decimal uint64 (nats-server's parseUint64). */
function parseBatchSequence(v: string | undefined): number | null {
  if (v === undefined || v === '' || !/^\d+$/.test(v)) return null;
  if (v.length > 20 || (v.length === 20 && v > '18446744073709551615')) return null;
  return Number(v);
}

/** Rewrites a header block: every field named `name` removed, then `name: value` appended when value is set. */
export function withHeader(msg: Buffer, hdrLen: number, name: string, value: string | null): { msg: Buffer; hdrLen: number } {
  const block = hdrLen > 0 ? msg.toString('latin1', 0, hdrLen) : 'NATS/1.0\r\n\r\n';
  const lines = block.split('\r\n');
  const head = lines[0] ?? 'NATS/1.0';
  const fields = lines.slice(1).filter((l) => l !== '' && l.slice(0, l.indexOf(':')).trim() !== name);
  if (value !== null) fields.push(`${name}: ${value}`);
  const data = msg.subarray(hdrLen);
  if (fields.length === 0 && head === 'NATS/1.0') return { msg: Buffer.from(data), hdrLen: 0 };
  const hdr = Buffer.from(`${head}\r\n${fields.map((f) => `${f}\r\n`).join('')}\r\n`, 'latin1');
  return { msg: Buffer.concat([hdr, data]), hdrLen: hdr.length };
}

export class AtomicBatches {
  private readonly open = new Map<string, OpenBatch>();

  constructor(
    private readonly limits: AtomicBatchLimits,
    /** A batch dropped by its timeout (nats-server sends the BATCH_ABANDONED advisory then). */
    private readonly onAbandoned: (id: string, reason: BatchAbandonReason) => void = () => {},
  ) {}

  get size(): number {
    return this.open.size;
  }

  /**
   * One message of a batch (the stream checked sealed, max_msg_size and allow_atomic before):
   * staged, the commit (with every message of the batch, in order), or refused (the batch, if
   * one was open, is dropped, as nats-server's cleanup does).
   */
  step(id: string, subject: string, scan: HeaderScan, hdrLen: number, msg: Buffer): BatchStep {
    if (id.length > MAX_BATCH_ID_LENGTH) return this.refuse(null, jsError('JSAtomicPublishInvalidBatchIDErr'));
    const seq = parseBatchSequence(scan.get(BATCH_SEQUENCE));
    if (seq === null) return this.refuse(null, jsError('JSAtomicPublishMissingSeqErr'));
    const commitValue = scan.get(BATCH_COMMIT);
    const commit = commitValue !== undefined;
    const eob = commitValue === 'eob';
    const commitInvalid = commit && !eob && commitValue !== '1';
    const size = eob ? seq - 1 : seq;
    let b = this.open.get(id);
    if (b === undefined) {
      if (seq !== 1) {
        if (size > this.limits.maxMsgs) return this.refuse(null, jsError('JSAtomicPublishTooLargeBatchErrF', { size: this.limits.maxMsgs }));
        return this.refuse(null, jsError('JSAtomicPublishIncompleteBatchErr'));
      }
      if (this.open.size + 1 > this.limits.maxInflightPerStream) return this.refuse(null, jsError('JSAtomicPublishTooManyInflight'));
      if (this.limits.inflightTotal.count + 1 > this.limits.maxInflightTotal) return this.refuse(null, jsError('JSAtomicPublishTooManyInflight'));
      b = { id, last: 0, msgs: [], timer: this.arm(id) };
      this.limits.inflightTotal.count++;
      this.open.set(id, b);
    }
    if (commitInvalid) return this.refuse(b, jsError('JSAtomicPublishInvalidBatchCommitErr'));
    let staged = { msg, hdrLen };
    const required = scan.get(REQUIRED_API_LEVEL);
    if (required !== undefined) {
      // The header is never stored; a level above the server's refuses the batch.
      const level = /^\d+$/.test(required) ? Number(required) : Number.NaN;
      if (!(level <= this.limits.apiLevel)) return this.refuse(b, jsError('JSRequiredApiLevelErr'), 'unsupported');
      staged = withHeader(msg, hdrLen, REQUIRED_API_LEVEL, null);
    }
    b.last++;
    if (b.last !== seq || (seq === 1 && eob)) return this.refuse(b, jsError('JSAtomicPublishIncompleteBatchErr'), 'incomplete');
    if (size > this.limits.maxMsgs) return this.refuse(b, jsError('JSAtomicPublishTooLargeBatchErrF', { size: this.limits.maxMsgs }), 'large');
    if (!eob) b.msgs.push({ subject, msg: staged.msg === msg ? Buffer.from(msg) : staged.msg, hdrLen: staged.hdrLen });
    if (!commit) {
      b.timer.refresh();
      return { kind: 'staged' };
    }
    this.drop(b);
    const msgs = b.msgs;
    if (eob) {
      // The commit by "end of batch" is not stored: the last stored message carries the commit.
      const last = msgs[msgs.length - 1]!;
      const c = withHeader(last.msg, last.hdrLen, BATCH_COMMIT, '1');
      last.msg = c.msg;
      last.hdrLen = c.hdrLen;
    }
    return { kind: 'commit', id, msgs };
  }

  /** Drops every open batch (the stream closes, or its config no longer allows atomic publish). */
  clear(): void {
    for (const b of [...this.open.values()]) this.drop(b);
  }

  private arm(id: string): NodeJS.Timeout {
    const t = setTimeout(() => {
      const b = this.open.get(id);
      if (b === undefined) return;
      this.drop(b);
      this.onAbandoned(id, 'timeout');
    }, this.limits.timeoutMs);
    t.unref();
    return t;
  }

  private drop(b: OpenBatch): void {
    if (this.open.get(b.id) !== b) return;
    clearTimeout(b.timer);
    this.open.delete(b.id);
    this.limits.inflightTotal.count--;
  }

  private refuse(b: OpenBatch | null | undefined, error: JsApiError, abandoned?: BatchAbandonReason): BatchStep {
    if (b) {
      this.drop(b);
      if (abandoned !== undefined) this.onAbandoned(b.id, abandoned);
    }
    return { kind: 'refused', error };
  }
}

/**
 * The rules a message of a committed batch obeys beyond a single publish's checks
 * (checkMsgHeadersPreClusteredProposal of nats-server): no Nats-Expected-Last-Msg-Id (10177),
 * an expected last sequence only on the first message (10164), an expected last subject
 * sequence only for a subject the batch has not written yet (10164), a subject rollup only on
 * the subject's first message in the batch and a stream rollup only on the first message.
 * `error` holds the first failure: the batch is then refused whole.
 */
export class AtomicCommit {
  /** The position in the batch of the message being checked (0 for the first). */
  position = 0;
  error: JsApiError | null = null;
  /** Subjects (as stored) the batch has written so far. */
  private readonly written = new Set<string>();

  /** Before the publish checks. */
  before(scan: HeaderScan | null, stored: string): JsApiError | null {
    if (scan === null || scan.count === 0) return null;
    const expId = scan.get('Nats-Expected-Last-Msg-Id');
    if (expId !== undefined && expId !== '') return jsError('JSAtomicPublishUnsupportedHeaderBatchErr', { header: 'Nats-Expected-Last-Msg-Id' });
    if (scan.get('Nats-Expected-Last-Subject-Sequence') !== undefined) {
      const other = scan.get('Nats-Expected-Last-Subject-Sequence-Subject');
      const subject = other !== undefined && other !== '' ? other : stored;
      if (this.written.has(subject)) return jsError('JSStreamWrongLastSequenceConstantErr');
    }
    return null;
  }

  /** After the publish checks passed; `rollup` is what they found (0 none, 1 subject, 2 all: publish-checks.ts Rollup). */
  after(scan: HeaderScan | null, stored: string, rollup: number): JsApiError | null {
    if (scan !== null && this.position > 0 && scan.get('Nats-Expected-Last-Sequence') !== undefined) return jsError('JSStreamWrongLastSequenceConstantErr');
    if (rollup === 1 && this.written.has(stored)) return jsError('JSStreamRollupFailedF', { err: 'batch rollup sub invalid' });
    if (rollup === 2 && this.position > 0) return jsError('JSStreamRollupFailedF', { err: 'batch rollup all invalid' });
    this.written.add(stored);
    return null;
  }

  /** Records the batch's failure; returns false (checkAndAdd's answer: nothing added). */
  fail(err: JsApiError): boolean {
    this.error = err;
    return false;
  }
}
