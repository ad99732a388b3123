// The consumer coordinator without the wire, over an in-memory stream: delivery order and the
// pending token, acks and the ack floor, redelivery after ack_wait and max_deliver, durable state
// recovered from __jetstream_consumers after a crash (a confirmed AckSync is never redelivered,
// everything else is), and interest / work-queue retention removing only what every consumer
// has acknowledged durably.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsumerCoordinator, type CoordinatorEvents } from '../../src/core/coordinators/jetstream/consumer-coordinator.js';
import type { Delivery, PullSink } from '../../src/core/coordinators/jetstream/consumer-types.js';
import { openTestLog, silentLogger, tempDir } from '../storage/helpers.js';
import { FakeRegistry, FakeStream, streamConfig } from './support/fake-stream.js';
import type { Log } from '../../src/core/log/index.js';
import { SNAPSHOT_EVERY } from '../../src/core/coordinators/jetstream/consumer-state-store.js';

interface Got {
  seq: number;
  dc: number;
  cseq: number;
  pending: number;
}

class Sink implements PullSink {
  readonly got: Got[] = [];
  readonly statuses: Array<{ code: number; text: string; pending?: { msgs: number; bytes: number } }> = [];
  size(d: Delivery): number {
    return d.msg.subject.length + d.msg.data.length;
  }
  message(d: Delivery): void {
    this.got.push({ seq: d.msg.seq, dc: d.deliveries, cseq: d.consumerSeq, pending: d.pending });
  }
  status(code: number, text: string, pending?: { msgs: number; bytes: number }): void {
    this.statuses.push({ code, text, ...(pending ? { pending } : {}) });
  }
  heartbeat(): void {}
  hasInterest(): boolean {
    return true;
  }
}

function events(log: string[] = []): CoordinatorEvents & { log: string[] } {
  return {
    log,
    created: (s, c) => log.push(`created ${s}.${c}`),
    deleted: (s, c) => log.push(`deleted ${s}.${c}`),
    paused: (s, c, p) => log.push(`paused ${s}.${c} ${p}`),
    nak: (s, c, cseq, sseq, dc) => log.push(`nak ${cseq} ${sseq} ${dc}`),
    terminated: (s, c, cseq, sseq, dc, r) => log.push(`term ${cseq} ${sseq} ${dc} ${r}`),
    maxDeliveries: (s, c, sseq, dc) => log.push(`max ${sseq} ${dc}`),
    pinned: () => {},
    unpinned: () => {},
  };
}

