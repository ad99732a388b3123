// The kstreams suite's own client (kafkajs 2.2.4): it creates the applications' topics, feeds
// their inputs and reads their outputs, the way Kafka's system tests prepare topics and check
// results with the console producer and consumer. The same calls run against Wharf and the
// reference Kafka, so the applications are judged by one yardstick.
import { createRequire } from 'node:module';
import type { Kafka as KafkaType, Admin } from 'kafkajs';

const require = createRequire(import.meta.url);
const kafkajs = require('kafkajs') as typeof import('kafkajs');

export interface OutRecord {
  key: Buffer | null;
  value: Buffer | null;
  partition: number;
}

export interface InRecord {
  key?: string | Buffer | null;
  value: string | Buffer;
  timestamp?: number;
  partition?: number;
}

export class Io {
  private readonly kafka: KafkaType;

  constructor(bootstrap: string) {
    process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
    this.kafka = new kafkajs.Kafka({ clientId: 'wharf-compat-kstreams', brokers: [bootstrap], logLevel: kafkajs.logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 200 } });
  }

  async createTopics(topics: Array<{ name: string; partitions: number }>): Promise<void> {
    const admin: Admin = this.kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ waitForLeaders: true, topics: topics.map((t) => ({ topic: t.name, numPartitions: t.partitions, replicationFactor: 1 })) });
    } finally {
      await admin.disconnect();
    }
  }

  async produce(topic: string, records: InRecord[]): Promise<void> {
    const p = this.kafka.producer({ allowAutoTopicCreation: false });
    await p.connect();
    try {
      await p.send({
        topic,
        acks: -1,
        messages: records.map((r) => ({ key: r.key ?? null, value: r.value, partition: r.partition, timestamp: r.timestamp === undefined ? undefined : String(r.timestamp) })),
      });
    } finally {
      await p.disconnect();
    }
  }

  /**
   * Reads `topic` from the beginning (committed records only) until `done` says the records so
   * far are enough, or `timeoutMs` passes; returns what was read either way.
   */
  async collect(topic: string, done: (records: OutRecord[]) => boolean, timeoutMs: number): Promise<OutRecord[]> {
    const c = this.kafka.consumer({ groupId: `wharf-compat-check-${topic}-${Date.now()}`, readUncommitted: false, maxWaitTimeInMs: 500 });
    const got: OutRecord[] = [];
    await c.connect();
    try {
      await c.subscribe({ topic, fromBeginning: true });
      let finish!: () => void;
      const finished = new Promise<void>((r) => (finish = r));
      const timer = setTimeout(finish, timeoutMs);
      await c.run({
        eachMessage: async ({ message, partition }) => {
          got.push({ key: message.key, value: message.value, partition });
          if (done(got)) finish();
        },
      });
      await finished;
      clearTimeout(timer);
    } finally {
      await c.disconnect();
    }
    return got;
  }
}

/** The last value of each key (a table's final state), decoded by `value`. */
export function latest<T>(records: OutRecord[], value: (b: Buffer) => T): Map<string, T> {
  const out = new Map<string, T>();
  for (const r of records) if (r.key && r.value) out.set(r.key.toString(), value(r.value));
  return out;
}

export const asLong = (b: Buffer): number => Number(b.readBigInt64BE(0));
export const asString = (b: Buffer): string => b.toString('utf8');
