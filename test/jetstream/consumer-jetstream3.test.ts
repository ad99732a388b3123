// JetStream consumers with @nats-io/jetstream 3.x (the client of nats.js 3), through the wire
// against a whole Wharf broker: consumers.get().fetch() / next() / consume(), ordered consumers,
// pause and resume, and the 2.11 priority groups: a pinned client (Nats-Pin-Id, others wait,
// unpin moves the pin) and overflow (min_pending). Wharf advertises 2.14.0 (at least 2.11.0), so the client
// allows them as with nats-server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { AckPolicy, jetstream, jetstreamManager, type Consumer, type JetStreamClient, type JetStreamManager, type JsMsg, type PriorityPolicy } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { startConsumerTarget } from './support/consumer-target.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

async function withClient(fn: (nc: NatsConnection, js: JetStreamClient, jsm: JetStreamManager) => Promise<void>): Promise<void> {
  const t = await startConsumerTarget();
  const nc = await connect({ servers: `127.0.0.1:${t.port}` });
  try {
    await fn(nc, jetstream(nc), await jetstreamManager(nc));
  } finally {
    await nc.close();
    await t.close();
  }
}

test('@nats-io/jetstream 3.x: fetch, next, consume and ordered consumers', { timeout: 30_000 }, async () => {
  await withClient(async (_nc, js, jsm) => {
    await jsm.streams.add({ name: 'J3', subjects: ['j3.>'] });
    for (let i = 1; i <= 12; i++) await js.publish(`j3.${i % 4}`, enc.encode(`m${i}`));
    await jsm.consumers.add('J3', { durable_name: 'C', ack_policy: AckPolicy.Explicit, filter_subjects: ['j3.1', 'j3.2'] });
    const c = await js.consumers.get('J3', 'C');
    const seen: number[] = [];
    for await (const m of await c.fetch({ max_messages: 3, expires: 2000 })) {
      seen.push(m.seq);
      m.ack();
    }
    const one = await c.next({ expires: 2000 });
    assert.ok(one);
    seen.push(one.seq);
    await one.ackAck();
    const it = await c.consume({ max_messages: 2 });
    for await (const m of it) {
      seen.push(m.seq);
      m.ack();
      if (m.info.pending === 0) break;
    }
    // Subjects j3.1 and j3.2 are seqs 1, 2, 5, 6, 9, 10.
    assert.deepEqual(seen, [1, 2, 5, 6, 9, 10]);
    const info = await c.info();
    assert.deepEqual([info.num_pending, info.num_ack_pending, info.delivered.stream_seq], [0, 0, 10]);
    const oc = await js.consumers.get('J3', { filter_subjects: ['j3.3'] });
    const ordered: string[] = [];
    for await (const m of await oc.consume()) {
      ordered.push(dec.decode(m.data));
      if (m.info.pending === 0) break;
    }
    assert.deepEqual(ordered, ['m3', 'm7', 'm11']);
  });
});

test('@nats-io/jetstream 3.x: pause holds deliveries until resumed', { timeout: 30_000 }, async () => {
  await withClient(async (_nc, js, jsm) => {
    await jsm.streams.add({ name: 'PZ', subjects: ['pz'] });
    await js.publish('pz', enc.encode('x'));
    await jsm.consumers.add('PZ', { durable_name: 'P', ack_policy: AckPolicy.Explicit });
    const until = new Date(Date.now() + 60 * 60 * 1000);
    const r = await jsm.consumers.pause('PZ', 'P', until);
    assert.equal(r.paused, true);
    const c = await js.consumers.get('PZ', 'P');
    assert.equal((await c.info()).paused, true);
    assert.equal(await c.next({ expires: 1000 }), null, 'a paused consumer delivers nothing');
    const res = await jsm.consumers.resume('PZ', 'P');
    assert.equal(res.paused, false);
    const m = await c.next({ expires: 2000 });
    assert.ok(m);
    assert.equal(dec.decode(m.data), 'x');
  });
});

/** One message of a priority-group pull (fetch of one), or null when the pull ended empty. */
async function pullOne(c: Consumer, opts: { group: string; min_pending?: number; expires: number }): Promise<JsMsg | null> {
  for await (const m of await c.fetch({ max_messages: 1, ...opts })) return m;
  return null;
}

test('@nats-io/jetstream 3.x: priority groups, pinned client and overflow', { timeout: 30_000 }, async () => {
  await withClient(async (nc, js, jsm) => {
    await jsm.streams.add({ name: 'PG', subjects: ['pg.>'] });
    for (let i = 1; i <= 6; i++) await js.publish(`pg.${i}`, enc.encode(`m${i}`));
    const pinned: PriorityPolicy = 'pinned_client';
    await jsm.consumers.add('PG', { durable_name: 'PIN', ack_policy: AckPolicy.Explicit, priority_groups: ['g'], priority_policy: pinned, priority_timeout: 10_000_000_000 });
    const a = await js.consumers.get('PG', 'PIN');
    const b = await js.consumers.get('PG', 'PIN');
    // Client A consumes in the group: its first pull gets the pin, its next pulls carry it.
    const ia = await a.consume({ group: 'g', max_messages: 1, expires: 1000 });
    const fromA = ia[Symbol.asyncIterator]();
    const first = (await fromA.next()).value as JsMsg;
    const pin = first.headers?.get('Nats-Pin-Id');
    assert.ok(pin, 'the first pull of the group gets the pin');
    assert.equal(first.seq, 1);
    first.ack();
    // Client B (no pin id) waits while the pin holds; A goes on with the pin.
    assert.equal(await pullOne(b, { group: 'g', expires: 1000 }), null);
    const second = (await fromA.next()).value as JsMsg;
    assert.equal(second.headers?.get('Nats-Pin-Id'), pin);
    assert.equal(second.seq, 2);
    second.ack();
    const raw = await nc.request('$JS.API.CONSUMER.INFO.PG.PIN', undefined, { timeout: 2000 });
    const info = JSON.parse(dec.decode(raw.data)) as { priority_groups?: Array<{ group: string; pinned_client_id?: string }> };
    assert.deepEqual(info.priority_groups?.map((g) => [g.group, g.pinned_client_id]), [['g', pin]]);
    ia.stop();
    await jsm.consumers.unpin('PG', 'PIN', 'g');
    const afterUnpin = await pullOne(b, { group: 'g', expires: 2000 });
    assert.ok(afterUnpin, 'after unpin another client gets a pin');
    const pin2 = afterUnpin.headers?.get('Nats-Pin-Id');
    assert.ok(pin2 && pin2 !== pin, 'a new pin id');
    afterUnpin.ack();
    const overflow: PriorityPolicy = 'overflow';
    await jsm.consumers.add('PG', { durable_name: 'OVF', ack_policy: AckPolicy.Explicit, priority_groups: ['g'], priority_policy: overflow });
    const o = await js.consumers.get('PG', 'OVF');
    assert.equal(await pullOne(o, { group: 'g', min_pending: 10, expires: 1000 }), null, 'below min_pending the overflow pull waits');
    const got = await pullOne(o, { group: 'g', min_pending: 6, expires: 2000 });
    assert.ok(got);
    assert.equal(got.seq, 1);
  });
});
