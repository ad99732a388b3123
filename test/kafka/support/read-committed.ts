// Reads a topic to the end of each partition with a kafkajs consumer (read_committed by default),
// for exactly-once checks. "The end" is the high watermark taken when the read starts, so the
// read is complete by state (every offset up to it, control markers included, was passed), not
// by a quiet period: a duplicate at the very end of a partition is seen, and a transaction left
// open shows up as a read_committed read that stops at the last stable offset. A record at an
// offset the read has already passed (kafkajs hands records again after an internal restart or
// rejoin: it resumes from its last commit) is not a second record of the log: it is skipped and
// reported through onRedelivery, so that it is neither counted as a duplicate nor lost from view.
import type { Kafka } from 'kafkajs';
import { RawKafkaClient } from './groups-raw.js';
import { waitFor } from '../../support/wait.js';

export interface PartitionEnds {
  /** High watermark per partition. */
  highWatermark: bigint[];
  /** Last stable offset per partition (below the high watermark while a transaction is open). */
  lastStable: bigint[];
}

/** High watermark and last stable offset of every partition of `topic` (ListOffsets latest). */
export async function partitionEnds(port: number, topic: string): Promise<PartitionEnds> {
  const raw = await RawKafkaClient.connect(port);
  try {
    const md = await raw.request(3, 12, { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: topic }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    const t = md.topics[0];
    if (!t || t.errorCode !== 0) throw new Error(`Metadata ${topic}: error ${t?.errorCode}`);
    const partitions = t.partitions.length;
    const latest = async (isolationLevel: number): Promise<bigint[]> => {
      const r = await raw.request(2, 7, {
        replicaId: -1,
        isolationLevel,
        topics: [{ name: topic, partitions: Array.from({ length: partitions }, (_, p) => ({ partitionIndex: p, currentLeaderEpoch: -1, timestamp: -1n })) }],
      });
      const out: bigint[] = new Array<bigint>(partitions).fill(-1n);
      for (const p of r.topics[0]!.partitions) {
        if (p.errorCode !== 0) throw new Error(`ListOffsets ${topic}-${p.partitionIndex}: error ${p.errorCode}`);
        out[p.partitionIndex] = p.offset ?? -1n;
      }
      return out;
    };
    return { highWatermark: await latest(0), lastStable: await latest(1) };
  } finally {
    await raw.close();
  }
}

export interface ReadOptions {
  groupId: string;
  /** Read uncommitted records too (read_uncommitted); default false. */
  readUncommitted?: boolean;
  timeoutMs?: number;
  /** Called for each record handed again at an offset already read (skipped). */
  onRedelivery?: (partition: number, offset: bigint) => void;
  /** Filled with each value's offset, parallel to the values returned (offsets can have gaps: compaction, salvage). */
  offsets?: Map<number, number[]>;
}

/**
 * Consumes `topic` from the beginning (group `groupId`) until every partition's position reaches
 * its high watermark as it was at the start; returns the values per partition, in offset order.
 * Throws, with positions and watermarks, if that does not happen in time.
 */
export async function readToEnd(kafka: Kafka, port: number, topic: string, opts: ReadOptions): Promise<Map<number, string[]>> {
  const ends = await partitionEnds(port, topic);
  const partitions = ends.highWatermark.length;
  const values = new Map<number, string[]>();
  const position = new Array<bigint>(partitions).fill(0n);
  const advance = (partition: number, next: bigint) => {
    if (next > position[partition]!) position[partition] = next;
  };
  const consumer = kafka.consumer({ groupId: opts.groupId, maxWaitTimeInMs: 100, readUncommitted: opts.readUncommitted ?? false });
  let crashed = '';
  consumer.on(consumer.events.CRASH, ({ payload }) => void (crashed = `the consumer crashed: ${payload.error.message}\n`));
  // A batch of only control records or aborted records is never handed to eachMessage; kafkajs
  // still reports it, with the offset it moves past.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (payload.topic === topic && payload.batchSize === 0) advance(payload.partition, BigInt(payload.lastOffset) + 1n);
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        if (BigInt(message.offset) < position[partition]!) {
          opts.onRedelivery?.(partition, BigInt(message.offset));
          return;
        }
        let list = values.get(partition);
        if (!list) values.set(partition, (list = []));
        list.push(message.value?.toString() ?? '<null>');
        if (opts.offsets) {
          let at = opts.offsets.get(partition);
          if (!at) opts.offsets.set(partition, (at = []));
          at.push(Number(message.offset));
        }
        advance(partition, BigInt(message.offset) + 1n);
      },
    });
    await waitFor(() => position.every((pos, p) => pos >= ends.highWatermark[p]!), {
      what: `a ${opts.readUncommitted ? 'read_uncommitted' : 'read_committed'} consumer to reach the end of every partition of ${topic}`,
      timeoutMs: opts.timeoutMs ?? 60_000,
      detail: () =>
        crashed +
        position.map((pos, p) => `partition ${p}: read to ${pos}, high watermark ${ends.highWatermark[p]}, last stable offset ${ends.lastStable[p]} at the start`).join('\n'),
    });
  } finally {
    await consumer.disconnect();
  }
  return values;
}

/** readToEnd with read_committed. */
export function readCommitted(kafka: Kafka, port: number, topic: string, opts: { groupId: string; timeoutMs?: number }): Promise<Map<number, string[]>> {
  return readToEnd(kafka, port, topic, { ...opts, readUncommitted: false });
}
