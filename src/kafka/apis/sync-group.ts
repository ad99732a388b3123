// SyncGroup (14): the leader hands in the assignment; every member waits for its own.
// Authorization, as Kafka: READ on the group, else GROUP_AUTHORIZATION_FAILED.
import { ApiKey } from '../protocol/messages/index.js';
import { groupResource } from '../authorization.js';
import { ErrorCode, errorCode } from '../errors.js';
import { defineHandler } from './types.js';

const EMPTY = Buffer.alloc(0);

export const syncGroup = defineHandler(ApiKey.SyncGroup, {
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req) {
    if (!ctx.authorize('READ', groupResource(req.groupId))) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, protocolType: null, protocolName: null, assignment: EMPTY };
    }
    const r = await ctx.coordinators.groups.syncGroup({
      groupId: req.groupId,
      generationId: req.generationId,
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId ?? null,
      protocolType: req.protocolType ?? null,
      protocolName: req.protocolName ?? null,
      assignments: req.assignments.map((a) => ({ memberId: a.memberId, assignment: a.assignment })),
    });
    return { throttleTimeMs: 0, errorCode: errorCode(r.error), protocolType: r.protocolType, protocolName: r.protocolName, assignment: r.assignment };
  },
});
