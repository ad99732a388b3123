// OffsetForLeaderEpoch (23): the end offset of a leader epoch, used by consumers to detect
// log truncation after a leader change. Every partition has had one leader, epoch 0, since it
// was created, so epoch 0 ends at the log end offset; a later epoch is unknown to the log
// (-1/-1, as Kafka answers an epoch it has no entry for), and a current-leader-epoch that
// differs from 0 is fenced or unknown.
//
// Authorization, as Kafka: CLUSTER_ACTION on the cluster (followers) allows every topic, else
// DESCRIBE on each topic (consumers, KIP-320), else TOPIC_AUTHORIZATION_FAILED.
import { ApiKey } from '../protocol/messages/index.js';
import type { OffsetForLeaderEpochResponseEpochEndOffset, OffsetForLeaderEpochResponseOffsetForLeaderTopicResult } from '../protocol/messages/offset-for-leader-epoch.js';
import { authorizedTopics, CLUSTER } from '../authorization.js';
import { LEADER_EPOCH } from '../context.js';
import { ErrorCode, KafkaApiError, toKafkaError } from '../errors.js';
import { checkLeaderEpoch, partitionOf } from './topics.js';
import { defineHandler } from './types.js';

export const offsetForLeaderEpoch = defineHandler(ApiKey.OffsetForLeaderEpoch, {
  minVersion: 2,
  maxVersion: 4,
  handle(ctx, req) {
    const { log } = ctx;
    const describable = ctx.authorize('CLUSTER_ACTION', CLUSTER, false) ? null : authorizedTopics(ctx, 'DESCRIBE', req.topics.map((t) => t.topic));
    const topics: OffsetForLeaderEpochResponseOffsetForLeaderTopicResult[] = [];
    for (const t of req.topics) {
      const partitions: OffsetForLeaderEpochResponseEpochEndOffset[] = [];
      topics.push({ topic: t.topic, partitions });
      for (const rp of t.partitions) {
        const out: OffsetForLeaderEpochResponseEpochEndOffset = { errorCode: ErrorCode.NONE, partition: rp.partition, leaderEpoch: -1, endOffset: -1n };
        partitions.push(out);
        try {
          if (describable !== null && !describable.has(t.topic)) throw new KafkaApiError(ErrorCode.TOPIC_AUTHORIZATION_FAILED, `Not authorized to describe topic ${t.topic}`);
          const p = partitionOf(log, t.topic, rp.partition);
          checkLeaderEpoch(rp.currentLeaderEpoch, LEADER_EPOCH);
          const failure = p.failure;
          if (failure) throw failure;
          if (rp.leaderEpoch <= LEADER_EPOCH) {
            // Epochs before the first are answered with the first epoch and its end, as Kafka does.
            out.leaderEpoch = LEADER_EPOCH;
            out.endOffset = BigInt(p.highWatermark);
          }
        } catch (e) {
          out.errorCode = toKafkaError(e).code;
        }
      }
    }
    return { throttleTimeMs: 0, topics };
  },
});
