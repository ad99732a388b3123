// DescribeGroups (15): state, protocol and members of groups (metadata and assignments only
// while Stable, as Kafka). An unknown group is described as Dead.
import type { DescribeGroupsRequest, DescribeGroupsResponse } from '../protocol/messages/index.js';
import { coordinatorsOf, errorNumber, thrownNumber } from '../coordination.js';
import type { ApiHandler } from './types.js';

const NO_OPERATIONS = -2147483648;
const EMPTY = Buffer.alloc(0);

export const describeGroups: ApiHandler<DescribeGroupsRequest, DescribeGroupsResponse> = {
  key: 15,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, req) {
    let c;
    try {
      c = coordinatorsOf(ctx.broker);
    } catch (e) {
      const n = thrownNumber(e);
      return { throttleTimeMs: 0, groups: req.groups.map((groupId) => ({ errorCode: n, groupId, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: NO_OPERATIONS })) };
    }
    return {
      throttleTimeMs: 0,
      groups: req.groups.map((groupId) => {
        if (c.groups.isConsumerGroup(groupId)) {
          const d = c.consumerGroups.describeAsClassic(groupId);
          return { errorCode: 0, groupId, groupState: d.state, protocolType: 'consumer', protocolData: '', members: d.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost, memberMetadata: EMPTY, memberAssignment: EMPTY })), authorizedOperations: NO_OPERATIONS };
        }
        const d = c.groups.describeGroup(groupId);
        return {
          errorCode: errorNumber(d.error),
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
};
