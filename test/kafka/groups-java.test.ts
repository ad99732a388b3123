// The Java clients 4.4 with the new consumer group protocol (KIP-848, group.protocol=consumer):
// three transactional read-process-write instances share a topic; members join one after the
// other, one crashes (SIGKILL, so its session times out and its transaction times out), and the
// committed output still holds every input exactly once, in order per partition. Every step
// waits on the group's state (ConsumerGroupDescribe), not on the clock: the crash comes while the
// crashed member owns partitions, and the second half of the input is written to all partitions
// after it, so the test can only finish once those partitions moved to the survivors.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import type { Kafka } from 'kafkajs';
import { startTestBroker } from '../support/broker.js';
import { waitFor, waitForValue } from '../support/wait.js';
import { kafkaClient } from './support/kafkajs.js';
import { compileJavaApp, javaSkip } from './support/java.js';
import { RawKafkaClient } from './support/groups-raw.js';
import { readCommitted } from './support/read-committed.js';
import { ReadProcessWriteApp } from './support/read-process-write.js';
import type { ConsumerGroupDescribeResponseDescribedGroup, ConsumerGroupDescribeResponseMember } from '../../src/kafka/protocol/messages/consumer-group-describe.js';

const N = 3_000;
const PARTITIONS = 6;

async function produceRange(kafka: Kafka, from: number, to: number): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  for (let start = from; start < to; start += 500) {
    const end = Math.min(to, start + 500);
    await producer.send({ topic: 'in', messages: Array.from({ length: end - start }, (_, i) => ({ partition: (start + i) % PARTITIONS, value: String(start + i) })) });
  }
  await producer.disconnect();
}

/** Partitions of `in` the member currently owns (reconciled, not only targeted). */
function owned(m: ConsumerGroupDescribeResponseMember): number[] {
  return m.assignment.topicPartitions.flatMap((tp) => tp.partitions).sort((a, b) => a - b);
}

function summary(g: ConsumerGroupDescribeResponseDescribedGroup): string {
  return `${g.groupState}, epoch ${g.groupEpoch}, assignor ${g.assignorName}, members ${g.members.map((m) => `${m.clientId}:[${owned(m).join(',')}]`).join(' ')}`;
}

describe('Java clients 4.4, KIP-848 consumer protocol', { skip: javaSkip() }, () => {
  test('members join and one crashes: exactly once in the committed output', { timeout: 240_000 }, async (t) => {
    const { classpath, classes } = compileJavaApp('ReadProcessWrite');
    const broker = await startTestBroker({ kafkaPort: 0, fsync: 'never', groupConsumerSessionTimeout: 2_000, groupConsumerHeartbeatInterval: 250, transactionAbortTimedOutInterval: 250 });
    const apps: ReadProcessWriteApp[] = [];
    const raw = await RawKafkaClient.connect(broker.ports.kafka);
    try {
      const kafka = kafkaClient(broker.ports.kafka);
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'in', numPartitions: PARTITIONS }, { topic: 'out', numPartitions: PARTITIONS }] });
      await produceRange(kafka, 0, N / 2);
      const start = (i: number) =>
        apps.push(new ReadProcessWriteApp(classpath, { bootstrap: `127.0.0.1:${broker.ports.kafka}`, input: 'in', output: 'out', group: 'g848', transactionalId: `app-${i}`, protocol: 'consumer', pauseMs: 100 }));
      const total = () => apps.reduce((s, a) => s + a.committed, 0);
      const logs = () => apps.map((a, i) => `--- app-${i} (${a.committed} committed)\n${a.output()}`).join('\n');
      const describeGroup = async () => (await raw.request(69, 0, { groupIds: ['g848'], includeAuthorizedOperations: false })).groups[0]!;

      start(0);
      await waitFor(() => total() >= 300, { what: 'app-0 to commit 300 records', timeoutMs: 60_000, detail: logs });
      start(1);
      start(2);
      const three = await waitForValue(describeGroup, (g) => g.errorCode === 0 && g.groupState === 'Stable' && g.members.length === 3 && g.members.every((m) => owned(m).length > 0), {
        what: 'a stable group of three members, each owning partitions',
        timeoutMs: 60_000,
        detail: logs,
      });
      t.diagnostic(`before the crash: ${summary(three)}`);
      assert.deepEqual(three.members.map((m) => m.clientId).sort(), ['app-0', 'app-1', 'app-2']);
      assert.deepEqual(three.members.flatMap(owned).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5], 'every partition owned by exactly one member');
      const crashed = three.members.find((m) => m.clientId === 'app-1')!;

      // app-1 crashes while it owns partitions; the rest of the input then arrives in every
      // partition, its partitions included.
      await apps[1]!.kill();
      await produceRange(kafka, N / 2, N);
      const two = await waitForValue(
        describeGroup,
        (g) => g.groupState === 'Stable' && g.members.length === 2 && g.members.every((m) => m.memberId !== crashed.memberId) && g.members.flatMap(owned).length === PARTITIONS,
        { what: `the crashed member (owning ${owned(crashed).join(',')}) to time out and its partitions to move to the two others`, timeoutMs: 60_000, detail: logs },
      );
      t.diagnostic(`after the crash: ${summary(two)}`);
      assert.deepEqual(two.members.map((m) => m.clientId).sort(), ['app-0', 'app-2']);
      assert.deepEqual(two.members.flatMap(owned).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5]);

      await waitForValue(
        async () => (await admin.fetchOffsets({ groupId: 'g848', topics: ['in'] }))[0]!.partitions.reduce((s, p) => s + Math.max(0, Number(p.offset)), 0),
        (sum) => sum === N,
        { what: `the group's committed input offsets to reach ${N}`, timeoutMs: 120_000, intervalMs: 250, detail: logs },
      );
      for (const a of apps) await a.kill();
      const got = await readCommitted(kafka, broker.ports.kafka, 'out', { groupId: 'verify' });
      await admin.disconnect();
      for (let p = 0; p < PARTITIONS; p++) {
        assert.deepEqual(got.get(p), Array.from({ length: N / PARTITIONS }, (_, i) => String(i * PARTITIONS + p)), `partition ${p}`);
      }
    } finally {
      for (const a of apps) await a.kill();
      await raw.close();
      await broker.close();
      rmSync(classes, { recursive: true, force: true });
    }
  });
});
