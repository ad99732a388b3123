// The transaction coordinator and producer state without the wire: a transaction whose commit
// decision was stored but whose markers were not (a crash in between) is completed on restart;
// a partition's open transaction no coordinator state accounts for is aborted; the LSO and the
// aborted-transactions index follow the markers; producer ids are never handed out twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestLog, silentLogger, tempDir } from '../storage/helpers.js';
import { startCoordinators } from '../../src/core/coordinators/index.js';
import { buildRecordBatch } from '../../src/core/records/batch.js';
import type { Log } from '../../src/core/log/index.js';

const open = (log: Log) => startCoordinators({ log, logger: silentLogger, groups: { offsetsRetentionCheckIntervalMs: 0 }, transactions: { abortTimedOutIntervalMs: 0 } });

function txnBatch(pid: number, epoch: number, seq: number, value: string, transactional = true): Buffer {
  return buildRecordBatch({ producerId: pid, producerEpoch: epoch, baseSequence: seq, transactional, records: [{ value }] });
}

test('a stored commit decision is completed after a restart; LSO and aborted index follow the markers', async () => {
  const { dir, cleanup } = tempDir('wharf-tc-');
  let log = await openTestLog(dir);
  try {
    let c = await open(log);
    await log.createTopic('t', { partitions: 1 });
    const part = () => log.partition('t', 0);
    const init = await c.transactions.initProducerId('tx', 60_000);
    assert.equal(init.error, null);
    const { producerId: pid, producerEpoch: epoch } = init;
    assert.equal(await c.transactions.addPartitions('tx', pid, epoch, [{ topic: 't', partition: 0 }]), null);
    const state = c.producers.of(part());
    assert.equal(state.check({ producerId: pid, producerEpoch: epoch, baseSequence: 0, lastOffsetDelta: 0, transactional: true }).action, 'append');
    await part().append(txnBatch(pid, epoch, 0, 'one'));
    assert.equal(part().lastStableOffset, 0);
    assert.equal(c.transactions.verifyTransactionalWrite(pid, epoch, 't', 0), null);
    assert.equal(c.transactions.verifyTransactionalWrite(pid, epoch, 't', 1), 'INVALID_TXN_STATE');
    assert.equal(c.transactions.verifyTransactionalWrite(pid, epoch - 1, 't', 0), 'INVALID_PRODUCER_EPOCH');
    // Simulate a crash right after the PrepareCommit record: write it by hand, do not complete.
    const prepare = buildRecordBatch({
      records: [
        {
          key: JSON.stringify(['t', 'tx']),
          value: JSON.stringify({ v: 1, producerId: pid, producerEpoch: epoch, lastProducerId: -1, lastProducerEpoch: -1, timeoutMs: 60_000, state: 'PrepareCommit', partitions: [['t', 0]], groups: [], startTimestamp: Date.now(), updateTimestamp: Date.now() }),
        },
      ],
    });
    await log.partition('__transaction_state', 0).append(prepare);
    c.close();
    await log.close();

    log = await openTestLog(dir);
    c = await open(log);
    assert.equal(c.transactions.inspect('tx')!.state, 'CompleteCommit');
    assert.equal(part().highWatermark, 2, 'record + COMMIT marker');
    assert.equal(part().lastStableOffset, 2);
    assert.deepEqual(part().abortedTransactions(0, 2), []);

    // An aborted transaction shows in the index.
    assert.equal(await c.transactions.addPartitions('tx', pid, epoch, [{ topic: 't', partition: 0 }]), null);
    c.producers.of(part()).check({ producerId: pid, producerEpoch: epoch, baseSequence: 1, lastOffsetDelta: 0, transactional: true });
    await part().append(txnBatch(pid, epoch, 1, 'two'));
    assert.equal(await c.transactions.endTxn('tx', pid, epoch, false), null);
    assert.deepEqual(part().abortedTransactions(0, 10), [{ producerId: pid, firstOffset: 2, lastOffset: 3 }]);
    assert.equal(part().lastStableOffset, 4);
    const r = await part().read(0, 1 << 20, { isolation: 'read_committed' });
    assert.deepEqual(r.abortedTransactions, [{ producerId: pid, firstOffset: 2, lastOffset: 3 }]);

    // A transactional batch in the log that no ongoing transaction accounts for (e.g. written
    // by another path) is aborted at the next start, so the LSO cannot hang.
    await part().append(txnBatch(999_999, 0, 0, 'orphan'));
    assert.equal(part().lastStableOffset, 4);
    c.close();
    await log.close();
    log = await openTestLog(dir);
    c = await open(log);
    assert.equal(part().lastStableOffset, part().highWatermark);
    assert.equal(part().abortedTransactions(5, 10)[0]!.producerId, 999_999);
    const next = await c.transactions.initProducerId(null, 0);
    assert.ok(next.producerId > 999_999, 'producer ids stay above every id in the log');
    c.close();
  } finally {
    await log.close();
    cleanup();
  }
});
