// The monitoring HTTP server: nats-server's monitoring endpoints (/varz, /connz, /subsz,
// /healthz, /jsz, /accountz, /accstatz) on node:http, with their paths, query parameters, JSON
// and error answers, so that the tools written for nats-server (the nats CLI's server commands,
// prometheus-nats-exporter, dashboards) read Wharf unchanged; beside them Prometheus /metrics
// and the web console (/console/: its assets and its JSON API). Endpoints may answer
// asynchronously: they see the broker's core services (the log, the coordinators, the streams)
// as well as the front-ends' connection registries and counters.
// It listens on loopback unless opened on purpose, may serve HTTPS, and, when the NATS port
// requires credentials, requires the same ones (basic auth, or a bearer token), checked by the
// NATS port's own authenticator; /healthz stays open for liveness probes. The console has its
// own login (console/login.ts: NATS and Kafka SASL users, a form and a session cookie) and
// checks every request against the broker's authorizer (console/access.ts).
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { ReloadableTls } from '../core/security/tls.js';
import type { ConnectOptions } from '../nats/connect.js';
import type { HttpOptions } from '../config.js';
import type { Logger } from '../log.js';
import type { Router } from '../core/routing/router.js';
import type { Log } from '../core/log/index.js';
import type { Coordinators } from '../core/coordinators/index.js';
import type { NatsServer } from '../nats/server.js';
import type { KafkaStats } from '../kafka/stats.js';
import type { KafkaAddress } from './urls.js';
import { BadRequest } from './query.js';
import { connzEndpoint } from './connz.js';
import { healthzEndpoint } from './healthz.js';
import { jszEndpoint } from './jsz.js';
import type { JetStreamService } from '../jetstream/service.js';
import { rootEndpoint } from './root.js';
import { subszEndpoint } from './subsz.js';
import { varzEndpoint } from './varz.js';
import { accountzEndpoint, accstatzEndpoint } from './accountz.js';
import { metricsEndpoint } from './metrics/endpoint.js';
import type { BrokerMetrics } from './metrics/registry.js';
import { consoleEndpoint, LOGIN_REQUIRED } from './console/router.js';
import type { ConsoleAuthenticator } from './console/auth.js';
import type { KafkaLogins } from './console/login.js';
import type { Authorizer } from '../core/security/authorizer.js';

/** What the monitor reads of the Kafka listener: its address, live connections and counters. */
export interface KafkaListenerView {
  readonly port: number;
  readonly connectionCount: number;
  readonly addresses: readonly KafkaAddress[];
  readonly stats: KafkaStats;
  /** The authorization decision point in force (the console asks it); allow-all when absent. */
  readonly authorizer?: Authorizer;
  /** The SASL users the console's login accepts. */
  readonly options?: KafkaLogins['options'];
  /** The stored SCRAM credentials the console's login checks passwords against. */
  readonly security?: KafkaLogins['security'];
}

export interface MonitorDeps {
  /** The monitor's own listener options. */
  options: HttpOptions;
  nats: NatsServer;
  router: Router;
  /** The partitioned log: topics, partitions, offsets. */
  log: Log;
  /** Groups, producer state and transactions, when the broker runs them (with the Kafka listener). */
  coordinators: Coordinators | null;
  /** Streams and the $JS.API when the broker serves JetStream (/jsz), else null. */
  jetstream?: JetStreamService | null;
  /** Whether the options ask for JetStream (/healthz?js-enabled-only=true checks it runs). */
  jetstreamConfigured?: boolean;
  /** The Kafka listener, or null when it is disabled. */
  kafka?: KafkaListenerView | null;
  /** The broker's Prometheus registry (/metrics); null serves no /metrics. */
  metrics?: BrokerMetrics | null;
  /** Who uses the console's API; by default the broker's login (console/login.ts). */
  consoleAuth?: ConsoleAuthenticator;
  /** Wharf's version (the console's overview). */
  version?: string;
  /** The interface the Kafka listener binds to (the overview's listeners). */
  kafkaHost?: string;
  /** The storage engine and durability policy in force (the overview's storage). */
  storageEngine?: string;
  fsyncPolicy?: string;
  logger: Logger;
  /** When the broker started: /varz start and uptime. */
  startedAt: Date;
  /** When the configuration was last loaded (start or SIGHUP): /varz config_load_time. */
  configLoadedAt?: () => Date;
}

