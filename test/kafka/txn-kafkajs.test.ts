// Transactions through the wire: kafkajs 2.2.4 transactional producers (commit, abort,
// sendOffsets), read_committed consumers that see only committed records, the LSO in Fetch and
// ListOffsets, the aborted-transactions index, zombie fencing, transaction timeouts, and an
// open transaction that survives a broker restart and then times out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka } from 'kafkajs';
import { startTestBroker } from '../support/broker.js';
import type { Broker } from '../../src/index.js';
import { kafkaClient } from './support/kafkajs.js';
import { RawKafkaClient } from './support/groups-raw.js';
import { readToEnd } from './support/read-committed.js';

const FAST = { kafkaPort: 0, fsync: 'never' as const, groupMinSessionTimeout: 100, groupInitialRebalanceDelay: 0, transactionAbortTimedOutInterval: 100 };

async function waitFor(cond: () => boolean | Promise<boolean>, ms = 15_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/**
 * The values of `topic` (partition by partition, in offset order) once a consumer of group
 * `groupId` has read to the end of every partition: a record that should not be visible cannot
 * arrive after the check (a fixed 300 ms wait used to end the read).
 */
async function consumeCommitted(kafka: Kafka, port: number, topic: string, groupId: string, readUncommitted = false): Promise<string[]> {
  const got = await readToEnd(kafka, port, topic, { groupId, readUncommitted, timeoutMs: 15_000 });
  return [...got.keys()].sort((a, b) => a - b).flatMap((p) => got.get(p)!);
}

async function offsets(raw: RawKafkaClient, topic: string, isolationLevel: number) {
  const lo = await raw.request(2, 5, { replicaId: -1, isolationLevel, topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }] });
  const f = await raw.request(1, 11, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [],
    rackId: '',
  });
  const p = f.responses[0]!.partitions[0]!;
  return {
    listOffsetsLatest: Number(lo.topics[0]!.partitions[0]!.offset),
    highWatermark: Number(p.highWatermark),
    lastStableOffset: Number(p.lastStableOffset),
    aborted: (p.abortedTransactions ?? []).map((a) => Number(a.firstOffset)),
    bytes: (p.records ?? Buffer.alloc(0)).length,
  };
}

