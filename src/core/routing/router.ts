// Message routing between publishers and subscriptions, independent of any wire format.
// A message is a byte range of a Buffer, `buf[start, end)`, holding optional NATS-style headers
// followed by the payload; the header length travels beside it so that receivers that cannot
// take headers can skip them. Receivers get the range rather than a Buffer view of it: the NATS
// front-end routes a publish straight out of its read buffer, and a view per message was most
// of the garbage of 1 KB pub/sub (docs/nats-performance.md). A receiver that wants a Buffer
// makes the view itself (viewOf); route(), fanout() and deliverAs() take a whole Buffer for the
// broker's own publishers, routeRange() and deliverAsRange() a range.
//
// Two entries: publish() is a client's publish, and applies the subject mappings first, where
// nats-server applies them (in the inbound path of client and leafnode connections, before
// permissions, routing and no-responders: a stream capturing subjects sees the mapped one);
// route() delivers a subject as it is, for the broker's own publishers (stream deliveries,
// advisories, records arriving over Kafka), which nats-server does not map either.
//
// Captures (docs/jetstream.md 1.3, 1.4): a JetStream stream takes the publishes on its subjects
// through a capture entry, kept in a sublist of its own (overlapping captures are refused by the
// streams, so a subject has one at most). route() offers a message to its capture first; the
// capture may hold back the fan-out to core subscribers when it must deliver them itself, in log
// order, behind an earlier Kafka append. fanout() is the delivery without captures, for messages
// that are already stored (records appended over Kafka, deferred publishes).
import { hasWildcardToken, subjectMatches } from './subject.js';
import { Sublist, type Subscription } from './sublist.js';
import { SubjectMapping, type MappingTable, type SubjectMappingOptions } from './subject-mapping.js';

/** The party that owns subscriptions: one connection, one stream capture, ... */
export interface SubscriptionOwner {
  /** False when the owner must not receive what it publishes itself (NATS echo:false). */
  readonly echo: boolean;
  /** Who the owner is, for events that name the client of a request (the JetStream API audit); absent for internal owners. */
  clientDetails?(): ClientDetails;
}

/** A client as events describe it (nats-server's ClientInfo fields that one server knows). */
export interface ClientDetails {
  readonly id: number;
  readonly start: Date;
  readonly host: string;
  readonly name?: string;
  readonly lang?: string;
  readonly version?: string;
  /** Round trip of the last server PING, in nanoseconds; 0 until measured. */
  readonly rttNs: number;
}

export interface RoutedSubscription extends Subscription {
  readonly owner: SubscriptionOwner;
  /**
   * Hands one message to the subscription: the bytes `buf[start, end)`, headers first. They are
   * only valid during the call (they may be the process-wide read buffer): a receiver that keeps
   * them must copy them. `hdrLen` is 0 when the message has no headers. A receiver that returns
   * false declines the message: it is not counted as delivered (a requester then gets
   * no-responders), as when the subscription did not exist.
   */
  deliver(subject: string, reply: string | undefined, hdrLen: number, buf: Buffer, start: number, end: number): boolean | void;
  /**
   * deliver() with the reply subject as bytes written on demand (ReplyBytes), for receivers that
   * copy the reply into an output buffer: a JetStream delivery's ack subject then costs no string.
   * A receiver without it gets deliver() with `reply.toString()`. `reply` is valid during the
   * call only (the writer reuses it).
   */
  deliverReplyBytes?(subject: string, reply: ReplyBytes, hdrLen: number, buf: Buffer, start: number, end: number): boolean | void;
}

/**
 * A reply subject that writes its own bytes (one byte per character, as the front-ends write
 * subjects): JetStream's ack subjects, made of a fixed prefix and numbers, are written in place
 * instead of being built as a string per delivery.
 */
export interface ReplyBytes {
  /** Its length in bytes. */
  readonly length: number;
  /** Writes it into `buf` at `at` (which has `length` bytes free there); returns the end. */
  writeTo(buf: Buffer, at: number): number;
  /** The same subject as a string. */
  toString(): string;
}

