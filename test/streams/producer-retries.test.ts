// The library producer's retry backoff (packages/streams/src/client/producer-retries.ts): a
// CONCURRENT_TRANSACTIONS answer (the previous transaction's markers are still being written)
// is retried after 20 ms as Java's producer does, not after @platformatic/kafka's default
// second; other errors back off from 100 ms, doubling, to 1 s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError, ResponseError } from '@platformatic/kafka';
import { PRODUCER_RETRIES, producerRetryDelay } from '../../packages/streams/src/client/producer-retries.js';

const CONCURRENT_TRANSACTIONS = 51;
const NOT_LEADER_OR_FOLLOWER = 6;

test('CONCURRENT_TRANSACTIONS is retried within tens of milliseconds, other errors back off to a second', () => {
  const concurrent = new ProtocolError(CONCURRENT_TRANSACTIONS);
  const inResponse = new ResponseError(24, 5, { '/resultsByTransaction/0': [CONCURRENT_TRANSACTIONS, null] }, {});
  assert.equal(producerRetryDelay(null, 'addPartitionsToTransaction', 1, PRODUCER_RETRIES, concurrent), 20);
  assert.equal(producerRetryDelay(null, 'addPartitionsToTransaction', 1, PRODUCER_RETRIES, inResponse), 20);
  assert.equal(producerRetryDelay(null, 'addPartitionsToTransaction', 10, PRODUCER_RETRIES, concurrent), 20);
  assert.equal(producerRetryDelay(null, 'addPartitionsToTransaction', 11, PRODUCER_RETRIES, concurrent), 100);
  const other = new ProtocolError(NOT_LEADER_OR_FOLLOWER);
  assert.deepEqual([1, 2, 3, 4, 5, 30].map((a) => producerRetryDelay(null, 'send', a, PRODUCER_RETRIES, other)), [100, 200, 400, 800, 1000, 1000]);
  let budget = 0;
  for (let a = 1; a <= PRODUCER_RETRIES; a++) budget += producerRetryDelay(null, 'send', a, PRODUCER_RETRIES, concurrent);
  assert.ok(budget >= 2_000, `${budget} ms of CONCURRENT_TRANSACTIONS retries`);
});
