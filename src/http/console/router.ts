// /console and everything below it: the API under /console/api/ (the login routes; then the
// authenticate step, the route table of this folder's handlers, each checking the user's
// rights with access.ts; answers and errors as JSON) and the app's assets, which are public
// (the app shows its login form when the API answers 401).
// The JetStream page's API sits here like the others (jetstream.ts): a page slots in by
// adding its routes to the table and its component to the app.
import { BadRequest } from '../query.js';
import type { IncomingMessage } from 'node:http';
import type { EndpointHandler, MonitorContext, MonitorRequest, MonitorResponse } from '../server.js';
import { assetHandler } from './assets.js';
import { allowAll, type Authorizer } from '../../core/security/authorizer.js';
import { principalText } from '../../core/security/acl-principal.js';
import { ConsoleAccess } from './access.js';
import type { ConsoleAuthenticator, ConsoleUser } from './auth.js';
import { ConsoleLogin } from './login.js';
import type { SessionInfo } from './types.js';
import { groupRoutes } from './groups.js';
import { ApiError, bodyObject, compileRoutes, json, type ApiRoute } from './http.js';
import { jetStreamRoutes } from './jetstream.js';
import { messageRoutes } from './messages.js';
import { crossSiteRefusal } from './origin.js';
import { natsRoutes } from './nats.js';
import { overviewHandler } from './overview.js';
import { topicRoutes } from './topics.js';
import { transactionRoutes } from './transactions.js';

export const API_PREFIX = '/console/api';

export function consoleRoutes(ctx: MonitorContext): ApiRoute[] {
  const deps = { log: ctx.log, jetstream: ctx.jetstream ?? null, coordinators: ctx.coordinators };
  const overview = overviewHandler(ctx);
  return [
    { method: 'GET', path: '/overview', handle: () => overview() },
    ...topicRoutes(deps),
    ...messageRoutes(deps),
    ...groupRoutes(deps),
    ...natsRoutes(ctx),
    ...transactionRoutes(ctx.coordinators),
    ...jetStreamRoutes(deps.jetstream),
  ];
}

/** The authorizer in force now (the Kafka listener's: it may be replaced at run time), allow-all without one. */
function authorizerOf(ctx: MonitorContext): Authorizer {
  return ctx.kafka?.authorizer ?? allowAll;
}

/** The broker's login, from the monitor's options, the NATS authenticator and the Kafka listener. */
export function brokerLogin(ctx: MonitorContext): ConsoleLogin {
  return new ConsoleLogin({
    authEnabled: ctx.options.auth,
    https: ctx.options.tls,
    nats: () => ctx.nats.authenticator,
    kafka: () => {
      const k = ctx.kafka;
      return k?.options !== undefined && k.security !== undefined ? { options: k.options, security: k.security } : null;
    },
  });
}

function sessionInfo(ctx: MonitorContext, login: ConsoleLogin, user: ConsoleUser | null, host: string): SessionInfo {
  const authorizer = authorizerOf(ctx);
  return {
    loginRequired: login.loginRequired(),
    user: user === null ? null : { name: user.name, principal: principalText(user.principal), account: user.account, source: user.source },
    rights: user === null ? null : new ConsoleAccess(user, host, authorizer).rights(),
    acls: authorizer !== allowAll,
  };
}

/**
 * The console's handler. `authenticate` replaces the broker's login (tests); the login routes
 * (/session, /login, /logout) are the broker login's and pass no authenticate step.
 */
export interface ConsoleEndpoint extends EndpointHandler {
  /**
   * Whether a request may go on to have its body read: false for an API request (other than
   * the login routes) without a user, which the monitor then answers with 401 unread, so that
   * no one without a login makes the broker buffer a large body.
   */
  admits(raw: IncomingMessage, path: string): Promise<boolean>;
}

/** The 401 of an API request without a user. */
export const LOGIN_REQUIRED = json({ error: 'login required' }, 401);

const LOGIN_ROUTES = new Set([`${API_PREFIX}/session`, `${API_PREFIX}/login`, `${API_PREFIX}/logout`]);

export function consoleEndpoint(ctx: MonitorContext, authenticate?: ConsoleAuthenticator): ConsoleEndpoint {
  const routes = compileRoutes(consoleRoutes(ctx));
  const assets = assetHandler();
  const login = brokerLogin(ctx);
  const identify: ConsoleAuthenticator = authenticate ?? ((req) => login.identify(req));
  const admits = async (raw: IncomingMessage, path: string): Promise<boolean> => {
    if (path !== API_PREFIX && !path.startsWith(`${API_PREFIX}/`)) return true;
    return LOGIN_ROUTES.has(path) || (await identify(raw)) !== null;
  };
  const handler = async (query: URLSearchParams, req: MonitorRequest): Promise<MonitorResponse> => {
    if (req.path === '/console') return { status: 301, contentType: 'text/plain; charset=utf-8', body: 'Moved\n', headers: { Location: '/console/' } };
    if (req.path !== API_PREFIX && !req.path.startsWith(`${API_PREFIX}/`)) return assets(req);
    const sub = req.path.slice(API_PREFIX.length);
    const host = req.raw.socket.remoteAddress ?? '';
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const refusal = crossSiteRefusal(req.method, req.headers);
      if (refusal !== null) return json({ error: refusal }, 403);
    }
    if (sub === '/session' && req.method === 'GET') return json(sessionInfo(ctx, login, await identify(req.raw), host));
    if (sub === '/login' && req.method === 'POST') {
      let o: Record<string, unknown>;
      try {
        o = bodyObject(req);
      } catch (e) {
        return json({ error: (e as Error).message }, 400);
      }
      const user = typeof o['user'] === 'string' ? o['user'] : '';
      const password = typeof o['password'] === 'string' ? o['password'] : '';
      const opened = await login.login(user, password);
      if (opened === null) {
        ctx.logger.warn({ remote: host, user }, 'console login refused');
        return json({ error: 'wrong user name or password' }, 401);
      }
      ctx.logger.info({ remote: host, user: opened.user.name, principal: principalText(opened.user.principal) }, 'console login');
      const answer = json(sessionInfo(ctx, login, opened.user, host));
      return { ...answer, headers: { ...answer.headers, 'Set-Cookie': opened.cookie } };
    }
    if (sub === '/logout' && req.method === 'POST') {
      const answer = json({ loggedOut: true });
      return { ...answer, headers: { ...answer.headers, 'Set-Cookie': login.logout(req.raw) } };
    }
    const user = await identify(req.raw);
    if (user === null) return LOGIN_REQUIRED;
    let pathMatched = false;
    for (const r of routes) {
      const m = r.pattern.exec(sub);
      if (m === null) continue;
      pathMatched = true;
      if (r.method !== req.method) continue;
      const params: Record<string, string> = {};
      try {
        r.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1]!)));
        return json(await r.handle({ params, query, req, access: new ConsoleAccess(user, host, authorizerOf(ctx)) }));
      } catch (e) {
        if (e instanceof ApiError) {
          if (e.status === 403) ctx.logger.info({ remote: host, principal: principalText(user.principal), method: req.method, path: req.path, reason: e.message }, 'console request denied');
          return json({ error: e.message }, e.status);
        }
        if (e instanceof BadRequest) return json({ error: e.message }, 400);
        ctx.logger.error({ err: e, path: req.path, method: req.method }, 'console API request failed');
        return json({ error: 'internal error' }, 500);
      }
    }
    return json({ error: pathMatched ? `${req.method} is not allowed here` : `no API ${sub}` }, pathMatched ? 405 : 404);
  };
  return Object.assign(handler, { admits });
}
