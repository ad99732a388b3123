// TxnOffsetCommit (28): offsets committed as part of the producer's transaction (pending until
// EndTxn), with the group generation fencing of v3+ (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID,
// FENCED_INSTANCE_ID). v4 only adds TRANSACTION_ABORTABLE to what the client handles; from v5
// (transactions v2, KIP-890 part 2) the commit adds the group to the transaction itself, as
// AddOffsetsToTxn does for older clients; v6 names topics by id (UNKNOWN_TOPIC_ID). Unknown
// partitions are UNKNOWN_TOPIC_OR_PARTITION; null metadata is stored as the empty string.
// Authorization, as Kafka: WRITE on the transactional id (else
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED), READ on the group (else GROUP_AUTHORIZATION_FAILED),
// both on every partition, and READ on each topic (else TOPIC_AUTHORIZATION_FAILED on its partitions).
import { ApiKey, type TxnOffsetCommitRequest, type TxnOffsetCommitResponse } from '../protocol/messages/index.js';
import type { OffsetCommitEntry } from '../../core/coordinators/group-coordinator.js';
import { authorizedTopics, groupResource, transactionalIdResource } from '../authorization.js';
import { ErrorCode, errorCode } from '../errors.js';
import { partitionCount, topicNameById } from './topics.js';
import { defineHandler } from './types.js';

/** The first version that adds the group to the transaction (transactions v2). */
const IMPLIED_ADD_OFFSETS_VERSION = 5;
const TOPIC_ID_VERSION = 6;

export const txnOffsetCommit = defineHandler(ApiKey.TxnOffsetCommit, {
  minVersion: 0,
  maxVersion: 6,
  async handle(ctx, req) {
    const { log } = ctx;
    const v = ctx.header.apiVersion;
    const byId = v >= TOPIC_ID_VERSION;
    type Topic = TxnOffsetCommitRequest['topics'][number];
    // A topic id no topic has resolves to null.
    const nameOf = (t: Topic): string | null => (byId ? topicNameById(log, t.topicId ?? '') : (t.name ?? ''));
    const respond = (code: (topic: Topic, name: string | null, partition: number) => ErrorCode): TxnOffsetCommitResponse => ({
      throttleTimeMs: 0,
      topics: req.topics.map((t) => {
        const name = nameOf(t);
        const partitions = t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code(t, name, p.partitionIndex) }));
        return byId ? { topicId: t.topicId, partitions } : { name: t.name, partitions };
      }),
    });
    if (!ctx.authorize('WRITE', transactionalIdResource(req.transactionalId))) return respond(() => ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    if (!ctx.authorize('READ', groupResource(req.groupId))) return respond(() => ErrorCode.GROUP_AUTHORIZATION_FAILED);
    // As Kafka, the partitions of topics the principal may not read (or that do not exist) get
    // their own errors, whatever the transaction's checks answer for the others.
    const names = req.topics.map(nameOf).filter((n): n is string => n !== null);
    const readable = authorizedTopics(ctx, 'READ', names);
    const topicError = (name: string | null): ErrorCode | null =>
      name === null ? ErrorCode.UNKNOWN_TOPIC_ID : !readable.has(name) ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : !log.hasTopic(name) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : null;
    const partitionError = (name: string | null, partition: number): ErrorCode | null =>
      topicError(name) ?? (partition >= 0 && partition < partitionCount(log, name!) ? null : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const c = ctx.coordinators;
    const pid = Number(req.producerId);
    if (v >= IMPLIED_ADD_OFFSETS_VERSION) {
      const added = await c.transactions.addOffsets(req.transactionalId, pid, req.producerEpoch, req.groupId);
      if (added !== null && added !== 'PRODUCER_FENCED') {
        const n = errorCode(added);
        return respond((_t, name) => (topicError(name) === ErrorCode.TOPIC_AUTHORIZATION_FAILED ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : n));
      }
    }
    const txnError = c.transactions.validateTxnOffsetCommit(req.transactionalId, pid, req.producerEpoch);
    if (txnError !== null) {
      const n = txnError === 'PRODUCER_FENCED' ? ErrorCode.INVALID_PRODUCER_EPOCH : errorCode(txnError);
      return respond((_t, name) => (topicError(name) === ErrorCode.TOPIC_AUTHORIZATION_FAILED ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : n));
    }
    const offsets: OffsetCommitEntry[] = [];
    for (const t of req.topics) {
      const name = nameOf(t);
      if (name === null || topicError(name) !== null) continue;
      for (const p of t.partitions) {
        if (partitionError(name, p.partitionIndex) !== null) continue;
        offsets.push({ topic: name, partition: p.partitionIndex, offset: Number(p.committedOffset), leaderEpoch: p.committedLeaderEpoch ?? -1, metadata: p.committedMetadata ?? '' });
      }
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
    return respond((_t, name, partition) => partitionError(name, partition) ?? byTp.get(`${name}\u0000${partition}`) ?? ErrorCode.NONE);
  },
});
