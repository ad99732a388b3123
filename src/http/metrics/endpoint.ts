// GET /metrics: the Prometheus text exposition of the broker's registry (registry.ts).
import type { EndpointHandler } from '../server.js';
import type { BrokerMetrics } from './registry.js';

export function metricsEndpoint(metrics: BrokerMetrics): EndpointHandler {
  return async () => ({ status: 200, contentType: metrics.contentType, body: await metrics.scrape() });
}
