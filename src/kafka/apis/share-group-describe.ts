// ShareGroupDescribe (77): share groups with their epochs, assignor, members and assignments.
// A group of another type, or none, is GROUP_ID_NOT_FOUND, as Kafka answers.
// Authorization, as Kafka: DESCRIBE on each group, else GROUP_AUTHORIZATION_FAILED for it.
import { ApiKey } from '../protocol/messages/index.js';
import type { ShareAssignment } from '../../core/coordinators/share-group.js';
import { authorizedOperations, groupResource } from '../authorization.js';
import { topicIdToWire } from '../context.js';
import { ErrorCode } from '../errors.js';
import { defineHandler } from './types.js';

const NO_OPERATIONS = -2147483648;
/** The assignor Kafka 4.4 names for share groups. */
const SHARE_ASSIGNOR = 'simple';

export const shareGroupDescribe = defineHandler(ApiKey.ShareGroupDescribe, {
  minVersion: 1,
  maxVersion: 1,
  handle(ctx, req) {
    const { log } = ctx;
    const c = ctx.coordinators;
    const wire = (a: ShareAssignment) => ({
      topicPartitions: [...a].flatMap(([topicName, ps]) => {
        const id = ps.size > 0 ? (log.topicInfo(topicName)?.topicId ?? null) : null;
        return id === null ? [] : [{ topicId: topicIdToWire(id), topicName, partitions: [...ps].sort((x, y) => x - y) }];
      }),
    });
    const failed = (groupId: string, code: number, errorMessage: string | null) => ({ errorCode: code, errorMessage, groupId, groupState: '', groupEpoch: -1, assignmentEpoch: -1, assignorName: '', members: [], authorizedOperations: NO_OPERATIONS });
    return {
      throttleTimeMs: 0,
      groups: req.groupIds.map((groupId) => {
        if (!ctx.authorize('DESCRIBE', groupResource(groupId))) return failed(groupId, ErrorCode.GROUP_AUTHORIZATION_FAILED, null);
        const d = c.shareGroups.describe(groupId);
        if (d === null) {
          const other = c.groups.groupState(groupId) !== null || c.groups.groupTypeOf(groupId) !== null;
          return failed(groupId, ErrorCode.GROUP_ID_NOT_FOUND, other ? `Group ${groupId} is not a share group.` : `Group ${groupId} not found.`);
        }
        return {
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          groupId,
          groupState: d.state,
          groupEpoch: d.epoch,
          assignmentEpoch: d.assignmentEpoch,
          assignorName: SHARE_ASSIGNOR,
          members: d.members.map((m) => ({
            memberId: m.memberId,
            rackId: m.rackId,
            memberEpoch: m.memberEpoch,
            clientId: m.clientId,
            clientHost: m.clientHost,
            subscribedTopicNames: m.subscribedTopicNames,
            assignment: wire(m.assignment),
          })),
          authorizedOperations: req.includeAuthorizedOperations ? authorizedOperations(ctx, groupResource(groupId)) : NO_OPERATIONS,
        };
      }),
    };
  },
});
