// Exactly-once under crashes: the Java clients' read-process-write application
// (test/kafka/java/ReadProcessWrite.java: read_committed consumer, transactional producer,
// sendOffsetsToTransaction) copies a numbered input topic to an output topic while the Wharf
// process is killed with SIGKILL and restarted on the same data directory and port several
// times. At the end the committed output holds every input exactly once, in order per partition.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, LOOPBACK, sleep } from '../support/net.js';
import { waitFor, waitForValue } from '../support/wait.js';
import { CrashWharf } from '../support/crash-wharf.js';
import { kafkaClient } from './support/kafkajs.js';
import { compileJavaApp, javaSkip } from './support/java.js';
import { readCommitted } from './support/read-committed.js';
import { ReadProcessWriteApp } from './support/read-process-write.js';

const N = 2_000;
const PARTITIONS = 4;
const KILLS = 4;




describe('exactly-once read-process-write (Java clients 4.4) across SIGKILLs of the broker', { skip: javaSkip() }, () => {
  test(`${N} records, ${KILLS} kills: the committed output holds every input once, in order`, { timeout: 300_000 }, async (t) => {
    const { classpath: appClasspath, classes } = compileJavaApp('ReadProcessWrite');
    const dataDir = mkdtempSync(join(tmpdir(), 'wharf-crash-'));
    const port = await freePort();
    const wharf = new CrashWharf(dataDir, { kafkaPort: port, args: ['--group-initial-rebalance-delay', '0', '--transaction-abort-timed-out-interval', '500ms'] });
    let app: ReadProcessWriteApp | undefined;
    try {
      await wharf.start();
      const kafka = kafkaClient(port);
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'in', numPartitions: PARTITIONS }, { topic: 'out', numPartitions: PARTITIONS }] });
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      for (let from = 0; from < N; from += 500) {
        await producer.send({ topic: 'in', messages: Array.from({ length: 500 }, (_, i) => ({ partition: (from + i) % PARTITIONS, value: String(from + i) })) });
      }
      await producer.disconnect();
      await admin.disconnect();

      const eos = new ReadProcessWriteApp(appClasspath, { bootstrap: `${LOOPBACK}:${port}`, input: 'in', output: 'out', group: 'eos', transactionalId: 'eos-app', protocol: 'classic', pauseMs: 40 });
      app = eos;
      const logs = () => `app:\n${eos.output()}\nwharf:\n${wharf.out}`;
      // Each kill comes once the application has committed more than at the previous kill (so it
      // got going again after every restart) and before the input is done (so it lands mid-stream).
      const committedAtKill: number[] = [];
      for (let k = 0; k < KILLS; k++) {
        const target = Math.max(Math.ceil(((k + 1) * N) / (KILLS + 2)), (committedAtKill[k - 1] ?? 0) + 50);
        await waitFor(() => eos.committed >= target, {
          what: `the application to commit ${target} records before kill ${k + 1} (it had ${committedAtKill[k - 1] ?? 0} at the previous kill)`,
          timeoutMs: 60_000,
          detail: () => `committed so far: ${eos.committed}\n${logs()}`,
        });
        // A random moment inside the next transactions, not right after a commit.
        await sleep(Math.floor(Math.random() * 100));
        committedAtKill.push(eos.committed);
        t.diagnostic(`kill ${k + 1} after ${eos.committed} records committed by the application`);
        await wharf.kill('SIGKILL');
        await wharf.start();
      }
      assert.equal(committedAtKill.length, KILLS);
      for (let k = 0; k < KILLS; k++) {
        assert.ok(committedAtKill[k]! < N, `kill ${k + 1} came before the end of the input (${committedAtKill[k]} of ${N} committed)`);
        if (k > 0) assert.ok(committedAtKill[k]! > committedAtKill[k - 1]!, `the application made progress between kill ${k} and kill ${k + 1}: ${committedAtKill.join(', ')}`);
      }

      // Wait until the group's committed offsets cover the whole input.
      const check = kafkaClient(port, 'crash-check');
      const a = check.admin();
      await a.connect();
      await waitForValue(
        async () => {
          try {
            const o = await a.fetchOffsets({ groupId: 'eos', topics: ['in'] });
            return o[0]!.partitions.reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
          } catch {
            return -1; // the restarted broker may still be loading the group
          }
        },
        (sum) => sum === N,
        { what: `the group's committed input offsets to reach ${N}`, timeoutMs: 120_000, intervalMs: 250, detail: logs },
      );
      await a.disconnect();
      await eos.kill();

      // Read the committed output to the end of every partition.
      const got = await readCommitted(check, port, 'out', { groupId: 'crash-verify' });
      for (let p = 0; p < PARTITIONS; p++) {
        const expected = Array.from({ length: N / PARTITIONS }, (_, i) => String(i * PARTITIONS + p));
        assert.deepEqual(got.get(p), expected, `partition ${p}: every input once, in order`);
      }
      t.diagnostic(`application: ${eos.committed} records committed in total, ${eos.restarts} client restarts`);
      assert.ok(eos.committed >= N, 'the application committed at least every input');
    } finally {
      await app?.kill();
      await wharf.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(classes, { recursive: true, force: true });
    }
  });
});
