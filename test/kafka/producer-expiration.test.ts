// Producer state stays bounded as Kafka bounds it, through the wire:
//   - producer ids idle for producer.id.expiration.ms are forgotten (DescribeProducers no longer
//     lists them) and a producer that goes on with its old id and sequence is accepted, as Kafka
//     4.4 accepts it: a differential scenario against Apache Kafka 4.4 with the same settings;
//   - a kafkajs idempotent producer keeps producing across the expiry of its state;
//   - transactional ids idle for transactional.id.expiration.ms are forgotten (DescribeTransactions
//     TRANSACTIONAL_ID_NOT_FOUND, the old producer id INVALID_PRODUCER_ID_MAPPING), also in the
//     differential scenario;
//   - a restart does not bring back expired ids (the state is rebuilt from the log);
//   - memory-shaped: 2000 producer ids, counted by /metrics (wharf_kafka_producer_ids), then none.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestBroker } from '../support/broker.js';
import { startKafka, type RunningKafka } from '../support/kafka.js';
import { peerSkip } from '../support/peers.js';
import { waitForValue } from '../support/wait.js';
import { parseExposition } from '../support/prom-text.js';
import type { Broker } from '../../src/index.js';
import { parseRawOptions, resolveOptions } from '../../src/config.js';
import { mapKafkaProperties } from '../../src/core/security/config/kafka-properties.js';
import { parseProperties } from '../../src/core/security/config/java-properties.js';
import { buildRecordBatch } from '../../src/core/records/batch.js';
import { RawKafka } from './support/raw-kafka.js';
import { kafkaClient } from './support/kafkajs.js';
import { readAll } from '../storage/helpers.js';

type Out = Record<string, unknown>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Short expirations, the same on both brokers: ids go after 1.5 s, checked every 200 ms. */
const EXPIRY_MS = 1_500;
const CHECK_MS = 200;
const KAFKA_PROPERTIES = [
  'auto.create.topics.enable=false',
  `producer.id.expiration.ms=${EXPIRY_MS}`,
  `producer.id.expiration.check.interval.ms=${CHECK_MS}`,
  `transactional.id.expiration.ms=${EXPIRY_MS}`,
  `transaction.remove.expired.transaction.cleanup.interval.ms=${CHECK_MS}`,
  'transaction.state.log.replication.factor=1',
  'transaction.state.log.min.isr=1',
];
const WHARF_OPTIONS = {
  kafkaPort: 0,
  autoCreateTopics: false,
  fsync: 'never',
  producerIdExpiration: EXPIRY_MS,
  producerIdExpirationCheckInterval: CHECK_MS,
  transactionalIdExpiration: EXPIRY_MS,
  transactionRemoveExpiredInterval: CHECK_MS,
} as const;

