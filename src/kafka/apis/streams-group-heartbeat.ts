// StreamsGroupHeartbeat (88): the streams group protocol of Kafka Streams 4.x (KIP-1071).
// Members join with their topology, heartbeat with the tasks they own, and leave through this
// one request; the coordinator (core/coordinators/streams-group.ts) assigns tasks itself. When
// the topology's internal topics are missing, the broker creates them with the topology's
// partition counts and configs (the principal needs CREATE on the cluster or on each topic, else
// the MISSING_INTERNAL_TOPICS status says so), and a creation that failed is reported in that
// status ("; Creation failed: topic (message)."), as Kafka 4.4 words both.
// Every answer but a leave's carries the group's acceptable recovery lag (10000) and task offset
// interval (60 s), as Kafka 4.4's do. v1 (KIP-1331) moves AcceptableRecoveryLag to an int64 field, adds
// TopologyDescriptionRequired (Wharf keeps no topology descriptions: false) and lets the broker
// answer MISSING_CLIENT_TAGS (never needed: Wharf's assignor is not rack-aware).
// Authorization, as Kafka: READ on the group, else GROUP_AUTHORIZATION_FAILED; DESCRIBE on every
// topic of a topology sent, else TOPIC_AUTHORIZATION_FAILED.
import { ApiKey, type StreamsGroupHeartbeatResponse } from '../protocol/messages/index.js';
import type { StreamsGroupHeartbeatRequestTaskIds, StreamsGroupHeartbeatRequestTopicInfo, StreamsGroupHeartbeatRequestTopology } from '../protocol/messages/streams-group-heartbeat.js';
import type { TaskMap } from '../../core/coordinators/streams-assignor.js';
import { StreamsStatus, topologyTopics, type StreamsTopicInfo, type StreamsTopology } from '../../core/coordinators/streams-topology.js';
import { authorizedTopics, CLUSTER, groupResource } from '../authorization.js';
import { ErrorCode, errorCode } from '../errors.js';
import { defineHandler } from './types.js';

function topicInfo(t: StreamsGroupHeartbeatRequestTopicInfo): StreamsTopicInfo {
  return { name: t.name, partitions: t.partitions, replicationFactor: t.replicationFactor, configs: t.topicConfigs.map((c) => [c.key, c.value]) };
}

/** The request's topology as the coordinator keeps it. */
export function topologyFromRequest(t: StreamsGroupHeartbeatRequestTopology): StreamsTopology {
  return {
    epoch: t.epoch,
    subtopologies: t.subtopologies.map((s) => ({
      subtopologyId: s.subtopologyId,
      sourceTopics: s.sourceTopics,
      sourceTopicRegex: s.sourceTopicRegex,
      stateChangelogTopics: s.stateChangelogTopics.map(topicInfo),
      repartitionSinkTopics: s.repartitionSinkTopics,
      repartitionSourceTopics: s.repartitionSourceTopics.map(topicInfo),
      copartitionGroups: s.copartitionGroups.map((g) => ({ sourceTopics: g.sourceTopics, sourceTopicRegex: g.sourceTopicRegex, repartitionSourceTopics: g.repartitionSourceTopics })),
    })),
  };
}

function tasksFromRequest(t: StreamsGroupHeartbeatRequestTaskIds[] | null): TaskMap | null {
  if (t === null) return null;
  const out: TaskMap = new Map();
  for (const x of t) {
    let set = out.get(x.subtopologyId);
    if (!set) out.set(x.subtopologyId, (set = new Set()));
    for (const p of x.partitions) set.add(p);
  }
  return out;
}

const tasksToWire = (m: TaskMap) =>
  [...m]
    .filter(([, ps]) => ps.size > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([subtopologyId, ps]) => ({ subtopologyId, partitions: [...ps].sort((x, y) => x - y) }));

