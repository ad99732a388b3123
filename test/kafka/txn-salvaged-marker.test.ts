// A transaction whose COMMIT or ABORT marker was in a damaged byte range that recovery salvaged
// (docs/storage.md, "Recovery", step 4). The records of the transaction survive, its end does
// not; the coordinator's decision is durable in __transaction_state. After the restart the
// partition must not hold the transaction open (a read_committed consumer would stall at the
// last stable offset), and it must end the way the coordinator decided: a committed
// transaction's records stay visible to read_committed, an aborted one's stay hidden.
// Through the wire with kafkajs 2.2.4 (transactions v1: EndTxn below v5, no epoch bump), and
// with raw requests for transactions v2 (Produce v12, EndTxn v5: the marker carries the bumped
// epoch).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import type { Broker } from '../../src/index.js';
import { batchBaseOffset, batchIsControl, batchIsTransactional, batchSize, buildRecordBatch } from '../../src/core/records/batch.js';
import { startTestBroker } from '../support/broker.js';
import { kafkaClient } from './support/kafkajs.js';
import { partitionEnds, readCommitted } from './support/read-committed.js';
import { RawKafka } from './support/raw-kafka.js';
import { partitionDir } from '../support/data-dir.js';

const OPTS = { kafkaPort: 0, groupMinSessionTimeout: 100, groupInitialRebalanceDelay: 0 };

/**
 * Flips the last byte (inside the CRC) of the only control batch in partition 0 of `topic` (its
 * one transaction's marker) and removes the index, as after a crash, so recovery rescans the
 * segment. Returns the marker's offset.
 */
function damageMarker(dataDir: string, topic: string): number {
  const dir = partitionDir(dataDir, topic);
  const logs = readdirSync(dir).filter((n) => n.endsWith('.log'));
  assert.equal(logs.length, 1, 'one segment');
  const file = join(dir, logs[0]!);
  const bytes = readFileSync(file);
  const markers: Array<{ pos: number; size: number; offset: number }> = [];
  for (let pos = 0; pos + 12 <= bytes.length; pos += batchSize(bytes, pos)) {
    if (batchIsControl(bytes, pos) && batchIsTransactional(bytes, pos)) markers.push({ pos, size: batchSize(bytes, pos), offset: batchBaseOffset(bytes, pos) });
  }
  assert.equal(markers.length, 1, `one marker batch in ${topic}-0`);
  const { pos, size, offset } = markers[0]!;
  bytes[pos + size - 1]! ^= 0x01;
  writeFileSync(file, bytes);
  const index = file.replace(/\.log$/, '.index');
  if (existsSync(index)) unlinkSync(index);
  return offset;
}

interface Scenario {
  /** How the transaction on `t` ended. */
  decision: 'commit' | 'abort';
  /** Then the same producer runs one more transaction, on topic `other` only, ended this way. */
  thenElsewhere?: 'commit' | 'abort';
  /** The transaction on `t` through raw transactions v2 requests instead of kafkajs. */
  v2?: boolean;
}

