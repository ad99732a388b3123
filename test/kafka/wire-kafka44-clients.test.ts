// Kafka 4.4's newest client-facing protocol through real clients against Wharf:
// - the Java 4.4 consumer opens an incremental fetch session (KIP-227) and, once its records
//   are read, its fetches name no partition at all (it no longer resends its partition list);
// - librdkafka (confluent-kafka, the newest release) does not use sessions: it sends every
//   fetch as a sessionless full fetch (epoch -1), and that is served, with nothing cached;
// - the Java 4.4 producer uses transactions v2 (KIP-890 part 2) because Wharf finalizes
//   transaction.version 2: it writes without AddPartitionsToTxn and every EndTxn bumps its
//   epoch; read_committed readers see the committed transactions exactly.
// The raw protocol is compared with Kafka 4.4 in differential-kafka44.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { startTestBroker } from '../support/broker.js';
import { findPeer, peerSkip } from '../support/peers.js';
import type { Broker } from '../../src/index.js';
import { buildRecordBatch } from '../../src/core/records/batch.js';
import type { FetchSessionStats } from '../../src/kafka/fetch-session.js';
import { compileJavaApp, javaSkip } from './support/java.js';
import { RawKafka } from './support/raw-kafka.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program; `onLine` sees each stdout line as it comes. */
function run(cmd: string, args: string[], timeoutMs: number, onLine?: (line: string) => void): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let pending = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      pending += d.toString();
      let i: number;
      while ((i = pending.indexOf('\n')) >= 0) {
        onLine?.(pending.slice(0, i));
        pending = pending.slice(i + 1);
      }
    });
    child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function produceSpread(port: number, topic: string, partitions: number, perPartition: number): Promise<void> {
  const c = await RawKafka.connect('127.0.0.1', port);
  try {
    for (let p = 0; p < partitions; p++) {
      const r = await c.send(0, 9, { transactionalId: null, acks: -1, timeoutMs: 5_000, topicData: [{ name: topic, partitionData: [{ index: p, records: buildRecordBatch({ records: Array.from({ length: perPartition }, (_, i) => ({ value: `${p}-${i}` })) }) }] }] });
      assert.equal(r.responses[0]!.partitionResponses[0]!.errorCode, 0);
    }
  } finally {
    c.close();
  }
}

const snapshot = (s: FetchSessionStats): FetchSessionStats => ({ ...s });

