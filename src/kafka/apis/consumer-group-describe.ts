// ConsumerGroupDescribe (69): KIP-848 groups with their epochs, assignor, members, current and
// target assignments. v1 adds each member's type (KIP-1099): 1 for a member of the consumer
// protocol, 0 for a classic-protocol member (a group upgraded online, or a classic member that
// joined a consumer group: group-migration.ts).
// With includeAuthorizedOperations the group's operations the principal may perform are listed.
// A classic or streams group of the id is GROUP_ID_NOT_FOUND "is not a consumer group", as Kafka 4.4.
// Authorization, as Kafka: DESCRIBE on each group, else GROUP_AUTHORIZATION_FAILED for it.
import { ApiKey } from '../protocol/messages/index.js';
import type { Assignment } from '../../core/coordinators/consumer-group.js';
import { authorizedOperations, groupResource } from '../authorization.js';
import { topicIdToWire } from '../context.js';
import { ErrorCode, errorCode } from '../errors.js';
import { defineHandler } from './types.js';

const NO_OPERATIONS = -2147483648;
/** KIP-1099's member types: -1 unknown, 0 classic, 1 consumer. */
const CLASSIC_MEMBER = 0;
const CONSUMER_MEMBER = 1;

export const consumerGroupDescribe = defineHandler(ApiKey.ConsumerGroupDescribe, {
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, req) {
    const c = ctx.coordinators;
    const { log } = ctx;
    const wire = (a: Assignment) => ({
      topicPartitions: [...a].flatMap(([topicName, ps]) => {
        const id = ps.size > 0 ? (log.topicInfo(topicName)?.topicId ?? null) : null;
        return id === null ? [] : [{ topicId: topicIdToWire(id), topicName, partitions: [...ps].sort((x, y) => x - y) }];
      }),
    });
    const failed = (groupId: string, code: number, errorMessage: string | null) => ({ errorCode: code, errorMessage, groupId, groupState: '', groupEpoch: 0, assignmentEpoch: 0, assignorName: '', members: [], authorizedOperations: NO_OPERATIONS });
    return {
      throttleTimeMs: 0,
      groups: req.groupIds.map((groupId) => {
        if (!ctx.authorize('DESCRIBE', groupResource(groupId))) return failed(groupId, ErrorCode.GROUP_AUTHORIZATION_FAILED, null);
        if (!c.consumerGroups.has(groupId)) {
          const other = c.groups.groupTypeOf(groupId) !== null || c.groups.groupState(groupId) !== null;
          return failed(groupId, ErrorCode.GROUP_ID_NOT_FOUND, other ? `Group ${groupId} is not a consumer group.` : `Group ${groupId} not found.`);
        }
        const d = c.consumerGroups.describe(groupId);
        return {
          errorCode: errorCode(d.error),
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
            memberType: m.classic ? CLASSIC_MEMBER : CONSUMER_MEMBER,
          })),
          authorizedOperations: req.includeAuthorizedOperations ? authorizedOperations(ctx, groupResource(groupId)) : NO_OPERATIONS,
        };
      }),
    };
  },
});