/** Transactions v2: InitProducerId v5, Produce v12 (adds the partition), EndTxn v5 (bumps the epoch). */
async function v2Transaction(port: number, commit: boolean): Promise<void> {
  const c = await RawKafka.connect('127.0.0.1', port);
  try {
    const ip = await c.send(22, 5, { transactionalId: 'tx', transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
    assert.equal(ip.errorCode, 0);
    const records = buildRecordBatch({ producerId: Number(ip.producerId), producerEpoch: ip.producerEpoch, baseSequence: 0, transactional: true, records: ['x0', 'x1', 'x2'].map((value) => ({ value })) });
    const pr = await c.send(0, 12, { transactionalId: 'tx', acks: -1, timeoutMs: 5_000, topicData: [{ name: 't', partitionData: [{ index: 0, records }] }] });
    assert.equal(pr.responses[0]!.partitionResponses[0]!.errorCode, 0);
    const end = await c.send(26, 5, { transactionalId: 'tx', producerId: ip.producerId, producerEpoch: ip.producerEpoch, committed: commit });
    assert.equal(end.errorCode, 0);
    assert.equal(end.producerEpoch, ip.producerEpoch + 1, 'EndTxn v5 bumps the epoch');
  } finally {
    c.close();
  }
}

/**
 * Topic t: a transaction of producer `tx` (values x0-x2) ended by `decision`, then three
 * non-transactional batches (after0-after2) so that the marker is followed by valid batches
 * (damage at the very end would be a torn tail, not salvage). The broker stops, the marker's
 * bytes are damaged, and the broker restarts on the same data directory (salvage is the default).
 */
async function scenario(dataDir: string, s: Scenario): Promise<{ broker: Broker; markerOffset: number }> {
  const first = await startTestBroker({ ...OPTS, dataDir });
  try {
    const kafka = kafkaClient(first.ports.kafka);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 't', numPartitions: 1 }, { topic: 'other', numPartitions: 1 }] });
    await admin.disconnect();
    if (s.v2) await v2Transaction(first.ports.kafka, s.decision === 'commit');
    const producer = kafka.producer({ transactionalId: 'tx', maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    if (!s.v2) {
      const txn = await producer.transaction();
      await txn.send({ topic: 't', acks: -1, messages: [{ value: 'x0' }, { value: 'x1' }, { value: 'x2' }] });
      await (s.decision === 'commit' ? txn.commit() : txn.abort());
    }
    if (s.thenElsewhere) {
      const txn2 = await producer.transaction();
      await txn2.send({ topic: 'other', acks: -1, messages: [{ value: 'y0' }] });
      await (s.thenElsewhere === 'commit' ? txn2.commit() : txn2.abort());
    }
    await producer.disconnect();
    const plain = kafka.producer();
    await plain.connect();
    for (let i = 0; i < 3; i++) await plain.send({ topic: 't', acks: -1, messages: [{ value: `after${i}` }] });
    await plain.disconnect();
  } finally {
    await first.close();
  }
  const markerOffset = damageMarker(dataDir, 't');
  assert.equal(markerOffset, 3, 'x0-x2 at 0-2, their marker at 3');
  return { broker: await startTestBroker({ ...OPTS, dataDir }), markerOffset };
}

