// /healthz: the liveness probe of nats-server ({"status":"ok"}, compact JSON). Its JetStream
// options are accepted and validated like booleans, so probes written for nats-server work.
// js-enabled-only=true asks only whether JetStream is enabled and running: as in nats-server,
// a broker with JetStream switched off is healthy, and one configured with JetStream whose
// service is not there answers 503 "JetStream not enabled" (the container health check
// and load balancers read the status code).
import { queryBool } from './query.js';
import { jsonResponse, type EndpointHandler, type MonitorContext } from './server.js';

export interface HealthStatus {
  status: 'ok' | 'unavailable';
  error?: string;
}

const BOOLEAN_PARAMS = ['js-enabled', 'js-enabled-only', 'js-server-only', 'js-meta-only', 'details'] as const;

export function healthzEndpoint(ctx: MonitorContext): EndpointHandler {
  return (query) => {
    const values = new Map(BOOLEAN_PARAMS.map((name) => [name, queryBool(query, name)]));
    const jsWanted = values.get('js-enabled-only') === true || values.get('js-enabled') === true;
    if (jsWanted && ctx.jetstreamConfigured === true && ctx.jetstream == null && ctx.jetstreamAccounts == null) {
      return jsonResponse({ status: 'unavailable', error: 'JetStream not enabled' } satisfies HealthStatus, true, 503);
    }
    const health: HealthStatus = { status: 'ok' };
    return jsonResponse(health, true);
  };
}
