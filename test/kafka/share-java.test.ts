// Share groups (KIP-932) with the Java KafkaShareConsumer 4.4 against Wharf:
// - explicit acknowledgement: a consumer reads a 2-partition topic; values divisible by 5
//   are released on their first delivery and come back with delivery count 2, values divisible
//   by 7 are rejected and never come back, the rest are accepted once; afterwards the group's
//   share-partition start offsets (DescribeShareGroupOffsets) are at the end of the log;
// - implicit acknowledgement: a consumer reads everything, polls once more (which accepts what
//   the previous poll returned) and closes; a new consumer of the same group then gets nothing.
// The group's share.auto.offset.reset is set to earliest through IncrementalAlterConfigs on the
// GROUP resource, as the Kafka tools do.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { startTestBroker } from '../support/broker.js';
import type { Broker } from '../../src/index.js';
import { buildRecordBatch } from '../../src/core/records/batch.js';
import { compileJavaApp, javaSkip } from './support/java.js';
import { RawKafka } from './support/raw-kafka.js';

const N = 200;
const PARTITIONS = 2;

interface Line {
  partition: number;
  offset: number;
  dc: number;
  value: number;
  ack: string;
}

/** Runs ShareConsume; resolves with its records once it prints DONE (or dies). */
function shareConsume(classpath: string, args: string[]): Promise<{ code: number | null; records: Line[]; got: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('java', ['-cp', classpath, 'ShareConsume', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const records: Line[] = [];
    let got = -1;
    let pending = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.stdout.on('data', (d: Buffer) => {
      pending += d.toString();
      let i: number;
      while ((i = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, i).trim().split(' ');
        pending = pending.slice(i + 1);
        if (line[0] === 'R') records.push({ partition: Number(line[1]), offset: Number(line[2]), dc: Number(line[3]), value: Number(line[4]), ack: line[5]! });
        if (line[0] === 'GOT') got = Number(line[1]);
      }
    });
    child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, records, got, stderr });
    });
  });
}

describe('Java KafkaShareConsumer 4.4', { skip: javaSkip() }, () => {
  let broker: Broker;
  let app: { classpath: string; classes: string };
  let raw: RawKafka;
  const bootstrap = () => `127.0.0.1:${broker.ports.kafka}`;

  before(async () => {
    app = compileJavaApp('ShareConsume');
    broker = await startTestBroker({ kafkaPort: 0, fsync: 'never', groupShareRecordLockDuration: 10_000 });
    raw = await RawKafka.connect('127.0.0.1', broker.ports.kafka);
    const created = await raw.send(19, 7, { topics: [{ name: 'jobs', numPartitions: PARTITIONS, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5_000, validateOnly: false });
    assert.equal(created.topics[0]!.errorCode, 0);
    for (let p = 0; p < PARTITIONS; p++) {
      const values = Array.from({ length: N }, (_, i) => i).filter((v) => v % PARTITIONS === p);
      // Several batches per partition, so that acquisitions cross batch boundaries.
      for (let s = 0; s < values.length; s += 25) {
        const r = await raw.send(0, 9, { transactionalId: null, acks: -1, timeoutMs: 5_000, topicData: [{ name: 'jobs', partitionData: [{ index: p, records: buildRecordBatch({ records: values.slice(s, s + 25).map((v) => ({ value: String(v) })) }) }] }] });
        assert.equal(r.responses[0]!.partitionResponses[0]!.errorCode, 0);
      }
    }
  });

  after(async () => {
    raw?.close();
    await broker?.close();
    if (app) rmSync(app.classes, { recursive: true, force: true });
  });

  async function earliest(group: string): Promise<void> {
    const r = await raw.send(44, 1, { resources: [{ resourceType: 32, resourceName: group, configs: [{ name: 'share.auto.offset.reset', configOperation: 0, value: 'earliest' }] }], validateOnly: false });
    assert.equal(r.responses[0]!.errorCode, 0, r.responses[0]!.errorMessage ?? '');
  }

  test('explicit acknowledgement: release comes back once, reject never, accept once', { timeout: 150_000 }, async () => {
    await earliest('explicit');
    // Every value once, plus the released ones a second time: N + N/5 deliveries in all.
    const run = await shareConsume(app.classpath, [bootstrap(), 'jobs', 'explicit', 'explicit', String(N), '3000']);
    assert.equal(run.code, 0, run.stderr.slice(-2000));
    const all = run.records;
    const byValue = new Map<number, Line[]>();
    for (const l of all) byValue.set(l.value, [...(byValue.get(l.value) ?? []), l]);
    assert.equal(byValue.size, N, 'every value delivered');
    for (let v = 0; v < N; v++) {
      const ls = byValue.get(v)!;
      const acks = ls.map((l) => `${l.dc}:${l.ack}`);
      if (v % 5 === 0) assert.deepEqual(acks, v % 7 === 0 ? ['1:release', '2:reject'] : ['1:release', '2:accept'], `value ${v}`);
      else assert.deepEqual(acks, [v % 7 === 0 ? '1:reject' : '1:accept'], `value ${v}`);
    }
    const offsets = await raw.send(90, 1, { groups: [{ groupId: 'explicit', topics: [{ topicName: 'jobs', partitions: [0, 1] }] }] });
    const parts = offsets.groups[0]!.topics[0]!.partitions;
    assert.deepEqual(parts.map((p) => [p.partitionIndex, Number(p.startOffset), Number(p.lag ?? -1)]), [
      [0, N / PARTITIONS, 0],
      [1, N / PARTITIONS, 0],
    ]);
  });

  test('implicit acknowledgement: what a closed consumer read is not delivered again', { timeout: 150_000 }, async () => {
    await earliest('implicit');
    // One more poll after the last records acknowledges them (implicit mode acknowledges a
    // poll's records with the next poll).
    const first = await shareConsume(app.classpath, [bootstrap(), 'jobs', 'implicit', 'implicit', String(N), '1500']);
    assert.equal(first.code, 0, first.stderr.slice(-2000));
    assert.equal(new Set(first.records.map((l) => l.value)).size, N);
    assert.ok(first.records.every((l) => l.dc === 1), 'first deliveries');
    // A close releases what is not acknowledged: it would come back at once.
    const second = await shareConsume(app.classpath, [bootstrap(), 'jobs', 'implicit', 'implicit', '1', '5000']);
    assert.equal(second.code, 0, second.stderr.slice(-2000));
    assert.deepEqual(second.records, [], 'nothing redelivered after an implicit acknowledgement on close');
  });
});
