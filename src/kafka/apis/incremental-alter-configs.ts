// IncrementalAlterConfigs (44): SET, DELETE (back to the default), APPEND and SUBTRACT (list
// configs such as cleanup.policy) on single topic configs; SET and DELETE on a group's configs
// (KIP-932's share.* among them); all four on the dynamic configs of a broker level (the cluster
// default "" or this broker's id), checked and applied by core/config/dynamic-broker-configs.ts;
// SET and DELETE on the broker's loggers (BROKER_LOGGER: broker-loggers.ts).
// Authorization, as Kafka: ALTER_CONFIGS on the topic (else TOPIC_AUTHORIZATION_FAILED), on the
// group (else GROUP_AUTHORIZATION_FAILED) or, for
// broker configs, on the cluster (else CLUSTER_AUTHORIZATION_FAILED).
import { TOPIC_CONFIGS } from '../../core/log/index.js';
import { ApiKey } from '../protocol/messages/index.js';
import type { IncrementalAlterConfigsResponseAlterConfigsResourceResponse } from '../protocol/messages/incremental-alter-configs.js';
import { deniedError } from '../authorization.js';
import { ErrorCode, KafkaApiError, toKafkaError } from '../errors.js';
import { ConfigType, configAclResource, ResourceType, topicConfigType } from './configs.js';
import { alterBrokerLoggers } from './broker-loggers.js';
import { defineHandler, type RequestContext } from './types.js';

const OP_SET = 0;
const OP_DELETE = 1;
const OP_APPEND = 2;
const OP_SUBTRACT = 3;

function listOf(value: string | undefined): string[] {
  return value === undefined || value === '' ? [] : value.split(',').map((s) => s.trim());
}

/** SET and DELETE of a group's configs (the group need not exist yet, as in Kafka). */
async function alterGroup(ctx: RequestContext, groupId: string, configs: ReadonlyArray<{ name: string; configOperation: number; value: string | null }>, validateOnly: boolean): Promise<void> {
  if (groupId === '') throw new KafkaApiError(ErrorCode.INVALID_REQUEST, 'Group name must not be empty.');
  const changes: Record<string, string | null> = {};
  for (const c of configs) {
    if (c.name in changes) throw new KafkaApiError(ErrorCode.INVALID_REQUEST, `Error due to duplicate config keys: ${c.name}`);
    if (c.configOperation === OP_SET) {
      if (c.value === null) throw new KafkaApiError(ErrorCode.INVALID_REQUEST, `Null value not supported for: ${c.name}`);
      changes[c.name] = c.value;
    } else if (c.configOperation === OP_DELETE) changes[c.name] = null;
    else if (c.configOperation === OP_APPEND || c.configOperation === OP_SUBTRACT) throw new KafkaApiError(ErrorCode.INVALID_CONFIG, `Config value append is not allowed for config key: ${c.name}`);
    else throw new KafkaApiError(ErrorCode.INVALID_REQUEST, `Unknown config operation ${c.configOperation} for ${c.name}`);
  }
  const why = await ctx.coordinators.shareGroups.alterConfigs(groupId, changes, validateOnly);
  if (why !== null) throw new KafkaApiError(ErrorCode.INVALID_CONFIG, why);
}

