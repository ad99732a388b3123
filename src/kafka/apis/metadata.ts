// Metadata (3): brokers (this one), cluster id, controller (this one), and topics with their
// partitions, all led by this node at epoch 0. Unknown topics asked for by name are created
// when auto.create.topics.enable is on and the request allows it (v4+).
import type { MetadataRequest, MetadataResponse } from '../protocol/messages/index.js';
import type { MetadataResponseMetadataResponseTopic } from '../protocol/messages/metadata.js';
import { validateTopicName, type TopicInfo } from '../../core/log/index.js';
import { LEADER_EPOCH, topicIdToWire, ZERO_UUID, type KafkaBroker } from '../context.js';
import { ErrorCode, toKafkaError } from '../errors.js';
import { autoCreateTopic, findTopic, topicNameById } from './topics.js';
import type { ApiHandler } from './types.js';

/** Kafka's value for "authorized operations were not asked for". */
const AUTHORIZED_OPS_OMITTED = -2147483648;

export function topicMetadata(broker: KafkaBroker, t: TopicInfo): MetadataResponseMetadataResponseTopic {
  const node = broker.nodeId;
  const partitions = broker.log.describeTopic(t.name).partitionInfo.map((p) => ({
    errorCode: p.online ? ErrorCode.NONE : ErrorCode.LEADER_NOT_AVAILABLE,
    partitionIndex: p.partition,
    leaderId: p.online ? node : -1,
    leaderEpoch: LEADER_EPOCH,
    replicaNodes: [node],
    isrNodes: p.online ? [node] : [],
    offlineReplicas: p.online ? [] : [node],
  }));
  return {
    errorCode: ErrorCode.NONE,
    name: t.name,
    topicId: topicIdToWire(t.topicId),
    isInternal: t.internal,
    partitions,
    topicAuthorizedOperations: AUTHORIZED_OPS_OMITTED,
  };
}

function topicError(name: string | null, code: number, topicId = ZERO_UUID): MetadataResponseMetadataResponseTopic {
  return { errorCode: code, name, topicId, isInternal: false, partitions: [], topicAuthorizedOperations: AUTHORIZED_OPS_OMITTED };
}

export const metadata: ApiHandler<MetadataRequest, MetadataResponse> = {
  key: 3,
  minVersion: 0,
  maxVersion: 12,
  async handle(ctx, req) {
    const { broker, header } = ctx;
    const v = header.apiVersion;
    const topics: MetadataResponseMetadataResponseTopic[] = [];
    // v0: an empty list means all topics; v1+: null means all, empty means none.
    const all = req.topics === null || (v === 0 && req.topics.length === 0);
    if (all) {
      for (const t of broker.log.listTopics()) topics.push(topicMetadata(broker, t));
    } else {
      const allowCreate = v < 4 ? true : req.allowAutoTopicCreation !== false;
      for (const rt of req.topics!) {
        if (rt.name === null || rt.name === undefined) {
          // v10+: by topic id.
          const id = rt.topicId ?? ZERO_UUID;
          const name = id === ZERO_UUID ? null : topicNameById(broker, id);
          const t = name === null ? null : findTopic(broker, name);
          topics.push(t ? topicMetadata(broker, t) : topicError(null, ErrorCode.UNKNOWN_TOPIC_ID, id));
          continue;
        }
        const name = rt.name;
        let t = findTopic(broker, name);
        if (!t && allowCreate && broker.options.autoCreateTopics) {
          try {
            validateTopicName(name);
            await autoCreateTopic(broker, name);
            t = findTopic(broker, name);
          } catch (e) {
            topics.push(topicError(name, toKafkaError(e).code));
            continue;
          }
        }
        topics.push(t ? topicMetadata(broker, t) : topicError(name, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
      }
    }
    return {
      throttleTimeMs: 0,
      brokers: [{ nodeId: broker.nodeId, host: broker.advertisedHost, port: broker.advertisedPort, rack: null }],
      clusterId: broker.clusterId,
      controllerId: broker.nodeId,
      topics,
      clusterAuthorizedOperations: AUTHORIZED_OPS_OMITTED,
    };
  },
};
