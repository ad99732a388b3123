// The ack protocol on `$JS.ACK.>`: the reply subjects of deliveries in nats-server's v1 form
// `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>` (and the v2 form with
// domain and account hash, which clients also parse), and the verbs in the payload: empty,
// `+ACK` or `+OK` ack; `-NAK` redelivers, `-NAK {"delay": <ns>}` or `-NAK <duration>` after a
// delay; `+WPI` restarts the ack wait; `+NXT [request]` acks and pulls more to the ack's reply
// subject; `+TERM [reason]` stops redelivery. An ack with a reply subject gets the empty
// confirmation once the ack is durable (AckSync); +NXT answers with messages instead.
import type { ConsumerCoordinator } from '../core/coordinators/jetstream/consumer-coordinator.js';
import type { AckVerb } from '../core/coordinators/jetstream/consumer-types.js';
import type { Router } from '../core/routing/router.js';
import type { DeliveryWriter } from './deliveries.js';
import { decodeGo } from './json.js';
import { NAK_OPTIONS } from './consumer-json.js';
import { ackPrefix, parsePullRequest, PullReplySink } from './api/pull.js';
import type { ReplyPath } from './reply.js';

/** A Go duration string ("1s", "1m30s", "500ms", "1.5h") in ms, or null. */
export function parseGoDuration(s: string): number | null {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let at = 0;
  let neg = false;
  let t = s;
  if (t.startsWith('-') || t.startsWith('+')) {
    neg = t[0] === '-';
    t = t.slice(1);
  }
  if (t === '0') return 0;
  re.lastIndex = 0;
  for (let m = re.exec(t); m !== null; m = re.exec(t)) {
    total += Number(m[1]) * unit[m[2]!]!;
    at = re.lastIndex;
  }
  if (at === 0 || at !== t.length) return null;
  return neg ? -total : total;
}

const ACK: AckVerb = { kind: 'ack' };
const IGNORED: AckVerb = { kind: 'unknown' };

/** The decimal number subject[start, end), or -1 when it is empty or not all digits. */
function num(subject: string, start: number, end: number): number {
  if (end <= start) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const d = subject.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  // Beyond 15 digits the running product may round differently from parsing: parse those.
  return end - start > 15 ? Number(subject.slice(start, end)) : v;
}

export class AckHandler {
  constructor(
    private readonly co: ConsumerCoordinator,
    private readonly router: Router,
    private readonly writer: DeliveryWriter,
    private readonly replies: ReplyPath,
  ) {}

  /** One message on $JS.ACK.>: false (no-responders) when the consumer does not exist. */
  onAck(subject: string, reply: string | undefined, hdrLen: number, msg: Buffer): boolean {
    // Token boundaries in one pass over the subject, numbers read in place (acks are the hot
    // path of a consuming client: no split, no substring for the numbers).
    const dots = this.dots;
    let n = 0;
    for (let i = 0; i < subject.length && n < dots.length; i++) if (subject.charCodeAt(i) === 0x2e) dots[n++] = i;
    const tokens = n + 1;
    let off: number;
    if (tokens === 9) off = 2;
    else if (tokens >= 11) off = 4;
    else return false;
    const from = (k: number): number => dots[k - 1]! + 1;
    const to = (k: number): number => (k < n ? dots[k]! : subject.length);
    // The stream and consumer names as the last ack had them: the same strings again (already
    // hashed by the consumer lookup) instead of new ones.
    const stream = this.sameToken(subject, from(off), to(off), this.lastStream) ? this.lastStream : (this.lastStream = subject.slice(from(off), to(off)));
    const name = this.sameToken(subject, from(off + 1), to(off + 1), this.lastName) ? this.lastName : (this.lastName = subject.slice(from(off + 1), to(off + 1)));
    const c = this.co.consumer(stream, name);
    if (c === undefined) return false;
    // nats-server subscribes an ack subject only for consumers that take acks: an ack (or +NXT)
    // to an ack-none consumer reaches no one, and an AckSync gets no-responders.
    if (c.config.ack_policy === 'none') return false;
    const dc = num(subject, from(off + 2), to(off + 2));
    const sseq = num(subject, from(off + 3), to(off + 3));
    const dseq = num(subject, from(off + 4), to(off + 4));
    const body = hdrLen === 0 ? msg : msg.subarray(hdrLen);
    const verb = this.verb(body);
    if (sseq <= 0) return true;
    if (verb.kind === 'next') {
      c.ack(sseq, dseq, dc, verb, null);
      if (reply !== undefined) {
        const sink = new PullReplySink(this.router, this.writer, reply, ackPrefix(stream, name));
        const p = parsePullRequest(body.subarray(4));
        if (!p.ok) sink.status(400, `Bad Request - ${p.error}`);
        else c.pull({ ...p.req, sink });
      }
      return true;
    }
    const confirm = reply !== undefined ? (ok: boolean) => ok && this.replies.empty(reply) : null;
    c.ack(sseq, dseq, dc, verb, confirm);
    return true;
  }

  private readonly dots = new Array<number>(16).fill(0);
  private lastStream = '';
  private lastName = '';

  /** Whether subject[start, end) is exactly `s`. */
  private sameToken(subject: string, start: number, end: number, s: string): boolean {
    return end - start === s.length && s.length > 0 && subject.startsWith(s, start);
  }

  private verb(body: Buffer): AckVerb {
    const n = body.length;
    // Empty or "+ACK": the common case, without decoding the payload.
    if (n === 0 || (n === 4 && body[0] === 0x2b && body[1] === 0x41 && body[2] === 0x43 && body[3] === 0x4b)) return ACK;
    const text = body.toString('utf8');
    if (text === '+OK') return ACK;
    if (text.startsWith('+NXT')) return { kind: 'next' };
    if (text.startsWith('-NAK')) {
      const arg = text.slice(4).trim();
      if (arg.length === 0) return { kind: 'nak' };
      if (arg.startsWith('{')) {
        const d = decodeGo(arg, NAK_OPTIONS, { strict: false });
        if (d.ok && typeof d.value.delay === 'bigint') return { kind: 'nak', delayMs: Number(d.value.delay / 1_000_000n) };
        return { kind: 'nak' };
      }
      const ms = parseGoDuration(arg);
      return ms === null ? { kind: 'nak' } : { kind: 'nak', delayMs: ms };
    }
    if (text === '+WPI') return { kind: 'progress' };
    if (text.startsWith('+TERM')) return { kind: 'term', reason: text.slice(5).trim() };
    // Anything else is not a verb nats-server knows: nats-server ignores it (and confirms if asked).
    return IGNORED;
  }
}
