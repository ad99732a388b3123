// Kafka client quotas through the wire (over the product codec, for exact answers): quotas are
// set and removed with AlterClientQuotas and listed with DescribeClientQuotas with Kafka's
// filters and errors, survive a restart, and a producer past its byte rate gets throttle_time_ms
// in its Produce response and its next request waits out the throttle (the connection is muted),
// while a client id without a quota is not throttled; a fetch past its byte rate is answered
// empty and its unsent bytes are not counted, as Kafka does. Resolution order is checked directly.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type Broker } from '../../src/index.js';
import type { BrokerConfig } from '../../src/config.js';
import { ClientQuotas } from '../../src/core/security/client-quotas.js';
import { buildRecordBatch } from '../../src/core/records/batch.js';
import { ApiKey } from '../../src/kafka/protocol/messages/index.js';
import { ErrorCode } from '../../src/kafka/errors.js';
import { RawKafka } from '../kafka/support/raw-kafka.js';

describe('client quota resolution', () => {
  it("follows Kafka's precedence: user+client, user+default client, user, default user..., client, default client", () => {
    const q = new ClientQuotas();
    q.set({ clientId: null }, 'producer_byte_rate', 1);
    assert.equal(q.resolve('alice', 'app', 'producer_byte_rate')?.quota, 1);
    q.set({ clientId: 'app' }, 'producer_byte_rate', 2);
    assert.equal(q.resolve('alice', 'app', 'producer_byte_rate')?.quota, 2);
    q.set({ user: null }, 'producer_byte_rate', 3);
    assert.equal(q.resolve('alice', 'app', 'producer_byte_rate')?.quota, 3);
    q.set({ user: 'alice' }, 'producer_byte_rate', 4);
    assert.equal(q.resolve('alice', 'app', 'producer_byte_rate')?.quota, 4);
    assert.equal(q.resolve('bob', 'app', 'producer_byte_rate')?.quota, 3);
    q.set({ user: 'alice', clientId: 'app' }, 'producer_byte_rate', 5);
    assert.equal(q.resolve('alice', 'app', 'producer_byte_rate')?.quota, 5);
    assert.equal(q.resolve('alice', 'other', 'producer_byte_rate')?.quota, 4);
    assert.equal(q.resolve('alice', 'app', 'consumer_byte_rate'), null);
  });

  it('throttles by how far the rate is past the quota over the window, at most the window', () => {
    const q = new ClientQuotas();
    q.set({ clientId: 'c' }, 'producer_byte_rate', 1000);
    const t0 = 1_000_000;
    // 10 s window: 10 000 bytes is exactly the quota.
    assert.equal(q.record('u', 'c', { produceBytes: 10_000, fetchBytes: 0, handlerMs: 0 }, t0), 0);
    // 15 000 bytes over 10 s: 1.5 × the quota, half of the window past it.
    assert.equal(q.record('u', 'c', { produceBytes: 5_000, fetchBytes: 0, handlerMs: 0 }, t0 + 10), 5_000);
    assert.equal(q.record('u', 'c', { produceBytes: 1_000_000, fetchBytes: 0, handlerMs: 0 }, t0 + 20), 11_000);
  });
});