/** What the endpoints see: the broker's parts plus the monitor's own state. */
export interface MonitorContext extends MonitorDeps {
  /** The port the monitor listens on (the chosen one when options.port is 0). */
  readonly httpPort: number;
  /** Requests per endpoint path, as /varz http_req_stats reports them. */
  readonly httpReqStats: Map<string, number>;
}

export interface MonitorResponse {
  status: number;
  contentType: string;
  body: string | Buffer;
  /** Further response headers (caching, ETag, Location). */
  headers?: Record<string, string>;
}

/** One request as the endpoints see it: the path below the route, the method, the body read whole. */
export interface MonitorRequest {
  readonly method: string;
  /** The whole path, without the query. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The body (empty for GET and HEAD); at most MAX_BODY_BYTES. */
  readonly body: Buffer;
  /** The underlying request (the console's authenticate step reads it). */
  readonly raw: IncomingMessage;
}

/** Answers one request, now or later; a BadRequest thrown (or rejected) here becomes a 400 with its message. */
export type EndpointHandler = (query: URLSearchParams, req: MonitorRequest) => MonitorResponse | Promise<MonitorResponse>;

/** Largest request body the monitor reads (a produced message with its headers fits). */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface Monitor {
  readonly port: number;
  /** Re-reads the HTTPS certificate (SIGHUP); a no-op without HTTPS. */
  reloadTls(): void;
  close(): Promise<void>;
}

/** A JSON answer as nats-server writes it (indented unless `compact`). */
export function jsonResponse(value: unknown, compact = false, status = 200): MonitorResponse {
  return { status, contentType: 'application/json', body: compact ? JSON.stringify(value) : JSON.stringify(value, null, 2) };
}

const TEXT = 'text/plain; charset=utf-8';
const EMPTY_BODY = Buffer.alloc(0);

class BodyTooLarge extends Error {
  override name = 'BodyTooLarge';
}

/** Reads a request body whole, refusing more than MAX_BODY_BYTES. */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge(`request body larger than ${MAX_BODY_BYTES} bytes\n`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
const NOT_FOUND: MonitorResponse = { status: 404, contentType: TEXT, body: '404 page not found\n' };
const UNAUTHORIZED: MonitorResponse = { status: 401, contentType: TEXT, body: '401 unauthorized\n' };
/** Paths served without credentials: a liveness probe learns nothing else. */
const OPEN_PATHS = new Set(['/healthz']);

/** The credentials of an Authorization header, as a NATS CONNECT would carry them; null when there are none. */
function credentialsOf(header: string | undefined): ConnectOptions | null {
  if (header === undefined) return null;
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (basic !== null) {
    const text = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon < 0) return null;
    return { user: text.slice(0, colon), pass: text.slice(colon + 1) };
  }
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return bearer !== null ? { auth_token: bearer[1]! } : null;
}

