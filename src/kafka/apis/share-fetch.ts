// ShareFetch (78, v1-v2): a share group member fetches records it then holds under an
// acquisition lock, and may piggyback acknowledgements of records it holds. The share session
// (../share-session.ts) remembers its partitions: epoch 0 opens it (no acknowledgements then),
// later requests add topics and forget some (added first, then forgotten), epoch -1 applies the
// last acknowledgements, fetches nothing and closes the session, releasing what the member
// still holds there.
//
// Acknowledgements are applied (and persisted) before anything is fetched. Then the session's
// partitions are asked, in order, for at most MaxRecords records in all (whole batches, or
// exactly MaxRecords in v2's record_limit acquire mode), within MaxBytes; with nothing acquired
// the request waits up to MaxWaitMs for records to append or to be released. The partitions are
// asked in the session's order rotated by one at each fetch of the session (round robin, as
// Kafka rotates them): asked always in one order, the first partitions of a busy session would
// fill MaxRecords on every request and the last ones would wait until those drain. Kafka rotates
// by the session epoch; Wharf counts the session's fetches instead, because ShareAcknowledge
// advances the epoch too: a client that sends one between fetches (franz-go's FlushAcks) would
// see fetches of one parity only, and with 4 partitions two of them would never be asked first
// (TestShareGroupETL's third partition starved so). The answer lists
// the partitions that got records, an error or an acknowledgement outcome, each with the stored
// batches that hold its acquired records and the acquired ranges with their delivery counts.
// v2 (KIP-1222): IsRenewAck requests renew locks and fetch nothing.
// Authorization, as Kafka: READ on the group (else GROUP_AUTHORIZATION_FAILED for the request)
// and on each topic (else TOPIC_AUTHORIZATION_FAILED for its partitions).
import { ApiKey } from '../protocol/messages/index.js';
import type { ShareFetchResponse, ShareFetchResponsePartitionData, ShareFetchResponseShareFetchableTopicResponse } from '../protocol/messages/share-fetch.js';
import { groupResource } from '../authorization.js';
import { LEADER_EPOCH } from '../context.js';
import { ErrorCode, toKafkaError } from '../errors.js';
import { SHARE_FINAL_EPOCH, SHARE_INITIAL_EPOCH, type SessionPartition } from '../share-session.js';
import { applyAcks, partitionRefusal, resolvePartitions, sessionStep, type AckOutcome } from './share-acks.js';
import { defineHandler } from './types.js';

const EMPTY = Buffer.alloc(0);
const RECORD_LIMIT = 1;

