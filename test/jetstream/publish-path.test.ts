// The publish path through the wire (docs/jetstream.md 1.3), with a raw client so that a burst
// of publishes lands in one read event of the broker: the burst is split into batches and every
// publish gets its PubAck in order; publishes of one read see each other's in-flight state
// (expected last sequence, a duplicate Nats-Msg-Id); a no_ack stream stores without answering.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Broker } from '../../src/index.js';
import { startTestBroker } from '../support/broker.js';
import { RawNats } from './support/raw-nats.js';
import { buildRecordBatch } from '../../src/core/records/batch.js';
import { waitFor } from '../support/wait.js';

let broker: Broker;
let nc: RawNats;

before(async () => {
  broker = await startTestBroker();
  nc = await RawNats.open(broker.ports.nats);
});

after(async () => {
  nc?.close();
  await broker?.close();
});

const api = (subject: string, body: unknown): Promise<Record<string, unknown>> => nc.api(subject, body);

test('a burst of 5000 publishes in one write: split into batches, one PubAck each, in order', async () => {
  await api('$JS.API.STREAM.CREATE.BURST', { name: 'BURST', subjects: ['burst.*'] });
  const sid = nc.sub('_INBOX.burst');
  const payload = Buffer.alloc(1024, 0x61);
  const n = 5000;
  for (let i = 0; i < n; i++) nc.pub(`burst.${i % 7}`, '_INBOX.burst', payload, null);
  await nc.waitFor(() => nc.messages(sid).length >= n, 30_000);
  const seqs = nc.messages(sid).map((m) => (JSON.parse(m.payload.toString()) as { seq: number }).seq);
  assert.deepEqual(seqs, Array.from({ length: n }, (_, i) => i + 1));
  const info = await api('$JS.API.STREAM.INFO.BURST', {});
  assert.deepEqual([(info['state'] as { messages: number }).messages, (info['state'] as { bytes: number }).bytes], [n, n * (22 + 7 + 1024 + 8)]);
});

test('max_msgs_per_subject after a burst: each subject of the batch keeps its newest, subjects outside it are untouched', async () => {
  await api('$JS.API.STREAM.CREATE.PERSUBJ', { name: 'PERSUBJ', subjects: ['ps.*'], max_msgs_per_subject: 2 });
  const sid = nc.sub('_INBOX.persubj');
  // An earlier batch: ps.old twice and ps.a once.
  for (const s of ['ps.old', 'ps.old', 'ps.a']) nc.pub(s, '_INBOX.persubj', Buffer.from(s), null);
  await nc.waitFor(() => nc.messages(sid).length >= 3, 5_000);
  // One read event: ps.a, ps.b and ps.c repeated, the same subject several times in one batch.
  const burst = ['ps.a', 'ps.b', 'ps.a', 'ps.c', 'ps.b', 'ps.a', 'ps.b', 'ps.b', 'ps.c'];
  for (const s of burst) nc.pub(s, '_INBOX.persubj', Buffer.from(s), null);
  await nc.waitFor(() => nc.messages(sid).length >= 3 + burst.length, 5_000);
  const info = await api('$JS.API.STREAM.INFO.PERSUBJ', { subjects_filter: '>' });
  const state = info['state'] as { messages: number; subjects: Record<string, number>; first_seq: number };
  assert.deepEqual(state.subjects, { 'ps.old': 2, 'ps.a': 2, 'ps.b': 2, 'ps.c': 2 });
  assert.equal(state.messages, 8);
  // The newest two of ps.a are sequences 6 and 9 (3 + positions 3 and 6 of the burst).
  const last = await api('$JS.API.STREAM.MSG.GET.PERSUBJ', { last_by_subj: 'ps.a' });
  assert.equal((last['message'] as { seq: number }).seq, 9);
  const gone = await api('$JS.API.STREAM.MSG.GET.PERSUBJ', { seq: 4 });
  assert.equal((gone['error'] as { err_code: number }).err_code, 10037, 'ps.a at 4 was the oldest of three');
  const kept = await api('$JS.API.STREAM.MSG.GET.PERSUBJ', { seq: 6 });
  assert.equal((kept['message'] as { subject: string }).subject, 'ps.a');
});

test('publishes of one read see each other in flight: expected last sequence, duplicate ids', async () => {
  await api('$JS.API.STREAM.CREATE.INFLIGHT', { name: 'INFLIGHT', subjects: ['inflight'] });
  const sid = nc.sub('_INBOX.inflight');
  nc.pub('inflight', '_INBOX.inflight', Buffer.from('1'), [['Nats-Expected-Last-Sequence', '0']]);
  nc.pub('inflight', '_INBOX.inflight', Buffer.from('2'), [['Nats-Expected-Last-Sequence', '1'], ['Nats-Msg-Id', 'dup']]);
  nc.pub('inflight', '_INBOX.inflight', Buffer.from('2 again'), [['Nats-Msg-Id', 'dup']]);
  nc.pub('inflight', '_INBOX.inflight', Buffer.from('3'), [['Nats-Expected-Last-Sequence', '1']]);
  await nc.waitFor(() => nc.messages(sid).length >= 4, 5_000);
  const answers = nc.messages(sid).map((m) => JSON.parse(m.payload.toString()) as Record<string, unknown>);
  // In publish order, as nats-server answers them: the refusal, decided against sequence 2 while
  // it was in flight, waits for that batch to be durable (a reader after the refusal must see
  // sequence 2: test/reliability/regressions/kv-refused-update.test.ts).
  assert.deepEqual(answers, [
    { stream: 'INFLIGHT', seq: 1 },
    { stream: 'INFLIGHT', seq: 2 },
    { stream: 'INFLIGHT', seq: 2, duplicate: true },
    { error: { code: 400, err_code: 10071, description: 'wrong last sequence: 2' }, stream: 'INFLIGHT', seq: 0 },
  ]);
});

