// CreatePartitions (37): raises a topic's partition count; assignments may only name this node.
// Authorization, as Kafka: ALTER on each topic, else TOPIC_AUTHORIZATION_FAILED.
import { ApiKey } from '../protocol/messages/index.js';
import type { CreatePartitionsResponseCreatePartitionsTopicResult } from '../protocol/messages/create-partitions.js';
import { authorizedTopics } from '../authorization.js';
import { ErrorCode, KafkaApiError, toKafkaError } from '../errors.js';
import { partitionCount } from './topics.js';
import { defineHandler } from './types.js';

export const createPartitions = defineHandler(ApiKey.CreatePartitions, {
  minVersion: 0,
  maxVersion: 3,
  exclusive: true,
  async handle(ctx, req) {
    const { log, cluster } = ctx;
    const alterable = authorizedTopics(ctx, 'ALTER', req.topics.map((t) => t.name));
    const counts = new Map<string, number>();
    for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const results: CreatePartitionsResponseCreatePartitionsTopicResult[] = [];
    for (const t of req.topics) {
      const out: CreatePartitionsResponseCreatePartitionsTopicResult = { name: t.name, errorCode: ErrorCode.NONE, errorMessage: null };
      results.push(out);
      try {
        if (counts.get(t.name)! > 1) throw new KafkaApiError(ErrorCode.INVALID_REQUEST, `Duplicate topic in request: ${t.name}`);
        if (!alterable.has(t.name)) throw new KafkaApiError(ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'The topic authorization is failed.');
        if (!log.hasTopic(t.name)) throw new KafkaApiError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${t.name}' does not exist.`);
        const current = partitionCount(log, t.name);
        if (t.count < current) throw new KafkaApiError(ErrorCode.INVALID_PARTITIONS, `Topic currently has ${current} partitions, which is higher than the requested ${t.count}.`);
        if (t.count === current) throw new KafkaApiError(ErrorCode.INVALID_PARTITIONS, `Topic already has ${current} partitions.`);
        if (t.assignments !== null) {
          if (t.assignments.length !== t.count - current) {
            throw new KafkaApiError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Attempted to add ${t.count - current} additional partition(s), but only ${t.assignments.length} assignment(s) were specified.`);
          }
          for (const a of t.assignments) {
            if (a.brokerIds.length !== 1 || a.brokerIds[0] !== cluster.nodeId) {
              throw new KafkaApiError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `the only broker is ${cluster.nodeId}, got [${a.brokerIds.join(', ')}]`);
            }
          }
        }
        if (!req.validateOnly) await log.createPartitions(t.name, t.count);
      } catch (e) {
        const err = toKafkaError(e);
        if (err.unexpected) ctx.logger.error({ err: e, topic: t.name }, 'create partitions failed');
        out.errorCode = err.code;
        out.errorMessage = err.message;
      }
    }
    return { throttleTimeMs: 0, results };
  },
});
