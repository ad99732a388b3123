// Streams benchmark: the TypeScript library wharf/streams against Java Kafka Streams 4.3.1 running
// the same topology (word count; a windowed count) on the same broker, Wharf and Apache Kafka
// 4.4.0, under at_least_once and exactly_once_v2. Every measurement runs as N pairs, Java then
// TypeScript, back to back (bench/pairs.ts), each run a fresh application (its own application
// id, group, internal topics and output topic) over the input topic of its measurement:
//
// - throughput: the input is written before the application starts; from the moment it reports
//   RUNNING until a read_committed reader of the output sees every key's final count, records of
//   the input processed per second;
// - end-to-end latency: then records are written at a steady rate, each with a key of its own and
//   its send time as timestamp, and the reader takes arrival minus timestamp of each one's output;
// - CPU per record: user+system time of the application's process and of the broker's over the
//   throughput phase (/proc/PID/stat), divided by the input records.
//
//   npm run bench:streams                                  # the sizes package.json gives
//   node dist/bench/streams.js --quick                     # small counts, 1 pair (smoke test)
//   node dist/bench/streams.js --pairs 2 --brokers wharf --guarantees exactly_once_v2 --topologies wordcount
//   WHARF_BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir /tmp/prof" node dist/bench/streams.js --quick --sides ts
//   node dist/bench/streams.js --json out.json --doc docs/benchmarks.md   # also write the doc's streams section
//
// Needs the reference Kafka (bash scripts/peers/install-all.sh kafka), javac and Maven (Kafka
// Streams 4.3.1 is resolved from Maven Central once, into the peers cache).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Admin, Producer } from '@platformatic/kafka';
import { Kafka, logLevel } from '../test/kafka/support/kafkajs.js';
import { startKafka } from '../test/support/kafka.js';
import { freePort, sleep } from '../test/support/net.js';
import { repoRoot } from '../test/support/wharf.js';
import { streamsClasspath, STREAMS_VERSION } from '../test/streams/support/java-streams.js';
import { benchArgs, driverFlags, positiveNumber } from './args.js';
import * as load from './load.js';
import { measure, selected, type Measurement, type RowDef, type Side } from './pairs.js';
import { atExit, lastLines, start, type Proc } from './procs.js';
import type { BenchColumn, BenchResult, BenchRow } from './report.js';
import { allPairs, markdownTable } from './table.js';

type BrokerKey = 'wharf' | 'kafka';
type Guarantee = 'at_least_once' | 'exactly_once_v2';
type TopologyKey = 'wordcount' | 'windowed';
type SideKey = 'java' | 'ts';

interface Options {
  pairs: number;
  quick: boolean;
  order: 'fixed' | 'alternate';
  rows?: string[];
  json?: string;
  doc?: string;
  brokers: BrokerKey[];
  guarantees: Guarantee[];
  topologies: TopologyKey[];
  sides: SideKey[];
  scale: number;
}

function list<T extends string>(flag: string, v: string | undefined, all: readonly T[]): T[] {
  if (v === undefined) return [...all];
  return v.split(',').map((x) => {
    if (!(all as readonly string[]).includes(x)) throw new Error(`--${flag}: unknown ${x} (${all.join(', ')})`);
    return x as T;
  });
}

function options(argv: string[]): Options {
  const a = benchArgs(argv, ['json', 'doc', 'brokers', 'guarantees', 'topologies', 'sides', 'scale'], 'usage: node dist/bench/streams.js [--pairs N] [--order fixed|alternate] [--quick] [--scale F] [--brokers wharf,kafka] [--guarantees at_least_once,exactly_once_v2] [--topologies wordcount,windowed] [--sides java,ts] [--json FILE] [--doc docs/benchmarks.md]');
  return {
    pairs: a.pairs,
    quick: a.quick,
    order: a.order,
    rows: a.rows,
    json: a.values.json,
    doc: a.values.doc,
    brokers: list('brokers', a.values.brokers, ['wharf', 'kafka'] as const),
    guarantees: list('guarantees', a.values.guarantees, ['at_least_once', 'exactly_once_v2'] as const),
    topologies: list('topologies', a.values.topologies, ['wordcount', 'windowed'] as const),
    sides: list('sides', a.values.sides, ['java', 'ts'] as const),
    scale: a.values.scale === undefined ? 1 : positiveNumber('scale', a.values.scale),
  };
}