/** A stream's capture of the publishes on one of its subjects. */
export interface CaptureEntry extends Subscription {
  readonly queue: undefined;
  /**
   * Takes a publish, the bytes `buf[start, end)` (synchronously, valid during the call only: a
   * stream that keeps them past it copies them). Returns true when the Router must not fan the
   * message out to subscriptions now: the capture will, in log order.
   */
  capture(subject: string, reply: string | undefined, hdrLen: number, buf: Buffer, start: number, end: number, origin: SubscriptionOwner | null): boolean;
}

/** `buf[start, end)` as a Buffer: `buf` itself when the range is all of it, else a view (valid as long as the bytes are). */
export function viewOf(buf: Buffer, start: number, end: number): Buffer {
  return start === 0 && end === buf.length ? buf : buf.subarray(start, end);
}

export interface RouterStats {
  /** Messages published into the router. */
  published: number;
  /** Copies handed to subscriptions. */
  delivered: number;
}

export interface RouterOptions extends SubjectMappingOptions {
  /** nats-server's `mappings`: applied to what clients publish (see subject-mapping.ts). */
  readonly mappings?: MappingTable;
}

export class Router {
  readonly subscriptions = new Sublist<RoutedSubscription>();
  /** Stream captures: at most one matches a literal subject. */
  readonly captures = new Sublist<CaptureEntry>(undefined, true);
  private published = 0;
  private delivered = 0;
  /** The origin of the message being handed to receivers: set during deliver() calls only. */
  origin: SubscriptionOwner | null = null;
  /**
   * The subject the receivers being handed a message matched, during deliver() calls only: the
   * message's own subject, or the target of deliverAs (a JetStream delivery to a deliver subject
   * keeps its message's subject; an account's stream import forwards it by the deliver subject).
   */
  matched = '';
  /**
   * Takes a routed message no receiver took, or returns 0: an account without JetStream answers
   * its $JS.API requests this way (10039), as nats-server does, without a subscription (no
   * interest, nothing in /subsz). Returns how many took it.
   */
  unclaimed: ((subject: string, reply: string | undefined, hdrLen: number, buf: Buffer, start: number, end: number, origin: SubscriptionOwner | null) => number) | null = null;
  /** null when no mapping is configured: publish() then costs one comparison more than route(). */
  private mapping: SubjectMapping | null = null;

  /** Throws SubjectMappingError when `options.mappings` is refused. */
  constructor(options: RouterOptions = {}) {
    if (options.mappings !== undefined) this.setMappings(options.mappings, options);
  }

  /**
   * Replaces the subject mappings (a config reload): the table is validated first and, if it is
   * refused (SubjectMappingError, every problem in nats-server's words), the old one stays.
   * An empty table or null removes them.
   */
  setMappings(table: MappingTable | null, options: SubjectMappingOptions = {}): void {
    this.mapping = table === null || Object.keys(table).length === 0 ? null : SubjectMapping.parse(table, options);
  }

  /** The mappings in force, or null. */
  get mappings(): SubjectMapping | null {
    return this.mapping;
  }

  /**
   * The subject a client's publish on `subject` is routed to (itself when nothing maps it).
   * A weighted mapping draws on every call: a front-end that needs the mapped subject itself
   * (the Nats-Subject of a 503) calls this once and then route(), rather than publish().
   */
  mapSubject(subject: string): string {
    return this.mapping === null ? subject : this.mapping.map(subject);
  }

  /**
   * A client's publish: maps the subject, then routes it (see route()). `subject` and `reply`
   * are byte strings (one char per byte), as the NATS front-end decodes them.
   */
  publish(subject: string, reply: string | undefined, hdrLen: number, msg: Buffer, origin: SubscriptionOwner | null): number {
    const mapping = this.mapping;
    return this.route(mapping === null ? subject : mapping.map(subject), reply, hdrLen, msg, origin);
  }

