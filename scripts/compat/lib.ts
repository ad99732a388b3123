// Shared pieces of the compatibility runner: the suite interface, bounded child processes,
// a Wharf started from the CLI, and a TAP parser.
import { spawn, type SpawnOptions } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from 'node:net';

export type Mode = 'full' | 'smoke';

/**
 * One test of a suite that did not pass: what the run saw (the runner's own failure text,
 * never replaced), and a stored diagnosis only when the observed text matches its pattern.
 */
export interface Failure {
  test: string;
  observed: string;
  diagnosis?: string;
}

/** A test the suite itself skipped, with its stated reason. */
export interface Skip {
  test: string;
  reason: string;
}

/**
 * An explanation of a failure found in an earlier run, kept beside the suite. It is shown next
 * to the observed text only when the test name matches and `match` finds the observed text, so a
 * test that fails for another reason shows that reason alone.
 */
export interface Diagnosis {
  test: string;
  match: RegExp;
  diagnosis: string;
}

/** A failure as observed, with the stored diagnosis whose test and pattern both match. */
export function failure(known: readonly Diagnosis[], test: string, observed: string, ...aliases: string[]): Failure {
  const text = observed.trim() || '(the runner gave no failure text)';
  const d = known.find((k) => (k.test === test || aliases.includes(k.test)) && k.match.test(text));
  return d ? { test, observed: text, diagnosis: `${d.diagnosis} (stored diagnosis; matches ${String(d.match)})` } : { test, observed: text };
}

/** Counts of one group of tests: the headline, or a group reported apart (client-only tests). */
export interface Counts {
  run: number;
  passed: number;
  failed: number;
  skipped: number;
}

/** Tests (or whole groups of them) not run because they need what Wharf does not offer. */
export interface NotApplicable {
  what: string;
  count: number;
  reason: string;
}

export interface SuiteResult extends Counts {
  id: string;
  name: string;
  version: string;
  /** 'ran': counts are real; 'unavailable': the peer could not be installed (the run fails). */
  status: 'ran' | 'unavailable';
  failures: Failure[];
  /** Tests the suite itself skipped, with its stated reason. */
  skips: Skip[];
  notApplicable: NotApplicable[];
  notes: string[];
  /**
   * What went wrong with the runner rather than with a test: a time limit hit, an exit code no
   * test result explains, collection errors, a runner that died before its summary. A smoke
   * stage with any fails; a full run with any is incomplete and not published.
   */
  runnerErrors: string[];
  /** Tests that never reach the broker (they test the client itself), counted apart from the headline. */
  clientOnly?: Counts & { failures: Failure[]; tests: string[]; how: string };
  seconds: number;
}

/**
 * What a run measures: Wharf, or (for suites that can) a reference as the control: nats-server
 * v2.15.2 for the NATS suites, Apache Kafka 4.4 (the peers' install) for the Kafka ones.
 */
export type Target = 'wharf' | 'nats-server' | 'kafka';

/** The reference each control target stands for, as the report names it. */
export const REFERENCE_NAMES: Record<Exclude<Target, 'wharf'>, string> = { 'nats-server': 'nats-server v2.15.2', kafka: 'Apache Kafka 4.4.0' };

export interface Suite {
  id: string;
  name: string;
  /**
   * The suite can also run against this reference (`--against nats-server` or `--against kafka`):
   * the control, its ceiling.
   */
  control?: Exclude<Target, 'wharf'>;
  /** How many tests the smoke subset runs: a smoke stage that runs fewer fails. */
  smokeTests: number;
  /**
   * The suite's stored diagnoses, for a suite whose failures are named by the test alone (no
   * aliases): the report matches its stored failures against them again, so a diagnosis
   * refreshed after a run shows beside the text that run observed, and one whose pattern no
   * longer matches that text is dropped (the observed text itself is never changed).
   */
  known?: readonly Diagnosis[];
  /** Runs the suite (all of it, or its smoke subset) against fresh Wharf brokers. */
  run(ctx: Context, mode: Mode): Promise<SuiteResult>;
}

export interface Context {
  repo: string;
  peersDir: string;
  /** Scratch directory of this run, removed at the end. */
  work: string;
  /** Wharf, or the reference (only for suites with `control`). */
  target: Target;
  log(msg: string): void;
}

export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'scripts', 'compat'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('repository root not found');
}

export function emptyResult(id: string, name: string, version: string): SuiteResult {
  return { id, name, version, status: 'ran', run: 0, passed: 0, failed: 0, skipped: 0, failures: [], skips: [], notApplicable: [], notes: [], runnerErrors: [], seconds: 0 };
}

export interface ProcResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

const MAX_KEEP = 8 * 1024 * 1024;

