// The one data plane (issue 11's contract, README "One data plane"), point by point, with
// nats.js 2.x on the NATS side and kafkajs (and @platformatic/kafka for one point) on the
// Kafka side, against one broker:
//  1. a stream S is topic S, one partition; sequence n is offset n - 1; a NATS publish is a
//     record with key = subject, value = payload, headers = NATS headers, the stream's time;
//  2. a record produced over Kafka to a stream topic is a NATS message on the subject of its
//     key, for JetStream readers and for core subscribers, live and in log order;
//  3. a key that is no subject of the stream is refused, or seen on wharf.nats.foreign-subject;
//  4. a topic created over Kafka with wharf.nats.subjects is a stream capturing those subjects;
//  5. deleting either deletes both;
//  6. stream limits and Kafka retention configs are two views of the same settings;
//  7. Kafka consumer groups and the stream are independent;
//  8. Nats-Msg-Id dedupe and Kafka idempotence both hold on the same topic.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import * as nats from 'nats';
import { Producer as PlatProducer, stringSerializers } from '@platformatic/kafka';
import type { Broker } from '../../src/index.js';
import { startTestBroker } from '../support/broker.js';
import { kafkaClient } from '../kafka/support/kafkajs.js';
import { waitFor } from '../support/wait.js';
import { execFile } from 'node:child_process';
import { findPeer } from '../support/peers.js';

let broker: Broker;
let nc: nats.NatsConnection;
let jsm: nats.JetStreamManager;
let js: nats.JetStreamClient;
const sc = nats.StringCodec();

before(async () => {
  broker = await startTestBroker({ kafkaPort: 0, groupInitialRebalanceDelay: 0 });
  nc = await nats.connect({ servers: `127.0.0.1:${broker.ports.nats}` });
  jsm = await nc.jetstreamManager();
  js = nc.jetstream();
});

after(async () => {
  await nc?.close();
  await broker?.close();
});

const kafka = () => kafkaClient(broker.ports.kafka, 'cross');

interface Seen {
  offset: number;
  key: string | null;
  value: string;
  headers: Record<string, string>;
  timestamp: number;
}

/** Reads a topic from the beginning with a kafkajs consumer group until `n` records arrived. */
async function consume(topic: string, n: number, group = `g-${topic}-${Math.random()}`): Promise<Seen[]> {
  const consumer = kafka().consumer({ groupId: group, sessionTimeout: 10_000, heartbeatInterval: 500 });
  const seen: Seen[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push({
          offset: Number(message.offset),
          key: message.key === null ? null : message.key.toString(),
          value: message.value?.toString() ?? '',
          headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
          timestamp: Number(message.timestamp),
        });
      },
    });
    await waitFor(() => seen.length >= n, { what: `${n} records of ${topic} over Kafka`, timeoutMs: 20_000, detail: () => `got ${seen.length}` });
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

test('1. a stream is a one-partition topic; NATS publishes are records: key subject, value payload, headers, sequence = offset + 1, the stream time', async () => {
  await jsm.streams.add({ name: 'C1', subjects: ['c1.>'] });
  const admin = kafka().admin();
  await admin.connect();
  try {
    const md = await admin.fetchTopicMetadata({ topics: ['C1'] });
    assert.equal(md.topics[0]!.partitions.length, 1);
  } finally {
    await admin.disconnect();
  }
  const h = nats.headers();
  h.append('X-A', '1');
  h.append('X-A', '2');
  h.set('X-B', 'b');
  const acks = [await js.publish('c1.a', sc.encode('first'), { headers: h }), await js.publish('c1.b', sc.encode('second')), await js.publish('c1.a', sc.encode('third'))];
  const records = await consume('C1', 3);
  assert.deepEqual(
    records.map((r) => [r.offset, r.key, r.value]),
    acks.map((a, i) => [a.seq - 1, ['c1.a', 'c1.b', 'c1.a'][i], ['first', 'second', 'third'][i]]),
  );
  assert.equal(records[0]!.headers['X-B'], 'b');
  assert.ok('X-A' in records[0]!.headers, 'the repeated header is a record header');
  assert.deepEqual(records[1]!.headers, {});
  const stored = await jsm.streams.getMessage('C1', { seq: 1 });
  assert.equal(records[0]!.timestamp, stored.time.getTime(), 'the record timestamp is the stream time (LogAppendTime)');
});

