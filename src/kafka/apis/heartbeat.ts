// Heartbeat (12): keeps a classic group member's session alive and tells it about rebalances.
import type { HeartbeatRequest, HeartbeatResponse } from '../protocol/messages/index.js';
import { coordinatorsOf, errorNumber, thrownNumber } from '../coordination.js';
import type { ApiHandler } from './types.js';

export const heartbeat: ApiHandler<HeartbeatRequest, HeartbeatResponse> = {
  key: 12,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, req) {
    try {
      const groups = coordinatorsOf(ctx.broker).groups;
      return { throttleTimeMs: 0, errorCode: errorNumber(groups.heartbeat(req.groupId, req.memberId, req.groupInstanceId ?? null, req.generationId)) };
    } catch (e) {
      return { throttleTimeMs: 0, errorCode: thrownNumber(e) };
    }
  },
};
