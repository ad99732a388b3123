// /console and everything below it: the API under /console/api/ (authenticate step, then the
// route table of this folder's handlers; answers and errors as JSON) and the app's assets.
// The JetStream page's API sits here like the others (jetstream.ts): a page slots in by
// adding its routes to the table and its component to the app.
import { BadRequest } from '../query.js';
import type { EndpointHandler, MonitorContext, MonitorResponse } from '../server.js';
import { assetHandler } from './assets.js';
import type { ConsoleAuthenticator } from './auth.js';
import { groupRoutes } from './groups.js';
import { ApiError, compileRoutes, json, type ApiRoute } from './http.js';
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

export function consoleEndpoint(ctx: MonitorContext, authenticate: ConsoleAuthenticator): EndpointHandler {
  const routes = compileRoutes(consoleRoutes(ctx));
  const assets = assetHandler();
  return async (query, req): Promise<MonitorResponse> => {
    if (req.path === '/console') return { status: 301, contentType: 'text/plain; charset=utf-8', body: 'Moved\n', headers: { Location: '/console/' } };
    if (req.path !== API_PREFIX && !req.path.startsWith(`${API_PREFIX}/`)) return assets(req);
    const user = await authenticate(req.raw);
    if (user === null) return json({ error: 'login required' }, 401);
    const sub = req.path.slice(API_PREFIX.length);
    let pathMatched = false;
    for (const r of routes) {
      const m = r.pattern.exec(sub);
      if (m === null) continue;
      pathMatched = true;
      if (r.method !== req.method) continue;
      if (r.method !== 'GET') {
        const refusal = crossSiteRefusal(req.method, req.headers);
        if (refusal !== null) return json({ error: refusal }, 403);
      }
      if (r.write === true && !user.canWrite) return json({ error: `${user.name} may not change the broker` }, 403);
      const params: Record<string, string> = {};
      try {
        r.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1]!)));
        return json(await r.handle({ params, query, req, user }));
      } catch (e) {
        if (e instanceof ApiError) return json({ error: e.message }, e.status);
        if (e instanceof BadRequest) return json({ error: e.message }, 400);
        ctx.logger.error({ err: e, path: req.path, method: req.method }, 'console API request failed');
        return json({ error: 'internal error' }, 500);
      }
    }
    return json({ error: pathMatched ? `${req.method} is not allowed here` : `no API ${sub}` }, pathMatched ? 405 : 404);
  };
}
