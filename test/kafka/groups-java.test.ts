// The Java clients 4.4 with the new consumer group protocol (KIP-848, group.protocol=consumer):
// three transactional read-process-write instances share a topic; members join one after the
// other, one crashes (SIGKILL, so its session times out and its transaction times out), and the
// committed output still holds every input exactly once, in order per partition.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { sleep } from '../support/net.js';
import { startTestBroker } from '../support/broker.js';
import { kafkaClient } from './support/kafkajs.js';
import { compileJavaApp, javaSkip } from './support/java.js';
import { RawKafkaClient } from './support/groups-raw.js';

const N = 3_000;
const PARTITIONS = 6;


describe('Java clients 4.4, KIP-848 consumer protocol', { skip: javaSkip() }, () => {
  test('members join and one crashes: exactly once in the committed output', { timeout: 240_000 }, async (t) => {
    const { classpath: appClasspath, classes } = compileJavaApp('ReadProcessWrite');
    const broker = await startTestBroker({ kafkaPort: 0, fsync: 'never', groupConsumerSessionTimeout: 2_000, groupConsumerHeartbeatInterval: 250, transactionAbortTimedOutInterval: 250 });
    const apps: ChildProcess[] = [];
    const progress = new Map<number, number>();
    let out = '';
    try {
      const bs = `127.0.0.1:${broker.ports.kafka}`;
      const kafka = kafkaClient(broker.ports.kafka);
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'in', numPartitions: PARTITIONS }, { topic: 'out', numPartitions: PARTITIONS }] });
      const producer = kafka.producer();
      await producer.connect();
      for (let from = 0; from < N; from += 500) {
        await producer.send({ topic: 'in', messages: Array.from({ length: 500 }, (_, i) => ({ partition: (from + i) % PARTITIONS, value: String(from + i) })) });
      }
      await producer.disconnect();
      const start = (i: number): ChildProcess => {
        const app = spawn('java', ['-cp', appClasspath, 'ReadProcessWrite', bs, 'in', 'out', 'g848', `app-${i}`, 'consumer', '100'], { stdio: ['ignore', 'pipe', 'pipe'] });
        app.stdout!.on('data', (d: Buffer) => {
          out = (out + d.toString()).slice(-20_000);
          const m = /COMMITTED (\d+)\s*$/m.exec(d.toString());
          if (m) progress.set(i, Number(m[1]));
        });
        app.stderr!.on('data', (d: Buffer) => void (out = (out + d.toString()).slice(-20_000)));
        process.once('exit', () => app.kill('SIGKILL'));
        apps.push(app);
        return app;
      };
      const total = () => [...progress.values()].reduce((a, b) => a + b, 0);
      const waitProgress = async (n: number) => {
        const end = Date.now() + 60_000;
        while (total() < n && Date.now() < end) await sleep(50);
      };
      start(0);
      await waitProgress(300);
      start(1);
      start(2);
      const raw = await RawKafkaClient.connect(broker.ports.kafka);
      let d = await raw.request(69, 0, { groupIds: ['g848'], includeAuthorizedOperations: false });
      const joined = Date.now() + 30_000;
      while ((d.groups[0]!.members.length < 3 || d.groups[0]!.groupState !== 'Stable') && Date.now() < joined) {
        await sleep(100);
        d = await raw.request(69, 0, { groupIds: ['g848'], includeAuthorizedOperations: false });
      }
      await sleep(300);
      t.diagnostic(`group ${d.groups[0]!.groupState}, epoch ${d.groups[0]!.groupEpoch}, ${d.groups[0]!.members.length} members, assignor ${d.groups[0]!.assignorName}`);
      assert.equal(d.groups[0]!.errorCode, 0);
      assert.equal(d.groups[0]!.members.length, 3, 'three members');
      assert.ok(total() < N, 'the crash comes before the end of the input');
      // One member crashes.
      apps[1]!.kill('SIGKILL');
      const end = Date.now() + 120_000;
      for (;;) {
        const o = await admin.fetchOffsets({ groupId: 'g848', topics: ['in'] });
        const sum = o[0]!.partitions.reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
        if (sum === N) break;
        if (Date.now() > end) assert.fail(`committed ${sum} of ${N}\n${out}`);
        await sleep(250);
      }
      const after = await raw.request(69, 0, { groupIds: ['g848'] , includeAuthorizedOperations: false });
      assert.equal(after.groups[0]!.members.length, 2, 'the crashed member timed out');
      await raw.close();
      for (const a of apps) a.kill('SIGKILL');
      const got = new Map<number, number[]>();
      let count = 0;
      const c = kafka.consumer({ groupId: 'verify', maxWaitTimeInMs: 100 });
      await c.connect();
      await c.subscribe({ topic: 'out', fromBeginning: true });
      await c.run({
        eachMessage: async ({ partition, message }) => {
          let a = got.get(partition);
          if (!a) got.set(partition, (a = []));
          a.push(Number(message.value!.toString()));
          count++;
        },
      });
      const until = Date.now() + 60_000;
      while (count < N && Date.now() < until) await sleep(50);
      await sleep(500);
      await c.disconnect();
      await admin.disconnect();
      for (let p = 0; p < PARTITIONS; p++) {
        assert.deepEqual(got.get(p), Array.from({ length: N / PARTITIONS }, (_, i) => i * PARTITIONS + p), `partition ${p}`);
      }
    } finally {
      for (const a of apps) a.kill('SIGKILL');
      await broker.close();
      rmSync(classes, { recursive: true, force: true });
    }
  });
});
