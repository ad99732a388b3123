// Time retention of a topic written once and then left idle, over the wire, on Wharf and on
// Apache Kafka 4.4: once every record is older than retention.ms, the next retention check
// deletes the data, the segment being appended to included (Kafka rolls it, then deletes it),
// so the log start offset becomes the log end offset: ListOffsets earliest = latest, a Fetch
// from 0 is OFFSET_OUT_OF_RANGE, DescribeLogDirs and the disk hold no bytes of the partition.
// New writes continue at the old end, and a restart keeps the offsets. The same scenario runs
// against both brokers and both are held to the same expectations.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from './support/kafkajs.js';
import { RawKafka } from './support/raw-kafka.js';
import { startTestBroker } from '../support/broker.js';
import { startKafka, type RunningKafka } from '../support/kafka.js';
import { peerSkip } from '../support/peers.js';
import { waitForValue } from '../support/wait.js';
import { buildRecordBatch } from '../../src/core/records/batch.js';
import type { Broker } from '../../src/index.js';

const TOPIC = 'written-once';
const ZERO = 'AAAAAAAAAAAAAAAAAAAAAA';
const RETENTION_MS = 2_000;
const OFFSET_OUT_OF_RANGE = 1;

/** A broker the scenario runs against: where it listens, its partition's bytes on disk, a restart. */
interface Target {
  host: string;
  port: number;
  /** Bytes of the partition's segment files (`.log`) on disk now. */
  logFileBytes(topicId: string): number;
  restart(): Promise<void>;
  close(): Promise<void>;
}

function logBytesIn(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}

async function wharfTarget(): Promise<Target> {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-retention-'));
  const flags = { kafkaPort: 0, dataDir, logRetentionCheckInterval: 200 };
  let broker: Broker = await startTestBroker(flags);
  return {
    get host() {
      return '127.0.0.1';
    },
    get port() {
      return broker.ports.kafka;
    },
    logFileBytes: (topicId) => logBytesIn(join(dataDir, 'topics', topicIdDir(dataDir, topicId), '0')),
    async restart() {
      await broker.close();
      broker = await startTestBroker(flags);
    },
    async close() {
      await broker.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Wharf names a topic's directory by its id, as a UUID; the wire gives it in base64. */
function topicIdDir(dataDir: string, topicId: string): string {
  const hex = Buffer.from(topicId, 'base64url').toString('hex');
  const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  const found = readdirSync(join(dataDir, 'topics')).find((d) => d === uuid || d === topicId || d === hex);
  if (!found) throw new Error(`no directory of topic ${topicId} (${uuid}) in ${dataDir}/topics: ${readdirSync(join(dataDir, 'topics')).join(', ')}`);
  return found;
}

async function kafkaTarget(): Promise<Target> {
  // Kafka checks retention every log.retention.check.interval.ms, after log.initial.task.delay.ms.
  const properties = ['log.retention.check.interval.ms=200', 'log.initial.task.delay.ms=0'];
  let kafka: RunningKafka = await startKafka(properties);
  const dataDir = kafka.dataDir;
  return {
    get host() {
      return kafka.host;
    },
    get port() {
      return kafka.port;
    },
    // Kafka's partition directory is <topic>-<partition>; deleted segments are renamed *.deleted first.
    logFileBytes: () => logBytesIn(join(dataDir, 'logs', `${TOPIC}-0`)),
    async restart() {
      await kafka.stop();
      kafka = await startKafka(properties, { dataDir });
    },
    close: () => kafka.close(),
  };
}

interface Observations {
  afterProduce: [number, number];
  afterRetention: [number, number];
  fetchFromZero: { errorCode: number; logStartOffset: number; highWatermark: number };
  fetchAtEnd: { errorCode: number; records: boolean };
  logDirBytes: number;
  diskBytes: number;
  nextBaseOffset: number;
  afterMoreWrites: [number, number];
  afterRestart: [number, number];
  readAfterRestart: number[];
}

async function offsets(c: RawKafka): Promise<[number, number]> {
  const at = async (timestamp: bigint) => {
    const r = await c.send(2, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp }] }] });
    const p = r.topics[0]!.partitions[0]!;
    assert.equal(p.errorCode, 0, `ListOffsets ${timestamp}`);
    return Number(p.offset);
  };
  return [await at(-2n), await at(-1n)];
}

async function produce(c: RawKafka, values: string[]): Promise<number> {
  const r = await c.send(0, 9, { transactionalId: null, acks: -1, timeoutMs: 5_000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: buildRecordBatch({ records: values.map((value) => ({ value })) }) }] }] });
  const p = r.responses[0]!.partitionResponses[0]!;
  assert.equal(p.errorCode, 0, 'Produce');
  return Number(p.baseOffset);
}

async function fetchAt(c: RawKafka, offset: number) {
  const r = await c.send(1, 11, {
    replicaId: -1,
    maxWaitMs: 10,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic: TOPIC, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: BigInt(offset), logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [],
    rackId: '',
  });
  const p = r.responses[0]!.partitions[0]!;
  return { errorCode: p.errorCode, logStartOffset: Number(p.logStartOffset), highWatermark: Number(p.highWatermark), records: (p.records?.length ?? 0) > 0 };
}

