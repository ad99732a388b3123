// The monitoring HTTP server: nats-server's monitoring endpoints (/varz, /connz, /subsz,
// /healthz) on node:http, with their paths, query parameters, JSON and error answers, so that
// the tools written for nats-server (the nats CLI's server commands, prometheus-nats-exporter,
// dashboards) read Wharf unchanged. Endpoints may answer asynchronously: they see the broker's
// core services (the log, the coordinators) as well as the NATS front-end, so that endpoints
// about topics, groups and streams (metrics, the console, /jsz) sit beside these.
// It listens on loopback unless opened on purpose, may serve HTTPS, and, when the NATS port
// requires credentials, requires the same ones (basic auth, or a bearer token), checked by the
// NATS port's own authenticator; /healthz stays open for liveness probes.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { ReloadableTls } from '../core/security/tls.js';
import type { ConnectOptions } from '../nats/connect.js';
import type { HttpOptions } from '../config.js';
import type { Logger } from '../log.js';
import type { Router } from '../core/routing/router.js';
import type { Log } from '../core/log/index.js';
import type { Coordinators } from '../core/coordinators/index.js';
import type { NatsServer } from '../nats/server.js';
import { BadRequest } from './query.js';
import { connzEndpoint } from './connz.js';
import { healthzEndpoint } from './healthz.js';
import { jszEndpoint } from './jsz.js';
import type { JetStreamService } from '../jetstream/service.js';
import { rootEndpoint } from './root.js';
import { subszEndpoint } from './subsz.js';
import { varzEndpoint } from './varz.js';

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
  logger: Logger;
  /** When the broker started: /varz start and uptime. */
  startedAt: Date;
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
  body: string;
}

/** Answers one request, now or later; a BadRequest thrown (or rejected) here becomes a 400 with its message. */
export type EndpointHandler = (query: URLSearchParams) => MonitorResponse | Promise<MonitorResponse>;

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
  ]);

  const authenticator = deps.options.auth ? deps.nats.authenticator : null;
  /** Whether the request carries credentials the NATS port would accept (always, when it requires none). */
  const authorized = async (req: IncomingMessage, pathname: string): Promise<boolean> => {
    if (authenticator === null || OPEN_PATHS.has(pathname)) return true;
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
      const route = routes.get(pathname);
      if (route === undefined) return NOT_FOUND;
      const [statKey, handler] = route;
      httpReqStats.set(statKey, (httpReqStats.get(statKey) ?? 0) + 1);
      return await handler(query);
    } catch (err) {
      if (err instanceof BadRequest) return { status: 400, contentType: TEXT, body: err.message };
      deps.logger.error({ err, url: req.url }, 'monitoring request failed');
      return { status: 500, contentType: TEXT, body: 'internal error\n' };
    }
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    void answer(req).then((response) => {
      if (res.destroyed) return;
      const body = Buffer.from(response.body);
      res.writeHead(response.status, {
        'Content-Type': response.contentType,
        'Content-Length': body.length,
        ...(response.contentType === 'application/json' ? { 'Access-Control-Allow-Origin': '*' } : {}),
        ...(response === UNAUTHORIZED ? { 'WWW-Authenticate': 'Basic realm="wharf"' } : {}),
      });
      res.end(body);
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
