// @platformatic/kafka against Wharf through the wire: it negotiates the newest versions (Produce
// v11, Fetch v16 by topic id, Metadata v12, ListOffsets v8, CreateTopics v7, DeleteTopics v6),
// produces with none/gzip/snappy/lz4 (zstd needs Node 22's zlib), fetches without a group, and
// administers topics and configs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { startTestBroker } from '../support/broker.js';
import type { Broker } from '../../src/index.js';

describe('@platformatic/kafka through the wire', () => {
  let broker: Broker;
  let admin: Admin;
  let producer: Producer<string, string, string, string>;
  let consumer: Consumer<string, string, string, string>;

  before(async () => {
    broker = await startTestBroker({ kafkaPort: 0, fsync: 'never' });
    const bootstrapBrokers = [`127.0.0.1:${broker.ports.kafka}`];
    admin = new Admin({ clientId: 'plat', bootstrapBrokers, retries: 0 });
    producer = new Producer({ clientId: 'plat', bootstrapBrokers, serializers: stringSerializers, retries: 0 });
    consumer = new Consumer({ clientId: 'plat', groupId: 'unused', bootstrapBrokers, deserializers: stringDeserializers, retries: 0 });
  });

  after(async () => {
    await producer?.close();
    await consumer?.close();
    await admin?.close();
    await broker?.close();
  });

  async function fetchAll(topic: string, partition: number, offset = 0n) {
    const md = await consumer.metadata({ topics: [topic], forceUpdate: true });
    const t = md.topics.get(topic)!;
    const res = await consumer.fetch({
      node: 1,
      maxWaitTime: 50,
      topics: [{ topicId: t.id, partitions: [{ partition, currentLeaderEpoch: 0, fetchOffset: offset, lastFetchedEpoch: -1, partitionMaxBytes: 1 << 20 }] }],
    });
    const p = res.responses[0]!.partitions[0]!;
    const records = [];
    for (const batch of (p.records ?? []) as any[]) {
      for (const r of batch.records) {
        records.push({
          offset: batch.firstOffset + BigInt(r.offsetDelta),
          key: r.key === null ? null : r.key.toString(),
          value: r.value === null ? null : r.value.toString(),
          headers: Object.fromEntries((r.headers as [Buffer, Buffer][]).map(([k, v]) => [k.toString(), v.toString()])),
        });
      }
    }
    return { errorCode: p.errorCode, highWatermark: p.highWatermark, logStartOffset: p.logStartOffset, records };
  }

  test('create topic (v7) returns id, partitions and configs', async () => {
    const created = await admin.createTopics({ topics: ['plat'], partitions: 2, replicas: 1, configs: [{ name: 'retention.ms', value: '86400000' }] });
    assert.equal(created.length, 1);
    assert.equal(created[0]!.partitions, 2);
    assert.equal(created[0]!.configuration['retention.ms'], '86400000');
    assert.match(created[0]!.id, /^[0-9a-f-]{36}$/);
    assert.ok((await admin.listTopics()).includes('plat'));
  });

  test('produce with each codec, fetch by topic id, records read back exactly', async () => {
    const codecs = ['none', 'gzip', 'snappy', 'lz4'] as const;
    for (const [i, compression] of codecs.entries()) {
      const res = await producer.send({
        compression,
        messages: [
          { topic: 'plat', partition: 1, key: `k-${compression}`, value: `v-${compression}`, headers: new Map([['codec', compression]]) },
          { topic: 'plat', partition: 1, value: `second-${compression}` },
        ],
      });
      assert.equal(res.offsets?.[0]?.offset, BigInt(i * 2));
    }
    const f = await fetchAll('plat', 1);
    assert.equal(f.errorCode, 0);
    assert.equal(f.highWatermark, 8n);
    assert.deepEqual(
      f.records.map((r) => [r.offset, r.key, r.value]),
      codecs.flatMap((c, i) => [
        [BigInt(i * 2), `k-${c}`, `v-${c}`],
        [BigInt(i * 2 + 1), null, `second-${c}`],
      ]),
    );
    assert.deepEqual(f.records[2]!.headers, { codec: 'gzip' });
    const from5 = await fetchAll('plat', 1, 5n);
    assert.equal(from5.records.find((r) => r.offset >= 5n)!.value, 'second-snappy');
  });

  test('list offsets: latest, earliest, max timestamp', async () => {
    const latest = await consumer.listOffsets({ topics: ['plat'] });
    assert.deepEqual(latest.get('plat'), [0n, 8n]);
    const earliest = await consumer.listOffsets({ topics: ['plat'], timestamp: -2n });
    assert.deepEqual(earliest.get('plat'), [0n, 0n]);
    const max = await consumer.listOffsetsWithTimestamps({ topics: ['plat'], timestamp: -3n });
    const p1 = max.get('plat')!.get(1)!;
    assert.ok(p1.offset >= 6n && p1.offset <= 7n, `max timestamp offset ${p1.offset}`);
    assert.deepEqual(max.get('plat')!.get(0), { offset: -1n, timestamp: -1n });
  });

  test('configs: describe, incremental append/delete, alter', async () => {
    const d = await admin.describeConfigs({ resources: [{ resourceType: 2, resourceName: 'plat', configurationKeys: ['retention.ms', 'cleanup.policy'] }] });
    const byName = Object.fromEntries(d[0]!.configs.map((c) => [c.name, c]));
    assert.equal(byName['retention.ms']!.value, '86400000');
    assert.equal(byName['retention.ms']!.configSource, 1);
    assert.equal(byName['cleanup.policy']!.configSource, 5);
    await admin.incrementalAlterConfigs({
      resources: [
        {
          resourceType: 2,
          resourceName: 'plat',
          configs: [
            { name: 'cleanup.policy', configOperation: 2, value: 'compact' },
            { name: 'retention.ms', configOperation: 1 },
          ],
        },
      ],
    });
    const d2 = await admin.describeConfigs({ resources: [{ resourceType: 2, resourceName: 'plat', configurationKeys: ['retention.ms', 'cleanup.policy'] }] });
    assert.deepEqual(Object.fromEntries(d2[0]!.configs.map((c) => [c.name, c.value])), { 'retention.ms': '604800000', 'cleanup.policy': 'delete,compact' });
    await assert.rejects(
      admin.incrementalAlterConfigs({ resources: [{ resourceType: 2, resourceName: 'plat', configs: [{ name: 'retention.ms', configOperation: 2, value: '5' }] }] }),
      (e: any) => JSON.stringify(e.errors?.[0] ?? e).includes('40') || /append is not allowed/.test(String(e?.errors?.[0]?.message ?? e.message)),
    );
  });

  test('create partitions, delete topic', async () => {
    await admin.createPartitions({ topics: [{ name: 'plat', count: 3 }] });
    const md = await consumer.metadata({ topics: ['plat'], forceUpdate: true });
    assert.equal(md.topics.get('plat')!.partitionsCount, 3);
    await admin.deleteTopics({ topics: ['plat'] });
    assert.ok(!(await admin.listTopics()).includes('plat'));
  });
});
