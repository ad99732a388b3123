// The handler table against the generated codec, and the cost of Metadata: every served
// version is one the codec can decode (Produce's v0-2 are only listed, as Kafka 4 lists them),
// ApiVersions lists exactly the table, and a Metadata request is answered from the log's map
// lookups, never by scanning every topic or computing every topic's effective configs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Broker } from '../../src/index.js';
import { advertisedApiVersions, HANDLERS } from '../../src/kafka/apis/index.js';
import { ApiKey, apis } from '../../src/kafka/protocol/messages/index.js';
import { startTestBroker } from '../support/broker.js';
import { RawKafka } from './support/raw-kafka.js';

describe('the handler table', () => {
  const handlers = Object.values(HANDLERS);

  test('each handler serves versions its codec decodes, never an unstable newest one', () => {
    assert.ok(handlers.length >= 30);
    for (const h of handlers) {
      const codec = apis[h.key];
      assert.ok(codec, `API ${h.key} has a codec`);
      assert.ok(h.minVersion >= codec.minVersion && h.maxVersion <= codec.maxVersion, `${codec.name}: v${h.minVersion}-${h.maxVersion} within the codec's v${codec.minVersion}-${codec.maxVersion}`);
      if (codec.latestVersionUnstable) assert.ok(h.maxVersion < codec.maxVersion, `${codec.name}: the unstable v${codec.maxVersion} is not served`);
    }
  });

  test('ApiVersions lists the table but the telemetry APIs, with Produce from v0 for old librdkafka (KAFKA-18659)', () => {
    const listed = advertisedApiVersions();
    assert.deepEqual(
      listed.map((a) => a.apiKey),
      handlers
        .filter((h) => h.advertised !== false)
        .map((h) => h.key)
        .sort((a, b) => a - b),
    );
    // Served but not listed, as by a Kafka broker without a metrics plugin (KIP-714).
    assert.deepEqual(
      handlers.filter((h) => h.advertised === false).map((h) => h.key),
      [ApiKey.GetTelemetrySubscriptions, ApiKey.PushTelemetry],
    );
    assert.deepEqual(listed.find((a) => a.apiKey === ApiKey.Produce), { apiKey: 0, minVersion: 0, maxVersion: 13 });
    assert.equal(HANDLERS[ApiKey.Produce]!.minVersion, 3);
    assert.deepEqual(listed.find((a) => a.apiKey === ApiKey.DescribeConfigs), { apiKey: 32, minVersion: 1, maxVersion: 4 });
  });
});

describe('Metadata answers from map lookups', () => {
  let broker: Broker;
  let c: RawKafka;
  const calls = { listTopics: 0, describeTopic: 0 };
  const N = 60;

  before(async () => {
    broker = await startTestBroker({ kafkaPort: 0, fsync: 'never' });
    for (let i = 0; i < N; i++) await broker.log.createTopic(`t${i}`, { partitions: 2 });
    const log = broker.log;
    const listTopics = log.listTopics.bind(log);
    const describeTopic = log.describeTopic.bind(log);
    log.listTopics = () => (calls.listTopics++, listTopics());
    log.describeTopic = (name) => (calls.describeTopic++, describeTopic(name));
    c = await RawKafka.connect('127.0.0.1', broker.ports.kafka);
  });

  after(async () => {
    c.close();
    await broker.close();
  });

  test('topics by name and by id: no scan, no effective configs', async () => {
    const ids = new Map(broker.log.listTopics().map((t) => [t.name, Buffer.from(t.topicId, 'hex').toString('base64url')]));
    calls.listTopics = 0;
    calls.describeTopic = 0;
    const byName = await c.send(3, 12, { topics: [...ids.keys()].map((name) => ({ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name })), allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    assert.equal(byName.topics.length, N);
    assert.ok(byName.topics.every((t) => t.errorCode === 0 && t.partitions.length === 2 && t.topicId === ids.get(t.name!)));
    const byId = await c.send(3, 12, { topics: [...ids.values()].map((topicId) => ({ topicId, name: null })), allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    assert.deepEqual(
      byId.topics.map((t) => t.name),
      [...ids.keys()],
    );
    assert.deepEqual(calls, { listTopics: 0, describeTopic: 0 });
  });

  test('all topics: one listing, no effective configs', async () => {
    calls.listTopics = 0;
    calls.describeTopic = 0;
    const all = await c.send(3, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    assert.equal(all.topics.filter((t) => /^t\d+$/.test(t.name ?? '')).length, N);
    assert.deepEqual(calls, { listTopics: 1, describeTopic: 0 });
  });

  test('a deleted topic is forgotten by id, even when one of the same name takes its place', async () => {
    const wire = (name: string) => Buffer.from(broker.log.topicInfo(name)!.topicId, 'hex').toString('base64url');
    const old = wire('t0');
    await broker.log.deleteTopic('t0');
    await broker.log.createTopic('t0', { partitions: 1 });
    const fresh = wire('t0');
    assert.notEqual(fresh, old);
    const r = await c.send(3, 12, { topics: [{ topicId: old, name: null }, { topicId: fresh, name: null }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    assert.deepEqual(
      r.topics.map((t) => [t.errorCode, t.name, t.topicId]),
      [
        [100, null, old],
        [0, 't0', fresh],
      ],
    );
  });
});
