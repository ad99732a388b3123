// NATS benchmark: Wharf against nats-server v2.15.2, same machine, same run, same load tools
// (natscli v0.5.0 `nats bench`, plus small raw-protocol helpers below for the queue group and
// for holding idle connections). Prints a markdown table of medians and the ratio
// Wharf / nats-server; with --write FILE also writes the whole results document.
//
//   npm run bench:nats                               # 3 runs, prints the table
//   node dist/bench/nats.js --runs 3 --write docs/benchmarks-nats.md
//   node dist/bench/nats.js --subject nats-server    # nats-server on both sides (checks the script)
//   node dist/bench/nats.js --quick                  # small counts, 1 run (smoke test)
//   node dist/bench/nats.js --json FILE              # also the figures in bench/report.ts's format
//
// Needs the reference peers: bash scripts/peers/install-all.sh
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requirePeer } from '../test/support/peers.js';
import { freePort, sleep, waitForNatsInfo } from '../test/support/net.js';
import { repoRoot } from '../test/support/wharf.js';
import { parseBenchCsv } from '../test/support/natscli.js';
import { benchArgs } from './args.js';
import type { BenchResult } from './report.js';

// ---------------------------------------------------------------------------------------------
// Options

interface Options {
  runs: number;
  quick: boolean;
  subject: 'wharf' | 'nats-server';
  write?: string;
  json?: string;
  idleConnections: number;
}

function parseArgs(argv: string[]): Options {
  const a = benchArgs(argv, ['subject', 'write', 'json', 'idle-connections'], 'usage: node dist/bench/nats.js [--runs N] [--quick] [--subject wharf|nats-server] [--idle-connections N] [--write FILE] [--json FILE]');
  const subject = a.values.subject ?? 'wharf';
  if (subject !== 'wharf' && subject !== 'nats-server') throw new Error('--subject wharf|nats-server');
  const idle = a.values['idle-connections'] === undefined ? 10_000 : Number(a.values['idle-connections']);
  return {
    runs: a.quick ? 1 : a.runs,
    quick: a.quick,
    subject,
    write: a.values.write,
    json: a.values.json,
    idleConnections: a.quick ? Math.min(idle, 1_000) : idle,
  };
}

// ---------------------------------------------------------------------------------------------
// Processes

const CMD_TIMEOUT_MS = 180_000;

/** Spawns a command with the soft open-files limit raised to the hard limit. */
function spawnWithUlimit(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  return spawn('bash', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null || true; exec "$0" "$@"', cmd, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env,
  });
}

interface Proc {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
  waitOutput(re: RegExp, ms: number): Promise<boolean>;
  kill(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => process.exit(130));
}

