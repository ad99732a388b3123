// JoinGroup (11): the classic group protocol's join, with the two-step join of v4+
// (MEMBER_ID_REQUIRED), static membership (v5+) and skipAssignment (v9). The request waits in
// the coordinator until the rebalance completes.
import type { JoinGroupRequest, JoinGroupResponse } from '../protocol/messages/index.js';
import { coordinatorsOf, errorNumber, thrownNumber } from '../coordination.js';
import type { ApiHandler } from './types.js';

export const joinGroup: ApiHandler<JoinGroupRequest, JoinGroupResponse> = {
  key: 11,
  minVersion: 0,
  maxVersion: 9,
  async handle(ctx, req) {
    const v = ctx.header.apiVersion;
    const empty = (errorCode: number): JoinGroupResponse => ({ throttleTimeMs: 0, errorCode, generationId: -1, protocolType: null, protocolName: v >= 7 ? null : '', leader: '', skipAssignment: false, memberId: req.memberId, members: [] });
    let groups;
    try {
      groups = coordinatorsOf(ctx.broker).groups;
    } catch (e) {
      return empty(thrownNumber(e));
    }
    const r = await groups.joinGroup({
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
      errorCode: errorNumber(r.error),
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
};
