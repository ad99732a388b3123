// NATS benchmark: Wharf against nats-server v2.15.2 on the same machine with the same load tools
// (natscli v0.5.0 `nats bench`, and the raw-protocol clients of bench/nats-clients.ts for the
// queue group and the idle connections). Both servers run side by side; every row runs as N
// pairs, nats-server then Wharf, back to back (bench/pairs.ts). The memory rows start a fresh
// server for each run. Prints the table; --json FILE writes the figures (bench/report.ts),
// --write FILE the NATS document (bench/nats-doc.ts).
//
//   npm run bench:nats -- --pairs 5
//   node dist/bench/nats.js --pairs 5 --write docs/benchmarks-nats.md
//   node dist/bench/nats.js --subject nats-server    # nats-server on both sides (checks the script)
//   node dist/bench/nats.js --quick                  # small counts, 1 pair (smoke test)
//
// Needs the reference peers: bash scripts/peers/install-all.sh
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requirePeer } from '../test/support/peers.js';
import { freePort, sleep, waitForNatsInfo } from '../test/support/net.js';
import { repoRoot } from '../test/support/wharf.js';
import { parseBenchCsv } from '../test/support/natscli.js';
import { benchArgs, driverFlags, positiveInt, type Order } from './args.js';
import * as load from './load.js';
import { cpuRow, withBrokerCpu } from './broker-cpu.js';
import { startMachineRecord } from './machine.js';
import { natsDoc } from './nats-doc.js';
import { measure, selected, type Measurement, type RowDef } from './pairs.js';
import { atExit, startWithUlimit, type Proc } from './procs.js';
import type { BenchColumn, BenchResult, BenchRow } from './report.js';
import { allPairs, markdownTable } from './table.js';

interface Options {
  pairs: number;
  quick: boolean;
  order: Order;
  rows?: string[];
  subject: 'wharf' | 'nats-server';
  write?: string;
  json?: string;
  idleConnections: number;
  /** Multiplies every message count. */
  scale: number;
}

function options(argv: string[]): Options {
  const a = benchArgs(argv, ['subject', 'write', 'json', 'idle-connections', 'scale'], 'usage: node dist/bench/nats.js [--pairs N] [--order fixed|alternate] [--rows KEY,...] [--quick] [--scale F] [--subject wharf|nats-server] [--idle-connections N] [--write FILE] [--json FILE]');
  const subject = a.values.subject ?? 'wharf';
  if (subject !== 'wharf' && subject !== 'nats-server') throw new Error('--subject wharf|nats-server');
  const idle = a.values['idle-connections'] === undefined ? (a.quick ? 1_000 : 10_000) : positiveInt('idle-connections', a.values['idle-connections']);
  const scale = a.values.scale === undefined ? (a.quick ? 0.05 : 1) : Number(a.values.scale);
  if (!(scale > 0)) throw new Error('--scale: expected a positive number');
  return { pairs: a.pairs, quick: a.quick, order: a.order, rows: a.rows, subject, write: a.values.write, json: a.values.json, idleConnections: idle, scale };
}

// ---------------------------------------------------------------------------------------------
// Servers

const CMD_TIMEOUT_MS = 180_000;
const DAY_MS = 24 * 3600_000;

interface Server {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

async function startNatsServer(): Promise<Server> {
  const port = await freePort();
  const http = await freePort();
  const p = startWithUlimit(requirePeer('nats-server'), ['-a', '127.0.0.1', '-p', String(port), '-m', String(http)], DAY_MS);
  await waitForNatsInfo(port, 15_000, () => (p.child.exitCode !== null ? `nats-server exited:\n${p.out()}` : undefined));
  return { port, pid: p.child.pid!, stop: () => p.kill() };
}

async function startWharf(): Promise<Server> {
  const main = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
  const port = await freePort();
  const http = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-bench-'));
  const removeDir = atExit(() => rmSync(dataDir, { recursive: true, force: true }));
  const args = [main, '--host', '127.0.0.1', '--port', String(port), '--http-port', String(http), '--kafka-port', '-1', '--data-dir', dataDir, '--log-level', 'warn'];
  const p = startWithUlimit(process.execPath, args, DAY_MS);
  await waitForNatsInfo(port, 15_000, () => (p.child.exitCode !== null ? `wharf exited:\n${p.out()}` : undefined));
  return {
    port,
    pid: p.child.pid!,
    async stop() {
      await p.kill();
      rmSync(dataDir, { recursive: true, force: true });
      removeDir();
    },
  };
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) / 1024;
}

