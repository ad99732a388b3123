// Running the real `nats` CLI (natscli v0.5.0) against a server, bounded in time.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requirePeer } from './peers.js';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

// A private HOME so that a developer's nats contexts never leak into the tests.
let cliHome: string | undefined;
function cliEnv(url: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  cliHome ??= mkdtempSync(join(tmpdir(), 'wharf-natscli-home-'));
  return { ...process.env, HOME: cliHome, XDG_CONFIG_HOME: join(cliHome, '.config'), NATS_URL: url, NO_COLOR: '1', ...extra };
}

export class CliProcess {
  stdout = '';
  stderr = '';
  private exitP: Promise<CliResult>;
  private timedOut = false;
  private listeners = new Set<() => void>();

  constructor(readonly child: ChildProcess, timeoutMs: number) {
    child.stdout!.on('data', (d: Buffer) => {
      this.stdout += d.toString();
      this.notify();
    });
    child.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString();
      this.notify();
    });
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    const timer = setTimeout(() => {
      this.timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    this.exitP = new Promise((resolve) => {
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        process.removeListener('exit', killOnExit);
        this.notify();
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr, timedOut: this.timedOut });
      });
    });
  }

  private notify() {
    for (const l of this.listeners) l();
  }

  /** Waits until stdout+stderr matches the pattern; false on timeout or exit. */
  waitOutput(pattern: RegExp, timeoutMs = 5_000): Promise<boolean> {
    return new Promise((resolve) => {
      const check = () => {
        if (pattern.test(this.stdout + this.stderr)) return done(true);
        if (this.child.exitCode !== null || this.child.signalCode !== null) return done(false);
      };
      const done = (v: boolean) => {
        clearTimeout(t);
        this.listeners.delete(check);
        resolve(v);
      };
      const t = setTimeout(() => done(false), timeoutMs);
      this.listeners.add(check);
      check();
    });
  }

  exited(): Promise<CliResult> {
    return this.exitP;
  }

  async stop(): Promise<CliResult> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exitP;
  }
}

/** Starts `nats ARGS` against url; the process is killed after timeoutMs. */
export function startNats(url: string, args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): CliProcess {
  const bin = requirePeer('nats');
  const child = spawn(bin, args, { env: cliEnv(url, opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
  return new CliProcess(child, opts.timeoutMs ?? 30_000);
}

/** Runs `nats ARGS` to completion (bounded by timeoutMs). */
export function runNats(url: string, args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return startNats(url, args, { timeoutMs: opts.timeoutMs ?? 20_000, env: opts.env }).exited();
}

/** Rows of a natscli bench CSV file (header starting with '#'). */
export function parseBenchCsv(text: string): Record<string, string>[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header = lines[0]?.replace(/^#/, '').split(',') ?? [];
  return lines.slice(1).map((l) => {
    const cells = l.split(',');
    return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? '']));
  });
}