async function until(what: string, cond: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A fresh log in a temporary directory for the test's body, closed and removed after it. */
async function withLog(fn: (log: Log) => Promise<void>): Promise<void> {
  const { dir, cleanup } = tempDir('wharf-cc-');
  const log = await openTestLog(dir);
  try {
    await fn(log);
  } finally {
    await log.close();
    cleanup();
  }
}

async function setup(log: Log, registry: FakeRegistry, ev = events()): Promise<ConsumerCoordinator> {
  return ConsumerCoordinator.open({
    log,
    streams: registry,
    logger: silentLogger,
    events: ev,
    pushSinks: () => {
      throw new Error('no push in this test');
    },
  });
}

const pull = (batch: number, sink: Sink, more: Partial<{ expires: bigint; noWait: boolean }> = {}) => ({ batch, maxBytes: 0, expires: more.expires ?? 0n, noWait: more.noWait ?? false, heartbeat: 0n, sink });

test('pull: order, pending token, acks and the ack floor', async () => {
  await withLog(async (log) => {
    const reg = new FakeRegistry();
    const s = reg.add(new FakeStream(streamConfig('ORDERS')));
    for (let i = 1; i <= 3; i++) s.append(`orders.${i}`, `m${i}`);
    const co = await setup(log, reg);
    const r = await co.create('ORDERS', { durable_name: 'P', ack_policy: 'explicit' }, '');
    assert.ok(!('err_code' in r));
    assert.equal(r.info.num_pending, 3);
    assert.equal(r.info.config.ack_wait, 30_000_000_000n);
    assert.equal(r.info.config.max_ack_pending, 1000);
    assert.equal(r.info.config.max_waiting, 512);
    const c = co.consumer('ORDERS', 'P')!;
    const sink = new Sink();
    c.pull(pull(2, sink));
    await until('two deliveries', () => sink.got.length === 2);
    assert.deepEqual(sink.got, [
      { seq: 1, dc: 1, cseq: 1, pending: 2 },
      { seq: 2, dc: 1, cseq: 2, pending: 1 },
    ]);
    // The batch is complete: nothing waits any more.
    assert.equal(c.info().num_waiting, 0);
    let confirmed = false;
    c.ack(2, 2, 1, { kind: 'ack' }, (ok) => (confirmed = ok));
    await until('the AckSync confirmation', () => confirmed);
    let info = c.info();
    // Seq 1 is still pending: the floor stays below it.
    assert.deepEqual([info.ack_floor.consumer_seq, info.ack_floor.stream_seq, info.num_ack_pending], [0, 0, 1]);
    c.ack(1, 1, 1, { kind: 'ack' }, null);
    info = c.info();
    assert.deepEqual([info.ack_floor.consumer_seq, info.ack_floor.stream_seq, info.num_ack_pending, info.num_pending], [2, 2, 0, 1]);
    assert.deepEqual([info.delivered.consumer_seq, info.delivered.stream_seq], [2, 2]);
    // no_wait on what is left: one message, then 404 at the end of the stream.
    const nw = new Sink();
    c.pull(pull(5, nw, { noWait: true }));
    await until('no_wait end', () => nw.statuses.length === 1);
    assert.deepEqual(nw.got.map((g) => g.seq), [3]);
    assert.deepEqual(nw.statuses, [{ code: 404, text: 'No Messages' }]);
    const empty = new Sink();
    c.pull(pull(1, empty, { noWait: true }));
    assert.deepEqual(empty.statuses, [{ code: 404, text: 'No Messages' }]);
    await co.close();
  });
});

test('redelivery after ack_wait, then max_deliver: the advisory, off the pending list, the floor stays', async () => {
  await withLog(async (log) => {
    const reg = new FakeRegistry();
    const s = reg.add(new FakeStream(streamConfig('ORDERS')));
    s.append('orders.1', 'm1');
    const ev = events();
    const co = await setup(log, reg, ev);
    const r = await co.create('ORDERS', { durable_name: 'A', ack_policy: 'explicit', ack_wait: 100_000_000n, max_deliver: 2 }, '');
    assert.ok(!('err_code' in r));
    const c = co.consumer('ORDERS', 'A')!;
    const a = new Sink();
    c.pull(pull(1, a));
    await until('first delivery', () => a.got.length === 1);
    const b = new Sink();
    c.pull(pull(1, b, { expires: 2_000_000_000n }));
    await until('redelivery', () => b.got.length === 1);
    assert.deepEqual(b.got[0], { seq: 1, dc: 2, cseq: 2, pending: 0 });
    const d = new Sink();
    c.pull(pull(1, d, { expires: 600_000_000n }));
    await until('the waiting pull ends', () => d.statuses.length === 1);
    assert.equal(d.got.length, 0);
    assert.deepEqual(d.statuses[0], { code: 408, text: 'Request Timeout', pending: { msgs: 1, bytes: 0 } });
    assert.deepEqual(ev.log.filter((l) => l.startsWith('max')), ['max 1 2']);
    const info = c.info();
    assert.deepEqual([info.num_ack_pending, info.num_redelivered, info.ack_floor.stream_seq, info.delivered.consumer_seq], [0, 1, 0, 2]);
    await co.close();
  });
});

test('durable state after a crash: the confirmed AckSync is not redelivered, the rest is', async () => {
  const { dir, cleanup } = tempDir('wharf-cc-');
  let log = await openTestLog(dir);
  try {
    const reg = new FakeRegistry();
    const s = reg.add(new FakeStream(streamConfig('ORDERS')));
    for (let i = 1; i <= 4; i++) s.append(`orders.${i}`, `m${i}`);
    const co = await setup(log, reg);
    assert.ok(!('err_code' in (await co.create('ORDERS', { durable_name: 'D', ack_policy: 'explicit', ack_wait: 200_000_000n }, ''))));
    const c = co.consumer('ORDERS', 'D')!;
    const sink = new Sink();
    c.pull(pull(3, sink));
    await until('three deliveries', () => sink.got.length === 3);
    let confirmed = false;
    c.ack(1, 1, 1, { kind: 'ack' }, (ok) => (confirmed = ok));
    await until('confirmation', () => confirmed);
    await c.settled();
    // Crash: the log keeps what was appended; nothing is closed cleanly (no snapshot written).
    for (const cc of co.all()) cc.close(false);
    await log.close();
    log = await openTestLog(dir);
    const reg2 = new FakeRegistry();
    const s2 = reg2.add(new FakeStream(s.config, s.topicId));
    s2.msgs.push(...s.msgs);
    const co2 = await setup(log, reg2);
    const c2 = co2.consumer('ORDERS', 'D');
    assert.ok(c2, 'the durable consumer is restored');
    const info = c2.info();
    assert.deepEqual([info.delivered.stream_seq, info.ack_floor.stream_seq, info.num_ack_pending, info.num_pending], [3, 1, 2, 1]);
    const again = new Sink();
    c2.pull(pull(3, again, { expires: 3_000_000_000n }));
    await until('redeliveries and the new one', () => again.got.length === 3);
    const seqs = again.got.map((g) => g.seq).sort();
    assert.deepEqual(seqs, [2, 3, 4], 'seq 1 (AckSync confirmed) must not come back');
    await co2.close();
  } finally {
    await log.close();
    cleanup();
  }
});

test('interest retention: a message leaves once every interested consumer acked it durably', async () => {
  await withLog(async (log) => {
    const reg = new FakeRegistry();
    const s = reg.add(new FakeStream(streamConfig('INT', { retention: 'interest' })));
    const co = await setup(log, reg);
    s.append('int.a', 'nobody listens');
    await until('removed without consumers', () => s.state().messages === 0);
    for (const n of ['A', 'B']) assert.ok(!('err_code' in (await co.create('INT', { durable_name: n, ack_policy: 'explicit' }, ''))));
    assert.equal(co.consumer('INT', 'A')!.info().delivered.stream_seq, 1);
    s.append('int.b', 'both must ack');
    for (const n of ['A', 'B']) {
      const c = co.consumer('INT', n)!;
      const sink = new Sink();
      c.pull(pull(1, sink));
      await until(`${n} delivery`, () => sink.got.length === 1);
      let ok = false;
      c.ack(2, 1, 1, { kind: 'ack' }, (v) => (ok = v));
      await until(`${n} confirmation`, () => ok);
      assert.equal(s.state().messages, n === 'A' ? 1 : 0, n === 'A' ? 'kept until B acks' : 'gone after B acks');
    }
    // A message only B still needs goes when B is deleted.
    s.append('int.c', 'B never acks');
    const a = co.consumer('INT', 'A')!;
    const as = new Sink();
    a.pull(pull(1, as));
    await until('A delivery', () => as.got.length === 1);
    let ok = false;
    a.ack(3, 2, 1, { kind: 'ack' }, (v) => (ok = v));
    await until('A confirmation', () => ok);
    assert.equal(s.state().messages, 1, 'B still needs it');
    await co.delete('INT', 'B');
    assert.equal(s.state().messages, 0, 'nobody needs it after B is deleted');
    await co.close();
  });
});

test('work queue: the ack removes; a second unfiltered consumer and overlapping filters are refused', async () => {
  await withLog(async (log) => {
    const reg = new FakeRegistry();
    const s = reg.add(new FakeStream(streamConfig('WQ', { retention: 'workqueue' })));
    for (let i = 1; i <= 3; i++) s.append(`wq.${i}`, `m${i}`);
    const co = await setup(log, reg);
    assert.ok(!('err_code' in (await co.create('WQ', { durable_name: 'W', ack_policy: 'explicit' }, ''))));
    const second = await co.create('WQ', { durable_name: 'W2', ack_policy: 'explicit' }, '');
    assert.ok('err_code' in second && second.err_code === 10099);
    const c = co.consumer('WQ', 'W')!;
    const sink = new Sink();
    c.pull(pull(2, sink));
    await until('two', () => sink.got.length === 2);
    let ok = false;
    c.ack(1, 1, 1, { kind: 'ack' }, (v) => (ok = v));
    await until('confirm', () => ok);
    assert.deepEqual([s.state().messages, s.state().first_seq], [2, 2]);
    await co.delete('WQ', 'W');
    assert.ok(!('err_code' in (await co.create('WQ', { durable_name: 'A', ack_policy: 'explicit', filter_subject: 'wq.1' }, ''))));
    const overlap = await co.create('WQ', { durable_name: 'B', ack_policy: 'explicit', filter_subject: 'wq.*' }, '');
    assert.ok('err_code' in overlap && overlap.err_code === 10100);
    await co.close();
  });
});

test('snapshots: past SNAPSHOT_EVERY commits and after a clean close, recovery gives the same state', { timeout: 60_000 }, async () => {
  const { dir, cleanup } = tempDir('wharf-cc-');
  let log = await openTestLog(dir);
  try {
    const reg = new FakeRegistry();
    const s = reg.add(new FakeStream(streamConfig('SNAP')));
    const n = SNAPSHOT_EVERY + 200;
    for (let i = 1; i <= n + 3; i++) s.append(`snap.${i % 7}`, `m${i}`);
    let co = await setup(log, reg);
    assert.ok(!('err_code' in (await co.create('SNAP', { durable_name: 'S', ack_policy: 'explicit', ack_wait: 60_000_000_000n, max_ack_pending: 5000 }, ''))));
    let c = co.consumer('SNAP', 'S')!;
    const sink = new Sink();
    c.pull(pull(n + 2, sink));
    await until('deliveries', () => sink.got.length === n + 2);
    // One commit per AckSync: more commits than SNAPSHOT_EVERY, so a snapshot replaces deltas.
    for (let i = 1; i <= n; i++) {
      let ok = false;
      c.ack(i, i, 1, { kind: 'ack' }, (v) => (ok = v));
      await until(`confirmation ${i}`, () => ok);
    }
    const expect = (info: ReturnType<typeof c.info>): void => {
      assert.deepEqual([info.delivered.stream_seq, info.ack_floor.stream_seq, info.num_ack_pending, info.num_pending], [n + 2, n, 2, 1]);
    };
    expect(c.info());
    // Crash: recover from the snapshot and the deltas after it.
    for (const cc of co.all()) cc.close(false);
    await log.close();
    log = await openTestLog(dir);
    const reg2 = new FakeRegistry();
    const s2 = reg2.add(new FakeStream(s.config, s.topicId));
    s2.msgs.push(...s.msgs);
    co = await setup(log, reg2);
    c = co.consumer('SNAP', 'S')!;
    expect(c.info());
    // Clean close writes a snapshot; the next start reads it.
    await co.close();
    await log.close();
    log = await openTestLog(dir);
    const reg3 = new FakeRegistry();
    const s3 = reg3.add(new FakeStream(s.config, s.topicId));
    s3.msgs.push(...s.msgs);
    co = await setup(log, reg3);
    c = co.consumer('SNAP', 'S')!;
    expect(c.info());
    // The compacted topic holds a snapshot, not every delta.
    const t = log.partition('__jetstream_consumers', 0);
    assert.ok(t.highWatermark > SNAPSHOT_EVERY, 'many commits were written');
    await co.close();
  } finally {
    await log.close();
    cleanup();
  }
});

test('interest retention with an ack-none consumer: its durable deliveries count as acknowledgements', async () => {
  await withLog(async (log) => {
    const reg = new FakeRegistry();
    const s = reg.add(new FakeStream(streamConfig('INT', { retention: 'interest' })));
    const co = await setup(log, reg);
    assert.ok(!('err_code' in (await co.create('INT', { durable_name: 'N', ack_policy: 'none' }, ''))));
    assert.ok(!('err_code' in (await co.create('INT', { durable_name: 'E', ack_policy: 'explicit' }, ''))));
    for (let i = 1; i <= 3; i++) s.append(`int.${i}`, `m${i}`);
    const n = new Sink();
    co.consumer('INT', 'N')!.pull(pull(3, n));
    await until('ack-none deliveries', () => n.got.length === 3);
    await co.consumer('INT', 'N')!.settled();
    assert.equal(s.state().messages, 3, 'kept: E has not acknowledged');
    const e = co.consumer('INT', 'E')!;
    const es = new Sink();
    e.pull(pull(2, es));
    await until('explicit deliveries', () => es.got.length === 2);
    let ok = false;
    e.ack(2, 2, 1, { kind: 'ack' }, (v) => (ok = v));
    await until('confirmation', () => ok);
    assert.deepEqual(s.removedByAck, [2], 'only what both consumers are done with');
    // The other way round: E acks first, N's durable deliveries then free the messages.
    for (let i = 4; i <= 5; i++) s.append(`int.${i}`, `m${i}`);
    const es2 = new Sink();
    e.pull(pull(3, es2));
    await until('explicit deliveries', () => es2.got.length === 3);
    for (const seq of [4, 5]) {
      let done = false;
      e.ack(seq, seq - 1, 1, { kind: 'ack' }, (v) => (done = v));
      await until('confirmation', () => done);
    }
    assert.deepEqual(s.removedByAck, [2], 'N has not delivered 4 and 5 yet');
    const n2 = new Sink();
    co.consumer('INT', 'N')!.pull(pull(2, n2));
    await until('ack-none deliveries of 4 and 5', () => n2.got.length === 2);
    await until("removed after N's commit", () => s.removedByAck.length === 3);
    assert.deepEqual(s.removedByAck, [2, 4, 5]);
    await co.close();
  });
});

test('a waiting request that cannot take the next message parks the pump (no spin): overflow below min_pending', { timeout: 10_000 }, async () => {
  await withLog(async (log) => {
    const reg = new FakeRegistry();
    const s = reg.add(new FakeStream(streamConfig('OV')));
    for (let i = 1; i <= 3; i++) s.append(`ov.${i}`, `m${i}`);
    const co = await setup(log, reg);
    const r = await co.create('OV', { durable_name: 'O', ack_policy: 'explicit', priority_policy: 'overflow', priority_groups: ['A'] }, '');
    assert.ok(!('err_code' in r));
    const c = co.consumer('OV', 'O')!;
    const sink = new Sink();
    const before = s.reads;
    // Three pending, the request wants at least ten: it waits, and nothing may be delivered.
    c.pull({ ...pull(5, sink, { expires: 5_000_000_000n }), group: 'A', minPending: 10 });
    // A spinning pump never yields to timers: this wait would not end.
    await new Promise((res) => setTimeout(res, 100));
    assert.equal(sink.got.length, 0);
    assert.ok(s.reads - before <= 4, `the pump read the stream ${s.reads - before} times for one parked request`);
    assert.equal(c.info().num_waiting, 1);
    // Fourteen pending now: the append wakes it, and it is served while at least ten are pending
    // before a delivery (14, 13, 12, 11, 10: the whole batch of five).
    for (let i = 4; i <= 14; i++) s.append(`ov.${i}`, `m${i}`);
    await until('deliveries above min_pending', () => sink.got.length === 5);
    await co.close();
  });
});
