// TxnOffsetCommit (28): offsets committed as part of the producer's transaction (pending until
// EndTxn), with the group generation fencing of v3+ (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID,
// FENCED_INSTANCE_ID).
// Authorization, as Kafka: WRITE on the transactional id (else
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED), READ on the group (else GROUP_AUTHORIZATION_FAILED),
// both on every partition, and READ on each topic (else TOPIC_AUTHORIZATION_FAILED on its partitions).
import { ApiKey, type TxnOffsetCommitResponse } from '../protocol/messages/index.js';
import type { OffsetCommitEntry } from '../../core/coordinators/group-coordinator.js';
import { authorizedTopics, groupResource, transactionalIdResource } from '../authorization.js';
import { ErrorCode, errorCode } from '../errors.js';
import { defineHandler } from './types.js';

export const txnOffsetCommit = defineHandler(ApiKey.TxnOffsetCommit, {
  minVersion: 0,
  maxVersion: 3,
  async handle(ctx, req) {
    const { log } = ctx;
    // Topic names up to v5 (v6 names topics by id; Wharf serves up to v3).
    const nameOf = (t: { name?: string }): string => t.name ?? '';
    const respond = (code: (topic: string, partition: number) => ErrorCode): TxnOffsetCommitResponse => ({
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code(nameOf(t), p.partitionIndex) })) })),
    });
    if (!ctx.authorize('WRITE', transactionalIdResource(req.transactionalId))) return respond(() => ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    if (!ctx.authorize('READ', groupResource(req.groupId))) return respond(() => ErrorCode.GROUP_AUTHORIZATION_FAILED);
    const c = ctx.coordinators;
    const pid = Number(req.producerId);
    const txnError = c.transactions.validateTxnOffsetCommit(req.transactionalId, pid, req.producerEpoch);
    if (txnError !== null) {
      const n = txnError === 'PRODUCER_FENCED' ? ErrorCode.INVALID_PRODUCER_EPOCH : errorCode(txnError);
      return respond(() => n);
    }
    const readable = authorizedTopics(ctx, 'READ', req.topics.map(nameOf));
    const topicError = (name: string): ErrorCode | null =>
      !readable.has(name) ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : !log.hasTopic(name) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : null;
    const offsets: OffsetCommitEntry[] = [];
    for (const t of req.topics) {
      const name = nameOf(t);
      if (topicError(name) !== null) continue;
      for (const p of t.partitions) offsets.push({ topic: name, partition: p.partitionIndex, offset: Number(p.committedOffset), leaderEpoch: p.committedLeaderEpoch ?? -1, metadata: p.committedMetadata });
    }
    const results =
      offsets.length > 0
        ? await c.groups.commitTxnOffsets({
            transactionalId: req.transactionalId,
            groupId: req.groupId,
            producerId: pid,
            producerEpoch: req.producerEpoch,
            memberId: req.memberId ?? '',
            groupInstanceId: req.groupInstanceId ?? null,
            generationId: req.generationIdOrMemberEpoch ?? -1,
            offsets,
          })
        : [];
    const byTp = new Map(results.map((r) => [`${r.topic}\u0000${r.partition}`, errorCode(r.error)]));
    return respond((topic, partition) => topicError(topic) ?? byTp.get(`${topic}\u0000${partition}`) ?? ErrorCode.NONE);
  },
});
