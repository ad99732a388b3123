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
import type { Router, SubscriptionOwner } from '../core/routing/router.js';
import type { Delivery } from '../core/coordinators/jetstream/consumer-types.js';

const CRLF = '\r\n';
const HEADER_LINE = 'NATS/1.0\r\n';
/** The outbound buffer copies payloads below this size (src/nats/outbound.ts COPY_LIMIT). */
const COPY_LIMIT = 16 * 1024;

function digits(n: number): number {
  let d = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    d++;
  }
  return d;
}

export class DeliveryWriter {
  private scratch = Buffer.allocUnsafe(4096);

  constructor(
    private readonly router: Router,
    private readonly owner: SubscriptionOwner,
  ) {}

  /**
   * The last stored time seen and its ack-subject token (ms + "000000"): messages stored in the
   * same millisecond (most of a run) share the token, which saves a heap number's conversion to
   * text (and its digit count) per delivery.
   */
  private timeOf = -1;
  private timeToken = '';

  private timeTokenOf(ms: number): string {
    if (ms !== this.timeOf) {
      this.timeOf = ms;
      this.timeToken = `${ms}000000`;
    }
    return this.timeToken;
  }

  /** The ack subject of a delivery. */
  ackSubject(prefix: string, d: Delivery): string {
    return `${prefix}${d.deliveries}.${d.msg.seq}.${d.consumerSeq}.${this.timeTokenOf(d.msg.time)}.${d.pending}`;
  }

  /** Its length, without building it. `prefix` is "$JS.ACK.<stream>.<consumer>.". */
  ackLength(prefix: string, d: Delivery): number {
    return prefix.length + digits(d.deliveries) + 1 + digits(d.msg.seq) + 1 + digits(d.consumerSeq) + 1 + this.timeTokenOf(d.msg.time).length + 1 + digits(d.pending);
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
    const m = d.msg;
    const ack = this.ackSubject(prefix, d);
    const extra = this.extraHeaders(d);
    const payload = d.headersOnly ? null : m.data;
    const payloadLen = payload === null ? 0 : payload.length;
    if (extra.length === 0) {
      if (m.hdr.length === 0) return this.router.deliverAs(target, m.subject, ack, 0, payload ?? m.hdr, this.owner);
      if (payloadLen === 0) return this.router.deliverAs(target, m.subject, ack, m.hdr.length, m.hdr, this.owner);
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
    return this.router.deliverAs(target, m.subject, ack, hdrLen, total === buf.length ? buf : buf.subarray(0, total), this.owner);
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
