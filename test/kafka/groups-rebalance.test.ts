// Rebalances with real clients through the wire, judged by committed offsets: a consumer
// application (Java clients 4.4 with the classic and with the KIP-848 protocol; kafkajs 2.2.4)
// reads a numbered topic that keeps growing, "processes" each record by appending p:o to its own
// file and commits synchronously after each poll (and on revocation). Members join late, leave
// cleanly, crash (SIGKILL: the session times out) and stall past max.poll.interval.ms (kicked
// out: the commit after the stall fails, and the member rejoins). At the end the committed
// offsets equal the end offsets, and the records covered by successful commits cover every
// record exactly once: records processed without a successful commit (the crashed member's, the
// stalled member's) were processed again and committed by exactly one member.
import { after, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Admin, Kafka } from 'kafkajs';
import { repoRoot } from '../support/wharf.js';
import { startTestBroker } from '../support/broker.js';
import { kafkaClient } from './support/kafkajs.js';
import { javaSkip, kafkaClasspath } from './support/java.js';
import { Member, PARTITIONS, PRELOAD, TOPIC, WAIT, committedAndEnds, ownedBy, startProducing, until, verify, type Scenario } from './support/rebalance-members.js';

/**
 * The choreography: m1..m3 share the topic; m4 joins late; m1 leaves cleanly; m2 dies (SIGKILL,
 * after processing a poll and before committing it); m3 stalls past max.poll.interval.ms
 * (Java only); the production stops and the survivors finish the topic.
 */
async function run(t: TestContext, group: string, scenario: Scenario, kafka: Kafka, admin: Admin): Promise<void> {
  const t0 = Date.now();
  const stamp = (what: string) => t.diagnostic(`${((Date.now() - t0) / 1000).toFixed(1)}s ${what}`);
  const members: Member[] = [];
  const producing = startProducing(kafka);
  let stopped = false;
  try {
    const m1 = scenario.start('m1', { maxPollMs: 20_000 });
    const m2 = scenario.start('m2', { maxPollMs: 20_000 });
    const m3 = scenario.start('m3', { maxPollMs: scenario.stalls ? 3_000 : 20_000 });
    members.push(m1, m2, m3);
    await until('a group of three, each committing', () => ownedBy([m1, m2, m3], members) && members.every((m) => m.commits > 0), members);
    stamp('m1, m2, m3 share the topic');

    // A member joins late.
    const m4 = scenario.start('m4', { maxPollMs: 20_000 });
    members.push(m4);
    await until('m4 to join and commit', () => ownedBy([m1, m2, m3, m4], members) && m4.commits > 0, members);
    stamp('m4 joined');

    // One leaves cleanly.
    m1.send('close');
    await until('m1 to close', () => m1.exited !== undefined, members);
    assert.equal(m1.exited, 0, m1.diagnostics());
    assert.ok(m1.find('X') >= 0, 'm1 closed its consumer');
    const c2 = m2.commits;
    await until('m2, m3, m4 to take over', () => ownedBy([m2, m3, m4], members) && m2.commits > c2, members);
    stamp('m1 left');

    // One crashes with records processed and not committed.
    m2.send('die');
    await until('m2 to process a poll it will not commit', () => m2.find('DYING') >= 0, members);
    m2.proc.kill('SIGKILL');
    await until('m2 to die', () => m2.exited !== undefined, members);
    const killed = Date.now();
    const c4 = m4.commits;
    await until('m2 session to expire and m3, m4 to take over', () => ownedBy([m3, m4], members) && m4.commits > c4, members);
    stamp(`m2 killed; its session expired after ${((Date.now() - killed) / 1000).toFixed(1)}s`);
    assert.ok(Date.now() - killed >= 4_000, 'the killed member was expired by its session timeout, not earlier');

    if (scenario.stalls) {
      // One stalls past max.poll.interval.ms between processing a poll and committing it.
      const from = m3.lines.length;
      m3.send('stall 5000');
      await until('m3 to stall, fail its commit and rejoin', () => {
        const f = m3.find('F ', m3.find('RESUMED', from));
        return f >= 0 && m3.find('A ', f) >= 0;
      }, members);
      const failure = m3.lines[m3.find('F ', from)]!;
      assert.match(failure, /^F (CommitFailedException|RebalanceInProgressException) /, `the commit after the stall fails: ${failure}`);
      const rejoined = m3.find('A ', m3.find('F ', from));
      const c3 = m3.commits;
      await until('m3 and m4 to share the topic again, m3 committing', () => ownedBy([m3, m4], members) && m3.commits > c3, members);
      stamp(`m3 stalled, was kicked out (${failure.split(' ')[1]}) and rejoined (${m3.lines[rejoined]})`);
    }

    const produced = await producing.stop();
    stopped = true;
    stamp(`production stopped at ${produced} records`);
    let last = { committed: [] as number[], ends: [] as number[] };
    await until('the committed offsets to reach the end offsets', async () => {
      last = await committedAndEnds(admin, group);
      return last.committed.every((c, p) => c === last.ends[p]);
    }, members, WAIT, () => `(committed ${last.committed.join(',')}; ends ${last.ends.join(',')})`);
    assert.equal(last.ends.reduce((a, b) => a + b, 0), produced);
    for (const m of [m3, m4]) m.send('close');
    await until('m3 and m4 to close', () => m3.exited !== undefined && m4.exited !== undefined, members);
    assert.equal(m3.exited, 0, m3.diagnostics());
    assert.equal(m4.exited, 0, m4.diagnostics());
    stamp('all committed; m3, m4 closed');

    const v = verify(members, last.ends);
    t.diagnostic(`${produced} records, ${v.processed} processings; processed without a successful commit (then redone by someone): ${[...v.redone].map(([n, c]) => `${n} ${c}`).join(', ')}; failed commits: ${[...v.failedCommits].map(([n, e]) => `${n} ${e.join(',')}`).join('; ') || 'none'}`);
    assert.ok(v.redone.get('m2')! > 0, 'the killed member had processed records it never committed');
    if (scenario.stalls) assert.ok(v.redone.get('m3')! > 0, 'the stalled member had processed records its failed commit did not cover');
    const after = await committedAndEnds(admin, group);
    assert.deepEqual(after.committed, after.ends, 'the committed offsets stayed at the end offsets');
  } finally {
    if (!stopped) await producing.stop().catch(() => 0);
    for (const m of members) if (m.exited === undefined) m.proc.kill('SIGKILL');
  }
}

