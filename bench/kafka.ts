// Kafka benchmark: Wharf against Apache Kafka 4.4.0 on the same machine, with Kafka's own load
// tools (ProducerPerformance, ConsumerPerformance) and bench/java/KafkaBenchTool.java (the same
// Java client) for what those tools do not measure. Kafka, Wharf with its default durability
// (--fsync always, group commit) and Wharf with --fsync never run side by side; every row runs
// as N triples, Kafka then both Wharfs, back to back (bench/pairs.ts). Start-up is measured on
// fresh brokers; memory once per broker after every row ran on it.
//
//   npm run bench:kafka -- --pairs 5
//   node dist/bench/kafka.js --quick                 # small counts, 1 triple (smoke test)
//   node dist/bench/kafka.js --pairs 3 --json out.json --targets kafka,wharf
//   node dist/bench/kafka.js --wharf /path/to/dist/src/cli/main.js   # another build of Wharf
//
// Needs the reference Kafka: bash scripts/peers/install-all.sh kafka
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { requirePeer } from '../test/support/peers.js';
import { freePort, sleep } from '../test/support/net.js';
import { repoRoot } from '../test/support/wharf.js';
import { benchArgs, driverFlags, positiveNumber, type Order } from './args.js';
import * as load from './load.js';
import { cpuRow, withBrokerCpu } from './broker-cpu.js';
import { measure, NotMeasurable, selected, type Measurement, type RowDef, type Side } from './pairs.js';
import { atExit, lastLines, run, start } from './procs.js';
import type { BenchColumn, BenchResult, BenchRow } from './report.js';
import { allPairs, markdownTable } from './table.js';

type TargetKey = 'kafka' | 'wharf' | 'wharfLazy';
const TARGET_ARG: Record<string, TargetKey> = { kafka: 'kafka', wharf: 'wharf', 'wharf-lazy': 'wharfLazy' };

interface Options {
  pairs: number;
  quick: boolean;
  order: Order;
  rows?: string[];
  json?: string;
  wharfMain: string;
  targets: TargetKey[];
  /** Multiplies every record count. */
  scale: number;
}

function options(argv: string[]): Options {
  const a = benchArgs(argv, ['json', 'wharf', 'targets', 'scale'], 'usage: node dist/bench/kafka.js [--pairs N] [--order fixed|alternate] [--rows KEY,...] [--quick] [--scale F] [--json FILE] [--wharf MAIN.js] [--targets kafka,wharf,wharf-lazy]');
  let targets: TargetKey[] = ['kafka', 'wharf', 'wharfLazy'];
  if (a.values.targets !== undefined) {
    targets = a.values.targets.split(',').map((t) => {
      const k = TARGET_ARG[t];
      if (!k) throw new Error(`--targets: unknown target ${t} (kafka, wharf, wharf-lazy)`);
      return k;
    });
  }
  const scale = a.values.scale === undefined ? 1 : positiveNumber('scale', a.values.scale);
  return { pairs: a.pairs, quick: a.quick, order: a.order, rows: a.rows, json: a.values.json, wharfMain: a.values.wharf ?? join(repoRoot(), 'dist', 'src', 'cli', 'main.js'), targets, scale };
}

const CMD_TIMEOUT_MS = 240_000;
const DAY_MS = 24 * 3600_000;

