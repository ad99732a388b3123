// A commit never covers input whose output the broker has not acknowledged, under both
// guarantees: the stream thread's commit waits for its produce requests in flight (at_least_once
// commits the input offsets after that wait, exactly_once_v2 ends the transaction after it).
// The counting application runs as a child process behind a TCP proxy (test/support/kafka-proxy)
// that holds back its producer's Produce requests: the broker never receives them, so the output
// of the inputs written during the hold is not acknowledged. While the hold lasts, the group's
// committed input offset must stay where the acknowledged output ends; then the application is
// killed (the held requests die with its connections) and restarted, and every input must have
// its echo: a commit that had run ahead would have skipped the inputs whose output was lost.
// The proxy presents the broker's transaction coordinator as a second node on its own port, as
// in a cluster: the producer's EndTxn then travels on another connection than its Produce
// requests, and only the library's wait keeps it behind them (on one shared connection the
// client's one-request-at-a-time queue of an idempotent producer would order them anyway).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Admin } from '@platformatic/kafka';
import type { ProcessingGuarantee } from 'wharf/streams';
import { createTopics, produce, readUntil } from './support/cluster.js';
import { startTestBroker } from '../support/broker.js';
import { startKafkaProxy } from '../support/kafka-proxy.js';
import { sleep } from '../support/net.js';
import { waitFor } from '../support/wait.js';

const here = dirname(fileURLToPath(import.meta.url));
/** Inputs processed and committed before the hold, and inputs written during it. */
const BEFORE = 40;
const DURING = 5;
/** The counting application's commit.interval.ms (support/counting-app.ts). */
const COMMIT_INTERVAL_MS = 100;
/**
 * How long the hold is watched. Without the wait, the commit after the held send runs within
 * one commit interval; twenty intervals leave room for a loaded machine. The hold must end
 * well before the producer's request timeout (transaction.timeout.ms = 5 s in the counting app),
 * after which the client itself would give up on the held request.
 */
const WATCH_MS = 20 * COMMIT_INTERVAL_MS;
const PRODUCE = 0;

function startChild(bootstrap: string, stateDir: string, applicationId: string, guarantee: ProcessingGuarantee, log: string[]): ChildProcess {
  const child = spawn(process.execPath, [join(here, 'support', 'counting-app.js'), bootstrap, stateDir, applicationId, guarantee], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => log.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => log.push(d.toString()));
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

for (const guarantee of ['at_least_once', 'exactly_once_v2'] as const) {
  test(`${guarantee}: while the output's produce is unacknowledged the input is not committed, and a crash then loses nothing`, { timeout: 180_000 }, async () => {
    const proxy = await startKafkaProxy({ splitTransactionCoordinator: true });
    // The broker advertises the proxy, so every connection of the application goes through it.
    const broker = await startTestBroker({ kafkaPort: 0, kafkaAdvertisedPort: proxy.port, storage: 'memory', groupInitialRebalanceDelay: 0, groupMinSessionTimeout: 500 });
    proxy.setTarget(broker.ports.kafka);
    const bootstrap = `127.0.0.1:${proxy.port}`;
    const applicationId = `ack-wait-${guarantee.replace(/_/g, '-')}`;
    const stateDir = mkdtempSync(join(tmpdir(), 'wharf-streams-ack-wait-'));
    const log: string[] = [];
    const admin = new Admin({ clientId: 'committed-offsets', bootstrapBrokers: [bootstrap] });
    let child: ChildProcess | null = null;
    const committed = async (): Promise<number> => {
      const groups = await admin.listConsumerGroupOffsets({ groups: [applicationId] });
      const p = groups.flatMap((g) => g.topics).filter((t) => t.name === 'input').flatMap((t) => t.partitions);
      return p.reduce((n, x) => Math.max(n, Number(x.committedOffset)), -1);
    };
    const inputs = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => ({ key: Buffer.from(`k${(from + i) % 4}`), value: Buffer.from(String(from + i)) }));
    try {
      await createTopics(bootstrap, { input: 1, echo: 1, counts: 1 });
      await produce(bootstrap, 'input', inputs(0, BEFORE));
      child = startChild(bootstrap, stateDir, applicationId, guarantee, log);
      await waitFor(async () => (await committed()) === BEFORE, { what: `the first ${BEFORE} inputs committed`, timeoutMs: 60_000, intervalMs: 50, detail: () => `child log: ${log.join('').slice(-2000)}` });

      // From now on the broker never receives the application's produce requests.
      proxy.hold({ apiKey: PRODUCE, clientId: `${applicationId}-producer` });
      await produce(bootstrap, 'input', inputs(BEFORE, BEFORE + DURING));
      await waitFor(() => proxy.heldTotal > 0, { what: 'the output of the new inputs held on its way to the broker', timeoutMs: 30_000, detail: () => `child log: ${log.join('').slice(-2000)}` });
      const seen: number[] = [];
      const until = Date.now() + WATCH_MS;
      while (Date.now() < until) {
        const c = await committed();
        seen.push(c);
        assert.ok(c <= BEFORE, `the committed input offset ${c} passed the acknowledged output (${BEFORE} inputs) while ${proxy.heldTotal} produce request(s) were unacknowledged`);
        await sleep(COMMIT_INTERVAL_MS / 2);
      }
      assert.ok(seen.length >= 5, `the committed offsets were read ${seen.length} times during the hold`);

      // The application dies with its produce requests undelivered; a new one takes over.
      await kill(child);
      child = null;
      proxy.release(false);
      child = startChild(bootstrap, stateDir, applicationId, guarantee, log);
      const want = BEFORE + DURING;
      const echo = await readUntil(bootstrap, 'echo', (rs) => new Set(rs.map((r) => r.value?.toString())).size >= want, `every one of the ${want} inputs echoed after the restart`, 60_000).catch((err: unknown) => {
        throw new Error(`${(err as Error).message}; child log: ${log.join('').slice(-2000)}`);
      });
      const values = new Set(echo.map((r) => r.value?.toString()));
      const missing = inputs(0, want).map((r) => r.value.toString()).filter((v) => !values.has(v));
      assert.deepEqual(missing, [], 'inputs committed without their output');
      await waitFor(async () => (await committed()) === want, { what: `all ${want} inputs committed after the restart`, timeoutMs: 30_000, intervalMs: 50 });
    } finally {
      if (child) await kill(child);
      await admin.close().catch(() => undefined);
      await proxy.close();
      await broker.close();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
}
