// ConsumerGroupHeartbeat (68): the new consumer group protocol (KIP-848). Members join, stay,
// reconcile and leave through this one request; the coordinator assigns partitions itself.
// Topics travel as topic ids on the wire and as names in the core.
import type { ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse } from '../protocol/messages/index.js';
import type { Assignment } from '../../core/coordinators/consumer-group.js';
import { topicIdFromWire, topicIdToWire } from '../context.js';
import { coordinatorsOf, errorNumber, thrownNumber } from '../coordination.js';
import type { ApiHandler } from './types.js';

export const consumerGroupHeartbeat: ApiHandler<ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse> = {
  key: 68,
  minVersion: 0,
  maxVersion: 1,
  async handle(ctx, req) {
    const empty = (errorCode: number, errorMessage: string | null): ConsumerGroupHeartbeatResponse => ({ throttleTimeMs: 0, errorCode, errorMessage, memberId: null, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null });
    let cg;
    try {
      cg = coordinatorsOf(ctx.broker).consumerGroups;
    } catch (e) {
      return empty(thrownNumber(e), null);
    }
    const topics = ctx.broker.log.listTopics();
    const nameById = new Map(topics.map((t) => [t.topicId, t.name]));
    const idByName = new Map(topics.map((t) => [t.name, t.topicId]));
    let owned: Assignment | null = null;
    if (req.topicPartitions !== null) {
      owned = new Map();
      for (const tp of req.topicPartitions) {
        const name = nameById.get(topicIdFromWire(tp.topicId));
        if (name !== undefined) owned.set(name, new Set(tp.partitions));
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
    if (r.error !== null) return empty(errorNumber(r.error), r.errorMessage);
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      memberId: r.memberId,
      memberEpoch: r.memberEpoch,
      heartbeatIntervalMs: r.heartbeatIntervalMs,
      assignment:
        r.assignment === null
          ? null
          : {
              topicPartitions: [...r.assignment]
                .filter(([name, ps]) => ps.size > 0 && idByName.has(name))
                .map(([name, ps]) => ({ topicId: topicIdToWire(idByName.get(name)!), partitions: [...ps].sort((a, b) => a - b) })),
            },
    };
  },
};
