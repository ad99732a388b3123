// AlterShareGroupOffsets (91): sets the share-partition start offsets of an empty share group
// (creating the group's state if it has none); what was in flight is forgotten.
// Authorization, as Kafka: READ on the group (else GROUP_AUTHORIZATION_FAILED) and on each topic
// (else TOPIC_AUTHORIZATION_FAILED for its partitions).
import { ApiKey } from '../protocol/messages/index.js';
import { groupResource, topicResource } from '../authorization.js';
import { topicIdToWire, ZERO_UUID } from '../context.js';
import { ErrorCode, errorCode } from '../errors.js';
import { defineHandler } from './types.js';

export const alterShareGroupOffsets = defineHandler(ApiKey.AlterShareGroupOffsets, {
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, req) {
    const fail = (code: number, errorMessage: string | null) => ({ throttleTimeMs: 0, errorCode: code, errorMessage, responses: [] });
    if (!ctx.authorize('READ', groupResource(req.groupId))) return fail(ErrorCode.GROUP_AUTHORIZATION_FAILED, null);
    const allowed = req.topics.map((t) => ctx.authorize('READ', topicResource(t.topicName)));
    const wanted = req.topics.flatMap((t, i) => (allowed[i] ? t.partitions.map((p) => ({ topic: t.topicName, partition: p.partitionIndex, startOffset: Number(p.startOffset) })) : []));
    const r = await ctx.coordinators.shareGroups.alterOffsets(req.groupId, wanted);
    if (r.error !== null) return fail(errorCode(r.error), r.message);
    let k = 0;
    const responses = req.topics.map((t, i) => {
      const id = ctx.log.topicInfo(t.topicName)?.topicId;
      return {
        topicName: t.topicName,
        topicId: id ? topicIdToWire(id) : ZERO_UUID,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: allowed[i] ? errorCode(r.partitions[k++] ?? null) : ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: null })),
      };
    });
    // Kafka answers the topics it does not know first.
    const unknown = (t: { topicId: string }) => (t.topicId === ZERO_UUID ? 0 : 1);
    responses.sort((a, b) => unknown(a) - unknown(b));
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, responses };
  },
});
