// The fast batch state of a stream (src/core/streams/fast-batch.ts) on its own, for what the wire
// differential (test/jetstream/fast-batch.test.ts) cannot show: a batch dropped by its timeout
// (no message tells, on either server, without changing the batch), the inflight limits (1000
// open batches per stream, 50 000 in all: too many to open over the wire in a test), and the
// reply parser's edges (nats-server's getFastBatch).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FastBatches, defaultFastBatchLimits, parseFastBatchReply, type FastBatchRequest, type FastBatchWire } from '../../src/core/streams/fast-batch.js';
import type { JsApiError } from '../../src/core/streams/types.js';

function wire(sent: string[]): FastBatchWire {
  return {
    send: (reply, body) => sent.push(`${reply} ${body.toString()}`),
    batchAck: (seq, batch, count) => Buffer.from(`ack ${seq} ${batch} ${count}`),
    duplicateAck: (seq, batch, count) => Buffer.from(`dup ${seq} ${batch} ${count}`),
    error: (err: JsApiError) => Buffer.from(`error ${err.err_code}`),
    flowError: (seq, err: JsApiError) => Buffer.from(`flow-error ${seq} ${err.err_code}`),
  };
}

function req(id: string, seq: number, op = seq === 1 ? 0 : 1, flow = 10, gap = 'fail'): FastBatchRequest {
  const r = parseFastBatchReply(`_FI.${id}.${flow}.${gap}.${seq}.${op}.$FI`);
  assert.ok(r !== null && r !== 'invalid', `a valid reply for ${id} ${seq}`);
  return r;
}

test('the reply parser follows getFastBatch', () => {
  assert.equal(parseFastBatchReply(undefined), null);
  assert.equal(parseFastBatchReply('_INBOX.x'), null);
  assert.equal(parseFastBatchReply('$FI'), null);
  assert.deepEqual(parseFastBatchReply('_FI.id.5.ok.1.0.$FI'), { id: 'id', seq: 1, flow: 5, gapOk: true, commit: false, commitEob: false, ping: false });
  assert.deepEqual(parseFastBatchReply('a.b.id.0.fail.7.3.$FI'), { id: 'id', seq: 7, flow: 10, gapOk: false, commit: true, commitEob: true, ping: false });
  assert.equal((parseFastBatchReply('_FI.id.99999999.fail.2.4.$FI') as FastBatchRequest).flow, 0xffff);
  assert.equal((parseFastBatchReply('_FI.id.x.fail.2.2.$FI') as FastBatchRequest).flow, 10);
  for (const bad of ['id.5.ok.1.0.$FI', '_FI.id.5.ok.1.5.$FI', '_FI.id.5.ok.0.4.$FI', '_FI.id.5.ok.2.0.$FI', '_FI.id.5.ok.1.1.$FI', '_FI.id.5.ok.1.3.$FI', '_FI.id.5.no.1.0.$FI', '.$FI.$FI', 'x.$FI']) {
    assert.equal(parseFastBatchReply(bad), 'invalid', bad);
  }
});

test('a fast batch with no message for the timeout is dropped, then unknown', async () => {
  const sent: string[] = [];
  const limits = { ...defaultFastBatchLimits(), timeoutMs: 20 };
  const fb = new FastBatches(limits, wire(sent));
  const step = fb.begin(req('t', 1), 'r1', undefined, true);
  assert.equal(step.kind, 'store');
  assert.equal(fb.size, 1);
  assert.equal(limits.inflightTotal.count, 1);
  // Waits on the state (the batch gone), polled; the timer is the thing under test.
  for (let i = 0; i < 500 && fb.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(fb.size, 0);
  assert.equal(limits.inflightTotal.count, 0);
  const after = fb.begin(req('t', 2), 'r2', undefined, true);
  assert.deepEqual(after.kind === 'error' ? after.error.err_code : after.kind, 10208);
});

test('open fast batches are limited per stream (1000) and in all (50 000), as nats-server', () => {
  const sent: string[] = [];
  const limits = defaultFastBatchLimits();
  const a = new FastBatches(limits, wire(sent));
  for (let i = 0; i < 1000; i++) assert.equal(a.begin(req(`b${i}`, 1), 'r', undefined, true).kind, 'store');
  const over = a.begin(req('b1000', 1), 'r', undefined, true);
  assert.equal(over.kind === 'error' ? over.error.err_code : over.kind, 10211);
  // The server's total, shared by the streams.
  const shared = { ...limits, maxInflightTotal: 1001 };
  const b = new FastBatches(shared, wire(sent));
  assert.equal(b.begin(req('c0', 1), 'r', undefined, true).kind, 'store');
  const total = b.begin(req('c1', 1), 'r', undefined, true);
  assert.equal(total.kind === 'error' ? total.error.err_code : total.kind, 10211);
  a.clear();
  b.clear();
  assert.equal(limits.inflightTotal.count, 0);
});

test('the second open batch starts acking every message and ramps up to 500 / batches open', () => {
  const sent: string[] = [];
  const fb = new FastBatches(defaultFastBatchLimits(), wire(sent));
  const first = fb.begin(req('m', 1, 0, 600), 'm1', undefined, true);
  assert.equal(first.kind, 'store');
  assert.deepEqual(sent, ['m1 {"type":"ack","seq":0,"msgs":500}']);
  sent.length = 0;
  let seq = 1;
  const o = (): void => {
    const r = req('o', seq, seq === 1 ? 0 : 1, 300);
    const s = fb.begin(r, `o${seq}`, undefined, true);
    assert.equal(s.kind, 'store');
    if (s.kind !== 'store') return;
    fb.accepted(s.batch);
    fb.persisted(s.batch, r, `o${seq}`, 100 + seq);
    seq++;
  };
  for (let i = 0; i < 8; i++) o();
  // Acks at 1, then every 2, 4 (the interval doubles toward 250 = 500 / 2 batches).
  assert.deepEqual(sent, [
    'o1 {"type":"ack","seq":0,"msgs":1}',
    'o1 {"type":"ack","seq":1,"msgs":2}',
    'o3 {"type":"ack","seq":3,"msgs":4}',
    'o7 {"type":"ack","seq":7,"msgs":8}',
  ]);
});