test('2. Kafka records on a stream topic are NATS messages: JetStream reads them, core subscribers get them live, in log order', async () => {
  await jsm.streams.add({ name: 'C2', subjects: ['c2.*'] });
  const got: string[] = [];
  const sub = nc.subscribe('c2.*', { callback: (_e, m) => got.push(`${m.subject}=${sc.decode(m.data)}${m.headers?.get('K') ? `+K:${m.headers.get('K')}` : ''}`) });
  await nc.flush();
  const producer = kafka().producer();
  await producer.connect();
  try {
    await producer.send({ topic: 'C2', messages: [{ key: 'c2.k', value: 'from kafka', headers: { K: 'v' } }] });
    await js.publish('c2.n', sc.encode('from nats'));
    await producer.send({ topic: 'C2', messages: [{ key: 'c2.k', value: 'kafka again' }] });
    await js.publish('c2.n', sc.encode('nats again'));
  } finally {
    await producer.disconnect();
  }
  await waitFor(() => got.length >= 4, { what: 'four messages on c2.* for the core subscriber', timeoutMs: 10_000, detail: () => JSON.stringify(got) });
  await nc.flush();
  sub.unsubscribe();
  assert.deepEqual(got, ['c2.k=from kafka+K:v', 'c2.n=from nats', 'c2.k=kafka again', 'c2.n=nats again']);
  const m = await jsm.streams.getMessage('C2', { seq: 1 });
  assert.equal(m.subject, 'c2.k');
  assert.equal(sc.decode(m.data), 'from kafka');
  assert.equal(m.header.get('K'), 'v');
  const info = await jsm.streams.info('C2', { subjects_filter: '>' });
  assert.deepEqual(info.state.subjects, { 'c2.k': 2, 'c2.n': 2 });
  // Pipelined NATS publishes and a Kafka batch interleave in one order for every reader.
  const order = await consume('C2', 4);
  assert.deepEqual(order.map((r) => r.key), ['c2.k', 'c2.n', 'c2.k', 'c2.n']);
});

test('3. a record key that is no subject of the stream is refused; with wharf.nats.foreign-subject it is seen there with Kafka-Key', async () => {
  await jsm.streams.add({ name: 'C3', subjects: ['c3.>'] });
  const producer = kafka().producer({ retry: { retries: 0 } });
  await producer.connect();
  try {
    const invalidRecord = (e: unknown): boolean => (e as { type?: string }).type === 'INVALID_RECORD';
    await assert.rejects(producer.send({ topic: 'C3', messages: [{ key: 'not-a-subject-of-C3', value: 'x' }] }), invalidRecord);
    await assert.rejects(producer.send({ topic: 'C3', messages: [{ key: null, value: 'x' }] }), invalidRecord);
    await assert.rejects(producer.send({ topic: 'C3', messages: [{ key: 'c3.a', value: 'x', headers: { 'Nats-Stream-Source': 'forged' } }] }), invalidRecord);
    assert.equal((await jsm.streams.info('C3')).state.messages, 0, 'nothing refused was stored');
    // Discard-new limits refuse a Kafka batch whole.
    await jsm.streams.add({ name: 'C3N', subjects: ['c3n'], max_msgs: 1, discard: nats.DiscardPolicy.New });
    await assert.rejects(producer.send({ topic: 'C3N', messages: [{ key: 'c3n', value: '1' }, { key: 'c3n', value: '2' }] }), (e: unknown) => (e as { type?: string }).type === 'POLICY_VIOLATION');
    assert.equal((await jsm.streams.info('C3N')).state.messages, 0);
    const admin = kafka().admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: 'C3F', configEntries: [{ name: 'wharf.nats.subjects', value: 'c3f.>' }, { name: 'wharf.nats.foreign-subject', value: 'c3f.foreign' }] }] });
    } finally {
      await admin.disconnect();
    }
    await producer.send({ topic: 'C3F', messages: [{ key: 'plain key', value: 'kept' }] });
  } finally {
    await producer.disconnect();
  }
  const m = await jsm.streams.getMessage('C3F', { seq: 1 });
  assert.equal(m.subject, 'c3f.foreign');
  assert.equal(m.header.get('Kafka-Key'), Buffer.from('plain key').toString('base64'));
  assert.equal(sc.decode(m.data), 'kept');
});

test('4. a topic created over Kafka with wharf.nats.subjects is a stream capturing them', async () => {
  const admin = kafka().admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic: 'C4', configEntries: [{ name: 'wharf.nats.subjects', value: 'c4.a,c4.b.*' }, { name: 'retention.ms', value: '3600000' }] }] });
    // A second topic whose subjects overlap is refused, as a second stream would be.
    await assert.rejects(admin.createTopics({ topics: [{ topic: 'C4X', configEntries: [{ name: 'wharf.nats.subjects', value: 'c4.>' }] }] }));
    await assert.rejects(admin.createTopics({ topics: [{ topic: 'C4P', numPartitions: 3, configEntries: [{ name: 'wharf.nats.subjects', value: 'c4p.>' }] }] }));
  } finally {
    await admin.disconnect();
  }
  const si = await jsm.streams.info('C4');
  assert.deepEqual(si.config.subjects, ['c4.a', 'c4.b.*']);
  assert.equal(si.config.max_age, 3600 * 1e9);
  const ack = await js.publish('c4.b.x', sc.encode('captured'));
  assert.deepEqual([ack.stream, ack.seq], ['C4', 1]);
  const records = await consume('C4', 1);
  assert.deepEqual([records[0]!.key, records[0]!.value], ['c4.b.x', 'captured']);
});