test('commit and abort: read_committed sees only committed records; LSO and aborted transactions on the wire', async () => {
  const broker = await startTestBroker(FAST);
  const kafka = kafkaClient(broker.ports.kafka);
  const raw = await RawKafkaClient.connect(broker.ports.kafka);
  try {
    await broker.log.createTopic('tx', { partitions: 1 });
    const producer = kafka.producer({ transactionalId: 'tx-1', maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    let t = await producer.transaction();
    await t.send({ topic: 'tx', messages: [{ value: 'c1' }, { value: 'c2' }] });
    await t.commit();
    t = await producer.transaction();
    await t.send({ topic: 'tx', messages: [{ value: 'a1' }, { value: 'a2' }] });
    await t.abort();
    t = await producer.transaction();
    await t.send({ topic: 'tx', messages: [{ value: 'c3' }] });
    // Open: the LSO stops before it.
    let o = await offsets(raw, 'tx', 1);
    assert.equal(o.highWatermark, 7, '2 + marker + 2 + marker + 1');
    assert.equal(o.lastStableOffset, 6);
    assert.equal(o.listOffsetsLatest, 6, 'ListOffsets latest in read_committed is the LSO');
    assert.equal((await offsets(raw, 'tx', 0)).listOffsetsLatest, 7);
    assert.deepEqual(o.aborted, [3], 'the aborted transaction starting at offset 3');
    await t.commit();
    o = await offsets(raw, 'tx', 1);
    assert.equal(o.lastStableOffset, 8);
    await producer.disconnect();
    assert.deepEqual(await consumeCommitted(kafka, broker.ports.kafka, 'tx', 'rc'), ['c1', 'c2', 'c3']);
    assert.deepEqual(await consumeCommitted(kafka, broker.ports.kafka, 'tx', 'ru', true), ['c1', 'c2', 'a1', 'a2', 'c3']);
    const d = await raw.request(65, 0, { transactionalIds: ['tx-1', 'nope'] });
    assert.equal(d.transactionStates[0]!.transactionState, 'CompleteCommit');
    assert.equal(d.transactionStates[1]!.errorCode, 105, 'TRANSACTIONAL_ID_NOT_FOUND');
    const l = await raw.request(66, 0, { stateFilters: [], producerIdFilters: [] });
    assert.deepEqual(l.transactionStates.map((s) => s.transactionalId), ['tx-1']);
  } finally {
    await raw.close();
    await broker.close();
  }
});

test('read-process-write with sendOffsets: output and input offsets commit together or not at all', async () => {
  const broker = await startTestBroker(FAST);
  const kafka = kafkaClient(broker.ports.kafka);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic: 'in', numPartitions: 2 }, { topic: 'out', numPartitions: 2 }] });
    const p = kafka.producer();
    await p.connect();
    await p.send({ topic: 'in', messages: Array.from({ length: 20 }, (_, i) => ({ partition: i % 2, value: String(i) })) });
    await p.disconnect();
    const producer = kafka.producer({ transactionalId: 'rpw', maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    const consumer = kafka.consumer({ groupId: 'rpw-group', sessionTimeout: 3_000, heartbeatInterval: 100, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'in', fromBeginning: true });
    let batches = 0;
    let processed = 0;
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const txn = await producer.transaction();
        await txn.send({ topic: 'out', messages: batch.messages.map((m) => ({ partition: batch.partition, value: `x${m.value}` })) });
        const next = String(Number(batch.lastOffset()) + 1);
        await txn.sendOffsets({ consumerGroupId: 'rpw-group', topics: [{ topic: 'in', partitions: [{ partition: batch.partition, offset: next }] }] });
        // The first batch is aborted: neither its output nor its offsets count.
        if (batches++ === 0) {
          await txn.abort();
          throw new Error('retry this batch');
        }
        await txn.commit();
        processed += batch.messages.length;
      },
    });
    await waitFor(() => processed >= 20, 20_000, 'all input processed');
    await consumer.disconnect();
    await producer.disconnect();
    const committed = await admin.fetchOffsets({ groupId: 'rpw-group', topics: ['in'] });
    assert.deepEqual(committed[0]!.partitions.map((x) => x.offset).sort(), ['10', '10']);
    const out = await consumeCommitted(kafka, broker.ports.kafka, 'out', 'check');
    assert.deepEqual(out.map((v) => Number(v.slice(1))).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i), 'each input exactly once in the committed output');
  } finally {
    await admin.disconnect();
    await broker.close();
  }
});

