// JetStream benchmark: Wharf against nats-server v2.15.2 with JetStream file storage, each at two
// durabilities: nats-server with its default (`sync_interval` 2 min: an acknowledged message may
// be in the page cache only) and with `sync_interval: always`; Wharf with its default (fsync
// before the PubAck, group commit) and with `--fsync never`. Ratios are taken at the same
// durability only: Wharf default / nats-server always, Wharf never / nats-server default.
// The load tool is natscli v0.5.0 (`nats bench js …`, `nats bench kv …`), the same for every
// server; the four servers run side by side through the rows (idle ones use no CPU) and every
// row runs as N interleaved quadruples (bench/pairs.ts). Beside each rate, the broker's CPU time
// per message (user + system from /proc over the load tool's run). The memory rows start fresh
// servers: RSS with 1 M messages in 100 k subjects, and the time to create a filtered durable
// consumer on that stream (its num_pending checked exact).
//
//   npm run bench:jetstream -- --pairs 5
//   node dist/bench/jetstream.js --quick              # small counts, 1 pair (smoke test)
//   node dist/bench/jetstream.js --rows pubAsync,kvPut --json FILE
//
// Needs the reference peers: bash scripts/peers/install-all.sh
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { requirePeer } from '../test/support/peers.js';
import { freePort, sleep, waitForNatsInfo } from '../test/support/net.js';
import { repoRoot } from '../test/support/wharf.js';
import { parseBenchCsv } from '../test/support/natscli.js';
import { benchArgs, driverFlags } from './args.js';
import * as load from './load.js';
import { measure, NotMeasurable, selected, type Measurement, type RowDef, type Side } from './pairs.js';
import { atExit, startWithUlimit, type Proc } from './procs.js';
import type { BenchColumn, BenchResult, BenchRow } from './report.js';
import { allPairs, markdownTable } from './table.js';

type Kind = 'natsDefault' | 'natsAlways' | 'wharf' | 'wharfNever';
const KINDS: readonly Kind[] = ['natsDefault', 'natsAlways', 'wharf', 'wharfNever'];

interface Options {
  pairs: number;
  quick: boolean;
  order: 'fixed' | 'alternate';
  rows?: string[];
  json?: string;
  /** Multiplies every message count. */
  scale: number;
  /** Messages and subjects of the memory rows. */
  memMsgs: number;
  memSubjects: number;
  /** --columns: the servers to run (all four by default; a subset for profiling, without the others' ratios). */
  kinds: Kind[];
}

function options(argv: string[]): Options {
  const a = benchArgs(argv, ['json', 'scale', 'mem-msgs', 'mem-subjects', 'columns'], 'usage: node dist/bench/jetstream.js [--pairs N] [--order fixed|alternate] [--rows KEY,...] [--columns natsDefault,natsAlways,wharf,wharfNever] [--quick] [--scale F] [--mem-msgs N] [--mem-subjects N] [--json FILE]');
  const kinds = (a.values.columns?.split(',') ?? [...KINDS]).map((k) => {
    if (!KINDS.includes(k as Kind)) throw new Error(`--columns: unknown column ${k} (${KINDS.join(', ')})`);
    return k as Kind;
  });
  const scale = a.values.scale === undefined ? (a.quick ? 0.1 : 1) : Number(a.values.scale);
  if (!(scale > 0)) throw new Error('--scale: expected a positive number');
  const memMsgs = a.values['mem-msgs'] === undefined ? (a.quick ? 100_000 : 1_000_000) : Number(a.values['mem-msgs']);
  const memSubjects = a.values['mem-subjects'] === undefined ? (a.quick ? 10_000 : 100_000) : Number(a.values['mem-subjects']);
  if (!(memMsgs >= memSubjects && memSubjects >= 1 && memMsgs % memSubjects === 0)) throw new Error('--mem-msgs must be a positive multiple of --mem-subjects');
  return { pairs: a.pairs, quick: a.quick, order: a.order, rows: a.rows, json: a.values.json, scale, memMsgs, memSubjects, kinds };
}

// ---------------------------------------------------------------------------------------------
// Servers

