// A damaged internal topic does not stop the broker (issue 16, reliability seed 19303, where a bit
// flipped in __transaction_state made the transaction coordinator's replay throw and Wharf exit
// during start). A broker is stopped cleanly, bytes of an internal topic's segment are damaged
// in its data directory (a CRC failure in its first batch with valid batches after it:
// corruption, not a torn tail), and the broker started again must serve Kafka, NATS and
// JetStream, answer what needs the damaged coordinator with the error a coordinator that is not
// available gets (Kafka's COORDINATOR_NOT_AVAILABLE, nats-server's JSConsumerOfflineReasonErrF),
// keep the other coordinators working, and show the damage in /metrics.
// Two scenarios: (1) __transaction_state (index kept: the damage is found when the replay reads
// it) and __jetstream_consumers (index removed: the damage is found by recovery at open);
// (2) __consumer_offsets, with transactions working beside it; (3) __jetstream_snapshots (the
// streams are rebuilt from their logs) and __wharf_security (the start stops, fail closed).
// After the damage the producers are librdkafka's (confluent-kafka): kafkajs's InitProducerId
// first asks Metadata for every topic and gives up on any partition error, and an offline
// internal partition answers LEADER_NOT_AVAILABLE there, as an offline partition does in Kafka.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync, existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nats from 'nats';
import type { Broker } from '../../src/index.js';
import { startTestBroker } from '../support/broker.js';
import { RawKafkaClient } from '../kafka/support/groups-raw.js';
import { kafkaClient } from '../kafka/support/kafkajs.js';
import { waitFor } from '../support/wait.js';
import { findPeer, peerSkip } from '../support/peers.js';
import { partitionDir } from '../support/data-dir.js';

const COORDINATOR_NOT_AVAILABLE = 15;
const FIND_GROUP = 0;
const FIND_TXN = 1;
const sc = nats.StringCodec();

function start(dataDir: string): Promise<Broker> {
  return startTestBroker({ dataDir, kafkaPort: 0, httpPort: 0, groupInitialRebalanceDelay: 0 });
}

/** The partition directory of a topic, found by the name in its topic.json (directories are named by topic id). */
/**
 * Flips a byte inside the first batch of the topic's first segment (past its 61-byte header,
 * so its CRC-32C fails) and, unless `keepIndex`, removes the segment's index so that recovery
 * rescans it at open. Requires later batches in the file: the damage is then corruption.
 */
function damage(dataDir: string, topic: string, keepIndex: boolean): void {
  const dir = partitionDir(dataDir, topic);
  const seg = readdirSync(dir).filter((n) => n.endsWith('.log')).sort()[0]!;
  const bytes = readFileSync(join(dir, seg));
  const firstBatch = 12 + bytes.readInt32BE(8);
  assert.ok(bytes.length > firstBatch + 61, `${topic} has one batch only (${bytes.length} bytes): the damage would be a torn tail`);
  bytes[64]! ^= 0x10;
  writeFileSync(join(dir, seg), bytes);
  if (!keepIndex) unlinkSync(join(dir, seg.replace(/\.log$/, '.index')));
}

/** Runs a confluent-kafka script with the bootstrap address as argv[1]; its last line is JSON. */
async function python(script: string, port: number): Promise<Record<string, unknown>> {
  const r = await new Promise<{ stdout: string; stderr: string; code: number }>((resolve) => {
    execFile(findPeer('python-confluent-kafka')!, ['-c', script, `127.0.0.1:${port}`], { timeout: 60_000 }, (err, stdout, stderr) => resolve({ stdout, stderr, code: err ? ((err as { code?: number }).code ?? 1) : 0 }));
  });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

const IDEMPOTENT_PRODUCE = `
import json, sys
from confluent_kafka import Producer
p = Producer({'bootstrap.servers': sys.argv[1], 'enable.idempotence': True})
errors = []
p.produce('orders', value=b'after-restart', partition=0, on_delivery=lambda err, msg: errors.append(str(err)) if err else None)
p.flush(30)
print(json.dumps({'errors': errors, 'queued': len(p)}))
`;

const TRANSACTIONS = `
import json, sys
from confluent_kafka import Producer
p = Producer({'bootstrap.servers': sys.argv[1], 'transactional.id': 'txn-after'})
p.init_transactions(30)
for i in range(2):
    p.begin_transaction()
    p.produce('orders', value=('txn-after-%d' % i).encode(), partition=0)
    p.commit_transaction(30)
print(json.dumps({'committed': 2}))
`;

function metrics(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
}

async function jsApi(nc: nats.NatsConnection, subject: string, body: unknown = {}): Promise<Record<string, unknown>> {
  const m = await nc.request(`$JS.API.${subject}`, sc.encode(JSON.stringify(body)), { timeout: 5_000 });
  return JSON.parse(sc.decode(m.data)) as Record<string, unknown>;
}

/** Commits `n` transactions of one record each to `topic` under `transactionalId`. */
async function transactions(port: number, transactionalId: string, topic: string, n: number): Promise<void> {
  const producer = kafkaClient(port).producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = 0; i < n; i++) {
      const txn = await producer.transaction();
      await txn.send({ topic, messages: [{ value: `${transactionalId}-${i}` }] });
      await txn.commit();
    }
  } finally {
    await producer.disconnect();
  }
}

