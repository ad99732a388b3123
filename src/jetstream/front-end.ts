// The JetStream front-end: the $JS.API of nats-server over core services. It is a front-end of
// core only (it never imports src/nats or src/kafka): it receives API requests as Router
// deliveries of one subscription on `$JS.API.>` (and `$JS.<domain>.API.>` with a domain), and
// answers with Router.publish through the reply path, so every client reaches it the same way.
//
// Dispatch: the tokens after the prefix select a route of the API table. A route may decline a
// subject (DIRECT.GET of a stream without allow_direct, MSG.NEXT of an unknown consumer): the
// delivery then does not count and the requester gets no-responders, as from nats-server,
// whose subscriptions for those are per stream and per consumer. Unknown API subjects are taken
// and not answered (nats-server has interest in all of $JS.API.>). Requests run in arrival order
// unless their route is concurrent. The API statistics (total, errors) and the audit advisory
// ($JS.EVENT.ADVISORY.API, built only when somebody listens) are kept here.
//
// Other subscriptions of the JetStream service (the consumers half: $JS.ACK.>, $JS.FC.>, push
// delivery subjects) are made through subscribe(), as entries of the same owner.
import { randomBytes } from 'node:crypto';
import type { Logger } from '../log.js';
import { viewOf, type ClientDetails, type RoutedSubscription, type Router, type SubscriptionOwner } from '../core/routing/router.js';
import type { JsApiError } from '../core/streams/types.js';
import { ApiTable, type ApiReply, type ApiRequest, type ApiRoute } from './api-table.js';
import { jsError } from './errors.js';
import { goJson, goTime, type GoJson } from './json.js';
import { ReplyPath } from './reply.js';

export const API_PREFIX = '$JS.API';
const EMPTY = Buffer.alloc(0);
const TYPE_PREFIX = 'io.nats.jetstream.api.v1.';
const AUDIT_SUBJECT = '$JS.EVENT.ADVISORY.API';

export interface JetStreamFrontEndOptions {
  router: Router;
  logger: Logger;
  routes: Iterable<ApiRoute>;
  /** The server's name (advisories) and the version and API level it advertises (docs/jetstream.md 1.19). */
  serverName: string;
  apiLevel: number;
  /** A JetStream domain: the API is also served on $JS.<domain>.API.>. */
  domain?: string;
  /** The NATS account whose API this is (the router is that account's); default the global account. */
  account?: string;
  /**
   * Take only the API requests nobody else takes, through Router.unclaimed instead of a
   * subscription (an account without JetStream: nats-server answers 10039 with no subscription).
   */
  unclaimed?: boolean;
}

export interface ApiStats {
  level: number;
  total: number;
  errors: number;
}

/**
 * A raw handler of a subscription made through subscribe(): `msg` is valid during the call only.
 * Returning false declines the message (a requester gets no-responders, as when nobody subscribes).
 */
export type RawHandler = (subject: string, reply: string | undefined, hdrLen: number, msg: Buffer) => boolean | void;

class Entry implements RoutedSubscription {
  constructor(
    readonly owner: SubscriptionOwner,
    readonly subject: string,
    readonly queue: string | undefined,
    private readonly handler: RawHandler,
  ) {}

  deliver(subject: string, reply: string | undefined, hdrLen: number, buf: Buffer, start: number, end: number): boolean | void {
    return this.handler(subject, reply, hdrLen, viewOf(buf, start, end));
  }
}

/** A 22-character id in nats-server's nuid alphabet (advisory ids). */
export function nuid(): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  let s = '';
  for (const b of randomBytes(22)) s += alphabet[b % 62];
  return s;
}

/** The value of header `name` in a NATS header block (first occurrence), or undefined. */
export function headerValue(hdr: Buffer, name: string): string | undefined {
  if (hdr.length === 0) return undefined;
  const text = hdr.toString('latin1');
  let at = text.indexOf('\r\n');
  while (at >= 0 && at + 2 < text.length) {
    const next = text.indexOf('\r\n', at + 2);
    const line = text.slice(at + 2, next < 0 ? text.length : next);
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon) === name) return line.slice(colon + 1).trim();
    at = next;
  }
  return undefined;
}

