// JetStream consumers with nats.js 2.x (`nats`), through the wire: pull consumers with fetch
// and consume (heartbeats, acks, AckSync), the legacy js.pullSubscribe, ordered consumers (pull
// and push), push subscriptions with a queue group (each message to one member) and with flow
// control and idle heartbeats over enough data to need flow control, NAK with delay and TERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AckPolicy, connect, consumerOpts, DeliverPolicy, StringCodec, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';
import { startConsumerTarget, type ConsumerTarget } from './support/consumer-target.js';

const sc = StringCodec();

async function withClient(fn: (nc: NatsConnection, js: JetStreamClient, jsm: JetStreamManager, t: ConsumerTarget) => Promise<void>): Promise<void> {
  const t = await startConsumerTarget();
  const nc = await connect({ servers: `127.0.0.1:${t.port}` });
  try {
    const jsm = await nc.jetstreamManager();
    await fn(nc, nc.jetstream(), jsm, t);
  } finally {
    await nc.close();
    await t.close();
  }
}

async function fill(js: JetStreamClient, n: number, subject: (i: number) => string): Promise<void> {
  for (let i = 1; i <= n; i++) {
    const ack = await js.publish(subject(i), sc.encode(`m${i}`));
    assert.equal(ack.seq, i);
  }
}

test('nats.js 2.x: fetch, ackAck, consume, and the ack floor in consumer info', { timeout: 30_000 }, async () => {
  await withClient(async (_nc, js, jsm) => {
    await jsm.streams.add({ name: 'ORDERS', subjects: ['orders.>'] });
    await fill(js, 10, (i) => `orders.${i}`);
    await jsm.consumers.add('ORDERS', { durable_name: 'P', ack_policy: AckPolicy.Explicit });
    const c = await js.consumers.get('ORDERS', 'P');
    const seen: number[] = [];
    const pendings: number[] = [];
    const batch = await c.fetch({ max_messages: 4, expires: 2000 });
    for await (const m of batch) {
      seen.push(m.seq);
      pendings.push(m.info.pending);
      assert.equal(sc.decode(m.data), `m${m.seq}`);
      assert.equal(m.subject, `orders.${m.seq}`);
      assert.equal(await m.ackAck(), true);
    }
    assert.deepEqual(seen, [1, 2, 3, 4]);
    assert.deepEqual(pendings, [9, 8, 7, 6]);
    let info = await jsm.consumers.info('ORDERS', 'P');
    assert.deepEqual([info.delivered.stream_seq, info.ack_floor.stream_seq, info.num_ack_pending, info.num_pending], [4, 4, 0, 6]);
    const msgs = await c.consume({ max_messages: 3, idle_heartbeat: 1000, expires: 5000 });
    for await (const m of msgs) {
      seen.push(m.seq);
      m.ack();
      if (m.seq === 10) break;
    }
    assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // A plain ack is durable soon after; INFO waits for what was acknowledged before it.
    info = await jsm.consumers.info('ORDERS', 'P');
    assert.deepEqual([info.delivered.stream_seq, info.ack_floor.stream_seq, info.num_pending], [10, 10, 0]);
    // Nothing left: a no_wait fetch ends at once without messages.
    const none = await c.fetch({ max_messages: 5, expires: 1000 });
    let count = 0;
    for await (const _m of none) count++;
    assert.equal(count, 0);
  });
});

test('nats.js 2.x: legacy js.pullSubscribe and js.fetch', { timeout: 30_000 }, async () => {
  await withClient(async (_nc, js, jsm) => {
    await jsm.streams.add({ name: 'LEG', subjects: ['leg.*'] });
    await fill(js, 6, (i) => `leg.${i % 2 === 0 ? 'even' : 'odd'}`);
    const opts = consumerOpts().durable('LP').ackExplicit().filterSubject('leg.even');
    const sub = await js.pullSubscribe('leg.even', opts);
    const got: number[] = [];
    const done = (async () => {
      for await (const m of sub) {
        got.push(m.seq);
        m.ack();
        if (got.length === 3) break;
      }
    })();
    sub.pull({ batch: 5, expires: 2000 });
    await done;
    assert.deepEqual(got, [2, 4, 6]);
    const odd: number[] = [];
    await jsm.consumers.add('LEG', { durable_name: 'ODD', ack_policy: AckPolicy.Explicit, filter_subject: 'leg.odd' });
    const iter = js.fetch('LEG', 'ODD', { batch: 10, expires: 1000 });
    for await (const m of iter) {
      odd.push(m.seq);
      m.ack();
    }
    assert.deepEqual(odd, [1, 3, 5]);
  });
});

test('nats.js 2.x: ordered consumers, pull (js.consumers.get) and push (orderedConsumer)', { timeout: 30_000 }, async () => {
  await withClient(async (_nc, js, jsm) => {
    await jsm.streams.add({ name: 'ORD', subjects: ['ord.>'] });
    await fill(js, 20, (i) => `ord.${i % 3}`);
    const oc = await js.consumers.get('ORD');
    const got: number[] = [];
    const it = await oc.consume();
    for await (const m of it) {
      got.push(m.seq);
      if (m.info.pending === 0) break;
    }
    assert.deepEqual(got, Array.from({ length: 20 }, (_, i) => i + 1));
    const opts = consumerOpts().orderedConsumer();
    const sub = await js.subscribe('ord.>', opts);
    const push: number[] = [];
    for await (const m of sub) {
      push.push(m.seq);
      if (m.info.pending === 0) break;
    }
    assert.deepEqual(push, got);
  });
});