// ---------------------------------------------------------------------------------------------
// natscli runs

let workDir = '';
let csvSeq = 0;

function nats(url: string, args: string[]): Proc {
  return startWithUlimit(requirePeer('nats'), args, CMD_TIMEOUT_MS, { ...process.env, HOME: workDir, NATS_URL: url, NO_COLOR: '1' });
}

async function natsOk(p: Proc, what: string): Promise<void> {
  const code = await p.exited;
  if (code !== 0) throw new Error(`${what} failed (${code === null ? 'killed' : `exit ${code}`}): ${p.out().slice(-1000)}`);
}

function csvPath(): string {
  return join(workDir, `run-${++csvSeq}.csv`);
}

/** Publish-only throughput (msgs/s). */
async function benchPub(url: string, msgs: number, size: number): Promise<number> {
  const csv = csvPath();
  await natsOk(nats(url, ['bench', 'pub', 'bench.pub', '--msgs', String(msgs), '--size', String(size), '--no-progress', '--csv', csv]), 'nats bench pub');
  return parseBenchCsv(readFileSync(csv, 'utf8')).reduce((s, r) => s + Number(r.MsgsPerSec), 0);
}

/** One publisher to `subs` subscribers: received msgs/s summed over the subscribers. */
async function benchPubSub(url: string, msgs: number, size: number, subs: number): Promise<number> {
  const subCsv = csvPath();
  const sub = nats(url, ['bench', 'sub', 'bench.ps', '--msgs', String(msgs), '--size', String(size), '--clients', String(subs), '--no-progress', '--csv', subCsv]);
  if (!(await sub.waitOutput(new RegExp(`\\[${subs}\\] Starting Core NATS subscriber`), 15_000))) {
    await sub.kill();
    throw new Error(`nats bench sub did not start: ${sub.out().slice(-500)}`);
  }
  await sleep(500);
  await natsOk(nats(url, ['bench', 'pub', 'bench.ps', '--msgs', String(msgs), '--size', String(size), '--no-progress']), 'nats bench pub');
  await natsOk(sub, 'nats bench sub');
  return parseBenchCsv(readFileSync(subCsv, 'utf8')).reduce((s, r) => s + Number(r.MsgsPerSec), 0);
}

/** Request-reply latency through `nats bench service`: p50, p99 and p99.9 of one run, in microseconds. */
async function benchRequestReply(url: string, msgs: number): Promise<{ rr50: number; rr99: number; rr999: number }> {
  const serve = nats(url, ['bench', 'service', 'serve', 'bench.svc', '--clients', '1', '--no-progress']);
  try {
    if (!(await serve.waitOutput(/\[1\] Starting Core NATS service/i, 15_000))) throw new Error(`bench service serve did not start: ${serve.out().slice(-500)}`);
    await sleep(500);
    const csv = csvPath();
    await natsOk(nats(url, ['bench', 'service', 'request', 'bench.svc', '--msgs', String(msgs), '--size', '16', '--clients', '1', '--no-progress', '--csv', csv]), 'nats bench service request');
    const row = parseBenchCsv(readFileSync(csv, 'utf8'))[0];
    if (!row) throw new Error('nats bench service request wrote no CSV row');
    return { rr50: Number(row.P50LatencyMicroSecs), rr99: Number(row.P99LatencyMicroSecs), rr999: Number(row['P99.9LatencyMicroSecs']) };
  } finally {
    await serve.kill();
  }
}

const clients = join(fileURLToPath(new URL('.', import.meta.url)), 'nats-clients.js');

/** Publisher (nats bench pub) to a queue group of `members` raw consumers: received msgs/s. */
async function benchQueue(port: number, url: string, msgs: number, size: number, members: number): Promise<number> {
  const consumer = startWithUlimit(process.execPath, [clients, 'queue-consumer', String(port), 'bench.q', 'workers', String(msgs), String(members)], CMD_TIMEOUT_MS);
  if (!(await consumer.waitOutput(/^ready$/m, 15_000))) {
    await consumer.kill();
    throw new Error(`queue consumer did not start: ${consumer.out().slice(-500)}`);
  }
  await natsOk(nats(url, ['bench', 'pub', 'bench.q', '--msgs', String(msgs), '--size', String(size), '--no-progress']), 'nats bench pub');
  const code = await consumer.exited;
  const m = /^result (\{.*\})$/m.exec(consumer.out());
  if (code !== 0 || !m) throw new Error(`queue consumer failed (exit ${code}): ${consumer.out().slice(-500)}`);
  const r = JSON.parse(m[1]!) as { count: number; seconds: number };
  if (r.count !== msgs) throw new Error(`queue group received ${r.count} of ${msgs}`);
  return r.count / r.seconds;
}

