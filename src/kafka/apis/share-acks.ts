// What ShareFetch and ShareAcknowledge share: the session step (open with epoch 0, continue
// with the expected epoch, close with -1) and applying a request's acknowledgement batches
// through the share group coordinator, answered per partition. Topic ids are resolved here;
// the core sees topic names.
import type { AckBatch } from '../../core/coordinators/share-group.js';
import { topicResource } from '../authorization.js';
import { ErrorCode, errorCode } from '../errors.js';
import { nextShareEpoch, SHARE_FINAL_EPOCH, SHARE_INITIAL_EPOCH, type ShareSession } from '../share-session.js';
import { topicNameById } from './topics.js';
import type { RequestContext } from './types.js';

/** A partition named by a request, with its acknowledgements. */
export interface RequestedSharePartition {
  topicId: string;
  topic: string | null;
  partition: number;
  batches: AckBatch[];
}

export interface AckOutcome {
  errorCode: number;
  errorMessage: string | null;
}

/** The session a request continues or opens, or the top-level error that refuses it. */
export function sessionStep(ctx: RequestContext, groupId: string, memberId: string, epoch: number, mayOpen: boolean): { session: ShareSession | null; error: number; message: string | null } {
  const cache = ctx.shareSessions;
  if (epoch === SHARE_INITIAL_EPOCH) {
    if (!mayOpen) return { session: null, error: ErrorCode.INVALID_SHARE_SESSION_EPOCH, message: 'The share session epoch is invalid.' };
    const s = cache.open(groupId, memberId, (g, m) => ctx.coordinators.shareGroups.isMember(g, m));
    if (s === null) return { session: null, error: ErrorCode.SHARE_SESSION_LIMIT_REACHED, message: 'The limit of share sessions has been reached.' };
    return { session: s, error: ErrorCode.NONE, message: null };
  }
  const s = cache.get(groupId, memberId);
  if (!s) return { session: null, error: ErrorCode.SHARE_SESSION_NOT_FOUND, message: 'The share session was not found.' };
  if (epoch === SHARE_FINAL_EPOCH) return { session: s, error: ErrorCode.NONE, message: null };
  if (epoch !== s.epoch) return { session: null, error: ErrorCode.INVALID_SHARE_SESSION_EPOCH, message: 'The share session epoch is invalid.' };
  s.epoch = nextShareEpoch(s.epoch);
  return { session: s, error: ErrorCode.NONE, message: null };
}

/** Resolves the request's topic ids (null name: no such topic). */
export function resolvePartitions(ctx: RequestContext, topics: ReadonlyArray<{ topicId: string; partitions: ReadonlyArray<{ partitionIndex: number; acknowledgementBatches: ReadonlyArray<{ firstOffset: bigint; lastOffset: bigint; acknowledgeTypes: number[] }> }> }>): RequestedSharePartition[] {
  const out: RequestedSharePartition[] = [];
  for (const t of topics) {
    const topic = topicNameById(ctx.log, t.topicId);
    for (const p of t.partitions) {
      out.push({
        topicId: t.topicId,
        topic,
        partition: p.partitionIndex,
        batches: p.acknowledgementBatches.map((b) => ({ firstOffset: Number(b.firstOffset), lastOffset: Number(b.lastOffset), types: b.acknowledgeTypes })),
      });
    }
  }
  return out;
}

/** The error a partition is refused with before anything is read or acknowledged, or NONE. */
export function partitionRefusal(ctx: RequestContext, p: { topic: string | null; partition: number }): number {
  if (p.topic === null) return ErrorCode.UNKNOWN_TOPIC_ID;
  if (!ctx.authorize('READ', topicResource(p.topic))) return ErrorCode.TOPIC_AUTHORIZATION_FAILED;
  const info = ctx.log.topicInfo(p.topic);
  if (!info || p.partition < 0 || p.partition >= info.partitions) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  return ErrorCode.NONE;
}

/**
 * Applies the acknowledgements of the partitions that carry some (persisted before this
 * resolves). Returns the outcome by `topicId\0partition`.
 */
export async function applyAcks(ctx: RequestContext, groupId: string, memberId: string, parts: readonly RequestedSharePartition[], renewAllowed: boolean): Promise<Map<string, AckOutcome>> {
  const out = new Map<string, AckOutcome>();
  const todo: RequestedSharePartition[] = [];
  for (const p of parts) {
    if (p.batches.length === 0) continue;
    const k = `${p.topicId}\u0000${p.partition}`;
    const refused = partitionRefusal(ctx, p);
    if (refused !== ErrorCode.NONE) out.set(k, { errorCode: refused, errorMessage: null });
    else if (!renewAllowed && p.batches.some((b) => b.types.includes(4))) out.set(k, { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Renew acknowledgements need IsRenewAck.' });
    else if (!validBatches(p.batches)) out.set(k, { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Acknowledgement batches must have firstOffset <= lastOffset.' });
    else todo.push(p);
  }
  if (todo.length === 0) return out;
  const results = await ctx.coordinators.shareGroups.acknowledge(
    groupId,
    memberId,
    todo.map((p) => ({ ref: { topic: p.topic!, partition: p.partition }, batches: p.batches })),
  );
  todo.forEach((p, i) => {
    const r = results[i]!;
    out.set(`${p.topicId}\u0000${p.partition}`, { errorCode: errorCode(r.error), errorMessage: r.message });
  });
  return out;
}

function validBatches(batches: readonly AckBatch[]): boolean {
  for (const b of batches) {
    if (b.firstOffset < 0 || b.lastOffset < b.firstOffset) return false;
  }
  return true;
}