test('5. deleting the stream deletes the topic, and deleting the topic deletes the stream', async () => {
  await jsm.streams.add({ name: 'C5A', subjects: ['c5a'] });
  await jsm.streams.add({ name: 'C5B', subjects: ['c5b'] });
  const admin = kafka().admin();
  await admin.connect();
  try {
    assert.ok((await admin.listTopics()).includes('C5A'));
    await jsm.streams.delete('C5A');
    assert.ok(!(await admin.listTopics()).includes('C5A'));
    await admin.deleteTopics({ topics: ['C5B'] });
  } finally {
    await admin.disconnect();
  }
  await assert.rejects(jsm.streams.info('C5B'), (e: unknown) => (e as { api_error?: { err_code?: number } }).api_error?.err_code === 10059);
  // And the subject is no longer captured: a request on it has no responders.
  await assert.rejects(nc.request('c5b', sc.encode('x'), { timeout: 2_000 }), (e: unknown) => (e as { code?: string }).code === '503');
});

test('6. stream limits and Kafka retention configs are two views of the same settings', async () => {
  await jsm.streams.add({ name: 'C6', subjects: ['c6'], max_age: 7200 * 1e9, max_bytes: 1 << 20 });
  const admin = kafka().admin();
  await admin.connect();
  try {
    const describe = async (): Promise<Record<string, string>> => {
      const r = await admin.describeConfigs({ resources: [{ type: 2, name: 'C6' }], includeSynonyms: false });
      return Object.fromEntries(r.resources[0]!.configEntries.map((c) => [c.configName, c.configValue]));
    };
    const before = await describe();
    assert.equal(before['retention.ms'], '7200000');
    assert.equal(before['retention.bytes'], String(1 << 20));
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: 'C6', configEntries: [{ name: 'retention.ms', value: '60000' }, { name: 'retention.bytes', value: '-1' }, { name: 'wharf.jetstream.config', value: before['wharf.jetstream.config']! }, { name: 'wharf.nats.subjects', value: 'c6' }] }] });
  } finally {
    await admin.disconnect();
  }
  const si = await jsm.streams.info('C6');
  assert.equal(si.config.max_age, 60 * 1e9);
  assert.equal(si.config.max_bytes, -1);
  const up = await jsm.streams.update('C6', { ...si.config, max_age: 30 * 1e9, duplicate_window: 30 * 1e9 });
  assert.equal(up.config.max_age, 30 * 1e9);
  const admin2 = kafka().admin();
  await admin2.connect();
  try {
    const r = await admin2.describeConfigs({ resources: [{ type: 2, name: 'C6' }], includeSynonyms: false });
    assert.equal(r.resources[0]!.configEntries.find((c) => c.configName === 'retention.ms')?.configValue, '30000');
  } finally {
    await admin2.disconnect();
  }
});

test('7. a Kafka consumer group reading a stream changes nothing of the stream', async () => {
  await jsm.streams.add({ name: 'C7', subjects: ['c7'] });
  for (let i = 0; i < 3; i++) await js.publish('c7', sc.encode(`m${i}`));
  const records = await consume('C7', 3, 'group-c7');
  assert.equal(records.length, 3);
  const si = await jsm.streams.info('C7');
  assert.deepEqual([si.state.messages, si.state.first_seq, si.state.last_seq], [3, 1, 3]);
});

test('8. Nats-Msg-Id dedupe and the idempotent Kafka producer both hold on one topic', async () => {
  await jsm.streams.add({ name: 'C8', subjects: ['c8.*'] });
  const producer = kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    await producer.send({ topic: 'C8', messages: [{ key: 'c8.k', value: 'k1', headers: { 'Nats-Msg-Id': 'from-kafka' } }] });
    const first = await js.publish('c8.n', sc.encode('n1'), { msgID: 'from-nats' });
    const dupN = await js.publish('c8.n', sc.encode('n1 again'), { msgID: 'from-nats' });
    assert.deepEqual([dupN.seq, dupN.duplicate], [first.seq, true]);
    // A record produced over Kafka with a Nats-Msg-Id takes that id in the duplicate window.
    const dupK = await js.publish('c8.n', sc.encode('k1 again'), { msgID: 'from-kafka' });
    assert.deepEqual([dupK.seq, dupK.duplicate], [1, true]);
    await producer.send({ topic: 'C8', messages: [{ key: 'c8.k', value: 'k2' }] });
  } finally {
    await producer.disconnect();
  }
  const si = await jsm.streams.info('C8');
  assert.equal(si.state.messages, 3);
  const records = await consume('C8', 3);
  assert.deepEqual(records.map((r) => r.value), ['k1', 'n1', 'k2']);
});