  /**
   * Offers the message to the capture of its subject, if any, then delivers it to every
   * matching plain subscription and to one member of each matching queue group (unless the
   * capture holds the fan-out back), with no mapping. Returns how many receivers took it, the
   * capture included.
   */
  route(subject: string, reply: string | undefined, hdrLen: number, msg: Buffer, origin: SubscriptionOwner | null): number {
    return this.routeRange(subject, reply, hdrLen, msg, 0, msg.length, origin);
  }

  /** route() of the message `buf[start, end)`, without a Buffer view of it (valid during the call only, as for receivers). */
  routeRange(subject: string, reply: string | undefined, hdrLen: number, buf: Buffer, start: number, end: number, origin: SubscriptionOwner | null): number {
    this.published++;
    if (this.captures.size > 0) {
      const c = this.captures.match(subject).plain;
      if (c.length > 0) {
        if (c[0]!.capture(subject, reply, hdrLen, buf, start, end, origin)) return 1;
        return 1 + this.deliverAll(subject, subject, reply, hdrLen, buf, start, end, origin);
      }
    }
    const n = this.deliverAll(subject, subject, reply, hdrLen, buf, start, end, origin);
    if (n === 0 && this.unclaimed !== null) return this.unclaimed(subject, reply, hdrLen, buf, start, end, origin);
    return n;
  }

  /**
   * Delivers to subscriptions only, never to a capture: for messages a stream has stored and
   * now hands to core subscribers itself. Returns how many subscriptions received it.
   */
  fanout(subject: string, reply: string | undefined, hdrLen: number, msg: Buffer, origin: SubscriptionOwner | null): number {
    return this.deliverAll(subject, subject, reply, hdrLen, msg, 0, msg.length, origin);
  }

  /**
   * Delivers to the subscriptions of `target` (never to a capture) a message that shows
   * `subject`: JetStream deliveries go to a pull request's reply subject or a push consumer's
   * deliver subject and carry the stream subject on the MSG line, as nats-server sends them.
   * Returns how many subscriptions received it.
   */
  deliverAs(target: string, subject: string, reply: string | undefined, hdrLen: number, msg: Buffer, origin: SubscriptionOwner | null): number {
    return this.deliverAll(target, subject, reply, hdrLen, msg, 0, msg.length, origin);
  }

  /** deliverAs() of the message `buf[start, end)` (the forwarding of a message routed as a range). */
  deliverAsRange(target: string, subject: string, reply: string | undefined, hdrLen: number, buf: Buffer, start: number, end: number, origin: SubscriptionOwner | null): number {
    return this.deliverAll(target, subject, reply, hdrLen, buf, start, end, origin);
  }

  /**
   * deliverAsRange() with a reply subject given as ReplyBytes: receivers with deliverReplyBytes()
   * write it themselves, the others get it as a string (built once per call, when one needs it).
   */
  deliverAsReplyBytes(target: string, subject: string, reply: ReplyBytes, hdrLen: number, buf: Buffer, start: number, end: number, origin: SubscriptionOwner | null): number {
    return this.deliverAll(target, subject, undefined, hdrLen, buf, start, end, origin, reply);
  }

  /**
   * Whether route() could hand a message on the literal subject `subject` to anyone: a
   * capture, a subscription, or the unclaimed-message handler. False lets a front-end drop a
   * message before it copies it (then countUnclaimed() keeps the statistics whole).
   */
  wouldClaim(subject: string): boolean {
    if (this.unclaimed !== null) return true;
    if (this.captures.size > 0 && this.captures.match(subject).plain.length > 0) return true;
    const r = this.subscriptions.match(subject);
    return r.plain.length > 0 || r.queues.length > 0;
  }

  /** Counts a publish that wouldClaim() said nobody takes, as route() would have counted it. */
  countUnclaimed(): void {
    this.published++;
  }

  /** Whether some subscription would receive a message on the literal subject `subject`. */
  hasInterest(subject: string): boolean {
    const r = this.subscriptions.match(subject);
    return r.plain.length > 0 || r.queues.length > 0;
  }

