// The fetch session cache (KIP-227) without the wire, on a clock the test moves: Kafka's bound
// and eviction order (stale sessions first, then followers over consumers and larger over
// smaller sessions, only once the evicted one is older than the eviction time), the epochs of
// incremental requests and their errors, forgotten partitions, and what an incremental answer
// includes. The wire behaviour is compared with Kafka 4.4 in differential-kafka44.test.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FetchSessionCache, FINAL_EPOCH, mustAnswer, newFetchContext, nextEpoch, CachedPartition, type RequestedPartition } from '../../src/kafka/fetch-session.js';
import { ErrorCode } from '../../src/kafka/errors.js';

const EVICTION = 1_000;

function cache(slots: number) {
  const clock = { now: 0 };
  let seq = 0;
  // Session ids in creation order (1, 2, ...), so that ties are predictable.
  const c = new FetchSessionCache(slots, EVICTION, () => clock.now, () => ++seq / 0x7fffffff);
  return { c, clock };
}

const req = (partition: number, offset = 0n): RequestedPartition => ({ topic: 't', topicId: '', partition, req: { partition, fetchOffset: offset, partitionMaxBytes: 1024 } });
const partitions = (n: number) => Array.from({ length: n }, (_, i) => ({ p: req(i), highWatermark: 0n, logStartOffset: 0n }));

describe('the fetch session cache', () => {
  test('epochs: -1 stays final, 0 is followed by 1, the largest epoch wraps to 1', () => {
    assert.equal(nextEpoch(FINAL_EPOCH), FINAL_EPOCH);
    assert.equal(nextEpoch(0), 1);
    assert.equal(nextEpoch(41), 42);
    assert.equal(nextEpoch(0x7fffffff), 1);
  });

  test('full: no session for a new one of the same kind and size while none is stale', () => {
    const { c, clock } = cache(3);
    for (let i = 0; i < 3; i++) assert.ok(c.create(false, false, partitions(1)));
    assert.equal(c.size, 3);
    clock.now = EVICTION; // not more than the eviction time
    assert.equal(c.create(false, false, partitions(1)), null, 'same size, nothing stale');
    assert.equal(c.create(false, false, partitions(5)), null, 'larger, but the others are younger than the eviction time');
    assert.equal(c.stats.evicted, 0);
  });

  test('a session unused for longer than the eviction time goes first (the least recently used)', () => {
    const { c, clock } = cache(3);
    const a = c.create(false, false, partitions(1))!;
    const b = c.create(false, false, partitions(1))!;
    clock.now = 500;
    c.touch(a);
    const d = c.create(false, false, partitions(1))!;
    clock.now = EVICTION + 1; // b (last used at 0) is stale, a (500) is not
    const e = c.create(false, false, partitions(1));
    assert.ok(e);
    assert.equal(c.get(b.id), undefined, 'the stale one is evicted');
    assert.ok(c.get(a.id) && c.get(d.id));
    assert.equal(c.stats.evicted, 1);
  });

  test('a larger session evicts the smallest one that was older than the eviction time when last used', () => {
    const { c, clock } = cache(3);
    // The larger one first: the smallest session, not the first created, is evicted.
    const old3 = c.create(false, false, partitions(3))!;
    const old2 = c.create(false, false, partitions(2))!;
    clock.now = 600;
    const young = c.create(false, false, partitions(1))!;
    // All used since, so none is stale; a session's age is taken when it is used: the two
    // created at 0 are then older than the eviction time, the one created at 600 is not.
    clock.now = EVICTION + 10;
    c.touch(old2);
    c.touch(old3);
    c.touch(young);
    clock.now = EVICTION + 30;
    assert.equal(c.create(false, false, partitions(2)), null, 'not larger than the smallest evictable one (the young one does not count)');
    const big = c.create(false, false, partitions(3));
    assert.ok(big);
    assert.equal(c.get(old2.id), undefined, 'the smallest evictable session goes');
    assert.ok(c.get(old3.id) && c.get(young.id));
  });

  test("a follower's session evicts a consumer's at once; a consumer's never evicts a young follower's", () => {
    const { c } = cache(2);
    const follower = c.create(true, true, partitions(1))!;
    const consumer = c.create(false, true, partitions(9))!;
    assert.equal(c.create(false, true, partitions(50)), null, 'consumers cannot evict anything young');
    const next = c.create(true, true, partitions(1));
    assert.ok(next, 'a follower outranks a consumer whatever its size');
    assert.equal(c.get(consumer.id), undefined);
    assert.ok(c.get(follower.id));
    assert.equal(c.create(true, true, partitions(1)), null, 'followers do not evict young followers');
  });

  test('Kafka’s bound: 1000 sessions by default', () => {
    const c = new FetchSessionCache();
    for (let i = 0; i < 1000; i++) assert.ok(c.create(false, false, partitions(1)));
    assert.equal(c.create(false, false, partitions(1)), null);
    assert.equal(c.size, 1000);
    assert.equal(c.totalPartitions, 1000);
  });
});

