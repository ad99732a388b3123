// Child processes of a benchmark: output capture (bounded), a kill timer, waiting for a line of
// output, and cleanup on exit, so that a benchmark that fails or is interrupted leaves no broker,
// load tool or data directory behind.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface Proc {
  child: ChildProcess;
  /** stdout and stderr so far (the last few hundred KB). */
  out(): string;
  exited: Promise<number | null>;
  /** Resolves true once the output matches, false when the process exits or the time is up first. */
  waitOutput(re: RegExp, ms: number): Promise<boolean>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  kill(graceMs?: number): Promise<void>;
}

const live = new Set<ChildProcess>();
const cleanups = new Set<() => void>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
  for (const f of cleanups) f();
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));

/** Runs `f` when the benchmark exits, unless removed with the returned function first. */
export function atExit(f: () => void): () => void {
  cleanups.add(f);
  return () => cleanups.delete(f);
}

/** Watches a child: its output, a kill timer of `timeoutMs`, and SIGKILL when we exit. */
export function track(child: ChildProcess, timeoutMs: number): Proc {
  live.add(child);
  let out = '';
  const waiters = new Set<() => void>();
  const on = (d: Buffer) => {
    out += d.toString();
    if (out.length > 400_000) out = out.slice(-200_000);
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
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  return {
    child,
    out: () => out,
    exited,
    waitOutput(re, ms) {
      return new Promise((resolve) => {
        const check = () => {
          if (re.test(out)) finish(true);
          else if (gone()) finish(false);
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
    async kill(graceMs = 5_000) {
      if (gone()) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Spawns with piped output and tracks the child. */
export function start(cmd: string, args: string[], timeoutMs: number, opts: SpawnOptions = {}): Proc {
  return track(spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts }), timeoutMs);
}

/** Spawns with the soft open-files limit raised to the hard limit (for many connections). */
export function startWithUlimit(cmd: string, args: string[], timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Proc {
  return start('bash', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null || true; exec "$0" "$@"', cmd, ...args], timeoutMs, { env });
}

/** The last `n` lines of a tool's output, without Java stack frames, for an error message. */
export function lastLines(s: string, n: number): string {
  return s
    .trim()
    .split('\n')
    .filter((l) => !/^\s+at /.test(l))
    .slice(-n)
    .join(' | ');
}

/** Runs a command to completion; throws with the tail of its output when it fails. */
export async function run(cmd: string, args: string[], what: string, timeoutMs: number, opts: SpawnOptions = {}): Promise<string> {
  const p = start(cmd, args, timeoutMs, opts);
  const code = await p.exited;
  if (code !== 0) throw new Error(`${what} failed (${code === null ? 'killed' : `exit ${code}`}): ${lastLines(p.out(), 6)}`);
  return p.out();
}
