// The contract between the connection and the API handlers (one file per API in this folder).
import type { RequestHeader } from '../protocol/header.js';
import type { KafkaBroker } from '../context.js';

/** What a handler may use of the connection its request came in on. */
export interface ConnectionScope {
  readonly id: number;
  readonly remoteAddress: string;
  /** Aborted when the connection closes: long polls end early. */
  readonly signal: AbortSignal;
  /**
   * Keeps appends of pipelined Produce requests in request order: call before the first
   * append of a request, await `ready` (null when there is nothing to wait for), call `done()`
   * once every append of the request has been issued.
   */
  produceTurn(): { ready: Promise<void> | null; done: () => void };
}

export interface RequestContext {
  readonly broker: KafkaBroker;
  readonly conn: ConnectionScope;
  readonly header: RequestHeader;
  /** Closes the connection once the responses before this request are written (acks=0 errors). */
  closeAfter(reason: string): void;
}

/** A response body, or null for no response at all (Produce with acks=0). */
export type HandlerResult<Res> = Res | null;

export interface ApiHandler<Req = any, Res = any> {
  key: number;
  /** Versions advertised in ApiVersions and accepted; others close the connection. */
  minVersion: number;
  maxVersion: number;
  /**
   * Runs alone on its connection: waits for the requests before it to finish and holds the
   * ones after it (topic and config administration, so that a pipelined Produce sees the topic).
   */
  exclusive?: boolean;
  handle(ctx: RequestContext, req: Req): HandlerResult<Res> | Promise<HandlerResult<Res>>;
}