const PARTITIONS = 2;
const WORDS_PER_LINE = 5;
const VOCABULARY = 1000;
const WINDOW_KEYS = 100;
/** Latency records per run and their rate. */
const LATENCY_RECORDS = 500;
const LATENCY_RATE = 250;

// ---------------------------------------------------------------------------------------------
// Brokers

interface Broker {
  key: BrokerKey;
  bootstrap: string;
  pid: number;
  stop(): Promise<void>;
}

async function startWharfBroker(): Promise<Broker> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-bench-streams-'));
  const forget = atExit(() => rmSync(dataDir, { recursive: true, force: true }));
  const main = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
  const p = start(process.execPath, [main, '--host', '127.0.0.1', '--port', '0', '--http-port', '-1', '--kafka-port', String(port), '--data-dir', dataDir, '--log-level', 'warn', '--group-initial-rebalance-delay', '0'], 24 * 3600_000);
  const bootstrap = `127.0.0.1:${port}`;
  await waitMetadata(bootstrap, () => (p.child.exitCode !== null ? `Wharf exited: ${lastLines(p.out(), 10)}` : undefined));
  return {
    key: 'wharf',
    bootstrap,
    pid: p.child.pid!,
    async stop() {
      await p.kill(10_000);
      rmSync(dataDir, { recursive: true, force: true });
      forget();
    },
  };
}

async function startKafkaBroker(): Promise<Broker> {
  const k = await startKafka(['group.initial.rebalance.delay.ms=0', 'transaction.state.log.replication.factor=1', 'transaction.state.log.min.isr=1', 'offsets.topic.replication.factor=1']);
  const pid = Number(readFileSync(join(k.dataDir, 'kafka.pid'), 'utf8'));
  load.own(pid);
  return { key: 'kafka', bootstrap: k.bootstrap, pid, stop: () => k.close() };
}

async function waitMetadata(bootstrap: string, dead: () => string | undefined): Promise<void> {
  const end = Date.now() + 60_000;
  for (;;) {
    const admin = new Admin({ clientId: 'bench-probe', bootstrapBrokers: [bootstrap] });
    try {
      await admin.metadata({ topics: [] });
      return;
    } catch (e) {
      const why = dead();
      if (why) throw new Error(why);
      if (Date.now() > end) throw new Error(`no metadata from ${bootstrap}: ${(e as Error).message}`);
      await sleep(100);
    } finally {
      await admin.close().catch(() => undefined);
    }
  }
}

