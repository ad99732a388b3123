// @platformatic/kafka against Wharf: a transactional producer (commit, abort), and consumer
// groups of two members with the classic and the KIP-848 protocol reading in read_committed:
// every committed record is consumed, nothing of the aborted transaction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { startTestBroker } from '../support/broker.js';
import { waitFor } from '../support/wait.js';

test('@platformatic/kafka: transactions, classic and KIP-848 groups in read_committed', async () => {
  const broker = await startTestBroker({ kafkaPort: 0, fsync: 'never', groupInitialRebalanceDelay: 0, groupMinSessionTimeout: 100, groupConsumerHeartbeatInterval: 200 });
  const bootstrapBrokers = [`127.0.0.1:${broker.ports.kafka}`];
  const admin = new Admin({ clientId: 'plat', bootstrapBrokers });
  const producer = new Producer({ clientId: 'plat', bootstrapBrokers, serializers: stringSerializers, idempotent: true, transactionalId: 'plat-tx' });
  try {
    await admin.createTopics({ topics: ['pt'], partitions: 4, replicas: 1 });
    let tx = await producer.beginTransaction();
    await tx.send({ messages: [0, 1, 2, 3].map((i) => ({ topic: 'pt', partition: i, key: 'k', value: `c${i}` })) });
    await tx.commit();
    tx = await producer.beginTransaction();
    await tx.send({ messages: [{ topic: 'pt', partition: 0, key: 'k', value: 'aborted' }] });
    await tx.abort();
    tx = await producer.beginTransaction();
    await tx.send({ messages: [0, 1, 2, 3].map((i) => ({ topic: 'pt', partition: i, key: 'k', value: `d${i}` })) });
    await tx.commit();
    const expected = ['c0', 'c1', 'c2', 'c3', 'd0', 'd1', 'd2', 'd3'];
    for (const protocol of ['classic', 'consumer'] as const) {
      const got = new Set<string>();
      const consumer = (n: number) =>
        new Consumer({
          clientId: `plat-${n}`,
          groupId: `pg-${protocol}`,
          bootstrapBrokers,
          deserializers: stringDeserializers,
          ...(protocol === 'consumer' ? { groupProtocol: 'consumer' as const } : { sessionTimeout: 3_000, heartbeatInterval: 200 }),
        });
      const [c1, c2] = [consumer(1), consumer(2)];
      const streams = [
        await c1.consume({ topics: ['pt'], mode: 'earliest', isolationLevel: 1, autocommit: 100, maxWaitTime: 200 }),
        await c2.consume({ topics: ['pt'], mode: 'earliest', isolationLevel: 1, autocommit: 100, maxWaitTime: 200 }),
      ];
      for (const s of streams) s.on('data', (m) => got.add(m.value as string));
      // Complete once every d<i> arrived: a partition is read in offset order, so whichever
      // member delivered d0 had passed the aborted record before it (no quiet period needed).
      await waitFor(() => expected.every((v) => got.has(v)), { what: `${protocol} group: every committed record`, timeoutMs: 15_000, detail: () => [...got].sort().join(',') });
      await Promise.all(streams.map((s) => s.close()));
      await Promise.all([c1.close(), c2.close()]);
      assert.deepEqual([...got].sort(), expected, `${protocol} group`);
    }
  } finally {
    await producer.close();
    await admin.close();
    await broker.close();
  }
});