test('a no_ack stream stores publishes and answers none; headers are stored without the status line', async () => {
  await api('$JS.API.STREAM.CREATE.NOACK', { name: 'NOACK', subjects: ['noack'], no_ack: true });
  const sid = nc.sub('_INBOX.noack');
  nc.pub('noack', '_INBOX.noack', Buffer.from('x'), [['X-One', '1']]);
  await nc.flush();
  // Nothing answers a no_ack publish: the stream's state says when it is stored.
  await waitFor(async () => ((await api('$JS.API.STREAM.INFO.NOACK', {}))['state'] as { messages: number }).messages === 1, { what: 'the no_ack publish to be stored', timeoutMs: 10_000 });
  const got = await api('$JS.API.STREAM.MSG.GET.NOACK', { seq: 1 });
  assert.equal(nc.messages(sid).length, 0, 'no PubAck on a no_ack stream');
  const hdrs = Buffer.from((got['message'] as { hdrs: string }).hdrs, 'base64').toString();
  assert.equal(hdrs, 'NATS/1.0\r\nX-One: 1\r\n\r\n');
});

test('a JetStream domain: the API on $JS.<domain>.API, PubAcks name the domain', async () => {
  const b = await startTestBroker({ jsDomain: 'hub' });
  const c = await RawNats.open(b.ports.nats);
  try {
    const [created] = await c.request('$JS.hub.API.STREAM.CREATE.DOM', '_INBOX.dom.1', Buffer.from(JSON.stringify({ name: 'DOM', subjects: ['dom'] })), null, 1, 5_000);
    assert.equal((JSON.parse(created!.payload.toString()) as { config: { name: string } }).config.name, 'DOM');
    const [ack] = await c.request('dom', '_INBOX.dom.2', Buffer.from('x'), null, 1, 5_000);
    assert.equal(ack!.payload.toString(), '{"stream":"DOM","domain":"hub","seq":1}');
    const [info] = await c.request('$JS.API.INFO', '_INBOX.dom.3', Buffer.alloc(0), null, 1, 5_000);
    assert.equal((JSON.parse(info!.payload.toString()) as { domain: string }).domain, 'hub');
  } finally {
    c.close();
    await b.close();
  }
});

test('one order for core subscribers: a NATS publish behind a Kafka append still in flight is delivered after it', async () => {
  await api('$JS.API.STREAM.CREATE.ORD', { name: 'ORD', subjects: ['ord.*'] });
  const sid = nc.sub('ord.*');
  await nc.flush();
  const part = broker.log.partition('ORD', 0);
  const batch = buildRecordBatch({ records: [{ key: 'ord.k', value: 'from kafka' }] });
  const check = part.appendCheck;
  assert.ok(check !== null, 'a stream topic has an append check');
  assert.equal(await check.check(batch), null);
  // The Kafka append is issued (offset 0) but not durable yet when the NATS publish arrives.
  const appended = part.append(batch);
  broker.router.publish('ord.n', undefined, 0, Buffer.from('from nats'), null);
  await appended;
  await nc.waitFor(() => nc.messages(sid).length >= 2, 5_000);
  await nc.flush();
  assert.deepEqual(nc.messages(sid).map((m) => `${m.subject}=${m.payload.toString()}`), ['ord.k=from kafka', 'ord.n=from nats']);
  const [got] = await nc.request('$JS.API.STREAM.MSG.GET.ORD', '_INBOX.ord', Buffer.from('{"seq":2}'), null, 1, 5_000);
  assert.equal((JSON.parse(got!.payload.toString()) as { message: { subject: string } }).message.subject, 'ord.n', 'the log has the same order');
});

test("a stream's publishes reach the log as batches it built (not checked again); Kafka appends are checked", async () => {
  // docs/jetstream.md 1.21: the BatchBuilder's batch goes to Partition.append with built: true,
  // which skips the structure and CRC-32C check a producer's batch gets.
  await api('$JS.API.STREAM.CREATE.BUILT', { name: 'BUILT', subjects: ['built.*'] });
  const part = broker.log.partition('BUILT', 0);
  const seen: Array<boolean | undefined> = [];
  const original = part.append.bind(part);
  part.append = (batches, opts = {}) => {
    seen.push(opts.built);
    return original(batches, opts);
  };
  try {
    const sid = nc.sub('_INBOX.built');
    for (let i = 0; i < 3; i++) nc.pub(`built.${i}`, '_INBOX.built', Buffer.from(`m${i}`), null);
    await nc.waitFor(() => nc.messages(sid).length >= 3, 5_000);
    assert.deepEqual(nc.messages(sid).map((m) => (JSON.parse(m.payload.toString()) as { seq: number }).seq), [1, 2, 3]);
    assert.ok(seen.length >= 1 && seen.every((b) => b === true), `every publish batch is built: ${JSON.stringify(seen)}`);
    // A Kafka producer's batch with a broken CRC is still refused on the same topic.
    const bad = buildRecordBatch({ records: [{ key: 'built.k', value: 'kafka' }] });
    bad[bad.length - 2]! ^= 0xff;
    await assert.rejects(original(bad), /CRC/);
  } finally {
    part.append = original;
  }
});
