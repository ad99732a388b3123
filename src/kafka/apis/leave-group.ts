// LeaveGroup (13): members leave (batched from v3, with reasons from v5); the group rebalances.
// Authorization, as Kafka: READ on the group, else GROUP_AUTHORIZATION_FAILED.
import { ApiKey } from '../protocol/messages/index.js';
import { groupResource } from '../authorization.js';
import { ErrorCode, errorCode } from '../errors.js';
import { defineHandler } from './types.js';

export const leaveGroup = defineHandler(ApiKey.LeaveGroup, {
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, req) {
    const v = ctx.header.apiVersion;
    if (!ctx.authorize('READ', groupResource(req.groupId))) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, members: [] };
    const members = v >= 3 ? (req.members ?? []).map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, reason: m.reason ?? null })) : [{ memberId: req.memberId ?? '', groupInstanceId: null }];
    const r = ctx.coordinators.groups.leaveGroup(req.groupId, members);
    if (v < 3) {
      // One member: its error is the response's.
      return { throttleTimeMs: 0, errorCode: errorCode(r.error ?? r.members[0]?.error ?? null) };
    }
    return {
      throttleTimeMs: 0,
      errorCode: errorCode(r.error),
      members: r.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: errorCode(m.error) })),
    };
  },
});
