// OffsetCommit (8): a group member (or a simple consumer, generation -1) commits offsets.
// Unknown topics get UNKNOWN_TOPIC_OR_PARTITION; the rest is the group coordinator's decision.
// Authorization, as Kafka: READ on the group (else GROUP_AUTHORIZATION_FAILED on every
// partition) and READ on each topic (else TOPIC_AUTHORIZATION_FAILED on its partitions).
import { ApiKey, type OffsetCommitResponse } from '../protocol/messages/index.js';
import type { OffsetCommitEntry } from '../../core/coordinators/group-coordinator.js';
import { authorizedTopics, groupResource } from '../authorization.js';
import { ErrorCode, errorCode } from '../errors.js';
import { defineHandler } from './types.js';

export const offsetCommit = defineHandler(ApiKey.OffsetCommit, {
  minVersion: 2,
  maxVersion: 9,
  async handle(ctx, req) {
    const { log } = ctx;
    const v = ctx.header.apiVersion;
    // Topic names up to v9 (v10 names topics by id; Wharf serves up to v9).
    const nameOf = (t: { name?: string }): string => t.name ?? '';
    const respond = (code: (topic: string, partition: number) => ErrorCode): OffsetCommitResponse => ({
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code(nameOf(t), p.partitionIndex) })) })),
    });
    if (!ctx.authorize('READ', groupResource(req.groupId))) return respond(() => ErrorCode.GROUP_AUTHORIZATION_FAILED);
    const readable = authorizedTopics(ctx, 'READ', req.topics.map(nameOf));
    const topicError = (name: string): ErrorCode | null =>
      !readable.has(name) ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : !log.hasTopic(name) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : null;
    const offsets: OffsetCommitEntry[] = [];
    for (const t of req.topics) {
      const name = nameOf(t);
      if (topicError(name) !== null) continue;
      for (const p of t.partitions) {
        offsets.push({ topic: name, partition: p.partitionIndex, offset: Number(p.committedOffset), leaderEpoch: p.committedLeaderEpoch ?? -1, metadata: p.committedMetadata });
      }
    }
    const retention = req.retentionTimeMs !== undefined && req.retentionTimeMs >= 0n && v <= 4 ? Number(req.retentionTimeMs) : undefined;
    const results =
      offsets.length > 0
        ? await ctx.coordinators.groups.commitOffsets({
            groupId: req.groupId,
            memberId: req.memberId ?? '',
            groupInstanceId: req.groupInstanceId ?? null,
            generationIdOrMemberEpoch: req.generationIdOrMemberEpoch ?? -1,
            retentionTimeMs: retention,
            apiVersion: v,
            offsets,
          })
        : [];
    const byTp = new Map(results.map((r) => [`${r.topic}\u0000${r.partition}`, errorCode(r.error)]));
    return respond((topic, partition) => topicError(topic) ?? byTp.get(`${topic}\u0000${partition}`) ?? ErrorCode.NONE);
  },
});