test('nats.js 2.x: push consumer with a queue group delivers each message to one member', { timeout: 30_000 }, async () => {
  await withClient(async (nc, js, jsm) => {
    await jsm.streams.add({ name: 'Q', subjects: ['q.>'] });
    const counts = new Map<number, number>();
    const members = [0, 0];
    const subs = [];
    for (let k = 0; k < 2; k++) {
      const opts = consumerOpts().durable('WORKERS').queue('workers').deliverTo('deliver.q').ackExplicit().manualAck();
      const sub = await js.subscribe('q.>', opts);
      subs.push(sub);
      void (async () => {
        for await (const m of sub) {
          counts.set(m.seq, (counts.get(m.seq) ?? 0) + 1);
          members[k]!++;
          m.ack();
        }
      })();
    }
    await fill(js, 40, (i) => `q.${i}`);
    const deadline = Date.now() + 10_000;
    while (counts.size < 40 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await nc.flush();
    assert.equal(counts.size, 40, 'every message delivered');
    assert.ok([...counts.values()].every((n) => n === 1), 'no message delivered twice');
    assert.ok(members[0]! > 0 && members[1]! > 0, `both members got messages: ${members.join(', ')}`);
    const info = await jsm.consumers.info('Q', 'WORKERS');
    assert.equal(info.config.deliver_group, 'workers');
    assert.equal(info.push_bound, true);
    for (const s of subs) s.unsubscribe();
  });
});

test('nats.js 2.x: push consumer with flow control and heartbeats over 4 MiB', { timeout: 30_000 }, async () => {
  await withClient(async (_nc, js, jsm) => {
    await jsm.streams.add({ name: 'BIG', subjects: ['big'] });
    const payload = new Uint8Array(64 * 1024).fill(120);
    const n = 64;
    for (let i = 0; i < n; i++) await js.publish('big', payload);
    const opts = consumerOpts().durable('FC').deliverTo('big.deliver').ackNone().flowControl().idleHeartbeat(500).deliverAll();
    const sub = await js.subscribe('big', opts);
    let got = 0;
    for await (const m of sub) {
      assert.equal(m.data.length, payload.length);
      got++;
      if (got === n) break;
    }
    assert.equal(got, n);
    const info = await jsm.consumers.info('BIG', 'FC');
    assert.equal(info.delivered.stream_seq, n);
  });
});

test('nats.js 2.x: NAK with delay redelivers later, TERM stops redelivery', { timeout: 30_000 }, async () => {
  await withClient(async (_nc, js, jsm) => {
    await jsm.streams.add({ name: 'NAK', subjects: ['nak'] });
    await fill(js, 2, () => 'nak');
    await jsm.consumers.add('NAK', { durable_name: 'N', ack_policy: AckPolicy.Explicit, ack_wait: 10_000_000_000, deliver_policy: DeliverPolicy.All });
    const c = await js.consumers.get('NAK', 'N');
    const first = await c.next({ expires: 2000 });
    assert.ok(first);
    assert.equal(first.seq, 1);
    const nakAt = Date.now();
    first.nak(600);
    const second = await c.next({ expires: 2000 });
    assert.ok(second);
    assert.equal(second.seq, 2, 'the NAKed message waits for its delay');
    second.term('not for me');
    const again = await c.next({ expires: 3000 });
    assert.ok(again);
    assert.equal(again.seq, 1);
    assert.equal(again.info.redeliveryCount, 2);
    assert.ok(Date.now() - nakAt >= 550, 'redelivered after the NAK delay');
    await again.ackAck();
    const none = await c.next({ expires: 1000 });
    assert.equal(none, null, 'the terminated message is not redelivered');
  });
});

test('nats.js 2.x: KV watch and keys (last-per-subject ordered push consumers) see history and updates', { timeout: 30_000 }, async () => {
  await withClient(async (_nc, js) => {
    const kv = await js.views.kv('cfg', { history: 3 });
    await kv.put('a', sc.encode('1'));
    await kv.put('b', sc.encode('1'));
    await kv.put('a', sc.encode('2'));
    const keys: string[] = [];
    for await (const k of await kv.keys()) keys.push(k);
    assert.deepEqual(keys.sort(), ['a', 'b']);
    const seen: string[] = [];
    const w = await kv.watch();
    const done = (async () => {
      for await (const e of w) {
        seen.push(`${e.key}=${sc.decode(e.value)}@${e.revision}`);
        if (seen.length === 3) break;
      }
    })();
    // The initial values (the last of each key), then a live update.
    await new Promise((r) => setTimeout(r, 200));
    await kv.put('b', sc.encode('2'));
    await done;
    assert.deepEqual(seen, ['b=1@2', 'a=2@3', 'b=2@4']);
  });
});
