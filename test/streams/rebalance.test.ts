// Rebalancing while processing: three instances of the counting application (exactly_once_v2,
// separate state directories, in-memory stores restored from changelogs, one standby replica)
// join one by one while input flows, then two leave (LeaveGroup on close) while input still
// flows. Tasks move by the cooperative protocol: an instance keeps processing what it keeps
// during a rebalance, and no task is ever active on two instances at once. At the end every
// input was echoed and counted exactly once: no count lost or doubled. (Instances dying instead
// of leaving are the crash test's subject.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTopics, latestByKey, produce, readUntil, startWharfCluster } from './support/cluster.js';
import { countingApp } from './support/counting-app.js';
import { silent } from './support/logger.js';
import { waitFor } from '../support/wait.js';
import type { KafkaStreams } from 'wharf/streams';

const N = 9000;
const KEYS = 60;
const PARTITIONS = 6;

test('instances join and leave during processing: tasks spread, no count lost or doubled', { timeout: 240_000 }, async () => {
  const cluster = await startWharfCluster();
  const dirs: string[] = [];
  const apps: KafkaStreams[] = [];
  const owners = new Map<string, Set<number>>();
  let overlap = '';
  const snapshotOwners = () => {
    const byTask = new Map<string, number[]>();
    apps.forEach((a, i) => {
      if (a.currentState() === 'NOT_RUNNING' || a.currentState() === 'ERROR') return;
      for (const t of a.localTasks().active) byTask.set(t, [...(byTask.get(t) ?? []), i]);
    });
    for (const [t, list] of byTask) {
      if (list.length > 1) overlap ||= `task ${t} active on instances ${list.join(',')}`;
      for (const i of list) owners.set(t, (owners.get(t) ?? new Set()).add(i));
    }
  };
  const sampler = setInterval(snapshotOwners, 20);
  const newApp = () => {
    const dir = mkdtempSync(join(tmpdir(), 'wharf-streams-rb-'));
    dirs.push(dir);
    const app = countingApp({ bootstrap: cluster.bootstrap, stateDir: dir, applicationId: 'rebalance-app', logger: silent, numStandbyReplicas: 1, storeType: 'inMemory' });
    apps.push(app);
    return app;
  };
  try {
    await createTopics(cluster.bootstrap, { input: PARTITIONS, echo: PARTITIONS, counts: PARTITIONS });
    const inputs = Array.from({ length: N }, (_, i) => ({ key: Buffer.from(`k${i % KEYS}`), value: Buffer.from(String(i)) }));
    const third = N / 3;
    await produce(cluster.bootstrap, 'input', inputs.slice(0, third));
    const a = newApp();
    await a.start();
    assert.equal(a.localTasks().active.length, PARTITIONS * 1, 'the first instance runs every task');
    const b = newApp();
    const c = newApp();
    await Promise.all([b.start(), produce(cluster.bootstrap, 'input', inputs.slice(third, 2 * third))]);
    await c.start();
    await waitFor(() => apps.slice(0, 3).every((x) => x.localTasks().active.length === 2), { what: 'six tasks spread two per instance', timeoutMs: 60_000, detail: () => apps.map((x) => x.localTasks().active.join(',')).join(' | ') });
    await waitFor(() => apps.slice(0, 3).every((x) => x.localTasks().standby.length > 0), { what: 'standby replicas assigned', timeoutMs: 30_000, detail: () => apps.map((x) => x.localTasks().standby.join(',')).join(' | ') });
    // One leaves cleanly while the last third is produced, another one afterwards.
    await Promise.all([a.close(), produce(cluster.bootstrap, 'input', inputs.slice(2 * third))]);
    await waitFor(() => [b, c].every((x) => x.localTasks().active.length === 3), { what: 'the remaining two instances take over', timeoutMs: 60_000, detail: () => [b, c].map((x) => x.localTasks().active.join(',')).join(' | ') });
    await b.close();
    await waitFor(() => c.localTasks().active.length === PARTITIONS, { what: 'the last instance runs everything', timeoutMs: 60_000 });
    const echo = await readUntil(cluster.bootstrap, 'echo', (rs) => rs.length >= N, `all ${N} inputs echoed`, 120_000);
    await new Promise((r) => setTimeout(r, 1000));
    const all = await readUntil(cluster.bootstrap, 'echo', (rs) => rs.length >= echo.length, 'echo re-read');
    const seen = new Map<string, number>();
    for (const r of all) seen.set(r.value!.toString(), (seen.get(r.value!.toString()) ?? 0) + 1);
    assert.deepEqual([...seen].filter(([, n]) => n > 1), [], 'no input echoed twice');
    assert.equal(seen.size, N);
    const expected = new Map<string, number>();
    for (let i = 0; i < N; i++) expected.set(`k${i % KEYS}`, (expected.get(`k${i % KEYS}`) ?? 0) + 1);
    const counts = await readUntil(cluster.bootstrap, 'counts', (rs) => {
      const m = latestByKey(rs, (x) => Number(x.readBigInt64BE(0)));
      return [...expected].every(([k, n]) => m.get(k) === n);
    }, 'exact final counts', 60_000);
    assert.deepEqual([...latestByKey(counts, (x) => Number(x.readBigInt64BE(0)))].sort(), [...expected].sort());
    for (const [k, n] of expected) assert.equal(await c.store<string, number>('counts').get(k), n, `store count of ${k}`);
    assert.equal(overlap, '', 'no task ever active on two instances at once');
    assert.ok([...owners.values()].some((s) => s.size >= 2), 'tasks moved between instances');
  } finally {
    clearInterval(sampler);
    await Promise.all(apps.map((x) => x.close().catch(() => undefined)));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await cluster.close();
  }
});
