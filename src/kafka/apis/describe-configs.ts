// DescribeConfigs (32): a topic's configs (effective value and where it comes from), the
// broker's configs (static and dynamic, with their levels as synonyms; "" lists the cluster-wide
// dynamic defaults only), or a group's (KIP-932's share.* and the other GROUP configs, with
// the broker setting each defaults to as synonym), under Kafka's names, types and sources, or
// the broker's loggers and their levels (BROKER_LOGGER: broker-loggers.ts).
// Authorization, as Kafka: DESCRIBE_CONFIGS on the topic (else TOPIC_AUTHORIZATION_FAILED), on
// the group (else GROUP_AUTHORIZATION_FAILED) or,
// for broker configs, on the cluster (else CLUSTER_AUTHORIZATION_FAILED).
import { ApiKey } from '../protocol/messages/index.js';
import type { DescribeConfigsResponseDescribeConfigsResult } from '../protocol/messages/describe-configs.js';
import { deniedError } from '../authorization.js';
import { ErrorCode, KafkaApiError, toKafkaError } from '../errors.js';
import { ConfigSource, configAclResource, describeBroker, describeGroup, describeTopic, ResourceType, type DescribedConfig } from './configs.js';
import { describeBrokerLoggers } from './broker-loggers.js';
import { defineHandler } from './types.js';

/**
 * The synonyms of a config, most specific first: the config itself, then (for a group config)
 * the broker setting it defaults to, as Kafka lists them.
 */
function synonyms(c: DescribedConfig, brokerName: string | null, brokerDefault: string): Array<{ name: string; value: string; source: number }> {
  if (brokerName === null) return [{ name: c.name, value: c.value, source: c.source }];
  const fallback = { name: brokerName, value: brokerDefault, source: ConfigSource.DEFAULT_CONFIG };
  return c.source === ConfigSource.DEFAULT_CONFIG ? [fallback] : [{ name: c.name, value: c.value, source: c.source }, fallback];
}

export const describeConfigs = defineHandler(ApiKey.DescribeConfigs, {
  // v0 went with Kafka 4.0 (KIP-896); Kafka 4.4 advertises 1-4 and closes on a v0 request.
  minVersion: 1,
  maxVersion: 4,
  handle(ctx, req) {
    const { log, cluster, header } = ctx;
    const v = header.apiVersion;
    const results: DescribeConfigsResponseDescribeConfigsResult[] = [];
    for (const r of req.resources) {
      const out: DescribeConfigsResponseDescribeConfigsResult = { errorCode: ErrorCode.NONE, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName, configs: [] };
      results.push(out);
      try {
        const acl = configAclResource(r.resourceType, r.resourceName);
        if (acl !== null && !ctx.authorize('DESCRIBE_CONFIGS', acl)) throw new KafkaApiError(deniedError(acl.type), 'Not authorized to describe these configs');
        let configs: DescribedConfig[];
        let synonymsOf: Map<string, string> | null = null;
        let defaultsOf: Map<string, string> | null = null;
        let brokerSynonyms: Map<string, Array<{ name: string; value: string; source: number }>> | null = null;
        let loggers = false;
        if (r.resourceType === ResourceType.TOPIC) {
          if (!log.hasTopic(r.resourceName)) throw new KafkaApiError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${r.resourceName}' does not exist.`);
          configs = describeTopic(ctx, r.resourceName);
        } else if (r.resourceType === ResourceType.BROKER) {
          if (r.resourceName !== '' && r.resourceName !== String(cluster.nodeId)) throw new KafkaApiError(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${cluster.nodeId} or empty string, but received ${r.resourceName}`);
          // "": the cluster-wide dynamic defaults only; the node id: every config, effective.
          const broker = describeBroker(ctx, r.resourceName);
          brokerSynonyms = new Map(broker.map((c) => [c.name, c.synonyms]));
          configs = broker;
        } else if (r.resourceType === ResourceType.BROKER_LOGGER) {
          configs = describeBrokerLoggers(ctx, r.resourceName);
          // As Kafka 4.4 answers for its loggers: no synonyms, an empty documentation and message.
          brokerSynonyms = new Map(configs.map((c) => [c.name, []]));
          loggers = true;
          out.errorMessage = '';
        } else if (r.resourceType === ResourceType.GROUP) {
          const group = describeGroup(ctx, r.resourceName);
          synonymsOf = new Map(group.map((c) => [c.name, c.synonym]));
          defaultsOf = new Map(group.map((c) => [c.name, c.defaultValue]));
          configs = group;
        } else {
          throw new KafkaApiError(ErrorCode.INVALID_REQUEST, `Unsupported resource type ${r.resourceType}`);
        }
        const keys = r.configurationKeys === null ? null : new Set(r.configurationKeys);
        out.configs = configs
          .filter((c) => keys === null || keys.has(c.name))
          .map((c) => ({
            name: c.name,
            value: c.sensitive === true ? null : c.value,
            readOnly: c.readOnly,
            isDefault: c.source === ConfigSource.DEFAULT_CONFIG,
            configSource: c.source,
            isSensitive: c.sensitive === true,
            synonyms: v >= 1 && req.includeSynonyms ? (brokerSynonyms?.get(c.name) ?? synonyms(c, synonymsOf?.get(c.name) ?? null, defaultsOf?.get(c.name) ?? c.value)).map((syn) => (c.sensitive === true ? { ...syn, value: null } : syn)) : [],
            configType: c.type,
            documentation: loggers ? '' : null,
          }));
      } catch (e) {
        const err = toKafkaError(e);
        out.errorCode = err.code;
        out.errorMessage = err.message;
      }
    }
    return { throttleTimeMs: 0, results };
  },
});
