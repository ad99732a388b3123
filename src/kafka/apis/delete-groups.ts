// DeleteGroups (42): removes empty groups and their committed offsets.
import type { DeleteGroupsRequest, DeleteGroupsResponse } from '../protocol/messages/index.js';
import { coordinatorsOf, errorNumber, thrownNumber } from '../coordination.js';
import type { ApiHandler } from './types.js';

export const deleteGroups: ApiHandler<DeleteGroupsRequest, DeleteGroupsResponse> = {
  key: 42,
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, req) {
    let groups;
    try {
      groups = coordinatorsOf(ctx.broker).groups;
    } catch (e) {
      const n = thrownNumber(e);
      return { throttleTimeMs: 0, results: [...new Set(req.groupsNames)].map((groupId) => ({ groupId, errorCode: n })) };
    }
    const results = [];
    // A group named twice is answered once, as Kafka does.
    for (const groupId of new Set(req.groupsNames)) results.push({ groupId, errorCode: errorNumber(await groups.deleteGroup(groupId)) });
    return { throttleTimeMs: 0, results };
  },
};
