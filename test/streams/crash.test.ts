// Exactly-once across crashes: the counting application runs as a child process under
// exactly_once_v2 against Wharf and is killed with SIGKILL mid-stream, three times, each time
// restarted on the same state directory (same process id, so the new producer fences the dead
// one's transaction). At the end the echo topic read in read_committed holds every input exactly
// once and the final count of every key is its number of inputs: no effect lost or doubled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Admin } from '@platformatic/kafka';
import { createTopics, latestByKey, produce, readUntil, startWharfCluster } from './support/cluster.js';
import { waitFor } from '../support/wait.js';

const here = dirname(fileURLToPath(import.meta.url));
const N = 6000;
const KEYS = 40;

function startChild(bootstrap: string, stateDir: string, log: string[]): ChildProcess {
  const child = spawn(process.execPath, [join(here, 'support', 'counting-app.js'), bootstrap, stateDir, 'crash-app'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => log.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => log.push(d.toString()));
  return child;
}

test('exactly_once_v2: kill -9 mid-stream three times, every input counted and echoed exactly once', { timeout: 240_000 }, async () => {
  const cluster = await startWharfCluster();
  const stateDir = mkdtempSync(join(tmpdir(), 'wharf-streams-crash-'));
  const log: string[] = [];
  let child: ChildProcess | null = null;
  try {
    await createTopics(cluster.bootstrap, { input: 4, echo: 4, counts: 4 });
    const inputs = Array.from({ length: N }, (_, i) => ({ key: Buffer.from(`k${i % KEYS}`), value: Buffer.from(String(i)) }));
    // Half the inputs now, all but the last TAIL while the application is being killed, and the
    // last TAIL only after the third kill: so that kill lands before the stream's end whatever
    // the application's speed (its transactions can hold thousands of records).
    const TAIL = 500;
    await produce(cluster.bootstrap, 'input', inputs.slice(0, N / 2));
    let consumed = 0;
    // Progress: the application's committed input offsets (the input is written without
    // transactions, so its offsets count records; echo's offsets would count markers too).
    const admin = new Admin({ clientId: 'progress', bootstrapBrokers: [cluster.bootstrap] });
    const progress = async () => {
      const groups = await admin.listConsumerGroupOffsets({ groups: ['crash-app'] });
      consumed = groups.flatMap((g) => g.topics).filter((t) => t.name === 'input').flatMap((t) => t.partitions).reduce((n, p) => n + Math.max(0, Number(p.committedOffset)), 0);
      return consumed;
    };
    for (let kill = 1; kill <= 3; kill++) {
      child = startChild(cluster.bootstrap, stateDir, log);
      const target = (kill * N) / 4;
      await waitFor(async () => (await progress()) >= target, { what: `committed inputs reach ${target} before kill ${kill}`, timeoutMs: 90_000, intervalMs: 100, detail: () => `committed ${consumed}; child log: ${log.join('').slice(-3000)}` });
      const c = child;
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      c.kill('SIGKILL');
      await exited;
      child = null;
      if (kill === 1) await produce(cluster.bootstrap, 'input', inputs.slice(N / 2, N - TAIL));
    }
    await progress();
    await admin.close();
    assert.ok(consumed < N, `the last kill happened before the stream's end (${consumed} of ${N} inputs committed)`);
    await produce(cluster.bootstrap, 'input', inputs.slice(N - TAIL));
    child = startChild(cluster.bootstrap, stateDir, log);
    const echo = await readUntil(cluster.bootstrap, 'echo', (rs) => rs.length >= N, `all ${N} inputs echoed`, 120_000);
    // Let a late duplicate show up if there were one.
    await new Promise((r) => setTimeout(r, 1500));
    const all = await readUntil(cluster.bootstrap, 'echo', (rs) => rs.length >= echo.length, 'echo re-read', 30_000);
    const seen = new Map<string, number>();
    for (const r of all) seen.set(r.value!.toString(), (seen.get(r.value!.toString()) ?? 0) + 1);
    const doubled = [...seen.entries()].filter(([, n]) => n > 1);
    assert.deepEqual(doubled, [], 'no input echoed twice');
    assert.equal(seen.size, N, 'every input echoed');
    const expected = new Map<string, number>();
    for (let i = 0; i < N; i++) expected.set(`k${i % KEYS}`, (expected.get(`k${i % KEYS}`) ?? 0) + 1);
    const counts = await readUntil(cluster.bootstrap, 'counts', (rs) => {
      const m = latestByKey(rs, (b) => Number(b.readBigInt64BE(0)));
      return [...expected].every(([k, n]) => m.get(k) === n);
    }, 'final counts equal the number of inputs per key', 60_000).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; child log: ${log.join('').slice(-3000)}`);
    });
    const final = latestByKey(counts, (b) => Number(b.readBigInt64BE(0)));
    assert.deepEqual([...final.entries()].sort(), [...expected.entries()].sort());
  } finally {
    child?.kill('SIGKILL');
    rmSync(stateDir, { recursive: true, force: true });
    await cluster.close();
  }
});
