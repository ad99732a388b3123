// The cost of being watched: the same Wharf, unobserved and observed (the console open and
// Prometheus scraping), as interleaved pairs of the bench driver. The observed side runs the
// requests an open console makes (its overview polls /console/api/overview every 2 s, the
// shell every 10 s, the groups and topics pages every 3 and 5 s) and a scraper that reads
// /metrics every second, for the whole run; the reference is the unobserved broker. Issue 14
// asks for no more than 2 % difference. On a shared machine the throughput of single runs
// varies far more than 2 %, so the mode also measures what watching costs directly: the CPU
// time the broker spends answering each request of the console and the scraper (read from
// /proc for the broker's process, against a broker holding 40 topics of 4 partitions and 8
// groups with offsets on all of them), summed over one second of their polling.
//
//   node dist/bench/observed.js [--pairs N] [--quick] [--json FILE]
//   node dist/bench/all.js --only observed --pairs 5
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { repoRoot } from '../test/support/wharf.js';
import { freePort, waitForNatsInfo } from '../test/support/net.js';
import { requirePeer } from '../test/support/peers.js';
import { benchArgs, driverFlags } from './args.js';
import { measure, type Measurement, type Side } from './pairs.js';
import { startWithUlimit, type Proc } from './procs.js';
import type { BenchResult, BenchRow } from './report.js';
import { allPairs, markdownTable } from './table.js';

const DAY_MS = 86_400_000;

interface Running {
  nats: number;
  kafka: number;
  http: number;
  proc: Proc;
  stop(): Promise<void>;
}

async function startWharf(): Promise<Running> {
  const main = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
  const [nats, kafka, http] = [await freePort(), await freePort(), await freePort()];
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-observed-'));
  const proc = startWithUlimit(process.execPath, [main, '--host', '127.0.0.1', '--port', String(nats), '--kafka-port', String(kafka), '--http-port', String(http), '--data-dir', dataDir, '--log-level', 'warn', '--group-initial-rebalance-delay', '0'], DAY_MS);
  await waitForNatsInfo(nats, 15_000, () => (proc.child.exitCode !== null ? `wharf exited:\n${proc.out()}` : undefined));
  return {
    nats,
    kafka,
    http,
    proc,
    async stop() {
      await proc.kill();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The requests an open console and a Prometheus server make, and how often (ms). */
const POLLS: ReadonlyArray<readonly [path: string, everyMs: number]> = [
  ['/metrics', 1_000],
  ['/console/api/overview', 2_000],
  ['/console/api/overview', 10_000],
  ['/console/api/groups', 3_000],
  ['/console/api/topics', 5_000],
];

/** What an open console and a Prometheus server ask of the broker, until stopped. */
function observe(http: number): { stop(): Promise<number> } {
  const base = `http://127.0.0.1:${http}`;
  let requests = 0;
  const timers: NodeJS.Timeout[] = [];
  const inflight = new Set<Promise<void>>();
  const every = (ms: number, path: string) => {
    const hit = () => {
      const p = fetch(`${base}${path}`)
        .then((r) => r.arrayBuffer())
        .then(() => {
          requests++;
        })
        .catch(() => undefined)
        .finally(() => inflight.delete(p));
      inflight.add(p);
    };
    hit();
    timers.push(setInterval(hit, ms));
  };
  for (const [path, ms] of POLLS) every(ms, path);
  return {
    async stop() {
      for (const t of timers) clearInterval(t);
      await Promise.all([...inflight]);
      return requests;
    },
  };
}

/** `nats bench pub`: publish-only throughput, msgs/s. */
async function natsPub(port: number, msgs: number, work: string): Promise<number> {
  const csv = join(work, `pub-${Date.now()}-${Math.random()}.csv`);
  const p = startWithUlimit(requirePeer('nats'), ['bench', 'pub', 'bench.observed', '--msgs', String(msgs), '--size', '128', '--no-progress', '--csv', csv], DAY_MS, { ...process.env, HOME: work, NATS_URL: `nats://127.0.0.1:${port}`, NO_COLOR: '1' });
  const code = await p.exited;
  if (code !== 0) throw new Error(`nats bench pub failed: ${p.out().slice(-500)}`);
  const lines = readFileSync(csv, 'utf8').trim().split('\n');
  const header = lines[0]!.split(',');
  const col = header.indexOf('MsgsPerSec');
  return lines.slice(1).reduce((n, l) => n + Number(l.split(',')[col]), 0);
}

/** kafkajs producing `batches` batches of 500 records of 128 bytes (acks=-1, fsync=always): records/s. */
async function kafkaProduce(port: number, batches: number): Promise<number> {
  const kafka = new Kafka({ brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'observed', numPartitions: 3 }] });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  const value = Buffer.alloc(128, 7);
  const messages = Array.from({ length: 500 }, () => ({ value }));
  const t0 = process.hrtime.bigint();
  const window: Promise<unknown>[] = [];
  for (let i = 0; i < batches; i++) {
    window.push(producer.send({ topic: 'observed', messages }));
    if (window.length >= 8) await window.shift();
  }
  await Promise.all(window);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await producer.disconnect();
  return (batches * 500) / seconds;
}

/** CPU seconds (user + system) the process has used, from /proc/PID/stat. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) in parentheses: utime is 14th, stime 15th.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100;

export interface WatchCost {
  /** CPU ms per request, by path. */
  perRequestMs: Record<string, number>;
  /** CPU ms per second that the polls of POLLS cost together. */
  perSecondMs: number;
  topics: number;
  partitions: number;
  groups: number;
}

