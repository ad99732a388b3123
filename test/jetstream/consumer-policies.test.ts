// Consumer policies and knobs through the wire (nats.js 2.x against a whole Wharf broker):
// deliver policies (last, new, by start sequence, by start time, last per subject over several
// filters) with their num_pending, max_ack_pending holding deliveries back, AckAll, backoff
// spacing redeliveries, replay original pacing deliveries as they were stored, a push rate
// limit, headers_only pulls, the inactive threshold of an ephemeral consumer, and the
// "prioritized" priority policy serving the lower priority number first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AckPolicy, connect, DeliverPolicy, ReplayPolicy, StringCodec, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';
import { startConsumerTarget, startReferenceTarget } from './support/consumer-target.js';

const sc = StringCodec();
const MS = 1_000_000;

async function withClient(fn: (nc: NatsConnection, js: JetStreamClient, jsm: JetStreamManager) => Promise<void>): Promise<void> {
  const t = await startConsumerTarget();
  const nc = await connect({ servers: `127.0.0.1:${t.port}` });
  try {
    await fn(nc, nc.jetstream(), await nc.jetstreamManager());
  } finally {
    await nc.close();
    await t.close();
  }
}

/** Raw request/reply: the JSON answer of a $JS.API subject. */
async function api<T>(nc: NatsConnection, subject: string, body: unknown): Promise<T> {
  const r = await nc.request(subject, sc.encode(JSON.stringify(body)), { timeout: 3000 });
  return JSON.parse(sc.decode(r.data)) as T;
}

async function seqs(js: JetStreamClient, stream: string, consumer: string, n: number): Promise<number[]> {
  const c = await js.consumers.get(stream, consumer);
  const out: number[] = [];
  for await (const m of await c.fetch({ max_messages: n, expires: 1500 })) {
    out.push(m.seq);
    m.ack();
  }
  return out;
}

test('deliver policies: last, new, by start sequence, by start time, last per subject', { timeout: 30_000 }, async () => {
  await withClient(async (_nc, js, jsm) => {
    await jsm.streams.add({ name: 'DP', subjects: ['dp.>'] });
    for (let i = 1; i <= 6; i++) await js.publish(`dp.${i % 3}`, sc.encode(`m${i}`));
    await new Promise((r) => setTimeout(r, 20));
    const mark = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    for (let i = 7; i <= 8; i++) await js.publish(`dp.${i % 3}`, sc.encode(`m${i}`));
    const add = async (name: string, cfg: Record<string, unknown>): Promise<number> => (await jsm.consumers.add('DP', { durable_name: name, ack_policy: AckPolicy.Explicit, ...cfg })).num_pending;
    assert.equal(await add('LAST', { deliver_policy: DeliverPolicy.Last }), 1);
    assert.deepEqual(await seqs(js, 'DP', 'LAST', 5), [8]);
    assert.equal(await add('LASTF', { deliver_policy: DeliverPolicy.Last, filter_subject: 'dp.1' }), 1);
    assert.deepEqual(await seqs(js, 'DP', 'LASTF', 5), [7]);
    assert.equal(await add('NEW', { deliver_policy: DeliverPolicy.New }), 0);
    await js.publish('dp.9', sc.encode('m9'));
    assert.deepEqual(await seqs(js, 'DP', 'NEW', 5), [9]);
    assert.equal(await add('SEQ', { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: 5 }), 5);
    assert.deepEqual(await seqs(js, 'DP', 'SEQ', 10), [5, 6, 7, 8, 9]);
    assert.equal(await add('TIME', { deliver_policy: DeliverPolicy.StartTime, opt_start_time: mark }), 3);
    assert.deepEqual(await seqs(js, 'DP', 'TIME', 10), [7, 8, 9]);
    // Last per subject over two filters: the last of dp.1 (7) and of dp.2 (8), then what comes.
    assert.equal(await add('LPS', { deliver_policy: DeliverPolicy.LastPerSubject, filter_subjects: ['dp.1', 'dp.2'] }), 2);
    assert.deepEqual(await seqs(js, 'DP', 'LPS', 10), [7, 8]);
    await js.publish('dp.2', sc.encode('m10'));
    assert.deepEqual(await seqs(js, 'DP', 'LPS', 10), [10]);
  });
});

