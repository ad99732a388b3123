// ShareAcknowledge (79, v1-v2): acknowledges records a share group member holds (accept,
// release, reject; v2 renew) without fetching, in the member's share session. Epoch 0 is
// INVALID_SHARE_SESSION_EPOCH (a session is opened only by ShareFetch); epoch -1 closes the
// session after the acknowledgements, releasing what the member still holds there. Each
// partition answers its outcome once it is persisted.
// Authorization, as Kafka: READ on the group (else GROUP_AUTHORIZATION_FAILED for the request)
// and on each topic (else TOPIC_AUTHORIZATION_FAILED for its partitions).
import { ApiKey } from '../protocol/messages/index.js';
import type { ShareAcknowledgeResponse, ShareAcknowledgeResponseShareAcknowledgeTopicResponse } from '../protocol/messages/share-acknowledge.js';
import { groupResource } from '../authorization.js';
import { LEADER_EPOCH } from '../context.js';
import { ErrorCode, toKafkaError } from '../errors.js';
import { SHARE_FINAL_EPOCH } from '../share-session.js';
import { applyAcks, resolvePartitions, sessionStep } from './share-acks.js';
import { defineHandler } from './types.js';

export const shareAcknowledge = defineHandler(ApiKey.ShareAcknowledge, {
  minVersion: 1,
  maxVersion: 2,
  async handle(ctx, req) {
    const sg = ctx.coordinators.shareGroups;
    const groupId = req.groupId ?? '';
    const memberId = req.memberId ?? '';
    const top = (code: number, errorMessage: string | null): ShareAcknowledgeResponse => ({ throttleTimeMs: 0, errorCode: code, errorMessage, acquisitionLockTimeoutMs: 0, responses: [], nodeEndpoints: [] });
    if (!ctx.authorize('READ', groupResource(groupId))) return top(ErrorCode.GROUP_AUTHORIZATION_FAILED, null);
    if (groupId === '') return top(ErrorCode.INVALID_REQUEST, 'The group id in the request cannot be empty.');
    if (memberId === '') return top(ErrorCode.INVALID_REQUEST, 'The member id in the request cannot be empty.');
    const step = sessionStep(ctx, groupId, memberId, req.shareSessionEpoch, false);
    if (step.session === null) return top(step.error, step.message);
    const parts = resolvePartitions(ctx, req.topics);
    let acks;
    try {
      acks = await applyAcks(ctx, groupId, memberId, parts, ctx.header.apiVersion >= 2 && req.isRenewAck === true);
    } catch (e) {
      return top(toKafkaError(e).code, null);
    }
    if (req.shareSessionEpoch === SHARE_FINAL_EPOCH) {
      ctx.shareSessions.close(groupId, memberId);
      sg.releaseAll(groupId, memberId, [...step.session.partitions.values()].filter((p) => p.topic !== null).map((p) => ({ topic: p.topic!, partition: p.partition })));
    }
    const responses: ShareAcknowledgeResponseShareAcknowledgeTopicResponse[] = [];
    for (const p of parts) {
      const o = acks.get(`${p.topicId}\u0000${p.partition}`);
      if (!o) continue;
      let t = responses.find((r) => r.topicId === p.topicId);
      if (!t) {
        t = { topicId: p.topicId, partitions: [] };
        responses.push(t);
      }
      t.partitions.push({ partitionIndex: p.partition, errorCode: o.errorCode, errorMessage: o.errorMessage, currentLeader: { leaderId: ctx.cluster.nodeId, leaderEpoch: LEADER_EPOCH } });
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, acquisitionLockTimeoutMs: sg.lockDurationMs(groupId), responses, nodeEndpoints: [] };
  },
});
