// A share group (KIP-932) and a JetStream work-queue consumer on the same topic (the stream's):
// each keeps its own protocol's promise and neither is the other's interest (docs/architecture.md,
// "Share groups"). The work queue delivers every message to its consumer and removes it once
// acknowledged, whether or not the share group has delivered it; the share group delivers every
// record that is still in the log when it acquires, and never one the work queue removed before:
// its start offset follows the log start offset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AckPolicy, connect, RetentionPolicy, StringCodec } from 'nats';
import { startWharf } from '../support/wharf.js';
import { freePort } from '../support/net.js';
import { decodeRecords, forEachBatch } from '../../src/core/records/batch.js';
import { RawKafka } from './support/raw-kafka.js';

const sc = StringCodec();
const ZERO = 'AAAAAAAAAAAAAAAAAAAAAA';

test('a share group and a JetStream work-queue consumer on one stream each behave as their protocol promises', { timeout: 90_000 }, async () => {
  const w = await startWharf({ kafkaPort: await freePort() });
  const nc = await connect({ servers: `127.0.0.1:${w.port}` });
  const c = await RawKafka.connect('127.0.0.1', w.kafkaPort!);
  try {
    const jsm = await nc.jetstreamManager();
    const js = nc.jetstream();
    await jsm.streams.add({ name: 'JOBS', subjects: ['jobs.>'], retention: RetentionPolicy.Workqueue });
    await jsm.consumers.add('JOBS', { durable_name: 'W', ack_policy: AckPolicy.Explicit });
    for (let i = 0; i < 10; i++) await js.publish(`jobs.${i}`, sc.encode(`job-${i}`));
    const cfg = await c.send(44, 1, { resources: [{ resourceType: 32, resourceName: 'sg', configs: [{ name: 'share.auto.offset.reset', configOperation: 0, value: 'earliest' }] }], validateOnly: false });
    assert.equal(cfg.responses[0]!.errorCode, 0);
    const md = await c.send(3, 12, { topics: [{ topicId: ZERO, name: 'JOBS' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    const topicId = md.topics[0]!.topicId!;
    const hb = await c.send(76, 1, { groupId: 'sg', memberId: 'm1', memberEpoch: 0, rackId: null, subscribedTopicNames: ['JOBS'] });
    assert.equal(hb.errorCode, 0);
    let epoch = 0;
    const shareFetch = async () => {
      const f = await c.send(78, 2, { groupId: 'sg', memberId: 'm1', shareSessionEpoch: epoch, maxWaitMs: 300, minBytes: 1, maxBytes: 1 << 20, maxRecords: 100, batchSize: 100, topics: epoch === 0 ? [{ topicId, partitions: [{ partitionIndex: 0, acknowledgementBatches: [] }] }] : [], forgottenTopicsData: [] });
      epoch++;
      const p = f.responses[0]?.partitions[0];
      const out: Array<[number, string]> = [];
      if (!p) return { out, ranges: [] as Array<{ firstOffset: bigint; lastOffset: bigint }> };
      forEachBatch(p.records, (pos, size) => {
        for (const r of decodeRecords(p.records.subarray(pos, pos + size))) {
          if (p.acquiredRecords.some((a) => BigInt(r.offset) >= a.firstOffset && BigInt(r.offset) <= a.lastOffset)) out.push([r.offset, r.value?.toString() ?? '']);
        }
      });
      return { out, ranges: p.acquiredRecords };
    };
    const accept = async (ranges: Array<{ firstOffset: bigint; lastOffset: bigint }>) => {
      const r = await c.send(79, 2, { groupId: 'sg', memberId: 'm1', shareSessionEpoch: epoch, topics: [{ topicId, partitions: [{ partitionIndex: 0, acknowledgementBatches: ranges.map((a) => ({ ...a, acknowledgeTypes: [1] })) }] }] });
      epoch++;
      assert.equal(r.responses[0]!.partitions[0]!.errorCode, 0);
    };
    // 1. The share group delivers the 10 messages (they are records of the stream's topic).
    const first = await shareFetch();
    assert.deepEqual(first.out.map(([, v]) => v), Array.from({ length: 10 }, (_, i) => `job-${i}`));
    await accept(first.ranges);
    // 2. The work-queue consumer gets the same 10 (the share group is not its interest) and its
    //    acks remove them from the stream.
    const consumer = await js.consumers.get('JOBS', 'W');
    const worked: string[] = [];
    for await (const m of await consumer.fetch({ max_messages: 10, expires: 3_000 })) {
      worked.push(sc.decode(m.data));
      await m.ackAck();
    }
    assert.deepEqual(worked, Array.from({ length: 10 }, (_, i) => `job-${i}`));
    assert.equal((await jsm.streams.info('JOBS')).state.messages, 0, 'the work queue removed what its consumer acknowledged');
    // 3. Ten more: the work queue takes and acknowledges them before the share group asks.
    for (let i = 10; i < 20; i++) await js.publish(`jobs.${i}`, sc.encode(`job-${i}`));
    const second: string[] = [];
    for await (const m of await consumer.fetch({ max_messages: 10, expires: 3_000 })) {
      second.push(sc.decode(m.data));
      await m.ackAck();
    }
    assert.equal(second.length, 10);
    const lo = await c.send(2, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: 'JOBS', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -2n }] }] });
    assert.equal(Number(lo.topics[0]!.partitions[0]!.offset), 20, 'the log start moved past the removed messages');
    // The share group never gets what the work queue removed; its start offset follows.
    const none = await shareFetch();
    assert.deepEqual(none.out, []);
    const off = await c.send(90, 1, { groups: [{ groupId: 'sg', topics: [{ topicName: 'JOBS', partitions: [0] }] }] });
    assert.equal(Number(off.groups[0]!.topics[0]!.partitions[0]!.startOffset), 20);
    // 4. A message published now reaches both.
    await js.publish('jobs.20', sc.encode('job-20'));
    const third = await shareFetch();
    assert.deepEqual(third.out, [[20, 'job-20']]);
    await accept(third.ranges);
    const last: string[] = [];
    for await (const m of await consumer.fetch({ max_messages: 1, expires: 3_000 })) {
      last.push(sc.decode(m.data));
      await m.ackAck();
    }
    assert.deepEqual(last, ['job-20']);
  } finally {
    c.close();
    await nc.close();
    await w.close();
  }
});