function rss(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)\\s+kB`).exec(status)?.[1] ?? NaN) / 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

// ---------------------------------------------------------------------------------------------
// ApiVersions probe (readiness and the list of APIs a server advertises)

/** Sends ApiVersions v3 and resolves with the advertised API keys; rejects on any failure. */
function apiVersions(port: number, timeoutMs = 2_000): Promise<Set<number>> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port });
    const t = setTimeout(() => {
      sock.destroy();
      reject(new Error('ApiVersions timed out'));
    }, timeoutMs);
    const clientId = Buffer.from('wharf-bench');
    const body = Buffer.concat([
      Buffer.from([0, 18, 0, 3, 0, 0, 0, 7]), // api key 18, version 3, correlation id 7
      Buffer.from([0, clientId.length]),
      clientId,
      Buffer.from([0]), // header tagged fields
      Buffer.from([clientId.length + 1]),
      clientId, // client_software_name
      Buffer.from([2]),
      Buffer.from('1'), // client_software_version
      Buffer.from([0]),
    ]);
    const size = Buffer.alloc(4);
    size.writeInt32BE(body.length);
    let buf = Buffer.alloc(0);
    const fail = (e: Error) => {
      clearTimeout(t);
      sock.destroy();
      reject(e);
    };
    sock.on('error', fail);
    sock.on('connect', () => sock.write(Buffer.concat([size, body])));
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 4 || buf.length < 4 + buf.readInt32BE(0)) return;
      clearTimeout(t);
      sock.destroy();
      try {
        if (buf.readInt32BE(4) !== 7) throw new Error('wrong correlation id');
        const error = buf.readInt16BE(8);
        const keys = new Set<number>();
        if (error === 35) {
          // UNSUPPORTED_VERSION: the body is v0 (int32 count).
          const n = buf.readInt32BE(10);
          for (let i = 0; i < n; i++) keys.add(buf.readInt16BE(14 + i * 6));
        } else {
          if (error !== 0) throw new Error(`ApiVersions error ${error}`);
          // v3: compact array (unsigned varint n+1) of (key, min, max, tagged fields).
          let off = 10;
          let n = 0;
          let shift = 0;
          for (;;) {
            const b = buf[off++]!;
            n |= (b & 0x7f) << shift;
            if (!(b & 0x80)) break;
            shift += 7;
          }
          for (let i = 0; i < n - 1; i++) {
            keys.add(buf.readInt16BE(off));
            off += 6;
            if (buf[off] !== 0) throw new Error('unexpected tagged fields in ApiVersions');
            off += 1;
          }
        }
        resolve(keys);
      } catch (e) {
        reject(e as Error);
      }
    });
  });
}

async function waitApiVersions(port: number, deadlineMs: number, dead: () => string | undefined): Promise<Set<number>> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await apiVersions(port, 1_000);
    } catch (e) {
      const why = dead();
      if (why) throw new Error(why);
      if (Date.now() > end) throw new Error(`no ApiVersions answer on port ${port} within ${deadlineMs} ms: ${(e as Error).message}`);
      await sleep(10);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Servers

interface Server {
  key: TargetKey;
  bootstrap: string;
  pid: number;
  startupMs: number;
  apis: Set<number>;
  /** Our direct child (reaped by us), or re-parented (Kafka's JVM once start-kafka.sh exits). */
  child: boolean;
  stop(): Promise<void>;
}

async function startKafka(): Promise<Server> {
  const script = requirePeer('kafka');
  const stopScript = join(dirname(script), 'stop-kafka.sh');
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-bench-kafka-'));
  const forget = atExit(() => {
    try {
      execFileSync('bash', [stopScript, dataDir, '--clean'], { stdio: 'ignore', timeout: 60_000 });
    } catch {
      /* best effort */
    }
  });
  const starter = start('bash', [script, dataDir], 180_000);
  // start-kafka.sh formats the storage first (once per data directory, like Wharf creating its
  // directory), then spawns the JVM and writes its pid: start-up is timed from that moment.
  const envFile = join(dataDir, 'env');
  const giveUp = Date.now() + 180_000;
  while (!existsSync(envFile) || !/KAFKA_PID=\d+/.test(readFileSync(envFile, 'utf8'))) {
    if (starter.child.exitCode !== null) throw new Error(`start-kafka.sh exited: ${lastLines(starter.out(), 10)}`);
    if (Date.now() > giveUp) throw new Error('start-kafka.sh did not spawn Kafka');
    await sleep(2);
  }
  const t0 = performance.now();
  const env = readFileSync(envFile, 'utf8');
  const port = Number(/KAFKA_BOOTSTRAP=127\.0\.0\.1:(\d+)/.exec(env)![1]);
  const pid = Number(/KAFKA_PID=(\d+)/.exec(env)![1]);
  const apis = await waitApiVersions(port, 120_000, () => {
    try {
      process.kill(pid, 0);
      return undefined;
    } catch {
      return `Kafka exited: ${readFileSync(join(dataDir, 'kafka.out'), 'utf8').slice(-2000)}`;
    }
  });
  const startupMs = performance.now() - t0;
  const code = await starter.exited;
  if (code !== 0) throw new Error(`start-kafka.sh failed: ${lastLines(starter.out(), 10)}`);
  return {
    key: 'kafka',
    bootstrap: `127.0.0.1:${port}`,
    pid,
    startupMs,
    apis,
    child: false,
    async stop() {
      forget();
      await run('bash', [stopScript, dataDir, '--clean'], 'stop-kafka.sh', 60_000);
    },
  };
}

let helpText: string | undefined;
function wharfHelp(main: string): string {
  helpText ??= execFileSync(process.execPath, [main, '--help'], { encoding: 'utf8', timeout: 20_000 });
  return helpText;
}

const WHARF_FSYNC: Record<'wharf' | 'wharfLazy', string> = { wharf: 'always', wharfLazy: 'never' };

async function startWharf(key: 'wharf' | 'wharfLazy', main: string): Promise<Server> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-bench-data-'));
  const forget = atExit(() => rmSync(dataDir, { recursive: true, force: true }));
  const args = [main, '--host', '127.0.0.1', '--port', '0', '--http-port', '-1', '--kafka-port', String(port), '--data-dir', dataDir, '--log-level', 'warn', '--fsync', WHARF_FSYNC[key]];
  // Kafka's side runs with group.initial.rebalance.delay.ms=0 (start-kafka.sh); the same for Wharf when it has the flag.
  if (wharfHelp(main).includes('--group-initial-rebalance-delay')) args.push('--group-initial-rebalance-delay', '0');
  const t0 = performance.now();
  const p = start(process.execPath, args, DAY_MS);
  const apis = await waitApiVersions(port, 30_000, () => (p.child.exitCode !== null ? `Wharf exited: ${lastLines(p.out(), 10)}` : undefined));
  const startupMs = performance.now() - t0;
  return {
    key,
    bootstrap: `127.0.0.1:${port}`,
    pid: p.child.pid!,
    startupMs,
    apis,
    child: true,
    async stop() {
      await p.kill(10_000);
      const out = p.out().trim();
      if (out) process.stderr.write(`[${key} output] ${lastLines(out, 10)}\n`);
      rmSync(dataDir, { recursive: true, force: true });
      forget();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Java tools

let kafkaHome = '';
let classpath = '';
let toolDir = '';

function java(mainClass: string, args: string[], what: string): Promise<string> {
  const cp = mainClass === 'KafkaBenchTool' ? `${toolDir}:${classpath}` : classpath;
  // kafka-producer-perf-test.sh and friends run with KAFKA_HEAP_OPTS=-Xmx512M.
  return run('java', ['-Xmx512m', `-Dlog4j2.configurationFile=${join(kafkaHome, 'config', 'log4j2.yaml')}`, '-cp', cp, mainClass, ...args], what, CMD_TIMEOUT_MS);
}

function setUpJava(): void {
  const startScript = requirePeer('kafka');
  kafkaHome = dirname(dirname(startScript));
  classpath = process.env.WHARF_KAFKA_CLASSPATH || readFileSync(join(kafkaHome, 'classpath.txt'), 'utf8').trim();
  toolDir = mkdtempSync(join(tmpdir(), 'wharf-bench-java-'));
  atExit(() => rmSync(toolDir, { recursive: true, force: true }));
  const src = join(repoRoot(), 'bench', 'java', 'KafkaBenchTool.java');
  execFileSync('javac', ['-nowarn', '-cp', classpath, '-d', toolDir, src], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 120_000 });
}

function toolResult<T>(out: string): T {
  const m = /^RESULT (\{.*\})$/m.exec(out);
  if (!m) throw new Error(`no RESULT line: ${lastLines(out, 6)}`);
  return JSON.parse(m[1]!) as T;
}

const PRODUCER_PROPS = ['batch.size=65536', 'linger.ms=5'];

async function producerPerf(s: Server, topic: string, records: number, size: number, props: string[]): Promise<{ recordsPerSec: number; mbPerSec: number; p50: number; p99: number }> {
  const out = await java(
    'org.apache.kafka.tools.ProducerPerformance',
    ['--bootstrap-server', s.bootstrap, '--topic', topic, '--num-records', String(records), '--record-size', String(size), '--throughput', '-1', '--command-property', ...PRODUCER_PROPS, 'max.block.ms=20000', ...props],
    'ProducerPerformance',
  );
  // "N records sent, X records/sec (Y MB/sec), A ms avg latency, M ms max latency, P ms 50th, P ms 95th, P ms 99th, P ms 99.9th."
  const lines = out.split('\n').filter((l) => /records sent, .* records\/sec/.test(l));
  const last = lines[lines.length - 1];
  const m = last && /^(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\).*?([\d.]+) ms 50th, ([\d.]+) ms 95th, ([\d.]+) ms 99th/.exec(last.trim());
  if (!m) throw new Error(`cannot parse ProducerPerformance: ${lastLines(out, 6)}`);
  if (Number(m[1]) !== records) throw new Error(`ProducerPerformance sent ${m[1]} of ${records}`);
  return { recordsPerSec: Number(m[2]), mbPerSec: Number(m[3]), p50: Number(m[4]), p99: Number(m[6]) };
}

async function consumerPerf(s: Server, topic: string, records: number): Promise<number> {
  const out = await java('org.apache.kafka.tools.ConsumerPerformance', ['--bootstrap-server', s.bootstrap, '--topic', topic, '--num-records', String(records), '--timeout', '20000', '--group', `wharf-bench-${Date.now()}`], 'ConsumerPerformance');
  // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
  const line = out.split('\n').find((l) => /^\d{4}-\d\d-\d\d .*,/.test(l));
  if (!line) throw new Error(`cannot parse ConsumerPerformance: ${lastLines(out, 6)}`);
  const f = line.split(',').map((x) => x.trim());
  if (Number(f[4]) < records) throw new Error(`ConsumerPerformance consumed ${f[4]} of ${records}`);
  return Number(f[9]);
}

// ---------------------------------------------------------------------------------------------
// Measurements

/** API keys a measurement needs from the server. */
const API = { offsetCommit: 8, offsetFetch: 9, findCoordinator: 10, joinGroup: 11, heartbeat: 12, leaveGroup: 13, syncGroup: 14, initProducerId: 22, addPartitionsToTxn: 24, endTxn: 26 } as const;
const NAMES = Object.fromEntries(Object.entries(API).map(([k, v]) => [v, k.charAt(0).toUpperCase() + k.slice(1)]));
const GROUP_APIS = [API.findCoordinator, API.joinGroup, API.syncGroup, API.heartbeat, API.leaveGroup, API.offsetFetch, API.offsetCommit];
const IDEMPOTENT_APIS = [API.initProducerId];
const TXN_APIS = [API.findCoordinator, API.initProducerId, API.addPartitionsToTxn, API.endTxn];

interface Sizes {
  small: number;
  large: number;
  idempotent: number;
  txn: number;
  e2e: number;
  e2eTxn: number;
}

/** Throws NotMeasurable when the server does not advertise an API the measurement needs. */
function needs(s: Server, needs: readonly number[], why: string): void {
  const lacking = needs.filter((k) => !s.apis.has(k));
  if (lacking.length) throw new NotMeasurable(`${why}: ${s.key} does not advertise ${lacking.map((k) => NAMES[k] ?? k).join(', ')}`);
}

/** A broker of the load rows, or why it did not start (then each of its runs fails with that). */
interface Target {
  key: TargetKey;
  server?: Server;
  error?: string;
}

function measurements(z: Sizes, targets: Target[]): Measurement[] {
  const n = (x: number) => x.toLocaleString('en');
  const sides = (runOne: (s: Server, pair: number) => Promise<Record<string, number>>): Side[] =>
    targets.map((t) => ({
      column: t.key,
      run: (pair) => {
        if (!t.server) throw new Error(`the broker did not start: ${t.error}`);
        return runOne(t.server, pair);
      },
    }));
  // The consumption rows read what the acks=1 producer wrote in the same pair on the same server.
  const produced = new Set<string>();
  const topicOf = (base: string, pair: number) => `${base}-p${pair}`;
  const ms: Measurement[] = [];

  const producer = (key: string, what: string, records: number, size: number, base: string, props: string[]) => {
    const rows: RowDef[] = [
      { key: `${key}Rate`, label: `${what}: throughput`, unit: 'records/s', higherIsBetter: true },
      { key: `${key}MB`, label: `${what}: throughput`, unit: 'MB/s', higherIsBetter: true, repeats: `${key}Rate` },
      // At full speed the p50 mostly follows the throughput (records queue in the client): in the table only.
      { key: `${key}P50`, label: `${what}: send→ack latency p50`, unit: 'ms', higherIsBetter: false, chart: false },
      { key: `${key}P99`, label: `${what}: send→ack latency p99`, unit: 'ms', higherIsBetter: false },
    ];
    rows.splice(1, 0, cpuRow(rows[0]!, 'record'));
    ms.push({
      rows,
      sides: sides(async (s, pair) => {
        const topic = topicOf(base, pair);
        const { result: f, cpuPerMsg } = await withBrokerCpu(s.pid, () => producerPerf(s, topic, records, size, props), () => records);
        produced.add(`${s.key}/${topic}`);
        return { [`${key}Rate`]: f.recordsPerSec, [`${key}RateCpu`]: cpuPerMsg, [`${key}MB`]: f.mbPerSec, [`${key}P50`]: f.p50, [`${key}P99`]: f.p99 };
      }),
    });
  };
  const plain = ['enable.idempotence=false'];
  producer('p100a1', `produce ${n(z.small)} × 100 B, acks=1`, z.small, 100, 'bench-100-a1', ['acks=1', ...plain]);
  producer('p100aall', `produce ${n(z.small)} × 100 B, acks=all`, z.small, 100, 'bench-100-aall', ['acks=all', ...plain]);
  producer('p1ka1', `produce ${n(z.large)} × 1 KB, acks=1`, z.large, 1024, 'bench-1k-a1', ['acks=1', ...plain]);
  producer('p1kaall', `produce ${n(z.large)} × 1 KB, acks=all`, z.large, 1024, 'bench-1k-aall', ['acks=all', ...plain]);

  const source = (s: Server, base: string, pair: number) => {
    const topic = topicOf(base, pair);
    if (!produced.has(`${s.key}/${topic}`)) throw new Error(`nothing to consume: the acks=1 producer run of this pair failed on ${s.key}`);
    return topic;
  };
  const consume = (key: string, what: string, base: string, records: number) => {
    const assign: RowDef = { key: `${key}Assign`, label: `consume ${n(records)} × ${what} by assignment (KafkaConsumer.assign)`, unit: 'records/s', higherIsBetter: true };
    ms.push({
      rows: [assign, cpuRow(assign, 'record'), { key: `${key}AssignMB`, label: `consume ${n(records)} × ${what} by assignment`, unit: 'MB/s', higherIsBetter: true, repeats: `${key}Assign` }],
      sides: sides(async (s, pair) => {
        const { result: out, cpuPerMsg } = await withBrokerCpu(s.pid, () => java('KafkaBenchTool', ['consume', s.bootstrap, source(s, base, pair), String(records)], 'consume'), () => records);
        const r = toolResult<{ records: number; bytes: number; ms: number }>(out);
        return { [`${key}Assign`]: r.records / (r.ms / 1000), [`${key}AssignCpu`]: cpuPerMsg, [`${key}AssignMB`]: r.bytes / 1e6 / (r.ms / 1000) / 1.048576 };
      }),
    });
    const group: RowDef = { key: `${key}Group`, label: `consume ${n(records)} × ${what}, kafka-consumer-perf-test (group), fetch rate`, unit: 'records/s', higherIsBetter: true };
    ms.push({
      rows: [group, cpuRow(group, 'record')],
      sides: sides(async (s, pair) => {
        needs(s, GROUP_APIS, 'consumer groups');
        const { result, cpuPerMsg } = await withBrokerCpu(s.pid, () => consumerPerf(s, source(s, base, pair), records), () => records);
        return { [`${key}Group`]: result, [`${key}GroupCpu`]: cpuPerMsg };
      }),
    });
  };
  consume('c100', '100 B', 'bench-100-a1', z.small);
  consume('c1k', '1 KB', 'bench-1k-a1', z.large);

  const e2e = (key: string, what: string, acks: string, txn: boolean, count: number) => {
    ms.push({
      rows: [
        { key: `${key}P50`, label: `end-to-end latency ${what}: p50`, unit: 'ms', higherIsBetter: false },
        { key: `${key}P99`, label: `end-to-end latency ${what}: p99 (the same runs)`, unit: 'ms', higherIsBetter: false },
      ],
      sides: sides(async (s, pair) => {
        if (txn) needs(s, TXN_APIS, 'transactions');
        const r = toolResult<{ p50us: number; p99us: number }>(await java('KafkaBenchTool', ['e2e', s.bootstrap, topicOf(`bench-e2e-${key}`, pair), String(count), '100', acks, txn ? '1' : '0'], 'e2e'));
        return { [`${key}P50`]: r.p50us / 1000, [`${key}P99`]: r.p99us / 1000 };
      }),
    });
  };
  e2e('e2eA1', `(${n(z.e2e)} × 100 B, one at a time, acks=1)`, '1', false, z.e2e);
  e2e('e2eAall', `(${n(z.e2e)} × 100 B, one at a time, acks=all)`, 'all', false, z.e2e);

  const idem: RowDef = { key: 'idemRate', label: `idempotent producer, ${n(z.idempotent)} × 100 B, acks=all: throughput`, unit: 'records/s', higherIsBetter: true };
  ms.push({
    rows: [idem, cpuRow(idem, 'record'), { key: 'idemP99', label: 'idempotent producer: send→ack latency p99 (the same runs)', unit: 'ms', higherIsBetter: false }],
    sides: sides(async (s, pair) => {
      needs(s, IDEMPOTENT_APIS, 'idempotent producer');
      const { result: f, cpuPerMsg } = await withBrokerCpu(s.pid, () => producerPerf(s, topicOf('bench-idem', pair), z.idempotent, 100, ['acks=all', 'enable.idempotence=true']), () => z.idempotent);
      return { idemRate: f.recordsPerSec, idemRateCpu: cpuPerMsg, idemP99: f.p99 };
    }),
  });
  const txn: RowDef = { key: 'txnRate', label: `transactional producer, ${n(z.txn)} × 100 B, 100 records per transaction: throughput`, unit: 'records/s', higherIsBetter: true };
  ms.push({
    rows: [txn, cpuRow(txn, 'record')],
    sides: sides(async (s, pair) => {
      needs(s, TXN_APIS, 'transactions');
      const { result: out, cpuPerMsg } = await withBrokerCpu(s.pid, () => java('KafkaBenchTool', ['txn', s.bootstrap, topicOf('bench-txn', pair), String(z.txn), '100', '100'], 'txn'), () => z.txn);
      const r = toolResult<{ records: number; ms: number }>(out);
      return { txnRate: r.records / (r.ms / 1000), txnRateCpu: cpuPerMsg };
    }),
  });
  ms.push({
    rows: [
      { key: 'rebalance', label: 'group of 4 consumers: rebalance after one member leaves (classic protocol, default heartbeat 3 s)', unit: 'ms', higherIsBetter: false },
      { key: 'join', label: 'group of 4 consumers: first join until every member has its partition (the same runs)', unit: 'ms', higherIsBetter: false },
    ],
    sides: sides(async (s, pair) => {
      needs(s, GROUP_APIS, 'consumer groups');
      const r = toolResult<{ rebalanceMs: number; initialJoinMs: number }>(await java('KafkaBenchTool', ['rebalance', s.bootstrap, `bench-rebalance-p${pair}-${Date.now()}`, '4'], 'rebalance'));
      return { rebalance: r.rebalanceMs, join: r.initialJoinMs };
    }),
  });
  e2e('e2eRc', `read_committed (${n(z.e2eTxn)} × 100 B, one transaction per record)`, 'all', true, z.e2eTxn);
  return ms;
}

// ---------------------------------------------------------------------------------------------

const COLUMNS: Record<TargetKey, BenchColumn> = {
  kafka: { key: 'kafka', label: 'Kafka 4.4.0', role: 'reference', settings: 'start-kafka.sh: single-node KRaft, 1 partition per topic, flush settings at their defaults (no fsync per append: the OS writes back; durability is replication, and there is one replica), -Xmx768m' },
  wharf: { key: 'wharf', label: 'Wharf fsync=always', role: 'wharf', settings: '`--fsync always` (the default: an append is acknowledged after its fsync, group commit)' },
  wharfLazy: { key: 'wharfLazy', label: 'Wharf fsync=never', role: 'wharf', settings: '`--fsync never` (writes left to the OS, as Kafka\'s defaults do)' },
};

function startTarget(t: TargetKey, main: string): Promise<Server> {
  return t === 'kafka' ? startKafka() : startWharf(t, main);
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  if (!existsSync(o.wharfMain)) throw new Error(`${o.wharfMain} not found: run npm run build`);
  setUpJava();
  const k = (x: number) => Math.max(100, Math.round(x * o.scale));
  const base: Sizes = o.quick
    ? { small: 100_000, large: 30_000, idempotent: 100_000, txn: 5_000, e2e: 500, e2eTxn: 200 }
    : { small: 300_000, large: 100_000, idempotent: 300_000, txn: 20_000, e2e: 2_000, e2eTxn: 500 };
  const sizes: Sizes = { small: k(base.small), large: k(base.large), idempotent: k(base.idempotent), txn: k(base.txn), e2e: k(base.e2e), e2eTxn: k(base.e2eTxn) };
  const log = (l: string) => process.stderr.write(`${l}\n`);
  const t0 = Date.now();
  const rows: BenchRow[] = [];
  const drive = { pairs: o.pairs, order: o.order, log };

  // Start-up, on fresh brokers: one per column per pair, stopped right after.
  const startup: Measurement = {
    rows: [{ key: 'startup', label: 'start-up of a fresh broker: spawn until ApiVersions is answered', unit: 'ms', higherIsBetter: false }],
    sides: o.targets.map((t) => ({
      column: t,
      run: async () => {
        const s = await startTarget(t, o.wharfMain);
        if (!s.child) load.own(s.pid);
        try {
          return { startup: s.startupMs };
        } finally {
          if (!s.child) load.release(s.pid);
          await s.stop();
        }
      },
    })),
  };
  for (const m of selected([startup], o.rows)) rows.push(...(await measure(m, drive)));

  // The brokers of the load rows run side by side through all of them.
  const targets: Target[] = [];
  try {
    for (const key of o.targets) {
      try {
        const server = await startTarget(key, o.wharfMain);
        load.own(server.pid);
        targets.push({ key, server });
        log(`${key}: ${server.bootstrap} (pid ${server.pid})`);
      } catch (e) {
        const error = (e as Error).message;
        targets.push({ key, error });
        log(`${key}: start FAILED: ${error}`);
      }
    }
    for (const m of selected(measurements(sizes, targets), o.rows)) rows.push(...(await measure(m, drive)));
    const memory: Measurement = {
      rows: [
        { key: 'rss', label: 'RSS of the broker after every row above ran on it (one reading per broker)', unit: 'MiB', higherIsBetter: false },
        { key: 'hwm', label: 'peak RSS of the broker over those rows (VmHWM, one reading per broker)', unit: 'MiB', higherIsBetter: false },
      ],
      sides: targets.map((t) => ({
        column: t.key,
        run: async () => {
          if (!t.server) throw new Error(`the broker did not start: ${t.error}`);
          return rss(t.server.pid);
        },
      })),
    };
    for (const m of selected([memory], o.rows)) rows.push(...(await measure(m, { ...drive, pairs: 1 })));
  } finally {
    for (const { server: s } of targets) {
      if (!s) continue;
      load.release(s.pid);
      await s.stop().catch((e: Error) => log(`${s.key}: stop failed: ${e.message}`));
    }
  }

  const result: BenchResult = {
    area: 'kafka',
    title: 'Kafka: Wharf vs Apache Kafka 4.4.0',
    columns: o.targets.map((t) => COLUMNS[t]),
    rows,
    pairs: o.pairs,
    seconds: Math.round((Date.now() - t0) / 1000),
    date: new Date().toISOString(),
    commands: [`node dist/bench/kafka.js --pairs ${o.pairs}${driverFlags(o)}${o.quick ? ' --quick' : ''}${o.scale !== 1 ? ` --scale ${o.scale}` : ''}${o.targets.length !== 3 ? ` --targets ${o.targets.map((t) => Object.keys(TARGET_ARG).find((a) => TARGET_ARG[a] === t)).join(',')}` : ''}`],
    notes: [
      'The three brokers run side by side through the load rows (each waits idle while the others are measured); each row runs Kafka, then Wharf fsync=always, then Wharf fsync=never, N times, each run on topics of its own.',
      'Producers: `java -cp $WHARF_KAFKA_CLASSPATH org.apache.kafka.tools.ProducerPerformance --topic T --num-records N --record-size S --throughput -1 --command-property batch.size=65536 linger.ms=5 acks=A enable.idempotence=false` (the idempotent row: enable.idempotence=true). Send→ack latencies at full speed include the time records wait in the client\'s buffer.',
      'CPU per record: the broker process\'s user + system CPU time (/proc/PID/stat: the JVM for Kafka, node for Wharf) over the run of the load tool (its start and connection included), divided by the records of the run.',
      'Consumers: `org.apache.kafka.tools.ConsumerPerformance --topic T --num-records N` (fetch.nMsg.sec, which leaves out the group join) and `KafkaBenchTool consume` (bench/java/KafkaBenchTool.java: KafkaConsumer.assign, 1 MB per partition, as ConsumerPerformance fetches), over the topic the acks=1 producer wrote in the same pair on the same broker.',
      'End-to-end latency: `KafkaBenchTool e2e`, the loop of `org.apache.kafka.tools.EndToEndLatency` (send one record, wait for its ack, poll it back) with microsecond timing; EndToEndLatency itself prints whole milliseconds, too coarse on loopback. The first 10 % of records are a warm-up. Where the broker\'s part of it goes, step by step: docs/storage.md, "One record\'s latency".',
      'Kafka: `start-kafka.sh` (single-node KRaft, group.initial.rebalance.delay.ms=0). Wharf: `node dist/src/cli/main.js --host 127.0.0.1 --port 0 --http-port -1 --kafka-port P --data-dir D --log-level warn --fsync always|never --group-initial-rebalance-delay 0`.',
      'Start-up: from the spawn of the JVM (after start-kafka.sh formatted the storage) or of node, until an ApiVersions v3 request is answered, on a fresh broker each time. RSS: /proc/PID/status of the brokers of the load rows, once, after those rows.',
    ],
  };
  process.stdout.write(`${markdownTable(result)}\n\n${allPairs(result)}\n\n(${o.pairs} pair(s), ${result.seconds} s)\n`);
  if (o.json) {
    mkdirSync(dirname(o.json), { recursive: true });
    writeFileSync(o.json, JSON.stringify(result, null, 2) + '\n');
    log(`wrote ${o.json}`);
  }
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
