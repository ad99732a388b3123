// Kafka benchmark: Wharf against Apache Kafka 4.4.0 on the same machine, one after the other in
// the same run, with Kafka's own load tools (kafka-producer-perf-test = ProducerPerformance,
// kafka-consumer-perf-test = ConsumerPerformance) and the helper bench/java/KafkaBenchTool.java
// (same Java client) for what those tools do not measure. Wharf runs twice: with its default
// durability (--fsync always, group commit) and with --fsync never, against Kafka's default
// (no fsync per append; Kafka relies on replication).
//
//   npm run bench:kafka                        # 3 runs, prints the table of medians
//   node dist/bench/kafka.js --quick           # small counts, 1 run (smoke test)
//   node dist/bench/kafka.js --runs 5 --json out.json
//   node dist/bench/kafka.js --wharf /path/to/dist/src/cli/main.js   # another build of Wharf
//
// Needs the reference Kafka: bash scripts/peers/install-all.sh kafka
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { requirePeer } from '../test/support/peers.js';
import { freePort, sleep } from '../test/support/net.js';
import { repoRoot } from '../test/support/wharf.js';
import { markdownTable, allRuns, type BenchResult, type BenchRow } from './report.js';
import { benchArgs } from './args.js';

// ---------------------------------------------------------------------------------------------
// Options

interface Options {
  runs: number;
  quick: boolean;
  json?: string;
  wharfMain: string;
  /** Comma-separated subset of targets (kafka, wharf, wharf-lazy). */
  targets: TargetKey[];
}

type TargetKey = 'kafka' | 'wharf' | 'wharfLazy';
const TARGET_ARG: Record<string, TargetKey> = { kafka: 'kafka', wharf: 'wharf', 'wharf-lazy': 'wharfLazy' };

function parseArgs(argv: string[]): Options {
  const a = benchArgs(argv, ['json', 'wharf', 'targets'], 'usage: node dist/bench/kafka.js [--runs N] [--quick] [--json FILE] [--wharf MAIN.js] [--targets kafka,wharf,wharf-lazy]');
  const o: Options = { runs: a.quick ? 1 : a.runs, quick: a.quick, json: a.values.json, wharfMain: a.values.wharf ?? join(repoRoot(), 'dist', 'src', 'cli', 'main.js'), targets: ['kafka', 'wharf', 'wharfLazy'] };
  if (a.values.targets !== undefined) {
    o.targets = a.values.targets.split(',').map((t) => {
      const k = TARGET_ARG[t];
      if (!k) throw new Error(`--targets: unknown target ${t} (kafka, wharf, wharf-lazy)`);
      return k;
    });
  }
  return o;
}

// ---------------------------------------------------------------------------------------------
// Processes

const CMD_TIMEOUT_MS = 240_000;
const live = new Set<ChildProcess>();
const cleanups = new Set<() => void>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
  for (const f of cleanups) f();
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));

interface Proc {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
  kill(): Promise<void>;
}

function track(child: ChildProcess, timeoutMs = CMD_TIMEOUT_MS): Proc {
  live.add(child);
  let out = '';
  const on = (d: Buffer) => {
    out += d.toString();
    if (out.length > 400_000) out = out.slice(-200_000);
  };
  child.stdout?.on('data', on);
  child.stderr?.on('data', on);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      live.delete(child);
      resolve(code);
    }),
  );
  return {
    child,
    out: () => out,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}

/** Runs a command to completion; throws with the tail of its output when it fails. */
async function run(cmd: string, args: string[], what: string, timeoutMs = CMD_TIMEOUT_MS): Promise<string> {
  const p = track(spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }), timeoutMs);
  const code = await p.exited;
  if (code !== 0) throw new Error(`${what} failed (exit ${code}): ${lastLines(p.out(), 6)}`);
  return p.out();
}