/** A fresh server: RSS one second after start, then with `n` idle connections held by a child. */
async function memory(start: () => Promise<Server>, n: number): Promise<{ rssIdle: number; rssConns: number }> {
  const server = await start();
  try {
    await sleep(1_000);
    const rssIdle = rssMiB(server.pid);
    const holder = startWithUlimit(process.execPath, [clients, 'hold-connections', String(server.port), String(n)], 300_000);
    try {
      if (!(await holder.waitOutput(/^holding \d+$/m, 240_000))) throw new Error(`could not open ${n} connections: ${holder.out().slice(-500)}`);
      await sleep(2_000);
      return { rssIdle, rssConns: rssMiB(server.pid) };
    } finally {
      await holder.kill();
    }
  } finally {
    await server.stop();
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const machine = startMachineRecord();
  requirePeer('nats-server');
  requirePeer('nats');
  workDir = mkdtempSync(join(tmpdir(), 'wharf-bench-nats-'));
  atExit(() => rmSync(workDir, { recursive: true, force: true }));
  const self = o.subject === 'wharf';
  const startSubject = self ? startWharf : startNatsServer;
  const columns: BenchColumn[] = [
    { key: 'natsServer', label: 'nats-server v2.15.2', role: 'reference', settings: '`nats-server -a 127.0.0.1 -p P -m H`, defaults; core NATS stores nothing, so no durability setting applies' },
    self
      ? { key: 'wharf', label: 'Wharf', role: 'wharf', settings: '`node dist/src/cli/main.js --host 127.0.0.1 --port P --http-port H --kafka-port -1 --data-dir TMP --log-level warn`, defaults; core NATS stores nothing (no subject is captured by a topic), so the fsync policy does not apply' }
      : { key: 'wharf', label: 'nats-server (2nd)', role: 'wharf', settings: 'a second nats-server, same flags (a check of the script: ratios should be near 1)' },
  ];
  const n = (x: number) => Math.max(1_000, Math.round(x * o.scale));
  const c = (x: number) => n(x).toLocaleString('en');
  const log = (l: string) => process.stderr.write(`${l}\n`);
  const drive = { pairs: o.pairs, order: o.order, log };
  const t0 = Date.now();
  const rows: BenchRow[] = [];
  // The two servers live through the rows: their CPU counts as ours (bench/load.ts).
  const ref = await startNatsServer();
  load.own(ref.pid);
  let sub: Server | undefined;
  try {
    sub = await startSubject();
    load.own(sub.pid);
    const url = (s: Server) => `nats://127.0.0.1:${s.port}`;
    const sides = (run: (s: Server) => Promise<Record<string, number>>) => [
      { column: 'natsServer', run: () => run(ref) },
      { column: 'wharf', run: () => run(sub!) },
    ];
    // Each rate row has its companion: the broker's CPU µs per message the rate counts (bench/broker-cpu.ts).
    const one = (def: RowDef, messages: number, run: (s: Server) => Promise<number>): Measurement => ({
      rows: [def, cpuRow(def)],
      sides: sides(async (s) => {
        const { result, cpuPerMsg } = await withBrokerCpu(s.pid, () => run(s), () => messages);
        return { [def.key]: result, [`${def.key}Cpu`]: cpuPerMsg };
      }),
    });
    const rr50: RowDef = { key: 'rr50', label: `request-reply latency p50 (${c(20_000)} requests, 16 B, one in flight)`, unit: 'µs', higherIsBetter: false };
    const ms: Measurement[] = [
      one({ key: 'pub16', label: `publish only, 16 B (${c(2_000_000)} msgs)`, unit: 'msgs/s', higherIsBetter: true }, n(2_000_000), (s) => benchPub(url(s), n(2_000_000), 16)),
      one({ key: 'ps16', label: `1 pub → 1 sub, 16 B (${c(1_000_000)} msgs)`, unit: 'msgs/s received', higherIsBetter: true }, n(1_000_000), (s) => benchPubSub(url(s), n(1_000_000), 16, 1)),
      one({ key: 'ps1k', label: `1 pub → 1 sub, 1 KB (${c(300_000)} msgs)`, unit: 'msgs/s received', higherIsBetter: true }, n(300_000), (s) => benchPubSub(url(s), n(300_000), 1024, 1)),
      one({ key: 'fan4', label: `1 pub → 4 subs fan-out, 128 B (${c(300_000)} msgs)`, unit: 'msgs/s received (sum of 4)', higherIsBetter: true }, 4 * n(300_000), (s) => benchPubSub(url(s), n(300_000), 128, 4)),
      one({ key: 'queue4', label: `1 pub → queue group of 4, 128 B (${c(500_000)} msgs)`, unit: 'msgs/s received', higherIsBetter: true }, n(500_000), (s) => benchQueue(s.port, url(s), n(500_000), 128, 4)),
      {
        rows: [rr50, { key: 'rr99', label: 'request-reply latency p99 (the same runs)', unit: 'µs', higherIsBetter: false }, { key: 'rr999', label: 'request-reply latency p99.9 (the same runs)', unit: 'µs', higherIsBetter: false }, cpuRow({ ...rr50, label: 'request-reply (the same runs)' }, 'request')],
        sides: sides(async (s) => {
          const { result, cpuPerMsg } = await withBrokerCpu(s.pid, () => benchRequestReply(url(s), n(20_000)), () => n(20_000));
          return { ...result, rr50Cpu: cpuPerMsg };
        }),
      },
    ];
    for (const m of selected(ms, o.rows)) rows.push(...(await measure(m, drive)));
  } finally {
    if (sub) load.release(sub.pid);
    load.release(ref.pid);
    await sub?.stop();
    await ref.stop();
  }
  const mem: Measurement = {
        rows: [
          { key: 'rssIdle', label: 'RSS of a fresh broker, 1 s after start', unit: 'MiB', higherIsBetter: false },
          { key: 'rssConns', label: `RSS of the same broker with ${o.idleConnections.toLocaleString('en')} idle connections`, unit: 'MiB', higherIsBetter: false },
        ],
        sides: [
          { column: 'natsServer', run: () => memory(startNatsServer, o.idleConnections) },
          { column: 'wharf', run: () => memory(startSubject, o.idleConnections) },
        ],
  };
  for (const m of selected([mem], o.rows)) rows.push(...(await measure(m, drive)));
  const result: BenchResult = {
    area: 'nats',
    title: `NATS: ${columns[1]!.label} vs nats-server v2.15.2`,
    columns,
    rows,
    pairs: o.pairs,
    seconds: Math.round((Date.now() - t0) / 1000),
    date: new Date().toISOString(),
    commands: [`node dist/bench/nats.js --pairs ${o.pairs}${driverFlags(o)}${o.quick ? ' --quick' : ''}${o.scale !== (o.quick ? 0.05 : 1) ? ` --scale ${o.scale}` : ''}${o.subject !== 'wharf' ? ` --subject ${o.subject}` : ''} --idle-connections ${o.idleConnections}`],
    notes: [
      'Load tool: natscli v0.5.0 `nats bench pub|sub|service`; the queue group and the idle connections use the raw-protocol clients of bench/nats-clients.ts (natscli\'s `bench sub` has no queue-group option).',
      'Both servers run side by side for the throughput and latency rows (the idle one uses no CPU); the memory rows start a fresh server per run.',
      '1 pub → N subs: `nats bench sub --clients N` started first, then `nats bench pub`; messages per second received, summed over the subscribers.',
      'Request-reply: `nats bench service serve` (one responder) and `nats bench service request` (one requester, one request in flight); p50, p99 and p99.9 come from the same run.',
      'CPU per message: the broker\'s user + system CPU time from /proc/PID/stat over the run of the load tools (their start included), divided by the messages the rate counts (received, summed over subscribers; published for publish only; requests for request-reply).',
      'RSS: VmRSS of the broker process from /proc, 1 s after start, then 2 s after a child opened the idle connections (CONNECT, PING, wait for PONG).',
      "Where the broker's time goes in these rows (perf profiles, what was changed and what is left, where Node is the limit): [nats-performance.md](nats-performance.md).",
    ],
  };
  process.stdout.write(`${markdownTable(result)}\n\n${allPairs(result)}\n\n(${o.pairs} pair(s), ${result.seconds} s)\n`);
  if (o.json) writeFileSync(o.json, JSON.stringify(result, null, 2) + '\n');
  if (o.write) {
    writeFileSync(o.write, natsDoc(result, machine.done()));
    log(`wrote ${o.write}`);
  }
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
