// JoinGroup (11): the classic group protocol's join, with the two-step join of v4+
// (MEMBER_ID_REQUIRED), static membership (v5+) and skipAssignment (v9). The request waits in
// the coordinator until the rebalance completes.
// Authorization, as Kafka: READ on the group, else GROUP_AUTHORIZATION_FAILED.
import { ApiKey, type JoinGroupResponse } from '../protocol/messages/index.js';
import { groupResource } from '../authorization.js';
import { ErrorCode, errorCode } from '../errors.js';
import { defineHandler } from './types.js';

export const joinGroup = defineHandler(ApiKey.JoinGroup, {
  minVersion: 0,
  maxVersion: 9,
  async handle(ctx, req) {
    const v = ctx.header.apiVersion;
    if (!ctx.authorize('READ', groupResource(req.groupId))) {
      const denied: JoinGroupResponse = { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, generationId: -1, protocolType: null, protocolName: v >= 7 ? null : '', leader: '', skipAssignment: false, memberId: req.memberId, members: [] };
      return denied;
    }
    const r = await ctx.coordinators.groups.joinGroup({
      groupId: req.groupId,
      memberId: req.memberId,
      groupInstanceId: v >= 5 ? (req.groupInstanceId ?? null) : null,
      clientId: ctx.header.clientId ?? '',
      clientHost: `/${ctx.conn.remoteAddress}`,
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs: v >= 1 ? (req.rebalanceTimeoutMs ?? -1) : -1,
      protocolType: req.protocolType,
      protocols: req.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
      requireKnownMemberId: v >= 4,
      reason: req.reason ?? null,
    });
    return {
      throttleTimeMs: 0,
      errorCode: errorCode(r.error),
      generationId: r.generationId,
      protocolType: r.protocolType,
      // Before v7 the protocol name is not nullable.
      protocolName: v >= 7 ? r.protocolName : (r.protocolName ?? ''),
      leader: r.leader,
      skipAssignment: r.skipAssignment,
      memberId: r.memberId,
      members: r.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata })),
    };
  },
});