function lastLines(s: string, n: number): string {
  return s
    .trim()
    .split('\n')
    .filter((l) => !/^\s+at /.test(l))
    .slice(-n)
    .join(' | ');
}

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
    const name = Buffer.from('wharf-bench');
    const ver = Buffer.from('1');
    const body = Buffer.concat([
      Buffer.from([0, 18, 0, 3, 0, 0, 0, 7]), // api key 18, version 3, correlation id 7
      Buffer.from([0, clientId.length]),
      clientId,
      Buffer.from([0]), // header tagged fields
      Buffer.from([name.length + 1]),
      name,
      Buffer.from([ver.length + 1]),
      ver,
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
  stop(): Promise<void>;
}

async function startKafka(): Promise<Server> {
  const script = requirePeer('kafka');
  const stopScript = join(dirname(script), 'stop-kafka.sh');
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-bench-kafka-'));
  const stopSync = () => {
    try {
      execFileSync('bash', [stopScript, dataDir, '--clean'], { stdio: 'ignore', timeout: 60_000 });
    } catch {
      /* best effort */
    }
  };
  cleanups.add(stopSync);
  const starter = track(spawn('bash', [script, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] }), 180_000);
  // start-kafka.sh formats the storage first (once per data directory, like Wharf creating its
  // directory), then spawns the JVM and writes kafka.pid: start-up is timed from that moment.
  const pidFile = join(dataDir, 'kafka.pid');
  const envFile = join(dataDir, 'env');
  const giveUp = Date.now() + 180_000;
  while (!existsSync(pidFile) || !existsSync(envFile) || !/KAFKA_PID=\d+/.test(readFileSync(envFile, 'utf8'))) {
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
    async stop() {
      cleanups.delete(stopSync);
      await run('bash', [stopScript, dataDir, '--clean'], 'stop-kafka.sh', 60_000);
    },
  };
}

function wharfHelp(main: string): string {
  try {
    return execFileSync(process.execPath, [main, '--help'], { encoding: 'utf8', timeout: 20_000 });
  } catch (e) {
    throw new Error(`${main} --help failed: ${(e as Error).message}`);
  }
}

