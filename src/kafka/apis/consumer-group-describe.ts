// ConsumerGroupDescribe (69): KIP-848 groups with their epochs, assignor, members, current and
// target assignments.
import type { ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse } from '../protocol/messages/index.js';
import type { Assignment } from '../../core/coordinators/consumer-group.js';
import { topicIdToWire } from '../context.js';
import { coordinatorsOf, errorNumber, thrownNumber } from '../coordination.js';
import type { ApiHandler } from './types.js';

const NO_OPERATIONS = -2147483648;

export const consumerGroupDescribe: ApiHandler<ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse> = {
  key: 69,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, req) {
    let c;
    try {
      c = coordinatorsOf(ctx.broker);
    } catch (e) {
      const n = thrownNumber(e);
      return { throttleTimeMs: 0, groups: req.groupIds.map((groupId) => ({ errorCode: n, errorMessage: null, groupId, groupState: '', groupEpoch: -1, assignmentEpoch: -1, assignorName: '', members: [], authorizedOperations: NO_OPERATIONS })) };
    }
    const idByName = new Map(ctx.broker.log.listTopics().map((t) => [t.name, t.topicId]));
    const wire = (a: Assignment) => ({
      topicPartitions: [...a]
        .filter(([name, ps]) => ps.size > 0 && idByName.has(name))
        .map(([topicName, ps]) => ({ topicId: topicIdToWire(idByName.get(topicName)!), topicName, partitions: [...ps].sort((x, y) => x - y) })),
    });
    return {
      throttleTimeMs: 0,
      groups: req.groupIds.map((groupId) => {
        if (!c.consumerGroups.has(groupId)) {
          const classic = c.groups.groupState(groupId) !== null;
          return {
            errorCode: errorNumber('GROUP_ID_NOT_FOUND'),
            errorMessage: classic ? `Group ${groupId} is not a consumer group.` : `Group ${groupId} not found.`,
            groupId,
            groupState: '',
            groupEpoch: -1,
            assignmentEpoch: -1,
            assignorName: '',
            members: [],
            authorizedOperations: NO_OPERATIONS,
          };
        }
        const d = c.consumerGroups.describe(groupId);
        return {
          errorCode: errorNumber(d.error),
          errorMessage: null,
          groupId,
          groupState: d.state,
          groupEpoch: d.epoch,
          assignmentEpoch: d.assignmentEpoch,
          assignorName: d.assignor,
          members: d.members.map((m) => ({
            memberId: m.memberId,
            instanceId: m.instanceId,
            rackId: m.rackId,
            memberEpoch: m.memberEpoch,
            clientId: m.clientId,
            clientHost: m.clientHost,
            subscribedTopicNames: m.subscribedTopicNames,
            subscribedTopicRegex: m.subscribedTopicRegex,
            assignment: wire(m.assignment),
            targetAssignment: wire(m.target),
          })),
          authorizedOperations: NO_OPERATIONS,
        };
      }),
    };
  },
};
