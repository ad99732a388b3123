// Consumer deliveries on the wire: the ack reply subject in nats-server's v1 form
// `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts ns>.<pending>`, the header block a
// delivery carries (the stored headers; with headers_only the payload's size in Nats-Msg-Size and
// no payload; with a pinned priority group the Nats-Pin-Id header), the size nats-server counts
// for max_bytes and flow control, and the write through Router.deliverAs to the pull request's
// reply subject or the push consumer's deliver subject, with the stream subject on the MSG line.
//
// Small messages are assembled in a scratch buffer that is reused (the receiver copies during the
// call); large ones are passed as stored when they need no header change, and concatenated once
// otherwise, because the outbound buffer keeps large payloads by reference.
import type { ReplyBytes, Router, SubscriptionOwner } from '../core/routing/router.js';
import type { Delivery } from '../core/coordinators/jetstream/consumer-types.js';
import { decimalDigits as digits, writeDecimal } from '../util/decimal.js';

const CRLF = '\r\n';
const HEADER_LINE = 'NATS/1.0\r\n';
/** The outbound buffer copies payloads below this size (src/nats/outbound.ts COPY_LIMIT). */
const COPY_LIMIT = 16 * 1024;

/**
 * A delivery's ack subject as bytes written in place: the prefix `$JS.ACK.<stream>.<consumer>.`
 * kept as bytes, the numbers written as decimal digits, the time as its milliseconds followed by
 * "000000" (nanoseconds, as ackSubject() builds it). The writer reuses one for every delivery;
 * a receiver that needs a string gets toString(), the same characters.
 */
class AckReply implements ReplyBytes {
  length = 0;
  private prefix = '';
  private prefixBytes: Buffer = Buffer.alloc(0);
  private deliveries = 0;
  private dDeliveries = 1;
  private seq = 0;
  private dSeq = 1;
  private consumerSeq = 0;
  private dConsumerSeq = 1;
  /** The stored time (ms) and its token's bytes (ms + "000000"): a run's messages mostly share one millisecond. */
  private ms = -1;
  private timeToken: Buffer = Buffer.alloc(0);
  private pending = 0;
  private dPending = 1;

  set(prefix: string, d: Delivery): this {
    if (prefix !== this.prefix) {
      this.prefix = prefix;
      this.prefixBytes = Buffer.from(prefix, 'latin1');
    }
    this.deliveries = d.deliveries;
    this.dDeliveries = digits(d.deliveries);
    this.seq = d.msg.seq;
    this.dSeq = digits(this.seq);
    this.consumerSeq = d.consumerSeq;
    this.dConsumerSeq = digits(d.consumerSeq);
    const ms = d.msg.time;
    if (ms !== this.ms) {
      this.ms = ms;
      // Written in place while its length stays (13 digits from 2001 to 2286).
      const d = digits(ms);
      if (this.timeToken.length !== d + 6) this.timeToken = Buffer.alloc(d + 6, 48);
      writeDecimal(this.timeToken, 0, ms, d);
    }
    this.pending = d.pending;
    this.dPending = digits(d.pending);
    this.length = this.prefixBytes.length + this.dDeliveries + this.dSeq + this.dConsumerSeq + this.timeToken.length + this.dPending + 4;
    return this;
  }

  writeTo(buf: Buffer, at: number): number {
    // TypedArray#set of whole buffers: a memmove, no view (a byte loop was twice as slow).
    buf.set(this.prefixBytes, at);
    at += this.prefixBytes.length;
    at = writeDecimal(buf, at, this.deliveries, this.dDeliveries);
    buf[at++] = 46;
    at = writeDecimal(buf, at, this.seq, this.dSeq);
    buf[at++] = 46;
    at = writeDecimal(buf, at, this.consumerSeq, this.dConsumerSeq);
    buf[at++] = 46;
    buf.set(this.timeToken, at);
    at += this.timeToken.length;
    buf[at++] = 46;
    return writeDecimal(buf, at, this.pending, this.dPending);
  }

  toString(): string {
    return `${this.prefix}${this.deliveries}.${this.seq}.${this.consumerSeq}.${this.ms}000000.${this.pending}`;
  }
}

export class DeliveryWriter {
  /** The ack subject of the delivery being sent, reused (receivers copy it during the call). */
  private readonly ack = new AckReply();

  private scratch = Buffer.allocUnsafe(4096);

  constructor(
    private readonly router: Router,
    private readonly owner: SubscriptionOwner,
  ) {}