test('max_ack_pending holds deliveries until acks; AckAll acks everything below', { timeout: 30_000 }, async () => {
  await withClient(async (_nc, js, jsm) => {
    await jsm.streams.add({ name: 'MAP', subjects: ['map'] });
    for (let i = 1; i <= 5; i++) await js.publish('map', sc.encode(`m${i}`));
    await jsm.consumers.add('MAP', { durable_name: 'M', ack_policy: AckPolicy.Explicit, max_ack_pending: 2 });
    const c = await js.consumers.get('MAP', 'M');
    const held: number[] = [];
    const msgs = [];
    for await (const m of await c.fetch({ max_messages: 5, expires: 1000 })) {
      held.push(m.seq);
      msgs.push(m);
    }
    assert.deepEqual(held, [1, 2], 'two pending acks at most');
    for (const m of msgs) await m.ackAck();
    assert.deepEqual(await seqs(js, 'MAP', 'M', 2), [3, 4]);
    await jsm.consumers.add('MAP', { durable_name: 'ALL', ack_policy: AckPolicy.All });
    const a = await js.consumers.get('MAP', 'ALL');
    const got = [];
    for await (const m of await a.fetch({ max_messages: 3, expires: 1000 })) got.push(m);
    assert.equal(await got[2]!.ackAck(), true);
    const info = await jsm.consumers.info('MAP', 'ALL');
    assert.deepEqual([info.ack_floor.stream_seq, info.num_ack_pending, info.num_pending], [3, 0, 2]);
  });
});

test('backoff spaces redeliveries; max_deliver ends them', { timeout: 30_000 }, async () => {
  await withClient(async (_nc, js, jsm) => {
    await jsm.streams.add({ name: 'BO', subjects: ['bo'] });
    await js.publish('bo', sc.encode('x'));
    await jsm.consumers.add('BO', { durable_name: 'B', ack_policy: AckPolicy.Explicit, backoff: [200 * MS, 800 * MS], max_deliver: 3 });
    const c = await js.consumers.get('BO', 'B');
    const times: number[] = [];
    const start = Date.now();
    for (let i = 0; i < 3; i++) {
      const m = await c.next({ expires: 3000 });
      assert.ok(m, `delivery ${i + 1}`);
      assert.equal(m.info.redeliveryCount, i + 1);
      times.push(Date.now() - start);
    }
    assert.equal(await c.next({ expires: 1500 }), null, 'no fourth delivery');
    const gap1 = times[1]! - times[0]!;
    const gap2 = times[2]! - times[1]!;
    assert.ok(gap1 >= 190 && gap1 < 700, `first redelivery after ~200 ms (${gap1})`);
    assert.ok(gap2 >= 780, `second redelivery after ~800 ms (${gap2})`);
  });
});

test('replay original paces deliveries as the messages were stored', { timeout: 30_000 }, async () => {
  await withClient(async (_nc, js, jsm) => {
    await jsm.streams.add({ name: 'RP', subjects: ['rp'] });
    await js.publish('rp', sc.encode('a'));
    await new Promise((r) => setTimeout(r, 400));
    await js.publish('rp', sc.encode('b'));
    await jsm.consumers.add('RP', { durable_name: 'R', ack_policy: AckPolicy.None, replay_policy: ReplayPolicy.Original });
    const c = await js.consumers.get('RP', 'R');
    const at: number[] = [];
    for await (const m of await c.fetch({ max_messages: 2, expires: 3000 })) {
      at.push(Date.now());
      void m;
    }
    assert.equal(at.length, 2);
    assert.ok(at[1]! - at[0]! >= 350, `the second came ~400 ms after the first (${at[1]! - at[0]!})`);
  });
});

