// OffsetDelete (47): removes committed offsets of partitions the group no longer subscribes to.
import type { OffsetDeleteRequest, OffsetDeleteResponse } from '../protocol/messages/index.js';
import { coordinatorsOf, errorNumber, thrownNumber } from '../coordination.js';
import type { ApiHandler } from './types.js';

const UNKNOWN_TOPIC_OR_PARTITION = 3;

export const offsetDelete: ApiHandler<OffsetDeleteRequest, OffsetDeleteResponse> = {
  key: 47,
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, req) {
    let groups;
    try {
      groups = coordinatorsOf(ctx.broker).groups;
    } catch (e) {
      return { throttleTimeMs: 0, errorCode: thrownNumber(e), topics: [] };
    }
    const wanted = req.topics.filter((t) => ctx.broker.log.hasTopic(t.name)).flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex })));
    const r = await groups.deleteOffsets(req.groupId, wanted);
    if (r.error !== null) return { throttleTimeMs: 0, errorCode: errorNumber(r.error), topics: [] };
    const byTp = new Map(r.partitions.map((p) => [`${p.topic}\u0000${p.partition}`, errorNumber(p.error)]));
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: ctx.broker.log.hasTopic(t.name) ? (byTp.get(`${t.name}\u0000${p.partitionIndex}`) ?? 0) : UNKNOWN_TOPIC_OR_PARTITION })),
      })),
    };
  },
};