async function createTopic(c: RawKafka, name: string, numPartitions = 1): Promise<void> {
  const r = await c.send(19, 7, { topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });
  assert.equal(r.topics[0]!.errorCode, 0, `create ${name}`);
  // Kafka serves a new partition a little after it answers: wait until a produce can land.
  for (let i = 0; i < 100; i++) {
    const md = await c.send(3, 12, { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    if (md.topics[0]!.errorCode === 0 && md.topics[0]!.partitions.length === numPartitions && md.topics[0]!.partitions.every((p) => p.leaderId >= 0)) return;
    await sleep(100);
  }
  throw new Error(`topic ${name} never became ready`);
}

/**
 * InitProducerId, retried while Kafka loads its transaction coordinator: Kafka creates
 * __transaction_state on the first FindCoordinator for a transactional id.
 */
async function initProducerId(c: RawKafka, transactionalId: string | null) {
  if (transactionalId !== null) {
    for (let i = 0; i < 150; i++) {
      const fc = await c.send(10, 4, { keyType: 1, coordinatorKeys: [transactionalId] });
      if (fc.coordinators![0]!.errorCode === 0) break;
      await sleep(200);
    }
  }
  let ip = await c.send(22, 4, { transactionalId, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
  for (let i = 0; i < 150 && (ip.errorCode === 14 || ip.errorCode === 15 || ip.errorCode === 16); i++) {
    await sleep(200);
    ip = await c.send(22, 4, { transactionalId, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
  }
  return ip;
}

async function produce(c: RawKafka, topic: string, pid: bigint, epoch: number, seq: number, values: string[], partition = 0): Promise<[number, string]> {
  const records = buildRecordBatch({ producerId: Number(pid), producerEpoch: epoch, baseSequence: seq, records: values.map((value) => ({ value })) });
  const r = await c.send(0, 9, { transactionalId: null, acks: -1, timeoutMs: 5_000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] });
  const p = r.responses[0]!.partitionResponses[0]!;
  return [p.errorCode, String(p.baseOffset)];
}

async function activeProducers(c: RawKafka, topic: string, partition = 0): Promise<Array<{ producerId: bigint; lastSequence: number }>> {
  const r = await c.send(61, 0, { topics: [{ name: topic, partitionIndexes: [partition] }] });
  const p = r.topics[0]!.partitions[0]!;
  assert.equal(p.errorCode, 0);
  return p.activeProducers.map((a) => ({ producerId: a.producerId, lastSequence: a.lastSequence }));
}

const untilNoProducers = (c: RawKafka, topic: string) => waitForValue(() => activeProducers(c, topic), (a) => a.length === 0, { what: `the producers of ${topic} to expire`, timeoutMs: 30_000, intervalMs: 100 });

/** Idempotent producer ids: the answers before and after their state expires. */
async function idempotentExpiry(c: RawKafka): Promise<Out> {
  const out: Out = {};
  const t = 'pid-expiry';
  await createTopic(c, t);
  const init = await initProducerId(c, null);
  const P = init.producerId;
  const role = (pid: bigint) => (pid === P ? 'P' : String(pid));
  out.init = [init.errorCode, init.producerEpoch];
  out['seq 0'] = await produce(c, t, P, 0, 0, ['a', 'b']);
  out['a gap before expiry'] = await produce(c, t, P, 0, 5, ['gap']);
  out['listed before expiry'] = (await activeProducers(c, t)).map((a) => [role(a.producerId), a.lastSequence]);
  await untilNoProducers(c, t);
  out['the next sequence after expiry'] = await produce(c, t, P, 0, 2, ['c']);
  out['listed again'] = (await activeProducers(c, t)).map((a) => [role(a.producerId), a.lastSequence]);
  out['a gap, state present again'] = await produce(c, t, P, 0, 9, ['gap']);
  await untilNoProducers(c, t);
  out['a gap after expiry'] = await produce(c, t, P, 0, 9, ['d']);
  await untilNoProducers(c, t);
  out['a retry of the first batch after expiry (not recognized)'] = await produce(c, t, P, 0, 0, ['a', 'b']);
  out['a gap right after it'] = await produce(c, t, P, 0, 11, ['e']);
  return out;
}

/** Transactional ids: after expiry the old producer id is unknown, InitProducerId starts afresh. */
async function transactionalExpiry(c: RawKafka): Promise<Out> {
  const out: Out = {};
  const t = 'txn-expiry';
  const tx = 'tx-expiry';
  await createTopic(c, t);
  const ip = await initProducerId(c, tx);
  const P = ip.producerId;
  out.init = [ip.errorCode, ip.producerEpoch];
  const addPartitions = async (pid: bigint, epoch: number) => {
    const r = await c.send(24, 3, { v3AndBelowTransactionalId: tx, v3AndBelowProducerId: pid, v3AndBelowProducerEpoch: epoch, v3AndBelowTopics: [{ name: t, partitions: [0] }] });
    return r.resultsByTopicV3AndBelow![0]!.resultsByPartition[0]!.partitionErrorCode;
  };
  const endTxn = async (pid: bigint, epoch: number, committed: boolean) => (await c.send(26, 3, { transactionalId: tx, producerId: pid, producerEpoch: epoch, committed })).errorCode;
  const describe = async () => {
    const d = (await c.send(65, 0, { transactionalIds: [tx] })).transactionStates[0]!;
    return [d.errorCode, d.transactionState];
  };
  out['AddPartitionsToTxn'] = await addPartitions(P, ip.producerEpoch);
  const records = buildRecordBatch({ producerId: Number(P), producerEpoch: ip.producerEpoch, baseSequence: 0, transactional: true, records: [{ value: 'x' }] });
  const pr = await c.send(0, 9, { transactionalId: tx, acks: -1, timeoutMs: 5_000, topicData: [{ name: t, partitionData: [{ index: 0, records }] }] });
  out['transactional produce'] = pr.responses[0]!.partitionResponses[0]!.errorCode;
  out['EndTxn commit'] = await endTxn(P, ip.producerEpoch, true);
  await waitForValue(describe, (d) => d[1] === 'CompleteCommit', { what: 'the commit to complete', timeoutMs: 10_000 });
  const listed = await c.send(66, 0, { stateFilters: [], producerIdFilters: [], durationFilter: -1n, transactionalIdPattern: null });
  out['listed before expiry'] = listed.transactionStates.filter((s) => s.transactionalId === tx).map((s) => s.transactionState);
  out['described after expiry'] = await waitForValue(describe, (d) => d[0] !== 0, { what: 'the transactional id to expire', timeoutMs: 30_000, intervalMs: 100 });
  const after = await c.send(66, 0, { stateFilters: [], producerIdFilters: [], durationFilter: -1n, transactionalIdPattern: null });
  out['listed after expiry'] = after.transactionStates.filter((s) => s.transactionalId === tx).length;
  out['AddPartitionsToTxn with the old producer id'] = await addPartitions(P, ip.producerEpoch);
  out['EndTxn with the old producer id'] = await endTxn(P, ip.producerEpoch, false);
  const again = await c.send(22, 4, { transactionalId: tx, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
  out['InitProducerId again'] = [again.errorCode, again.producerEpoch, again.producerId === P ? 'the old id' : 'a new id'];
  return out;
}

function compare(expected: Out, actual: Out): string[] {
  const diffs: string[] = [];
  for (const key of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
    const k = JSON.stringify(expected[key]);
    const w = JSON.stringify(actual[key]);
    if (k !== w) diffs.push(`${key}:\n  kafka: ${k}\n  wharf: ${w}`);
  }
  return diffs;
}

describe('differential: producer and transactional id expiry, Kafka 4.4 vs Wharf', { skip: peerSkip('kafka') }, () => {
  let kafka: RunningKafka;
  let wharf: Broker;
  let kc: RawKafka;
  let wc: RawKafka;

  before(async () => {
    const started = await Promise.allSettled([startKafka(KAFKA_PROPERTIES).then((k) => (kafka = k)), startTestBroker(WHARF_OPTIONS).then((w) => (wharf = w))]);
    for (const r of started) if (r.status === 'rejected') throw r.reason;
    [kc, wc] = await Promise.all([RawKafka.connect(kafka.host, kafka.port), RawKafka.connect('127.0.0.1', wharf.ports.kafka)]);
  });

  after(async () => {
    kc?.close();
    wc?.close();
    await Promise.allSettled([kafka?.close(), wharf?.close()]);
  });

  for (const [name, run] of [
    ['idempotent producer ids expire; the old id goes on with any sequence', idempotentExpiry],
    ['transactional ids expire; the old producer id is unknown, InitProducerId starts afresh', transactionalExpiry],
  ] as const) {
    test(name, { timeout: 120_000 }, async () => {
      const [k, w] = await Promise.all([run(kc), run(wc)]);
      const diffs = compare(k, w);
      assert.ok(Object.keys(k).length > 5);
      assert.equal(diffs.length, 0, `${diffs.length} of ${Object.keys(k).length} steps differ:\n${diffs.join('\n')}`);
    });
  }
});

test('kafkajs: an idempotent producer goes on after its producer state expired, every record once', { timeout: 60_000 }, async () => {
  const broker = await startTestBroker(WHARF_OPTIONS);
  const raw = await RawKafka.connect('127.0.0.1', broker.ports.kafka);
  try {
    await createTopic(raw, 'idem-expiry');
    const producer = kafkaClient(broker.ports.kafka).producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      await producer.send({ topic: 'idem-expiry', messages: [{ value: '0' }, { value: '1' }] });
      const [listed] = await activeProducers(raw, 'idem-expiry');
      assert.equal(listed?.lastSequence, 1);
      await untilNoProducers(raw, 'idem-expiry');
      assert.equal(broker.coordinators!.producers.producerIdCount(), 0);
      await producer.send({ topic: 'idem-expiry', messages: [{ value: '2' }] });
      const again = await activeProducers(raw, 'idem-expiry');
      assert.deepEqual(again, [{ producerId: listed!.producerId, lastSequence: 2 }], 'the same id, its sequence carried on');
    } finally {
      await producer.disconnect();
    }
    assert.deepEqual((await readAll(broker.log, 'idem-expiry')).map((r) => r.value), ['0', '1', '2']);
  } finally {
    raw.close();
    await broker.close();
  }
});

test('a restart does not bring back expired producer ids and transactional ids', { timeout: 60_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-pid-expiry-'));
  // The periodic checks are off: only what the restart rebuilds is seen.
  const quiet = { ...WHARF_OPTIONS, producerIdExpirationCheckInterval: 0, transactionRemoveExpiredInterval: 0, dataDir };
  let broker = await startTestBroker({ ...quiet, producerIdExpiration: 86_400_000, transactionalIdExpiration: 86_400_000 });
  let raw = await RawKafka.connect('127.0.0.1', broker.ports.kafka);
  try {
    await createTopic(raw, 'restart-expiry');
    const idle = await raw.send(22, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
    assert.deepEqual(await produce(raw, 'restart-expiry', idle.producerId, 0, 0, ['old']), [0, '0']);
    const tx = await raw.send(22, 4, { transactionalId: 'restart-tx', transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
    assert.equal(tx.errorCode, 0);
    raw.close();
    await broker.close();
    await sleep(EXPIRY_MS + 100);

    // Restarted with the short expiration: both went idle while the broker was down.
    broker = await startTestBroker({ ...quiet, producerIdExpiration: EXPIRY_MS, transactionalIdExpiration: EXPIRY_MS });
    raw = await RawKafka.connect('127.0.0.1', broker.ports.kafka);
    assert.deepEqual(await activeProducers(raw, 'restart-expiry'), [], 'the idle producer id is not rebuilt from the log');
    const fresh = await raw.send(22, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
    assert.deepEqual(await produce(raw, 'restart-expiry', fresh.producerId, 0, 0, ['new']), [0, '1']);
    assert.ok(fresh.producerId > idle.producerId && fresh.producerId > tx.producerId, 'producer ids are never handed out twice');
    // The transactional id expires at the coordinator's check and stays gone after one more restart.
    assert.equal(await broker.coordinators!.transactions.removeExpired(), 1);
    raw.close();
    await broker.close();
    broker = await startTestBroker({ ...quiet, producerIdExpiration: EXPIRY_MS, transactionalIdExpiration: 86_400_000 });
    raw = await RawKafka.connect('127.0.0.1', broker.ports.kafka);
    const d = (await raw.send(65, 0, { transactionalIds: ['restart-tx'] })).transactionStates[0]!;
    assert.equal(d.errorCode, 105, 'TRANSACTIONAL_ID_NOT_FOUND: the tombstone holds across restarts');
  } finally {
    raw.close();
    await broker.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('memory: 2000 producer ids are held, counted in /metrics, and all expire', { timeout: 120_000 }, async () => {
  // Nothing expires while the ids are made (however slow the machine); then the expiration is
  // shortened at run time, as a dynamic broker config change does.
  const broker = await startTestBroker({ ...WHARF_OPTIONS, httpPort: 0, producerIdExpiration: 600_000 });
  const raw = await RawKafka.connect('127.0.0.1', broker.ports.kafka);
  const scrape = async (): Promise<number> => {
    const text = await (await fetch(`http://127.0.0.1:${broker.ports.http}/metrics`)).text();
    const family = parseExposition(text).get('wharf_kafka_producer_ids');
    assert.ok(family, 'wharf_kafka_producer_ids is exposed');
    return family.samples[0]!.value;
  };
  try {
    const partitions = 8;
    await createTopic(raw, 'many-producers', partitions);
    assert.equal(await scrape(), 0);
    const pids: bigint[] = [];
    for (let i = 0; i < 2000; i += 100) {
      const got = await Promise.all(Array.from({ length: 100 }, () => raw.send(22, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 })));
      pids.push(...got.map((g) => g.producerId));
    }
    assert.equal(new Set(pids).size, 2000);
    // One batch per producer, the producers spread over the partitions.
    for (let i = 0; i < pids.length; i += 200) {
      const codes = await Promise.all(pids.slice(i, i + 200).map((pid, j) => produce(raw, 'many-producers', pid, 0, 0, [`v${i + j}`], (i + j) % partitions)));
      assert.ok(codes.every(([code]) => code === 0));
    }
    assert.equal(await scrape(), 2000, 'every producer id is held once, in its partition');
    assert.equal(broker.coordinators!.producers.producerIdCount(), 2000);
    broker.coordinators!.producers.expiration.producerIdExpirationMs = 1_000;
    await waitForValue(scrape, (n) => n === 0, { what: 'the 2000 producer ids to expire', timeoutMs: 30_000, intervalMs: 200 });
    for (let p = 0; p < partitions; p++) assert.deepEqual(await activeProducers(raw, 'many-producers', p), []);
    // The log keeps every record: only the producer state went.
    let records = 0;
    for (let p = 0; p < partitions; p++) records += (await readAll(broker.log, 'many-producers', p)).length;
    assert.equal(records, 2000);
  } finally {
    raw.close();
    await broker.close();
  }
});

test('the expiration settings come from a Kafka server.properties file', async () => {
  const mapped = mapKafkaProperties(parseProperties(KAFKA_PROPERTIES.slice(1).join('\n')));
  assert.deepEqual(mapped.warnings.filter((w) => /expir/.test(w)), []);
  const o = resolveOptions(parseRawOptions(mapped.options, 'server.properties'));
  assert.equal(o.transactions.producerIdExpiration, EXPIRY_MS);
  assert.equal(o.transactions.producerIdExpirationCheckInterval, CHECK_MS);
  assert.equal(o.transactions.idExpiration, EXPIRY_MS);
  assert.equal(o.transactions.removeExpiredInterval, CHECK_MS);
});