describe('Kafka client quotas through the wire', () => {
  let dataDir: string;
  let broker: Broker;
  let raw: RawKafka;
  const config = (): BrokerConfig => ({
    host: '127.0.0.1',
    logLevel: 'silent',
    nats: { port: 0 },
    http: { port: -1 },
    storage: { engine: 'local', dataDir, fsync: 'never' },
    kafka: { port: 0 },
  });
  const alter = (entries: Array<{ entity: Array<{ entityType: string; entityName: string | null }>; ops: Array<{ key: string; value: number; remove: boolean }> }>, validateOnly = false) =>
    raw.send(ApiKey.AlterClientQuotas, 1, { entries, validateOnly });
  const describeQuotas = (components: Array<{ entityType: string; matchType: number; match: string | null }>, strict = false) => raw.send(ApiKey.DescribeClientQuotas, 1, { components, strict });

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'wharf-quotas-'));
    broker = await startBroker(config());
    raw = await RawKafka.connect('127.0.0.1', broker.ports.kafka);
  });

  after(async () => {
    raw?.close();
    await broker?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("sets, lists and removes quotas with Kafka's filters and errors", async () => {
    const r = await alter([
      { entity: [{ entityType: 'user', entityName: 'alice' }], ops: [{ key: 'producer_byte_rate', value: 1024, remove: false }, { key: 'request_percentage', value: 50, remove: false }] },
      { entity: [{ entityType: 'client-id', entityName: null }], ops: [{ key: 'consumer_byte_rate', value: 2048, remove: false }] },
      { entity: [{ entityType: 'user', entityName: 'alice' }, { entityType: 'client-id', entityName: 'app' }], ops: [{ key: 'producer_byte_rate', value: 4096, remove: false }] },
      { entity: [{ entityType: 'user', entityName: 'bob' }], ops: [{ key: 'bogus_rate', value: 1, remove: false }] },
      { entity: [{ entityType: 'user', entityName: 'bob' }], ops: [{ key: 'producer_byte_rate', value: -5, remove: false }] },
      { entity: [{ entityType: 'ip', entityName: '10.0.0.1' }], ops: [{ key: 'connection_creation_rate', value: 5, remove: false }] },
      { entity: [{ entityType: 'user', entityName: 'a' }, { entityType: 'user', entityName: 'b' }], ops: [] },
    ]);
    assert.deepEqual(r.entries.map((e) => e.errorCode), [0, 0, 0, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST]);
    const dry = await alter([{ entity: [{ entityType: 'user', entityName: 'carol' }], ops: [{ key: 'producer_byte_rate', value: 1, remove: false }] }], true);
    assert.equal(dry.entries[0]!.errorCode, 0);

    const alice = await describeQuotas([{ entityType: 'user', matchType: 0, match: 'alice' }]);
    const flat = (d: typeof alice) => (d.entries ?? []).map((e) => [e.entity.map((x) => `${x.entityType}=${x.entityName}`).join(','), Object.fromEntries(e.values.map((v) => [v.key, v.value]))]).sort();
    assert.deepEqual(flat(alice), [
      ['user=alice', { producer_byte_rate: 1024, request_percentage: 50 }],
      ['user=alice,client-id=app', { producer_byte_rate: 4096 }],
    ]);
    assert.deepEqual(flat(await describeQuotas([{ entityType: 'user', matchType: 0, match: 'alice' }], true)), [['user=alice', { producer_byte_rate: 1024, request_percentage: 50 }]]);
    assert.deepEqual(flat(await describeQuotas([{ entityType: 'client-id', matchType: 1, match: null }])), [['client-id=null', { consumer_byte_rate: 2048 }]]);
    assert.deepEqual(flat(await describeQuotas([{ entityType: 'user', matchType: 0, match: 'carol' }])), [], 'validate_only applies nothing');
    const bad = await describeQuotas([{ entityType: 'user', matchType: 0, match: 'a' }, { entityType: 'user', matchType: 0, match: 'b' }]);
    assert.equal(bad.errorCode, ErrorCode.INVALID_REQUEST);

    const removed = await alter([{ entity: [{ entityType: 'user', entityName: 'alice' }], ops: [{ key: 'request_percentage', value: 0, remove: true }] }]);
    assert.equal(removed.entries[0]!.errorCode, 0);
    assert.deepEqual(flat(await describeQuotas([{ entityType: 'user', matchType: 0, match: 'alice' }], true)), [['user=alice', { producer_byte_rate: 1024 }]]);
  });

  it('keeps quotas across a restart', { timeout: 30_000 }, async () => {
    raw.close();
    await broker.close();
    broker = await startBroker(config());
    raw = await RawKafka.connect('127.0.0.1', broker.ports.kafka);
    const d = await describeQuotas([{ entityType: 'client-id', matchType: 1, match: null }]);
    assert.deepEqual(d.entries?.map((e) => e.values), [[{ key: 'consumer_byte_rate', value: 2048 }]]);
  });

  it('throttles a producer past its byte rate: throttle_time_ms, then its next request waits', { timeout: 30_000 }, async () => {
    // The raw client's client id is "wharf-diff": 10 KB/s for it, nothing for other client ids.
    await alter([{ entity: [{ entityType: 'client-id', entityName: 'wharf-diff' }], ops: [{ key: 'producer_byte_rate', value: 10_240, remove: false }] }]);
    const value = Buffer.alloc(115 * 1024, 7);
    const records = buildRecordBatch({ baseTimestamp: Date.now(), records: [{ key: null, value, timestamp: Date.now() }] });
    const produce = await raw.send(ApiKey.Produce, 9, { transactionalId: null, acks: 1, timeoutMs: 5_000, topicData: [{ name: 'quota-topic', partitionData: [{ index: 0, records }] }] });
    assert.equal(produce.responses[0]!.partitionResponses[0]!.errorCode, 0);
    const throttle = produce.throttleTimeMs;
    // 115 KB over the 10 s window is 11.5 KB/s: 0.15 past the quota, 1.5 s of the window.
    assert.ok(throttle > 1_000 && throttle <= 2_000, `throttle ${throttle}`);
    const started = Date.now();
    await raw.send(ApiKey.Metadata, 12, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    assert.ok(Date.now() - started >= throttle - 50, `answered after ${Date.now() - started} ms`);

    // Without the quota, the same producer is not throttled.
    await alter([{ entity: [{ entityType: 'client-id', entityName: 'wharf-diff' }], ops: [{ key: 'producer_byte_rate', value: 0, remove: true }] }]);
    const again = await raw.send(ApiKey.Produce, 9, { transactionalId: null, acks: 1, timeoutMs: 5_000, topicData: [{ name: 'quota-topic', partitionData: [{ index: 0, records }] }] });
    assert.equal(again.throttleTimeMs, 0);
  });

  it('answers a fetch past its byte rate empty, as Kafka does, and counts only what was sent', { timeout: 30_000 }, async () => {
    // 10 KB/s for the raw client's id over Kafka's window of at least 10 s: 100 KB may go out.
    const value = Buffer.alloc(60 * 1024, 3);
    const records = buildRecordBatch({ baseTimestamp: Date.now(), records: [{ key: null, value, timestamp: Date.now() }] });
    const produced = await raw.send(ApiKey.Produce, 9, { transactionalId: null, acks: 1, timeoutMs: 5_000, topicData: [{ name: 'quota-fetch', partitionData: [{ index: 0, records }] }] });
    assert.equal(produced.responses[0]!.partitionResponses[0]!.errorCode, 0);
    await alter([{ entity: [{ entityType: 'client-id', entityName: 'wharf-diff' }], ops: [{ key: 'consumer_byte_rate', value: 10_240, remove: false }] }]);
    const fetch = () =>
      raw.send(ApiKey.Fetch, 12, {
        replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, forgottenTopicsData: [], rackId: '',
        topics: [{ topic: 'quota-fetch', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
      });
    // 60 KB: within the quota, the records come.
    const first = await fetch();
    assert.equal(first.throttleTimeMs, 0);
    assert.ok((first.responses[0]!.partitions[0]!.records?.length ?? 0) > 60 * 1024, 'the first fetch carries the record');
    // Another 60 KB would make 120 KB: the answer is empty, with the throttle, and its bytes are not counted.
    const second = await fetch();
    assert.ok(second.throttleTimeMs > 0, `throttle ${second.throttleTimeMs}`);
    assert.equal(second.errorCode, ErrorCode.NONE);
    assert.deepEqual(second.responses, [], 'a throttled fetch carries no partitions');
    // What was not sent is not counted: at 13 KB/s (130 KB in the window) a third 60 KB fetch
    // fits beside the first (120 KB), and would not had the empty answer's 60 KB been counted
    // (180 KB). It waits out the mute first; a window longer than 10 s only lowers the rate.
    await alter([{ entity: [{ entityType: 'client-id', entityName: 'wharf-diff' }], ops: [{ key: 'consumer_byte_rate', value: 13_312, remove: false }] }]);
    const third = await fetch();
    assert.equal(third.throttleTimeMs, 0);
    assert.ok((third.responses[0]!.partitions[0]!.records?.length ?? 0) > 60 * 1024, 'the records come again');
    await alter([{ entity: [{ entityType: 'client-id', entityName: 'wharf-diff' }], ops: [{ key: 'consumer_byte_rate', value: 0, remove: true }] }]);
  });
});
