// OffsetDelete (47): removes committed offsets of partitions the group no longer subscribes to.
// Authorization, as Kafka: DELETE on the group (else GROUP_AUTHORIZATION_FAILED), and READ on
// each topic (else TOPIC_AUTHORIZATION_FAILED on its partitions).
import { ApiKey } from '../protocol/messages/index.js';
import { authorizedTopics, groupResource } from '../authorization.js';
import { ErrorCode, errorCode } from '../errors.js';
import { defineHandler } from './types.js';

export const offsetDelete = defineHandler(ApiKey.OffsetDelete, {
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, req) {
    const { log } = ctx;
    if (!ctx.authorize('DELETE', groupResource(req.groupId))) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, topics: [] };
    const readable = authorizedTopics(ctx, 'READ', req.topics.map((t) => t.name));
    const topicError = (name: string): ErrorCode | null =>
      !readable.has(name) ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : !log.hasTopic(name) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : null;
    const wanted = req.topics.filter((t) => topicError(t.name) === null).flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex })));
    const r = await ctx.coordinators.groups.deleteOffsets(req.groupId, wanted);
    if (r.error !== null) return { throttleTimeMs: 0, errorCode: errorCode(r.error), topics: [] };
    const byTp = new Map(r.partitions.map((p) => [`${p.topic}\u0000${p.partition}`, errorCode(p.error)]));
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: topicError(t.name) ?? byTp.get(`${t.name}\u0000${p.partitionIndex}`) ?? ErrorCode.NONE })),
      })),
    };
  },
});
