// TxnOffsetCommit (28): offsets committed as part of the producer's transaction (pending until
// EndTxn), with the group generation fencing of v3+ (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID,
// FENCED_INSTANCE_ID).
import type { TxnOffsetCommitRequest, TxnOffsetCommitResponse } from '../protocol/messages/index.js';
import type { OffsetCommitEntry } from '../../core/coordinators/group-coordinator.js';
import { COORDINATOR_ERROR_CODES, coordinatorsOf, errorNumber, thrownNumber } from '../coordination.js';
import type { ApiHandler } from './types.js';

const UNKNOWN_TOPIC_OR_PARTITION = 3;

export const txnOffsetCommit: ApiHandler<TxnOffsetCommitRequest, TxnOffsetCommitResponse> = {
  key: 28,
  minVersion: 0,
  maxVersion: 3,
  async handle(ctx, req) {
    const respond = (code: (topic: string, partition: number) => number): TxnOffsetCommitResponse => ({
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code(t.name ?? '', p.partitionIndex) })) })),
    });
    let c;
    try {
      c = coordinatorsOf(ctx.broker);
    } catch (e) {
      const n = thrownNumber(e);
      return respond(() => n);
    }
    const pid = Number(req.producerId);
    const txnError = c.transactions.validateTxnOffsetCommit(req.transactionalId, pid, req.producerEpoch);
    if (txnError !== null) {
      const n = txnError === 'PRODUCER_FENCED' ? COORDINATOR_ERROR_CODES.INVALID_PRODUCER_EPOCH : errorNumber(txnError);
      return respond(() => n);
    }
    const known = new Set<string>();
    const offsets: OffsetCommitEntry[] = [];
    for (const t of req.topics) {
      // Topic names up to v5 (v6 names topics by id; Wharf serves up to v3).
      const name = t.name ?? '';
      if (!ctx.broker.log.hasTopic(name)) continue;
      known.add(name);
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
    const byTp = new Map(results.map((r) => [`${r.topic}\u0000${r.partition}`, errorNumber(r.error)]));
    return respond((topic, partition) => (known.has(topic) ? (byTp.get(`${topic}\u0000${partition}`) ?? 0) : UNKNOWN_TOPIC_OR_PARTITION));
  },
};
