// DescribeGroups (15): state, protocol and members of groups (metadata and assignments only
// while Stable, as Kafka). An unknown group is described as Dead; from v6 (KIP-1043) it is
// GROUP_ID_NOT_FOUND, and so is a KIP-848 consumer group ("not a classic group"), as Kafka 4.4
// answers (below v6 Wharf describes a consumer group's members as a classic group's, where
// Kafka says Dead). A streams group (KIP-1071) is "not a classic group" from v6 and Dead
// below, as Kafka 4.4 answers. With includeAuthorizedOperations (v3+) a group found lists the operations
// the principal may perform on it.
// Authorization, as Kafka: DESCRIBE on each group, else GROUP_AUTHORIZATION_FAILED for it.
import { ApiKey } from '../protocol/messages/index.js';
import { authorizedOperations, groupResource } from '../authorization.js';
import { ErrorCode, errorCode } from '../errors.js';
import { defineHandler } from './types.js';

const NO_OPERATIONS = -2147483648;
const EMPTY = Buffer.alloc(0);
/** The first version that answers GROUP_ID_NOT_FOUND (KIP-1043). */
const NOT_FOUND_VERSION = 6;

export const describeGroups = defineHandler(ApiKey.DescribeGroups, {
  minVersion: 0,
  maxVersion: 6,
  handle(ctx, req) {
    const c = ctx.coordinators;
    const v = ctx.header.apiVersion;
    const ops = (groupId: string): number => (v >= 3 && req.includeAuthorizedOperations === true ? authorizedOperations(ctx, groupResource(groupId)) : NO_OPERATIONS);
    const notFound = (groupId: string, errorMessage: string) => ({ errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage, groupId, groupState: 'Dead', protocolType: '', protocolData: '', members: [], authorizedOperations: NO_OPERATIONS });
    return {
      throttleTimeMs: 0,
      groups: req.groups.map((groupId) => {
        if (!ctx.authorize('DESCRIBE', groupResource(groupId))) {
          return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage: null, groupId, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: NO_OPERATIONS };
        }
        if (c.groups.isConsumerGroup(groupId)) {
          if (v >= NOT_FOUND_VERSION) return notFound(groupId, `Group ${groupId} is not a classic group.`);
          const d = c.consumerGroups.describeAsClassic(groupId);
          return { errorCode: ErrorCode.NONE, groupId, groupState: d.state, protocolType: 'consumer', protocolData: '', members: d.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost, memberMetadata: EMPTY, memberAssignment: EMPTY })), authorizedOperations: ops(groupId) };
        }
        if (c.groups.groupTypeOf(groupId) === 'streams') {
          if (v >= NOT_FOUND_VERSION) return notFound(groupId, `Group ${groupId} is not a classic group.`);
          return { errorCode: ErrorCode.NONE, groupId, groupState: 'Dead', protocolType: '', protocolData: '', members: [], authorizedOperations: NO_OPERATIONS };
        }
        const d = c.groups.describeGroup(groupId);
        if (v >= NOT_FOUND_VERSION && d.error === null && d.state === 'Dead') return notFound(groupId, `Group ${groupId} not found.`);
        return {
          errorCode: errorCode(d.error),
          errorMessage: null,
          groupId,
          groupState: d.state,
          protocolType: d.protocolType,
          protocolData: d.protocolData,
          members: d.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost, memberMetadata: m.metadata, memberAssignment: m.assignment })),
          authorizedOperations: ops(groupId),
        };
      }),
    };
  },
});