const CMD_TIMEOUT_MS = 600_000;
const DAY_MS = 24 * 3600_000;


interface Server {
  kind: Kind;
  port: number;
  pid: number;
  url: string;
  stop(): Promise<void>;
}

async function startNatsServer(kind: 'natsDefault' | 'natsAlways'): Promise<Server> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'wharf-bench-js-ns-'));
  const removeDir = atExit(() => rmSync(dir, { recursive: true, force: true }));
  const conf = join(dir, 'server.conf');
  const sync = kind === 'natsAlways' ? ', sync_interval: always' : '';
  writeFileSync(conf, `listen: 127.0.0.1:${port}\njetstream { store_dir: ${JSON.stringify(join(dir, 'store'))}${sync} }\n`);
  const p = startWithUlimit(requirePeer('nats-server'), ['-c', conf], DAY_MS);
  await waitForNatsInfo(port, 15_000, () => (p.child.exitCode !== null ? `nats-server exited:\n${p.out()}` : undefined));
  return {
    kind,
    port,
    pid: p.child.pid!,
    url: `nats://127.0.0.1:${port}`,
    async stop() {
      await p.kill();
      rmSync(dir, { recursive: true, force: true });
      removeDir();
    },
  };
}

async function startWharf(kind: 'wharf' | 'wharfNever'): Promise<Server> {
  const main = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
  const port = await freePort();
  const http = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-bench-js-'));
  const removeDir = atExit(() => rmSync(dataDir, { recursive: true, force: true }));
  const args = [main, '--host', '127.0.0.1', '--port', String(port), '--http-port', String(http), '--kafka-port', '-1', '--data-dir', dataDir, '--log-level', 'warn'];
  if (kind === 'wharfNever') args.push('--fsync', 'never');
  // WHARF_BENCH_NODE_FLAGS: extra flags for the broker's node (e.g. --cpu-prof --cpu-prof-dir D).
  const nodeFlags = (process.env.WHARF_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const p = startWithUlimit(process.execPath, [...nodeFlags, ...args], DAY_MS);
  await waitForNatsInfo(port, 15_000, () => (p.child.exitCode !== null ? `wharf exited:\n${p.out()}` : undefined));
  return {
    kind,
    port,
    pid: p.child.pid!,
    url: `nats://127.0.0.1:${port}`,
    async stop() {
      await p.kill(30_000);
      rmSync(dataDir, { recursive: true, force: true });
      removeDir();
    },
  };
}

function startServer(kind: Kind): Promise<Server> {
  return kind === 'natsDefault' || kind === 'natsAlways' ? startNatsServer(kind) : startWharf(kind);
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) / 1024;
}

function brokerCpu(s: Server): number {
  const t = load.cpuSeconds(s.pid);
  if (t === undefined) throw new Error(`${s.kind}: the broker is gone`);
  return t;
}

// ---------------------------------------------------------------------------------------------
// natscli runs

let workDir = '';
let fileSeq = 0;

function nats(s: Server, args: string[]): Proc {
  return startWithUlimit(requirePeer('nats'), args, CMD_TIMEOUT_MS, { ...process.env, HOME: workDir, NATS_URL: s.url, NO_COLOR: '1' });
}

async function natsOk(p: Proc, what: string): Promise<string> {
  const code = await p.exited;
  if (code !== 0) throw new Error(`${what} failed (${code === null ? 'killed' : `exit ${code}`}): ${p.out().slice(-600)}`);
  return p.out();
}

function tmpFile(ext: string): string {
  return join(workDir, `f-${++fileSeq}.${ext}`);
}

/** Creates (or replaces) a stream from a config, through `nats stream add --config`. */
async function createStream(s: Server, config: Record<string, unknown>): Promise<void> {
  const name = String(config.name);
  await nats(s, ['stream', 'rm', name, '-f']).exited;
  const f = tmpFile('json');
  writeFileSync(f, JSON.stringify({ retention: 'limits', storage: 'file', num_replicas: 1, discard: 'old', max_msgs: -1, max_bytes: -1, max_age: 0, max_msg_size: -1, max_msgs_per_subject: -1, duplicate_window: 120_000_000_000, ...config }));
  const p = nats(s, ['stream', 'add', name, '--config', f]);
  const code = await p.exited;
  if (code !== 0) {
    const out = p.out();
    // A config field the server does not implement (atomic batches on Wharf) makes the row unmeasurable there.
    if (config.allow_atomic === true && /atomic|10[0-9]{3}|not supported|unknown field|unsupported/i.test(out)) throw new NotMeasurable(`stream with allow_atomic refused: ${out.trim().split('\n').slice(-1)[0]}`);
    throw new Error(`nats stream add ${name} failed: ${out.slice(-600)}`);
  }
}

