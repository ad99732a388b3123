// DescribeGroups (15): state, protocol and members of groups (metadata and assignments only
// while Stable, as Kafka). An unknown group is described as Dead.
// Authorization, as Kafka: DESCRIBE on each group, else GROUP_AUTHORIZATION_FAILED for it.
import { ApiKey } from '../protocol/messages/index.js';
import { groupResource } from '../authorization.js';
import { ErrorCode, errorCode } from '../errors.js';
import { defineHandler } from './types.js';

const NO_OPERATIONS = -2147483648;
const EMPTY = Buffer.alloc(0);

export const describeGroups = defineHandler(ApiKey.DescribeGroups, {
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, req) {
    const c = ctx.coordinators;
    return {
      throttleTimeMs: 0,
      groups: req.groups.map((groupId) => {
        if (!ctx.authorize('DESCRIBE', groupResource(groupId))) {
          return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, groupId, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: NO_OPERATIONS };
        }
        if (c.groups.isConsumerGroup(groupId)) {
          const d = c.consumerGroups.describeAsClassic(groupId);
          return { errorCode: ErrorCode.NONE, groupId, groupState: d.state, protocolType: 'consumer', protocolData: '', members: d.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost, memberMetadata: EMPTY, memberAssignment: EMPTY })), authorizedOperations: NO_OPERATIONS };
        }
        const d = c.groups.describeGroup(groupId);
        return {
          errorCode: errorCode(d.error),
          groupId,
          groupState: d.state,
          protocolType: d.protocolType,
          protocolData: d.protocolData,
          members: d.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost, memberMetadata: m.metadata, memberAssignment: m.assignment })),
          authorizedOperations: NO_OPERATIONS,
        };
      }),
    };
  },
});
