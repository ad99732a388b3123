// SyncGroup (14): the leader hands in the assignment; every member waits for its own.
import type { SyncGroupRequest, SyncGroupResponse } from '../protocol/messages/index.js';
import { coordinatorsOf, errorNumber, thrownNumber } from '../coordination.js';
import type { ApiHandler } from './types.js';

const EMPTY = Buffer.alloc(0);

export const syncGroup: ApiHandler<SyncGroupRequest, SyncGroupResponse> = {
  key: 14,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req) {
    let groups;
    try {
      groups = coordinatorsOf(ctx.broker).groups;
    } catch (e) {
      return { throttleTimeMs: 0, errorCode: thrownNumber(e), protocolType: null, protocolName: null, assignment: EMPTY };
    }
    const r = await groups.syncGroup({
      groupId: req.groupId,
      generationId: req.generationId,
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId ?? null,
      protocolType: req.protocolType ?? null,
      protocolName: req.protocolName ?? null,
      assignments: req.assignments.map((a) => ({ memberId: a.memberId, assignment: a.assignment })),
    });
    return { throttleTimeMs: 0, errorCode: errorNumber(r.error), protocolType: r.protocolType, protocolName: r.protocolName, assignment: r.assignment };
  },
};
