// The stream half of JetStream through the wire with real clients: nats.js 2.x (`nats`:
// jsm.streams, js.publish with msgID and expectations, direct gets, a KV put/get) and
// @nats-io/jetstream 3.x (jetstreamManager, direct batch and multi_last gets, which 3.x only
// tries on servers advertising 2.11). Each asserts what the client sees, errors by err_code.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as nats2 from 'nats';
import { connect as connect3 } from '@nats-io/transport-node';
import { jetstream as js3, jetstreamManager as jsm3 } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { Broker } from '../../src/index.js';
import { startTestBroker } from '../support/broker.js';

const started = new Set<Broker>();
after(async () => {
  await Promise.all([...started].map((b) => b.close()));
});

async function broker(): Promise<Broker> {
  const b = await startTestBroker();
  started.add(b);
  return b;
}

const servers = (b: Broker): string => `127.0.0.1:${b.ports.nats}`;

/** The JetStream err_code of a client error (nats.js 2.x and 3.x both carry the API error). */
function errCode(e: unknown): number | undefined {
  const x = e as { api_error?: { err_code?: number }; code?: unknown };
  return x.api_error?.err_code;
}

test('nats.js 2.x: streams through jsm (add, info, names, list, update, purge, delete)', async () => {
  const b = await broker();
  const nc = await nats2.connect({ servers: servers(b) });
  try {
    const jsm = await nc.jetstreamManager();
    const si = await jsm.streams.add({ name: 'ORDERS', subjects: ['orders.>'] });
    assert.equal(si.config.name, 'ORDERS');
    assert.deepEqual(si.config.subjects, ['orders.>']);
    assert.equal(si.config.retention, nats2.RetentionPolicy.Limits);
    assert.equal(si.config.duplicate_window, 120_000_000_000);
    assert.equal(si.state.messages, 0);
    await jsm.streams.add({ name: 'EVENTS', subjects: ['events.*'], storage: nats2.StorageType.Memory });
    await assert.rejects(jsm.streams.add({ name: 'CLASH', subjects: ['orders.new'] }), (e: unknown) => errCode(e) === 10065);
    assert.deepEqual((await jsm.streams.names().next()).sort(), ['EVENTS', 'ORDERS']);
    const listed = await jsm.streams.list().next();
    assert.deepEqual(listed.map((s) => s.config.name), ['EVENTS', 'ORDERS']);
    assert.equal(listed[0]!.config.storage, nats2.StorageType.Memory);
    const js = nc.jetstream();
    for (let i = 0; i < 5; i++) await js.publish(`orders.${i % 2}`, nats2.StringCodec().encode(`m${i}`));
    const info = await jsm.streams.info('ORDERS', { subjects_filter: '>' });
    assert.equal(info.state.messages, 5);
    assert.equal(info.state.last_seq, 5);
    assert.deepEqual(info.state.subjects, { 'orders.0': 3, 'orders.1': 2 });
    const up = await jsm.streams.update('ORDERS', { subjects: ['orders.>', 'returns.>'], max_msgs: 3 });
    assert.deepEqual(up.config.subjects, ['orders.>', 'returns.>']);
    assert.equal(up.config.max_msgs, 3);
    assert.equal(up.state.messages, 3, 'the new max_msgs applies at once (discard old)');
    assert.equal(up.state.first_seq, 3);
    await js.publish('returns.x', nats2.StringCodec().encode('r'));
    assert.equal((await jsm.streams.info('ORDERS')).state.first_seq, 4);
    const purged = await jsm.streams.purge('ORDERS', { filter: 'orders.1' });
    assert.equal(purged.purged, 1);
    assert.equal(await jsm.streams.delete('EVENTS'), true);
    await assert.rejects(jsm.streams.info('EVENTS'), (e: unknown) => errCode(e) === 10059);
  } finally {
    await nc.close();
  }
});

test('nats.js 2.x: PubAcks, msgID duplicates and expectations', async () => {
  const b = await broker();
  const nc = await nats2.connect({ servers: servers(b) });
  try {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: 'P', subjects: ['p.*'] });
    const js = nc.jetstream();
    const sc = nats2.StringCodec();
    const a = await js.publish('p.a', sc.encode('one'), { msgID: 'id-1' });
    assert.deepEqual([a.stream, a.seq, a.duplicate], ['P', 1, false]);
    const dup = await js.publish('p.a', sc.encode('one again'), { msgID: 'id-1' });
    assert.deepEqual([dup.seq, dup.duplicate], [1, true]);
    await js.publish('p.b', sc.encode('two'), { expect: { lastSequence: 1 } });
    await assert.rejects(js.publish('p.b', sc.encode('x'), { expect: { lastSequence: 1 } }), (e: unknown) => errCode(e) === 10071);
    await js.publish('p.a', sc.encode('three'), { expect: { lastSubjectSequence: 1 } });
    await assert.rejects(js.publish('p.a', sc.encode('x'), { expect: { lastSubjectSequence: 1 } }), (e: unknown) => errCode(e) === 10071);
    await assert.rejects(js.publish('p.a', sc.encode('x'), { expect: { streamName: 'OTHER' } }), (e: unknown) => errCode(e) === 10060);
    await js.publish('p.c', sc.encode('four'), { msgID: 'id-4' });
    await js.publish('p.c', sc.encode('five'), { expect: { lastMsgID: 'id-4' } });
    await assert.rejects(js.publish('p.c', sc.encode('x'), { expect: { lastMsgID: 'id-4' } }), (e: unknown) => errCode(e) === 10070);
    // Pipelined publishes see each other's expectations (appends in flight count).
    const acks = await Promise.all([js.publish('p.d', sc.encode('a'), { expect: { lastSequence: 5 } }), js.publish('p.d', sc.encode('b'), { expect: { lastSequence: 6 } })]);
    assert.deepEqual(acks.map((x) => x.seq), [6, 7]);
    const m = await jsm.streams.getMessage('P', { seq: 2 });
    assert.equal(m.subject, 'p.b');
    assert.equal(sc.decode(m.data), 'two');
    const last = await jsm.streams.getMessage('P', { last_by_subj: 'p.a' });
    assert.equal(last.seq, 3);
    assert.equal(await jsm.streams.deleteMessage('P', 2), true);
    await assert.rejects(jsm.streams.getMessage('P', { seq: 2 }), (e: unknown) => errCode(e) === 10037);
  } finally {
    await nc.close();
  }
});

