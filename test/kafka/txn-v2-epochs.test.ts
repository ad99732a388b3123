// Transactions v2 (KIP-890 part 2) at the end of a producer id's epochs, through the wire: the
// transaction committed at the last epoch a client may use (32766) is written with epoch 32767
// and moves the transactional id to a new producer id at epoch 0, which EndTxn v5 answers; a
// retry of that EndTxn (old producer id, epoch 32766) gets the same answer, and the new id
// works. Reaching epoch 32766 takes 32766 transactions, so the test stores the transactional
// id's state at that epoch as the coordinator would have, and restarts the broker on it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestBroker } from '../support/broker.js';
import { ATTR_CONTROL, buildRecordBatch, decodeBatchAsync } from '../../src/core/records/batch.js';
import { splitBatches } from '../support/records.js';
import { RawKafka } from './support/raw-kafka.js';

const LAST_EPOCH = 32_766;

test('the last epoch of a producer id: EndTxn v5 moves the transaction to a new producer id', { timeout: 60_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-txn-epochs-'));
  try {
    let broker = await startTestBroker({ kafkaPort: 0, fsync: 'never', dataDir });
    let c = await RawKafka.connect('127.0.0.1', broker.ports.kafka);
    await broker.log.createTopic('t', { partitions: 1 });
    const ip = await c.send(22, 5, { transactionalId: 'tx-last', transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
    assert.equal(ip.errorCode, 0);
    const P = ip.producerId;
    // The state 32766 epoch bumps later, as the coordinator stores it.
    const now = Date.now();
    const state = { v: 1, producerId: Number(P), producerEpoch: LAST_EPOCH, lastProducerId: -1, lastProducerEpoch: LAST_EPOCH - 1, nextProducerId: -1, timeoutMs: 60_000, state: 'CompleteCommit', partitions: [], groups: [], startTimestamp: now, updateTimestamp: now };
    await broker.log.partition('__transaction_state', 0).append(buildRecordBatch({ records: [{ key: JSON.stringify(['t', 'tx-last']), value: JSON.stringify(state) }] }));
    c.close();
    await broker.close();

    broker = await startTestBroker({ kafkaPort: 0, fsync: 'never', dataDir });
    c = await RawKafka.connect('127.0.0.1', broker.ports.kafka);
    try {
      const produce = (pid: bigint, epoch: number, value: string) =>
        c
          .send(0, 12, { transactionalId: 'tx-last', acks: -1, timeoutMs: 5_000, topicData: [{ name: 't', partitionData: [{ index: 0, records: buildRecordBatch({ producerId: Number(pid), producerEpoch: epoch, baseSequence: 0, transactional: true, records: [{ value }] }) }] }] })
          .then((r) => r.responses[0]!.partitionResponses[0]!.errorCode);
      const end = (pid: bigint, epoch: number, committed: boolean) => c.send(26, 5, { transactionalId: 'tx-last', producerId: pid, producerEpoch: epoch, committed });

      assert.equal(await produce(P, LAST_EPOCH, 'last'), 0, 'Produce v12 starts the transaction at the last epoch');
      const e = await end(P, LAST_EPOCH, true);
      assert.equal(e.errorCode, 0);
      assert.notEqual(e.producerId, P, 'a new producer id');
      assert.equal(e.producerEpoch, 0);
      const P2 = e.producerId!;
      assert.deepEqual(broker.coordinators!.transactions.inspect('tx-last'), { state: 'CompleteCommit', producerId: Number(P2), producerEpoch: 0, partitions: [] });

      // The answer was lost: the client retries with the old id and epoch.
      const retry = await end(P, LAST_EPOCH, true);
      assert.deepEqual([retry.errorCode, retry.producerId, retry.producerEpoch], [0, P2, 0]);
      assert.equal((await end(P, LAST_EPOCH, false)).errorCode, 48, 'the other decision for the same transaction: INVALID_TXN_STATE');
      assert.equal((await end(P, LAST_EPOCH - 1, true)).errorCode, 49, 'another epoch of the old id: it no longer maps (INVALID_PRODUCER_ID_MAPPING)');

      // The commit marker carries epoch 32767 (the bump), under the old producer id.
      const part = broker.log.partition('t', 0);
      const r = await part.read(0, 1 << 20, { isolation: 'read_committed' });
      const batches = await Promise.all(r.chunks.flatMap((ch) => splitBatches(ch)).map((b) => decodeBatchAsync(b)));
      assert.deepEqual(
        batches.map((b) => [b.producerId, b.producerEpoch, (b.attributes & ATTR_CONTROL) !== 0]),
        [
          [Number(P), LAST_EPOCH, false],
          [Number(P), LAST_EPOCH + 1, true],
        ],
      );
      assert.equal(part.lastStableOffset, 2);

      // The new producer id goes on from epoch 0.
      assert.equal(await produce(P2, 0, 'next'), 0);
      const abort = await end(P2, 0, false);
      assert.deepEqual([abort.errorCode, abort.producerId, abort.producerEpoch], [0, P2, 1]);
      assert.equal(await produce(P, LAST_EPOCH, 'zombie'), 49, 'the old producer id no longer maps to the transactional id');
    } finally {
      c.close();
      await broker.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
