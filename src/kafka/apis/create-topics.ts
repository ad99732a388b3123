// CreateTopics (19): creates topics in the log. Single node: the replication factor is 1 (or
// -1 for the default), manual assignments may only name this node. validate_only checks
// everything and creates nothing. v5+ answers with the new topic's partition count,
// replication factor and configs; v7 with its id.
//
// Authorization, as Kafka: CREATE on the cluster, or else on each topic (TOPIC_AUTHORIZATION_FAILED);
// the configs of a new topic are returned only with DESCRIBE_CONFIGS on it (else its
// topicConfigErrorCode is TOPIC_AUTHORIZATION_FAILED).
import { isLogError, validateTopicName } from '../../core/log/index.js';
import { ApiKey } from '../protocol/messages/index.js';
import type { CreateTopicsRequestCreatableTopic, CreateTopicsResponseCreatableTopicResult } from '../protocol/messages/create-topics.js';
import { authorizedTopics, CLUSTER } from '../authorization.js';
import { topicIdToWire, ZERO_UUID } from '../context.js';
import { ErrorCode, KafkaApiError, toKafkaError } from '../errors.js';
import { describeTopic } from './configs.js';
import { defineHandler, type RequestContext } from './types.js';

function plan(ctx: RequestContext, t: CreateTopicsRequestCreatableTopic): { partitions: number; configs: Record<string, string> } {
  const nodeId = ctx.cluster.nodeId;
  validateTopicName(t.name);
  if (ctx.log.hasTopic(t.name)) throw new KafkaApiError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${t.name}' already exists.`);
  let partitions: number;
  if (t.assignments.length > 0) {
    if (t.numPartitions !== -1 || t.replicationFactor !== -1) {
      throw new KafkaApiError(ErrorCode.INVALID_REQUEST, 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.');
    }
    const seen = new Set<number>();
    for (const a of t.assignments) {
      if (a.brokerIds.length !== 1 || a.brokerIds[0] !== nodeId) {
        throw new KafkaApiError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `partition ${a.partitionIndex}: the only broker is ${nodeId}, got [${a.brokerIds.join(', ')}]`);
      }
      seen.add(a.partitionIndex);
    }
    for (let i = 0; i < t.assignments.length; i++) {
      if (!seen.has(i)) throw new KafkaApiError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Partitions should be a consecutive 0-based integer sequence');
    }
    partitions = t.assignments.length;
  } else {
    if (t.numPartitions === 0 || t.numPartitions < -1) {
      throw new KafkaApiError(ErrorCode.INVALID_PARTITIONS, 'Number of partitions was set to an invalid non-positive value.');
    }
    if (t.replicationFactor === 0 || t.replicationFactor < -1) {
      throw new KafkaApiError(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0, or -1 to use the default value.');
    }
    if (t.replicationFactor > 1) {
      throw new KafkaApiError(
        ErrorCode.INVALID_REPLICATION_FACTOR,
        `Unable to replicate the partition ${t.replicationFactor} time(s): The target replication factor of ${t.replicationFactor} cannot be reached because only 1 broker(s) are registered.`,
      );
    }
    partitions = t.numPartitions === -1 ? ctx.options.numPartitions : t.numPartitions;
  }
  // No prototype: a config named "__proto__" is then an own (unknown, refused) key, not dropped.
  const configs: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const c of t.configs) {
    if (c.value === null) throw new KafkaApiError(ErrorCode.INVALID_CONFIG, `Null value not supported for topic configs: ${c.name}`);
    configs[c.name] = c.value;
  }
  ctx.log.validateConfigs(configs);
  return { partitions, configs };
}

export const createTopics = defineHandler(ApiKey.CreateTopics, {
  minVersion: 2,
  maxVersion: 7,
  exclusive: true,
  async handle(ctx, req) {
    const { log, header } = ctx;
    const v = header.apiVersion;
    const names = req.topics.map((t) => t.name);
    const creatable = ctx.authorize('CREATE', CLUSTER, false) ? new Set(names) : authorizedTopics(ctx, 'CREATE', names);
    const describable = authorizedTopics(ctx, 'DESCRIBE_CONFIGS', names);
    const counts = new Map<string, number>();
    for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const topics: CreateTopicsResponseCreatableTopicResult[] = [];
    for (const t of req.topics) {
      const out: CreateTopicsResponseCreatableTopicResult = {
        name: t.name,
        topicId: ZERO_UUID,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        numPartitions: -1,
        replicationFactor: -1,
        configs: [],
      };
      topics.push(out);
      try {
        if (counts.get(t.name)! > 1) throw new KafkaApiError(ErrorCode.INVALID_REQUEST, `Create topics request contains multiple entries for the topic ${t.name}`);
        if (!creatable.has(t.name)) throw new KafkaApiError(ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Authorization failed.');
        const p = plan(ctx, t);
        let topicId = ZERO_UUID;
        if (!req.validateOnly) {
          const info = await log.createTopic(t.name, { partitions: p.partitions, configs: p.configs });
          topicId = topicIdToWire(info.topicId);
        }
        out.topicId = topicId;
        out.numPartitions = p.partitions;
        out.replicationFactor = 1;
        if (v >= 5 && !describable.has(t.name)) {
          out.topicConfigErrorCode = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
        } else if (v >= 5 && !req.validateOnly) {
          out.configs = describeTopic(ctx, t.name).map((c) => ({ name: c.name, value: c.value, readOnly: c.readOnly, configSource: c.source, isSensitive: false }));
        }
      } catch (e) {
        const err = toKafkaError(e);
        if (err.unexpected) ctx.logger.error({ err: e, topic: t.name }, 'create topic failed');
        out.errorCode = isLogError(e, 'TOPIC_ALREADY_EXISTS') ? ErrorCode.TOPIC_ALREADY_EXISTS : err.code;
        out.errorMessage = err.code === ErrorCode.TOPIC_ALREADY_EXISTS ? `Topic '${t.name}' already exists.` : err.message;
      }
    }
    return { throttleTimeMs: 0, topics };
  },
});