/** Resolves once `cond` holds, polling on the event loop; fails after `timeoutMs`. */
async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('Java 4.4 clients on the newest protocol', { skip: javaSkip() }, () => {
  let broker: Broker;
  let apps: { classpath: string; classes: string[] };

  before(async () => {
    broker = await startTestBroker({ kafkaPort: 0, fsync: 'never', groupInitialRebalanceDelay: 0 });
    const a = compileJavaApp('SessionConsumer');
    const b = compileJavaApp('TransactionsV2');
    apps = { classpath: `${a.classpath}:${b.classes}`, classes: [a.classes, b.classes] };
  });

  after(async () => {
    for (const dir of apps?.classes ?? []) rmSync(dir, { recursive: true, force: true });
    await broker?.close();
  });

  test('the consumer opens a fetch session and stops resending its 40 partitions', { timeout: 120_000 }, async () => {
    const PARTITIONS = 40;
    await broker.log.createTopic('sessions', { partitions: PARTITIONS });
    await produceSpread(broker.ports.kafka, 'sessions', PARTITIONS, 5);
    const sessions = broker.kafka!.fetchSessions;
    const before = snapshot(sessions.stats);
    let consumedAt: FetchSessionStats | null = null;
    const r = await run('java', ['-cp', apps.classpath, 'SessionConsumer', `127.0.0.1:${broker.ports.kafka}`, 'sessions', 'g-sessions', String(PARTITIONS * 5), '3000'], 90_000, (line) => {
      if (line.startsWith('CONSUMED')) consumedAt = snapshot(sessions.stats);
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`CONSUMED ${PARTITIONS * 5}\\b`));
    assert.match(r.stdout, new RegExp(`DONE ${PARTITIONS * 5}\\b`));
    const end = snapshot(sessions.stats);
    assert.ok(consumedAt, 'the consumer said when it had read everything');
    const mid: FetchSessionStats = consumedAt;
    assert.equal(end.sessionErrors - before.sessionErrors, 0);
    assert.ok(end.full - before.full >= 1 && end.full - before.full <= 2, `full fetches: ${end.full - before.full}`);
    // The consumer asks for a session, and closes it with a last fetch at epoch -1 when it closes.
    const closing = end.sessionless - before.sessionless;
    assert.ok(closing <= 1, `sessionless fetches: ${closing}`);
    // After the records: the first incremental fetches carry the partitions whose position
    // moved with the last records; from then on, fetches name no partition.
    const idle = end.incremental - mid.incremental;
    assert.ok(idle >= 5, `incremental fetches while idle: ${idle}`);
    const sentIdle = end.incrementalPartitionsSent - mid.incrementalPartitionsSent;
    assert.ok(sentIdle <= PARTITIONS, `partitions named by the idle fetches: ${sentIdle} (a full list each time would be ${idle * PARTITIONS})`);
    assert.ok(end.incrementalPartitionsSent - before.incrementalPartitionsSent < (end.incremental - before.incremental) * PARTITIONS * 0.25, 'on average incremental fetches name few partitions');
    assert.equal(sessions.size, 1 - closing, 'its session is cached until it closes it');
  });

  test('the producer uses transactions v2: no AddPartitionsToTxn, one epoch bump per EndTxn', { timeout: 120_000 }, async () => {
    const T = 9;
    const P = 4;
    await broker.log.createTopic('txv2', { partitions: P });
    const r = await run('java', ['-cp', apps.classpath, 'TransactionsV2', `127.0.0.1:${broker.ports.kafka}`, 'txv2', 'tx-java-v2', String(T), String(P)], 90_000);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /COMMITTED 6\b/);
    assert.match(r.stdout, /ABORTED 3\b/);
    const values = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('VALUE '))
      .map((l) => l.slice(6))
      .sort();
    const expected: string[] = [];
    for (let t = 0; t < T; t++) if (t % 3 !== 1) for (let p = 0; p < P; p++) expected.push(`${t}-${p}`);
    assert.deepEqual(values, expected.sort(), 'read_committed sees each committed record once and no aborted one');
    const txn = broker.coordinators!.transactions.inspect('tx-java-v2');
    assert.ok(txn);
    // Transactions v1 would have kept epoch 0; v2 bumps it at every EndTxn (v5).
    assert.equal(txn.producerEpoch, T, `epoch after ${T} transactions`);
    assert.equal(txn.state, 'CompleteCommit');
  });
});

describe('librdkafka (confluent-kafka) on the newest protocol', { skip: peerSkip('python-confluent-kafka') }, () => {
  let broker: Broker;

  before(async () => {
    broker = await startTestBroker({ kafkaPort: 0, fsync: 'never', groupInitialRebalanceDelay: 0 });
  });
  after(() => broker?.close());

  test('fetches without sessions (epoch -1), served, nothing cached', { timeout: 120_000 }, async () => {
    const PARTITIONS = 20;
    await broker.log.createTopic('rdk', { partitions: PARTITIONS });
    await produceSpread(broker.ports.kafka, 'rdk', PARTITIONS, 10);
    const sessions = broker.kafka!.fetchSessions;
    const before = snapshot(sessions.stats);
    const script = [
      'import sys, time',
      'from confluent_kafka import Consumer',
      "c = Consumer({'bootstrap.servers': sys.argv[1], 'group.id': 'g-rdk', 'auto.offset.reset': 'earliest', 'fetch.wait.max.ms': 100})",
      "c.subscribe(['rdk'])",
      'n = 0',
      'end = time.time() + 60',
      'while n < int(sys.argv[2]) and time.time() < end:',
      '    m = c.poll(0.2)',
      '    if m is not None and not m.error(): n += 1',
      'c.close()',
      "print('CONSUMED', n)",
    ].join('\n');
    const r = await run(findPeer('python-confluent-kafka')!, ['-c', script, `127.0.0.1:${broker.ports.kafka}`, String(PARTITIONS * 10)], 90_000);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`CONSUMED ${PARTITIONS * 10}\\b`));
    await until(() => sessions.stats.sessionless > before.sessionless, 5_000, 'sessionless fetches');
    const end = snapshot(sessions.stats);
    assert.ok(end.sessionless - before.sessionless >= 2, `sessionless fetches: ${end.sessionless - before.sessionless}`);
    assert.equal(end.full - before.full, 0, 'librdkafka never asks for a session');
    assert.equal(end.incremental - before.incremental, 0);
    assert.equal(sessions.size, 0, 'no session is cached for it');
  });
});