function track(child: ChildProcess, timeoutMs = CMD_TIMEOUT_MS): Proc {
  live.add(child);
  let out = '';
  const waiters = new Set<() => void>();
  const on = (d: Buffer) => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
    for (const w of waiters) w();
  };
  child.stdout?.on('data', on);
  child.stderr?.on('data', on);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      live.delete(child);
      for (const w of waiters) w();
      resolve(code);
    }),
  );
  return {
    child,
    out: () => out,
    exited,
    waitOutput(re, ms) {
      return new Promise((resolve) => {
        const check = () => {
          if (re.test(out)) finish(true);
          else if (child.exitCode !== null || child.signalCode !== null) finish(false);
        };
        const finish = (v: boolean) => {
          clearTimeout(t);
          waiters.delete(check);
          resolve(v);
        };
        const t = setTimeout(() => finish(false), ms);
        waiters.add(check);
        check();
      });
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}

interface Server {
  name: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

async function startNatsServer(): Promise<Server> {
  const bin = requirePeer('nats-server');
  const port = await freePort();
  const http = await freePort();
  const p = track(spawnWithUlimit(bin, ['-a', '127.0.0.1', '-p', String(port), '-m', String(http)]), 24 * 3600_000);
  await waitForNatsInfo(port, 15_000, () => (p.child.exitCode !== null ? `nats-server exited:\n${p.out()}` : undefined));
  return { name: 'nats-server', port, pid: p.child.pid!, stop: () => p.kill() };
}

async function startWharf(): Promise<Server> {
  const main = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
  const port = await freePort();
  const http = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-bench-'));
  const args = [main, '--host', '127.0.0.1', '--port', String(port), '--http-port', String(http), '--kafka-port', '-1', '--data-dir', dataDir, '--log-level', 'warn'];
  const p = track(spawnWithUlimit(process.execPath, args), 24 * 3600_000);
  await waitForNatsInfo(port, 15_000, () => (p.child.exitCode !== null ? `wharf exited:\n${p.out()}` : undefined));
  return {
    name: 'wharf',
    port,
    pid: p.child.pid!,
    async stop() {
      await p.kill();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) / 1024;
}

// ---------------------------------------------------------------------------------------------
// natscli runs

let workDir = '';
let csvSeq = 0;

function nats(url: string, args: string[], timeoutMs = CMD_TIMEOUT_MS): Proc {
  const bin = requirePeer('nats');
  return track(spawnWithUlimit(bin, args, { ...process.env, HOME: workDir, NATS_URL: url, NO_COLOR: '1' }), timeoutMs);
}

async function natsOk(p: Proc, what: string): Promise<void> {
  const code = await p.exited;
  if (code !== 0) throw new Error(`${what} failed (exit ${code}):\n${p.out().slice(-2000)}`);
}

function csvPath(): string {
  return join(workDir, `run-${++csvSeq}.csv`);
}

/** Publish-only throughput (msgs/s). */
async function benchPub(url: string, msgs: number, size: number): Promise<number> {
  const csv = csvPath();
  const p = nats(url, ['bench', 'pub', 'bench.pub', '--msgs', String(msgs), '--size', String(size), '--no-progress', '--csv', csv]);
  await natsOk(p, 'nats bench pub');
  return parseBenchCsv(readFileSync(csv, 'utf8')).reduce((s, r) => s + Number(r.MsgsPerSec), 0);
}

/** One publisher to `subs` subscribers: received msgs/s summed over the subscribers. */
async function benchPubSub(url: string, msgs: number, size: number, subs: number): Promise<number> {
  const subCsv = csvPath();
  const sub = nats(url, ['bench', 'sub', 'bench.ps', '--msgs', String(msgs), '--size', String(size), '--clients', String(subs), '--no-progress', '--csv', subCsv]);
  if (!(await sub.waitOutput(new RegExp(`\\[${subs}\\] Starting Core NATS subscriber`), 15_000))) {
    await sub.kill();
    throw new Error(`nats bench sub did not start:\n${sub.out()}`);
  }
  await sleep(500);
  const pub = nats(url, ['bench', 'pub', 'bench.ps', '--msgs', String(msgs), '--size', String(size), '--no-progress']);
  await natsOk(pub, 'nats bench pub');
  await natsOk(sub, 'nats bench sub');
  const rows = parseBenchCsv(readFileSync(subCsv, 'utf8'));
  return rows.reduce((s, r) => s + Number(r.MsgsPerSec), 0);
}

/** Request-reply latency through `nats bench service`: p50 and p99 in microseconds. */
async function benchRequestReply(url: string, msgs: number): Promise<{ p50: number; p99: number }> {
  const serve = nats(url, ['bench', 'service', 'serve', 'bench.svc', '--clients', '1', '--no-progress']);
  try {
    if (!(await serve.waitOutput(/\[1\] Starting Core NATS service/i, 15_000))) throw new Error(`bench service serve did not start:\n${serve.out()}`);
    await sleep(500);
    const csv = csvPath();
    const req = nats(url, ['bench', 'service', 'request', 'bench.svc', '--msgs', String(msgs), '--size', '16', '--clients', '1', '--no-progress', '--csv', csv]);
    await natsOk(req, 'nats bench service request');
    const row = parseBenchCsv(readFileSync(csv, 'utf8'))[0]!;
    return { p50: Number(row.P50LatencyMicroSecs), p99: Number(row.P99LatencyMicroSecs) };
  } finally {
    await serve.kill();
  }
}

/** Publisher (nats bench pub) to a queue group of `members` raw consumers: received msgs/s. */
async function benchQueue(port: number, url: string, msgs: number, size: number, members: number): Promise<number> {
  const self = fileURLToPath(import.meta.url);
  const consumer = track(spawnWithUlimit(process.execPath, [self, '--queue-consumer', String(port), 'bench.q', 'workers', String(msgs), String(members)]));
  if (!(await consumer.waitOutput(/^ready$/m, 15_000))) {
    await consumer.kill();
    throw new Error(`queue consumer did not start:\n${consumer.out()}`);
  }
  const pub = nats(url, ['bench', 'pub', 'bench.q', '--msgs', String(msgs), '--size', String(size), '--no-progress']);
  await natsOk(pub, 'nats bench pub');
  const code = await consumer.exited;
  const m = /^result (\{.*\})$/m.exec(consumer.out());
  if (code !== 0 || !m) throw new Error(`queue consumer failed (exit ${code}):\n${consumer.out().slice(-2000)}`);
  const r = JSON.parse(m[1]!) as { count: number; seconds: number; perMember: number[] };
  if (r.count !== msgs) throw new Error(`queue group received ${r.count} of ${msgs}`);
  return r.count / r.seconds;
}

/** RSS of the server after `n` idle connections (CONNECT + PING each) are held by a child. */
async function rssWithIdleConnections(server: Server, n: number): Promise<number> {
  const self = fileURLToPath(import.meta.url);
  const holder = track(spawnWithUlimit(process.execPath, [self, '--hold-connections', String(server.port), String(n)]), 300_000);
  try {
    if (!(await holder.waitOutput(/^holding \d+$/m, 240_000))) throw new Error(`could not open ${n} connections:\n${holder.out().slice(-2000)}`);
    await sleep(2_000);
    return rssMiB(server.pid);
  } finally {
    await holder.kill();
  }
}

// ---------------------------------------------------------------------------------------------
// Child modes: raw queue consumer and idle-connection holder (no client library in the way).

/** Minimal NATS inbound parser: counts MSG deliveries, answers PING. */
function rawNatsSocket(port: number, onMsg: () => void, onReady: () => void): Socket {
  const sock = connect({ host: '127.0.0.1', port });
  let buf = Buffer.alloc(0);
  let skip = 0; // payload bytes (+CRLF) still to skip
  let ready = false;
  sock.on('data', (d: Buffer) => {
    let data = buf.length ? Buffer.concat([buf, d]) : d;
    let i = 0;
    for (;;) {
      if (skip > 0) {
        const n = Math.min(skip, data.length - i);
        skip -= n;
        i += n;
        if (skip > 0) break;
      }
      const nl = data.indexOf(10, i);
      if (nl < 0) break;
      const c0 = data[i];
      if (c0 === 77 /* M */) {
        // MSG <subject> <sid> [reply] <size>
        let j = nl - 1;
        if (data[j] === 13) j--;
        let size = 0;
        let mul = 1;
        while (j > i && data[j]! >= 48 && data[j]! <= 57) {
          size += (data[j]! - 48) * mul;
          mul *= 10;
          j--;
        }
        skip = size + 2;
        onMsg();
      } else if (c0 === 80 /* P */ && data[i + 1] === 73 /* I */) {
        sock.write('PONG\r\n');
      } else if (c0 === 80 && data[i + 1] === 79 /* O */ && !ready) {
        ready = true;
        onReady();
      } else if (c0 === 45 /* - */) {
        process.stderr.write(`server error: ${data.subarray(i, nl).toString()}\n`);
      }
      i = nl + 1;
    }
    buf = i < data.length ? Buffer.from(data.subarray(i)) : Buffer.alloc(0);
    data = buf;
  });
  sock.on('error', (e) => {
    process.stderr.write(`socket error: ${e.message}\n`);
    process.exit(3);
  });
  return sock;
}

async function queueConsumerMain(args: string[]): Promise<void> {
  const [portS, subject, group, countS, membersS] = args;
  const port = Number(portS);
  const count = Number(countS);
  const members = Number(membersS);
  let total = 0;
  let first = 0;
  const perMember = new Array(members).fill(0);
  let readyCount = 0;
  const timer = setTimeout(() => {
    console.log(`result ${JSON.stringify({ count: total, seconds: 0, perMember, timedOut: true })}`);
    process.exit(4);
  }, CMD_TIMEOUT_MS);
  for (let m = 0; m < members; m++) {
    const sock = rawNatsSocket(
      port,
      () => {
        if (total === 0) first = performance.now();
        total++;
        perMember[m]++;
        if (total === count) {
          const seconds = (performance.now() - first) / 1000;
          clearTimeout(timer);
          console.log(`result ${JSON.stringify({ count: total, seconds, perMember })}`);
          process.exit(0);
        }
      },
      () => {
        if (++readyCount === members) console.log('ready');
      },
    );
    sock.write(`CONNECT {"verbose":false,"pedantic":false,"protocol":1}\r\nSUB ${subject} ${group} 1\r\nPING\r\n`);
  }
}

async function holdConnectionsMain(args: string[]): Promise<void> {
  const port = Number(args[0]);
  const n = Number(args[1]);
  const socks: Socket[] = [];
  let ready = 0;
  const batch = 500;
  for (let i = 0; i < n; i += batch) {
    const m = Math.min(batch, n - i);
    await new Promise<void>((resolve, reject) => {
      let left = m;
      for (let k = 0; k < m; k++) {
        const sock = connect({ host: '127.0.0.1', port });
        socks.push(sock);
        let seen = '';
        const onData = (d: Buffer) => {
          seen += d.toString('latin1');
          if (seen.includes('PONG\r\n')) {
            sock.off('data', onData);
            sock.on('data', (x: Buffer) => {
              if (x.includes('PING\r\n')) sock.write('PONG\r\n');
            });
            ready++;
            if (--left === 0) resolve();
          } else if (seen.includes('-ERR')) reject(new Error(`connection ${i + k}: ${seen.slice(0, 200)}`));
        };
        sock.on('data', onData);
        sock.on('error', reject);
        sock.write('CONNECT {"verbose":false,"pedantic":false,"protocol":1}\r\nPING\r\n');
      }
    });
  }
  console.log(`holding ${ready}`);
  // Hold until killed (bounded: the parent kills us; give up after 5 minutes regardless).
  setTimeout(() => process.exit(0), 300_000);
}

// ---------------------------------------------------------------------------------------------
// The benchmark

interface Measure {
  key: string;
  label: string;
  unit: string;
  higherIsBetter: boolean;
  run: (s: Server, url: string) => Promise<number>;
}

function measures(o: Options): Measure[] {
  const k = o.quick ? 0.05 : 1;
  const n = (x: number) => Math.max(1_000, Math.round(x * k));
  let rr: { p50: number; p99: number } | undefined;
  return [
    { key: 'pub16', label: `publish only, 16 B (${n(2_000_000).toLocaleString('en')} msgs)`, unit: 'msgs/s', higherIsBetter: true, run: (_, u) => benchPub(u, n(2_000_000), 16) },
    { key: 'ps16', label: `1 pub → 1 sub, 16 B (${n(1_000_000).toLocaleString('en')} msgs)`, unit: 'msgs/s received', higherIsBetter: true, run: (_, u) => benchPubSub(u, n(1_000_000), 16, 1) },
    { key: 'ps1k', label: `1 pub → 1 sub, 1 KB (${n(300_000).toLocaleString('en')} msgs)`, unit: 'msgs/s received', higherIsBetter: true, run: (_, u) => benchPubSub(u, n(300_000), 1024, 1) },
    { key: 'fan4', label: `1 pub → 4 subs fan-out, 128 B (${n(300_000).toLocaleString('en')} msgs)`, unit: 'msgs/s received (sum of 4)', higherIsBetter: true, run: (_, u) => benchPubSub(u, n(300_000), 128, 4) },
    { key: 'queue4', label: `1 pub → queue group of 4, 128 B (${n(500_000).toLocaleString('en')} msgs)`, unit: 'msgs/s received', higherIsBetter: true, run: (s, u) => benchQueue(s.port, u, n(500_000), 128, 4) },
    {
      key: 'rr50',
      label: `request-reply latency p50 (${n(20_000).toLocaleString('en')} requests, 16 B)`,
      unit: 'µs',
      higherIsBetter: false,
      run: async (_, u) => {
        rr = await benchRequestReply(u, n(20_000));
        return rr.p50;
      },
    },
    { key: 'rr99', label: 'request-reply latency p99 (same run)', unit: 'µs', higherIsBetter: false, run: async () => rr!.p99 },
  ];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function fmt(x: number | undefined, unit: string): string {
  if (x === undefined || !Number.isFinite(x)) return 'failed';
  if (unit.startsWith('msgs/s')) return Math.round(x).toLocaleString('en');
  if (unit === 'MiB') return x.toFixed(1);
  return x.toFixed(1);
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  requirePeer('nats-server');
  requirePeer('nats');
  workDir = mkdtempSync(join(tmpdir(), 'wharf-bench-nats-'));
  const subjectName = o.subject === 'wharf' ? 'Wharf' : 'nats-server (2nd)';
  const startSubject = o.subject === 'wharf' ? startWharf : startNatsServer;
  const ms = measures(o);
  const results = new Map<string, { ref: number[]; sub: number[]; errors: string[] }>();
  const record = (key: string, side: 'ref' | 'sub', v: number) => {
    const r = results.get(key) ?? { ref: [], sub: [], errors: [] };
    r[side].push(v);
    results.set(key, r);
  };
  const recordError = (key: string, msg: string) => {
    const r = results.get(key) ?? { ref: [], sub: [], errors: [] };
    r.errors.push(msg);
    results.set(key, r);
  };
  const t0 = Date.now();
  try {
    for (let run = 1; run <= o.runs; run++) {
      // Alternate which server goes first, so that neither always runs on a warmer machine.
      const order: ('ref' | 'sub')[] = run % 2 ? ['ref', 'sub'] : ['sub', 'ref'];
      for (const side of order) {
        const server = side === 'ref' ? await startNatsServer() : await startSubject();
        const url = `nats://127.0.0.1:${server.port}`;
        try {
          await sleep(1_000);
          record('rssIdle', side, rssMiB(server.pid));
          for (const m of ms) {
            try {
              const v = await m.run(server, url);
              record(m.key, side, v);
              console.error(`[run ${run}] ${side === 'ref' ? 'nats-server' : subjectName}: ${m.key} = ${fmt(v, m.unit)} ${m.unit}`);
            } catch (err) {
              recordError(m.key, `${side}: ${(err as Error).message.split('\n')[0]}`);
              console.error(`[run ${run}] ${side}: ${m.key} FAILED: ${(err as Error).message}`);
            }
          }
          try {
            const v = await rssWithIdleConnections(server, o.idleConnections);
            record('rssConns', side, v);
            console.error(`[run ${run}] ${side === 'ref' ? 'nats-server' : subjectName}: rssConns = ${v.toFixed(1)} MiB`);
          } catch (err) {
            recordError('rssConns', `${side}: ${(err as Error).message.split('\n')[0]}`);
            console.error(`[run ${run}] ${side}: rssConns FAILED: ${(err as Error).message}`);
          }
        } finally {
          await server.stop();
        }
      }
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  const seconds = Math.round((Date.now() - t0) / 1000);

  const all: { key: string; label: string; unit: string; higherIsBetter: boolean }[] = [
    ...ms,
    { key: 'rssIdle', label: 'RSS of the broker, idle', unit: 'MiB', higherIsBetter: false },
    { key: 'rssConns', label: `RSS of the broker with ${o.idleConnections.toLocaleString('en')} idle connections`, unit: 'MiB', higherIsBetter: false },
  ];
  const lines: string[] = [];
  lines.push(`| measurement | unit | nats-server v2.15.2 | ${subjectName} | ${subjectName} / nats-server | better is |`);
  lines.push('|---|---|---:|---:|---:|---|');
  for (const m of all) {
    const r = results.get(m.key);
    const ref = r?.ref.length ? median(r.ref) : undefined;
    const sub = r?.sub.length ? median(r.sub) : undefined;
    const ratio = ref !== undefined && sub !== undefined && ref > 0 ? (sub / ref).toFixed(2) : 'n/a';
    lines.push(`| ${m.label} | ${m.unit} | ${fmt(ref, m.unit)} | ${fmt(sub, m.unit)} | ${ratio} | ${m.higherIsBetter ? 'higher' : 'lower'} |`);
  }
  const table = lines.join('\n');
  const raw = all
    .map((m) => {
      const r = results.get(m.key);
      const f = (xs: number[] | undefined) => (xs ?? []).map((x) => fmt(x, m.unit)).join(', ') || '-';
      return `- ${m.key}: nats-server [${f(r?.ref)}], ${subjectName} [${f(r?.sub)}]${r?.errors.length ? `; errors: ${r.errors.join('; ')}` : ''}`;
    })
    .join('\n');
  if (o.json) {
    const result: BenchResult = {
      area: 'nats',
      title: `NATS: ${subjectName} vs nats-server v2.15.2`,
      reference: 'natsServer',
      columns: [
        { key: 'natsServer', label: 'nats-server v2.15.2' },
        { key: 'wharf', label: subjectName },
      ],
      rows: all.map((m) => {
        const r = results.get(m.key);
        return { key: m.key, label: m.label, unit: m.unit, higherIsBetter: m.higherIsBetter, values: { natsServer: r?.ref ?? [], wharf: r?.sub ?? [] }, errors: r?.errors ?? [] };
      }),
      runs: o.runs,
      seconds,
      date: new Date().toISOString(),
      commands: [`node dist/bench/nats.js --runs ${o.runs}${o.quick ? ' --quick' : ''}`],
      notes: [],
      load: [],
    };
    writeFileSync(o.json, JSON.stringify(result, null, 2));
  }
  console.log(table);
  console.log(`\nAll runs:\n${raw}\n\n(${o.runs} run(s), ${seconds} s)`);

  if (o.write) {
    const env = [
      `- Date: ${new Date().toISOString().slice(0, 10)}; ${o.runs} runs, medians quoted; whole benchmark took ${seconds} s.`,
      `- Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, shared with other work (numbers are noisy).`,
      `- Node.js ${process.version}; nats-server v2.15.2 and natscli v0.5.0 built with ${goVersion()}.`,
      `- Wharf: \`node dist/src/cli/main.js --port P --http-port H --kafka-port -1 --log-level warn\` (commit ${gitHead()}).`,
    ].join('\n');
    writeFileSync(o.write, doc(table, raw, env, subjectName));
    console.error(`wrote ${o.write}`);
  }
}

function goVersion(): string {
  try {
    // "…/nats-server: go1.26.8"
    const out = execFileSync('go', ['version', requirePeer('nats-server')], { encoding: 'utf8' });
    return /(go\d+\.\d+(\.\d+)?)/.exec(out)?.[1] ?? 'Go';
  } catch {
    return 'Go';
  }
}

function gitHead(): string {
  try {
    const head = readFileSync(join(repoRoot(), '.git', 'HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return head.slice(0, 7);
    return readFileSync(join(repoRoot(), '.git', head.slice(5)), 'utf8').trim().slice(0, 7);
  } catch {
    return 'unknown';
  }
}

function doc(table: string, raw: string, env: string, subjectName: string): string {
  return `# NATS benchmarks: Wharf vs nats-server

Wharf's NATS front-end measured against the reference nats-server v2.15.2 on the same machine in
the same run, with the same load generator (natscli v0.5.0 \`nats bench\`). The ratio column is
${subjectName} / nats-server: above 1 is better for throughput, below 1 is better for latency and memory.

${table}

${env}

## What each line measures

- **publish only**: \`nats bench pub\`, one publisher, no subscriber; messages per second published.
- **1 pub → N subs**: \`nats bench sub --clients N\` started first, then \`nats bench pub\`; messages
  per second received, summed over the subscribers (fan-out delivers every message to each).
- **queue group of 4**: \`nats bench pub\` to four raw-protocol queue subscribers (one process,
  four connections, same group, a minimal parser that only counts deliveries, in
  \`bench/nats.ts\`); messages per second from the first to the last delivery. natscli's
  \`bench sub\` has no queue-group option in v0.5.0.
- **request-reply**: \`nats bench service serve\` (one responder, which joins the service's queue
  group) and \`nats bench service request\` (one requester, one request in flight); p50 and p99
  round-trip latency as natscli reports them.
- **RSS**: VmRSS of the broker process from /proc, one second after start (idle) and two seconds
  after a child process has opened the idle connections (each sends CONNECT and PING and waits for
  PONG, then stays idle).

## Reading these numbers

- Load generators and brokers share the machine's 2 cores (and other engineers' work), so the
  absolute figures are far below what either server does on real hardware, and single runs vary
  by ±30 %; look at the medians and at the per-run values below.
- nats-server is multi-threaded (two goroutines per client plus the publisher's fan-out), Wharf
  runs its data path on one event loop. On 2 cores the Go load generator and nats-server's
  threads compete for the same CPUs, which costs nats-server more than Wharf: the ratios here
  do not carry over to a many-core machine, where nats-server scales and Wharf does not.
- "publish only" is the rate at which natscli hands messages to its socket; the server only has
  to keep reading, so it mostly measures the client and the kernel.
- Memory: Wharf's idle RSS is the Node.js runtime's baseline; per connection Wharf keeps less
  than nats-server (no goroutine stacks, small initial buffers).

## All runs

${raw}

## How to reproduce

\`\`\`sh
bash scripts/peers/install-all.sh        # nats-server v2.15.2 and natscli v0.5.0 into ~/.cache/wharf-peers
npm run build
node dist/bench/nats.js --runs 3 --write docs/benchmarks-nats.md
# check the script itself: nats-server on both sides, every ratio should be close to 1
node dist/bench/nats.js --subject nats-server --runs 1
\`\`\`

\`npm run bench:nats\` builds and prints the table without writing this file.
`;
}

// ---------------------------------------------------------------------------------------------

const mode = process.argv[2];
if (mode === '--queue-consumer') {
  void queueConsumerMain(process.argv.slice(3));
} else if (mode === '--hold-connections') {
  holdConnectionsMain(process.argv.slice(3)).catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
} else {
  main().catch((err: Error) => {
    console.error(err.stack ?? err.message);
    process.exit(1);
  });
}