/** The four operations on a broker level's dynamic configs, as Kafka's prepareIncrementalConfigs applies them. */
async function alterBroker(ctx: RequestContext, resource: string, configs: ReadonlyArray<{ name: string; configOperation: number; value: string | null }>, validateOnly: boolean): Promise<void> {
  ctx.brokerConfigs.checkResource(resource);
  const names = configs.map((c) => c.name);
  if (new Set(names).size !== names.length) throw new KafkaApiError(ErrorCode.INVALID_REQUEST, 'Error due to duplicate config keys');
  const nulls = configs.filter((c) => c.configOperation !== OP_DELETE && c.value === null).map((c) => c.name);
  if (nulls.length > 0) throw new KafkaApiError(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${nulls.join(', ')}`);
  const next: Record<string, string> = { ...ctx.brokerConfigs.configs(resource) };
  for (const c of configs) {
    switch (c.configOperation) {
      case OP_SET:
        next[c.name] = c.value!;
        break;
      case OP_DELETE:
        delete next[c.name];
        break;
      case OP_APPEND:
      case OP_SUBTRACT: {
        if (!/(^|\.)(cleanup\.policy|reporters|listeners|protocols|cipher\.suites|mechanisms|rules|overrides)$/.test(c.name)) {
          throw new KafkaApiError(ErrorCode.INVALID_CONFIG, `Config value append is not allowed for config key: ${c.name}`);
        }
        const have = listOf(next[c.name]);
        const given = listOf(c.value!);
        const list = c.configOperation === OP_APPEND ? [...have, ...given.filter((x) => !have.includes(x))] : have.filter((x) => !given.includes(x));
        next[c.name] = list.join(',');
        break;
      }
      default:
        throw new KafkaApiError(ErrorCode.INVALID_REQUEST, `Unknown operations type ${c.configOperation}`);
    }
  }
  await ctx.brokerConfigs.alter(resource, next, validateOnly);
}

export const incrementalAlterConfigs = defineHandler(ApiKey.IncrementalAlterConfigs, {
  minVersion: 0,
  maxVersion: 1,
  exclusive: true,
  async handle(ctx, req) {
    const { log } = ctx;
    const responses: IncrementalAlterConfigsResponseAlterConfigsResourceResponse[] = [];
    for (const r of req.resources) {
      const out: IncrementalAlterConfigsResponseAlterConfigsResourceResponse = { errorCode: ErrorCode.NONE, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName };
      responses.push(out);
      try {
        const acl = configAclResource(r.resourceType, r.resourceName);
        if (acl !== null && !ctx.authorize('ALTER_CONFIGS', acl)) throw new KafkaApiError(deniedError(acl.type), 'Not authorized to alter these configs');
        if (r.resourceType === ResourceType.BROKER) {
          await alterBroker(ctx, r.resourceName, r.configs, req.validateOnly);
          continue;
        }
        if (r.resourceType === ResourceType.BROKER_LOGGER) {
          alterBrokerLoggers(ctx, r.resourceName, r.configs, req.validateOnly);
          continue;
        }
        if (r.resourceType === ResourceType.GROUP) {
          await alterGroup(ctx, r.resourceName, r.configs, req.validateOnly);
          continue;
        }
        if (r.resourceType !== ResourceType.TOPIC) throw new KafkaApiError(ErrorCode.INVALID_REQUEST, `Unsupported resource type ${r.resourceType}`);
        if (!log.hasTopic(r.resourceName)) throw new KafkaApiError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${r.resourceName}' does not exist.`);
        const current = log.describeTopic(r.resourceName);
        const effective = new Map(current.effectiveConfigs.map((c) => [c.name, c.value]));
        const names = new Set<string>();
        const changes: Record<string, string | null> = {};
        for (const c of r.configs) {
          if (names.has(c.name)) throw new KafkaApiError(ErrorCode.INVALID_REQUEST, `Error due to duplicate config keys: ${c.name}`);
          names.add(c.name);
          if (!TOPIC_CONFIGS[c.name]) throw new KafkaApiError(ErrorCode.INVALID_CONFIG, `Unknown topic config name: ${c.name}`);
          switch (c.configOperation) {
            case OP_SET:
              if (c.value === null) throw new KafkaApiError(ErrorCode.INVALID_REQUEST, `Null value not supported for: ${c.name}`);
              changes[c.name] = c.value;
              break;
            case OP_DELETE:
              changes[c.name] = null;
              break;
            case OP_APPEND:
            case OP_SUBTRACT: {
              if (topicConfigType(c.name) !== ConfigType.LIST) {
                throw new KafkaApiError(ErrorCode.INVALID_CONFIG, `Config value append is not allowed for config key: ${c.name}`);
              }
              const have = listOf(effective.get(c.name));
              const given = listOf(c.value ?? '');
              const next = c.configOperation === OP_APPEND ? [...have, ...given.filter((x) => !have.includes(x))] : have.filter((x) => !given.includes(x));
              changes[c.name] = next.join(',');
              break;
            }
            default:
              throw new KafkaApiError(ErrorCode.INVALID_REQUEST, `Unknown config operation ${c.configOperation} for ${c.name}`);
          }
        }
        if (req.validateOnly) {
          const merged: Record<string, string> = { ...current.configs };
          for (const [k, val] of Object.entries(changes)) {
            if (val === null) delete merged[k];
            else merged[k] = val;
          }
          log.validateConfigs(merged);
        } else {
          await log.alterTopicConfigs(r.resourceName, changes, false);
        }
      } catch (e) {
        const err = toKafkaError(e);
        out.errorCode = err.code;
        out.errorMessage = err.message;
      }
    }
    return { throttleTimeMs: 0, responses };
  },
});