  /** The ack subject of a delivery, as a string (the bytes AckReply writes). */
  ackSubject(prefix: string, d: Delivery): string {
    return `${prefix}${d.deliveries}.${d.msg.seq}.${d.consumerSeq}.${d.msg.time}000000.${d.pending}`;
  }

  /** Its length, without building it. `prefix` is "$JS.ACK.<stream>.<consumer>.". */
  ackLength(prefix: string, d: Delivery): number {
    // The time token is the stored milliseconds followed by "000000".
    return prefix.length + digits(d.deliveries) + 1 + digits(d.msg.seq) + 1 + digits(d.consumerSeq) + 1 + digits(d.msg.time) + 6 + 1 + digits(d.pending);
  }

  /** The extra header lines a delivery gets (added to the stored block). */
  private extraHeaders(d: Delivery): string {
    let extra = '';
    if (d.headersOnly) extra += `Nats-Msg-Size: ${d.msg.data.length}${CRLF}`;
    if (d.pinId !== undefined) extra += `Nats-Pin-Id: ${d.pinId}${CRLF}`;
    return extra;
  }

  private headerLength(d: Delivery, extra: string): number {
    const hdr = d.msg.hdr;
    if (extra.length === 0) return hdr.length;
    // The stored block without its final CRLF (or a fresh status line), the extra lines, CRLF.
    return (hdr.length === 0 ? HEADER_LINE.length : hdr.length - 2) + extra.length + 2;
  }

  /** The size nats-server counts: subject, reply (ack subject), headers and payload as sent. */
  size(prefix: string, d: Delivery, subjectLen: number): number {
    const extra = this.extraHeaders(d);
    return subjectLen + this.ackLength(prefix, d) + this.headerLength(d, extra) + (d.headersOnly ? 0 : d.msg.data.length);
  }

  /** Sends a delivery to `target`. Returns how many subscriptions received it. */
  send(target: string, prefix: string, d: Delivery): number {
    // A send from within a receiver's call (nested) gets an ack subject of its own.
    if (this.sending) return this.sendWith(target, new AckReply().set(prefix, d), d);
    this.sending = true;
    try {
      return this.sendWith(target, this.ack.set(prefix, d), d);
    } finally {
      this.sending = false;
    }
  }

  private sending = false;

  private sendWith(target: string, ack: AckReply, d: Delivery): number {
    const m = d.msg;
    const extra = this.extraHeaders(d);
    const payload = d.headersOnly ? null : m.data;
    const payloadLen = payload === null ? 0 : payload.length;
    if (extra.length === 0) {
      if (m.hdr.length === 0) {
        const b = payload ?? m.hdr;
        return this.router.deliverAsReplyBytes(target, m.subject, ack, 0, b, 0, b.length, this.owner);
      }
      if (payloadLen === 0) return this.router.deliverAsReplyBytes(target, m.subject, ack, m.hdr.length, m.hdr, 0, m.hdr.length, this.owner);
    }
    const hdrLen = this.headerLength(d, extra);
    const total = hdrLen + payloadLen;
    let buf: Buffer;
    if (total >= COPY_LIMIT) buf = Buffer.allocUnsafe(total);
    else {
      if (this.scratch.length < total) this.scratch = Buffer.allocUnsafe(Math.max(total, this.scratch.length * 2));
      buf = this.scratch;
    }
    let at = 0;
    if (extra.length === 0) at += m.hdr.copy(buf, 0);
    else {
      if (m.hdr.length === 0) at += buf.write(HEADER_LINE, 0, 'latin1');
      else at += m.hdr.copy(buf, 0, 0, m.hdr.length - 2);
      at += buf.write(extra, at, 'latin1');
      at += buf.write(CRLF, at, 'latin1');
    }
    if (payload !== null) at += payload.copy(buf, at);
    // A range of the scratch buffer: no view per delivery (large messages have a buffer of their own).
    return this.router.deliverAsReplyBytes(target, m.subject, ack, hdrLen, buf, 0, total, this.owner);
  }

  /** A header-only status to `target` (pull statuses, heartbeats, flow-control requests). */
  status(target: string, reply: string | undefined, code: number, description: string, fields: ReadonlyArray<readonly [string, string]>): number {
    let s = `NATS/1.0 ${code} ${description}${CRLF}`;
    for (const [k, v] of fields) s += `${k}: ${v}${CRLF}`;
    s += CRLF;
    const hdr = Buffer.from(s, 'latin1');
    return this.router.deliverAs(target, target, reply, hdr.length, hdr, this.owner);
  }
}
