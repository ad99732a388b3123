// `npm run compat`: runs each peer test suite against fresh Wharf brokers and writes
// docs/compat.md (suite, version, tests run/passed/failed/skipped, one line per failure with
// its reason, and what is not applicable and why).
//   node dist/scripts/compat/run.js [--smoke] [--suite id,id] [--no-write] [--out FILE]
// --smoke runs each suite's short subset (the CI stage, scripts/compat/smoke.sh): every test of
// it must pass. A full run fails when a suite's pass count falls below its figure in
// scripts/compat/baseline.json (the figures only rise: raise them when more tests pass).
// In both modes a suite whose peer cannot be installed fails the run, loudly.
// Suites are modules in scripts/compat/suites/; the Kafka ones plug in the same way.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, tmpWork, type Context, type Mode, type Suite, type SuiteResult } from './lib.js';
import { natsjs } from './suites/natsjs.js';
import { natscli } from './suites/natscli.js';
import { kgo } from './suites/kgo.js';
import { ckpy } from './suites/ckpy.js';
import { librdkafka } from './suites/librdkafka.js';

const SUITES: Suite[] = [natsjs, natscli, kgo, ckpy, librdkafka];

interface Args {
  mode: Mode;
  only?: string[];
  write: boolean;
  out?: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { mode: 'full', write: true };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]!;
    if (x === '--smoke') a.mode = 'smoke';
    else if (x === '--no-write') a.write = false;
    else if (x === '--suite') a.only = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (x === '--out') a.out = argv[++i];
    else {
      process.stderr.write(`compat: unknown argument ${x}\n`);
      process.exit(2);
    }
  }
  return a;
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function report(results: SuiteResult[], baseline: Record<string, number>, started: Date): string {
  const L: string[] = [];
  L.push('# Compatibility: peer test suites against Wharf', '');
  L.push(`Written by \`npm run compat\` (scripts/compat/run.ts) on ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, Wharf at commit ${gitHead()}.`);
  L.push('Each suite runs against fresh Wharf brokers on 127.0.0.1; "run" counts the tests executed, not the');
  L.push('ones listed as not applicable. The pass counts are tracked in scripts/compat/baseline.json and may');
  L.push('only rise: a full run whose pass count falls below its baseline fails.', '');
  L.push('| suite | version | run | passed | failed | skipped | not applicable | baseline |');
  L.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) {
    const na = r.notApplicable.reduce((n, x) => n + x.count, 0);
    if (r.status === 'unavailable') {
      L.push(`| ${cell(r.name)} | ${cell(r.version)} | not run: peer unavailable | | | | | ${baseline[r.id] ?? '–'} |`);
    } else {
      L.push(`| ${cell(r.name)} | ${cell(r.version)} | ${r.run} | ${r.passed} | ${r.failed} | ${r.skipped} | ${na} | ${baseline[r.id] ?? '–'} |`);
    }
  }
  L.push('');
  for (const r of results) {
    L.push(`## ${r.name}`, '');
    L.push(`Version: ${r.version}. Time: ${Math.round(r.seconds)} s.`, '');
    for (const n of r.notes) L.push(`- Note: ${n}`);
    if (r.notes.length) L.push('');
    if (r.failures.length) {
      L.push('Failures:', '');
      for (const f of r.failures) L.push(`- \`${f.test}\`: ${f.reason}`);
      L.push('');
    } else if (r.status === 'ran') {
      L.push('No failures.', '');
    }
    if (r.skips.length) {
      L.push('Skipped by the suite itself:', '');
      for (const f of r.skips) L.push(`- \`${f.test}\`: ${f.reason}`);
      L.push('');
    }
    if (r.notApplicable.length) {
      L.push('Not applicable (not run):', '');
      for (const n of r.notApplicable) L.push(`- ${n.what}: ${n.reason}`);
      L.push('');
    }
  }
  L.push('## How to run', '');
  L.push('```sh');
  L.push('bash scripts/peers/install-all.sh          # reference peers (nats CLI, Go toolchain use, Kafka tools)');
  L.push('bash scripts/compat/natsjs-setup.sh DIR    # nats.js tests; DIR = git clone of nats-io/nats.node');
  L.push('bash scripts/compat/ckpy-setup.sh DIR      # confluent-kafka-python tests; DIR = git clone of the repo');
  L.push('npm run compat                             # every suite, rewrites this file (kgo-setup.sh and librdkafka-setup.sh run by themselves)');
  L.push('npm run compat -- --suite natscli,kgo --no-write');
  L.push('npm run compat:smoke                       # the CI subset (scripts/compat/smoke.sh)');
  L.push('```', '');
  L.push('Where the tests come from. franz-go: the module zip from the Go module proxy carries pkg/kgo\'s');
  L.push('_test.go files (`kgo-setup.sh` builds them with `go test -c`). nats.js and confluent-kafka-python:');
  L.push('their package tarballs (npm `nats`, the PyPI sdist) ship no tests and no allowed registry carries them,');
  L.push('so they run from copies prepared from a git checkout into `~/.cache/wharf-peers/src` (never committed);');
  L.push('the client libraries and test tools themselves come from npm and PyPI.', '');
  L.push('The nats.js launcher spawns `nats-server -c <config>`: `scripts/compat/nats-server-shim` stands in for');
  L.push('it (nats-server flags and config format, the ports file) and refuses configuration for features Wharf');
  L.push('lacks. The tests written against the public demo server reach a local Wharf instead: demo.nats.io is');
  L.push('made to resolve to 127.0.0.2 inside the test workers.', '');
  L.push('librdkafka: `librdkafka-setup.sh` fetches Debian\'s librdkafka source package (bookworm\'s 2.0.2) with a');
  L.push('private apt configuration that adds deb-src for the machine\'s own suites (the system\'s apt sources and');
  L.push('lists are not touched), installs the build dependencies from Debian and builds librdkafka and');
  L.push('tests/test-runner into `~/.cache/wharf-peers/src/librdkafka-2.0.2` (about a minute with -j2). The suite');
  L.push('writes tests/test.conf with `metadata.broker.list` set to Wharf and runs test-runner as described above.', '');
  return L.join('\n');
}

