// StreamsGroupDescribe (89): streams groups (KIP-1071) with their epochs, topology (with the
// internal topics' partition counts once configured), members (process, endpoint, task offsets)
// and current and target assignments of active, standby and warm-up tasks. A group of another
// type is GROUP_ID_NOT_FOUND "is not a streams group", an unknown one "not found", as Kafka 4.4
// answers. v1 (KIP-1331) may carry topology descriptions: Wharf keeps none, and names its
// assignor "sticky", as Kafka's default.
// Authorization, as Kafka: DESCRIBE on each group, else GROUP_AUTHORIZATION_FAILED for it.
import { ApiKey } from '../protocol/messages/index.js';
import type { StreamsGroupDescribeResponseDescribedGroup } from '../protocol/messages/streams-group-describe.js';
import type { TaskAssignment, TaskMap } from '../../core/coordinators/streams-assignor.js';
import { authorizedOperations, groupResource } from '../authorization.js';
import { ErrorCode, errorCode } from '../errors.js';
import { defineHandler } from './types.js';

const NO_OPERATIONS = -2147483648;
/** KIP-1331's status of a group's topology description: none stored. */
const NO_TOPOLOGY_DESCRIPTION = 0;

const tasks = (m: TaskMap) =>
  [...m]
    .filter(([, ps]) => ps.size > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([subtopologyId, ps]) => ({ subtopologyId, partitions: [...ps].sort((x, y) => x - y) }));
const assignment = (t: TaskAssignment) => ({ activeTasks: tasks(t.active), standbyTasks: tasks(t.standby), warmupTasks: tasks(t.warmup) });
const keyValues = (kv: Array<[string, string]>) => kv.map(([key, value]) => ({ key, value }));

export const streamsGroupDescribe = defineHandler(ApiKey.StreamsGroupDescribe, {
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, req) {
    const v = ctx.header.apiVersion;
    const failed = (groupId: string, code: number, errorMessage: string | null): StreamsGroupDescribeResponseDescribedGroup => ({
      errorCode: code,
      errorMessage,
      groupId,
      groupState: '',
      groupEpoch: -1,
      assignmentEpoch: -1,
      topology: null,
      members: [],
      authorizedOperations: NO_OPERATIONS,
      topologyDescription: null,
      topologyDescriptionStatus: NO_TOPOLOGY_DESCRIPTION,
      assignorName: null,
    });
    return {
      throttleTimeMs: 0,
      groups: req.groupIds.map((groupId): StreamsGroupDescribeResponseDescribedGroup => {
        if (!ctx.authorize('DESCRIBE', groupResource(groupId))) return failed(groupId, ErrorCode.GROUP_AUTHORIZATION_FAILED, null);
        const d = ctx.coordinators.streamsGroups.describe(groupId);
        if (d.error !== null) return failed(groupId, errorCode(d.error), d.errorMessage);
        return {
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          groupId,
          groupState: d.state,
          groupEpoch: d.epoch,
          assignmentEpoch: d.assignmentEpoch,
          topology: d.topology && {
            epoch: d.topology.epoch,
            subtopologies: d.topology.subtopologies
              ? d.topology.subtopologies.map((s) => ({
                  subtopologyId: s.subtopologyId,
                  sourceTopics: s.sourceTopics,
                  repartitionSinkTopics: s.repartitionSinkTopics,
                  stateChangelogTopics: s.stateChangelogTopics.map((t) => ({ name: t.name, partitions: t.partitions, replicationFactor: t.replicationFactor, topicConfigs: keyValues(t.configs) })),
                  repartitionSourceTopics: s.repartitionSourceTopics.map((t) => ({ name: t.name, partitions: t.partitions, replicationFactor: t.replicationFactor, topicConfigs: keyValues(t.configs) })),
                }))
              : null,
          },
          members: d.members.map((m) => ({
            memberId: m.memberId,
            memberEpoch: m.memberEpoch,
            instanceId: m.instanceId,
            rackId: m.rackId,
            clientId: m.clientId,
            clientHost: m.clientHost,
            topologyEpoch: m.topologyEpoch,
            processId: m.processId,
            userEndpoint: m.userEndpoint,
            clientTags: keyValues(m.clientTags),
            taskOffsets: m.taskOffsets.map(([subtopologyId, partition, offset]) => ({ subtopologyId, partition, offset: BigInt(offset) })),
            taskEndOffsets: m.taskEndOffsets.map(([subtopologyId, partition, offset]) => ({ subtopologyId, partition, offset: BigInt(offset) })),
            assignment: assignment(m.assignment),
            targetAssignment: assignment(m.target),
            isClassic: false,
          })),
          authorizedOperations: req.includeAuthorizedOperations ? authorizedOperations(ctx, groupResource(groupId)) : NO_OPERATIONS,
          topologyDescription: null,
          topologyDescriptionStatus: NO_TOPOLOGY_DESCRIPTION,
          assignorName: v >= 1 ? 'sticky' : null,
        };
      }),
    };
  },
});
