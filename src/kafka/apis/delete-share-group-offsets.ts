// DeleteShareGroupOffsets (92): forgets the share-partition state of topics of an empty share
// group (the next member to get them starts over from share.auto.offset.reset).
// Authorization, as Kafka: DELETE on the group (else GROUP_AUTHORIZATION_FAILED) and READ on
// each topic (else TOPIC_AUTHORIZATION_FAILED for it).
import { ApiKey } from '../protocol/messages/index.js';
import { groupResource, topicResource } from '../authorization.js';
import { topicIdToWire, ZERO_UUID } from '../context.js';
import { ErrorCode, errorCode } from '../errors.js';
import { defineHandler } from './types.js';

export const deleteShareGroupOffsets = defineHandler(ApiKey.DeleteShareGroupOffsets, {
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, req) {
    const fail = (code: number, errorMessage: string | null) => ({ throttleTimeMs: 0, errorCode: code, errorMessage, responses: [] });
    if (!ctx.authorize('DELETE', groupResource(req.groupId))) return fail(ErrorCode.GROUP_AUTHORIZATION_FAILED, null);
    const allowed = req.topics.map((t) => ctx.authorize('READ', topicResource(t.topicName)));
    const r = await ctx.coordinators.shareGroups.deleteOffsets(req.groupId, req.topics.filter((_, i) => allowed[i]).map((t) => t.topicName));
    if (r.error !== null) return fail(errorCode(r.error), r.message);
    let k = 0;
    const responses = req.topics.map((t, i) => {
      const id = ctx.log.topicInfo(t.topicName)?.topicId;
      const code = allowed[i] ? errorCode(r.topics[k++] ?? null) : ErrorCode.TOPIC_AUTHORIZATION_FAILED;
      return { topicName: t.topicName, topicId: id ? topicIdToWire(id) : ZERO_UUID, errorCode: code, errorMessage: code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION ? 'The topic-partition does not exist.' : null };
    });
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, responses };
  },
});
