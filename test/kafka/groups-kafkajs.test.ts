// Consumer groups through the wire with kafkajs 2.2.4: several consumers sharing a topic,
// rebalances on join, leave and session timeout (a raw member that stops heartbeating), no
// record lost or consumed twice by committed offsets, offsets surviving a broker restart, and
// the group admin APIs (describe, list, delete, offsets).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Consumer, Kafka } from 'kafkajs';
import { startTestBroker } from '../support/broker.js';
import { waitFor as waitUntil } from '../support/wait.js';
import type { Broker } from '../../src/index.js';
import { kafkaClient } from './support/kafkajs.js';
import { RawKafkaClient } from './support/groups-raw.js';

const FAST = { kafkaPort: 0, fsync: 'never' as const, groupMinSessionTimeout: 100, groupInitialRebalanceDelay: 0 };

function consumerOf(kafka: Kafka, groupId: string, extra: Record<string, unknown> = {}): Consumer {
  return kafka.consumer({ groupId, sessionTimeout: 3_000, rebalanceTimeout: 3_000, heartbeatInterval: 100, maxWaitTimeInMs: 100, retry: { retries: 10, initialRetryTime: 50 }, ...extra });
}

function waitFor(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  return waitUntil(cond, { what, timeoutMs: ms, intervalMs: 25 });
}

async function produceNumbered(kafka: Kafka, topic: string, from: number, count: number, partitions: number): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  const messages = [];
  for (let i = from; i < from + count; i++) messages.push({ partition: i % partitions, key: String(i), value: String(i) });
  await producer.send({ topic, messages });
  await producer.disconnect();
}