async function createTopic(bootstrap: string, name: string, partitions: number): Promise<void> {
  const admin = new Admin({ clientId: 'bench-admin', bootstrapBrokers: [bootstrap] });
  try {
    await admin.createTopics({ topics: [name], partitions, replicas: 1 });
    const end = Date.now() + 30_000;
    for (;;) {
      const m = await admin.metadata({ topics: [name], forceUpdate: true }).catch(() => null);
      if (m?.topics.get(name)?.partitions.every((p) => p.leader >= 0)) return;
      if (Date.now() > end) throw new Error(`topic ${name} has no leaders`);
      await sleep(50);
    }
  } finally {
    await admin.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Input and the expected output

/** One input topic per measurement: what was written to it and each output key's final count. */
interface Input {
  topic: string;
  records: number;
  expected: Map<string, number>;
}

/**
 * Timestamp of the first input record: an hour before the benchmark starts, on a 10 s window
 * boundary. Not a fixed date: Apache Kafka applies retention.ms (7 days by default) to record
 * timestamps, and rolls and deletes even the active segment once every record in it is older,
 * so an input stamped months ago vanished at the broker's first retention check (5 minutes
 * after it started) and every later run waited for output that could never come (the "hang" of
 * word count under exactly_once_v2 on Kafka 4.4). Not in the future either: Kafka rejects
 * timestamps more than log.message.timestamp.after.max.ms (1 hour) ahead.
 */
const T0 = Math.floor((Date.now() - 3600_000) / 10_000) * 10_000;

function word(i: number, j: number): string {
  return `w${(i * 7 + j * 131) % VOCABULARY}`;
}

async function writeInput(bootstrap: string, topology: TopologyKey, topic: string, n: number): Promise<Input> {
  await createTopic(bootstrap, topic, PARTITIONS);
  const expected = new Map<string, number>();
  // Idempotent: a retried batch (a slow broker under load) must not be written twice, or every
  // key's count exceeds the expected one and the run waits for counts it can never see.
  const producer = new Producer({ clientId: 'bench-input', bootstrapBrokers: [bootstrap], idempotent: true, compression: 'none' });
  try {
    const batch = 2000;
    for (let i = 0; i < n; i += batch) {
      const messages = [];
      for (let k = i; k < Math.min(n, i + batch); k++) {
        if (topology === 'wordcount') {
          const words = [];
          for (let j = 0; j < WORDS_PER_LINE; j++) words.push(word(k, j));
          for (const w of words) expected.set(w, (expected.get(w) ?? 0) + 1);
          messages.push({ topic, key: Buffer.from(`l${k}`), value: Buffer.from(words.join(' ')), timestamp: BigInt(T0 + k) });
        } else {
          const key = `k${k % WINDOW_KEYS}`;
          const ts = T0 + k * 10;
          const out = `${key}@${ts - (ts % 10_000)}`;
          expected.set(out, (expected.get(out) ?? 0) + 1);
          messages.push({ topic, key: Buffer.from(key), value: Buffer.from('x'), timestamp: BigInt(ts) });
        }
      }
      await producer.send({ messages });
    }
  } finally {
    await producer.close();
  }
  await checkInputCount(bootstrap, topic, n);
  return { topic, records: n, expected };
}

/**
 * Fails the run at once when the broker has deleted records of the input (retention, a purge):
 * the application could never produce the expected counts, and the run would only time out.
 */
async function checkInputWhole(bootstrap: string, topic: string): Promise<void> {
  const admin = new Admin({ clientId: 'bench-admin', bootstrapBrokers: [bootstrap] });
  try {
    const partitions = Array.from({ length: PARTITIONS }, (_, partitionIndex) => ({ partitionIndex, timestamp: -2n }));
    const res = await admin.listOffsets({ topics: [{ name: topic, partitions }] });
    for (const t of res) {
      for (const p of t.partitions) {
        if (p.offset !== 0n) throw new Error(`the broker deleted records of the input ${topic}-${p.partitionIndex} (its log starts at ${p.offset}): the expected counts cannot be reached`);
      }
    }
  } finally {
    await admin.close();
  }
}

/** Fails when the input holds other than the `n` records written (a duplicated batch). */
async function checkInputCount(bootstrap: string, topic: string, n: number): Promise<void> {
  const admin = new Admin({ clientId: 'bench-admin', bootstrapBrokers: [bootstrap] });
  try {
    const partitions = Array.from({ length: PARTITIONS }, (_, partitionIndex) => ({ partitionIndex, timestamp: -1n }));
    const res = await admin.listOffsets({ topics: [{ name: topic, partitions }] });
    let total = 0n;
    for (const t of res) for (const p of t.partitions) total += p.offset;
    if (total !== BigInt(n)) throw new Error(`the input ${topic} holds ${total} records, ${n} were written`);
  } finally {
    await admin.close();
  }
}

// ---------------------------------------------------------------------------------------------
// The output reader (kafkajs, read_committed: a client independent of the library measured)

interface Reader {
  latest: Map<string, number>;
  /** Arrival - timestamp of the outputs of latency records, ms. */
  latencies: number[];
  stop(): Promise<void>;
}

async function startReader(bootstrap: string, topic: string, latencyPrefix: string): Promise<Reader> {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  const kafka = new Kafka({ clientId: 'bench-reader', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 50 } });
  const consumer = kafka.consumer({ groupId: `${topic}-reader`, readUncommitted: false, maxWaitTimeInMs: 50, sessionTimeout: 10_000, heartbeatInterval: 500 });
  const latest = new Map<string, number>();
  const latencies: number[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
  });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      const now = Date.now();
      for (const m of batch.messages) {
        const k = m.key?.toString('utf8') ?? '';
        if (k.startsWith(latencyPrefix)) latencies.push(now - Number(m.timestamp));
        else if (m.value) latest.set(k, Number(m.value.readBigInt64BE(0)));
      }
    },
  });
  const end = Date.now() + 60_000;
  while (!joined) {
    if (Date.now() > end) throw new Error('the output reader did not join its group');
    await sleep(20);
  }
  return { latest, latencies, stop: () => consumer.disconnect().catch(() => undefined) };
}

