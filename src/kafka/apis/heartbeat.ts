// Heartbeat (12): keeps a classic group member's session alive and tells it about rebalances.
// Authorization, as Kafka: READ on the group, else GROUP_AUTHORIZATION_FAILED.
import { ApiKey } from '../protocol/messages/index.js';
import { groupResource } from '../authorization.js';
import { ErrorCode, errorCode } from '../errors.js';
import { defineHandler } from './types.js';

export const heartbeat = defineHandler(ApiKey.Heartbeat, {
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, req) {
    if (!ctx.authorize('READ', groupResource(req.groupId))) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
    const { groups } = ctx.coordinators;
    return { throttleTimeMs: 0, errorCode: errorCode(groups.heartbeat(req.groupId, req.memberId, req.groupInstanceId ?? null, req.generationId)) };
  },
});