/**
 * nats-server's ClientInfo of a request's client, in its field order (empty fields omitted, as
 * Go's omitempty does): the global account, this server, kind Client. Without details (an
 * internal publisher) only what the server knows itself.
 */
export function clientInfo(d: ClientDetails | undefined, server: string, acc: string): GoJson {
  if (d === undefined) return { acc, server, kind: 'Client', client_type: 'nats' };
  return {
    start: goTime(d.start.getTime()),
    host: d.host || undefined,
    id: d.id,
    acc,
    name: d.name || undefined,
    lang: d.lang || undefined,
    ver: d.version || undefined,
    rtt: d.rttNs > 0 ? d.rttNs : undefined,
    server,
    kind: 'Client',
    client_type: 'nats',
  };
}

export class JetStreamFrontEnd implements SubscriptionOwner {
  readonly echo = true;
  readonly replies: ReplyPath;
  private readonly table: ApiTable;
  private readonly routeList: ApiRoute[] = [];
  private readonly entries: Entry[] = [];
  private queue: Promise<void> = Promise.resolve();
  private total = 0;
  private errors = 0;
  private closed = false;
  private readonly log: Logger;

  constructor(private readonly opts: JetStreamFrontEndOptions) {
    this.routeList.push(...opts.routes);
    this.table = new ApiTable(this.routeList);
    this.replies = new ReplyPath(opts.router, this);
    this.log = opts.logger.child({ component: 'jetstream' });
  }

  /** Subscribes the API subjects. */
  start(): void {
    if (this.opts.unclaimed === true) {
      const router = this.opts.router;
      const prefixes = [API_PREFIX, ...(this.opts.domain !== undefined && this.opts.domain.length > 0 ? [`$JS.${this.opts.domain}.API`] : [])];
      router.unclaimed = (s, r, h, buf, start, end, origin) => {
        const p = prefixes.find((x) => s.startsWith(`${x}.`));
        if (p === undefined) return 0;
        const outer = router.origin;
        router.origin = origin;
        try {
          return this.onRequest(s, p.length + 1, r, h, viewOf(buf, start, end)) ? 1 : 0;
        } finally {
          router.origin = outer;
        }
      };
      return;
    }
    this.subscribeRaw(`${API_PREFIX}.>`, undefined, (s, r, h, m) => this.onRequest(s, API_PREFIX.length + 1, r, h, m));
    const d = this.opts.domain;
    if (d !== undefined && d.length > 0) {
      const prefix = `$JS.${d}.API`;
      this.subscribeRaw(`${prefix}.>`, undefined, (s, r, h, m) => this.onRequest(s, prefix.length + 1, r, h, m));
    }
  }

  /** Adds routes after start (the consumers half registers its own). */
  addRoutes(routes: Iterable<ApiRoute>): void {
    for (const r of routes) {
      this.table.add(r);
      this.routeList.push(r);
    }
  }

  /** The routes served (an account without JetStream answers the same subjects with 10039). */
  routes(): readonly ApiRoute[] {
    return this.routeList;
  }

  /**
   * Subscribes `subject` for the JetStream service itself (ack subjects, flow-control replies,
   * ...). Returns the function that unsubscribes.
   */
  subscribe(subject: string, queue: string | undefined, handler: RawHandler): () => void {
    return this.subscribeRaw(subject, queue, handler);
  }

  private subscribeRaw(subject: string, queue: string | undefined, deliver: RawHandler): () => void {
    const e = new Entry(this, subject, queue, deliver);
    if (!this.opts.router.subscriptions.insert(e)) throw new Error(`cannot subscribe ${subject}`);
    this.entries.push(e);
    return () => {
      this.opts.router.subscriptions.remove(e);
      const i = this.entries.indexOf(e);
      if (i >= 0) this.entries.splice(i, 1);
    };
  }

  stats(): ApiStats {
    return { level: this.opts.apiLevel, total: this.total, errors: this.errors };
  }