describe('fetch contexts', () => {
  const base = { version: 12, isFollower: false, toForget: [] };

  test('full, incremental, wrong epoch, unknown session, topic-id mismatch, final epoch', () => {
    const { c } = cache(10);
    const full = newFetchContext(c, { ...base, sessionId: 0, epoch: 0, fetchData: [req(0), req(1)] });
    assert.equal(full.kind, 'full');
    const s = c.create(false, false, [
      { p: req(0), highWatermark: 5n, logStartOffset: 0n },
      { p: req(1), highWatermark: 7n, logStartOffset: 0n },
    ])!;
    assert.equal(s.epoch, 1, 'the client must send epoch 1 next');
    const inc = newFetchContext(c, { ...base, sessionId: s.id, epoch: 1, fetchData: [req(1, 7n)] });
    assert.equal(inc.kind, 'incremental');
    assert.equal(s.epoch, 2);
    assert.equal(s.partitions.get('t\u00001')!.req.fetchOffset, 7n, 'a changed partition replaces its request');
    assert.deepEqual(newFetchContext(c, { ...base, sessionId: s.id, epoch: 1, fetchData: [] }), { kind: 'error', errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH });
    assert.deepEqual(newFetchContext(c, { ...base, sessionId: s.id + 1000, epoch: 2, fetchData: [] }), { kind: 'error', errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND });
    assert.deepEqual(newFetchContext(c, { ...base, version: 13, sessionId: s.id, epoch: 2, fetchData: [] }), { kind: 'error', errorCode: ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR });
    assert.equal(s.epoch, 2, 'errors leave the session as it was');
    assert.equal(c.stats.sessionErrors, 3);
    assert.equal(newFetchContext(c, { ...base, sessionId: s.id, epoch: FINAL_EPOCH, fetchData: [req(0)] }).kind, 'sessionless');
    assert.equal(c.get(s.id), undefined, 'epoch -1 closes the session it names');
  });

  test('forgetting every partition ends the session; new partitions join it at the end', () => {
    const { c } = cache(10);
    const s = c.create(false, false, partitions(2))!;
    newFetchContext(c, { ...base, sessionId: s.id, epoch: 1, fetchData: [req(5)], toForget: [{ topic: 't', topicId: '', partition: 0 }] });
    assert.deepEqual(
      [...s.partitions.values()].map((p) => p.partition),
      [1, 5],
    );
    const ctx = newFetchContext(c, {
      ...base,
      sessionId: s.id,
      epoch: 2,
      fetchData: [],
      toForget: [
        { topic: 't', topicId: '', partition: 1 },
        { topic: 't', topicId: '', partition: 5 },
      ],
    });
    assert.equal(ctx.kind, 'sessionless');
    assert.equal(c.get(s.id), undefined);
  });

  test('an incremental answer: records, a moved high watermark or log start, errors (and once recovered)', () => {
    const c = new CachedPartition('t', '', 0, req(0).req);
    c.highWatermark = 5n;
    c.logStartOffset = 0n;
    const quiet = { errorCode: 0, highWatermark: 5n, logStartOffset: 0n, recordBytes: 0, preferredReadReplica: -1 };
    assert.equal(mustAnswer(c, quiet), false);
    assert.equal(mustAnswer(c, { ...quiet, recordBytes: 10 }), true);
    assert.equal(mustAnswer(c, { ...quiet, highWatermark: 6n }), true);
    assert.equal(mustAnswer(c, { ...quiet, highWatermark: 6n }), false, 'sent once');
    assert.equal(mustAnswer(c, { ...quiet, highWatermark: 6n, logStartOffset: 2n }), true);
    assert.equal(mustAnswer(c, { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, highWatermark: -1n, logStartOffset: -1n, recordBytes: 0, preferredReadReplica: -1 }), true);
    assert.equal(mustAnswer(c, { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, highWatermark: -1n, logStartOffset: -1n, recordBytes: 0, preferredReadReplica: -1 }), true, 'an error every time');
    assert.equal(mustAnswer(c, { ...quiet, highWatermark: 6n, logStartOffset: 2n }), true, 'answered again once the error is gone');
  });
});
