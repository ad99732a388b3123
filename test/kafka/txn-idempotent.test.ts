// Idempotent producers through the wire: kafkajs with idempotent: true, and raw Produce requests
// that retry a batch (answered with its first offsets, appended once), skip a sequence
// (OUT_OF_ORDER_SEQUENCE_NUMBER) or use a stale epoch (INVALID_PRODUCER_EPOCH); the producer
// state survives a broker restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestBroker } from '../support/broker.js';
import type { Broker } from '../../src/index.js';
import { buildRecordBatch } from '../../src/core/records/batch.js';
import { readAll } from '../storage/helpers.js';
import { kafkaClient } from './support/kafkajs.js';
import { RawKafkaClient } from './support/groups-raw.js';

function batch(pid: bigint, epoch: number, seq: number, values: string[]): Buffer {
  return buildRecordBatch({ producerId: Number(pid), producerEpoch: epoch, baseSequence: seq, records: values.map((value) => ({ value })) });
}

async function produce(raw: RawKafkaClient, topic: string, records: Buffer, transactionalId: string | null = null) {
  const r = await raw.request(0, 9, { transactionalId, acks: -1, timeoutMs: 5_000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] });
  const p = r.responses[0]!.partitionResponses[0]!;
  return { errorCode: p.errorCode, baseOffset: Number(p.baseOffset) };
}

test('kafkajs idempotent producer: every record once, in order', async () => {
  const broker = await startTestBroker({ kafkaPort: 0, fsync: 'never' });
  try {
    const kafka = kafkaClient(broker.ports.kafka);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (let i = 0; i < 10; i++) {
      await producer.send({ topic: 'idem', messages: Array.from({ length: 10 }, (_, j) => ({ value: String(i * 10 + j) })) });
    }
    await producer.disconnect();
    const records = await readAll(broker.log, 'idem');
    assert.deepEqual(records.map((r) => r.value), Array.from({ length: 100 }, (_, i) => String(i)));
  } finally {
    await broker.close();
  }
});

test('raw produce: a retried batch gets its first offset, a gap OUT_OF_ORDER_SEQUENCE_NUMBER, a stale epoch INVALID_PRODUCER_EPOCH; state survives a restart', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-idem-'));
  let broker: Broker | null = await startTestBroker({ kafkaPort: 0, fsync: 'always', dataDir });
  let raw: RawKafkaClient | null = null;
  try {
    await broker.log.createTopic('t');
    raw = await RawKafkaClient.connect(broker.ports.kafka);
    const init = await raw.request(22, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
    assert.equal(init.errorCode, 0);
    const pid = init.producerId;
    assert.ok(pid >= 0n);
    assert.equal(init.producerEpoch, 0);
    const init2 = await raw.request(22, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
    assert.notEqual(init2.producerId, pid, 'each idempotent producer gets its own id');

    const b0 = batch(pid, 0, 0, ['a', 'b']);
    assert.deepEqual(await produce(raw, 't', Buffer.from(b0)), { errorCode: 0, baseOffset: 0 });
    assert.deepEqual(await produce(raw, 't', Buffer.from(b0)), { errorCode: 0, baseOffset: 0 }, 'the retry is answered with the first offset');
    assert.deepEqual(await produce(raw, 't', batch(pid, 0, 2, ['c'])), { errorCode: 0, baseOffset: 2 });
    assert.equal((await produce(raw, 't', batch(pid, 0, 5, ['gap']))).errorCode, 45, 'OUT_OF_ORDER_SEQUENCE_NUMBER');
    assert.equal((await produce(raw, 't', batch(pid, 0, 1, ['overlap']))).errorCode, 45);
    // Pipelined: three batches in flight at once, then the first again.
    const [p1, p2, p3] = await Promise.all([produce(raw, 't', batch(pid, 0, 3, ['d'])), produce(raw, 't', batch(pid, 0, 4, ['e'])), produce(raw, 't', batch(pid, 0, 5, ['f']))]);
    assert.deepEqual([p1.baseOffset, p2.baseOffset, p3.baseOffset], [3, 4, 5]);
    assert.deepEqual(await produce(raw, 't', batch(pid, 0, 3, ['d'])), { errorCode: 0, baseOffset: 3 });
    // A newer epoch must start at sequence 0 and fences the older one.
    assert.equal((await produce(raw, 't', batch(pid, 1, 7, ['x']))).errorCode, 45);
    assert.deepEqual(await produce(raw, 't', batch(pid, 1, 0, ['g'])), { errorCode: 0, baseOffset: 6 });
    assert.equal((await produce(raw, 't', batch(pid, 0, 6, ['zombie']))).errorCode, 47, 'INVALID_PRODUCER_EPOCH');
    await raw.close();
    raw = null;
    await broker.close();
    broker = null;

    broker = await startTestBroker({ kafkaPort: 0, fsync: 'always', dataDir });
    raw = await RawKafkaClient.connect(broker.ports.kafka);
    assert.deepEqual(await produce(raw, 't', batch(pid, 1, 0, ['g'])), { errorCode: 0, baseOffset: 6 }, 'duplicate detected after restart');
    assert.equal((await produce(raw, 't', batch(pid, 1, 3, ['gap']))).errorCode, 45);
    assert.equal((await produce(raw, 't', batch(pid, 0, 7, ['zombie']))).errorCode, 47);
    assert.deepEqual(await produce(raw, 't', batch(pid, 1, 1, ['h'])), { errorCode: 0, baseOffset: 7 });
    const fresh = await raw.request(22, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
    assert.ok(fresh.producerId > init2.producerId, 'producer ids are not reused after a restart');
    const records = await readAll(broker.log, 't');
    assert.deepEqual(records.map((r) => r.value), ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
  } finally {
    await raw?.close();
    await broker?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