/** One `nats bench …` run with --csv: messages per second (summed over clients) and the broker's CPU µs per message. */
async function benchRun(s: Server, args: string[], msgs: number, what: string): Promise<{ rate: number; cpu: number }> {
  const csv = tmpFile('csv');
  const c0 = brokerCpu(s);
  await natsOk(nats(s, ['bench', ...args, '--msgs', String(msgs), '--no-progress', '--csv', csv]), what);
  const c1 = brokerCpu(s);
  const rows = parseBenchCsv(readFileSync(csv, 'utf8'));
  if (!rows.length) throw new Error(`${what} wrote no CSV row`);
  const rate = rows.reduce((sum, r) => sum + Number(r.MsgsPerSec), 0);
  return { rate, cpu: ((c1 - c0) / msgs) * 1e6 };
}

const PUB_STREAM = { name: 'benchpub', subjects: ['bench.pub'] };
const BATCH_STREAM = { name: 'benchbatch', subjects: ['bench.batch'], allow_atomic: true };
const READ_STREAM = { name: 'benchread', subjects: ['bench.read'] };

async function purge(s: Server, stream: string): Promise<void> {
  await natsOk(nats(s, ['stream', 'purge', stream, '-f']), `nats stream purge ${stream}`);
}

async function fill(s: Server, stream: string, subject: string, msgs: number, extra: string[] = []): Promise<void> {
  await natsOk(nats(s, ['bench', 'js', 'pub', 'async', subject, '--stream', stream, '--msgs', String(msgs), '--no-progress', ...extra]), `filling ${stream}`);
}

/** Deletes the durable consumer natscli's consume/fetch benchmarks create, so each run starts at the first message. */
async function dropBenchConsumer(s: Server): Promise<void> {
  await nats(s, ['consumer', 'rm', READ_STREAM.name, 'nats-bench', '-f']).exited;
}

// ---------------------------------------------------------------------------------------------
// The memory rows

/** Milliseconds to create a durable consumer with `filter`, checking the num_pending of the reply. */
async function timeConsumerCreate(nc: NatsConnection, stream: string, name: string, filter: string, expected: number): Promise<number> {
  const body = JSON.stringify({ stream_name: stream, config: { durable_name: name, filter_subject: filter, ack_policy: 'explicit', deliver_policy: 'all' } });
  const t0 = performance.now();
  const m = await nc.request(`$JS.API.CONSUMER.CREATE.${stream}.${name}.${filter}`, new TextEncoder().encode(body), { timeout: 120_000 });
  const ms = performance.now() - t0;
  const r = JSON.parse(new TextDecoder().decode(m.data)) as { num_pending?: number; error?: { description?: string } };
  if (r.error) throw new Error(`consumer create ${filter}: ${r.error.description}`);
  if (r.num_pending !== expected) throw new Error(`consumer create ${filter}: num_pending ${r.num_pending}, expected ${expected}`);
  return ms;
}