// ---------------------------------------------------------------------------------------------
// The applications

let javaClasspath = '';

function setUpJava(): void {
  const cp = streamsClasspath();
  const classes = mkdtempSync(join(tmpdir(), 'wharf-bench-ks-'));
  atExit(() => rmSync(classes, { recursive: true, force: true }));
  execFileSync('javac', ['-nowarn', '-cp', cp, '-d', classes, join(repoRoot(), 'bench', 'java', 'StreamsBench.java')], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 120_000 });
  javaClasspath = `${cp}:${classes}`;
}

function startApp(side: SideKey, args: string[]): Proc {
  if (side === 'java') return start('java', ['-cp', javaClasspath, 'StreamsBench', ...args], 30 * 60_000);
  const flags = (process.env.WHARF_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  return start(process.execPath, [...flags, join(repoRoot(), 'dist', 'bench', 'streams-app.js'), ...args], 30 * 60_000);
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
}

async function waitFor(cond: () => boolean, ms: number, what: () => string, dead: () => string | undefined): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    const why = dead();
    if (why) throw new Error(why);
    if (Date.now() > end) throw new Error(`timed out: ${what()}`);
    await sleep(5);
  }
}

let runs = 0;

/** One run of one application: throughput, latency and CPU figures keyed by row suffix. */
async function runApp(b: Broker, topology: TopologyKey, guarantee: Guarantee, side: SideKey, input: Input): Promise<Record<string, number>> {
  const id = `bench-${topology}-${guarantee === 'exactly_once_v2' ? 'eos' : 'alos'}-${side}-${++runs}-${process.pid}`;
  await checkInputWhole(b.bootstrap, input.topic);
  const output = `${id}-out`;
  await createTopic(b.bootstrap, output, PARTITIONS);
  const latencyPrefix = `lat-${id}-`;
  const reader = await startReader(b.bootstrap, output, latencyPrefix);
  const stateDir = mkdtempSync(join(tmpdir(), 'wharf-bench-state-'));
  const app = startApp(side, [b.bootstrap, id, topology, guarantee, input.topic, output, stateDir]);
  const appDead = () => (app.child.exitCode !== null || app.child.signalCode !== null ? `the ${side} application exited: ${lastLines(app.out(), 8)}` : undefined);
  try {
    if (!(await app.waitOutput(/^RUNNING$/m, 180_000))) throw new Error(`the ${side} application did not start: ${lastLines(app.out(), 8)}`);
    const appPid = app.child.pid!;
    const t0 = performance.now();
    const app0 = load.cpuSeconds(appPid) ?? NaN;
    const broker0 = load.cpuSeconds(b.pid) ?? NaN;
    const complete = () => {
      for (const [k, n] of input.expected) if (reader.latest.get(k) !== n) return false;
      return true;
    };
    await waitFor(complete, 15 * 60_000, () => `${[...input.expected].filter(([k, n]) => reader.latest.get(k) !== n).length} of ${input.expected.size} keys not final`, appDead);
    const seconds = (performance.now() - t0) / 1000;
    const appCpu = (load.cpuSeconds(appPid) ?? NaN) - app0;
    const brokerCpu = (load.cpuSeconds(b.pid) ?? NaN) - broker0;
    // Latency: records at a steady rate, each its own key, timestamp = send time.
    const producer = new Producer({ clientId: 'bench-latency', bootstrapBrokers: [b.bootstrap], acks: 1, idempotent: false });
    try {
      const sends: Promise<unknown>[] = [];
      const begin = performance.now();
      for (let j = 0; j < LATENCY_RECORDS; j++) {
        const due = begin + (j * 1000) / LATENCY_RATE;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        const key = `${latencyPrefix}${j}`;
        const value = topology === 'wordcount' ? key : 'x';
        sends.push(producer.send({ messages: [{ topic: input.topic, key: Buffer.from(key), value: Buffer.from(value), timestamp: BigInt(Date.now()) }] }));
      }
      await Promise.all(sends);
    } finally {
      await producer.close();
    }
    await waitFor(() => reader.latencies.length >= LATENCY_RECORDS, 120_000, () => `${reader.latencies.length} of ${LATENCY_RECORDS} latency records out`, appDead);
    // Later runs over this input count the latency records too.
    input.records += LATENCY_RECORDS;
    return {
      rps: input.records / seconds,
      p50: percentile(reader.latencies, 50),
      p99: percentile(reader.latencies, 99),
      appcpu: (appCpu * 1e6) / input.records,
      brokercpu: (brokerCpu * 1e6) / input.records,
    };
  } finally {
    await app.kill(20_000);
    await reader.stop();
    rmSync(stateDir, { recursive: true, force: true });
    for (let j = 0; j < LATENCY_RECORDS; j++) {
      const k = `${latencyPrefix}${j}`;
      if (topology === 'wordcount') input.expected.set(k, 1);
    }
  }
}

