// Kafka 4.4's own formatters read Wharf's `__consumer_offsets` and `__transaction_state`:
// kafka-console-consumer with OffsetsMessageFormatter, GroupMetadataMessageFormatter and
// TransactionLogMessageFormatter prints the offsets, the classic group and the transaction that
// kafkajs made, because the coordinators write Kafka's record schemas
// (src/kafka/coordinator-records.ts). After a restart on the same data directory the broker
// reads them back: the committed offsets and the transactional id are still there.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startTestBroker } from '../support/broker.js';
import { findPeer, peerSkip } from '../support/peers.js';
import { waitFor } from '../support/wait.js';
import { kafkaClient } from './support/kafkajs.js';
import type { Broker } from '../../src/index.js';

function run(cmd: string, args: string[], timeoutMs = 120_000): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ stdout, stderr, code: err ? ((err as { code?: number }).code ?? 1) : 0 });
    });
    child.stdin!.end('');
  });
}

interface Printed {
  key: { type: number; data: Record<string, unknown> };
  value: { version: number; data: Record<string, unknown> } | null;
}

describe("Kafka 4.4's formatters read Wharf's coordinator topics", { skip: peerSkip('kafka') }, () => {
  let broker: Broker;
  let dataDir: string;
  let bs: string;
  /** Every record of the topic as the formatter prints it (the records it does not print are skipped). */
  const formatted = async (topic: string, formatter: string): Promise<Printed[]> => {
    const part = broker.log.partition(topic, 0);
    const expected = part.highWatermark - part.logStartOffset;
    const r = await run('bash', [
      join(dirname(findPeer('kafka')!), 'kafka-run-class.sh'),
      'org.apache.kafka.tools.consumer.ConsoleConsumer',
      '--bootstrap-server',
      bs,
      '--topic',
      topic,
      '--from-beginning',
      '--max-messages',
      String(expected),
      '--timeout-ms',
      '60000',
      '--formatter',
      `org.apache.kafka.tools.consumer.${formatter}`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    // Kafka 4.4's coordinator-record formatters end a record without a newline.
    return r.stdout
      .split(/\n|(?<=\})(?=\{"key":)/)
      .filter((l) => l.startsWith('{'))
      .map((l) => {
        try {
          return JSON.parse(l) as Printed;
        } catch {
          throw new Error(`${formatter} printed a line that is not JSON: ${l}`);
        }
      });
  };

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'wharf-coordrec-'));
    broker = await startTestBroker({ kafkaPort: 0, fsync: 'never', dataDir, groupInitialRebalanceDelay: 0 });
    bs = `127.0.0.1:${broker.ports.kafka}`;
  });
  after(async () => {
    await broker?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('offsets, a classic group and a committed transaction, printed by the formatters and kept across a restart', { timeout: 300_000 }, async (t) => {
    const kafka = kafkaClient(broker.ports.kafka!);
    const admin = kafka.admin();
    const consumer = kafka.consumer({ groupId: 'fmt-group' });
    t.after(() => Promise.allSettled([consumer.disconnect(), admin.disconnect()]));
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'in', numPartitions: 2 }, { topic: 'out', numPartitions: 1 }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'in', messages: [{ partition: 0, value: 'a' }, { partition: 0, value: 'b' }, { partition: 1, value: 'c' }] });
    await producer.disconnect();

    // A classic group: a consumer joins, reads everything and commits.
    await consumer.connect();
    await consumer.subscribe({ topic: 'in', fromBeginning: true });
    let seen = 0;
    await consumer.run({ autoCommit: true, autoCommitInterval: 50, eachMessage: async () => void seen++ });
    await waitFor(() => seen === 3, { timeoutMs: 60_000, what: 'the consumer read 3 records' });
    await waitFor(() => broker.coordinators!.groups.offsets.get('fmt-group', 'in', 0)?.offset === 2 && broker.coordinators!.groups.offsets.get('fmt-group', 'in', 1)?.offset === 1, {
      timeoutMs: 60_000,
      what: 'offsets committed',
    });
    // A committed transaction holding a record and a group's offset.
    const txp = kafka.producer({ transactionalId: 'fmt-txn', idempotent: true, maxInFlightRequests: 1 });
    await txp.connect();
    const txn = await txp.transaction();
    await txn.send({ topic: 'out', messages: [{ value: 'x' }] });
    await txn.sendOffsets({ consumerGroupId: 'txn-group', topics: [{ topic: 'in', partitions: [{ partition: 0, offset: '7' }] }] });
    await txn.commit();
    await txp.disconnect();

    const offsets = await formatted('__consumer_offsets', 'OffsetsMessageFormatter');
    const latest = new Map<string, Printed>();
    for (const p of offsets) latest.set(`${String(p.key.data.group)}/${String(p.key.data.topic)}/${String(p.key.data.partition)}`, p);
    assert.equal(latest.get('fmt-group/in/0')?.key.type, 1);
    assert.equal(latest.get('fmt-group/in/0')?.value?.data.offset, 2);
    assert.equal(latest.get('fmt-group/in/1')?.value?.data.offset, 1);
    assert.equal(latest.get('txn-group/in/0')?.value?.data.offset, 7);
    assert.equal(latest.get('txn-group/in/0')?.value?.version, 3);

    const groups = await formatted('__consumer_offsets', 'GroupMetadataMessageFormatter');
    const group = groups.filter((p) => p.key.data.group === 'fmt-group' && p.value !== null).at(-1);
    assert.ok(group, JSON.stringify(groups));
    assert.equal(group.key.type, 2);
    assert.equal(group.value!.data.protocolType, 'consumer');
    assert.equal((group.value!.data.members as unknown[]).length, 1);

    const txns = await formatted('__transaction_state', 'TransactionLogMessageFormatter');
    const last = txns.filter((p) => p.key.data.transactionalId === 'fmt-txn').at(-1);
    t.diagnostic(JSON.stringify(last));
    t.diagnostic(JSON.stringify(group));
    assert.ok(last, JSON.stringify(txns));
    assert.equal(last.key.type, 0);
    assert.equal(last.value!.data.transactionStatus, 'CompleteCommit');
    assert.ok(txns.some((p) => p.value?.data.transactionStatus === 'PrepareCommit'), 'a PrepareCommit record');

    await consumer.disconnect();
    await admin.disconnect();
    // Read back by a restarted broker.
    const pid = broker.coordinators!.transactions.describe('fmt-txn');
    await broker.close();
    broker = await startTestBroker({ kafkaPort: 0, fsync: 'never', dataDir, groupInitialRebalanceDelay: 0 });
    bs = `127.0.0.1:${broker.ports.kafka}`;
    const gc = broker.coordinators!.groups;
    assert.equal(gc.offsets.get('fmt-group', 'in', 0)?.offset, 2);
    assert.equal(gc.offsets.get('fmt-group', 'in', 1)?.offset, 1);
    assert.equal(gc.offsets.get('txn-group', 'in', 0)?.offset, 7);
    assert.deepEqual(broker.coordinators!.transactions.describe('fmt-txn'), pid);
  });
});