async function topicIdOf(c: RawKafka): Promise<string> {
  const r = await waitForValue(
    () => c.send(3, 12, { topics: [{ topicId: ZERO, name: TOPIC }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }),
    (md) => md.topics[0]?.errorCode === 0 && (md.topics[0]?.partitions[0]?.leaderId ?? -1) >= 0,
    { what: `${TOPIC} has a leader` },
  );
  return r.topics[0]!.topicId ?? ZERO;
}

/** Values read by a real client (kafkajs) from the earliest offset. */
async function readFromEarliest(host: string, port: number, count: number): Promise<number[]> {
  const kafka = new Kafka({ clientId: 'retention-reader', brokers: [`${host}:${port}`], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `retention-${Date.now()}`, maxWaitTimeInMs: 100 });
  const offsetsRead: number[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void offsetsRead.push(Number(message.offset)) });
    await waitForValue(() => offsetsRead.length, (n) => n >= count, { what: `${count} records read from the earliest offset`, timeoutMs: 30_000 });
  } finally {
    await consumer.disconnect();
  }
  return offsetsRead;
}

async function scenario(t: Target): Promise<Observations> {
  let c = await RawKafka.connect(t.host, t.port);
  try {
    const created = await c.send(19, 7, {
      topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'retention.ms', value: String(RETENTION_MS) }, { name: 'file.delete.delay.ms', value: '0' }] }],
      timeoutMs: 10_000,
      validateOnly: false,
    });
    assert.equal(created.topics[0]!.errorCode, 0, 'CreateTopics');
    const topicId = await topicIdOf(c);
    for (let b = 0; b < 3; b++) await produce(c, Array.from({ length: 5 }, (_, i) => `v${b * 5 + i}`));
    const afterProduce = await offsets(c);
    assert.ok(t.logFileBytes(topicId) > 0, 'the records are on disk');
    // The next retention check after every record is RETENTION_MS old deletes them all.
    const afterRetention = await waitForValue(() => offsets(c), ([earliest, latest]) => earliest === latest, { what: 'ListOffsets earliest = latest (retention deleted the data)', timeoutMs: 60_000, intervalMs: 100 });
    const fetchFromZero = await fetchAt(c, 0);
    const atEnd = await fetchAt(c, afterRetention[1]);
    const logDirs = await c.send(35, 4, { topics: [{ topic: TOPIC, partitions: [0] }] });
    const logDirBytes = logDirs.results.flatMap((r) => r.topics).filter((x) => x.name === TOPIC).flatMap((x) => x.partitions).reduce((n, p) => n + Number(p.partitionSize), 0);
    const diskBytes = await waitForValue(() => t.logFileBytes(topicId), (n) => n === 0, { what: 'no segment bytes left on disk', timeoutMs: 10_000, intervalMs: 50 }).catch(() => t.logFileBytes(topicId));
    // New records stay now: retention back to a day.
    const altered = await c.send(44, 1, { resources: [{ resourceType: 2, resourceName: TOPIC, configs: [{ name: 'retention.ms', configOperation: 0, value: '86400000' }] }], validateOnly: false });
    assert.equal(altered.responses[0]!.errorCode, 0, 'IncrementalAlterConfigs');
    const nextBaseOffset = await produce(c, ['w0', 'w1', 'w2', 'w3']);
    const afterMoreWrites = await offsets(c);
    c.close();
    await t.restart();
    c = await RawKafka.connect(t.host, t.port);
    await topicIdOf(c);
    const afterRestart = await offsets(c);
    const readAfterRestart = await readFromEarliest(t.host, t.port, 4);
    return {
      afterProduce,
      afterRetention,
      fetchFromZero: { errorCode: fetchFromZero.errorCode, logStartOffset: fetchFromZero.logStartOffset, highWatermark: fetchFromZero.highWatermark },
      fetchAtEnd: { errorCode: atEnd.errorCode, records: atEnd.records },
      logDirBytes,
      diskBytes,
      nextBaseOffset,
      afterMoreWrites,
      afterRestart,
      readAfterRestart: readAfterRestart.sort((a, b) => a - b),
    };
  } finally {
    c.close();
  }
}

/** What both brokers must show (Kafka answers -1 for the watermarks of an out-of-range fetch). */
function expectedOf(o: Observations): void {
  assert.deepEqual(o.afterProduce, [0, 15]);
  assert.deepEqual(o.afterRetention, [15, 15], 'the log start offset is the log end offset');
  assert.equal(o.fetchFromZero.errorCode, OFFSET_OUT_OF_RANGE);
  assert.deepEqual(o.fetchAtEnd, { errorCode: 0, records: false });
  assert.equal(o.logDirBytes, 0, 'DescribeLogDirs: the partition holds no bytes');
  assert.equal(o.diskBytes, 0, 'no segment bytes on disk');
  assert.equal(o.nextBaseOffset, 15, 'new writes continue at the old end');
  assert.deepEqual(o.afterMoreWrites, [15, 19]);
  assert.deepEqual(o.afterRestart, [15, 19], 'a restart keeps the offsets');
  assert.deepEqual(o.readAfterRestart, [15, 16, 17, 18]);
}

test('Wharf: retention.ms frees a topic written once, the active segment included; offsets continue and survive a restart', { timeout: 120_000 }, async () => {
  const t = await wharfTarget();
  try {
    expectedOf(await scenario(t));
  } finally {
    await t.close();
  }
});

describe('differential: the same scenario on Apache Kafka 4.4', { skip: peerSkip('kafka') }, () => {
  test('Kafka 4.4 shows what Wharf shows', { timeout: 300_000 }, async () => {
    const k = await kafkaTarget();
    try {
      const kafka = await scenario(k);
      expectedOf(kafka);
    } finally {
      await k.close();
    }
  });
});
