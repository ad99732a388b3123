// OffsetCommit (8): a group member (or a simple consumer, generation -1) commits offsets.
// Unknown topics and partitions get UNKNOWN_TOPIC_OR_PARTITION; the rest is the group
// coordinator's decision. Null metadata is stored as the empty string, as Kafka stores it.
// v10 names topics by id (KIP-848): an id no topic has is UNKNOWN_TOPIC_ID.
// Authorization, as Kafka: READ on the group (else GROUP_AUTHORIZATION_FAILED on every
// partition) and READ on each topic (else TOPIC_AUTHORIZATION_FAILED on its partitions).
import { ApiKey, type OffsetCommitRequest, type OffsetCommitResponse } from '../protocol/messages/index.js';
import type { OffsetCommitEntry } from '../../core/coordinators/group-coordinator.js';
import { authorizedTopics, groupResource } from '../authorization.js';
import { ErrorCode, errorCode } from '../errors.js';
import { partitionCount, topicNameById } from './topics.js';
import { defineHandler } from './types.js';

const TOPIC_ID_VERSION = 10;

export const offsetCommit = defineHandler(ApiKey.OffsetCommit, {
  minVersion: 2,
  maxVersion: 10,
  async handle(ctx, req) {
    const { log } = ctx;
    const v = ctx.header.apiVersion;
    const byId = v >= TOPIC_ID_VERSION;
    type Topic = OffsetCommitRequest['topics'][number];
    // A topic id no topic has resolves to null.
    const nameOf = (t: Topic): string | null => (byId ? topicNameById(log, t.topicId ?? '') : (t.name ?? ''));
    const respond = (code: (name: string | null, partition: number) => ErrorCode): OffsetCommitResponse => ({
      throttleTimeMs: 0,
      topics: req.topics.map((t) => {
        const name = nameOf(t);
        const partitions = t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code(name, p.partitionIndex) }));
        return byId ? { topicId: t.topicId, partitions } : { name: t.name, partitions };
      }),
    });
    if (!ctx.authorize('READ', groupResource(req.groupId))) return respond(() => ErrorCode.GROUP_AUTHORIZATION_FAILED);
    const readable = authorizedTopics(ctx, 'READ', req.topics.map(nameOf).filter((n): n is string => n !== null));
    const topicError = (name: string | null): ErrorCode | null =>
      name === null ? ErrorCode.UNKNOWN_TOPIC_ID : !readable.has(name) ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : !log.hasTopic(name) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : null;
    const partitionError = (name: string | null, partition: number): ErrorCode | null =>
      topicError(name) ?? (partition >= 0 && partition < partitionCount(log, name!) ? null : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const offsets: OffsetCommitEntry[] = [];
    for (const t of req.topics) {
      const name = nameOf(t);
      if (name === null || topicError(name) !== null) continue;
      for (const p of t.partitions) {
        if (partitionError(name, p.partitionIndex) !== null) continue;
        offsets.push({ topic: name, partition: p.partitionIndex, offset: Number(p.committedOffset), leaderEpoch: p.committedLeaderEpoch ?? -1, metadata: p.committedMetadata ?? '' });
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
    return respond((name, partition) => partitionError(name, partition) ?? byTp.get(`${name}\u0000${partition}`) ?? ErrorCode.NONE);
  },
});