/** A fresh server: `msgs` messages of 128 B in `subjects` subjects, its RSS, then two filtered consumer creations. */
async function memory(kind: Kind, msgs: number, subjects: number): Promise<Record<string, number>> {
  const s = await startServer(kind);
  try {
    await createStream(s, { name: 'benchmem', subjects: ['mem.>'] });
    await sleep(500);
    const rssEmpty = rssMiB(s.pid);
    await fill(s, 'benchmem', 'mem', msgs, ['--multisubject', '--multisubjectmax', String(subjects)]);
    await sleep(2_000);
    const rssFull = rssMiB(s.pid);
    const nc = await connect({ servers: s.url });
    try {
      // natscli's subjects are mem.<n> for n < subjects, zero-padded to the digits of `subjects`, each published msgs/subjects times.
      const one = `mem.${String(Math.floor(subjects / 2)).padStart(String(subjects).length, '0')}`;
      // Not timed: the server's first consumer (Wharf creates its consumer-state topic then), on a subject with no messages.
      await timeConsumerCreate(nc, 'benchmem', 'c_warmup', 'mem.none', 0);
      const literal = await timeConsumerCreate(nc, 'benchmem', 'c_literal', one, msgs / subjects);
      const wildcard = await timeConsumerCreate(nc, 'benchmem', 'c_wild', 'mem.*', msgs);
      return { rssEmpty, rssFull, createLiteral: literal, createWildcard: wildcard };
    } finally {
      await nc.close();
    }
  } finally {
    await s.stop();
  }
}

// ---------------------------------------------------------------------------------------------

const COLUMNS: Record<Kind, BenchColumn> = {
  natsDefault: { key: 'natsDefault', label: 'nats-server (sync 2 m)', role: 'reference', settings: 'nats-server v2.15.2, `jetstream { store_dir: TMP }`: file storage, its default `sync_interval` (2 min): a PubAck may precede the fsync' },
  natsAlways: { key: 'natsAlways', label: 'nats-server (sync always)', role: 'reference', settings: 'nats-server v2.15.2, `jetstream { store_dir: TMP, sync_interval: always }`: file storage, fsync of every write before the PubAck' },
  wharf: { key: 'wharf', label: 'Wharf', role: 'wharf', against: ['natsAlways'], settings: '`node dist/src/cli/main.js --kafka-port -1 --data-dir TMP`, defaults: fsync before the PubAck with group commit (`--fsync always`); compared with nats-server sync always' },
  wharfNever: { key: 'wharfNever', label: 'Wharf (fsync never)', role: 'wharf', against: ['natsDefault'], settings: 'the same with `--fsync never` (the page cache only); compared with nats-server\'s default' },
};

