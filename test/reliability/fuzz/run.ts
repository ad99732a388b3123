// `npm run fuzz -- [--target a,b] [--time 60] [--runs N] [--merge]`: coverage-guided fuzzing of
// each target (targets/*.ts) with Jazzer.js (libFuzzer under Node), seeded from the corpus kept in
// the repository; new inputs go to a temporary corpus, and --merge adds those that raise coverage
// to the repository's. A crash, a hang over 10 s or an RSS over 2 GB is a finding: its input is
// written to crashes/<target>/, which the regression test (test/reliability/fuzz-regressions.test.ts)
// replays with the corpus. Prints one line per target: inputs run, edges covered, findings.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../support/wharf.js';
import { corpusDir, writeSeeds } from './seeds.js';

export const TARGETS: Record<string, { sync: boolean }> = {
  'nats-parser': { sync: true },
  'kafka-request': { sync: true },
  'record-batch': { sync: true },
  'jetstream-json': { sync: true },
  config: { sync: true },
  'nats-config': { sync: true },
  'kafka-properties': { sync: true },
  'jetstream-api': { sync: false },
};

export interface FuzzResult {
  target: string;
  inputs: number;
  coverage: number;
  features: number;
  corpus: number;
  seconds: number;
  findings: string[];
}

function jazzer(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const bin = join(repoRoot(), 'node_modules', '.bin', 'jazzer');
    const child = spawn(bin, args, { cwd: repoRoot(), env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const keep = (d: Buffer) => {
      out += d.toString();
      if (out.length > 200_000) out = out.slice(-100_000);
    };
    // libFuzzer prints "Done N runs" when it has finished; the jetstream-api target's broker,
    // running in the fuzzer's process, keeps Node's event loop alive after that, so the process
    // would never exit (this was the target's "hang"): it is stopped once it is done, and its
    // exit counts as a clean one.
    let done: NodeJS.Timeout | undefined;
    const watch = (d: Buffer) => {
      keep(d);
      if (done === undefined && /\nDone \d+ runs in/.test(out)) done = setTimeout(() => child.kill('SIGKILL'), 10_000);
    };
    child.stdout.on('data', watch);
    child.stderr.on('data', watch);
    child.on('exit', (code, signal) => {
      clearTimeout(done);
      resolve({ code: done !== undefined && signal === 'SIGKILL' ? 0 : code, out });
    });
  });
}

export async function fuzzTarget(target: string, seconds: number, runs: number, merge: boolean): Promise<FuzzResult> {
  const spec = TARGETS[target];
  if (!spec) throw new Error(`unknown fuzz target ${target} (${Object.keys(TARGETS).join(', ')})`);
  const root = repoRoot();
  const seeds = corpusDir(target);
  if (!existsSync(seeds) || readdirSync(seeds).length === 0) writeSeeds();
  const work = mkdtempSync(join(tmpdir(), `wharf-fuzz-${target}-`));
  const crashes = join(root, 'test', 'reliability', 'fuzz', 'crashes', target);
  mkdirSync(crashes, { recursive: true });
  const file = join(root, 'dist', 'test', 'reliability', 'fuzz', 'targets', `${target}.js`);
  // The jetstream-api target talks to its broker over loopback: Jazzer.js's SSRF detector would
  // report that connection itself. The other detectors stay on.
  // The nats-config target reads the files a configuration names (include, operator, resolver
  // preload, TLS files): paths an operator writes, so a '../' in them is the file's right, not a
  // traversal, and the path-traversal detector would report the reader's own reads.
  const detectors = target === 'jetstream-api' ? ['--disable_bug_detectors=ssrf'] : target === 'nats-config' ? ['--disable_bug_detectors=path-traversal'] : [];
  // The hang limit goes through Jazzer.js's own --timeout (ms): it appends its -timeout (5 s by
  // default) after the libFuzzer flags given here, and libFuzzer keeps the last one.
  const args = [file, ...(spec.sync ? ['--sync'] : []), ...detectors, '--timeout=10000', '--includes', join(root, 'dist', 'src'), '--', work, seeds,
    `-max_total_time=${seconds}`, `-runs=${runs}`, '-rss_limit_mb=2048', `-artifact_prefix=${crashes}/`, '-print_final_stats=1'];
  const t0 = Date.now();
  const { code, out } = await jazzer(args, { ...process.env });
  const done = /#(\d+)\s+DONE\s+cov: (\d+) ft: (\d+) corp: (\d+)/.exec(out) ?? [...out.matchAll(/#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)/g)].pop();
  const findings: string[] = [];
  if (code !== 0) {
    const m = /(==\d+== .*|Error: .*)\n/.exec(out);
    findings.push(`exit ${code}: ${m ? m[1] : out.slice(-500)}`);
  }
  if (merge) await jazzer([file, ...(spec.sync ? ['--sync'] : []), ...detectors, '--timeout=10000', '--includes', join(root, 'dist', 'src'), '--', seeds, work, '-merge=1'], { ...process.env });
  rmSync(work, { recursive: true, force: true });
  return {
    target,
    inputs: done ? Number(done[1]) : Number(/Done (\d+) runs/.exec(out)?.[1] ?? 0),
    coverage: done ? Number(done[2]) : 0,
    features: done ? Number(done[3]) : 0,
    corpus: done ? Number(done[4]) : 0,
    seconds: Math.round((Date.now() - t0) / 1000),
    findings,
  };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const get = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const targets = (get('--target') ?? Object.keys(TARGETS).join(',')).split(',');
  const seconds = Number(get('--time') ?? 60);
  const runs = Number(get('--runs') ?? -1);
  const merge = argv.includes('--merge');
  const out = get('--out');
  // Jazzer.js's prebuilt addon needs glibc 2.38; rebind its two newer references (see the shim).
  await import(join(repoRoot(), 'test', 'reliability', 'fuzz', 'jazzer-glibc-shim.mjs'));
  const results: FuzzResult[] = [];
  for (const t of targets) {
    const r = await fuzzTarget(t, seconds, runs, merge);
    results.push(r);
    process.stdout.write(`${r.target}: ${r.inputs} inputs in ${r.seconds} s, ${r.coverage} edges (${r.features} features), corpus ${r.corpus}, ${r.findings.length ? `FINDINGS: ${r.findings.join('; ')}` : 'no finding'}\n`);
  }
  if (out) writeFileSync(out, JSON.stringify(results, null, 2));
  process.exit(results.some((r) => r.findings.length > 0) ? 1 : 0);
}

if (process.argv[1]?.endsWith('fuzz/run.js')) await main();