export const shareFetch = defineHandler(ApiKey.ShareFetch, {
  minVersion: 1,
  maxVersion: 2,
  async handle(ctx, req) {
    const sg = ctx.coordinators.shareGroups;
    const groupId = req.groupId ?? '';
    const memberId = req.memberId ?? '';
    const top = (code: number, errorMessage: string | null): ShareFetchResponse => ({ throttleTimeMs: 0, errorCode: code, errorMessage, acquisitionLockTimeoutMs: 0, responses: [], nodeEndpoints: [] });
    if (!ctx.authorize('READ', groupResource(groupId))) return top(ErrorCode.GROUP_AUTHORIZATION_FAILED, null);
    if (groupId === '') return top(ErrorCode.INVALID_REQUEST, 'The group id in the request cannot be empty.');
    if (memberId === '') return top(ErrorCode.INVALID_REQUEST, 'The member id in the request cannot be empty.');
    const epoch = req.shareSessionEpoch;
    const parts = resolvePartitions(ctx, req.topics);
    if (epoch === SHARE_INITIAL_EPOCH && parts.some((p) => p.batches.length > 0)) return top(ErrorCode.INVALID_REQUEST, 'Acknowledge data present on initial epoch.');
    const step = sessionStep(ctx, groupId, memberId, epoch, true);
    if (step.session === null) return top(step.error, step.message);
    const session = step.session;
    const renew = req.isRenewAck === true;
    let acks: Map<string, AckOutcome>;
    try {
      acks = await applyAcks(ctx, groupId, memberId, parts, ctx.header.apiVersion >= 2 && renew);
    } catch (e) {
      return top(toKafkaError(e).code, null);
    }
    const lockMs = sg.lockDurationMs(groupId);
    // Partitions answered: in request order, then the session's others that got records.
    const answers = new Map<string, { p: SessionPartition; out: ShareFetchResponsePartitionData }>();
    const answer = (p: SessionPartition): ShareFetchResponsePartitionData => {
      const k = `${p.topicId}\u0000${p.partition}`;
      let a = answers.get(k);
      if (!a) {
        a = { p, out: { partitionIndex: p.partition, errorCode: ErrorCode.NONE, errorMessage: null, acknowledgeErrorCode: ErrorCode.NONE, acknowledgeErrorMessage: null, currentLeader: { leaderId: ctx.cluster.nodeId, leaderEpoch: LEADER_EPOCH }, records: EMPTY, acquiredRecords: [] } };
        answers.set(k, a);
      }
      return a.out;
    };
    for (const p of parts) {
      const o = acks.get(`${p.topicId}\u0000${p.partition}`);
      if (o) {
        const out = answer(p);
        out.acknowledgeErrorCode = o.errorCode;
        out.acknowledgeErrorMessage = o.errorMessage;
      }
    }
    if (epoch === SHARE_FINAL_EPOCH) {
      ctx.shareSessions.close(groupId, memberId);
      sg.releaseAll(groupId, memberId, [...session.partitions.values()].filter((p) => p.topic !== null).map((p) => ({ topic: p.topic!, partition: p.partition })));
      return finish(answers, lockMs);
    }
    // The request's partitions join the session before the forgotten ones leave it (as Kafka
    // updates a share session): a client names a partition it no longer owns for its
    // acknowledgements and forgets it in the same request, and must get no records for it.
    for (const p of parts) session.add({ topicId: p.topicId, topic: p.topic, partition: p.partition });
    for (const f of req.forgottenTopicsData) {
      for (const partition of f.partitions) {
        const gone = session.remove(f.topicId, partition);
        if (gone?.topic) sg.releaseAll(groupId, memberId, [{ topic: gone.topic, partition }]);
      }
    }
    if (renew && ctx.header.apiVersion >= 2) return finish(answers, lockMs);
    // Fetch.
    const fetchable: SessionPartition[] = [];
    for (const p of rotated([...session.partitions.values()], session.fetches++)) {
      const refused = partitionRefusal(ctx, p);
      if (refused !== ErrorCode.NONE) {
        answer(p).errorCode = refused;
        continue;
      }
      fetchable.push(p);
    }
    const strict = ctx.header.apiVersion >= 2 && req.shareAcquireMode === RECORD_LIMIT;
    const maxRecords = req.maxRecords > 0 ? req.maxRecords : 500;
    const deadline = Date.now() + Math.max(0, req.maxWaitMs);
    for (;;) {
      let got = 0;
      let bytes = 0;
      for (const p of fetchable) {
        if (got >= maxRecords || bytes >= req.maxBytes) break;
        try {
          const r = await sg.acquire(groupId, memberId, { topic: p.topic!, partition: p.partition }, maxRecords - got, Math.max(1, req.maxBytes - bytes), strict);
          if (r.error !== null && r.error !== 'NOT_COORDINATOR') {
            const out = answer(p);
            out.errorCode = ErrorCode[r.error];
            out.errorMessage = r.errorMessage;
            continue;
          }
          if (r.acquired.length === 0) continue;
          const out = answer(p);
          out.records = r.records.length === 1 ? r.records[0]! : Buffer.concat(r.records);
          out.acquiredRecords = r.acquired.map((a) => ({ firstOffset: BigInt(a.firstOffset), lastOffset: BigInt(a.lastOffset), deliveryCount: a.deliveryCount }));
          for (const a of r.acquired) got += a.lastOffset - a.firstOffset + 1;
          bytes += out.records.length;
        } catch (e) {
          const err = toKafkaError(e);
          const out = answer(p);
          out.errorCode = err.code;
          out.errorMessage = err.message;
        }
      }
      const left = deadline - Date.now();
      if (got > 0 || answers.size > 0 || left <= 0 || fetchable.length === 0 || ctx.conn.signal.aborted) break;
      const woke = await sg.waitForRecords(groupId, fetchable.map((p) => ({ topic: p.topic!, partition: p.partition })), left, ctx.conn.signal);
      if (!woke && Date.now() >= deadline) break;
      if (!sg.has(groupId)) break;
    }
    return finish(answers, lockMs);
  },
});

/** The session's partitions starting at index `turn` modulo their count (the first fetch: as kept). */
function rotated<T>(partitions: T[], turn: number): T[] {
  const at = partitions.length > 0 ? turn % partitions.length : 0;
  return at <= 0 ? partitions : [...partitions.slice(at), ...partitions.slice(0, at)];
}

function finish(answers: Map<string, { p: SessionPartition; out: ShareFetchResponsePartitionData }>, lockMs: number): ShareFetchResponse {
  const responses: ShareFetchResponseShareFetchableTopicResponse[] = [];
  for (const { p, out } of answers.values()) {
    let t = responses.find((r) => r.topicId === p.topicId);
    if (!t) {
      t = { topicId: p.topicId, partitions: [] };
      responses.push(t);
    }
    t.partitions.push(out);
  }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, acquisitionLockTimeoutMs: lockMs, responses, nodeEndpoints: [] };
}