function rateRows(key: string, label: string, unit = 'msgs/s'): RowDef[] {
  return [
    { key, label, unit, higherIsBetter: true },
    { key: `${key}Cpu`, label: `${label}: broker CPU per message`, short: `${label}: CPU/msg`, unit: 'µs CPU/msg', higherIsBetter: false, chart: false },
  ];
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  requirePeer('nats-server');
  requirePeer('nats');
  workDir = mkdtempSync(join(tmpdir(), 'wharf-bench-js-'));
  atExit(() => rmSync(workDir, { recursive: true, force: true }));
  const n = (x: number) => Math.max(500, Math.round(x * o.scale));
  const c = (x: number) => n(x).toLocaleString('en');
  const log = (l: string) => process.stderr.write(`${l}\n`);
  const drive = { pairs: o.pairs, order: o.order, log };
  const t0 = Date.now();
  const rows: BenchRow[] = [];
  const servers = new Map<Kind, Server>();
  const N = { sync: n(5_000), async: n(20_000), batch: n(20_000), read: n(100_000), kv: n(5_000) };
  try {
    for (const k of o.kinds) {
      const s = await startServer(k);
      servers.set(k, s);
      load.own(s.pid);
    }
    const sides = (run: (s: Server, pair: number) => Promise<Record<string, number>>): Side[] => o.kinds.map((k) => ({ column: k, run: (pair: number) => run(servers.get(k)!, pair) }));
    const rate = (key: string, r: { rate: number; cpu: number }) => ({ [key]: r.rate, [`${key}Cpu`]: r.cpu });
    const ms: Measurement[] = [
      {
        rows: rateRows('pubSync', `js pub sync, 128 B (${c(5_000)} msgs, one in flight)`),
        sides: sides(async (s) => {
          await purge(s, PUB_STREAM.name);
          return rate('pubSync', await benchRun(s, ['js', 'pub', 'sync', 'bench.pub', '--stream', PUB_STREAM.name], N.sync, 'nats bench js pub sync'));
        }),
      },
      {
        rows: rateRows('pubAsync', `js pub async, 128 B (${c(20_000)} msgs, 500 in flight)`),
        sides: sides(async (s) => {
          await purge(s, PUB_STREAM.name);
          return rate('pubAsync', await benchRun(s, ['js', 'pub', 'async', 'bench.pub', '--stream', PUB_STREAM.name, '--batch', '500'], N.async, 'nats bench js pub async'));
        }),
      },
      {
        rows: rateRows('pubBatch', `js pub batch (atomic batches of 500), 128 B (${c(20_000)} msgs)`),
        sides: sides(async (s, pair) => {
          if (pair === 0) await createStream(s, BATCH_STREAM);
          else await purge(s, BATCH_STREAM.name);
          return rate('pubBatch', await benchRun(s, ['js', 'pub', 'batch', 'bench.batch', '--stream', BATCH_STREAM.name, '--batch', '500'], N.batch, 'nats bench js pub batch'));
        }),
      },
      {
        rows: rateRows('ordered', `js ordered: an ordered consumer reads ${c(100_000)} msgs of 128 B`),
        sides: sides(async (s) => rate('ordered', await benchRun(s, ['js', 'ordered', '--stream', READ_STREAM.name], N.read, 'nats bench js ordered'))),
      },
      {
        rows: rateRows('consume', `js consume: a durable pull consumer (callback), explicit ack, ${c(100_000)} msgs`),
        sides: sides(async (s) => {
          await dropBenchConsumer(s);
          return rate('consume', await benchRun(s, ['js', 'consume', '--stream', READ_STREAM.name, '--acks', 'explicit'], N.read, 'nats bench js consume'));
        }),
      },
      {
        rows: rateRows('fetch', `js fetch: a durable pull consumer (fetch of 500), explicit ack, ${c(100_000)} msgs`),
        sides: sides(async (s) => {
          await dropBenchConsumer(s);
          return rate('fetch', await benchRun(s, ['js', 'fetch', '--stream', READ_STREAM.name, '--acks', 'explicit'], N.read, 'nats bench js fetch'));
        }),
      },
      {
        rows: [...rateRows('kvPut', `kv put, 128 B (${c(5_000)} keys, one in flight)`, 'puts/s'), ...rateRows('kvGet', `kv get (the same ${c(5_000)} keys, one in flight)`, 'gets/s')],
        sides: sides(async (s) => {
          await nats(s, ['kv', 'rm', 'benchkv', '-f']).exited;
          await natsOk(nats(s, ['kv', 'add', 'benchkv', '--history', '1', '--storage', 'file', '--replicas', '1']), 'nats kv add benchkv');
          const put = await benchRun(s, ['kv', 'put', '--bucket', 'benchkv'], N.kv, 'nats bench kv put');
          const get = await benchRun(s, ['kv', 'get', '--bucket', 'benchkv'], N.kv, 'nats bench kv get');
          return { ...rate('kvPut', put), ...rate('kvGet', get) };
        }),
      },
    ];
    const chosen = selected(ms, o.rows);
    if (chosen.some((m) => m.rows[0]!.key === 'pubSync' || m.rows[0]!.key === 'pubAsync')) for (const s of servers.values()) await createStream(s, PUB_STREAM);
    if (chosen.some((m) => ['ordered', 'consume', 'fetch'].includes(m.rows[0]!.key))) {
      // The read rows share one stream per server, filled once (not timed).
      for (const s of servers.values()) {
        await createStream(s, READ_STREAM);
        await fill(s, READ_STREAM.name, 'bench.read', N.read);
        log(`filled ${READ_STREAM.name} on ${s.kind} with ${N.read} messages`);
      }
    }
    for (const m of chosen) rows.push(...(await measure(m, drive)));
  } finally {
    for (const s of servers.values()) load.release(s.pid);
    for (const s of servers.values()) await s.stop();
  }
  const memLabel = `${o.memMsgs.toLocaleString('en')} messages of 128 B in ${o.memSubjects.toLocaleString('en')} subjects`;
  const memSides = (['natsDefault', 'wharfNever'] as const).filter((k) => o.kinds.includes(k));
  const mem: Measurement = {
    rows: [
      { key: 'rssEmpty', label: 'RSS with one empty stream', unit: 'MiB', higherIsBetter: false },
      { key: 'rssFull', label: `RSS with ${memLabel}`, short: `RSS, ${memLabel}`, unit: 'MiB', higherIsBetter: false },
      { key: 'createLiteral', label: `create a durable consumer on that stream, filter on one subject (num_pending ${(o.memMsgs / o.memSubjects).toLocaleString('en')}, checked)`, short: 'consumer create, literal filter', unit: 'ms', higherIsBetter: false },
      { key: 'createWildcard', label: `create a durable consumer on that stream, filter mem.* (num_pending ${o.memMsgs.toLocaleString('en')}, checked)`, short: 'consumer create, wildcard filter', unit: 'ms', higherIsBetter: false },
    ],
    sides: memSides.map((k) => ({ column: k, run: () => memory(k, o.memMsgs, o.memSubjects) })),
  };
  for (const m of selected([mem], o.rows)) rows.push(...(await measure(m, drive)));
  const result: BenchResult = {
    area: 'jetstream',
    title: 'JetStream: Wharf vs nats-server v2.15.2 (file storage), at the same durability',
    columns: o.kinds.map((k) => COLUMNS[k]),
    rows,
    pairs: o.pairs,
    seconds: Math.round((Date.now() - t0) / 1000),
    date: new Date().toISOString(),
    commands: [`node dist/bench/jetstream.js --pairs ${o.pairs}${driverFlags(o)}${o.kinds.length < KINDS.length ? ` --columns ${o.kinds.join(',')}` : ''}${o.quick ? ' --quick' : ''}${o.scale !== (o.quick ? 0.1 : 1) ? ` --scale ${o.scale}` : ''} --mem-msgs ${o.memMsgs} --mem-subjects ${o.memSubjects}`],
    notes: [
      'Load tool: natscli v0.5.0, `nats bench js pub sync|async|batch`, `nats bench js ordered|consume|fetch`, `nats bench kv put|get`, one client, 128 B messages; the streams are created beforehand with the same config on every server (`nats stream add --config`: file storage, limits retention, one replica).',
      'Ratios are paired at the same durability only: Wharf (fsync before the PubAck, group commit) against nats-server with `sync_interval: always`, and Wharf with `--fsync never` against nats-server\'s default `sync_interval` of 2 minutes.',
      'The four servers run side by side for the rate rows; each row runs as quadruples: nats-server (sync 2 m), nats-server (sync always), Wharf, Wharf (fsync never), back to back.',
      'js pub: the stream is purged before each run. js ordered, consume and fetch read one stream per server filled once beforehand (not timed); consume and fetch delete their durable consumer before each run, so each reads the stream from the first message and acks every message (`--acks explicit`).',
      'kv: the bucket is deleted before each run, then `kv put` writes the keys (the bucket created by natscli, history 1) and `kv get` reads them back.',
      'CPU per message: the broker\'s user + system CPU time from /proc/PID/stat over the load tool\'s run (connection and setup included), divided by the messages of the run.',
      'Memory rows: a fresh server per run; RSS (VmRSS from /proc) 0.5 s after the empty stream was created and 2 s after the messages were published (`nats bench js pub async --multisubject --multisubjectmax N`); then, after one untimed consumer on a subject without messages (the first consumer of a server carries one-time costs), the time from the CONSUMER.CREATE request to its reply, through a nats.js 2.x connection, for a durable explicit-ack consumer filtered on one subject and on `mem.*`; a reply whose num_pending is not exact is a failure. They run at the lazy durability (nats-server default, Wharf --fsync never) only, so that filling 1 M messages takes seconds: neither server keeps anything in memory because of its fsync setting.',
      'Where the broker\'s time goes in these rows (CPU profiles, what was optimised and what is left): [jetstream.md, 1.21](jetstream.md#121-performance-what-the-profiles-say-the-time-is-in).',
    ],
  };
  process.stdout.write(`${markdownTable(result)}\n\n${allPairs(result)}\n\n(${o.pairs} pair(s), ${result.seconds} s)\n`);
  if (o.json) writeFileSync(o.json, JSON.stringify(result, null, 2) + '\n');
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