async function withBroker(fn: (kafka: Kafka, admin: Admin, port: number) => Promise<void>): Promise<void> {
  const broker = await startTestBroker({
    kafkaPort: 0,
    fsync: 'never',
    groupMinSessionTimeout: 1_000,
    groupMaxSessionTimeout: 60_000,
    groupInitialRebalanceDelay: 500,
    groupConsumerSessionTimeout: 6_000,
    groupConsumerHeartbeatInterval: 500,
  });
  const kafka = kafkaClient(broker.ports.kafka);
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic: TOPIC, messages: Array.from({ length: PRELOAD }, (_, i) => ({ partition: i % PARTITIONS, value: String(i) })) });
    await producer.disconnect();
    await fn(kafka, admin, broker.ports.kafka);
  } finally {
    await admin.disconnect().catch(() => {});
    await broker.close();
  }
}

describe('rebalances with the Java clients 4.4: no record lost or consumed twice by committed offsets', { skip: javaSkip() }, () => {
  let classes = '';
  let classpath = '';
  const compile = () => {
    if (classes) return;
    classpath = kafkaClasspath();
    classes = mkdtempSync(join(tmpdir(), 'wharf-rebalance-'));
    execFileSync('javac', ['-nowarn', '-cp', classpath, '-d', classes, join(repoRoot(), 'test', 'kafka', 'java', 'RebalanceMember.java')], { stdio: 'pipe' });
  };

  for (const protocol of ['classic', 'consumer'] as const) {
    test(`group.protocol=${protocol}: join late, leave, crash, stall past max.poll.interval.ms`, { timeout: 900_000 }, async (t) => {
      compile();
      const dir = mkdtempSync(join(tmpdir(), 'wharf-rebalance-out-'));
      try {
        await withBroker(async (kafka, admin, port) => {
          const group = `rebalance-${protocol}`;
          const start = (name: string, { maxPollMs }: { maxPollMs: number }): Member => {
            const file = join(dir, `${name}.txt`);
            const proc = spawn(
              'java',
              ['-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-cp', `${classpath}:${classes}`, 'RebalanceMember', `127.0.0.1:${port}`, TOPIC, group, file, protocol, String(maxPollMs)],
              { stdio: ['pipe', 'pipe', 'pipe'] },
            );
            return new Member(name, file, proc);
          };
          await run(t, group, { start, stalls: true }, kafka, admin);
        });
      } finally {
        if (process.env.WHARF_REBALANCE_KEEP) t.diagnostic(`member files kept in ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  after(() => {
    if (classes) rmSync(classes, { recursive: true, force: true });
  });
});

describe('rebalances with kafkajs 2.2.4: no record lost or consumed twice by committed offsets', () => {
  test('join late, leave, crash (SIGKILL of a member process)', { timeout: 600_000 }, async (t) => {
    const script = join(dirname(fileURLToPath(import.meta.url)), 'support', 'rebalance-kafkajs-member.js');
    const dir = mkdtempSync(join(tmpdir(), 'wharf-rebalance-out-'));
    try {
      await withBroker(async (kafka, admin, port) => {
        const group = 'rebalance-kafkajs';
        const start = (name: string): Member => {
          const file = join(dir, `${name}.txt`);
          const proc = spawn(process.execPath, [script, String(port), TOPIC, group, file], { stdio: ['pipe', 'pipe', 'pipe'] });
          return new Member(name, file, proc);
        };
        await run(t, group, { start, stalls: false }, kafka, admin);
      });
    } finally {
      if (process.env.WHARF_REBALANCE_KEEP) t.diagnostic(`member files kept in ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
    }
  });
});
