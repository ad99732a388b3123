// One data plane for JetStream consumers: records produced over Kafka (kafkajs) into the topic
// of a stream reach a JetStream consumer as messages on the subject of their key, with their
// headers, in log order with the NATS publishes; and a Kafka consumer group and a JetStream
// consumer on the same stream are independent (acks move nothing of the group, commits nothing
// of the consumer).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AckPolicy, connect, StringCodec } from 'nats';
import { startWharf } from '../support/wharf.js';
import { freePort } from '../support/net.js';
import { kafkaClient } from '../kafka/support/kafkajs.js';

const sc = StringCodec();

test('Kafka records in a stream reach a JetStream consumer; a Kafka group and a JetStream consumer are independent', { timeout: 90_000 }, async () => {
  const w = await startWharf({ kafkaPort: await freePort() });
  const nc = await connect({ servers: `127.0.0.1:${w.port}` });
  const kafka = kafkaClient(w.kafkaPort!);
  const producer = kafka.producer();
  const group = kafka.consumer({ groupId: 'g1' });
  try {
    const jsm = await nc.jetstreamManager();
    const js = nc.jetstream();
    await jsm.streams.add({ name: 'ORDERS', subjects: ['orders.>'] });
    await jsm.consumers.add('ORDERS', { durable_name: 'C', ack_policy: AckPolicy.Explicit, filter_subject: 'orders.>' });
    await js.publish('orders.nats.1', sc.encode('n1'));
    await producer.connect();
    await producer.send({ topic: 'ORDERS', messages: [{ key: 'orders.kafka.1', value: 'k1', headers: { 'X-Trace': 'abc' } }, { key: 'orders.kafka.2', value: 'k2' }] });
    await js.publish('orders.nats.2', sc.encode('n2'));
    const c = await js.consumers.get('ORDERS', 'C');
    const got: Array<[number, string, string, string | undefined]> = [];
    for await (const m of await c.fetch({ max_messages: 4, expires: 3_000 })) {
      got.push([m.seq, m.subject, sc.decode(m.data), m.headers?.get('X-Trace') || undefined]);
      await m.ackAck();
    }
    assert.deepEqual(got, [
      [1, 'orders.nats.1', 'n1', undefined],
      [2, 'orders.kafka.1', 'k1', 'abc'],
      [3, 'orders.kafka.2', 'k2', undefined],
      [4, 'orders.nats.2', 'n2', undefined],
    ]);
    // The JetStream consumer acknowledged everything; a Kafka group still reads everything.
    await group.connect();
    await group.subscribe({ topic: 'ORDERS', fromBeginning: true });
    const read: Array<[string, string, string]> = [];
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`the group read ${read.length} records`)), 30_000);
      void group.run({
        eachMessage: async ({ message }) => {
          read.push([message.offset, message.key?.toString() ?? '', message.value?.toString() ?? '']);
          if (read.length === 4) {
            clearTimeout(t);
            resolve();
          }
        },
      });
    });
    assert.deepEqual(read, [
      ['0', 'orders.nats.1', 'n1'],
      ['1', 'orders.kafka.1', 'k1'],
      ['2', 'orders.kafka.2', 'k2'],
      ['3', 'orders.nats.2', 'n2'],
    ]);
    await group.stop();
    // The group's commits moved nothing of the JetStream consumer, and its acks nothing of the group.
    await js.publish('orders.nats.3', sc.encode('n3'));
    const info = await jsm.consumers.info('ORDERS', 'C');
    assert.deepEqual([info.ack_floor.stream_seq, info.num_pending, info.num_ack_pending], [4, 1, 0]);
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchOffsets({ groupId: 'g1', topics: ['ORDERS'] });
    await admin.disconnect();
    assert.equal(offsets[0]?.partitions[0]?.offset, '4', 'the group committed what it read, nothing more');
    const second = await c.next({ expires: 3_000 });
    assert.ok(second);
    assert.deepEqual([second.seq, second.subject], [5, 'orders.nats.3']);
    second.ack();
  } finally {
    await group.disconnect().catch(() => {});
    await producer.disconnect().catch(() => {});
    await nc.close();
    await w.close();
  }
});