export async function startMonitor(deps: MonitorDeps): Promise<Monitor> {
  const httpReqStats = new Map<string, number>();
  const ctx: { -readonly [K in keyof MonitorContext]: MonitorContext[K] } = { ...deps, httpPort: deps.options.port, httpReqStats };
  // Path → [the key it is counted under in http_req_stats, handler]. Exact paths only, as in
  // nats-server: "/varz/" is a 404.
  const subsz = subszEndpoint(ctx);
  const routes = new Map<string, [string, EndpointHandler]>([
    ['/', ['/', rootEndpoint(ctx)]],
    ['/varz', ['/varz', varzEndpoint(ctx)]],
    ['/connz', ['/connz', connzEndpoint(ctx)]],
    ['/subsz', ['/subsz', subsz]],
    ['/subscriptionsz', ['/subsz', subsz]],
    ['/healthz', ['/healthz', healthzEndpoint(ctx)]],
    ['/jsz', ['/jsz', jszEndpoint({ jetstream: deps.jetstream ?? null, serverId: () => deps.nats.serverId })]],
    ['/accountz', ['/accountz', accountzEndpoint(ctx)]],
    ['/accstatz', ['/accstatz', accstatzEndpoint(ctx)]],
  ]);
  if (deps.metrics) routes.set('/metrics', ['/metrics', metricsEndpoint(deps.metrics)]);
  // The console: "/console" and everything below it (assets, and its API under /console/api/).
  const consoleHandler = consoleEndpoint(ctx, deps.consoleAuth);
  const isConsole = (pathname: string): boolean => pathname === '/console' || pathname.startsWith('/console/');

  /** Whether the request carries credentials the NATS port would accept (always, when it requires none). */
  const authorized = async (req: IncomingMessage, pathname: string): Promise<boolean> => {
    // Read on every request: a config reload (SIGHUP) may have replaced the NATS credentials.
    const authenticator = deps.options.auth ? deps.nats.authenticator : null;
    // The console logs its users in itself (NATS and Kafka users, a session cookie).
    if (authenticator === null || OPEN_PATHS.has(pathname) || isConsole(pathname)) return true;
    const creds = credentialsOf(req.headers.authorization);
    if (creds === null) return false;
    return (await authenticator.check(creds)) !== null;
  };

  const answer = async (req: IncomingMessage): Promise<MonitorResponse> => {
    try {
      const raw = req.url ?? '/';
      const q = raw.indexOf('?');
      const pathname = q < 0 ? raw : raw.slice(0, q);
      const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
      if (!(await authorized(req, pathname))) {
        deps.logger.warn({ remote: req.socket.remoteAddress, path: pathname }, 'monitoring request without valid credentials refused');
        return UNAUTHORIZED;
      }
      let route = routes.get(pathname);
      if (route === undefined && isConsole(pathname)) route = ['/console', consoleHandler];
      if (route === undefined) return NOT_FOUND;
      const [statKey, handler] = route;
      httpReqStats.set(statKey, (httpReqStats.get(statKey) ?? 0) + 1);
      const method = req.method ?? 'GET';
      // A console API request without a login is answered before its body is read.
      if (statKey === '/console' && method !== 'GET' && method !== 'HEAD' && !(await consoleHandler.admits(req, pathname))) return LOGIN_REQUIRED;
      const body = method === 'GET' || method === 'HEAD' ? EMPTY_BODY : await readBody(req);
      return await handler(query, { method, path: pathname, headers: req.headers, body, raw: req });
    } catch (err) {
      if (err instanceof BadRequest) return { status: 400, contentType: TEXT, body: err.message };
      if (err instanceof BodyTooLarge) return { status: 413, contentType: TEXT, body: err.message };
      deps.logger.error({ err, url: req.url }, 'monitoring request failed');
      return { status: 500, contentType: TEXT, body: 'internal error\n' };
    }
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    void answer(req).then((response) => {
      if (res.destroyed) return;
      const body = typeof response.body === 'string' ? Buffer.from(response.body) : response.body;
      res.writeHead(response.status, {
        'Content-Type': response.contentType,
        'Content-Length': body.length,
        ...(response.contentType === 'application/json' ? { 'Access-Control-Allow-Origin': '*' } : {}),
        ...(response === UNAUTHORIZED ? { 'WWW-Authenticate': 'Basic realm="wharf"' } : {}),
        ...response.headers,
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  };

  const o = deps.options;
  const natsOpts = deps.nats.options;
  const tls = o.tls
    ? new ReloadableTls(
        o.tlsCert !== undefined
          ? { certFile: o.tlsCert, ...(o.tlsKey !== undefined ? { keyFile: o.tlsKey } : {}), minVersion: 'TLSv1.2' }
          : { certFile: natsOpts.tlsCert!, ...(natsOpts.tlsKey !== undefined ? { keyFile: natsOpts.tlsKey } : {}), minVersion: natsOpts.tlsMinVersion },
      )
    : null;
  let server: Server;
  if (tls !== null) {
    const https = createHttpsServer(tls.options, handle);
    tls.onReload((options) => https.setSecureContext(options));
    server = https;
  } else {
    server = createServer(handle);
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: deps.options.host, port: deps.options.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => deps.logger.error({ err }, 'monitoring listener error'));
  const addr = server.address();
  ctx.httpPort = typeof addr === 'object' && addr !== null ? addr.port : deps.options.port;
  deps.logger.info({ host: deps.options.host, port: ctx.httpPort }, 'listening for monitoring requests');

  let closing: Promise<void> | undefined;
  return {
    port: ctx.httpPort,
    reloadTls: () => tls?.reload(),
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections of monitoring clients would otherwise hold close() open.
        server.closeAllConnections();
      })),
  };
}