test('zombie fencing, transaction timeout, INVALID_TRANSACTION_TIMEOUT', async () => {
  const broker = await startTestBroker({ ...FAST, transactionMaxTimeout: 60_000 });
  const kafka = kafkaClient(broker.ports.kafka);
  const raw = await RawKafkaClient.connect(broker.ports.kafka);
  try {
    await broker.log.createTopic('z', { partitions: 1 });
    const bad = await raw.request(22, 4, { transactionalId: 'big', transactionTimeoutMs: 120_000, producerId: -1n, producerEpoch: -1 });
    assert.equal(bad.errorCode, 50, 'INVALID_TRANSACTION_TIMEOUT');
    const zombie = kafka.producer({ transactionalId: 'z-1', maxInFlightRequests: 1, idempotent: true });
    await zombie.connect();
    const zt = await zombie.transaction();
    await zt.send({ topic: 'z', messages: [{ value: 'zombie' }] });
    // A new incarnation with the same id aborts the zombie's transaction and fences it.
    const fresh = kafka.producer({ transactionalId: 'z-1', maxInFlightRequests: 1, idempotent: true });
    await fresh.connect();
    const ft = await fresh.transaction();
    await ft.send({ topic: 'z', messages: [{ value: 'fresh' }] });
    await ft.commit();
    await assert.rejects(zt.send({ topic: 'z', messages: [{ value: 'late' }] }).then(() => zt.commit()));
    await zombie.disconnect().catch(() => {});
    await fresh.disconnect();
    assert.deepEqual(await consumeCommitted(kafka, broker.ports.kafka, 'z', 'zg'), ['fresh']);

    // Raw fencing codes: EndTxn with the old epoch gets PRODUCER_FENCED (v2+) / INVALID_PRODUCER_EPOCH (v0-1).
    const a = await raw.request(22, 4, { transactionalId: 'raw-1', transactionTimeoutMs: 300, producerId: -1n, producerEpoch: -1 });
    const b = await raw.request(22, 4, { transactionalId: 'raw-1', transactionTimeoutMs: 300, producerId: -1n, producerEpoch: -1 });
    assert.equal(b.producerEpoch, a.producerEpoch + 1);
    assert.equal((await raw.request(26, 3, { transactionalId: 'raw-1', producerId: a.producerId, producerEpoch: a.producerEpoch, committed: true })).errorCode, 90);
    assert.equal((await raw.request(26, 1, { transactionalId: 'raw-1', producerId: a.producerId, producerEpoch: a.producerEpoch, committed: true })).errorCode, 47);
    assert.equal((await raw.request(26, 3, { transactionalId: 'raw-1', producerId: b.producerId + 1n, producerEpoch: b.producerEpoch, committed: true })).errorCode, 49, 'INVALID_PRODUCER_ID_MAPPING');
    assert.equal((await raw.request(26, 3, { transactionalId: 'raw-1', producerId: b.producerId, producerEpoch: b.producerEpoch, committed: true })).errorCode, 48, 'INVALID_TXN_STATE: nothing to commit');
    const add = await raw.request(24, 3, { v3AndBelowTransactionalId: 'raw-1', v3AndBelowProducerId: b.producerId, v3AndBelowProducerEpoch: b.producerEpoch, v3AndBelowTopics: [{ name: 'z', partitions: [0] }, { name: 'missing', partitions: [0] }] });
    assert.deepEqual(add.resultsByTopicV3AndBelow!.map((t) => t.resultsByPartition[0]!.partitionErrorCode), [55, 3]);
    const add2 = await raw.request(24, 3, { v3AndBelowTransactionalId: 'raw-1', v3AndBelowProducerId: b.producerId, v3AndBelowProducerEpoch: b.producerEpoch, v3AndBelowTopics: [{ name: 'z', partitions: [0] }] });
    assert.equal(add2.resultsByTopicV3AndBelow![0]!.resultsByPartition[0]!.partitionErrorCode, 0);
    // Left open: it times out (300 ms) and is aborted with a bumped epoch.
    await waitFor(async () => (await raw.request(65, 0, { transactionalIds: ['raw-1'] })).transactionStates[0]!.transactionState === 'CompleteAbort', 5_000, 'the timeout abort');
    const after = await raw.request(65, 0, { transactionalIds: ['raw-1'] });
    assert.equal(after.transactionStates[0]!.producerEpoch, b.producerEpoch + 1);
    assert.equal((await raw.request(26, 3, { transactionalId: 'raw-1', producerId: b.producerId, producerEpoch: b.producerEpoch, committed: false })).errorCode, 90);
  } finally {
    await raw.close();
    await broker.close();
  }
});

test('an open transaction holds the LSO across a restart, then times out; committed ones stay committed', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-txn-'));
  let broker: Broker | null = await startTestBroker({ ...FAST, fsync: 'always', dataDir });
  try {
    await broker.log.createTopic('r', { partitions: 1 });
    let kafka = kafkaClient(broker.ports.kafka);
    const producer = kafka.producer({ transactionalId: 'r-1', maxInFlightRequests: 1, idempotent: true, transactionTimeout: 1_500 });
    await producer.connect();
    let t = await producer.transaction();
    await t.send({ topic: 'r', messages: [{ value: 'committed' }] });
    await t.commit();
    t = await producer.transaction();
    await t.send({ topic: 'r', messages: [{ value: 'in-flight' }] });
    // The broker goes away with the transaction open.
    await broker.close();
    broker = null;
    await producer.disconnect().catch(() => {});
    broker = await startTestBroker({ ...FAST, fsync: 'always', dataDir });
    kafka = kafkaClient(broker.ports.kafka);
    const part = broker.log.partition('r', 0);
    assert.equal(part.highWatermark, 3);
    assert.equal(part.lastStableOffset, 2, 'the open transaction is restored');
    await waitFor(() => part.lastStableOffset === 4, 10_000, 'the timeout to abort it');
    assert.deepEqual(await consumeCommitted(kafka, broker.ports.kafka, 'r', 'rg'), ['committed']);
  } finally {
    await broker?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
