// Topic lookups shared by the handlers: by name or by Kafka topic id, with auto-creation.
import { isLogError, type LogPartition, type TopicInfo } from '../../core/log/index.js';
import { topicIdFromWire, type KafkaBroker } from '../context.js';
import { ErrorCode, KafkaApiError } from '../errors.js';

/** The topic named `name`, or null. */
export function findTopic(broker: KafkaBroker, name: string): TopicInfo | null {
  if (!broker.log.hasTopic(name)) return null;
  return broker.log.listTopics().find((t) => t.name === name) ?? null;
}

const idCache = new WeakMap<object, Map<string, string>>();

/** The log's id (hex) of an existing topic, cheaply. */
export function topicIdOf(broker: KafkaBroker, name: string): string | null {
  try {
    return broker.log.partition(name, 0).topic.topicId;
  } catch {
    return null;
  }
}

/** Name of the topic with the Kafka topic id `id` (base64url), or null. */
export function topicNameById(broker: KafkaBroker, id: string): string | null {
  const hex = topicIdFromWire(id);
  let cache = idCache.get(broker.log);
  const cached = cache?.get(hex);
  if (cached !== undefined && topicIdOf(broker, cached) === hex) return cached;
  cache = new Map(broker.log.listTopics().map((t) => [t.topicId, t.name]));
  idCache.set(broker.log, cache);
  return cache.get(hex) ?? null;
}

/**
 * Creates `name` with the broker's num.partitions when auto.create.topics.enable allows it.
 * Returns true when the topic exists afterwards (another request may have created it first).
 * Throws KafkaApiError/LogError (e.g. INVALID_TOPIC_EXCEPTION) for a name that cannot be a topic.
 */
export async function autoCreateTopic(broker: KafkaBroker, name: string): Promise<boolean> {
  if (broker.log.hasTopic(name)) return true;
  if (!broker.options.autoCreateTopics) return false;
  try {
    await broker.log.createTopic(name, { partitions: broker.options.numPartitions });
    broker.logger.info({ topic: name, partitions: broker.options.numPartitions }, 'topic auto-created');
  } catch (e) {
    if (!isLogError(e, 'TOPIC_ALREADY_EXISTS')) throw e;
  }
  return true;
}

/** The partition, or a KafkaApiError UNKNOWN_TOPIC_OR_PARTITION. */
export function partitionOf(broker: KafkaBroker, topic: string, partition: number): LogPartition {
  try {
    return broker.log.partition(topic, partition);
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
