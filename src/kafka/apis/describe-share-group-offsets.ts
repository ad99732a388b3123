// DescribeShareGroupOffsets (90): the share-partition start offset of each partition of a
// share group (null topics: every share-partition the group has), and its lag (v1, KIP-1226).
// A partition the group has no state for answers start offset -1.
// Authorization, as Kafka: DESCRIBE on the group (else GROUP_AUTHORIZATION_FAILED for it) and on
// each topic (else TOPIC_AUTHORIZATION_FAILED for its partitions).
import { ApiKey } from '../protocol/messages/index.js';
import type { DescribeShareGroupOffsetsResponseDescribeShareGroupOffsetsResponseTopic } from '../protocol/messages/describe-share-group-offsets.js';
import { groupResource, topicResource } from '../authorization.js';
import { topicIdToWire, LEADER_EPOCH, ZERO_UUID } from '../context.js';
import { ErrorCode, errorCode } from '../errors.js';
import { defineHandler } from './types.js';

export const describeShareGroupOffsets = defineHandler(ApiKey.DescribeShareGroupOffsets, {
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, req) {
    const sg = ctx.coordinators.shareGroups;
    const { log } = ctx;
    return {
      throttleTimeMs: 0,
      groups: req.groups.map((g) => {
        if (!ctx.authorize('DESCRIBE', groupResource(g.groupId))) return { groupId: g.groupId, topics: [], errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage: null };
        const asked = g.topics === null ? null : g.topics.map((t) => ({ topic: t.topicName, partitions: t.partitions }));
        const r = sg.describeOffsets(g.groupId, asked);
        if (r.error !== null) return { groupId: g.groupId, topics: [], errorCode: errorCode(r.error), errorMessage: null };
        const topics: DescribeShareGroupOffsetsResponseDescribeShareGroupOffsetsResponseTopic[] = [];
        for (const o of r.offsets) {
          let t = topics.find((x) => x.topicName === o.topic);
          if (!t) {
            const id = log.topicInfo(o.topic)?.topicId;
            t = { topicName: o.topic, topicId: id ? topicIdToWire(id) : ZERO_UUID, partitions: [] };
            topics.push(t);
          }
          const allowed = ctx.authorize('DESCRIBE', topicResource(o.topic));
          const unknown = !log.hasTopic(o.topic);
          t.partitions.push({
            partitionIndex: o.partition,
            startOffset: BigInt(allowed && !unknown ? o.startOffset : -1),
            leaderEpoch: allowed && !unknown && o.startOffset >= 0 ? LEADER_EPOCH : -1,
            lag: BigInt(allowed && !unknown ? o.lag : -1),
            errorCode: !allowed ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : unknown ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : errorCode(o.error),
            errorMessage: null,
          });
        }
        return { groupId: g.groupId, topics, errorCode: ErrorCode.NONE, errorMessage: null };
      }),
    };
  },
});
