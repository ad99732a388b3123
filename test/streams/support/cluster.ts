// The brokers the stream integration tests run against: Wharf in-process (startBroker on free
// ports, memory storage) or the reference Apache Kafka 4.4, behind one interface, plus helpers
// to create topics, produce inputs and read outputs with @platformatic/kafka.
import { Admin, Producer } from '@platformatic/kafka';
import { Kafka, logLevel } from '../../kafka/support/kafkajs.js';
import { startTestBroker } from '../../support/broker.js';
import { startKafka } from '../../support/kafka.js';
import { waitFor } from '../../support/wait.js';

export interface TestCluster {
  readonly kind: 'wharf' | 'kafka';
  readonly bootstrap: string;
  close(): Promise<void>;
}

// Both brokers keep records forever (log.retention.ms=-1): tests stamp records with times near
// the epoch (as the TopologyTestDriver comparisons do), which time retention would delete at the
// broker's first retention check, on Kafka as on Wharf.
export async function startWharfCluster(): Promise<TestCluster> {
  const broker = await startTestBroker({ kafkaPort: 0, storage: 'memory', groupInitialRebalanceDelay: 0, groupMinSessionTimeout: 500, kafkaTopicDefaults: { 'retention.ms': '-1' } });
  return { kind: 'wharf', bootstrap: `127.0.0.1:${broker.ports.kafka}`, close: () => broker.close() };
}

export async function startKafkaCluster(): Promise<TestCluster> {
  const k = await startKafka(['group.initial.rebalance.delay.ms=0', 'group.min.session.timeout.ms=500', 'transaction.state.log.replication.factor=1', 'transaction.state.log.min.isr=1', 'offsets.topic.replication.factor=1', 'log.retention.ms=-1']);
  return { kind: 'kafka', bootstrap: k.bootstrap, close: () => k.close() };
}

export async function createTopics(bootstrap: string, topics: Record<string, number>): Promise<void> {
  const admin = new Admin({ clientId: 'test-admin', bootstrapBrokers: [bootstrap] });
  try {
    for (const [name, partitions] of Object.entries(topics)) await admin.createTopics({ topics: [name], partitions, replicas: 1 });
    await waitFor(
      async () => {
        const m = await admin.metadata({ topics: Object.keys(topics), forceUpdate: true }).catch(() => null);
        return m !== null && Object.keys(topics).every((t) => m.topics.get(t)?.partitions.every((p) => p.leader >= 0));
      },
      { what: `topics ${Object.keys(topics).join(',')} have leaders` },
    );
  } finally {
    await admin.close();
  }
}

export interface ProducedRecord {
  key: Buffer | null;
  value: Buffer | null;
  partition?: number;
  timestamp?: number;
}

export async function produce(bootstrap: string, topic: string, records: ProducedRecord[]): Promise<void> {
  const producer = new Producer({ clientId: 'test-producer', bootstrapBrokers: [bootstrap], idempotent: true, acks: -1 });
  try {
    for (let i = 0; i < records.length; i += 500) {
      await producer.send({
        messages: records.slice(i, i + 500).map((r) => ({ topic, ...(r.key ? { key: r.key } : {}), ...(r.value ? { value: r.value } : {}), ...(r.partition !== undefined ? { partition: r.partition } : {}), ...(r.timestamp !== undefined ? { timestamp: BigInt(r.timestamp) } : {}) })),
      });
    }
  } finally {
    await producer.close();
  }
}

export interface ReadRecord {
  key: Buffer | null;
  value: Buffer | null;
  partition: number;
  offset: number;
  timestamp: number;
}

/**
 * Reads a topic from the beginning in read_committed until `done` holds for what was read. The
 * reader is kafkajs, a client independent of the library under test (whose client is
 * @platformatic/kafka; its consumer delivers records of aborted transactions when a fetch
 * response ends before the abort marker, so it cannot check exactly-once).
 */
export async function readUntil(bootstrap: string, topic: string, done: (records: ReadRecord[]) => boolean, what: string, timeoutMs = 60_000): Promise<ReadRecord[]> {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  const kafka = new Kafka({ clientId: 'test-reader', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 50 } });
  const consumer = kafka.consumer({ groupId: `reader-${topic}-${Math.random().toString(36).slice(2)}`, readUncommitted: false, maxWaitTimeInMs: 100, sessionTimeout: 10_000, heartbeatInterval: 500 });
  const out: ReadRecord[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        out.push({ key: message.key, value: message.value, partition, offset: Number(message.offset), timestamp: Number(message.timestamp) });
      },
    });
    await waitFor(() => done(out), { what, timeoutMs, detail: () => `${out.length} records read` });
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
  return out;
}

/** Latest value per key (tombstones remove the key). */
export function latestByKey(records: ReadRecord[], decodeValue: (b: Buffer) => unknown = (b) => b.toString('utf8')): Map<string, unknown> {
  const m = new Map<string, unknown>();
  for (const r of records) {
    const k = r.key?.toString('utf8') ?? '';
    if (r.value === null) m.delete(k);
    else m.set(k, decodeValue(r.value));
  }
  return m;
}