export const streamsGroupHeartbeat = defineHandler(ApiKey.StreamsGroupHeartbeat, {
  minVersion: 0,
  maxVersion: 1,
  async handle(ctx, req) {
    const v = ctx.header.apiVersion;
    const empty = (code: number, errorMessage: string | null): StreamsGroupHeartbeatResponse => ({
      throttleTimeMs: 0,
      errorCode: code,
      errorMessage,
      memberId: '',
      memberEpoch: 0,
      heartbeatIntervalMs: 0,
      acceptableRecoveryLagLegacy: 0,
      taskOffsetIntervalMs: 0,
      acceptableRecoveryLag: -1n,
      status: null,
      activeTasks: null,
      standbyTasks: null,
      warmupTasks: null,
      topologyDescriptionRequired: false,
      endpointInformationEpoch: 0,
      partitionsByUserEndpoint: null,
    });
    if (!ctx.authorize('READ', groupResource(req.groupId))) return empty(ErrorCode.GROUP_AUTHORIZATION_FAILED, null);
    const topology = req.topology === null ? null : topologyFromRequest(req.topology);
    if (topology !== null) {
      const names = topologyTopics(topology);
      if (authorizedTopics(ctx, 'DESCRIBE', names).size < names.length) return empty(ErrorCode.TOPIC_AUTHORIZATION_FAILED, null);
    }
    const sg = ctx.coordinators.streamsGroups;
    const r = await sg.heartbeat({
      groupId: req.groupId,
      memberId: req.memberId,
      memberEpoch: req.memberEpoch,
      endpointInformationEpoch: req.endpointInformationEpoch,
      instanceId: req.instanceId,
      rackId: req.rackId,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      topology,
      activeTasks: tasksFromRequest(req.activeTasks),
      standbyTasks: tasksFromRequest(req.standbyTasks),
      warmupTasks: tasksFromRequest(req.warmupTasks),
      processId: req.processId,
      userEndpoint: req.userEndpoint === null ? null : { host: req.userEndpoint.host, port: req.userEndpoint.port },
      clientTags: req.clientTags === null ? null : req.clientTags.map((t) => [t.key, t.value]),
      taskOffsets: req.taskOffsets === null ? null : req.taskOffsets.map((t) => [t.subtopologyId, t.partition, Number(t.offset)]),
      taskEndOffsets: req.taskEndOffsets === null ? null : req.taskEndOffsets.map((t) => [t.subtopologyId, t.partition, Number(t.offset)]),
      shutdownApplication: req.shutdownApplication,
      clientId: ctx.header.clientId ?? '',
      clientHost: `/${ctx.conn.remoteAddress}`,
    });
    if (r.error !== null) return empty(errorCode(r.error), r.errorMessage);
    // The answer to a leave (epoch -1 or -2) carries none of the group's settings.
    const leaving = r.memberEpoch < 0;
    const status = r.status.map((s) => ({ statusCode: s.code, statusDetail: s.detail }));
    if (r.topicsToCreate.length > 0) {
      const names = r.topicsToCreate.map((t) => t.name);
      const allowed = ctx.authorize('CREATE', CLUSTER) ? new Set(names) : authorizedTopics(ctx, 'CREATE', names);
      const unauthorized = names.filter((n) => !allowed.has(n));
      const missing = status.find((s) => s.statusCode === StreamsStatus.MISSING_INTERNAL_TOPICS);
      if (unauthorized.length > 0) {
        const text = `Unauthorized to CREATE on topics ${unauthorized.join(', ')}.`;
        if (missing) missing.statusDetail += `; ${text}`;
        else status.push({ statusCode: StreamsStatus.MISSING_INTERNAL_TOPICS, statusDetail: text });
      } else {
        await sg.createInternalTopics(r.topicsToCreate);
        const failures = missing ? sg.creationFailures(names) : null;
        if (missing && failures) missing.statusDetail += `; Creation failed: ${failures}.`;
      }
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      memberId: r.memberId,
      memberEpoch: r.memberEpoch,
      heartbeatIntervalMs: r.heartbeatIntervalMs,
      acceptableRecoveryLagLegacy: leaving ? 0 : sg.config.acceptableRecoveryLag,
      taskOffsetIntervalMs: leaving ? 0 : sg.config.taskOffsetIntervalMs,
      acceptableRecoveryLag: v >= 1 ? (leaving ? -1n : BigInt(sg.config.acceptableRecoveryLag)) : undefined,
      status,
      activeTasks: r.assignment === null ? null : tasksToWire(r.assignment.active),
      standbyTasks: r.assignment === null ? null : tasksToWire(r.assignment.standby),
      warmupTasks: r.assignment === null ? null : tasksToWire(r.assignment.warmup),
      topologyDescriptionRequired: false,
      endpointInformationEpoch: r.endpointInformationEpoch,
      partitionsByUserEndpoint:
        r.partitionsByUserEndpoint === null
          ? null
          : r.partitionsByUserEndpoint.map((e) => ({
              userEndpoint: { host: e.endpoint.host, port: e.endpoint.port },
              activePartitions: e.active.map((x) => ({ topic: x.topic, partitions: x.partitions })),
              standbyPartitions: e.standby.map((x) => ({ topic: x.topic, partitions: x.partitions })),
            })),
    };
  },
});