function gitHead(): string {
  try {
    const head = readFileSync(join(repoRoot(), '.git', 'HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return head.slice(0, 10);
    const ref = head.slice(5);
    try {
      return readFileSync(join(repoRoot(), '.git', ref), 'utf8').trim().slice(0, 10);
    } catch {
      const packed = readFileSync(join(repoRoot(), '.git', 'packed-refs'), 'utf8');
      const line = packed.split('\n').find((l) => l.endsWith(` ${ref}`));
      return line ? line.slice(0, 10) : 'unknown';
    }
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const repo = repoRoot();
  const work = tmpWork();
  const ctx: Context = {
    repo,
    peersDir: process.env.WHARF_PEERS_DIR || join(process.env.HOME || '/root', '.cache', 'wharf-peers'),
    work,
    log: (m) => process.stderr.write(`[compat] ${m}\n`),
  };
  const baseline = JSON.parse(readFileSync(join(repo, 'scripts', 'compat', 'baseline.json'), 'utf8')) as Record<string, number>;
  const started = new Date();
  const selected = SUITES.filter((s) => !args.only || args.only.includes(s.id));
  if (args.only) {
    for (const id of args.only) if (!SUITES.some((s) => s.id === id)) throw new Error(`unknown suite ${id} (known: ${SUITES.map((s) => s.id).join(', ')})`);
  }
  const results: SuiteResult[] = [];
  for (const s of selected) {
    ctx.log(`== ${s.name} (${args.mode})`);
    try {
      results.push(await s.run(ctx, args.mode));
    } catch (err) {
      results.push({ id: s.id, name: s.name, version: '?', status: 'ran', run: 1, passed: 0, failed: 1, skipped: 0, failures: [{ test: '(suite)', reason: `runner error: ${(err as Error).message.split('\n')[0]}` }], skips: [], notApplicable: [], notes: [], seconds: 0 });
    }
  }
  if (process.env.WHARF_COMPAT_KEEP !== '1') rmSync(work, { recursive: true, force: true });
  else ctx.log(`scratch kept in ${work}`);

  const problems: string[] = [];
  for (const r of results) {
    if (r.status === 'unavailable') problems.push(`${r.id}: PEER UNAVAILABLE: ${r.notes.join('; ')}`);
    else if (args.mode === 'smoke' && r.failed > 0) problems.push(`${r.id}: ${r.failed} smoke test(s) failed`);
    else if (args.mode === 'full' && r.passed < (baseline[r.id] ?? 0)) problems.push(`${r.id}: ${r.passed} passed, below the baseline of ${baseline[r.id]}`);
  }
  process.stdout.write('\n');
  for (const r of results) {
    process.stdout.write(`${r.id}: ${r.status === 'unavailable' ? 'NOT RUN (peer unavailable)' : `${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped of ${r.run} run`} (${Math.round(r.seconds)} s)\n`);
    for (const f of r.failures) process.stdout.write(`  FAIL ${f.test}: ${f.reason}\n`);
  }
  if (args.mode === 'full' && args.write) {
    const out = args.out ?? join(repo, 'docs', 'compat.md');
    writeFileSync(out, report(results, baseline, started));
    process.stdout.write(`wrote ${out}\n`);
  }
  // A suite that could not run counts as one failure, so the closing line never reads as a pass.
  const tot = results.reduce((a, r) => ({ p: a.p + r.passed, f: a.f + r.failed + (r.status === 'unavailable' ? 1 : 0), s: a.s + r.skipped }), { p: 0, f: 0, s: 0 });
  // The plain closing line CI reads (a full run's exit code follows the baselines, not this count).
  process.stdout.write(`compat: ${tot.p} passed, ${tot.f} failed, ${tot.s} skipped\n`);
  if (problems.length) {
    process.stderr.write(`\n[compat] FAILED:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
    process.exit(1);
  }
}

await main();
