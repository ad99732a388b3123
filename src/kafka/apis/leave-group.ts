// LeaveGroup (13): members leave (batched from v3, with reasons from v5); the group rebalances.
import type { LeaveGroupRequest, LeaveGroupResponse } from '../protocol/messages/index.js';
import { coordinatorsOf, errorNumber, thrownNumber } from '../coordination.js';
import type { ApiHandler } from './types.js';

export const leaveGroup: ApiHandler<LeaveGroupRequest, LeaveGroupResponse> = {
  key: 13,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, req) {
    const v = ctx.header.apiVersion;
    let groups;
    try {
      groups = coordinatorsOf(ctx.broker).groups;
    } catch (e) {
      return { throttleTimeMs: 0, errorCode: thrownNumber(e), members: [] };
    }
    const members = v >= 3 ? (req.members ?? []).map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, reason: m.reason ?? null })) : [{ memberId: req.memberId ?? '', groupInstanceId: null }];
    const r = groups.leaveGroup(req.groupId, members);
    if (v < 3) {
      // One member: its error is the response's.
      return { throttleTimeMs: 0, errorCode: errorNumber(r.error ?? r.members[0]?.error ?? null) };
    }
    return {
      throttleTimeMs: 0,
      errorCode: errorNumber(r.error),
      members: r.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: errorNumber(m.error) })),
    };
  },
};
