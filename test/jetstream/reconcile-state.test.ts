// reconcileWithStream (src/core/coordinators/jetstream/reconcile-state.ts), nats-server's rule for
// a consumer whose saved state is past its stream's last sequence, on each of its branches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reconcileWithStream } from '../../src/core/coordinators/jetstream/reconcile-state.js';
import type { ConsumerSnapshot } from '../../src/core/coordinators/jetstream/consumer-state-store.js';

function snap(delivered: [number, number], pending: Array<[number, number]> = [], exceeded: Array<[number, number, number]> = []): ConsumerSnapshot {
  return { delivered: { sseq: delivered[0], cseq: delivered[1] }, pending: pending.map(([s, d]) => [s, d, 1000, 1, 's.x']), exceeded, lastDelivered: 5, lastAck: 6 };
}

test('a state not past the stream end is left alone', () => {
  assert.equal(reconcileWithStream(snap([10, 10]), 10), null);
  assert.equal(reconcileWithStream(snap([10, 10], [[4, 4]]), 12), null);
});

test('everything acknowledged past the end: delivered comes down to the end, the consumer sequence stays', () => {
  const r = reconcileWithStream(snap([20, 25]), 12)!;
  assert.deepEqual(r.delivered, { sseq: 12, cseq: 25 });
  assert.deepEqual(r.pending, []);
  assert.equal(r.lastDelivered, 5);
});

test('an ack floor past the end drops every pending and over-max-deliver entry', () => {
  const r = reconcileWithStream(snap([20, 20], [[15, 15], [18, 18]], [[16, 16, 3]]), 12)!;
  assert.deepEqual(r.delivered, { sseq: 12, cseq: 20 });
  assert.deepEqual(r.pending, []);
  assert.deepEqual(r.exceeded, []);
});

test('pending below the end is kept, and delivery resumes after the highest of it', () => {
  const r = reconcileWithStream(snap([20, 20], [[5, 5], [8, 8], [15, 15]], [[9, 9, 3], [14, 14, 3]]), 12)!;
  assert.deepEqual(r.pending.map((p) => p[0]), [5, 8]);
  assert.deepEqual(r.exceeded, [[9, 9, 3]]);
  assert.deepEqual(r.delivered, { sseq: 8, cseq: 8 });
});

test('an ack floor exactly at the end with pending past it: resumes after the floor', () => {
  const r = reconcileWithStream(snap([20, 22], [[13, 14], [17, 19]]), 12)!;
  assert.deepEqual(r.pending, []);
  assert.deepEqual(r.delivered, { sseq: 12, cseq: 13 });
});

test('a stream cut to nothing', () => {
  assert.deepEqual(reconcileWithStream(snap([7, 7]), 0)!.delivered, { sseq: 0, cseq: 7 });
});

test('a consumer that never delivered keeps its start, even past the end (opt_start_seq)', () => {
  assert.equal(reconcileWithStream(snap([999, 0]), 12), null);
});