/**
 * Runs a command to completion, killed (its whole process group) after timeoutMs.
 * Output is kept up to 8 MB per stream.
 */
export function run(cmd: string, args: string[], opts: SpawnOptions & { timeoutMs: number; input?: string }): Promise<ProcResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { ...opts, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout!.on('data', (d: Buffer) => {
      if (stdout.length < MAX_KEEP) stdout += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => {
      if (stderr.length < MAX_KEEP) stderr += d.toString();
    });
    child.stdin!.on('error', () => undefined); // a child that exits without reading its input
    child.stdin!.end(opts.input ?? '');
    const killGroup = (sig: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, sig);
      } catch {
        /* already gone */
      }
    };
    const onExit = () => killGroup('SIGKILL');
    process.once('exit', onExit);
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), 5_000).unref();
    }, opts.timeoutMs);
    child.on('error', (err) => {
      stderr += `\n${err.message}`;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      process.removeListener('exit', onExit);
      // Leftovers of the group (servers a failed test did not stop) go too.
      killGroup('SIGKILL');
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const a = s.address();
      const p = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(p));
    });
  });
}

function waitPort(host: string, port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve) => {
    const attempt = () => {
      const s = connect(port, host);
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) resolve(false);
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

export interface Wharf {
  host: string;
  port: number;
  kafkaPort: number;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `node dist/src/cli/main.js` with its own data directory; NATS on `port` (free port if 0). */
export async function startWharf(ctx: Context, o: { host?: string; port?: number; kafkaPort?: number; args?: string[] } = {}): Promise<Wharf> {
  const host = o.host ?? '127.0.0.1';
  // A fixed port must be free: otherwise whatever holds it would answer for this broker.
  if (o.port && (await waitPort(host, o.port, 0))) throw new Error(`${host}:${o.port} is already in use`);
  const port = o.port || (await freePort(host));
  const kafkaPort = o.kafkaPort === undefined ? -1 : o.kafkaPort || (await freePort(host));
  const dataDir = mkdtempSync(join(ctx.work, 'wharf-data-'));
  const args = [join(ctx.repo, 'dist', 'src', 'cli', 'main.js'), '--host', host, '--port', String(port), '--http-port', '-1', '--kafka-port', String(kafkaPort), '--data-dir', dataDir, '--log-level', 'warn', ...(o.args ?? [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 256_000) out = out.slice(-128_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const up = await waitPort(host, port, 15_000);
  if (!up || child.exitCode !== null) {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`Wharf did not start on ${host}:${port}:\n${out}`);
  }
  if (kafkaPort > 0 && !(await waitPort(host, kafkaPort, 15_000))) {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`Wharf's Kafka listener did not start on ${host}:${kafkaPort}:\n${out}`);
  }
  return {
    host,
    port,
    kafkaPort,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(t);
      }
      process.removeListener('exit', onExit);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function scratch(ctx: Context, prefix: string): string {
  return mkdtempSync(join(ctx.work, prefix));
}

export function tmpWork(): string {
  return mkdtempSync(join(tmpdir(), 'wharf-compat-'));
}

export interface TapTest {
  ok: boolean;
  skip: boolean;
  title: string;
  /** First useful line of the failure's diagnostics. */
  error: string;
}

/** The plan line of TAP output (`1..N`), which a runner prints only when it finished. */
export function tapPlan(text: string): number | undefined {
  const m = /^1\.\.(\d+)\s*$/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** Parses TAP 13 output (as ava --tap prints it): `ok N - title`, `not ok N - title`, YAML blocks. */
export function parseTap(text: string): TapTest[] {
  const lines = text.split('\n');
  const tests: TapTest[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^(not ok|ok) \d+(?: - (.*))?$/.exec(lines[i]!);
    if (!m) continue;
    let title = m[2] ?? '';
    const skip = /# (SKIP|TODO)\b/i.test(title);
    title = title.replace(/\s*# (SKIP|TODO)\b.*$/i, '');
    let error = '';
    if (m[1] === 'not ok' && lines[i + 1]?.trim() === '---') {
      const block: string[] = [];
      for (let j = i + 2; j < lines.length && j < i + 200 && lines[j]!.trim() !== '...'; j++) block.push(lines[j]!.trim());
      const inner = block.filter((l) => /^message:/.test(l)).map((l) => l.replace(/^message:\s*/, '').replace(/^['"]|['",]$/g, ''));
      error = inner.find((l) => l !== 'Rejected promise returned by test' && l !== '>-' && l !== '|-') ?? inner[0] ?? block[0] ?? '';
      if (error === '>-' || error === '|-') error = block[block.findIndex((l) => l.startsWith('message:')) + 1] ?? error;
    }
    tests.push({ ok: m[1] === 'ok', skip, title, error: error.slice(0, 200) });
  }
  return tests;
}