/** The CPU the broker spends per console and scrape request, with topics and lagging groups to report. */
async function watchCost(requestsPerPath: number): Promise<WatchCost> {
  const w = await startWharf();
  try {
    const pid = w.proc.child.pid!;
    const kafka = new Kafka({ brokers: [`127.0.0.1:${w.kafka}`], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const topics = Array.from({ length: 40 }, (_, i) => `cost-${i}`);
    await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: 4 })) });
    const producer = kafka.producer();
    await producer.connect();
    await producer.sendBatch({ topicMessages: topics.map((topic) => ({ topic, messages: Array.from({ length: 40 }, (_, i) => ({ key: String(i), value: Buffer.alloc(100, i) })) })) });
    await producer.disconnect();
    await admin.disconnect();
    // Groups committed at offset 1 of every partition: they lag, so lag in seconds reads records.
    // (Through the console's reset, an admin commit: kafkajs's setOffsets joins the group each time.)
    const base = `http://127.0.0.1:${w.http}`;
    const groups = Array.from({ length: 8 }, (_, i) => `cost-group-${i}`);
    for (const groupId of groups) {
      for (const topic of topics) {
        const r = await fetch(`${base}/console/api/groups/${groupId}/reset`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to: 'offset', topic, offset: 1 }) });
        if (!r.ok) throw new Error(`committing ${groupId} on ${topic}: HTTP ${r.status} ${await r.text()}`);
      }
    }
    const paths = [...new Set(POLLS.map(([p]) => p))];
    for (const path of paths) await (await fetch(`${base}${path}`)).arrayBuffer(); // warm: first-use costs
    const perRequestMs: Record<string, number> = {};
    for (const path of paths) {
      const c0 = cpuSeconds(pid);
      for (let i = 0; i < requestsPerPath; i++) {
        const r = await fetch(`${base}${path}`);
        if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
        await r.arrayBuffer();
      }
      perRequestMs[path] = ((cpuSeconds(pid) - c0) * 1_000) / requestsPerPath;
    }
    const perSecondMs = POLLS.reduce((sum, [path, ms]) => sum + perRequestMs[path]! * (1_000 / ms), 0);
    return { perRequestMs, perSecondMs, topics: topics.length, partitions: topics.length * 4, groups: groups.length };
  } finally {
    await w.stop();
  }
}

