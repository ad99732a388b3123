// Fetch long polls (src/kafka/apis/fetch.ts longPoll, LogPartition.addWaiter): a fetch parked
// for its MaxWaitMs is answered by the append that acknowledges a record, not when the wait runs
// out; the record is durable (fsync=always) when the waiting fetch is woken; a fetch on several
// partitions, one that times out and one whose connection closes leave no waiter behind. The
// tests wait on the broker's state (a waiter registered on the partition, the answer arrived),
// never on the clock: the MaxWaitMs of the parked fetches is a minute, far past the waits.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Broker } from '../../src/index.js';
import type { LogPartition } from '../../src/core/log/index.js';
import { buildRecordBatch } from '../../src/core/records/batch.js';
import type { FetchResponse } from '../../src/kafka/protocol/messages/index.js';
import { startTestBroker } from '../support/broker.js';
import { waitFor } from '../support/wait.js';
import { RawKafka } from './support/raw-kafka.js';

const MINUTE = 60_000;

function fetchRequest(topic: string, partitions: number[], maxWaitMs: number) {
  return {
    replicaId: -1,
    maxWaitMs,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: partitions.map((partition) => ({ partition, currentLeaderEpoch: -1, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: 1 << 20 })) }],
    forgottenTopicsData: [],
    rackId: '',
  };
}

/** Sends a Fetch v11 and returns its answer as a value to look at once it has arrived. */
function parkFetch(c: RawKafka, topic: string, partitions: number[], maxWaitMs = MINUTE): { answer: () => FetchResponse | null; failure: () => unknown } {
  let answer: FetchResponse | null = null;
  let failure: unknown = null;
  c.send(1, 11, fetchRequest(topic, partitions, maxWaitMs), 2 * MINUTE).then(
    (r) => (answer = r),
    (e: unknown) => (failure = e),
  );
  return { answer: () => answer, failure: () => failure };
}

describe('Fetch long poll', () => {
  let broker: Broker;
  // A connection per test: answers come in request order, so a fetch left parked by a failing
  // test would hold up the next test's answers on a shared one.
  const clients: RawKafka[] = [];
  const client = async (): Promise<RawKafka> => {
    const c = await RawKafka.connect('127.0.0.1', broker.ports.kafka);
    clients.push(c);
    return c;
  };

  before(async () => {
    // fsync=always (the default): the wake must come after the fsync.
    broker = await startTestBroker({ kafkaPort: 0 });
  });
  after(async () => {
    for (const c of clients) c.close();
    await broker.close();
  });

  test('a parked fetch is answered by the append of a record, which is durable when the fetch wakes', async () => {
    await broker.log.createTopic('lp-one');
    const p = broker.log.partition('lp-one', 0);
    const parked = parkFetch(await client(), 'lp-one', [0]);
    await waitFor(() => p.waiterCount === 1, { what: 'the fetch waiting on lp-one-0' });
    // A waiter of our own beside the fetch's: what the partition holds when it wakes them.
    let durableAtWake = -1;
    assert.equal(p.addWaiter({ offset: 0, wake: () => (durableAtWake = p.durableOffset) }), true);
    await p.append(buildRecordBatch({ records: [{ value: 'hello' }] }));
    assert.equal(durableAtWake, 1, 'woken only once the record was fsynced');
    await waitFor(() => parked.answer() !== null || parked.failure() !== null, { what: 'the fetch answered after the append (MaxWaitMs is a minute)' });
    assert.equal(parked.failure(), null);
    const part = parked.answer()!.responses[0]!.partitions[0]!;
    assert.equal(part.errorCode, 0);
    assert.equal(part.highWatermark, 1n);
    assert.ok((part.records?.length ?? 0) > 0, 'the answer carries the record');
    assert.equal(p.waiterCount, 0, 'no waiter left on the partition');
  });

  test('a fetch on three partitions wakes on an append to one and leaves no waiter on the others', async () => {
    await broker.log.createTopic('lp-three', { partitions: 3 });
    const parts: LogPartition[] = [0, 1, 2].map((i) => broker.log.partition('lp-three', i));
    const parked = parkFetch(await client(), 'lp-three', [0, 1, 2]);
    await waitFor(() => parts.every((p) => p.waiterCount === 1), { what: 'the fetch waiting on the three partitions' });
    await parts[2]!.append(buildRecordBatch({ records: [{ value: 'two' }] }));
    await waitFor(() => parked.answer() !== null || parked.failure() !== null, { what: 'the fetch answered after the append to partition 2' });
    assert.equal(parked.failure(), null);
    const answered = parked.answer()!.responses[0]!.partitions;
    assert.deepEqual(
      answered.map((x) => [x.partitionIndex, x.highWatermark, (x.records?.length ?? 0) > 0]),
      [
        [0, 0n, false],
        [1, 0n, false],
        [2, 1n, true],
      ],
    );
    assert.deepEqual(
      parts.map((p) => p.waiterCount),
      [0, 0, 0],
    );
  });

  test('a fetch whose wait runs out answers empty and leaves no waiter', async () => {
    await broker.log.createTopic('lp-timeout');
    const p = broker.log.partition('lp-timeout', 0);
    const parked = parkFetch(await client(), 'lp-timeout', [0], 100);
    await waitFor(() => parked.answer() !== null || parked.failure() !== null, { what: 'the fetch answered at its 100 ms MaxWaitMs' });
    assert.equal(parked.failure(), null);
    const part = parked.answer()!.responses[0]!.partitions[0]!;
    assert.equal(part.errorCode, 0);
    assert.equal(part.records?.length ?? 0, 0);
    assert.equal(p.waiterCount, 0);
  });

  test('a parked fetch whose connection closes leaves no waiter', async () => {
    await broker.log.createTopic('lp-close');
    const p = broker.log.partition('lp-close', 0);
    const other = await client();
    parkFetch(other, 'lp-close', [0]);
    await waitFor(() => p.waiterCount === 1, { what: 'the fetch waiting on lp-close-0' });
    other.close();
    await waitFor(() => p.waiterCount === 0, { what: 'the waiter gone with the connection' });
  });
});
