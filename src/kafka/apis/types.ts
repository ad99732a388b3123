// The contract between the connection and the API handlers (one file per API in this folder):
// a handler is typed by its API key, so its request and response types are the generated
// codec's for that key, and a request reaches it with its context: the listener's services,
// the connection, and the authorization hook bound to the connection's principal.
import type { DynamicBrokerConfigs } from '../../core/config/dynamic-broker-configs.js';
import type { Coordinators } from '../../core/coordinators/index.js';
import type { Log } from '../../core/log/index.js';
import type { AclOperation, AclPrincipal, AclResource } from '../../core/security/authorizer.js';
import type { KafkaOptions } from '../../config.js';
import type { Logger, LoggerLevels } from '../../log.js';
import type { ClusterIdentity, ProducerStateHook } from '../context.js';
import type { FetchSessionCache } from '../fetch-session.js';
import type { ShareSessionCache } from '../share-session.js';
import type { ClientTelemetry } from '../client-telemetry.js';
import type { RequestHeader } from '../protocol/header.js';
import type { ApiKey, RequestByKey, ResponseByKey } from '../protocol/messages/index.js';
import type { SaslAuthentication } from '../sasl.js';
import type { SecurityStore } from '../../core/security/security-store.js';
import type { ReadBuffers } from '../../util/buffer-pool.js';

/** What a handler may use of the connection its request came in on. */
export interface ConnectionScope {
  readonly id: number;
  readonly remoteAddress: string;
  /** Aborted when the connection closes: long polls end early. */
  readonly signal: AbortSignal;
  /**
   * Calls `fn` once when the connection closes (right after `signal` aborts), unless
   * unwatchClose removed it first: what a Fetch long poll waits on, since a listener on `signal`
   * costs an EventTarget registration per wait. Returns false, registering nothing, when the
   * connection is already closing.
   */
  watchClose(fn: () => void): boolean;
  unwatchClose(fn: () => void): void;
  /**
   * Keeps appends of pipelined Produce requests in request order: call before the first
   * append of a request, await `ready` (null when there is nothing to wait for), call `done()`
   * once every append of the request has been issued.
   */
  produceTurn(): { ready: Promise<void> | null; done: () => void };
}

export interface RequestContext {
  readonly log: Log;
  readonly coordinators: Coordinators;
  readonly options: KafkaOptions;
  readonly logger: Logger;
  readonly cluster: ClusterIdentity;
  readonly producerState: ProducerStateHook;
  /** The listener's incremental fetch sessions (KIP-227). */
  readonly fetchSessions: FetchSessionCache;
  /** The listener's share sessions (KIP-932). */
  readonly shareSessions: ShareSessionCache;
  /** The listener's client telemetry instances (KIP-714). */
  readonly telemetry: ClientTelemetry;
  readonly conn: ConnectionScope;
  readonly header: RequestHeader;
  /** Who sent the request (User:ANONYMOUS until the listener authenticates). */
  readonly principal: AclPrincipal;
  /** The connection's SASL authentication on a SASL listener; null on the others. */
  readonly sasl: SaslAuthentication | null;
  /** SCRAM credentials and ACL bindings, durable (the security administration APIs). */
  readonly security: SecurityStore;
  /** Dynamic broker configs (AlterConfigs/IncrementalAlterConfigs/DescribeConfigs on the BROKER resource). */
  readonly brokerConfigs: DynamicBrokerConfigs;
  /** The broker's named loggers and their levels (DescribeConfigs/IncrementalAlterConfigs on BROKER_LOGGER). */
  readonly loggerLevels: LoggerLevels;
  /**
   * May the request's principal do `operation` on `resource`? Every handler asks before it
   * touches a topic, group, transactional id or the cluster, with the operation Apache Kafka
   * checks for its API, and answers Kafka's authorization error when the answer is no.
   * A denial is logged (one warning per request and resource) unless `logIfDenied` is false:
   * pass false where a no only filters what the response lists or is a probe before a
   * narrower check (Kafka's logIfDenied=false), so that only refusals are logged.
   */
  authorize(operation: AclOperation, resource: AclResource, logIfDenied?: boolean): boolean;
  /**
   * Fetch only: records the record bytes the answer would carry (and the time so far) against
   * the client quotas and answers the throttle time in ms, 0 when none applies. A throttled
   * Fetch is answered empty with that throttle time, as Kafka answers it, and its fetch session
   * is left as it was.
   */
  fetchQuota(recordBytes: number): number;
  /**
   * Buffers for this request's storage reads, lent from the listener's pool until the socket
   * has written the response (or the response is dropped). What is read into them must reach
   * the client only through this request's response: nothing may keep a reference past it.
   */
  readBuffers(): ReadBuffers;
  /**
   * Closes the connection once the responses before this request are written (acks=0 errors).
   * The close is logged at `level` (warn): 'debug' when the handler has logged the cause itself,
   * so that one refusal is one warning.
   */
  closeAfter(reason: string, level?: 'warn' | 'debug'): void;
}

/** A response body, or null for no response at all (Produce with acks=0). */
export type HandlerResult<Res> = Res | null;

export interface ApiHandler<K extends ApiKey> {
  readonly key: K;
  /** Versions accepted; others close the connection. */
  readonly minVersion: number;
  readonly maxVersion: number;
  /**
   * Lowest version ApiVersions lists, when it is below minVersion (Produce: Kafka 4 lists v0
   * for old librdkafka clients but refuses v0-2 requests).
   */
  readonly advertisedMinVersion?: number;
  /**
   * False for an API that is served but not listed by ApiVersions, as Kafka serves the
   * telemetry APIs without listing them when no metrics plugin is configured.
   */
  readonly advertised?: boolean;
  /**
   * Runs alone on its connection: waits for the requests before it to finish and holds the
   * ones after it (topic and config administration, so that a pipelined Produce sees the topic).
   */
  readonly exclusive?: boolean;
  handle(ctx: RequestContext, req: RequestByKey[K]): HandlerResult<ResponseByKey[K]> | Promise<HandlerResult<ResponseByKey[K]>>;
}

/** Declares the handler of API `key`: its request and response are typed by the key. */
export function defineHandler<K extends ApiKey>(key: K, handler: Omit<ApiHandler<K>, 'key'>): ApiHandler<K> {
  return { key, ...handler };
}
