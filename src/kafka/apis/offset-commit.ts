// OffsetCommit (8): a group member (or a simple consumer, generation -1) commits offsets.
// Unknown topics get UNKNOWN_TOPIC_OR_PARTITION; the rest is the group coordinator's decision.
import type { OffsetCommitRequest, OffsetCommitResponse } from '../protocol/messages/index.js';
import type { OffsetCommitEntry } from '../../core/coordinators/group-coordinator.js';
import { coordinatorsOf, errorNumber, thrownNumber } from '../coordination.js';
import type { ApiHandler } from './types.js';

const UNKNOWN_TOPIC_OR_PARTITION = 3;

export const offsetCommit: ApiHandler<OffsetCommitRequest, OffsetCommitResponse> = {
  key: 8,
  minVersion: 2,
  maxVersion: 9,
  async handle(ctx, req) {
    const v = ctx.header.apiVersion;
    const respond = (code: (topic: string, partition: number) => number): OffsetCommitResponse => ({
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code(t.name ?? '', p.partitionIndex) })) })),
    });
    let groups;
    try {
      groups = coordinatorsOf(ctx.broker).groups;
    } catch (e) {
      const n = thrownNumber(e);
      return respond(() => n);
    }
    const known = new Set<string>();
    const offsets: OffsetCommitEntry[] = [];
    for (const t of req.topics) {
      // Topic names up to v9 (v10 names topics by id; Wharf serves up to v9).
      const name = t.name ?? '';
      if (!ctx.broker.log.hasTopic(name)) continue;
      known.add(name);
      for (const p of t.partitions) {
        offsets.push({ topic: name, partition: p.partitionIndex, offset: Number(p.committedOffset), leaderEpoch: p.committedLeaderEpoch ?? -1, metadata: p.committedMetadata });
      }
    }
    const retention = req.retentionTimeMs !== undefined && req.retentionTimeMs >= 0n && v <= 4 ? Number(req.retentionTimeMs) : undefined;
    const results =
      offsets.length > 0
        ? await groups.commitOffsets({
            groupId: req.groupId,
            memberId: req.memberId ?? '',
            groupInstanceId: req.groupInstanceId ?? null,
            generationIdOrMemberEpoch: req.generationIdOrMemberEpoch ?? -1,
            retentionTimeMs: retention,
            apiVersion: v,
            offsets,
          })
        : [];
    const byTp = new Map(results.map((r) => [`${r.topic}\u0000${r.partition}`, errorNumber(r.error)]));
    return respond((topic, partition) => (known.has(topic) ? (byTp.get(`${topic}\u0000${partition}`) ?? 0) : UNKNOWN_TOPIC_OR_PARTITION));
  },
};