test('a push rate limit slows delivery to about the rate', { timeout: 30_000 }, async () => {
  await withClient(async (nc, js, jsm) => {
    await jsm.streams.add({ name: 'RL', subjects: ['rl'] });
    const payload = new Uint8Array(1000);
    for (let i = 0; i < 10; i++) await js.publish('rl', payload);
    let got = 0;
    let last = 0;
    const start = Date.now();
    const sub = nc.subscribe('deliver.rl', {
      callback: (_e, m) => {
        if (m.headers?.code === 100) return;
        got++;
        last = Date.now();
      },
    });
    // 10 x ~1 KB at 40 kbit/s (5 KB/s): about 2 s.
    await jsm.consumers.add('RL', { durable_name: 'L', ack_policy: AckPolicy.None, deliver_subject: 'deliver.rl', rate_limit_bps: 40_000 });
    const end = Date.now() + 10_000;
    while (got < 10 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    sub.unsubscribe();
    assert.equal(got, 10);
    assert.ok(last - start >= 1500, `rate-limited delivery took ${last - start} ms`);
  });
});

test('headers_only pulls carry Nats-Msg-Size and no payload', { timeout: 30_000 }, async () => {
  await withClient(async (_nc, js, jsm) => {
    await jsm.streams.add({ name: 'HO', subjects: ['ho'] });
    await js.publish('ho', sc.encode('twelve bytes'));
    await jsm.consumers.add('HO', { durable_name: 'H', ack_policy: AckPolicy.Explicit, headers_only: true });
    const m = await (await js.consumers.get('HO', 'H')).next({ expires: 2000 });
    assert.ok(m);
    assert.equal(m.data.length, 0);
    assert.equal(m.headers?.get('Nats-Msg-Size'), '12');
  });
});

test('an ephemeral consumer goes after its inactive threshold', { timeout: 30_000 }, async () => {
  await withClient(async (nc, js, jsm) => {
    await jsm.streams.add({ name: 'IT', subjects: ['it'] });
    await js.publish('it', sc.encode('x'));
    const r = await api<{ name: string; config: { inactive_threshold: number } }>(nc, '$JS.API.CONSUMER.CREATE.IT', { stream_name: 'IT', config: { ack_policy: 'explicit', inactive_threshold: 500 * MS } });
    assert.equal(r.config.inactive_threshold, 500 * MS);
    assert.deepEqual(await jsm.consumers.list('IT').next().then((l) => l.map((c) => c.name)), [r.name]);
    const end = Date.now() + 5_000;
    let names = [r.name];
    while (names.length > 0 && Date.now() < end) {
      await new Promise((res) => setTimeout(res, 100));
      names = (await jsm.consumers.list('IT').next()).map((c) => c.name);
    }
    assert.deepEqual(names, [], 'deleted after inactivity');
  });
});

for (const kind of ['wharf', 'nats-server'] as const) {
  test(`a pull consumer's inactive threshold counts from when its last waiting request left (${kind})`, { timeout: 30_000 }, async () => {
    // nats bench js consume: a durable with inactive_threshold 10 s, pulls expiring after 30 s, a
    // new pull once the 408 arrives. Counting from the request's arrival deleted it at the expiry.
    const t = kind === 'wharf' ? await startConsumerTarget() : await startReferenceTarget();
    const nc = await connect({ servers: `127.0.0.1:${t.port}` });
    try {
      const jsm = await nc.jetstreamManager();
      await jsm.streams.add({ name: 'IW', subjects: ['iw'] });
      await jsm.consumers.add('IW', { durable_name: 'W', ack_policy: AckPolicy.Explicit, inactive_threshold: 500 * MS });
      // One pull that waits 1.5 s (three thresholds) and expires.
      const inbox = `_INBOX.iw.${Date.now()}`;
      const statuses: string[] = [];
      const gotTimeout = new Promise<void>((resolve) => {
        nc.subscribe(inbox, {
          callback: (_e, m) => {
            statuses.push(`${m.headers?.code ?? 0}`);
            if (m.headers?.code === 408) resolve();
          },
        });
      });
      await nc.flush();
      nc.publish('$JS.API.CONSUMER.MSG.NEXT.IW.W', sc.encode(JSON.stringify({ batch: 1, expires: 1500 * MS })), { reply: inbox });
      await gotTimeout;
      assert.deepEqual(statuses, ['408']);
      // Just after the expiry the consumer is there (the client's next pull would find it) ...
      await new Promise((res) => setTimeout(res, 100));
      assert.equal((await jsm.consumers.info('IW', 'W')).name, 'W');
      // ... and with no request waiting it goes after its threshold.
      const end = Date.now() + 5_000;
      let names = ['W'];
      while (names.length > 0 && Date.now() < end) {
        await new Promise((res) => setTimeout(res, 100));
        names = (await jsm.consumers.list('IW').next()).map((c) => c.name);
      }
      assert.deepEqual(names, [], 'deleted after inactivity');
    } finally {
      await nc.close();
      await t.close();
    }
  });
}

test('prioritized policy: the waiting pull with the lower priority number is served first', { timeout: 30_000 }, async () => {
  await withClient(async (nc, js, jsm) => {
    await jsm.streams.add({ name: 'PR', subjects: ['pr'] });
    const r = await api<{ error?: unknown }>(nc, '$JS.API.CONSUMER.CREATE.PR.P', { stream_name: 'PR', config: { durable_name: 'P', ack_policy: 'explicit', priority_groups: ['g'], priority_policy: 'prioritized' } });
    assert.equal(r.error, undefined);
    const order: string[] = [];
    const inbox = (name: string): string => {
      const subject = `_INBOX.prio.${name}`;
      nc.subscribe(subject, { callback: (_e, m) => { if (!m.headers?.code) order.push(name); } });
      return subject;
    };
    const low = inbox('p5');
    const high = inbox('p0');
    nc.publish('$JS.API.CONSUMER.MSG.NEXT.PR.P', sc.encode(JSON.stringify({ batch: 1, expires: 3000 * MS, group: 'g', priority: 5 })), { reply: low });
    nc.publish('$JS.API.CONSUMER.MSG.NEXT.PR.P', sc.encode(JSON.stringify({ batch: 1, expires: 3000 * MS, group: 'g', priority: 0 })), { reply: high });
    await nc.flush();
    await new Promise((res) => setTimeout(res, 100));
    await js.publish('pr', sc.encode('1'));
    await js.publish('pr', sc.encode('2'));
    const end = Date.now() + 5_000;
    while (order.length < 2 && Date.now() < end) await new Promise((res) => setTimeout(res, 20));
    assert.deepEqual(order, ['p0', 'p5']);
  });
});
