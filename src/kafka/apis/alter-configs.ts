// AlterConfigs (33), the legacy API: replaces a topic's whole set of configs with the one
// given (configs not named go back to their defaults). Broker configs are static.
import type { AlterConfigsRequest, AlterConfigsResponse } from '../protocol/messages/index.js';
import type { AlterConfigsResponseAlterConfigsResourceResponse } from '../protocol/messages/alter-configs.js';
import { ErrorCode, KafkaApiError, toKafkaError } from '../errors.js';
import { ResourceType } from './configs.js';
import type { ApiHandler } from './types.js';

export const STATIC_BROKER_CONFIGS = 'Wharf broker configs are static: set them with flags or the config file';

export const alterConfigs: ApiHandler<AlterConfigsRequest, AlterConfigsResponse> = {
  key: 33,
  minVersion: 0,
  maxVersion: 2,
  exclusive: true,
  async handle(ctx, req) {
    const { broker } = ctx;
    const responses: AlterConfigsResponseAlterConfigsResourceResponse[] = [];
    for (const r of req.resources) {
      const out: AlterConfigsResponseAlterConfigsResourceResponse = { errorCode: ErrorCode.NONE, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName };
      responses.push(out);
      try {
        if (r.resourceType === ResourceType.BROKER) throw new KafkaApiError(ErrorCode.INVALID_REQUEST, STATIC_BROKER_CONFIGS);
        if (r.resourceType !== ResourceType.TOPIC) throw new KafkaApiError(ErrorCode.INVALID_REQUEST, `Unsupported resource type ${r.resourceType}`);
        if (!broker.log.hasTopic(r.resourceName)) throw new KafkaApiError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${r.resourceName}' does not exist.`);
        const next: Record<string, string> = {};
        for (const c of r.configs) {
          if (c.value === null) throw new KafkaApiError(ErrorCode.INVALID_CONFIG, `Null value not supported for topic configs: ${c.name}`);
          next[c.name] = c.value;
        }
        if (req.validateOnly) broker.log.validateConfigs(next);
        else await broker.log.alterTopicConfigs(r.resourceName, next, true);
      } catch (e) {
        const err = toKafkaError(e);
        out.errorCode = err.code;
        out.errorMessage = err.message;
      }
    }
    return { throttleTimeMs: 0, responses };
  },
};
