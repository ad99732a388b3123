// Exactly-once under crashes: the Java clients' read-process-write application
// (test/kafka/java/ReadProcessWrite.java: read_committed consumer, transactional producer,
// sendOffsetsToTransaction) copies a numbered input topic to an output topic while the Wharf
// process is killed with SIGKILL and restarted on the same data directory and port several
// times. At the end the committed output holds every input exactly once, in order per partition.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, LOOPBACK, sleep } from '../support/net.js';
import { repoRoot } from '../support/wharf.js';
import { kafkaClient } from './support/kafkajs.js';
import { compileJavaApp, javaSkip } from './support/java.js';

const N = 2_000;
const PARTITIONS = 4;
const KILLS = 4;


class WharfChild {
  child: ChildProcess | null = null;
  out = '';
  constructor(
    readonly dataDir: string,
    readonly kafkaPort: number,
  ) {}

  async start(): Promise<void> {
    const main = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
    const natsPort = await freePort();
    const args = [main, '--host', LOOPBACK, '--port', String(natsPort), '--http-port', '-1', '--kafka-port', String(this.kafkaPort), '--data-dir', this.dataDir, '--log-level', 'warn'];
    args.push('--group-initial-rebalance-delay', '0', '--transaction-abort-timed-out-interval', '500ms');
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (d: Buffer) => {
      this.out = (this.out + d.toString()).slice(-20_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const kill = () => child.kill('SIGKILL');
    process.once('exit', kill);
    child.once('exit', () => process.removeListener('exit', kill));
    // Ready when the Kafka port answers.
    const end = Date.now() + 20_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`wharf exited: ${this.out}`);
      const ok = await new Promise<boolean>((resolve) => {
        const s = connect({ host: LOOPBACK, port: this.kafkaPort }, () => {
          s.destroy();
          resolve(true);
        });
        s.once('error', () => resolve(false));
      });
      if (ok) return;
      if (Date.now() > end) throw new Error(`wharf did not listen: ${this.out}`);
      await sleep(50);
    }
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill(signal);
    await exited;
    this.child = null;
  }
}


describe('exactly-once read-process-write (Java clients 4.4) across SIGKILLs of the broker', { skip: javaSkip() }, () => {
  test(`${N} records, ${KILLS} kills: the committed output holds every input once, in order`, { timeout: 300_000 }, async (t) => {
    const { classpath: appClasspath, classes } = compileJavaApp('ReadProcessWrite');
    const dataDir = mkdtempSync(join(tmpdir(), 'wharf-crash-'));
    const port = await freePort();
    const wharf = new WharfChild(dataDir, port);
    let app: ChildProcess | null = null;
    let appOut = '';
    let lastCommitted = 0;
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

      app = spawn('java', ['-cp', appClasspath, 'ReadProcessWrite', `${LOOPBACK}:${port}`, 'in', 'out', 'eos', 'eos-app', 'classic', '40'], { stdio: ['ignore', 'pipe', 'pipe'] });
      const killApp = () => app?.kill('SIGKILL');
      process.once('exit', killApp);
      app.stdout!.on('data', (d: Buffer) => {
        appOut = (appOut + d.toString()).slice(-20_000);
        const m = /COMMITTED (\d+)\s*$/m.exec(d.toString());
        if (m) lastCommitted = Number(m[1]);
      });
      app.stderr!.on('data', (d: Buffer) => void (appOut = (appOut + d.toString()).slice(-20_000)));

      let restarts = 0;
      for (let k = 0; k < KILLS; k++) {
        // Let the application get through a share of the input, then kill the broker mid-stream.
        const target = ((k + 1) * N) / (KILLS + 2);
        const until = Date.now() + 30_000;
        while (lastCommitted < target && Date.now() < until) await sleep(20);
        await sleep(Math.floor(Math.random() * 100));
        t.diagnostic(`kill ${k + 1} after ${lastCommitted} records committed by the application`);
        await wharf.kill('SIGKILL');
        restarts++;
        await sleep(200);
        await wharf.start();
      }

      // Wait until the group's committed offsets cover the whole input.
      const check = kafkaClient(port, 'crash-check');
      const a = check.admin();
      await a.connect();
      const end = Date.now() + 120_000;
      for (;;) {
        let sum = 0;
        try {
          const o = await a.fetchOffsets({ groupId: 'eos', topics: ['in'] });
          sum = o[0]!.partitions.reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
        } catch {
          sum = -1;
        }
        if (sum === N) break;
        if (Date.now() > end) assert.fail(`committed input offsets reach ${sum} of ${N}\napp:\n${appOut}\nwharf:\n${wharf.out}`);
        await sleep(250);
      }
      await a.disconnect();
      app.kill('SIGKILL');
      process.removeListener('exit', killApp);

      // Read the committed output, per partition.
      const got = new Map<number, number[]>();
      const c = check.consumer({ groupId: 'crash-verify', maxWaitTimeInMs: 100 });
      await c.connect();
      await c.subscribe({ topic: 'out', fromBeginning: true });
      let total = 0;
      await c.run({
        eachMessage: async ({ partition, message }) => {
          let a2 = got.get(partition);
          if (!a2) got.set(partition, (a2 = []));
          a2.push(Number(message.value!.toString()));
          total++;
        },
      });
      const until = Date.now() + 30_000;
      while (total < N && Date.now() < until) await sleep(50);
      await sleep(500);
      await c.disconnect();
      for (let p = 0; p < PARTITIONS; p++) {
        const expected = Array.from({ length: N / PARTITIONS }, (_, i) => i * PARTITIONS + p);
        assert.deepEqual(got.get(p), expected, `partition ${p}: every input once, in order`);
      }
      assert.equal(restarts, KILLS);
      t.diagnostic(`application: ${lastCommitted} records committed in total, ${(appOut.match(/RESTART/g) ?? []).length} client restarts`);
      assert.ok(lastCommitted >= N, 'the application committed at least every input');
    } finally {
      app?.kill('SIGKILL');
      await wharf.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(classes, { recursive: true, force: true });
    }
  });
});
