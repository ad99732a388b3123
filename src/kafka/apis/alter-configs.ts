// AlterConfigs (33), the legacy API: replaces a topic's whole set of configs with the one
// given (configs not named go back to their defaults). Broker configs are static.
// Authorization, as Kafka: ALTER_CONFIGS on the topic (else TOPIC_AUTHORIZATION_FAILED) or, for
// broker configs, on the cluster (else CLUSTER_AUTHORIZATION_FAILED).
import { ApiKey } from '../protocol/messages/index.js';
import type { AlterConfigsResponseAlterConfigsResourceResponse } from '../protocol/messages/alter-configs.js';
import { deniedError } from '../authorization.js';
import { ErrorCode, KafkaApiError, toKafkaError } from '../errors.js';
import { configAclResource, ResourceType } from './configs.js';
import { defineHandler } from './types.js';

export const STATIC_BROKER_CONFIGS = 'Wharf broker configs are static: set them with flags or the config file';

export const alterConfigs = defineHandler(ApiKey.AlterConfigs, {
  minVersion: 0,
  maxVersion: 2,
  exclusive: true,
  async handle(ctx, req) {
    const { log } = ctx;
    const responses: AlterConfigsResponseAlterConfigsResourceResponse[] = [];
    for (const r of req.resources) {
      const out: AlterConfigsResponseAlterConfigsResourceResponse = { errorCode: ErrorCode.NONE, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName };
      responses.push(out);
      try {
        const acl = configAclResource(r.resourceType, r.resourceName);
        if (acl !== null && !ctx.authorize('ALTER_CONFIGS', acl)) throw new KafkaApiError(deniedError(acl.type), 'Not authorized to alter these configs');
        if (r.resourceType === ResourceType.BROKER) throw new KafkaApiError(ErrorCode.INVALID_REQUEST, STATIC_BROKER_CONFIGS);
        if (r.resourceType !== ResourceType.TOPIC) throw new KafkaApiError(ErrorCode.INVALID_REQUEST, `Unsupported resource type ${r.resourceType}`);
        if (!log.hasTopic(r.resourceName)) throw new KafkaApiError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${r.resourceName}' does not exist.`);
        const next: Record<string, string> = {};
        for (const c of r.configs) {
          if (c.value === null) throw new KafkaApiError(ErrorCode.INVALID_CONFIG, `Null value not supported for topic configs: ${c.name}`);
          next[c.name] = c.value;
        }
        if (req.validateOnly) log.validateConfigs(next);
        else await log.alterTopicConfigs(r.resourceName, next, true);
      } catch (e) {
        const err = toKafkaError(e);
        out.errorCode = err.code;
        out.errorMessage = err.message;
      }
    }
    return { throttleTimeMs: 0, responses };
  },
});