/** Reads `topic` with a new group from the beginning until `want` is seen (the group coordinator must serve). */
async function consumeUntil(port: number, groupId: string, topic: string, want: string): Promise<void> {
  const consumer = kafkaClient(port).consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 500 });
  const seen = new Set<string>();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.add(message.value?.toString() ?? '') });
    await waitFor(() => seen.has(want), { timeoutMs: 30_000, what: `${groupId} to read ${want}` });
  } finally {
    await consumer.disconnect();
  }
}

test('a damaged __transaction_state and __jetstream_consumers: the broker starts, serves Kafka, NATS and JetStream, and refuses only what needs them', { timeout: 120_000, skip: peerSkip('python-confluent-kafka') }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-damaged-internal-'));
  let broker: Broker | null = null;
  let nc: nats.NatsConnection | null = null;
  try {
    broker = await start(dataDir);
    const admin = kafkaClient(broker.ports.kafka).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 2 }] });
    await admin.disconnect();
    await transactions(broker.ports.kafka, 'txn-before', 'orders', 3);
    nc = await nats.connect({ port: broker.ports.nats });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: 'S', subjects: ['s.>'] });
    await jsm.consumers.add('S', { durable_name: 'd1', ack_policy: nats.AckPolicy.Explicit });
    await jsm.consumers.add('S', { durable_name: 'd2', ack_policy: nats.AckPolicy.Explicit });
    await nc.close();
    nc = null;
    await broker.close();
    broker = null;

    damage(dataDir, '__transaction_state', true);
    damage(dataDir, '__jetstream_consumers', false);
    broker = await start(dataDir);
    const port = broker.ports.kafka;

    // Kafka: the transaction coordinator refuses, FindCoordinator first.
    const raw = await RawKafkaClient.connect(port);
    try {
      const txnCoord = await raw.request(10, 1, { key: 'txn-after', keyType: FIND_TXN });
      assert.equal(txnCoord.errorCode, COORDINATOR_NOT_AVAILABLE);
      const init = await raw.request(22, 1, { transactionalId: 'txn-after', transactionTimeoutMs: 60_000 });
      assert.equal(init.errorCode, COORDINATOR_NOT_AVAILABLE);
      // An idempotent producer still gets an id, above those the log has seen.
      const idem = await raw.request(22, 1, { transactionalId: null, transactionTimeoutMs: 60_000 });
      assert.equal(idem.errorCode, 0);
      assert.ok(idem.producerId >= 0n);
      const groupCoord = await raw.request(10, 1, { key: 'g-after', keyType: FIND_GROUP });
      assert.equal(groupCoord.errorCode, 0);
    } finally {
      await raw.close();
    }
    // An idempotent producer and a consumer group work.
    assert.deepEqual(await python(IDEMPOTENT_PRODUCE, port), { errors: [], queued: 0 });
    await consumeUntil(port, 'g-after', 'orders', 'after-restart');

    // NATS and JetStream streams serve; the consumers' API says they are offline.
    nc = await nats.connect({ port: broker.ports.nats });
    const sub = nc.subscribe('plain.>', { max: 1 });
    nc.publish('plain.x', sc.encode('hello'));
    for await (const m of sub) assert.equal(sc.decode(m.data), 'hello');
    const js = nc.jetstream();
    const ack = await js.publish('s.a', sc.encode('stored'));
    assert.equal(ack.stream, 'S');
    const info = await jsApi(nc, 'CONSUMER.INFO.S.d1');
    const err = info.error as { code: number; err_code: number; description: string };
    assert.equal(err.code, 500);
    assert.equal(err.err_code, 10195);
    assert.match(err.description, /^consumer is offline: __jetstream_consumers is offline/);
    const created = await jsApi(nc, 'CONSUMER.CREATE.S.d3', { stream_name: 'S', config: { durable_name: 'd3', ack_policy: 'explicit' } });
    assert.equal((created.error as { err_code: number }).err_code, 10195);
    const stream = await jsApi(nc, 'STREAM.INFO.S');
    assert.equal((stream.state as { messages: number }).messages, 1);

    // Visible: the gauge names both topics.
    const text = await metrics(broker.ports.http);
    assert.match(text, /wharf_offline_partitions\{topic="__transaction_state"\} 1/);
    assert.match(text, /wharf_offline_partitions\{topic="__jetstream_consumers"\} 1/);
  } finally {
    await nc?.close();
    await broker?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a damaged __consumer_offsets: groups get COORDINATOR_NOT_AVAILABLE, transactions and plain produce and fetch go on', { timeout: 120_000, skip: peerSkip('python-confluent-kafka') }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-damaged-internal-'));
  let broker: Broker | null = null;
  try {
    broker = await start(dataDir);
    const admin = kafkaClient(broker.ports.kafka).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 1 }] });
    for (let i = 1; i <= 3; i++) await admin.setOffsets({ groupId: 'g-before', topic: 'orders', partitions: [{ partition: 0, offset: String(i) }] });
    await admin.disconnect();
    await broker.close();
    broker = null;

    damage(dataDir, '__consumer_offsets', true);
    broker = await start(dataDir);
    const port = broker.ports.kafka;
    const raw = await RawKafkaClient.connect(port);
    try {
      const groupCoord = await raw.request(10, 1, { key: 'g-before', keyType: FIND_GROUP });
      assert.equal(groupCoord.errorCode, COORDINATOR_NOT_AVAILABLE);
      // Asked directly (a client that kept its coordinator), the group's offsets are not answered from a partial state.
      const fetched = await raw.request(9, 2, { groupId: 'g-before', topics: [{ name: 'orders', partitionIndexes: [0] }] });
      assert.equal(fetched.errorCode, COORDINATOR_NOT_AVAILABLE);
      const txnCoord = await raw.request(10, 1, { key: 'txn-after', keyType: FIND_TXN });
      assert.equal(txnCoord.errorCode, 0);
    } finally {
      await raw.close();
    }
    assert.deepEqual(await python(TRANSACTIONS, port), { committed: 2 });
    const offsets = await kafkaClient(port).admin();
    await offsets.connect();
    try {
      const ends = await offsets.fetchTopicOffsets('orders');
      // 2 records and 2 commit markers.
      assert.equal(ends[0]!.high, '4');
    } finally {
      await offsets.disconnect();
    }
    const text = await metrics(broker.ports.http);
    assert.match(text, /wharf_offline_partitions\{topic="__consumer_offsets"\} 1/);
  } finally {
    await broker?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a damaged __wharf_security stops the start, naming the topic (fail closed); a damaged __jetstream_snapshots only costs a full replay', { timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-damaged-internal-'));
  let broker: Broker | null = null;
  let nc: nats.NatsConnection | null = null;
  try {
    broker = await start(dataDir);
    const admin = kafkaClient(broker.ports.kafka).admin();
    await admin.connect();
    // Two dynamic broker configs: two batches in __wharf_security.
    for (const value of ['7200000', '3600000']) {
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: 4, name: '1', configEntries: [{ name: 'log.retention.ms', value }] }] });
    }
    await admin.disconnect();
    nc = await nats.connect({ port: broker.ports.nats });
    const js = nc.jetstream();
    await (await nc.jetstreamManager()).streams.add({ name: 'S', subjects: ['s.>'] });
    for (let i = 0; i < 4; i++) await js.publish('s.a', sc.encode(`m${i}`));
    await nc.close();
    nc = null;
    await broker.close(); // a snapshot at close
    broker = await start(dataDir);
    nc = await nats.connect({ port: broker.ports.nats });
    await nc.jetstream().publish('s.a', sc.encode('m4'));
    await nc.close();
    nc = null;
    await broker.close(); // and another: two batches in __jetstream_snapshots
    broker = null;

    damage(dataDir, '__jetstream_snapshots', true);
    broker = await start(dataDir);
    nc = await nats.connect({ port: broker.ports.nats });
    const info = await jsApi(nc, 'STREAM.INFO.S');
    assert.equal((info.state as { messages: number; last_seq: number }).last_seq, 5, 'the stream is rebuilt from its log');
    await nc.jetstream().publish('s.a', sc.encode('m5'));
    await nc.close();
    nc = null;
    await broker.close();
    broker = null;

    damage(dataDir, '__wharf_security', false);
    const outcome = await start(dataDir).then(
      (b) => b,
      (e: unknown) => e as Error,
    );
    if (!(outcome instanceof Error)) {
      await outcome.close();
      assert.fail('the broker started without its security state');
    }
    assert.match(outcome.message, /internal topic __wharf_security is damaged .*the broker does not start without its ACLs/);
  } finally {
    await nc?.close();
    await broker?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
