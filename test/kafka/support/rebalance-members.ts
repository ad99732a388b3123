// The members of the rebalance tests (groups-rebalance.test.ts, group-migration.test.ts): a
// member process (Java's test/kafka/java/RebalanceMember.java, kafkajs's
// rebalance-kafkajs-member.ts) reports on stdout what it owns and commits, and writes every
// record it processes and every commit to its own file; the topic keeps growing while the
// members rebalance (startProducing); the verdict (verify) is by committed offsets: every record
// committed exactly once by a member that processed it.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Admin, Kafka } from 'kafkajs';
import { sleep } from '../../support/net.js';

export const TOPIC = 'numbers';
export const PARTITIONS = 6;
export const PRELOAD = 600;
/** Records produced per tick while the members run (one tick every 100 ms). */
export const PER_TICK = 12;
// A bound on each wait for the members to reach a state (they reach it in seconds on an idle
// machine; JVMs starting on a loaded one take far longer).
export const WAIT = 120_000;


/** One member process and what it reported on stdout. */
export class Member {
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

export interface Scenario {
  /** The staller's own max.poll.interval.ms is short; the others' is long. */
  start(name: string, opts: { maxPollMs: number }): Member;
  /** Whether the client can stall past max.poll.interval.ms (the Java clients). */
  stalls: boolean;
}

export async function until(what: string, cond: () => boolean | Promise<boolean>, members: Member[], ms = WAIT, detail = () => ''): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what} ${detail()}\n${members.map((m) => m.diagnostics()).join('\n')}`);
    await sleep(50);
  }
}

/** Every partition is owned by exactly one of `members`, each owns one, and nobody else owns any. */
export function ownedBy(members: Member[], all: Member[]): boolean {
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
export function startProducing(kafka: Kafka): { stop: () => Promise<number> } {
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

export interface Verdict {
  processed: number;
  redone: Map<string, number>;
  failedCommits: Map<string, string[]>;
}

/**
 * The exactly-once-by-committed-offsets check over the members' files: every C range holds
 * records its member processed (with the right values), and the C ranges of all members cover
 * [0, end) of each partition exactly once.
 */
export function verify(members: Member[], ends: number[]): Verdict {
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

export async function committedAndEnds(admin: Admin, group: string): Promise<{ committed: number[]; ends: number[] }> {
  const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [TOPIC] });
  const committed = Array<number>(PARTITIONS).fill(-1);
  for (const p of offsets!.partitions) committed[p.partition] = Number(p.offset);
  const ends = Array<number>(PARTITIONS).fill(0);
  for (const p of await admin.fetchTopicOffsets(TOPIC)) ends[p.partition] = Number(p.high);
  return { committed, ends };
}

