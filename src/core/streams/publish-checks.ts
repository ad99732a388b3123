// The checks of one NATS publish into a stream, in nats-server's order (server/stream.go
// processJetStreamMsg), against the stream's in-memory state, appends in flight included
// (docs/jetstream.md 1.3): Nats-Expected-Stream, Nats-TTL allowed, Nats-Expected-Last-Subject-
// Sequence (with -Subject), Nats-Expected-Last-Sequence, Nats-Msg-Id in the duplicate window,
// Nats-Expected-Last-Msg-Id, Nats-Rollup, max_msg_size, the TTL value and floor, and the
// discard-new limits. A header value that is not a number reads as 0, as in nats-server.
//
// The outcome is written into a reused PublishCheck (no object per publish).
import { jsError } from './api-errors.js';
import { parseMessageTtl } from './go-duration.js';
import type { HeaderScan } from './record-codec.js';
import type { JsApiError, StreamConfig } from './types.js';

/** What the checks read of the stream. */
export interface PublishState {
  readonly config: StreamConfig;
  /** Last sequence, appends in flight included. */
  readonly lastSeq: number;
  /** The Nats-Msg-Id of the last message ("" when it had none). */
  readonly lastMsgId: string;
  readonly messages: number;
  readonly bytes: number;
  /** Last live sequence of a subject (wildcards: the last matching), 0 for none. */
  lastSeqOf(subject: string): number;
  /** Live messages on a literal subject. */
  countOf(subject: string): number;
  /** Sequence of a Nats-Msg-Id seen within the duplicate window, or 0. */
  duplicateOf(id: string): number;
}

export const enum Outcome {
  Ok = 0,
  Error = 1,
  Duplicate = 2,
}

export const enum Rollup {
  None = 0,
  Subject = 1,
  All = 2,
}

const toNumber = (v: string): number => (/^\d+$/.test(v) ? Number(v) : 0);

export class PublishCheck {
  outcome: Outcome = Outcome.Ok;
  error: JsApiError | null = null;
  /** The original sequence of a duplicate. */
  duplicateSeq = 0;
  msgId: string | undefined = undefined;
  rollup: Rollup = Rollup.None;
  /** Message TTL in seconds: 0 none, -1 never. */
  ttl = 0;
  /** Index of the Nats-TTL field to rewrite (the TTL floor), or -1. */
  ttlField = -1;

  private fail(err: JsApiError): Outcome {
    this.outcome = Outcome.Error;
    this.error = err;
    return Outcome.Error;
  }

  /**
   * Runs the checks for a publish on `subject` whose stored header block is `hdrLen` bytes
   * (0 without headers), scanned into `scan`, with a payload of `dataLen` bytes; `size` is its
   * stored size in nats-server's accounting.
   */
  run(st: PublishState, subject: string, scan: HeaderScan | null, hdrLen: number, dataLen: number, size: number): Outcome {
    const cfg = st.config;
    this.outcome = Outcome.Ok;
    this.error = null;
    this.duplicateSeq = 0;
    this.msgId = undefined;
    this.rollup = Rollup.None;
    this.ttl = 0;
    this.ttlField = -1;
    if (cfg.sealed) return this.fail(jsError('JSStreamSealedErr'));
    let ttlValue: string | undefined;
    if (scan !== null && scan.count > 0 && scan.hasNatsFields()) {
      const expStream = scan.get('Nats-Expected-Stream');
      if (expStream !== undefined && expStream !== '' && expStream !== cfg.name) return this.fail(jsError('JSStreamNotMatchErr'));
      const ttlAt = scan.indexOf('Nats-TTL');
      if (ttlAt >= 0) {
        ttlValue = scan.value(ttlAt);
        this.ttlField = ttlAt;
        const ttl = parseMessageTtl(ttlValue);
        if (ttl !== 0 && !cfg.allow_msg_ttl) return this.fail(jsError('JSMessageTTLDisabledErr'));
      }
      const expSubjSeq = scan.get('Nats-Expected-Last-Subject-Sequence');
      const expSubj = scan.get('Nats-Expected-Last-Subject-Sequence-Subject');
      if (expSubjSeq !== undefined) {
        const want = toNumber(expSubjSeq);
        const have = st.lastSeqOf(expSubj !== undefined && expSubj !== '' ? expSubj : subject);
        if (have !== want) return this.fail(jsError('JSStreamWrongLastSequenceErrF', { seq: have }));
      } else if (expSubj !== undefined && expSubj !== '') {
        return this.fail(jsError('JSStreamExpectedLastSeqPerSubjectInvalid'));
      }
      const expSeq = scan.get('Nats-Expected-Last-Sequence');
      if (expSeq !== undefined && toNumber(expSeq) !== st.lastSeq) return this.fail(jsError('JSStreamWrongLastSequenceErrF', { seq: st.lastSeq }));
      if (scan.indexOf('Nats-Stream-Source') >= 0) return this.fail(jsError('JSMessageSourceHdrNotAllowedErr'));
      const id = scan.get('Nats-Msg-Id');
      if (id !== undefined && id !== '') {
        this.msgId = id;
        const seq = st.duplicateOf(id);
        if (seq > 0) {
          this.outcome = Outcome.Duplicate;
          this.duplicateSeq = seq;
          return Outcome.Duplicate;
        }
      }
      const expId = scan.get('Nats-Expected-Last-Msg-Id');
      if (expId !== undefined && expId !== '' && expId !== st.lastMsgId) return this.fail(jsError('JSStreamWrongLastMsgIDErrF', { id: st.lastMsgId }));
      const rollup = scan.get('Nats-Rollup');
      if (rollup !== undefined && rollup !== '') {
        if (!cfg.allow_rollup_hdrs || cfg.deny_purge) return this.fail(jsError('JSStreamRollupFailedF', { err: 'rollup not permitted' }));
        if (rollup === 'sub') this.rollup = Rollup.Subject;
        else if (rollup === 'all') this.rollup = Rollup.All;
        else return this.fail(jsError('JSStreamRollupFailedF', { err: `rollup value invalid: ${JSON.stringify(rollup)}` }));
      }
    }
    if (cfg.max_msg_size >= 0 && (hdrLen > cfg.max_msg_size || dataLen > cfg.max_msg_size - hdrLen)) return this.fail(jsError('JSStreamMessageExceedsMaximumErr'));
    if (ttlValue !== undefined) {
      const ttl = parseMessageTtl(ttlValue);
      if (ttl === null) return this.fail(jsError('JSMessageTTLInvalidErr'));
      this.ttl = ttl;
      const floor = cfg.subject_delete_marker_ttl ?? 0n;
      if (ttl > 0 && floor > 0n && cfg.max_msgs_per_subject !== 1) {
        const min = Number(floor / 1_000_000_000n);
        if (ttl < min) this.ttl = min;
      }
    }
    if (cfg.discard === 'new' && this.rollup === Rollup.None) {
      if (cfg.max_msgs > 0 && st.messages + 1 > cfg.max_msgs) return this.fail(jsError('JSStreamStoreFailedF', { err: 'maximum messages exceeded' }));
      if (cfg.max_bytes > 0 && st.bytes + size > cfg.max_bytes) return this.fail(jsError('JSStreamStoreFailedF', { err: 'maximum bytes exceeded' }));
      if (cfg.discard_new_per_subject && cfg.max_msgs_per_subject > 0 && st.countOf(subject) + 1 > cfg.max_msgs_per_subject) {
        return this.fail(jsError('JSStreamStoreFailedF', { err: 'maximum messages per subject exceeded' }));
      }
    }
    return Outcome.Ok;
  }
}
