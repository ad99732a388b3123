// ConsumerGroupHeartbeat (68): the new consumer group protocol (KIP-848). Members join, stay,
// reconcile and leave through this one request; the coordinator assigns partitions itself.
// Topics travel as topic ids on the wire and as names in the core. An error answer has member
// epoch 0 (the schema's default), as Kafka 4.4's.
// Authorization, as Kafka: READ on the group, else GROUP_AUTHORIZATION_FAILED.
import { ApiKey, type ConsumerGroupHeartbeatResponse } from '../protocol/messages/index.js';
import type { Assignment } from '../../core/coordinators/consumer-group.js';
import { groupResource } from '../authorization.js';
import { assignmentByTopicId } from '../context.js';
import { ErrorCode, errorCode } from '../errors.js';
import { topicNameById } from './topics.js';
import { defineHandler } from './types.js';

export const consumerGroupHeartbeat = defineHandler(ApiKey.ConsumerGroupHeartbeat, {
  minVersion: 0,
  maxVersion: 1,
  async handle(ctx, req) {
    const empty = (code: number, errorMessage: string | null): ConsumerGroupHeartbeatResponse => ({ throttleTimeMs: 0, errorCode: code, errorMessage, memberId: null, memberEpoch: 0, heartbeatIntervalMs: 0, assignment: null });
    if (!ctx.authorize('READ', groupResource(req.groupId))) return empty(ErrorCode.GROUP_AUTHORIZATION_FAILED, null);
    const { log } = ctx;
    const cg = ctx.coordinators.consumerGroups;
    let owned: Assignment | null = null;
    if (req.topicPartitions !== null) {
      owned = new Map();
      for (const tp of req.topicPartitions) {
        const name = topicNameById(log, tp.topicId);
        if (name !== null) owned.set(name, new Set(tp.partitions));
      }
    }
    const r = await cg.heartbeat({
      groupId: req.groupId,
      memberId: req.memberId,
      memberEpoch: req.memberEpoch,
      instanceId: req.instanceId,
      rackId: req.rackId,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      subscribedTopicNames: req.subscribedTopicNames,
      subscribedTopicRegex: req.subscribedTopicRegex ?? null,
      serverAssignor: req.serverAssignor,
      ownedPartitions: owned,
      clientId: ctx.header.clientId ?? '',
      clientHost: `/${ctx.conn.remoteAddress}`,
    });
    if (r.error !== null) return empty(errorCode(r.error), r.errorMessage);
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      memberId: r.memberId,
      memberEpoch: r.memberEpoch,
      heartbeatIntervalMs: r.heartbeatIntervalMs,
      assignment: r.assignment === null ? null : { topicPartitions: assignmentByTopicId(log, r.assignment) },
    };
  },
});
