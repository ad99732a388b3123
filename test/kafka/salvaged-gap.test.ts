// Kafka clients across an offset gap that storage recovery left by cutting out a damaged batch
// (issue 16, reliability kafka-queue / bit-flip: damaged partitions used to go offline whole;
// docs/storage.md, "Recovery"). A Fetch at an offset inside the gap returns the next batch, as
// after compaction, and a kafkajs consumer group reads every record that was not in the damaged
// batch, in order, and commits past the end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Consumer } from 'kafkajs';
import type { Broker } from '../../src/index.js';
import { startTestBroker } from '../support/broker.js';
import { kafkaClient, rawKafkajs } from './support/kafkajs.js';
import { waitFor } from '../support/wait.js';
import { partitionDir } from '../support/data-dir.js';

const OPTS = { kafkaPort: 0, groupMinSessionTimeout: 100, groupInitialRebalanceDelay: 0 };
const BATCHES = 20;
const PER = 3;
const DAMAGED = 7; // offsets 21-23

/** A broker's data directory with topic k of BATCHES batches of PER records, batch DAMAGED damaged inside its CRC, its index gone (as after a crash). */
async function damagedDataDir(): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-salvage-kafka-'));
  const broker = await startTestBroker({ ...OPTS, dataDir });
  try {
    const kafka = kafkaClient(broker.ports.kafka);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'k', numPartitions: 1 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    for (let b = 0; b < BATCHES; b++) {
      await producer.send({ topic: 'k', acks: -1, messages: Array.from({ length: PER }, (_, r) => ({ value: `b${b}-r${r}` })) });
    }
    await producer.disconnect();
  } finally {
    await broker.close();
  }
  const dir = partitionDir(dataDir, 'k');
  const file = join(dir, readdirSync(dir).filter((n) => n.endsWith('.log'))[0]!);
  const bytes = readFileSync(file);
  let pos = 0;
  for (let b = 0; b < DAMAGED; b++) pos += 12 + bytes.readInt32BE(pos + 8);
  bytes[pos + 64]! ^= 0x02;
  writeFileSync(file, bytes);
  unlinkSync(file.replace(/\.log$/, '.index'));
  return dataDir;
}

test('a Fetch inside the gap of a salvaged batch gets the next batch; a consumer group reads everything else', { timeout: 60_000 }, async () => {
  const dataDir = await damagedDataDir();
  let broker: Broker | null = null;
  const open: Array<{ disconnect(): Promise<void> }> = [];
  try {
    broker = await startTestBroker({ ...OPTS, dataDir });
    const kafka = kafkaClient(broker.ports.kafka);
    const raw = await rawKafkajs(kafka);
    try {
      const inGap = await raw.fetch({ topic: 'k', partition: 0, offset: DAMAGED * PER + 1 });
      assert.equal(inGap.errorCode, 0);
      assert.equal(inGap.highWatermark, String(BATCHES * PER));
      assert.equal(inGap.records[0]!.offset, String((DAMAGED + 1) * PER), 'the first record after the gap');
      assert.equal(inGap.records[0]!.value, `b${DAMAGED + 1}-r0`);
    } finally {
      await raw.close();
    }

    const got: Array<[string, string]> = [];
    const consumer: Consumer = kafka.consumer({ groupId: 'g', sessionTimeout: 3_000, rebalanceTimeout: 3_000, heartbeatInterval: 100, maxWaitTimeInMs: 100 });
    open.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic: 'k', fromBeginning: true });
    await consumer.run({ autoCommitInterval: 20, eachMessage: async ({ message }) => void got.push([message.offset, message.value!.toString()]) });
    const admin2 = kafka.admin();
    open.push(admin2);
    await admin2.connect();
    await waitFor(async () => (await admin2.fetchOffsets({ groupId: 'g', topics: ['k'] }))[0]!.partitions[0]!.offset === String(BATCHES * PER), {
      what: 'the group to commit the end of the partition',
      timeoutMs: 20_000,
    });
    const expected: Array<[string, string]> = [];
    for (let b = 0; b < BATCHES; b++) if (b !== DAMAGED) for (let r = 0; r < PER; r++) expected.push([String(b * PER + r), `b${b}-r${r}`]);
    assert.deepEqual(got, expected);
  } finally {
    for (const c of open.reverse()) await c.disconnect().catch(() => {});
    await broker?.close().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('with --damage-recovery offline the same damage takes the partition offline (Metadata: LEADER_NOT_AVAILABLE, as for an offline partition in Kafka)', { timeout: 60_000 }, async () => {
  const dataDir = await damagedDataDir();
  const broker = await startTestBroker({ ...OPTS, dataDir, damageRecovery: 'offline' });
  try {
    await assert.rejects(rawKafkajs(kafkaClient(broker.ports.kafka)), (e: unknown) => /no leader for this topic-partition/.test((e as Error).message));
  } finally {
    await broker.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