async function main(): Promise<void> {
  const a = benchArgs(process.argv.slice(2), ['json'], 'usage: node dist/bench/observed.js [--pairs N] [--order fixed|alternate] [--quick] [--json FILE]');
  const work = mkdtempSync(join(tmpdir(), 'wharf-observed-work-'));
  const natsMsgs = a.quick ? 100_000 : 1_000_000;
  const kafkaBatches = a.quick ? 40 : 400;
  const t0 = Date.now();
  let observedRequests = 0;
  const side = (column: string, observed: boolean): Side => ({
    column,
    async run() {
      const w = await startWharf();
      const watcher = observed ? observe(w.http) : null;
      try {
        if (watcher !== null) await new Promise((r) => setTimeout(r, 1_500)); // the console is open before the load starts
        const pub = await natsPub(w.nats, natsMsgs, work);
        const produce = await kafkaProduce(w.kafka, kafkaBatches);
        return { nats_pub: pub, kafka_produce: produce };
      } finally {
        if (watcher !== null) observedRequests += await watcher.stop();
        await w.stop();
      }
    },
  });
  const m: Measurement = {
    rows: [
      { key: 'nats_pub', label: `NATS publish, 128 B (nats bench pub, ${natsMsgs.toLocaleString('en-US')} msgs)`, unit: 'msgs/s', higherIsBetter: true, short: 'NATS pub' },
      { key: 'kafka_produce', label: `Kafka produce, 128 B, acks=all, fsync=always (kafkajs, ${(kafkaBatches * 500).toLocaleString('en-US')} records)`, unit: 'records/s', higherIsBetter: true, short: 'Kafka produce' },
    ],
    sides: [side('plain', false), side('observed', true)],
  };
  const rows: BenchRow[] = await measure(m, { pairs: a.pairs, order: a.order, log: (l) => process.stderr.write(`${l}\n`) });
  rmSync(work, { recursive: true, force: true });
  const cost = await watchCost(a.quick ? 20 : 200);
  const costLine = `CPU the broker spends being watched (${cost.topics} topics, ${cost.partitions} partitions, ${cost.groups} lagging groups with offsets on all of them): ${Object.entries(cost.perRequestMs).map(([p, ms]) => `${p} ${ms.toFixed(2)} ms`).join(', ')} per request; the polls above together ${cost.perSecondMs.toFixed(1)} ms per second, ${(cost.perSecondMs / 10).toFixed(2)} % of one core.`;
  process.stderr.write(`${costLine}\n`);
  const result: BenchResult = {
    area: 'observed',
    title: 'Observed: Wharf with the console open and /metrics scraped every second vs Wharf alone',
    columns: [
      { key: 'plain', label: 'Wharf, unobserved', role: 'reference', settings: 'fsync=always, nobody reading the monitoring port' },
      { key: 'observed', label: 'Wharf, console open + /metrics 1/s', role: 'wharf', settings: 'fsync=always; /metrics every 1 s, /console/api/overview every 2 s and 10 s, groups every 3 s, topics every 5 s' },
    ],
    rows,
    pairs: a.pairs,
    seconds: Math.round((Date.now() - t0) / 1000),
    date: new Date().toISOString(),
    commands: [`node dist/bench/observed.js --pairs ${a.pairs}${driverFlags(a)}${a.quick ? ' --quick' : ''}`],
    notes: [
      'Each run starts a fresh broker (`node dist/src/cli/main.js --host 127.0.0.1 --port P --kafka-port K --http-port H --data-dir D --log-level warn`); a pair runs the unobserved broker, then the observed one, with the same load.',
      `The observed broker answers the requests of an open console (its pages' polls) and of a Prometheus scraper during the whole run; they were ${observedRequests} requests in all.`,
      'The ratio is observed / unobserved: 1.00 means watching costs nothing; issue 14 allows at most 2 % (0.98).',
      costLine,
    ],
  };
  process.stdout.write(`${markdownTable(result)}\n\n${allPairs(result)}\n\n(${a.pairs} pair(s), ${result.seconds} s)\n\n${costLine}\n`);
  const json = a.values['json'];
  if (json !== undefined) {
    mkdirSync(dirname(json), { recursive: true });
    writeFileSync(json, JSON.stringify(result, null, 2) + '\n');
  }
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