  private readonly watches = new Map<string, Set<() => void>>();

  /**
   * Calls `fn` after every subscription change that may change the interest in the literal
   * subject `subject` (push consumers start and stop with their deliver subject's interest).
   * Returns the function that stops the watch.
   */
  watchInterest(subject: string, fn: () => void): () => void {
    let set = this.watches.get(subject);
    if (set === undefined) this.watches.set(subject, (set = new Set()));
    set.add(fn);
    this.subscriptions.onChange ??= (s) => this.interestChanged(s);
    return () => {
      const cur = this.watches.get(subject);
      if (cur === undefined) return;
      cur.delete(fn);
      if (cur.size === 0) this.watches.delete(subject);
    };
  }

  private interestChanged(changed: string): void {
    if (this.watches.size === 0) return;
    if (!hasWildcardToken(changed)) {
      const set = this.watches.get(changed);
      if (set !== undefined) for (const fn of [...set]) fn();
      return;
    }
    for (const [subject, set] of [...this.watches]) {
      if (subjectMatches(changed, subject)) for (const fn of [...set]) fn();
    }
  }

  /** One receiver's delivery of a ReplyBytes reply: through deliverReplyBytes when it has one, else deliver() with its string. */
  private deliverOne(sub: RoutedSubscription, subject: string, hdrLen: number, buf: Buffer, start: number, end: number, replyBytes: ReplyBytes): boolean | void {
    if (sub.deliverReplyBytes !== undefined) return sub.deliverReplyBytes(subject, replyBytes, hdrLen, buf, start, end);
    this.replyString ??= replyBytes.toString();
    return sub.deliver(subject, this.replyString, hdrLen, buf, start, end);
  }

  /** The string of the ReplyBytes being delivered, once a receiver needed it (deliverAll only). */
  private replyString: string | undefined = undefined;

  private deliverAll(match: string, subject: string, reply: string | undefined, hdrLen: number, buf: Buffer, start: number, end: number, origin: SubscriptionOwner | null, replyBytes: ReplyBytes | null = null): number {
    const result = this.subscriptions.match(match);
    let count = 0;
    const skipOrigin = origin !== null && !origin.echo;
    // Receivers may ask who sent what they are handed (during deliver() only); nested routes restore it.
    const outer = this.origin;
    const outerMatched = this.matched;
    const outerReply = this.replyString;
    this.origin = origin;
    this.matched = match;
    this.replyString = undefined;
    const plain = result.plain;
    for (let i = 0; i < plain.length; i++) {
      const sub = plain[i]!;
      if (skipOrigin && sub.owner === origin) continue;
      const r = replyBytes === null ? sub.deliver(subject, reply, hdrLen, buf, start, end) : this.deliverOne(sub, subject, hdrLen, buf, start, end, replyBytes);
      if (r !== false) count++;
    }
    const queues = result.queues;
    for (let g = 0; g < queues.length; g++) {
      const members = queues[g]!;
      const n = members.length;
      // Random start, then the first eligible member: uniform when nobody is excluded.
      const first = n === 1 ? 0 : Math.floor(Math.random() * n);
      for (let k = 0; k < n; k++) {
        const sub = members[(first + k) % n]!;
        if (skipOrigin && sub.owner === origin) continue;
        // A member that declines (a delivery permission filter) passes the message on to the
        // next one, as nats-server offers a queue message to another member.
        const r = replyBytes === null ? sub.deliver(subject, reply, hdrLen, buf, start, end) : this.deliverOne(sub, subject, hdrLen, buf, start, end, replyBytes);
        if (r === false) continue;
        count++;
        break;
      }
    }
    this.origin = outer;
    this.matched = outerMatched;
    this.replyString = outerReply;
    this.delivered += count;
    return count;
  }

  stats(): RouterStats {
    return { published: this.published, delivered: this.delivered };
  }
}