// ---------------------------------------------------------------------------------------------

const GUARANTEE_LABEL: Record<Guarantee, string> = { at_least_once: 'at_least_once', exactly_once_v2: 'exactly_once_v2' };
const TOPOLOGY_LABEL: Record<TopologyKey, string> = {
  wordcount: 'word count (flatMapValues, groupBy through a repartition topic, count, to)',
  windowed: 'windowed count (groupByKey, 10 s tumbling windows, 1 min grace, count, to)',
};

function rowDefs(m: string, what: string): RowDef[] {
  return [
    { key: `${m}-rps`, label: `${what}: throughput`, short: `${m} throughput`, unit: 'input records/s', higherIsBetter: true },
    { key: `${m}-p50`, label: `${what}: end-to-end latency p50`, short: `${m} e2e p50`, unit: 'ms', higherIsBetter: false },
    { key: `${m}-p99`, label: `${what}: end-to-end latency p99`, short: `${m} e2e p99`, unit: 'ms', higherIsBetter: false, chart: false },
    { key: `${m}-appcpu`, label: `${what}: application CPU per input record`, short: `${m} app CPU/record`, unit: 'µs', higherIsBetter: false },
    { key: `${m}-brokercpu`, label: `${what}: broker CPU per input record`, short: `${m} broker CPU/record`, unit: 'µs', higherIsBetter: false, chart: false },
  ];
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const log = (l: string) => process.stderr.write(`${l}\n`);
  const t0 = Date.now();
  const sizes: Record<TopologyKey, number> = {
    wordcount: Math.round((o.quick ? 5_000 : 20_000) * o.scale),
    windowed: Math.round((o.quick ? 10_000 : 50_000) * o.scale),
  };
  if (o.sides.includes('java')) setUpJava();
  const brokers: Broker[] = [];
  try {
    for (const k of o.brokers) brokers.push(k === 'wharf' ? await startWharfBroker() : await startKafkaBroker());
    const ms: Measurement[] = [];
    const inputs = new Map<string, Input>();
    for (const b of brokers) {
      for (const topology of o.topologies) {
        for (const guarantee of o.guarantees) {
          const m = `${topology}-${b.key}-${guarantee === 'exactly_once_v2' ? 'eos' : 'alos'}`;
          const what = `${TOPOLOGY_LABEL[topology]}, ${b.key === 'wharf' ? 'on Wharf' : 'on Kafka 4.4'}, ${GUARANTEE_LABEL[guarantee]}, ${sizes[topology]} records`;
          const inputFor = async (): Promise<Input> => {
            let input = inputs.get(m);
            if (!input) {
              input = await writeInput(b.bootstrap, topology, `bench-in-${m}-${process.pid}`, sizes[topology]);
              inputs.set(m, input);
            }
            return input;
          };
          const sides: Side[] = o.sides.map((side) => ({
            column: side,
            run: async () => {
              const input = await inputFor();
              const r = await runApp(b, topology, guarantee, side, input);
              return Object.fromEntries(Object.entries(r).map(([k, v]) => [`${m}-${k}`, v]));
            },
          }));
          ms.push({ rows: rowDefs(m, what), sides });
        }
      }
    }
    const rows: BenchRow[] = [];
    for (const m of selected(ms, o.rows)) rows.push(...(await measure(m, { pairs: o.pairs, order: o.order, log })));
    const columns: BenchColumn[] = [
      { key: 'java', label: `Java Kafka Streams ${STREAMS_VERSION}`, role: 'reference', settings: 'num.stream.threads=1, commit.interval.ms=100, default cache (10 MB), RocksDB stores, JVM defaults' },
      { key: 'ts', label: 'wharf/streams', role: 'wharf', settings: 'one stream thread, commitIntervalMs 100, default cache (10 MB), LMDB stores, Node.js defaults' },
    ].filter((c) => o.sides.includes(c.key as SideKey)) as BenchColumn[];
    const result: BenchResult = {
      area: 'streams',
      title: `Streams: wharf/streams vs Java Kafka Streams ${STREAMS_VERSION}`,
      columns,
      rows,
      pairs: o.pairs,
      seconds: Math.round((Date.now() - t0) / 1000),
      date: new Date().toISOString(),
      commands: [`node dist/bench/streams.js --pairs ${o.pairs}${driverFlags(o)}${o.quick ? ' --quick' : ''}${o.scale !== 1 ? ` --scale ${o.scale}` : ''}`],
      notes: [
        `Input: ${PARTITIONS} partitions, written before the application starts (word count: ${WORDS_PER_LINE} words a line from ${VOCABULARY} words; windowed: ${WINDOW_KEYS} keys, timestamps 10 ms apart). Output: ${PARTITIONS} partitions. Each run is a new application id over the measurement's input topic, which it reads from the beginning.`,
        'Input timestamps start an hour before the benchmark (Kafka deletes records older than retention.ms, 7 days, by their timestamps, the active segment included: an input dated months back was gone at the broker\'s first retention check). Each run first checks that the broker still holds the whole input.',
        'Throughput: input records / seconds from the application printing RUNNING (its group joined and tasks assigned) until a read_committed kafkajs reader of the output has seen every key at its final count. Commit interval 100 ms for both guarantees (Java\'s default under exactly_once_v2), caches on (their default).',
        `End-to-end latency: then ${LATENCY_RECORDS} records at ${LATENCY_RATE}/s, each with a key of its own and its send time as record timestamp (both libraries give an aggregation's output the timestamp of the record that updated it); latency = arrival at the reader - timestamp. Bounded below by the commit interval (caches flush on commit; exactly_once_v2 output is visible once committed).`,
        'CPU per record: utime+stime of the application\'s process and of the broker\'s process (/proc/PID/stat) over the throughput phase, divided by the input records.',
        'Wharf: `node dist/src/cli/main.js --kafka-port P --data-dir D --group-initial-rebalance-delay 0` (fsync always, its default). Kafka: start-kafka.sh (single-node KRaft) with group.initial.rebalance.delay.ms=0.',
      ],
    };
    const text = `${markdownTable(result)}\n\n${allPairs(result)}\n\n(${o.pairs} pair(s), ${result.seconds} s)\n`;
    process.stdout.write(text);
    if (o.json) {
      mkdirSync(dirname(o.json), { recursive: true });
      writeFileSync(o.json, JSON.stringify(result, null, 2) + '\n');
      log(`wrote ${o.json}`);
    }
    if (o.doc) writeDocSection(o.doc, result);
  } finally {
    for (const b of brokers) await b.stop().catch((e: Error) => log(`stopping ${b.key}: ${e.message}`));
  }
}

/** Replaces (or appends) the streams section of docs/benchmarks.md, between its markers. */
function writeDocSection(file: string, r: BenchResult): void {
  const begin = '<!-- streams-bench:begin -->';
  const end = '<!-- streams-bench:end -->';
  const section = `${begin}\n## ${r.title}\n\nWritten by \`npm run bench:streams\` (bench/streams.ts) on ${r.date.slice(0, 16).replace('T', ' ')} UTC: \`${r.commands.join('; ')}\` (${r.seconds} s); the profile that explains the figures is in docs/streams.md (Performance).\n\n${markdownTable(r)}\n\nHow they were taken:\n\n${r.notes.map((n) => `- ${n}`).join('\n')}\n\n${allPairs(r)}\n${end}`;
  const doc = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const i = doc.indexOf(begin);
  const j = doc.indexOf(end);
  const next = i >= 0 && j > i ? `${doc.slice(0, i)}${section}${doc.slice(j + end.length)}` : `${doc.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, next);
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
