// DeleteGroups (42): removes empty groups and their committed offsets (a share group: its
// share-partition state and configs). v3 adds a message to each
// result, which Kafka 4.4 leaves null for the errors Wharf answers (and so does Wharf).
// Authorization, as Kafka: DELETE on each group, else GROUP_AUTHORIZATION_FAILED for it.
import { ApiKey } from '../protocol/messages/index.js';
import { groupResource } from '../authorization.js';
import { ErrorCode, errorCode } from '../errors.js';
import { defineHandler } from './types.js';

export const deleteGroups = defineHandler(ApiKey.DeleteGroups, {
  minVersion: 0,
  maxVersion: 3,
  async handle(ctx, req) {
    const { groups } = ctx.coordinators;
    const results = [];
    // A group named twice is answered once, as Kafka does.
    for (const groupId of new Set(req.groupsNames)) {
      if (!ctx.authorize('DELETE', groupResource(groupId))) results.push({ groupId, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage: null });
      else if (ctx.coordinators.shareGroups.has(groupId)) results.push({ groupId, errorCode: errorCode(await ctx.coordinators.shareGroups.deleteGroup(groupId)), errorMessage: null });
      else results.push({ groupId, errorCode: errorCode(await groups.deleteGroup(groupId)), errorMessage: null });
    }
    return { throttleTimeMs: 0, results };
  },
});
