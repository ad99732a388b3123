// What the $JS.API handlers see: the core services and the server's JetStream settings. The
// consumers half adds its coordinator through `consumers` (counts for account info, stream
// info and /jsz).
import type { StreamRegistry } from '../core/streams/stream-registry.js';
import type { ConsumerConfigInput } from '../core/coordinators/jetstream/consumer-config.js';
import type { ConsumerSnapshot } from '../core/coordinators/jetstream/consumer-state-store.js';
import type { AccountLimits } from '../core/streams/types.js';
import type { JetStreamAccountLimits } from '../core/security/nats-users.js';
import type { ApiReply, ApiRequest } from './api-table.js';
import { jsError } from './errors.js';
import { decodeGo, type Decoded, type GoJson, type GoStruct } from './json.js';
import type { ApiStats } from './front-end.js';

export interface ConsumerCounts {
  /** Consumers of one stream, or of all streams. */
  count(stream?: string): number;
  /** /jsz consumer_detail of a stream (consumer infos as the API encodes them). */
  details?(stream: string): GoJson[];
  /** The consumers of a stream as a snapshot holds them (STREAM.SNAPSHOT). */
  backup?(stream: string): Promise<unknown[]>;
  /** Recreates a restored stream's consumers from its snapshot (STREAM.RESTORE); the number restored. */
  restore?(stream: string, consumers: readonly unknown[]): Promise<number>;
  /** Recreates consumers from API-form configs and states (a nats-server snapshot's consumers). */
  restoreInputs?(stream: string, consumers: ReadonlyArray<{ name: string; input: ConsumerConfigInput; state: ConsumerSnapshot }>): Promise<number>;
}

export interface JetStreamContext {
  readonly streams: StreamRegistry;
  readonly serverName: string;
  /** The nats-server version Wharf advertises (docs/jetstream.md 1.19) and its JetStream API level. */
  readonly version: string;
  readonly apiLevel: number;
  /** Refuse unknown fields in requests (nats-server's strict mode, the default). */
  readonly strict: boolean;
  /** What stream creates are checked against: the account's limits within the server's. */
  readonly limits: AccountLimits;
  /** The NATS account this API serves ($G without accounts). */
  readonly account: string;
  /** The account's JetStream limits as $JS.API.INFO and /jsz report them. */
  readonly accountLimits: JetStreamAccountLimits;
  /** The server-wide limits (jetstream.max_memory_store / max_file_store), for /jsz config. */
  readonly serverLimits: AccountLimits;
  /** Server limits of consumers: the largest max_ack_pending (0: none). */
  readonly maxAckPending: number;
  readonly domain: string | undefined;
  /** Where the data lives (the broker's storage location), for /jsz config.store_dir. */
  readonly storeDir: string;
  stats(): ApiStats;
  consumers: ConsumerCounts;
}

/**
 * Decodes a request body into `schema`; on a Go decoding error answers 10025 (with `extra`
 * fields of the response type) and returns null.
 */
export function decodeOrReply(ctx: JetStreamContext, req: ApiRequest, reply: ApiReply, schema: GoStruct, extra?: { [key: string]: GoJson | undefined }): Decoded | null {
  const r = decodeGo(req.data, schema, { strict: ctx.strict });
  if (r.ok) return r.value;
  reply.error(jsError('JSInvalidJSONErr', { err: r.error }), extra);
  return null;
}

/** nats-server's isEmptyRequest: no body, or an empty JSON object. */
export function isEmptyRequest(data: Buffer): boolean {
  const s = data.toString('utf8').trim();
  return s.length === 0 || s === '{}';
}

/** Whether a body is a JSON object or array (nats-server parses paged requests only then). */
export function isJsonObjectOrArray(data: Buffer): boolean {
  const s = data.toString('utf8').trim();
  return s.startsWith('{') || s.startsWith('[');
}
