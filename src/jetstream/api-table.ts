// The $JS.API table: which handler answers which subject. A route names its subject by the
// tokens after the API prefix ("STREAM.CREATE.*": one name token; ">" for a tail of any length,
// such as the filter subject of CONSUMER.CREATE.<s>.<c>.<filter> or the subject of
// DIRECT.GET.<s>.<subject>). The front-end (front-end.ts) looks routes up by token; the streams
// half registers api/account.ts, api/streams.ts, api/messages.ts and api/direct.ts, the
// consumers half its own routes, each as a list of ApiRoute.
import type { SubscriptionOwner } from '../core/routing/router.js';
import type { JsApiError } from '../core/streams/types.js';
import type { GoJson } from './json.js';

/** One request to the API, copied out of the read buffer (it outlives the delivery). */
export interface ApiRequest {
  /** The whole subject, e.g. "$JS.API.STREAM.CREATE.ORDERS". */
  readonly subject: string;
  /** The tokens after the API prefix: ["STREAM", "CREATE", "ORDERS"]. */
  readonly tokens: readonly string[];
  /** Where the answer goes; undefined when the client sent none (the request is still processed, as nats-server does, but not answered). */
  readonly reply: string | undefined;
  /** The header block as received, or an empty buffer. */
  readonly hdr: Buffer;
  /** The payload. */
  readonly data: Buffer;
  /** The value of a request header (first occurrence, name compared exactly), or undefined. */
  header(name: string): string | undefined;
  /** Who sent it (a client connection), for the audit advisory; null for internal publishers. */
  readonly origin?: SubscriptionOwner | null;
}

/** How a handler answers. Every method is a no-op when the request had no reply subject. */
export interface ApiReply {
  /** `{"type": <the route's type>, ...body}`. */
  ok(body: { [key: string]: GoJson | undefined }): void;
  /** `{"type", "error": {...}, ...extra}`; counted in the API's error statistics. */
  error(err: JsApiError, extra?: { [key: string]: GoJson | undefined }): void;
  /** A raw message to the reply subject (direct get): header block (or empty) and payload. */
  message(hdr: Buffer, data: Buffer): void;
  /** The same with the header block as a latin1 string (written once into the message). */
  messageText(head: string, data: Buffer): void;
  /** A header-only status to the reply subject ("NATS/1.0 404 Message Not Found"). */
  status(code: number, description: string | null, fields?: ReadonlyArray<readonly [string, string]>): void;
  /** The reply subject, for handlers that answer later or several times (pull requests). */
  readonly subject: string | undefined;
}

export interface ApiRoute {
  /** Tokens after "$JS.API.", '*' for one token, a last '>' for one or more. */
  readonly pattern: string;
  /** The response type after "io.nats.jetstream.api.v1." (e.g. "stream_create_response"); used by ok() and error(). */
  readonly type: string;
  /**
   * Whether the subject has a receiver at all. A route that says no makes the request get
   * no-responders (503), as nats-server does for DIRECT.GET of a stream without allow_direct
   * and for CONSUMER.MSG.NEXT of a consumer that does not exist (their subscriptions are per
   * stream and per consumer there). Called synchronously during the delivery. Default: yes.
   */
  accepts?(tokens: readonly string[]): boolean;
  /**
   * Handlers of one front-end run one after the other, in arrival order (so a client's create
   * is done before its info), unless `concurrent` is set: direct gets and pull requests must
   * not wait behind each other or behind a slow admin request.
   */
  readonly concurrent?: boolean;
  /**
   * False for requests nats-server serves on a consumer's own subscription rather than as an
   * API call (CONSUMER.MSG.NEXT, CONSUMER.RESET): not counted in the API statistics, no audit
   * advisory. Default: counted.
   */
  readonly counted?: boolean;
  /**
   * Fields the Go response struct encodes even in an error answer (no omitempty), for answers
   * made outside the handler (an account without JetStream, a required API level the server
   * lacks): STREAM.RESTORE's `deliver_subject: ""`, the paging of STREAM.INFO and the lists.
   */
  readonly errorFields?: { readonly [key: string]: GoJson };
  /**
   * False where nats-server answers before it checks `Nats-Required-Api-Level` (the clustering
   * requests of a server without clustering). Default: the front-end refuses a request whose
   * required level is above the server's before the handler runs.
   */
  readonly levelChecked?: boolean;
  handle(req: ApiRequest, reply: ApiReply): void | Promise<void>;
}

interface Node {
  literal: Map<string, Node>;
  single: Node | null;
  /** A route ending in '>' at this level. */
  tail: ApiRoute | null;
  route: ApiRoute | null;
}

const node = (): Node => ({ literal: new Map(), single: null, tail: null, route: null });

export class ApiTable {
  private readonly root = node();

  constructor(routes: Iterable<ApiRoute> = []) {
    for (const r of routes) this.add(r);
  }

  /** Adds a route; a second route on the same pattern is a programming error. */
  add(route: ApiRoute): void {
    const tokens = route.pattern.split('.');
    let n = this.root;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (t === '>') {
        if (i !== tokens.length - 1) throw new Error(`API route ${route.pattern}: '>' must be the last token`);
        if (n.tail !== null) throw new Error(`API route ${route.pattern} is defined twice`);
        n.tail = route;
        return;
      }
      if (t === '*') n = n.single ??= node();
      else {
        let next = n.literal.get(t);
        if (next === undefined) n.literal.set(t, (next = node()));
        n = next;
      }
    }
    if (n.route !== null) throw new Error(`API route ${route.pattern} is defined twice`);
    n.route = route;
  }

  /** The route of a subject's tokens (after the prefix): literal tokens first, then '*', then '>'. */
  find(tokens: readonly string[]): ApiRoute | null {
    return this.walk(this.root, tokens, 0);
  }

  private walk(n: Node, tokens: readonly string[], i: number): ApiRoute | null {
    if (i === tokens.length) return n.route;
    const t = tokens[i]!;
    const lit = n.literal.get(t);
    if (lit !== undefined) {
      const r = this.walk(lit, tokens, i + 1);
      if (r !== null) return r;
    }
    if (n.single !== null) {
      const r = this.walk(n.single, tokens, i + 1);
      if (r !== null) return r;
    }
    return n.tail;
  }
}
