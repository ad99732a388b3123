// The reply path of the JetStream front-end: everything it sends (API responses, direct-get
// messages and statuses, PubAcks, advisories, and for the consumers half pull deliveries and
// statuses) goes through Router.publish from one SubscriptionOwner, so it reaches NATS clients
// (and any later front-end) the way any publish does, coalesced in each receiver's outbound
// buffer. Header blocks are built here, in nats-server's layout: "NATS/1.0[ <code>[ <text>]]",
// then "Name: value" lines, then an empty line.
import type { Router, SubscriptionOwner } from '../core/routing/router.js';
import { goJsonBuffer, type GoJson } from './json.js';

const CRLF = '\r\n';
const EMPTY = Buffer.alloc(0);

/** A header block with an optional status line and fields in the order given. */
export function headerBlock(status: number | null, description: string | null, fields: ReadonlyArray<readonly [string, string]>): Buffer {
  let s = 'NATS/1.0';
  if (status !== null) s += ` ${status}`;
  if (status !== null && description !== null && description.length > 0) s += ` ${description}`;
  s += CRLF;
  for (const [k, v] of fields) s += `${k}: ${v}${CRLF}`;
  s += CRLF;
  return Buffer.from(s, 'latin1');
}

/** The outbound buffer copies payloads below this size (src/nats/outbound.ts COPY_LIMIT). */
const COPY_LIMIT = 16 * 1024;

export class ReplyPath {
  private scratch = Buffer.allocUnsafe(1024);

  constructor(
    private readonly router: Router,
    private readonly owner: SubscriptionOwner,
  ) {}

  /** Sends a message: `hdr` (a header block or empty) followed by `data`. Returns the receivers reached. */
  message(subject: string, reply: string | undefined, hdr: Buffer, data: Buffer): number {
    const msg = hdr.length === 0 ? data : data.length === 0 ? hdr : Buffer.concat([hdr, data]);
    return this.router.route(subject, reply, hdr.length, msg, this.owner);
  }

  /**
   * Sends a message whose header block is `head` (latin1) followed by `data`, assembled once: in
   * a scratch buffer when small (receivers copy what they keep during the call; the outbound
   * buffer keeps only large payloads by reference), else in a buffer of its own.
   */
  messageText(subject: string, head: string, data: Buffer): number {
    const hdrLen = head.length;
    const total = hdrLen + data.length;
    let buf: Buffer;
    if (total >= COPY_LIMIT) buf = Buffer.allocUnsafe(total);
    else {
      if (this.scratch.length < total) this.scratch = Buffer.allocUnsafe(Math.max(total, this.scratch.length * 2));
      buf = this.scratch;
    }
    buf.write(head, 0, hdrLen, 'latin1');
    data.copy(buf, hdrLen);
    return this.router.route(subject, undefined, hdrLen, total === buf.length ? buf : buf.subarray(0, total), this.owner);
  }

  /** Sends a JSON body (Go's encoding). */
  json(subject: string, body: GoJson): number {
    return this.router.route(subject, undefined, 0, goJsonBuffer(body), this.owner);
  }

  /** Sends a header-only status message ("NATS/1.0 404 Message Not Found" plus fields). */
  status(subject: string, code: number, description: string | null, fields: ReadonlyArray<readonly [string, string]> = []): number {
    const hdr = headerBlock(code, description, fields);
    return this.router.route(subject, undefined, hdr.length, hdr, this.owner);
  }

  /** Sends an empty message (the confirmation of an AckSync, of a flow-control answer). */
  empty(subject: string): number {
    return this.router.route(subject, undefined, 0, EMPTY, this.owner);
  }

  /**
   * Whether a plain subscription on exactly `subject` exists (a wildcard covering it does not
   * count): the interest nats-server waits for before it sends a snapshot to its deliver subject,
   * which clients subscribe only after the answer while their request inbox's wildcard already
   * covers it.
   */
  hasSubscriber(subject: string): boolean {
    return this.router.subscriptions.match(subject).plain.some((s) => s.subject === subject);
  }

  /** Whether anybody would receive a message on `subject` (advisories are built only then). */
  hasInterest(subject: string): boolean {
    const r = this.router.subscriptions.match(subject);
    return r.plain.length > 0 || r.queues.length > 0;
  }
}
