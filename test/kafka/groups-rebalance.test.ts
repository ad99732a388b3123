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
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Admin, Kafka } from 'kafkajs';
import { sleep } from '../support/net.js';
import { repoRoot } from '../support/wharf.js';
import { startTestBroker } from '../support/broker.js';
import { kafkaClient } from './support/kafkajs.js';
import { javaSkip, kafkaClasspath } from './support/java.js';

const TOPIC = 'numbers';
const PARTITIONS = 6;
const PRELOAD = 600;
/** Records produced per tick while the members run (one tick every 100 ms). */
const PER_TICK = 12;
// A bound on each wait for the members to reach a state (they reach it in seconds on an idle
// machine; JVMs starting on a loaded one take far longer).
const WAIT = 120_000;


/** One member process and what it reported on stdout. */
class Member {
  readonly lines: string[] = [];
  readonly owned = new Set<number>();
  commits = 0;
  exited: number | null | undefined = undefined;
  private tail = '';

  constructor(
    readonly name: string,
    readonly file: string,
    readonly proc: ChildProcess,
  ) {
    let buf = '';
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        this.onLine(buf.slice(0, i).trim());
        buf = buf.slice(i + 1);
      }
    });
    proc.stderr!.on('data', (d: Buffer) => void (this.tail = (this.tail + d.toString()).slice(-4_000)));
    proc.on('exit', (code, signal) => void (this.exited = code ?? (signal ? -1 : null)));
  }

  private onLine(l: string): void {
    this.lines.push(l);
    const [kind, arg] = l.split(' ');
    const parts = (arg ?? '').split(',').filter((s) => s !== '').map(Number);
    if (kind === 'A') for (const p of parts) this.owned.add(p);
    else if (kind === 'R' || kind === 'L') for (const p of parts) this.owned.delete(p);
    else if (kind === 'COMMITTED') this.commits++;
  }

  send(cmd: string): void {
    this.proc.stdin!.write(cmd + '\n');
  }

  /** Index of the first line at or after `from` that starts with `prefix`, or -1. */
  find(prefix: string, from = 0): number {
    if (from < 0) return -1;
    for (let i = from; i < this.lines.length; i++) if (this.lines[i]!.startsWith(prefix)) return i;
    return -1;
  }

  diagnostics(): string {
    return `${this.name}: ${this.lines.filter((l) => l !== 'COMMITTED').slice(-15).join(' | ')}${this.tail ? `\n  stderr: ${this.tail.slice(-1_500)}` : ''}`;
  }
}

interface Scenario {
  /** The staller's own max.poll.interval.ms is short; the others' is long. */
  start(name: string, opts: { maxPollMs: number }): Member;
  /** Whether the client can stall past max.poll.interval.ms (the Java clients). */
  stalls: boolean;
}

async function until(what: string, cond: () => boolean | Promise<boolean>, members: Member[], ms = WAIT, detail = () => ''): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what} ${detail()}\n${members.map((m) => m.diagnostics()).join('\n')}`);
    await sleep(50);
  }
}

/** Every partition is owned by exactly one of `members`, each owns one, and nobody else owns any. */
function ownedBy(members: Member[], all: Member[]): boolean {
  const owners = new Map<number, number>();
  for (const m of all) {
    if (m.exited !== undefined) continue;
    for (const p of m.owned) {
      if (!members.includes(m)) return false;
      owners.set(p, (owners.get(p) ?? 0) + 1);
    }
  }
  return owners.size === PARTITIONS && [...owners.values()].every((n) => n === 1) && members.every((m) => m.owned.size > 0);
}

/** Produces numbered records (value i at partition i % 6, so offset floor(i / 6)) until stopped. */
function startProducing(kafka: Kafka): { stop: () => Promise<number> } {
  let stopped = false;
  let next = PRELOAD;
  const done = (async () => {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    while (!stopped) {
      const messages = Array.from({ length: PER_TICK }, (_, k) => ({ partition: (next + k) % PARTITIONS, value: String(next + k) }));
      await producer.send({ topic: TOPIC, messages });
      next += PER_TICK;
      await sleep(100);
    }
    await producer.disconnect();
    return next;
  })();
  return {
    stop: async () => {
      stopped = true;
      return done;
    },
  };
}

interface Verdict {
  processed: number;
  redone: Map<string, number>;
  failedCommits: Map<string, string[]>;
}

/**
 * The exactly-once-by-committed-offsets check over the members' files: every C range holds
 * records its member processed (with the right values), and the C ranges of all members cover
 * [0, end) of each partition exactly once.
 */
function verify(members: Member[], ends: number[]): Verdict {
  const committedBy = new Map<string, string[]>();
  const redone = new Map<string, number>();
  const failedCommits = new Map<string, string[]>();
  let processed = 0;
  for (const m of members) {
    const processedHere = new Map<string, number>();
    const committedHere = new Set<string>();
    for (const l of readFileSync(m.file, 'utf8').split('\n')) {
      const f = l.split(' ');
      if (f[0] === 'P') {
        const [p, o, v] = [Number(f[1]), Number(f[2]), Number(f[3])];
        assert.equal(v, o * PARTITIONS + p, `${m.name}: record ${p}:${o} holds ${v}`);
        processedHere.set(`${p}:${o}`, (processedHere.get(`${p}:${o}`) ?? 0) + 1);
        processed++;
      } else if (f[0] === 'C') {
        const [p, first, last] = [Number(f[1]), Number(f[2]), Number(f[3])];
        for (let o = first; o <= last; o++) {
          const k = `${p}:${o}`;
          assert.ok(processedHere.has(k), `${m.name} committed ${k} which it did not process`);
          const by = committedBy.get(k) ?? [];
          by.push(m.name);
          committedBy.set(k, by);
          committedHere.add(k);
        }
      } else if (f[0] === 'F') {
        failedCommits.set(m.name, [...(failedCommits.get(m.name) ?? []), f[1]!]);
      } else if (f[0] === 'GAP') {
        assert.fail(`${m.name}: ${l}`);
      }
    }
    redone.set(m.name, [...processedHere.keys()].filter((k) => !committedHere.has(k)).length);
  }
  for (let p = 0; p < PARTITIONS; p++) {
    const missing: number[] = [];
    const twice: string[] = [];
    for (let o = 0; o < ends[p]!; o++) {
      const by = committedBy.get(`${p}:${o}`) ?? [];
      if (by.length === 0) missing.push(o);
      if (by.length > 1) twice.push(`${o} by ${by.join('+')}`);
    }
    assert.deepEqual(missing.slice(0, 20), [], `partition ${p}: records no successful commit covered (of ${ends[p]})`);
    assert.deepEqual(twice.slice(0, 20), [], `partition ${p}: records covered by two successful commits`);
  }
  const beyond = [...committedBy.keys()].filter((k) => {
    const [p, o] = k.split(':').map(Number);
    return o! >= ends[p!]!;
  });
  assert.deepEqual(beyond, [], 'commits past the end offsets');
  return { processed, redone, failedCommits };
}

async function committedAndEnds(admin: Admin, group: string): Promise<{ committed: number[]; ends: number[] }> {
  const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [TOPIC] });
  const committed = Array<number>(PARTITIONS).fill(-1);
  for (const p of offsets!.partitions) committed[p.partition] = Number(p.offset);
  const ends = Array<number>(PARTITIONS).fill(0);
  for (const p of await admin.fetchTopicOffsets(TOPIC)) ends[p.partition] = Number(p.high);
  return { committed, ends };
}

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