test('nats.js 2.x: direct get and a KV put/get (KV reads by direct get on 2.9+ servers)', async () => {
  const b = await broker();
  const nc = await nats2.connect({ servers: servers(b) });
  try {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: 'D', subjects: ['d.>'], allow_direct: true });
    const js = nc.jetstream();
    const h = nats2.headers();
    h.set('X-Trace', 'abc');
    await js.publish('d.a', nats2.StringCodec().encode('hello'), { headers: h });
    // nats.js 2.x types no direct API on the manager; its KV uses one (below). The subject form
    // as a plain request: the stored headers first, then nats-server's Nats-* fields.
    const m = await nc.request('$JS.API.DIRECT.GET.D.d.a', undefined, { timeout: 5_000 });
    assert.deepEqual([...m.headers!.keys()], ['X-Trace', 'Nats-Stream', 'Nats-Subject', 'Nats-Sequence', 'Nats-Time-Stamp']);
    assert.equal(m.headers!.get('Nats-Sequence'), '1');
    assert.equal(nats2.StringCodec().decode(m.data), 'hello');
    // A stream without allow_direct has no direct-get responder: no-responders (503).
    await jsm.streams.add({ name: 'ND', subjects: ['nd'] });
    await assert.rejects(nc.request('$JS.API.DIRECT.GET.ND', nats2.JSONCodec().encode({ seq: 1 }), { timeout: 5_000 }), (e: unknown) => (e as { code?: string }).code === '503');
    const kv = await js.views.kv('cfg', { history: 3 });
    await kv.put('color', nats2.StringCodec().encode('blue'));
    const rev = await kv.put('color', nats2.StringCodec().encode('green'));
    const e = await kv.get('color');
    assert.equal(e?.revision, rev);
    assert.equal(nats2.StringCodec().decode(e!.value), 'green');
    await assert.rejects(kv.create('color', nats2.StringCodec().encode('red')), (err: unknown) => /wrong last sequence/.test(String(err)));
    await kv.delete('color');
    assert.equal((await kv.get('color'))?.operation, 'DEL');
    const si = await jsm.streams.info('KV_cfg');
    assert.equal(si.config.allow_rollup_hdrs, true);
    assert.equal(si.config.max_msgs_per_subject, 3);
  } finally {
    await nc.close();
  }
});

test('@nats-io/jetstream 3.x: streams, publishes, direct batch and multi_last gets', async () => {
  const b = await broker();
  const nc = await connect3({ servers: servers(b) });
  try {
    const jsm = await jsm3(nc);
    await jsm.streams.add({ name: 'K', subjects: ['k.>'], allow_direct: true, max_msgs_per_subject: 3 });
    const js = js3(nc);
    for (const [s, v] of [['k.a', 'a1'], ['k.b', 'b1'], ['k.a', 'a2'], ['k.c', 'c1'], ['k.b', 'b2']] as const) await js.publish(s, v);
    const one = await jsm.direct.getMessage('K', { seq: 2 });
    assert.equal(one?.subject, 'k.b');
    assert.equal(one?.string(), 'b1');
    const batch = await jsm.direct.getBatch('K', { seq: 1, batch: 3 });
    const got: string[] = [];
    for await (const m of batch) got.push(`${m.seq}:${m.subject}`);
    assert.deepEqual(got, ['1:k.a', '2:k.b', '3:k.a']);
    const lasts = await jsm.direct.getLastMessagesFor('K', { multi_last: ['k.*'] });
    const latest: string[] = [];
    for await (const m of lasts) latest.push(`${m.subject}=${m.string()}`);
    assert.deepEqual(latest, ['k.a=a2', 'k.c=c1', 'k.b=b2']);
    const pa = await js.publish('k.a', 'a3', { msgID: 'x' });
    const again = await js.publish('k.a', 'a3', { msgID: 'x' });
    assert.equal(again.duplicate, true);
    assert.equal(again.seq, pa.seq);
    const info = await jsm.streams.info('K');
    assert.equal(info.state.messages, 6);
    const kvm = new Kvm(nc);
    const kv = await kvm.create('settings');
    await kv.put('a', 'one');
    assert.equal((await kv.get('a'))?.string(), 'one');
  } finally {
    await nc.close();
  }
});