test('three consumers share a topic; join, leave and crash rebalance without losing or repeating committed records', async (t) => {
  const broker = await startTestBroker(FAST);
  const kafka = kafkaClient(broker.ports.kafka);
  const admin = kafka.admin();
  await admin.connect();
  const consumers: Consumer[] = [];
  try {
    const topic = 'numbers';
    await admin.createTopics({ topics: [{ topic, numPartitions: 6 }] });
    const seen = new Map<string, number>(); // value -> times processed
    const byConsumer = new Map<number, number>();
    // Offsets the broker acknowledged as committed, per partition (kafkajs reports a commit once
    // its OffsetCommit succeeded). A record below its partition's committed offset must never be
    // processed again: that is a committed record repeated. A record processed twice before its
    // commit (the member lost the partition first) is at-least-once, and allowed.
    const committed = new Map<number, bigint>();
    const repeatedCommitted: string[] = [];
    const start = async (n: number): Promise<Consumer> => {
      const c = consumerOf(kafka, 'g1');
      c.on(c.events.COMMIT_OFFSETS, ({ payload }) => {
        for (const t of payload.topics) {
          for (const p of t.partitions) {
            const partition = Number(p.partition); // a string at run time, whatever kafkajs's types say
            if (BigInt(p.offset) > (committed.get(partition) ?? 0n)) committed.set(partition, BigInt(p.offset));
          }
        }
      });
      await c.connect();
      await c.subscribe({ topic, fromBeginning: true });
      await c.run({
        autoCommitInterval: 50,
        eachMessage: async ({ partition, message }) => {
          const v = message.value!.toString();
          if (BigInt(message.offset) < (committed.get(partition) ?? 0n)) repeatedCommitted.push(`${v} (partition ${partition} offset ${message.offset}, committed ${committed.get(partition)}) by consumer ${n}`);
          seen.set(v, (seen.get(v) ?? 0) + 1);
          byConsumer.set(n, (byConsumer.get(n) ?? 0) + 1);
        },
      });
      consumers.push(c);
      return c;
    };
    await start(0);
    await produceNumbered(kafka, topic, 0, 120, 6);
    await waitFor(() => seen.size === 120, 15_000, 'first consumer to read 120 records');
    // Two more members join: the group rebalances to three.
    const c1 = await start(1);
    await start(2);
    await waitFor(async () => {
      const d = await admin.describeGroups(['g1']);
      return d.groups[0]!.state === 'Stable' && d.groups[0]!.members.length === 3;
    }, 15_000, 'a stable group of three');
    await produceNumbered(kafka, topic, 120, 120, 6);
    await waitFor(() => seen.size === 240, 15_000, '240 records');
    assert.ok((byConsumer.get(1) ?? 0) + (byConsumer.get(2) ?? 0) > 0, 'the new members got partitions');
    // One leaves (LeaveGroup): the other two take its partitions.
    await c1.disconnect();
    consumers.splice(consumers.indexOf(c1), 1);
    await produceNumbered(kafka, topic, 240, 120, 6);
    await waitFor(() => seen.size === 360, 15_000, '360 records');

    // A member that joins through the raw protocol and then goes silent is expired after its
    // session timeout; the group rebalances back to the kafkajs consumers.
    const raw = await RawKafkaClient.connect(broker.ports.kafka);
    const silent = await raw.joinAndSync('g1', topic, { sessionTimeoutMs: 600, rebalanceTimeoutMs: 3_000 });
    assert.ok(silent.generationId > 0);
    await waitFor(async () => {
      const d = await admin.describeGroups(['g1']);
      return d.groups[0]!.state === 'Stable' && d.groups[0]!.members.length === 2 && d.groups[0]!.members.every((m) => m.memberId !== silent.memberId);
    }, 15_000, 'the silent member to expire');
    await raw.close();
    await produceNumbered(kafka, topic, 360, 60, 6);
    await waitFor(() => seen.size === 420, 15_000, '420 records');
    for (const c of consumers) await c.disconnect();
    consumers.length = 0;

    // Nothing lost, no committed record processed again.
    assert.deepEqual([...seen.keys()].map(Number).sort((a, b) => a - b), Array.from({ length: 420 }, (_, i) => i), 'every record processed');
    assert.deepEqual(repeatedCommitted, [], 'records processed again after their offset was committed');
    t.diagnostic(`${[...seen.values()].filter((n) => n > 1).length} records processed twice before their commit (at-least-once at a rebalance)`);
    // Committed offsets cover everything: a new member of the group reads nothing again.
    const offsets = await admin.fetchOffsets({ groupId: 'g1', topics: [topic] });
    const committedSum = offsets[0]!.partitions.reduce((s, p) => s + Number(p.offset), 0);
    assert.equal(committedSum, 420, 'committed offsets sum to every record');
    const d = await admin.describeGroups(['g1']);
    assert.equal(d.groups[0]!.state, 'Empty');
    const listed = await admin.listGroups();
    assert.deepEqual(listed.groups.map((g) => g.groupId), ['g1']);
  } finally {
    for (const c of consumers) await c.disconnect().catch(() => {});
    await admin.disconnect();
    await broker.close();
  }
});

