// ListConfigResources (74, KIP-1142; v0 was ListClientMetricsResources): the resources that have
// configs, by type. v0 lists client metrics subscriptions only; v1 lists the types asked for, or
// every type when none is named: the broker (its id), the topics (internal ones too), and no
// client metrics subscriptions or group configs (Wharf has neither), and the broker's loggers
// (BROKER_LOGGER, named by the broker's id as Kafka 4.4 lists it: broker-loggers.ts).
// A type that has no configs in Kafka is UNSUPPORTED_VERSION, as Kafka answers.
// Authorization, as Kafka: DESCRIBE_CONFIGS on the cluster, else CLUSTER_AUTHORIZATION_FAILED;
// topics the principal may not DESCRIBE_CONFIGS are left out.
import { ApiKey, type ListConfigResourcesResponse } from '../protocol/messages/index.js';
import type { ListConfigResourcesResponseConfigResource } from '../protocol/messages/list-config-resources.js';
import { CLUSTER, topicResource } from '../authorization.js';
import { ErrorCode } from '../errors.js';
import { defineHandler } from './types.js';

/** Kafka's ConfigResource.Type codes that have configs. */
const TOPIC = 2;
const BROKER = 4;
const BROKER_LOGGER = 8;
const CLIENT_METRICS = 16;
const GROUP = 32;
const CONFIG_TYPES = new Set([TOPIC, BROKER, BROKER_LOGGER, CLIENT_METRICS, GROUP]);

export const listConfigResources = defineHandler(ApiKey.ListConfigResources, {
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, req): ListConfigResourcesResponse {
    const respond = (errorCode: number, configResources: ListConfigResourcesResponseConfigResource[] = []): ListConfigResourcesResponse => ({ throttleTimeMs: 0, errorCode, configResources });
    if (!ctx.authorize('DESCRIBE_CONFIGS', CLUSTER)) return respond(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    // v0: client metrics subscriptions only, of which there are none.
    if (ctx.header.apiVersion === 0) return respond(ErrorCode.NONE);
    const asked = req.resourceTypes ?? [];
    if (asked.some((t) => !CONFIG_TYPES.has(t))) return respond(ErrorCode.UNSUPPORTED_VERSION);
    const wants = (type: number): boolean => asked.length === 0 || asked.includes(type);
    const out: ListConfigResourcesResponseConfigResource[] = [];
    if (wants(BROKER)) out.push({ resourceName: String(ctx.cluster.nodeId), resourceType: BROKER });
    if (wants(BROKER_LOGGER)) out.push({ resourceName: String(ctx.cluster.nodeId), resourceType: BROKER_LOGGER });
    if (wants(TOPIC)) {
      for (const t of ctx.log.listTopics()) if (ctx.authorize('DESCRIBE_CONFIGS', topicResource(t.name), false)) out.push({ resourceName: t.name, resourceType: TOPIC });
    }
    return respond(ErrorCode.NONE, out);
  },
});
