// kafkajs 2.2.4 against Wharf's Kafka listener, through the wire: produce (plain, gzip, acks
// 0/1/-1, headers, keys), fetch (limits, long poll, out of range), offsets by timestamp,
// and the admin APIs (topics, partitions, configs, delete records, cluster).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Admin, Producer } from 'kafkajs';
import { startTestBroker } from '../support/broker.js';
import type { Broker } from '../../src/index.js';
import { CompressionTypes, kafkaClient, rawKafkajs, type RawKafkajs } from './support/kafkajs.js';

async function rejects(p: Promise<unknown>, type: string): Promise<any> {
  try {
    await p;
  } catch (e) {
    const types: string[] = [];
    const walk = (x: any, depth: number): void => {
      if (!x || depth > 5) return;
      if (typeof x.type === 'string') types.push(x.type);
      for (const inner of [x.originalError, x.cause, x.error, ...(Array.isArray(x.errors) ? x.errors : [])]) walk(inner, depth + 1);
    };
    walk(e, 0);
    if (!types.includes(type)) assert.fail(`expected ${type}, got ${types.join(',') || String(e)}`);
    return e;
  }
  assert.fail(`expected ${type}, but it succeeded`);
}

describe('kafkajs 2.2.4 through the wire', () => {
  let broker: Broker;
  let admin: Admin;
  let producer: Producer;
  let raw: RawKafkajs;

  before(async () => {
    broker = await startTestBroker({ kafkaPort: 0, fsync: 'never' });
    const kafka = kafkaClient(broker.ports.kafka);
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    raw = await rawKafkajs(kafka);
  });

  after(async () => {
    await raw?.close();
    await producer?.disconnect();
    await admin?.disconnect();
    await broker?.close();
  });

  test('create a topic, produce keyed records with headers, fetch them back', async () => {
    assert.equal(await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }] }), true);
    const meta = await admin.fetchTopicMetadata({ topics: ['orders'] });
    assert.equal(meta.topics[0]!.partitions.length, 3);
    assert.deepEqual(meta.topics[0]!.partitions.map((p) => p.leader), [1, 1, 1]);
    const res = await producer.send({
      topic: 'orders',
      messages: [
        { partition: 1, key: 'k1', value: 'v1', headers: { h: 'x' } },
        { partition: 1, key: null, value: 'v2' },
        { partition: 1, key: 'k3', value: null },
      ],
    });
    assert.equal(res.length, 1);
    assert.equal(res[0]!.baseOffset, '0');
    assert.equal(res[0]!.errorCode, 0);
    const again = await producer.send({ topic: 'orders', messages: [{ partition: 1, value: 'v4' }] });
    assert.equal(again[0]!.baseOffset, '3');
    const f = await raw.fetch({ topic: 'orders', partition: 1, offset: 0 });
    assert.equal(f.errorCode, 0);
    assert.equal(f.highWatermark, '4');
    assert.deepEqual(
      f.records.map((r) => [r.offset, r.key, r.value]),
      [
        ['0', 'k1', 'v1'],
        ['1', null, 'v2'],
        ['2', 'k3', null],
        ['3', null, 'v4'],
      ],
    );
    assert.deepEqual(f.records[0]!.headers, { h: 'x' });
    const empty = await raw.fetch({ topic: 'orders', partition: 0, offset: 0 });
    assert.equal(empty.highWatermark, '0');
    assert.equal(empty.records.length, 0);
  });

  test('gzip batches are stored and returned as sent', async () => {
    const values = Array.from({ length: 50 }, (_, i) => `gzip-${i}-${'x'.repeat(i)}`);
    await producer.send({ topic: 'gz', compression: CompressionTypes.GZIP, messages: values.map((value) => ({ value })) });
    const f = await raw.fetch({ topic: 'gz', partition: 0, offset: 0 });
    assert.deepEqual(
      f.records.map((r) => r.value),
      values,
    );
    assert.equal(f.records.at(-1)!.offset, '49');
  });

  test('acks=0 gets no response and the records are stored; acks=-1 is acknowledged', async () => {
    await admin.createTopics({ topics: [{ topic: 'acks' }] });
    const r0 = await producer.send({ topic: 'acks', acks: 0, messages: [{ value: 'a' }, { value: 'b' }] });
    assert.deepEqual(r0, []);
    const r1 = await producer.send({ topic: 'acks', acks: -1, messages: [{ value: 'c' }] });
    assert.equal(r1[0]!.baseOffset, '2');
    const offsets = await admin.fetchTopicOffsets('acks');
    assert.deepEqual(offsets.map((o) => [o.low, o.high]), [['0', '3']]);
  });

  test('long poll: a fetch with no data waits and is woken by a produce', async () => {
    await admin.createTopics({ topics: [{ topic: 'poll' }] });
    const t0 = Date.now();
    const idle = await raw.fetch({ topic: 'poll', partition: 0, offset: 0, maxWaitTime: 300 });
    const idleMs = Date.now() - t0;
    assert.equal(idle.records.length, 0);
    assert.ok(idleMs >= 250, `returned after ${idleMs}ms, max wait was 300ms`);
    const t1 = Date.now();
    setTimeout(() => void producer.send({ topic: 'poll', messages: [{ value: 'wake' }] }), 150);
    const woken = await raw.fetch({ topic: 'poll', partition: 0, offset: 0, maxWaitTime: 5_000 });
    const wokenMs = Date.now() - t1;
    assert.deepEqual(woken.records.map((r) => r.value), ['wake']);
    assert.ok(wokenMs < 2_000, `woken after ${wokenMs}ms`);
  });

  test('fetch limits: partition_max_bytes still returns the first whole batch', async () => {
    await admin.createTopics({ topics: [{ topic: 'limits' }] });
    for (let i = 0; i < 3; i++) await producer.send({ topic: 'limits', messages: [{ value: 'y'.repeat(2000) }] });
    const one = await raw.fetch({ topic: 'limits', partition: 0, offset: 0, partitionMaxBytes: 10 });
    assert.equal(one.records.length, 1);
    const two = await raw.fetch({ topic: 'limits', partition: 0, offset: 0, partitionMaxBytes: 4500 });
    assert.equal(two.records.length, 2);
    const all = await raw.fetch({ topic: 'limits', partition: 0, offset: 1 });
    assert.deepEqual(all.records.map((r) => r.offset), ['1', '2']);
  });

  test('fetch beyond the high watermark is OFFSET_OUT_OF_RANGE', async () => {
    await rejects(raw.fetch({ topic: 'limits', partition: 0, offset: 99 }), 'OFFSET_OUT_OF_RANGE');
  });

  test('offsets: earliest, latest, by timestamp; delete records moves the low watermark', async () => {
    await admin.createTopics({ topics: [{ topic: 'times' }] });
    const base = Date.now() - 60_000;
    for (let i = 0; i < 5; i++) await producer.send({ topic: 'times', messages: [{ value: `t${i}`, timestamp: String(base + i * 1000) }] });
    assert.deepEqual(await admin.fetchTopicOffsetsByTimestamp('times', base + 2500), [{ partition: 0, offset: '3' }]);
    assert.deepEqual(await admin.fetchTopicOffsetsByTimestamp('times', base), [{ partition: 0, offset: '0' }]);
    // Past every record: Kafka answers -1, which kafkajs turns into the latest offset.
    const future = await admin.fetchTopicOffsetsByTimestamp('times', Date.now() + 3_600_000);
    assert.ok(['-1', '5'].includes(future[0]!.offset), future[0]!.offset);
    await admin.deleteTopicRecords({ topic: 'times', partitions: [{ partition: 0, offset: '2' }] });
    assert.deepEqual((await admin.fetchTopicOffsets('times')).map((o) => [o.low, o.high]), [['2', '5']]);
    await rejects(raw.fetch({ topic: 'times', partition: 0, offset: 1 }), 'OFFSET_OUT_OF_RANGE');
    const f = await raw.fetch({ topic: 'times', partition: 0, offset: 2 });
    assert.equal(f.records[0]!.value, 't2');
  });

  test('create topics: errors carry the right Kafka codes', async () => {
    await admin.createTopics({ topics: [{ topic: 'dup' }] });
    // kafkajs reads TOPIC_ALREADY_EXISTS as "nothing created" (false) rather than an error.
    assert.equal(await admin.createTopics({ topics: [{ topic: 'dup' }] }), false);
    await rejects(admin.createTopics({ topics: [{ topic: 'bad/name' }] }), 'INVALID_TOPIC_EXCEPTION');
    await rejects(admin.createTopics({ topics: [{ topic: 'rf3', replicationFactor: 3 }] }), 'INVALID_REPLICATION_FACTOR');
    await rejects(admin.createTopics({ topics: [{ topic: 'cfg', configEntries: [{ name: 'retention.ms', value: 'soon' }] }] }), 'INVALID_CONFIG');
    await rejects(admin.createTopics({ topics: [{ topic: 'cfg2', configEntries: [{ name: 'no.such.config', value: '1' }] }] }), 'INVALID_CONFIG');
    assert.equal(await admin.createTopics({ validateOnly: true, waitForLeaders: false, topics: [{ topic: 'dry', numPartitions: 2 }] }), true);
    assert.ok(!(await admin.listTopics()).includes('dry'));
  });

  test('partitions, configs, delete topics, describe cluster', async () => {
    await admin.createTopics({ topics: [{ topic: 'grow', numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '3600000' }] }] });
    await admin.createPartitions({ topicPartitions: [{ topic: 'grow', count: 4 }] });
    assert.equal((await admin.fetchTopicMetadata({ topics: ['grow'] })).topics[0]!.partitions.length, 4);
    await rejects(admin.createPartitions({ topicPartitions: [{ topic: 'grow', count: 2 }] }), 'INVALID_PARTITIONS');
    await rejects(admin.createPartitions({ topicPartitions: [{ topic: 'nope', count: 2 }] }), 'UNKNOWN_TOPIC_OR_PARTITION');

    const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: 'grow', configNames: ['retention.ms', 'cleanup.policy', 'max.message.bytes'] }] });
    const entries = Object.fromEntries(described.resources[0]!.configEntries.map((c) => [c.configName, c.configValue]));
    assert.deepEqual(entries, { 'retention.ms': '3600000', 'cleanup.policy': 'delete', 'max.message.bytes': '1048588' });
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: 'grow', configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] });
    const after = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: 'grow', configNames: ['retention.ms', 'cleanup.policy'] }] });
    // AlterConfigs replaces the whole set: retention.ms goes back to its default.
    assert.deepEqual(Object.fromEntries(after.resources[0]!.configEntries.map((c) => [c.configName, c.configValue])), { 'retention.ms': '604800000', 'cleanup.policy': 'compact' });
    await rejects(admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: 'grow', configEntries: [{ name: 'segment.bytes', value: '-5' }] }] }), 'INVALID_CONFIG');
    const brokerCfg = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 4, name: '1', configNames: ['num.partitions', 'auto.create.topics.enable'] }] });
    assert.deepEqual(Object.fromEntries(brokerCfg.resources[0]!.configEntries.map((c) => [c.configName, c.configValue])), { 'num.partitions': '1', 'auto.create.topics.enable': 'true' });

    const cluster = await admin.describeCluster();
    assert.equal(cluster.controller, 1);
    assert.deepEqual(cluster.brokers, [{ nodeId: 1, host: '127.0.0.1', port: broker.ports.kafka }]);
    assert.equal(cluster.clusterId.length, 22);

    await admin.deleteTopics({ topics: ['grow'] });
    assert.ok(!(await admin.listTopics()).includes('grow'));
    await rejects(admin.deleteTopics({ topics: ['grow'] }), 'UNKNOWN_TOPIC_OR_PARTITION');
  });

  test('a batch over max.message.bytes is MESSAGE_TOO_LARGE and nothing is stored', async () => {
    await admin.createTopics({ topics: [{ topic: 'small', configEntries: [{ name: 'max.message.bytes', value: '1000' }] }] });
    await rejects(producer.send({ topic: 'small', messages: [{ value: 'z'.repeat(5000) }] }), 'MESSAGE_TOO_LARGE');
    await producer.send({ topic: 'small', messages: [{ value: 'ok' }] });
    assert.deepEqual((await admin.fetchTopicOffsets('small')).map((o) => o.high), ['1']);
  });
});

describe('kafkajs with auto.create.topics.enable=false', () => {
  test('producing to an unknown topic fails with UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const broker = await startTestBroker({ kafkaPort: 0, autoCreateTopics: false, fsync: 'never' });
    const kafka = kafkaClient(broker.ports.kafka);
    const producer = kafka.producer({ allowAutoTopicCreation: true, retry: { retries: 0 } });
    try {
      await producer.connect();
      await rejects(producer.send({ topic: 'missing', messages: [{ value: 'x' }] }), 'UNKNOWN_TOPIC_OR_PARTITION');
      assert.equal(broker.log.hasTopic('missing'), false);
    } finally {
      await producer.disconnect();
      await broker.close();
    }
  });
});