test('committed offsets survive a broker restart; group admin: reset, delete offsets, delete group', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-groups-'));
  let broker: Broker | null = await startTestBroker({ ...FAST, dataDir });
  // Clients still connected when a step fails are disconnected, so the file can still exit.
  const open = new Set<{ disconnect(): Promise<void> }>();
  try {
    let kafka = kafkaClient(broker.ports.kafka);
    const topic = 'resume';
    let admin = kafka.admin();
    await admin.connect();
    open.add(admin);
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    await produceNumbered(kafka, topic, 0, 50, 2);
    const first: string[] = [];
    let c = consumerOf(kafka, 'g2');
    open.add(c);
    await c.connect();
    await c.subscribe({ topic, fromBeginning: true });
    await c.run({ autoCommitInterval: 20, eachMessage: async ({ message }) => void first.push(message.value!.toString()) });
    await waitFor(() => first.length === 50, 15_000, '50 records');
    await c.disconnect();
    await admin.disconnect();
    await broker.close();
    broker = null;

    broker = await startTestBroker({ ...FAST, dataDir });
    kafka = kafkaClient(broker.ports.kafka);
    admin = kafka.admin();
    await admin.connect();
    open.add(admin);
    const offsets = await admin.fetchOffsets({ groupId: 'g2', topics: [topic] });
    assert.deepEqual(offsets[0]!.partitions.map((p) => p.offset).sort(), ['25', '25']);
    await produceNumbered(kafka, topic, 50, 10, 2);
    const second: string[] = [];
    c = consumerOf(kafka, 'g2');
    open.add(c);
    await c.connect();
    await c.subscribe({ topic, fromBeginning: true });
    await c.run({ autoCommitInterval: 20, eachMessage: async ({ message }) => void second.push(message.value!.toString()) });
    // Done once the group's commits reach the end of both partitions: everything the consumer
    // was going to read, old records included had the committed offsets been lost, is read.
    await waitFor(async () => {
      const o = await admin.fetchOffsets({ groupId: 'g2', topics: [topic] });
      return o[0]!.partitions.every((p) => p.offset === '30');
    }, 15_000, 'the group to commit offset 30 in both partitions');
    assert.deepEqual(second.map(Number).sort((a, b) => a - b), [50, 51, 52, 53, 54, 55, 56, 57, 58, 59], 'only the new records');
    await assert.rejects(admin.deleteGroups(['g2']), (err: unknown) => {
      const groups = (err as { groups?: Array<{ groupId: string; error?: { type?: string } }> }).groups;
      assert.deepEqual(groups?.map((g) => [g.groupId, g.error?.type]), [['g2', 'NON_EMPTY_GROUP']], `a group with members cannot be deleted: ${String(err)}`);
      return true;
    });
    await c.disconnect();
    await admin.setOffsets({ groupId: 'g2', topic, partitions: [{ partition: 0, offset: '5' }] });
    const reset = await admin.fetchOffsets({ groupId: 'g2', topics: [topic] });
    assert.equal(reset[0]!.partitions.find((p) => p.partition === 0)!.offset, '5');
    await admin.deleteGroups(['g2']);
    const gone = await admin.fetchOffsets({ groupId: 'g2', topics: [topic] });
    assert.deepEqual(gone[0]!.partitions.map((p) => p.offset), ['-1', '-1']);
    await admin.disconnect();
  } finally {
    for (const client of open) await client.disconnect().catch(() => {});
    await broker?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a deleted topic takes its committed offsets with it: created again, it starts without them, after a restart too', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-groups-'));
  let broker: Broker | null = await startTestBroker({ ...FAST, dataDir });
  const open = new Set<{ disconnect(): Promise<void> }>();
  try {
    let admin = kafkaClient(broker.ports.kafka).admin();
    await admin.connect();
    open.add(admin);
    await admin.createTopics({ topics: [{ topic: 'gone', numPartitions: 2 }, { topic: 'kept', numPartitions: 1 }] });
    for (const groupId of ['ga', 'gb']) {
      await admin.setOffsets({ groupId, topic: 'gone', partitions: [{ partition: 0, offset: '0' }, { partition: 1, offset: '0' }] });
      await admin.setOffsets({ groupId, topic: 'kept', partitions: [{ partition: 0, offset: '0' }] });
    }
    const offsetsOf = async (groupId: string, topic: string) => (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions.map((p) => p.offset).sort();
    assert.deepEqual(await offsetsOf('ga', 'gone'), ['0', '0']);
    await admin.deleteTopics({ topics: ['gone'] });
    await admin.createTopics({ topics: [{ topic: 'gone', numPartitions: 2 }] });
    assert.deepEqual(await offsetsOf('ga', 'gone'), ['-1', '-1'], 'the recreated topic has no committed offsets');
    assert.deepEqual(await offsetsOf('gb', 'gone'), ['-1', '-1']);
    assert.deepEqual(await offsetsOf('ga', 'kept'), ['0'], 'other topics keep theirs');
    await admin.disconnect();
    open.delete(admin);
    await broker.close();
    broker = null;
    // The removal is in __consumer_offsets: a restart does not bring the offsets back.
    broker = await startTestBroker({ ...FAST, dataDir });
    admin = kafkaClient(broker.ports.kafka).admin();
    await admin.connect();
    open.add(admin);
    assert.deepEqual(await offsetsOf('gb', 'gone'), ['-1', '-1'], 'still gone after a restart');
    assert.deepEqual(await offsetsOf('gb', 'kept'), ['0']);
  } finally {
    for (const client of open) await client.disconnect().catch(() => {});
    await broker?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
