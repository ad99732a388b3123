// The $JS.API of an account without JetStream: every API request is answered with nats-server's
// 10039 "JetStream not enabled for account", in the response type of the route it names (as each
// of nats-server's API handlers answers it). Direct gets and pull requests have no receiver at
// all there (nats-server subscribes them per stream and per consumer): no-responders.
import type { ApiRoute } from '../api-table.js';
import { jsError } from '../errors.js';

/** The routes of an account without JetStream, with the patterns and response types of `routes`. */
export function disabledRoutes(routes: Iterable<ApiRoute>): ApiRoute[] {
  const out: ApiRoute[] = [];
  for (const r of routes) {
    if (r.concurrent === true) {
      out.push({ pattern: r.pattern, type: r.type, concurrent: true, accepts: () => false, handle: () => {} });
      continue;
    }
    const extra = r.errorFields;
    out.push({
      pattern: r.pattern,
      type: r.type,
      handle(_req, reply) {
        reply.error(jsError('JSNotEnabledForAccountErr'), extra);
      },
    });
  }
  return out;
}