  private onRequest(subject: string, skip: number, reply: string | undefined, hdrLen: number, msg: Buffer): boolean {
    if (this.closed) return false;
    const tokens = subject.length > skip ? subject.slice(skip).split('.') : [];
    const route = this.table.find(tokens);
    if (route === null) return true; // taken, not answered (unknown API subject)
    if (route.accepts !== undefined && !route.accepts(tokens)) return false;
    // The message lives in the publisher's read buffer only during this call.
    const hdr = hdrLen > 0 ? Buffer.from(msg.subarray(0, hdrLen)) : EMPTY;
    const data = msg.length > hdrLen ? Buffer.from(msg.subarray(hdrLen)) : EMPTY;
    const req: ApiRequest = { subject, tokens, reply, hdr, data, header: (name) => headerValue(hdr, name), origin: this.opts.router.origin };
    const run = (): Promise<void> => this.dispatch(route, req);
    if (route.concurrent === true) void run();
    else this.queue = this.queue.then(run);
    return true;
  }

  private async dispatch(route: ApiRoute, req: ApiRequest): Promise<void> {
    let failed = false;
    let response: string | null = null;
    const type = TYPE_PREFIX + route.type;
    const replies = this.replies;
    const to = req.reply;
    const reply: ApiReply = {
      subject: to,
      ok: (body) => {
        const text = goJson({ type, ...body });
        response = text;
        if (to !== undefined) this.opts.router.route(to, undefined, 0, Buffer.from(text, 'utf8'), this);
      },
      error: (err: JsApiError, extra = {}) => {
        failed = true;
        const text = goJson({ type, error: { code: err.code, err_code: err.err_code, description: err.description }, ...extra });
        response = text;
        if (to !== undefined) this.opts.router.route(to, undefined, 0, Buffer.from(text, 'utf8'), this);
      },
      message: (hdr, data) => {
        if (to !== undefined) replies.message(to, undefined, hdr, data);
      },
      messageText: (head, data) => {
        if (to !== undefined) replies.messageText(to, head, data);
      },
      status: (code, description, fields = []) => {
        if (to !== undefined) replies.status(to, code, description, fields);
      },
    };
    try {
      const required = req.header('Nats-Required-Api-Level');
      // errorOnRequiredApiLevel: strconv.Atoi of the header, refused when no number or above the level.
      if (route.levelChecked !== false && required !== undefined && required !== '' && !(/^[+-]?\d+$/.test(required) && Number(required) <= this.opts.apiLevel)) {
        if (route.concurrent === true) reply.status(412, 'Required Api Level');
        else reply.error(jsError('JSRequiredApiLevelErr'), route.errorFields);
      } else {
        await route.handle(req, reply);
      }
    } catch (err) {
      this.log.error({ err, subject: req.subject }, 'JetStream API request failed');
      reply.error(jsError('JSStreamGeneralErrorF', { err: err instanceof Error ? err.message : String(err) }));
    } finally {
      if (route.counted !== false) {
        this.total++;
        if (failed) this.errors++;
      }
    }
    if (response !== null && route.counted !== false) this.audit(req, response);
  }

  /** The API audit advisory, as nats-server sends it for every JSON response. */
  private audit(req: ApiRequest, response: string): void {
    if (!this.replies.hasInterest(AUDIT_SUBJECT)) return;
    const now = Date.now();
    const body: GoJson = {
      type: 'io.nats.jetstream.advisory.v1.api_audit',
      id: nuid(),
      timestamp: goTime(now),
      server: this.opts.serverName,
      client: clientInfo(req.origin?.clientDetails?.(), this.opts.serverName, this.opts.account ?? '$G'),
      subject: req.subject,
      request: req.data.length > 0 ? req.data.toString('utf8') : undefined,
      response,
    };
    this.replies.json(AUDIT_SUBJECT, body);
  }

  /** Stops taking requests; requests in progress finish. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.opts.unclaimed === true) this.opts.router.unclaimed = null;
    for (const e of [...this.entries]) this.opts.router.subscriptions.remove(e);
    this.entries.length = 0;
    await this.queue.catch(() => {});
  }
}
