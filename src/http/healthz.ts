// /healthz: the liveness probe of nats-server ({"status":"ok"}, compact JSON). Its JetStream
// options are accepted and validated like booleans, so probes written for nats-server work.
import { queryBool } from './query.js';
import { jsonResponse, type EndpointHandler, type MonitorContext } from './server.js';

export interface HealthStatus {
  status: 'ok' | 'unavailable';
  error?: string;
}

const BOOLEAN_PARAMS = ['js-enabled', 'js-enabled-only', 'js-server-only', 'js-meta-only', 'details'] as const;

export function healthzEndpoint(_ctx: MonitorContext): EndpointHandler {
  return (query) => {
    for (const name of BOOLEAN_PARAMS) queryBool(query, name);
    const health: HealthStatus = { status: 'ok' };
    return jsonResponse(health, true);
  };
}
