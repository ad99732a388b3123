// DescribeTopicPartitions (75, KIP-966): topics and their partitions, paged: Kafka's Admin
// describeTopics (and kafka-topics --describe) use it instead of Metadata when it is served.
// Topics are answered in name order from the cursor's topic (and partition) on, at most
// min(responsePartitionLimit, max.request.partition.size.limit 2000) partitions (at least one)
// per answer; nextCursor names the first partition left out. An empty topic list means every
// topic. A named topic that does not exist is UNKNOWN_TOPIC_OR_PARTITION (INVALID_TOPIC_EXCEPTION
// for a name no topic can have); a cursor that names a topic outside the list, or a negative
// partition, fails the request with INVALID_REQUEST on every topic, as in Kafka. Every partition
// is led by this node at epoch 0, with no eligible leader replicas (KIP-966's ELR is empty on a
// single node).
//
// Authorization, as Kafka: DESCRIBE on each topic. Named topics the principal may not describe
// are answered TOPIC_AUTHORIZATION_FAILED without their id (after the others); they are left out
// of an all-topics answer. Each topic carries the operations the principal may perform on it.
import { isLogError, validateTopicName } from '../../core/log/index.js';
import { ApiKey, type DescribeTopicPartitionsResponse } from '../protocol/messages/index.js';
import type {
  DescribeTopicPartitionsResponseDescribeTopicPartitionsResponsePartition as PartitionAnswer,
  DescribeTopicPartitionsResponseDescribeTopicPartitionsResponseTopic as TopicAnswer,
} from '../protocol/messages/describe-topic-partitions.js';
import { authorizedOperations, topicResource } from '../authorization.js';
import { LEADER_EPOCH, topicIdToWire, ZERO_UUID } from '../context.js';
import { ErrorCode } from '../errors.js';
import { defineHandler } from './types.js';

/** Kafka's max.request.partition.size.limit default (a broker option the lead may add). */
export const MAX_REQUEST_PARTITION_SIZE_LIMIT = 2000;
/** Kafka's value for "authorized operations unknown". */
const AUTHORIZED_OPS_OMITTED = -2147483648;

function topicAnswer(errorCode: number, name: string, topicId = ZERO_UUID): TopicAnswer {
  return { errorCode, name, topicId, isInternal: false, partitions: [], topicAuthorizedOperations: AUTHORIZED_OPS_OMITTED };
}

export const describeTopicPartitions = defineHandler(ApiKey.DescribeTopicPartitions, {
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, req): DescribeTopicPartitionsResponse {
    const { log } = ctx;
    const node = ctx.cluster.nodeId;
    const cursor = req.cursor;
    const cursorTopic = cursor?.topicName ?? '';
    const all = req.topics.length === 0;
    const names = new Set<string>();
    for (const name of all ? log.listTopics().map((t) => t.name) : req.topics.map((t) => t.name)) if (name >= cursorTopic) names.add(name);
    if (cursor && ((!all && !names.has(cursor.topicName)) || cursor.partitionIndex < 0)) {
      // Kafka's error answer: every topic of the request with the error, no cursor.
      return { throttleTimeMs: 0, topics: req.topics.map((t) => topicAnswer(ErrorCode.INVALID_REQUEST, t.name)), nextCursor: null };
    }
    const topics: TopicAnswer[] = [];
    const denied: TopicAnswer[] = [];
    let nextCursor: DescribeTopicPartitionsResponse['nextCursor'] = null;
    let remaining = Math.max(Math.min(MAX_REQUEST_PARTITION_SIZE_LIMIT, req.responsePartitionLimit), 1);
    for (const name of [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (!ctx.authorize('DESCRIBE', topicResource(name), false)) {
        if (!all) denied.push(topicAnswer(ErrorCode.TOPIC_AUTHORIZATION_FAILED, name));
        continue;
      }
      if (nextCursor !== null) continue;
      if (remaining === 0) {
        // Every partition of the topics before fitted: the next answer starts with this topic.
        nextCursor = { topicName: name, partitionIndex: 0 };
        continue;
      }
      const info = log.topicInfo(name);
      const partitions = info ? log.partitionInfos(name) : null;
      if (!info || !partitions) {
        if (all) continue;
        let code: number = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        try {
          validateTopicName(name);
        } catch (e) {
          if (isLogError(e, 'INVALID_TOPIC_EXCEPTION')) code = ErrorCode.INVALID_TOPIC_EXCEPTION;
        }
        const t = topicAnswer(code, name);
        t.topicAuthorizedOperations = authorizedOperations(ctx, topicResource(name));
        topics.push(t);
        continue;
      }
      const start = name === cursorTopic && cursor ? cursor.partitionIndex : 0;
      const end = Math.min(partitions.length, start + remaining);
      const answered: PartitionAnswer[] = [];
      for (let i = start; i < end; i++) {
        const p = partitions[i]!;
        answered.push({
          errorCode: ErrorCode.NONE,
          partitionIndex: p.partition,
          leaderId: p.online ? node : -1,
          leaderEpoch: LEADER_EPOCH,
          replicaNodes: [node],
          isrNodes: p.online ? [node] : [],
          eligibleLeaderReplicas: [],
          lastKnownElr: [],
          offlineReplicas: p.online ? [] : [node],
        });
      }
      topics.push({
        errorCode: ErrorCode.NONE,
        name,
        topicId: topicIdToWire(info.topicId),
        isInternal: info.internal,
        partitions: answered,
        topicAuthorizedOperations: authorizedOperations(ctx, topicResource(name)),
      });
      if (end < partitions.length) nextCursor = { topicName: name, partitionIndex: end };
      remaining -= answered.length;
    }
    return { throttleTimeMs: 0, topics: [...topics, ...denied], nextCursor };
  },
});
