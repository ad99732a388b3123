// Metadata (3): brokers (this one), cluster id, controller (this one), and topics with their
// partitions, all led by this node at epoch 0. Unknown topics asked for by name are created
// when auto.create.topics.enable is on and the request allows it (v4+). From v12 a request that
// names any topic id is answered by id only (the names of its other entries are ignored, each
// id once), as Kafka answers it. v13 adds a top-level
// error code (for KIP-1102's rebootstrap), always NONE from a single node.
//
// Authorization, as Kafka: DESCRIBE on each topic. Topics the principal may not describe are
// left out of an all-topics answer, and answered TOPIC_AUTHORIZATION_FAILED when asked for by
// name (without their id, so their existence is not disclosed) or by id (with it: ids are not
// secret). Auto-creation needs CREATE on the cluster or on the topic; without it the topic is
// answered TOPIC_AUTHORIZATION_FAILED. With includeTopicAuthorizedOperations (v8+) each topic
// the answer describes lists the operations the principal may perform on it, and with
// includeClusterAuthorizedOperations (v8-10; DescribeCluster took it over) the cluster does.
//
// Each topic costs map lookups in the log (its info and partitions), never a scan of all topics
// or the computation of its configs, so the whole answer is linear in the topics named.
import type { MetadataResponseMetadataResponseTopic } from '../protocol/messages/metadata.js';
import { validateTopicName, type TopicInfo } from '../../core/log/index.js';
import { ApiKey } from '../protocol/messages/index.js';
import { authorizedOperations, CLUSTER, topicResource } from '../authorization.js';
import { LEADER_EPOCH, topicIdToWire, ZERO_UUID } from '../context.js';
import { ErrorCode, toKafkaError } from '../errors.js';
import { autoCreateTopic, topicNameById } from './topics.js';
import { defineHandler, type RequestContext } from './types.js';

/** Kafka's value for "authorized operations were not asked for". */
const AUTHORIZED_OPS_OMITTED = -2147483648;

export function topicMetadata(ctx: RequestContext, t: TopicInfo): MetadataResponseMetadataResponseTopic {
  const node = ctx.cluster.nodeId;
  const partitions = (ctx.log.partitionInfos(t.name) ?? []).map((p) => ({
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

export const metadata = defineHandler(ApiKey.Metadata, {
  minVersion: 0,
  maxVersion: 13,
  async handle(ctx, req) {
    const { log, header, cluster } = ctx;
    const v = header.apiVersion;
    const topics: MetadataResponseMetadataResponseTopic[] = [];
    const describable = (name: string): boolean => ctx.authorize('DESCRIBE', topicResource(name), false);
    // v0: an empty list means all topics; v1+: null means all, empty means none.
    const all = req.topics === null || (v === 0 && req.topics.length === 0);
    if (all) {
      for (const t of log.listTopics()) if (describable(t.name)) topics.push(topicMetadata(ctx, t));
    } else {
      const allowCreate = v < 4 ? true : req.allowAutoTopicCreation !== false;
      let mayCreateAny: boolean | null = null;
      const mayCreate = (name: string): boolean => (mayCreateAny ??= ctx.authorize('CREATE', CLUSTER, false)) || ctx.authorize('CREATE', topicResource(name), false);
      const ids = v >= 12 ? new Set(req.topics!.map((t) => t.topicId ?? ZERO_UUID).filter((id) => id !== ZERO_UUID)) : null;
      const asked = ids !== null && ids.size > 0 ? [...ids].map((topicId) => ({ topicId, name: null })) : req.topics!;
      for (const rt of asked) {
        if (rt.name === null || rt.name === undefined) {
          // v10+: by topic id.
          const id = rt.topicId ?? ZERO_UUID;
          const name = id === ZERO_UUID ? null : topicNameById(log, id);
          const t = name === null ? null : log.topicInfo(name);
          if (t === null) topics.push(topicError(null, ErrorCode.UNKNOWN_TOPIC_ID, id));
          else if (!describable(t.name)) topics.push(topicError(null, ErrorCode.TOPIC_AUTHORIZATION_FAILED, id));
          else topics.push(topicMetadata(ctx, t));
          continue;
        }
        const name = rt.name;
        if (!describable(name)) {
          topics.push(topicError(name, ErrorCode.TOPIC_AUTHORIZATION_FAILED));
          continue;
        }
        let t = log.topicInfo(name);
        if (!t && allowCreate && ctx.options.autoCreateTopics) {
          if (!mayCreate(name)) {
            topics.push(topicError(name, ErrorCode.TOPIC_AUTHORIZATION_FAILED));
            continue;
          }
          try {
            validateTopicName(name);
            await autoCreateTopic(ctx, name);
            t = log.topicInfo(name);
          } catch (e) {
            topics.push(topicError(name, toKafkaError(e).code));
            continue;
          }
        }
        topics.push(t ? topicMetadata(ctx, t) : topicError(name, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
      }
    }
    if (v >= 8 && req.includeTopicAuthorizedOperations === true) {
      for (const t of topics) {
        if (t.name !== null && t.errorCode !== ErrorCode.TOPIC_AUTHORIZATION_FAILED) t.topicAuthorizedOperations = authorizedOperations(ctx, topicResource(t.name));
      }
    }
    let clusterOps = AUTHORIZED_OPS_OMITTED;
    if (v >= 8 && v <= 10 && req.includeClusterAuthorizedOperations === true) clusterOps = ctx.authorize('DESCRIBE', CLUSTER, false) ? authorizedOperations(ctx, CLUSTER) : 0;
    return {
      throttleTimeMs: 0,
      brokers: [{ nodeId: cluster.nodeId, host: cluster.advertisedHost, port: cluster.advertisedPort, rack: null }],
      clusterId: cluster.clusterId,
      controllerId: cluster.nodeId,
      topics,
      clusterAuthorizedOperations: clusterOps,
      errorCode: ErrorCode.NONE,
    };
  },
});
