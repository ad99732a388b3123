// The machine a benchmark ran on (CPU, memory, disk, kernel, runtimes, Wharf's commit) and its
// load over the whole run (uptime before and after, the 1-minute load average every 10 s), for
// the head of the documents: the machine is shared, and the figures must say how busy it was.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { repoRoot } from '../test/support/wharf.js';
import type { BenchResult, RowLoad } from './report.js';
import { median } from './stats.js';

export interface Machine {
  date: string;
  cores: number;
  cpu: string;
  memGiB: number;
  disk: string;
  kernel: string;
  node: string;
  go: string;
  java: string;
  commit: string;
  uptimeBefore: string;
  uptimeAfter: string;
  /** 1-minute load average every 10 s during the run. */
  load: number[];
}

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 }).trim();
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string };
    return (err.stdout || err.stderr || '').trim();
  }
}

function javaVersion(): string {
  // java -version writes to stderr.
  const r = spawnSync('java', ['-version'], { encoding: 'utf8', timeout: 20_000 });
  return (r.stderr || r.stdout || 'not found').split('\n')[0]!.trim();
}

function describeDisk(): string {
  const dir = tmpdir();
  const src = sh('findmnt', ['-n', '-o', 'SOURCE,FSTYPE', '-T', dir]);
  const name = (src.split(/\s+/)[0] ?? '').replace(/^\/dev\//, '');
  const rota = name ? sh('lsblk', ['-d', '-n', '-o', 'ROTA,SIZE,MODEL', `/dev/${name}`]) : '';
  const [r, size, ...model] = rota.split(/\s+/);
  const kind = r === '0' ? 'non-rotational' : r === '1' ? 'rotational as lsblk reports it (ROTA=1; virtual disks often do)' : 'unknown kind';
  return `${dir} on ${src || 'unknown'}${size ? `, ${size}` : ''}, ${kind}${model.length ? `, ${model.join(' ')}` : ''}`;
}

function commit(): string {
  const root = repoRoot();
  const head = sh('git', ['-C', root, 'rev-parse', '--short', 'HEAD']);
  const dirty = sh('git', ['-C', root, 'status', '--porcelain', '--untracked-files=no', 'src', 'bench']);
  return process.env.WHARF_BENCH_COMMIT || head + (dirty ? ' (with uncommitted changes in src/ or bench/)' : '');
}

/** Describes the machine now and starts sampling its load; `done()` completes the record. */
export function startMachineRecord(): { done(): Machine } {
  const lscpu = sh('lscpu', []);
  const load: number[] = [loadavg()[0]!];
  const timer = setInterval(() => load.push(loadavg()[0]!), 10_000);
  timer.unref();
  const m = {
    date: new Date().toISOString(),
    cores: cpus().length,
    cpu: /Model name:\s+(.+)/.exec(lscpu)?.[1] ?? cpus()[0]?.model ?? 'unknown',
    memGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    disk: describeDisk(),
    kernel: sh('uname', ['-sr']),
    node: process.version,
    go: /go\d+\.\d+(\.\d+)?/.exec(sh('go', ['version']))?.[0] ?? 'not found',
    java: javaVersion(),
    commit: commit(),
    uptimeBefore: sh('uptime', []),
  };
  return {
    done() {
      clearInterval(timer);
      load.push(loadavg()[0]!);
      return { ...m, uptimeAfter: sh('uptime', []), load: load.map((x) => Math.round(x * 10) / 10) };
    },
  };
}

/**
 * One paragraph for a document's head: how loaded the machine was while the figures were
 * taken, and how much of the CPU other processes than this benchmark's took (busy − ours, per
 * measurement). "Quiet" is decided from those figures: others under 10 % in the median
 * measurement and under 25 % in every one.
 */
export function loadStatement(m: Machine, results: readonly BenchResult[]): string {
  const lo = Math.min(...m.load);
  const hi = Math.max(...m.load);
  const seen = new Set<RowLoad>();
  for (const r of results) for (const row of r.rows) if (row.load) seen.add(row.load);
  const others = [...seen].map((l) => Math.max(0, l.busyPct - l.oursPct));
  const oMed = others.length ? median(others) : NaN;
  const oMax = others.length ? Math.max(...others) : NaN;
  const quiet = others.length > 0 && oMed < 10 && oMax < 25;
  return (
    `**Load: ${quiet ? 'a quiet machine' : 'a busy, shared machine'}.** The 1-minute load average, sampled every 10 s during the run ` +
    `(this benchmark's own brokers and load tools included), went from ${lo.toFixed(1)} to ${hi.toFixed(1)} (median ${median(m.load).toFixed(1)}) on ${m.cores} cores; ` +
    `before the run: \`${m.uptimeBefore}\`; after: \`${m.uptimeAfter}\`. ` +
    (others.length ? `Processes other than this benchmark's took ${Math.round(oMed)} % of the CPU in the median measurement and up to ${Math.round(oMax)} % (CPU busy minus ours, per measurement). ` : '') +
    `Every row states the load during its own runs` +
    (quiet ? '.' : '; these figures are to be re-measured on a quiet machine before they are quoted.')
  );
}

/** The machine as a markdown list. */
export function machineList(m: Machine): string {
  return [
    `- Date: ${m.date.replace('T', ' ').slice(0, 16)} UTC; Wharf commit ${m.commit}.`,
    `- CPU: ${m.cores} × ${m.cpu}; memory ${m.memGiB} GiB; ${m.kernel}.`,
    `- Disk: ${m.disk}.`,
    `- Node.js ${m.node}; Go ${m.go} (nats-server v2.15.2, natscli v0.5.0); ${m.java} (Apache Kafka 4.4.0 and its tools).`,
  ].join('\n');
}