async function check(s: Scenario, expectVisible: boolean): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-txn-salvage-'));
  let broker: Broker | null = null;
  try {
    const started = await scenario(dataDir, s);
    broker = started.broker;
    const port = broker.ports.kafka;
    const info = broker.log.describeTopic('t').partitionInfo[0]!;
    assert.deepEqual(info.lostRanges, [{ from: started.markerOffset, to: started.markerOffset }], 'recovery salvaged exactly the marker batch');

    // (a) Nothing is left open: the last stable offset is the high watermark.
    const ends = await partitionEnds(port, 't');
    assert.equal(ends.lastStable[0], ends.highWatermark[0], `the last stable offset (${ends.lastStable[0]}) reaches the high watermark (${ends.highWatermark[0]}): no transaction left open`);

    // (b) read_committed sees the transaction exactly when the coordinator decided COMMIT.
    const kafka: Kafka = kafkaClient(port);
    const x = expectVisible ? ['x0', 'x1', 'x2'] : [];
    assert.deepEqual((await readCommitted(kafka, port, 't', { groupId: 'rc1', timeoutMs: 15_000 })).get(0), [...x, 'after0', 'after1', 'after2']);

    // The transactional id goes on: a new incarnation commits a transaction that read_committed then sees too.
    const producer = kafka.producer({ transactionalId: 'tx', maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    const txn = await producer.transaction();
    await txn.send({ topic: 't', acks: -1, messages: [{ value: 'n0' }] });
    await txn.commit();
    await producer.disconnect();
    const ends2 = await partitionEnds(port, 't');
    assert.equal(ends2.lastStable[0], ends2.highWatermark[0]);
    assert.deepEqual((await readCommitted(kafka, port, 't', { groupId: 'rc2', timeoutMs: 15_000 })).get(0), [...x, 'after0', 'after1', 'after2', 'n0']);
  } finally {
    await broker?.close().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  }
}

test('a committed transaction whose COMMIT marker a salvage cut out is still committed after the restart (read_committed sees it and goes past it)', { timeout: 60_000 }, async () => {
  await check({ decision: 'commit' }, true);
});

test('an aborted transaction whose ABORT marker a salvage cut out stays aborted after the restart (read_committed goes past it without it)', { timeout: 60_000 }, async () => {
  await check({ decision: 'abort' }, false);
});

test("the lost marker follows the decision of the transaction that wrote the partition, not the producer's latest one (committed on t, then aborted on another topic)", { timeout: 60_000 }, async () => {
  await check({ decision: 'commit', thenElsewhere: 'abort' }, true);
});

test("and the other way round: aborted on t, then committed on another topic: the records on t stay hidden", { timeout: 60_000 }, async () => {
  await check({ decision: 'abort', thenElsewhere: 'commit' }, false);
});

test('transactions v2 (EndTxn v5: the marker carries the bumped epoch): a committed transaction whose marker a salvage cut out stays committed', { timeout: 60_000 }, async () => {
  await check({ decision: 'commit', v2: true }, true);
});

test('transactions v2: an aborted one stays aborted', { timeout: 60_000 }, async () => {
  await check({ decision: 'abort', v2: true }, false);
});

/**
 * A cut tail (the harness's torn-tail fault: bytes from some point on gone, fsynced or not) that
 * takes a transaction's marker and the same producer's next transaction on the partition with
 * it. Topic t: transaction A (x0-x2 at 0-2, marker at 3) ended by `first`, then transaction B
 * (y0-y2 at 4-6, marker at 7) ended by `second`; the segment is cut at A's marker. The newest
 * decision for the partition is B's; the records left are A's, and must end as A was decided.
 */
async function cutTail(first: 'commit' | 'abort', second: 'commit' | 'abort'): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-txn-cut-'));
  let broker: Broker | null = null;
  try {
    const one = await startTestBroker({ ...OPTS, dataDir });
    try {
      const kafka = kafkaClient(one.ports.kafka);
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 't', numPartitions: 1 }] });
      await admin.disconnect();
      const producer = kafka.producer({ transactionalId: 'tx', maxInFlightRequests: 1, idempotent: true });
      await producer.connect();
      for (const [values, end] of [[['x0', 'x1', 'x2'], first], [['y0', 'y1', 'y2'], second]] as const) {
        const txn = await producer.transaction();
        await txn.send({ topic: 't', acks: -1, messages: values.map((value) => ({ value })) });
        await (end === 'commit' ? txn.commit() : txn.abort());
      }
      await producer.disconnect();
    } finally {
      await one.close();
    }
    const dir = partitionDir(dataDir, 't');
    const file = join(dir, readdirSync(dir).filter((n) => n.endsWith('.log'))[0]!);
    const bytes = readFileSync(file);
    let cut = -1;
    for (let pos = 0; pos + 12 <= bytes.length; pos += batchSize(bytes, pos)) {
      if (batchIsControl(bytes, pos) && batchBaseOffset(bytes, pos) === 3) cut = pos;
    }
    assert.ok(cut > 0, "A's marker at offset 3");
    writeFileSync(file, bytes.subarray(0, cut));
    const index = file.replace(/\.log$/, '.index');
    if (existsSync(index)) unlinkSync(index);

    broker = await startTestBroker({ ...OPTS, dataDir });
    const port = broker.ports.kafka;
    const ends = await partitionEnds(port, 't');
    assert.equal(ends.lastStable[0], ends.highWatermark[0], 'no transaction left open');
    const kafka = kafkaClient(port);
    const seen = (await readCommitted(kafka, port, 't', { groupId: 'rc', timeoutMs: 15_000 })).get(0) ?? [];
    assert.deepEqual(seen, first === 'commit' ? ['x0', 'x1', 'x2'] : [], `A (${first}) ends as decided, whatever B (${second}) was`);
  } finally {
    await broker?.close().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  }
}

test("a cut tail that took an aborted transaction's marker and the producer's next, committed, transaction: the aborted records stay hidden (the newest decision is not theirs)", { timeout: 60_000 }, async () => {
  await cutTail('abort', 'commit');
});

test('and a committed transaction whose marker a cut tail took with the next, aborted, one stays committed', { timeout: 60_000 }, async () => {
  await cutTail('commit', 'abort');
});
