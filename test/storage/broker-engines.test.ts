// The broker on each storage engine, through the wire with real clients: with
// startBroker({ storage: { engine: 'memory' } }) a kafkajs producer and consumer group and a NATS client
// work as on disk and nothing is written under dataDir; on either engine the cluster id Kafka
// clients see is the log's, and on the local engine it survives a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nats from 'nats';
import { startBroker, type Broker } from '../../src/index.js';
import { configFromFlags, type OptionsByFlag } from '../../src/config.js';
import { kafkaClient } from '../kafka/support/kafkajs.js';

const BASE: OptionsByFlag = { host: '127.0.0.1', port: 0, httpPort: -1, kafkaPort: 0, logLevel: 'silent', groupInitialRebalanceDelay: 0, groupMinSessionTimeout: 100 };

async function kafkaRoundTrip(broker: Broker, topic: string, count: number): Promise<string[]> {
  const kafka = kafkaClient(broker.ports.kafka);
  const admin = kafka.admin();
  const producer = kafka.producer();
  const consumer = kafka.consumer({ groupId: `g-${topic}`, sessionTimeout: 3_000, rebalanceTimeout: 3_000, heartbeatInterval: 100, maxWaitTimeInMs: 100 });
  try {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`consumed ${seen.length} of ${count} records`)), 30_000);
      consumer
        .run({
          eachMessage: async ({ message }) => {
            seen.push(message.value!.toString());
            if (seen.length === count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    const cluster = await admin.describeCluster();
    assert.equal(cluster.clusterId, broker.log.clusterId, 'Kafka clients see the log’s cluster id');
    return seen.sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
  } finally {
    await consumer.disconnect().catch(() => {});
    await producer.disconnect().catch(() => {});
    await admin.disconnect().catch(() => {});
  }
}

async function natsRoundTrip(broker: Broker): Promise<void> {
  const nc = await nats.connect({ port: broker.ports.nats, reconnect: false });
  try {
    const sub = nc.subscribe('smoke.>', { max: 2 });
    nc.publish('smoke.a', 'one');
    nc.publish('smoke.b', 'two');
    const got: string[] = [];
    for await (const m of sub) got.push(`${m.subject}=${m.string()}`);
    assert.deepEqual(got, ['smoke.a=one', 'smoke.b=two']);
  } finally {
    await nc.close();
  }
}

test('--storage memory: Kafka produce and consume, NATS publish and subscribe, and nothing on disk', { timeout: 60_000 }, async () => {
  const parent = mkdtempSync(join(tmpdir(), 'wharf-memory-'));
  const dataDir = join(parent, 'never-created');
  const broker = await startBroker(configFromFlags({ ...BASE, storage: 'memory', dataDir }));
  try {
    assert.equal(broker.options.storage.engine, 'memory');
    assert.deepEqual(await kafkaRoundTrip(broker, 'smoke', 20), Array.from({ length: 20 }, (_, i) => `v${i}`));
    assert.ok(broker.log.hasTopic('__consumer_offsets'), 'coordinator state lives in the memory log too');
    await natsRoundTrip(broker);
    assert.equal(existsSync(dataDir), false, 'the memory engine wrote nothing under dataDir');
  } finally {
    await broker.close();
    rmSync(parent, { recursive: true, force: true });
  }
});

test('--storage local (the default): the cluster id Kafka clients see survives a broker restart', { timeout: 60_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-local-'));
  try {
    let broker = await startBroker(configFromFlags({ ...BASE, dataDir }));
    assert.equal(broker.options.storage.engine, 'local');
    let clusterId: string;
    try {
      await kafkaRoundTrip(broker, 'before', 3);
      clusterId = broker.log.clusterId;
    } finally {
      await broker.close();
    }
    broker = await startBroker(configFromFlags({ ...BASE, dataDir }));
    try {
      assert.equal(broker.log.clusterId, clusterId);
      await kafkaRoundTrip(broker, 'after', 3);
    } finally {
      await broker.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
