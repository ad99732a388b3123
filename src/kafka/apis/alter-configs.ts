// AlterConfigs (33), the legacy API: replaces a topic's whole set of configs with the one
// given (configs not named go back to their defaults), or the whole set of dynamic broker
// configs of one level: the cluster default ("") or this broker (its id), checked and applied by
// core/config/dynamic-broker-configs.ts.
// Authorization, as Kafka: ALTER_CONFIGS on the topic (else TOPIC_AUTHORIZATION_FAILED) or, for
// broker configs, on the cluster (else CLUSTER_AUTHORIZATION_FAILED).
import { ApiKey } from '../protocol/messages/index.js';
import type { AlterConfigsResponseAlterConfigsResourceResponse } from '../protocol/messages/alter-configs.js';
import { deniedError } from '../authorization.js';
import { ErrorCode, KafkaApiError, toKafkaError } from '../errors.js';
import { configAclResource, ResourceType } from './configs.js';
import { defineHandler } from './types.js';

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
        if (r.resourceType === ResourceType.BROKER) {
          ctx.brokerConfigs.checkResource(r.resourceName);
          const names = r.configs.map((c) => c.name);
          if (new Set(names).size !== names.length) throw new KafkaApiError(ErrorCode.INVALID_REQUEST, 'Error due to duplicate config keys');
          const nulls = r.configs.filter((c) => c.value === null).map((c) => c.name);
          if (nulls.length > 0) throw new KafkaApiError(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${nulls.join(', ')}`);
          await ctx.brokerConfigs.alter(r.resourceName, Object.fromEntries(r.configs.map((c) => [c.name, c.value!])), req.validateOnly);
          continue;
        }
        // Loggers change only through IncrementalAlterConfigs (Kafka 4.4's answer, word for word).
        if (r.resourceType === ResourceType.BROKER_LOGGER) throw new KafkaApiError(ErrorCode.INVALID_REQUEST, `Unknown resource type ${r.resourceType}`);
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
