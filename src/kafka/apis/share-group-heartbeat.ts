// ShareGroupHeartbeat (76): share group members (KIP-932) join, stay and leave through this one
// request; the coordinator assigns partitions itself (several members may share one). Topics
// travel as topic ids on the wire and as names in the core. A member that leaves while its share
// session is open keeps its acquired records until the session closes (its last
// ShareAcknowledge may race the leave on another connection) or their locks expire.
// Authorization, as Kafka: READ on the group (else GROUP_AUTHORIZATION_FAILED) and DESCRIBE on
// the subscribed topics (else TOPIC_AUTHORIZATION_FAILED, v1).
import { ApiKey, type ShareGroupHeartbeatResponse } from '../protocol/messages/index.js';
import { groupResource, topicResource } from '../authorization.js';
import { assignmentByTopicId } from '../context.js';
import { ErrorCode, errorCode } from '../errors.js';
import { defineHandler } from './types.js';

export const shareGroupHeartbeat = defineHandler(ApiKey.ShareGroupHeartbeat, {
  minVersion: 1,
  maxVersion: 1,
  async handle(ctx, req) {
    // Kafka answers errors with member epoch 0.
    const empty = (code: number, errorMessage: string | null): ShareGroupHeartbeatResponse => ({ throttleTimeMs: 0, errorCode: code, errorMessage, memberId: null, memberEpoch: 0, heartbeatIntervalMs: 0, assignment: null });
    if (!ctx.authorize('READ', groupResource(req.groupId))) return empty(ErrorCode.GROUP_AUTHORIZATION_FAILED, null);
    const denied = (req.subscribedTopicNames ?? []).filter((t) => !ctx.authorize('DESCRIBE', topicResource(t)));
    if (denied.length > 0) return empty(ErrorCode.TOPIC_AUTHORIZATION_FAILED, `Unauthorized topics: ${denied.sort().join(', ')}`);
    const r = await ctx.coordinators.shareGroups.heartbeat({
      groupId: req.groupId,
      memberId: req.memberId,
      memberEpoch: req.memberEpoch,
      rackId: req.rackId,
      subscribedTopicNames: req.subscribedTopicNames,
      clientId: ctx.header.clientId ?? '',
      clientHost: `/${ctx.conn.remoteAddress}`,
      keepAcquired: req.memberEpoch === -1 && ctx.shareSessions.get(req.groupId, req.memberId) !== undefined,
    });
    if (r.error !== null) return empty(errorCode(r.error), r.errorMessage);
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      memberId: r.memberId,
      memberEpoch: r.memberEpoch,
      heartbeatIntervalMs: r.heartbeatIntervalMs,
      assignment: r.assignment === null ? null : { topicPartitions: assignmentByTopicId(ctx.log, r.assignment) },
    };
  },
});
