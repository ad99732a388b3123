// A broker with something to show, for the console's browser tests and its screenshots: topics
// written by Kafka producers, a JetStream stream fed by NATS publishes, a KV bucket, a JetStream
// consumer with pending messages, one consumer group that is empty and lags, one with a live
// member, an open transaction, and live traffic on both protocols until stop().
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { connect, AckPolicy, StringCodec, type NatsConnection } from 'nats';
import type { Broker } from '../../src/index.js';
import { startTestBroker } from '../support/broker.js';
import { waitFor } from '../support/wait.js';

export interface Demo {
  broker: Broker;
  /** http://127.0.0.1:port/console/ */
  consoleUrl: string;
  kafka: Kafka;
  nats: NatsConnection;
  /** Records written to `orders` by the live traffic so far. */
  liveRecords(): number;
  stop(): Promise<void>;
}

const sc = StringCodec();

export async function startDemo(): Promise<Demo> {
  const broker = await startTestBroker({ kafkaPort: 0, httpPort: 0, groupInitialRebalanceDelay: 0, fsync: 'never' });
  const kafka = new Kafka({ clientId: 'console-demo', brokers: [`127.0.0.1:${broker.ports.kafka}`], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      { topic: 'orders', numPartitions: 3 },
      { topic: 'payments', numPartitions: 1 },
      { topic: 'customers', numPartitions: 2, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
    ],
  });
  await admin.disconnect();

  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const t0 = Date.now() - 3_600_000;
  for (let batch = 0; batch < 6; batch++) {
    await producer.send({
      topic: 'orders',
      messages: Array.from({ length: 20 }, (_, i) => {
        const n = batch * 20 + i;
        return { key: `customer-${n % 7}`, value: JSON.stringify({ order: n, amount: (n * 37) % 500, currency: 'EUR', items: [{ sku: `sku-${n % 11}`, qty: 1 + (n % 3) }] }), headers: { source: 'web', 'trace-id': `t-${n}` }, timestamp: String(t0 + n * 30_000) };
      }),
    });
  }
  await producer.send({ topic: 'payments', messages: Array.from({ length: 40 }, (_, i) => ({ key: null, value: Buffer.from([0xca, 0xfe, i, 0x00, 0xff, 0x10 + i]) })) });
  await producer.send({ topic: 'customers', messages: Array.from({ length: 7 }, (_, i) => ({ key: `customer-${i}`, value: JSON.stringify({ name: `Customer ${i}`, tier: i % 2 === 0 ? 'gold' : 'silver' }) })) });

  // billing: consumed part of orders, committed, left: an empty group with lag.
  const billing = kafka.consumer({ groupId: 'billing', sessionTimeout: 10_000 });
  await billing.connect();
  await billing.subscribe({ topic: 'orders', fromBeginning: true });
  let seen = 0;
  await billing.run({
    autoCommit: false,
    eachMessage: async ({ topic, partition, message }) => {
      seen++;
      if (Number(message.offset) < 15) await billing.commitOffsets([{ topic, partition, offset: String(Number(message.offset) + 1) }]);
    },
  });
  await waitFor(() => seen >= 120, { what: 'billing read orders', timeoutMs: 30_000 });
  await billing.disconnect();

  // shipping: a live member that stops reading after ten records, so it stays Stable with lag.
  // It pauses rather than sleeping in its handler: a paused kafkajs consumer keeps heartbeating,
  // a sleeping one is dropped from the group after its session timeout (seen under load).
  const shipping: Consumer = kafka.consumer({ groupId: 'shipping', sessionTimeout: 30_000 });
  await shipping.connect();
  await shipping.subscribe({ topic: 'payments', fromBeginning: true });
  let shipped = 0;
  await shipping.run({
    autoCommit: true,
    eachMessage: async ({ topic }) => {
      shipped++;
      if (shipped === 10) shipping.pause([{ topic }]);
    },
  });

  // An open transaction on payments.
  // Its timeout is Kafka's longest (15 min), so that it is still open however slowly the tests run.
  const txProducer: Producer = kafka.producer({ transactionalId: 'payments-tx', maxInFlightRequests: 1, idempotent: true, transactionTimeout: 900_000 });
  await txProducer.connect();
  const tx = await txProducer.transaction();
  await tx.send({ topic: 'payments', messages: [{ key: 'tx', value: 'pending payment' }] });

  // JetStream: a stream over NATS subjects, a consumer with pending messages, a KV bucket.
  const nc = await connect({ servers: `127.0.0.1:${broker.ports.nats}`, name: 'sensor-gateway' });
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: 'SENSORS', subjects: ['sensors.>'] });
  const js = nc.jetstream();
  for (let i = 0; i < 30; i++) await js.publish(`sensors.${i % 2 === 0 ? 'temp' : 'humidity'}.room${i % 3}`, sc.encode(JSON.stringify({ value: 20 + (i % 5), unit: i % 2 === 0 ? 'C' : '%' })));
  await jsm.consumers.add('SENSORS', { durable_name: 'dashboard', ack_policy: AckPolicy.Explicit });
  const kv = await js.views.kv('config');
  await kv.put('feature.checkout', sc.encode('on'));
  await kv.put('limits.rate', sc.encode('500'));
  await kv.put('feature.checkout', sc.encode('off'));
  const sub = nc.subscribe('sensors.>', { queue: 'monitors' });
  void (async () => {
    for await (const _ of sub) {
      /* drain */
    }
  })();

  // Live traffic on both protocols.
  let live = 0;
  let stopped = false;
  const timer = setInterval(() => {
    if (stopped) return;
    nc.publish(`sensors.temp.room${live % 3}`, sc.encode(JSON.stringify({ value: 21 + (live % 4), unit: 'C' })));
    void producer
      .send({ topic: 'orders', messages: [{ key: `customer-${live % 7}`, value: JSON.stringify({ order: 1000 + live, amount: live % 300, currency: 'EUR' }) }] })
      .then(() => live++)
      .catch(() => undefined);
  }, 150);

  return {
    broker,
    consoleUrl: `http://127.0.0.1:${broker.ports.http}/console/`,
    kafka,
    nats: nc,
    liveRecords: () => live,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await Promise.allSettled([tx.abort()]);
      await Promise.allSettled([txProducer.disconnect(), producer.disconnect(), shipping.disconnect(), nc.close()]);
      await broker.close();
    },
  };
}
