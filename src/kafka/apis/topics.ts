// Topic lookups shared by the handlers: by name or by Kafka topic id (map lookups in the log),
// partitions with Kafka's error, auto-creation, and the leader-epoch check.
import { isLogError, type Log, type LogPartition } from '../../core/log/index.js';
import { topicIdFromWire } from '../context.js';
import { ErrorCode, KafkaApiError } from '../errors.js';
import type { RequestContext } from './types.js';

/** Name of the topic with the Kafka topic id `id` (base64url), or null. */
export function topicNameById(log: Log, id: string): string | null {
  return log.topicNameById(topicIdFromWire(id));
}

/** The number of partitions of `topic`, or 0 when there is no such topic. */
export function partitionCount(log: Log, topic: string): number {
  return log.topicInfo(topic)?.partitions ?? 0;
}

/**
 * Creates `name` with the broker's num.partitions when auto.create.topics.enable allows it.
 * Returns true when the topic exists afterwards (another request may have created it first).
 * Throws KafkaApiError/LogError (e.g. INVALID_TOPIC_EXCEPTION) for a name that cannot be a topic.
 */
export async function autoCreateTopic(ctx: Pick<RequestContext, 'log' | 'options' | 'logger'>, name: string): Promise<boolean> {
  const { log, options } = ctx;
  if (log.hasTopic(name)) return true;
  if (!options.autoCreateTopics) return false;
  try {
    await log.createTopic(name, { partitions: options.numPartitions });
    ctx.logger.info({ topic: name, partitions: options.numPartitions }, 'topic auto-created');
  } catch (e) {
    if (!isLogError(e, 'TOPIC_ALREADY_EXISTS')) throw e;
  }
  return true;
}

/** The partition, or a KafkaApiError UNKNOWN_TOPIC_OR_PARTITION. */
export function partitionOf(log: Log, topic: string, partition: number): LogPartition {
  try {
    return log.partition(topic, partition);
  } catch {
    throw new KafkaApiError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `This server does not host this topic-partition: ${topic}-${partition}`);
  }
}

/** Kafka's current-leader-epoch check: -1 skips it. */
export function checkLeaderEpoch(current: number | undefined, leaderEpoch: number): void {
  if (current === undefined || current < 0 || current === leaderEpoch) return;
  if (current > leaderEpoch) throw new KafkaApiError(ErrorCode.UNKNOWN_LEADER_EPOCH, `leader epoch ${current} is newer than the current ${leaderEpoch}`);
  throw new KafkaApiError(ErrorCode.FENCED_LEADER_EPOCH, `leader epoch ${current} is older than the current ${leaderEpoch}`);
}