test('2b. @platformatic/kafka: records it produces reach core NATS subscribers and the stream', async () => {
  await jsm.streams.add({ name: 'C9', subjects: ['c9.>'] });
  const got: string[] = [];
  const sub = nc.subscribe('c9.>', { callback: (_e, m) => got.push(`${m.subject}=${sc.decode(m.data)}`) });
  await nc.flush();
  const producer = new PlatProducer({ clientId: 'plat', bootstrapBrokers: [`127.0.0.1:${broker.ports.kafka}`], serializers: stringSerializers, retries: 0 });
  try {
    await producer.send({ messages: [{ topic: 'C9', key: 'c9.x', value: 'p1', partition: 0 }, { topic: 'C9', key: 'c9.y', value: 'p2', partition: 0 }] });
  } finally {
    await producer.close();
  }
  await waitFor(() => got.length >= 2, { what: 'two messages on c9.> for the core subscriber', timeoutMs: 10_000, detail: () => JSON.stringify(got) });
  await nc.flush();
  sub.unsubscribe();
  assert.deepEqual(got, ['c9.x=p1', 'c9.y=p2']);
  assert.equal((await jsm.streams.info('C9')).state.messages, 2);
});

test('1b. a mirror keeps its origin\'s sequences: the origin\'s gaps are filler batches Kafka consumers step over', async () => {
  await jsm.streams.add({ name: 'ORIG', subjects: ['orig.*'] });
  for (const s of ['orig.a', 'orig.b', 'orig.c', 'orig.d']) await js.publish(s, sc.encode(s));
  await jsm.streams.deleteMessage('ORIG', 2);
  await jsm.streams.deleteMessage('ORIG', 3);
  await jsm.streams.add({ name: 'MIRR', mirror: { name: 'ORIG' } });
  await waitFor(async () => (await jsm.streams.info('MIRR')).state.last_seq === 4, { what: 'the mirror caught up with its origin' });
  const m = await jsm.streams.getMessage('MIRR', { seq: 4 });
  assert.equal(m.subject, 'orig.d');
  const info = await jsm.streams.info('MIRR', { deleted_details: true });
  assert.deepEqual([info.state.messages, info.state.deleted], [2, [2, 3]]);
  // Over Kafka: offsets 0 and 3 are records, 1-2 one empty batch that kafkajs steps over.
  const records = await consume('MIRR', 2);
  assert.deepEqual(records.map((r) => [r.offset, r.key]), [[0, 'orig.a'], [3, 'orig.d']]);
  // And librdkafka (kcat), when it is installed.
  const kcat = findPeer('kcat');
  if (kcat !== undefined) {
    const out = await new Promise<string>((resolve, reject) =>
      execFile(kcat, ['-b', `127.0.0.1:${broker.ports.kafka}`, '-C', '-t', 'MIRR', '-p', '0', '-o', 'beginning', '-e', '-f', '%o|%k|%s\n'], { timeout: 30_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout))),
    );
    assert.deepEqual(out.trim().split('\n'), ['0|orig.a|orig.a', '3|orig.d|orig.d']);
  }
});

test('6b. DeleteRecords over Kafka moves the stream\'s first sequence; a stream topic cannot be compacted', async () => {
  await jsm.streams.add({ name: 'C6B', subjects: ['c6b'] });
  for (let i = 0; i < 4; i++) await js.publish('c6b', sc.encode(`m${i}`));
  const admin = kafka().admin();
  await admin.connect();
  try {
    await admin.fetchTopicMetadata({ topics: ['C6B'] });
    await admin.deleteTopicRecords({ topic: 'C6B', partitions: [{ partition: 0, offset: '2' }] });
    await assert.rejects(admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: 'C6B', configEntries: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'wharf.nats.subjects', value: 'c6b' }] }] }));
  } finally {
    await admin.disconnect();
  }
  const si = await jsm.streams.info('C6B');
  assert.deepEqual([si.state.first_seq, si.state.messages], [3, 2]);
  await assert.rejects(jsm.streams.getMessage('C6B', { seq: 2 }), (e: unknown) => (e as { api_error?: { err_code?: number } }).api_error?.err_code === 10037);
});