async function startWharf(key: 'wharf' | 'wharfLazy', main: string): Promise<Server> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-bench-data-'));
  const args = [main, '--host', '127.0.0.1', '--port', '0', '--http-port', '-1', '--kafka-port', String(port), '--data-dir', dataDir, '--log-level', 'warn', '--fsync', key === 'wharf' ? 'always' : 'never'];
  // Kafka's side runs with group.initial.rebalance.delay.ms=0 (start-kafka.sh); the same for Wharf when it has the flag.
  if (wharfHelp(main).includes('--group-initial-rebalance-delay')) args.push('--group-initial-rebalance-delay', '0');
  const t0 = performance.now();
  const p = track(spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] }), 24 * 3600_000);
  const apis = await waitApiVersions(port, 30_000, () => (p.child.exitCode !== null ? `Wharf exited: ${lastLines(p.out(), 10)}` : undefined));
  const startupMs = performance.now() - t0;
  const cleanup = () => rmSync(dataDir, { recursive: true, force: true });
  cleanups.add(cleanup);
  return {
    key,
    bootstrap: `127.0.0.1:${port}`,
    pid: p.child.pid!,
    startupMs,
    apis,
    async stop() {
      await p.kill();
      const out = p.out().trim();
      if (out) console.error(`[wharf output] ${lastLines(out, 10)}`);
      cleanup();
      cleanups.delete(cleanup);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Java tools

let kafkaHome = '';
let classpath = '';
let toolDir = '';

function java(mainClass: string, args: string[], what: string, timeoutMs = CMD_TIMEOUT_MS): Promise<string> {
  const cp = mainClass === 'KafkaBenchTool' ? `${toolDir}:${classpath}` : classpath;
  // kafka-producer-perf-test.sh and friends run with KAFKA_HEAP_OPTS=-Xmx512M.
  return run('java', ['-Xmx512m', `-Dlog4j2.configurationFile=${join(kafkaHome, 'config', 'log4j2.yaml')}`, '-cp', cp, mainClass, ...args], what, timeoutMs);
}

function setUpJava(): void {
  const start = requirePeer('kafka');
  kafkaHome = dirname(dirname(start));
  classpath = process.env.WHARF_KAFKA_CLASSPATH || readFileSync(join(kafkaHome, 'classpath.txt'), 'utf8').trim();
  toolDir = mkdtempSync(join(tmpdir(), 'wharf-bench-java-'));
  cleanups.add(() => rmSync(toolDir, { recursive: true, force: true }));
  const src = join(repoRoot(), 'bench', 'java', 'KafkaBenchTool.java');
  execFileSync('javac', ['-nowarn', '-cp', classpath, '-d', toolDir, src], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 120_000 });
}

function toolResult<T>(out: string): T {
  const m = /^RESULT (\{.*\})$/m.exec(out);
  if (!m) throw new Error(`no RESULT line: ${lastLines(out, 6)}`);
  return JSON.parse(m[1]!) as T;
}

const PRODUCER_PROPS = ['batch.size=65536', 'linger.ms=5'];

interface ProducerFigures {
  recordsPerSec: number;
  mbPerSec: number;
  p50: number;
  p99: number;
}

async function producerPerf(s: Server, topic: string, records: number, size: number, props: string[]): Promise<ProducerFigures> {
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

async function consumerPerf(s: Server, topic: string, records: number): Promise<{ recordsPerSec: number; mbPerSec: number }> {
  const out = await java('org.apache.kafka.tools.ConsumerPerformance', ['--bootstrap-server', s.bootstrap, '--topic', topic, '--num-records', String(records), '--timeout', '20000', '--group', `wharf-bench-${Date.now()}`], 'ConsumerPerformance');
  // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
  const line = out.split('\n').find((l) => /^\d{4}-\d\d-\d\d .*,/.test(l));
  if (!line) throw new Error(`cannot parse ConsumerPerformance: ${lastLines(out, 6)}`);
  const f = line.split(',').map((x) => x.trim());
  if (Number(f[4]) < records) throw new Error(`ConsumerPerformance consumed ${f[4]} of ${records}`);
  return { mbPerSec: Number(f[8]), recordsPerSec: Number(f[9]) };
}

// ---------------------------------------------------------------------------------------------
// Measurements

/** API keys a measurement needs from the server. */
const API = {
  offsetCommit: 8,
  offsetFetch: 9,
  findCoordinator: 10,
  joinGroup: 11,
  heartbeat: 12,
  leaveGroup: 13,
  syncGroup: 14,
  initProducerId: 22,
  addPartitionsToTxn: 24,
  endTxn: 26,
  txnOffsetCommit: 28,
} as const;
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

interface Measure {
  key: string;
  label: string;
  unit: string;
  higherIsBetter: boolean;
  needs?: number[];
  needsWhy?: string;
  /** Runs the measurement; returns this row's value plus values of follower rows by key. */
  run?: (s: Server) => Promise<Record<string, number>>;
}

function measures(z: Sizes): Measure[] {
  const n = (x: number) => x.toLocaleString('en');
  const ms: Measure[] = [];
  const producer = (key: string, what: string, records: number, size: number, topic: string, props: string[], needs?: number[]) => {
    ms.push({
      key: `${key}Rate`,
      label: `${what}: throughput`,
      unit: 'records/s',
      higherIsBetter: true,
      needs,
      run: async (s) => {
        const f = await producerPerf(s, topic, records, size, props);
        return { [`${key}Rate`]: f.recordsPerSec, [`${key}MB`]: f.mbPerSec, [`${key}P50`]: f.p50, [`${key}P99`]: f.p99 };
      },
    });
    ms.push({ key: `${key}MB`, label: `${what}: throughput`, unit: 'MB/s', higherIsBetter: true, needs });
    ms.push({ key: `${key}P50`, label: `${what}: send→ack latency p50`, unit: 'ms', higherIsBetter: false, needs });
    ms.push({ key: `${key}P99`, label: `${what}: send→ack latency p99`, unit: 'ms', higherIsBetter: false, needs });
  };
  const plain = ['enable.idempotence=false'];
  producer('p100a1', `produce ${n(z.small)} × 100 B, acks=1`, z.small, 100, 'bench-100-a1', ['acks=1', ...plain]);
  producer('p100aall', `produce ${n(z.small)} × 100 B, acks=all`, z.small, 100, 'bench-100-aall', ['acks=all', ...plain]);
  producer('p1ka1', `produce ${n(z.large)} × 1 KB, acks=1`, z.large, 1024, 'bench-1k-a1', ['acks=1', ...plain]);
  producer('p1kaall', `produce ${n(z.large)} × 1 KB, acks=all`, z.large, 1024, 'bench-1k-aall', ['acks=all', ...plain]);

  const consume = (key: string, what: string, topic: string, records: number) => {
    ms.push({
      key: `${key}Assign`,
      label: `consume ${n(records)} × ${what} by assignment (KafkaConsumer.assign)`,
      unit: 'records/s',
      higherIsBetter: true,
      run: async (s) => {
        const r = toolResult<{ records: number; bytes: number; ms: number }>(await java('KafkaBenchTool', ['consume', s.bootstrap, topic, String(records)], 'consume'));
        return { [`${key}Assign`]: r.records / (r.ms / 1000), [`${key}AssignMB`]: r.bytes / 1e6 / (r.ms / 1000) / 1.048576 };
      },
    });
    ms.push({ key: `${key}AssignMB`, label: `consume ${n(records)} × ${what} by assignment`, unit: 'MB/s', higherIsBetter: true });
    ms.push({
      key: `${key}Group`,
      label: `consume ${n(records)} × ${what}, kafka-consumer-perf-test (group), fetch rate`,
      unit: 'records/s',
      higherIsBetter: true,
      needs: GROUP_APIS,
      needsWhy: 'consumer groups',
      run: async (s) => {
        const r = await consumerPerf(s, topic, records);
        return { [`${key}Group`]: r.recordsPerSec };
      },
    });
  };
  consume('c100', '100 B', 'bench-100-a1', z.small);
  consume('c1k', '1 KB', 'bench-1k-a1', z.large);

  const e2e = (key: string, what: string, acks: string, txn: boolean, count: number, needs?: number[], needsWhy?: string) => {
    ms.push({
      key: `${key}P50`,
      label: `end-to-end latency ${what}: p50`,
      unit: 'ms',
      higherIsBetter: false,
      needs,
      needsWhy,
      run: async (s) => {
        const r = toolResult<{ p50us: number; p99us: number }>(await java('KafkaBenchTool', ['e2e', s.bootstrap, `bench-e2e-${key}`, String(count), '100', acks, txn ? '1' : '0'], 'e2e'));
        return { [`${key}P50`]: r.p50us / 1000, [`${key}P99`]: r.p99us / 1000 };
      },
    });
    ms.push({ key: `${key}P99`, label: `end-to-end latency ${what}: p99`, unit: 'ms', higherIsBetter: false, needs, needsWhy });
  };
  e2e('e2eA1', `(${n(z.e2e)} × 100 B, one at a time, acks=1)`, '1', false, z.e2e);
  e2e('e2eAall', `(${n(z.e2e)} × 100 B, one at a time, acks=all)`, 'all', false, z.e2e);

  // Issue 5: idempotent and transactional producers, rebalance, read_committed.
  ms.push({
    key: 'idemRate',
    label: `idempotent producer, ${n(z.idempotent)} × 100 B, acks=all: throughput`,
    unit: 'records/s',
    higherIsBetter: true,
    needs: IDEMPOTENT_APIS,
    needsWhy: 'idempotent producer',
    run: async (s) => {
      const f = await producerPerf(s, 'bench-idem', z.idempotent, 100, ['acks=all', 'enable.idempotence=true']);
      return { idemRate: f.recordsPerSec, idemP99: f.p99 };
    },
  });
  ms.push({ key: 'idemP99', label: 'idempotent producer: send→ack latency p99', unit: 'ms', higherIsBetter: false, needs: IDEMPOTENT_APIS, needsWhy: 'idempotent producer' });
  ms.push({
    key: 'txnRate',
    label: `transactional producer, ${n(z.txn)} × 100 B, 100 records per transaction: throughput`,
    unit: 'records/s',
    higherIsBetter: true,
    needs: TXN_APIS,
    needsWhy: 'transactions',
    run: async (s) => {
      const r = toolResult<{ records: number; ms: number }>(await java('KafkaBenchTool', ['txn', s.bootstrap, 'bench-txn', String(z.txn), '100', '100'], 'txn'));
      return { txnRate: r.records / (r.ms / 1000) };
    },
  });
  ms.push({
    key: 'rebalance',
    label: 'group of 4 consumers: rebalance after one member leaves (classic protocol, default heartbeat 3 s)',
    unit: 'ms',
    higherIsBetter: false,
    needs: GROUP_APIS,
    needsWhy: 'consumer groups',
    run: async (s) => {
      const r = toolResult<{ rebalanceMs: number; initialJoinMs: number }>(await java('KafkaBenchTool', ['rebalance', s.bootstrap, `bench-rebalance-${Date.now()}`, '4'], 'rebalance'));
      return { rebalance: r.rebalanceMs, join: r.initialJoinMs };
    },
  });
  ms.push({ key: 'join', label: 'group of 4 consumers: first join until every member has its partition', unit: 'ms', higherIsBetter: false, needs: GROUP_APIS, needsWhy: 'consumer groups' });
  e2e('e2eRc', `read_committed (${n(z.e2eTxn)} × 100 B, one transaction per record)`, 'all', true, z.e2eTxn, TXN_APIS, 'transactions');
  return ms;
}

// ---------------------------------------------------------------------------------------------

const LABELS: Record<TargetKey, string> = { kafka: 'Kafka 4.4.0', wharf: 'Wharf fsync=always', wharfLazy: 'Wharf fsync=never' };

function missing(s: Server, needs: number[] | undefined): number[] {
  return (needs ?? []).filter((k) => !s.apis.has(k));
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (!existsSync(o.wharfMain)) throw new Error(`${o.wharfMain} not found: run npm run build`);
  setUpJava();
  const sizes: Sizes = o.quick
    ? { small: 100_000, large: 30_000, idempotent: 100_000, txn: 5_000, e2e: 500, e2eTxn: 200 }
    : { small: 300_000, large: 100_000, idempotent: 300_000, txn: 20_000, e2e: 2_000, e2eTxn: 500 };
  const ms = measures(sizes);
  const rows = new Map<string, BenchRow>();
  const extra: { key: string; label: string; unit: string; higherIsBetter: boolean }[] = [
    { key: 'startup', label: 'start-up: spawn until ApiVersions is answered', unit: 'ms', higherIsBetter: false },
    { key: 'rss', label: 'RSS of the broker after the runs', unit: 'MiB', higherIsBetter: false },
    { key: 'hwm', label: 'peak RSS of the broker (VmHWM)', unit: 'MiB', higherIsBetter: false },
  ];
  for (const m of [...ms, ...extra]) rows.set(m.key, { key: m.key, label: m.label, unit: m.unit, higherIsBetter: m.higherIsBetter, values: {}, errors: [] });
  const record = (key: string, t: TargetKey, v: number) => {
    const r = rows.get(key);
    if (!r || !Number.isFinite(v)) return;
    (r.values[t] ??= []).push(v);
  };
  const load: number[] = [loadavg()[0]!];
  const loadTimer = setInterval(() => load.push(loadavg()[0]!), 10_000);
  const t0 = Date.now();
  const tag = (t: TargetKey) => LABELS[t];
  try {
    for (let runNo = 1; runNo <= o.runs; runNo++) {
      // Rotate the order so that no server always runs first (on a cold or warm machine).
      const order = o.targets.map((_, i) => o.targets[(i + runNo - 1) % o.targets.length]!);
      for (const t of order) {
        let s: Server;
        try {
          s = t === 'kafka' ? await startKafka() : await startWharf(t, o.wharfMain);
        } catch (e) {
          for (const m of ms) rows.get(m.key)!.errors!.push(`${t}: start failed: ${(e as Error).message.slice(0, 200)}`);
          console.error(`[run ${runNo}] ${tag(t)}: start FAILED: ${(e as Error).message}`);
          continue;
        }
        try {
          record('startup', t, s.startupMs);
          console.error(`[run ${runNo}] ${tag(t)}: startup = ${s.startupMs.toFixed(0)} ms (${s.bootstrap})`);
          for (const m of ms) {
            if (!m.run) continue;
            const lacking = missing(s, m.needs);
            if (lacking.length) {
              const why = `${m.needsWhy ?? 'feature'} (${tag(t)} does not advertise ${lacking.map((k) => NAMES[k] ?? k).join(', ')})`;
              for (const k of followers(ms, m)) (rows.get(k)!.notMeasurable ??= {})[t] = why;
              console.error(`[run ${runNo}] ${tag(t)}: ${m.key} not measurable: ${why}`);
              continue;
            }
            try {
              const vals = await m.run(s);
              for (const [k, v] of Object.entries(vals)) record(k, t, v);
              console.error(`[run ${runNo}] ${tag(t)}: ${Object.entries(vals).map(([k, v]) => `${k}=${v.toFixed(2)}`).join(' ')}`);
            } catch (e) {
              const msg = (e as Error).message;
              for (const k of followers(ms, m)) rows.get(k)!.errors!.push(`${t}: ${msg.slice(0, 300)}`);
              console.error(`[run ${runNo}] ${tag(t)}: ${m.key} FAILED: ${msg}`);
            }
          }
          const r = rss(s.pid);
          record('rss', t, r.rss);
          record('hwm', t, r.hwm);
          console.error(`[run ${runNo}] ${tag(t)}: rss=${r.rss.toFixed(1)} MiB hwm=${r.hwm.toFixed(1)} MiB`);
        } finally {
          await s.stop();
        }
      }
    }
  } finally {
    clearInterval(loadTimer);
  }
  load.push(loadavg()[0]!);
  const result: BenchResult = {
    area: 'kafka',
    title: 'Kafka: Wharf vs Apache Kafka 4.4.0',
    reference: 'kafka',
    columns: o.targets.map((t) => ({ key: t, label: LABELS[t] })),
    rows: [...rows.values()].filter((r) => o.targets.some((t) => r.values[t]?.length || r.notMeasurable?.[t] || r.errors?.length)),
    runs: o.runs,
    seconds: Math.round((Date.now() - t0) / 1000),
    date: new Date().toISOString(),
    commands: [`node dist/bench/kafka.js --runs ${o.runs}${o.quick ? ' --quick' : ''}`],
    notes: [
      'Producers: `java -cp $WHARF_KAFKA_CLASSPATH org.apache.kafka.tools.ProducerPerformance --topic T --num-records N --record-size S --throughput -1 --command-property batch.size=65536 linger.ms=5 acks=A enable.idempotence=false` (the idempotent row: enable.idempotence=true).',
      'Consumers: `org.apache.kafka.tools.ConsumerPerformance --topic T --num-records N` (fetch.nMsg.sec, which leaves out the group join) and `KafkaBenchTool consume` (bench/java/KafkaBenchTool.java: KafkaConsumer.assign, 1 MB per partition, same as ConsumerPerformance) over the topic the acks=1 producer run wrote.',
      'End-to-end latency: `KafkaBenchTool e2e`, the loop of `org.apache.kafka.tools.EndToEndLatency` (send one record, wait for its ack, poll it back) with microsecond timing; EndToEndLatency itself prints whole milliseconds, too coarse on loopback. The first 10 % of records are a warm-up.',
      'Kafka: `start-kafka.sh` (single-node KRaft, 1 partition per topic, default durability: no fsync per append). Wharf: `node dist/src/cli/main.js --host 127.0.0.1 --port 0 --http-port -1 --kafka-port P --data-dir D --log-level warn --fsync always|never`.',
      'Start-up: from the spawn of the JVM (after start-kafka.sh formatted the storage) or of node, until an ApiVersions v3 request is answered. RSS: /proc/PID/status after the runs.',
    ],
    load,
  };
  console.log(markdownTable(result));
  console.log(`\nAll runs:\n${allRuns(result)}\n\n(${o.runs} run(s), ${result.seconds} s, 1-min load ${load.map((x) => x.toFixed(1)).join(' ')})`);
  if (o.json) {
    mkdirSync(dirname(o.json), { recursive: true });
    writeFileSync(o.json, JSON.stringify(result, null, 2));
    console.error(`wrote ${o.json}`);
  }
}

/** The row keys a measurement fills: its own and those of the rows after it that have no run of their own. */
function followers(ms: Measure[], m: Measure): string[] {
  const i = ms.indexOf(m);
  const keys = [m.key];
  for (let j = i + 1; j < ms.length && !ms[j]!.run; j++) keys.push(ms[j]!.key);
  return keys;
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
