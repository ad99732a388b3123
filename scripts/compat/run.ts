// `npm run compat`: runs the compatibility suites against fresh Wharf brokers and writes
// docs/compat.md: per suite the version, tests run/passed/failed/skipped, each failure with the
// text the run observed (and a stored diagnosis beside it only when that text matches its
// pattern), tests reported apart as client-only, and what is not applicable and why.
//   node dist/scripts/compat/run.js [--smoke] [--suite id,id] [--against nats-server|kafka] [--no-write] [--out FILE] [--report]
// --against nats-server (or kafka) runs the suites whose control is that reference (Suite.control)
// against nats-server v2.15.2 (or the peers' Apache Kafka 4.4) instead of Wharf: the control,
// which proves the harness on the reference and gives the ceiling shown beside the baseline. Its
// results go to scripts/compat/results/<id>.<reference>.json; no baseline applies to it.
// --report runs nothing: it writes docs/compat.md from the stored results (after editing baseline.json).
// Every report matches the stored failures of a suite that declares its diagnoses (Suite.known)
// against them again, so a diagnosis refreshed after a run appears beside that run's observed text.
// A full run stores each finished suite's result in scripts/compat/results/<id>.json and writes
// docs/compat.md from every stored result, so `--suite X` refreshes X's section alone. A suite
// whose runner failed (time limit, died before its summary, collection errors, an exit code no
// test explains) is incomplete: it is not published (its stored result, figures and baseline
// stay), the report says so, and the run fails. A full run also fails when a suite's headline
// pass count falls below scripts/compat/baseline.json (raise the figures when more pass; lower
// one only with the reason written beside it there).
// --smoke runs each suite's short subset (the CI stage, scripts/compat/smoke.sh): every test of
// it must pass, it must run as many tests as the suite states (Suite.smokeTests), and its runner
// must not fail. In both modes a suite whose peer cannot be installed fails the run, loudly.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REFERENCE_NAMES, failure, repoRoot, tmpWork, type Context, type Failure, type Mode, type Suite, type SuiteResult, type Target } from './lib.js';
import { natsjs } from './suites/natsjs.js';
import { natscli } from './suites/natscli.js';
import { kgo } from './suites/kgo.js';
import { ckpy } from './suites/ckpy.js';
import { ckpySecurity } from './suites/ckpy-security.js';
import { librdkafka } from './suites/librdkafka.js';
import { librdkafkaSecurity } from './suites/librdkafka-security.js';
import { natsgo } from './suites/natsgo.js';
import { natsjs3 } from './suites/natsjs3.js';
import { kstreams } from './suites/kstreams.js';

const SUITES: Suite[] = [natsjs, natscli, kgo, ckpy, ckpySecurity, librdkafka, librdkafkaSecurity, natsgo, natsjs3, kstreams];

interface Args {
  mode: Mode;
  target: Target;
  reportOnly: boolean;
  only?: string[];
  write: boolean;
  out?: string;
}

/** A suite's figure in baseline.json, with the reason when it was lowered. */
interface Baseline {
  passed: number;
  note?: string;
}

/** What results/<id>.json keeps: the last finished full run, and a later incomplete attempt. */
interface Stored {
  result?: SuiteResult;
  date?: string;
  commit?: string;
  incomplete?: { date: string; commit: string; runnerErrors: string[]; counts: string };
}

function parseArgs(argv: string[]): Args {
  const a: Args = { mode: 'full', target: 'wharf', reportOnly: false, write: true };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]!;
    if (x === '--smoke') a.mode = 'smoke';
    else if (x === '--no-write') a.write = false;
    else if (x === '--report') a.reportOnly = true;
    else if (x === '--suite') a.only = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (x === '--out') a.out = argv[++i];
    else if (x === '--against') {
      const t = argv[++i];
      if (t !== 'wharf' && t !== 'nats-server' && t !== 'kafka') {
        process.stderr.write(`compat: --against takes wharf, nats-server or kafka\n`);
        process.exit(2);
      }
      a.target = t;
    }
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

/** Inline code that survives backticks inside the text. */
function code(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.includes('`') ? `\`\` ${t} \`\`` : `\`${t}\``;
}

function failureLines(fs: Failure[]): string[] {
  const L: string[] = [];
  for (const f of fs) {
    L.push(`- \`${f.test}\`: observed ${code(f.observed)}`);
    if (f.diagnosis) L.push(`  - Diagnosis: ${f.diagnosis}`);
  }
  return L;
}

function counts(r: { run: number; passed: number; failed: number; skipped: number }): string {
  return `${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped of ${r.run} run`;
}

/** A suite's stored failures matched against its current diagnoses (Suite.known), the observed texts unchanged. */
function rediagnosed(s: Suite, r: SuiteResult): SuiteResult {
  if (!s.known) return r;
  const again = (fs: Failure[]): Failure[] => fs.map((f) => failure(s.known!, f.test, f.observed));
  return { ...r, failures: again(r.failures), ...(r.clientOnly ? { clientOnly: { ...r.clientOnly, failures: again(r.clientOnly.failures) } } : {}) };
}

function report(storedAsRun: Map<string, Stored>, baseline: Record<string, Baseline>): string {
  const stored = new Map<string, Stored>();
  for (const [k, st] of storedAsRun) {
    const s = SUITES.find((x) => x.id === k);
    stored.set(k, s && st.result ? { ...st, result: rediagnosed(s, st.result) } : st);
  }
  const L: string[] = [];
  L.push('# Compatibility: client test suites, and Wharf\'s own CLI scenarios, against Wharf', '');
  L.push('Written by `npm run compat` (scripts/compat/run.ts) from the last finished run of each suite');
  L.push('(scripts/compat/results/). Each runs against fresh Wharf brokers on 127.0.0.1. Four are the test');
  L.push('suites of client libraries (peer suites); "natscli" is not: it is Wharf\'s own scenario scripts driving');
  L.push('the `nats` CLI (scripts/compat/suites/natscli.ts). "run" counts the tests executed and reaching the');
  L.push('broker; tests that only exercise the client (client-only) are counted apart, and tests listed as not');
  L.push('applicable are not run. Failures show the text the run observed; a diagnosis kept from an earlier');
  L.push('run appears beside it only when the observed text matches the pattern stored with it. Only finished');
  L.push('runs are published: a run whose runner failed (time limit, died early, collection errors) leaves the');
  L.push('figures as they were and is reported as incomplete. The headline pass counts are tracked in');
  L.push('scripts/compat/baseline.json; a full run below its baseline fails.', '');
  L.push('| suite | version | run | passed | failed | skipped | client-only (passed/run) | not applicable | baseline |');
  L.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const s of SUITES) {
    const st = stored.get(s.id);
    const r = st?.result;
    const ceiling = s.control ? stored.get(controlKey(s.id, s.control))?.result : undefined;
    const b = `${baseline[s.id]?.passed ?? '–'}${ceiling && s.control ? ` (ceiling ${ceiling.passed}/${ceiling.run}: ${s.control})` : ''}`;
    if (!r) {
      L.push(`| ${cell(s.name)} | | no finished run | | | | | | ${b} |`);
      continue;
    }
    const na = r.notApplicable.reduce((n, x) => n + x.count, 0);
    const co = r.clientOnly ? `${r.clientOnly.passed}/${r.clientOnly.run}` : '–';
    L.push(`| ${cell(r.name)} | ${cell(r.version)} | ${r.run} | ${r.passed} | ${r.failed} | ${r.skipped} | ${co} | ${na} | ${b} |`);
  }
  L.push('');
  const notes = SUITES.filter((s) => baseline[s.id]?.note);
  if (notes.length) {
    L.push('Baseline notes (why one was lowered, or what a first figure stands for):', '');
    for (const s of notes) L.push(`- ${s.id} (${baseline[s.id]!.passed}): ${baseline[s.id]!.note}`);
    L.push('');
  }
  for (const s of SUITES) {
    const st = stored.get(s.id);
    const r = st?.result;
    L.push(`## ${r?.name ?? s.name}`, '');
    if (st?.incomplete) {
      L.push(`**Latest attempt incomplete, not published** (${st.incomplete.date}, commit ${st.incomplete.commit}; it counted ${st.incomplete.counts}):`, '');
      for (const e of st.incomplete.runnerErrors) L.push(`- ${e}`);
      L.push('', r ? 'The figures below are from the last finished run.' : 'No finished run is published.', '');
    }
    if (!r) continue;
    L.push(`Version: ${r.version}. Run: ${st!.date} UTC, Wharf at commit ${st!.commit}. Time: ${Math.round(r.seconds)} s.`, '');
    for (const n of r.notes) L.push(`- Note: ${n}`);
    if (r.notes.length) L.push('');
    if (r.failures.length) {
      L.push('Failures:', '', ...failureLines(r.failures), '');
    } else {
      L.push('No failures.', '');
    }
    if (r.clientOnly) {
      const c = r.clientOnly;
      L.push(`Client-only tests (they test the client without reaching a broker; not in the headline): ${counts(c)}. Selected as ${c.how}.`, '');
      if (c.failures.length) L.push('Client-only failures:', '', ...failureLines(c.failures), '');
      L.push(`<details><summary>The ${c.tests.length} client-only tests</summary>`, '', c.tests.map((t) => `\`${t}\``).join(', '), '', '</details>', '');
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
    const c = s.control ? stored.get(controlKey(s.id, s.control)) : undefined;
    if (c?.result && s.control) {
      L.push(`Control, the same tests against ${REFERENCE_NAMES[s.control]} (the ceiling; \`--against ${s.control}\`, ${c.date} UTC, harness at commit ${c.commit}): ${counts(c.result)}${c.result.clientOnly ? `; client-only apart: ${counts(c.result.clientOnly)}` : ''}.`, '');
      if (c.result.failures.length) L.push('Control failures (tests the harness or the machine fails even on the reference):', '', ...failureLines(c.result.failures), '');
    }
    if (c?.incomplete) L.push(`Latest control attempt incomplete (${c.incomplete.date}): ${c.incomplete.runnerErrors.join('; ')}`, '');
  }
  L.push(...HOW_TO_RUN);
  return L.join('\n');
}

/** The commit the run measured (asked of git, so worktrees work too), marked when the tree had changes. */
function gitHead(): string {
  try {
    const head = execFileSync('git', ['-C', repoRoot(), 'rev-parse', '--short=10', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['-C', repoRoot(), 'status', '--porcelain', '--untracked-files=no', '--', 'src', 'scripts', 'package.json'], { encoding: 'utf8' }).trim();
    return dirty ? `${head} (with uncommitted changes)` : head;
  } catch {
    return 'unknown';
  }
}

const HOW_TO_RUN = [
  '## How to run',
  '',
  '```sh',
  'bash scripts/peers/install-all.sh                 # reference peers (nats CLI, Kafka 4.4 and its tools, ...)',
  'bash scripts/compat/natsjs-setup.sh NATS_NODE_GIT  # nats.js 2.x tests from a clone of nats-io/nats.node (or WHARF_NATSJS_GIT)',
  'bash scripts/compat/ckpy-setup.sh CKPY_GIT         # confluent-kafka-python tests from a clone of its repository (or WHARF_CKPY_GIT)',
  'bash scripts/compat/natsjs3-setup.sh JS_GIT STD_GIT # nats.js 3.x Deno tests from clones of nats-io/nats.js and denoland/std',
  'npm run compat                                    # every suite; kgo-setup.sh, librdkafka-setup.sh, natsgo-setup.sh, kstreams-setup.sh run by themselves',
  'npm run compat -- --suite natsgo,natsjs3 --against nats-server  # the control: the same tests against nats-server v2.15.2',
  'npm run compat -- --suite kstreams --against kafka  # the control of the Kafka Streams applications: Apache Kafka 4.4',
  'npm run compat -- --suite natscli,kgo             # some suites: their sections are refreshed, the others kept',
  'npm run compat:smoke                              # the CI subset (scripts/compat/smoke.sh)',
  '```',
  '',
  'Where the tests come from. franz-go: the module zip from the Go module proxy carries pkg/kgo\'s',
  '_test.go files (`kgo-setup.sh` builds them with `go test -c`). librdkafka: Debian\'s source package',
  '(`librdkafka-setup.sh`, bookworm\'s 2.0.2, built with -j2 into the peers cache). nats.js 2.x and',
  'confluent-kafka-python: their tests exist only in their git repositories, so they run from copies',
  'prepared from a git checkout into `~/.cache/wharf-peers/src` (never committed); the client libraries',
  'and test tools come from npm and PyPI. Looked for in the allowed registries and not found: the npm',
  'tarballs of `nats` (2.29.3, 2.0.0), `nats.ws` 1.30.3, `@nats-io/transport-node` and `@nats-io/nats-core`',
  '3.4.0 carry no test files; the PyPI sdist of confluent-kafka 2.15.0 has no tests/ (182 files: src/,',
  'requirements/, packaging); Debian has no nats.js source package, and its python-confluent-kafka',
  'source packages (1.7.0 in bookworm, 2.12.2 in sid) are listed but their files are not served here',
  '(404), and neither matches 2.15.0. So CI checks these two suites only where a developer prepared them,',
  'and says loudly when it does not.',
  '',
  'How the runs are sized for 2 cores. franz-go runs with its default KGO_TEST_RECORDS (500000; the smoke',
  'subset lowers it to 10000). librdkafka runs three tests at a time (-p3) with doubled test timeouts',
  '(test.timeout.multiplier=2) within 70 minutes, and a full run takes about 18. 0076_produce_retry runs',
  'alone: it close()s librdkafka\'s socket behind its back, and beside other tests the freed descriptor',
  'goes to another test\'s connection or to glibc\'s netlink socket (the first full attempt ended in',
  '"Invalid response size 335544320" and glibc\'s abort). A test that hits its own timeout SIGKILLs the',
  'test-runner; the tests it had not finished run again in a new test-runner (a resume, noted in the',
  'suite\'s section), and a run counts as finished only when its test-runner logs the end of all tests.',
  'nats.go\'s JetStream tests (v1.53.0, from the Go module proxy: `natsgo-setup.sh` builds the two test',
  'binaries) ask a test service for servers (TESTER_NATS_URL, the ntf tester protocol): `scripts/compat/ntf-tester.ts`',
  'serves it over a Wharf control plane and starts each requested server as a process: Wharf\'s CLI, or',
  'nats-server v2.15.2 for the control (`--against nats-server`), whose figure is the ceiling beside the baseline.',
  'nats.js 3.x\'s Deno suites come, like the 2.x suite, only from its git repository; Deno comes from npm; their',
  'import maps name jsr: packages, which no registry this project uses serves, so `natsjs3-setup.sh` writes its own',
  'map to the checkout\'s modules, a denoland/std checkout and npm packages (details in the script).',
  '',
  'JetStream settings (a `jetstream {}` block for the stand-in, the `jetstream` snippet for the tester) are mapped',
  'onto Wharf options by scripts/compat/jetstream-options.ts, which looks the options up in Wharf\'s own options',
  'table at run time, so a setting is honoured as soon as its option exists and refused by name until then:',
  '`store_dir` → `--data-dir`; `sync_interval` → `--fsync`/`--fsync-interval`; enabling/disabling → `--jetstream`;',
  '`domain` → `--jetstream-domain`; `max_memory_store`/`max_mem_store` → `--jetstream-max-memory`;',
  '`max_file_store` → `--jetstream-max-storage`; `limits { max_ack_pending }` → `--jetstream-max-ack-pending`',
  '(and the other names listed there). Without a `--jetstream` switch, JetStream asked on starts Wharf as it is',
  '(the tests see what it does with $JS.API), and asked off is refused where Wharf answers $JS.API.INFO.',
  '',
  'The nats.js launcher spawns `nats-server -c <config>`: `scripts/compat/nats-server-shim` stands in for',
  'it (nats-server flags and config format, the ports file), maps what Wharf supports and refuses the',
  'rest, with Wharf\'s own reader of nats-server files (the one behind `--nats-config`). For this suite it',
  'accepts JetStream configuration without serving it (WHARF_SHIM_UNSERVED, announced on the shim\'s stderr),',
  'so the core tests whose server is merely configured with it run. The tests written',
  'against the public demo server reach a local Wharf instead: demo.nats.io is made to resolve to',
  '127.0.0.2 inside the test workers.',
  '',
];

function loadBaseline(repo: string): Record<string, Baseline> {
  const raw = JSON.parse(readFileSync(join(repo, 'scripts', 'compat', 'baseline.json'), 'utf8')) as Record<string, Baseline>;
  for (const [id, b] of Object.entries(raw)) if (typeof b?.passed !== 'number') throw new Error(`baseline.json: ${id} needs a numeric "passed"`);
  return raw;
}

function resultsDir(repo: string): string {
  return join(repo, 'scripts', 'compat', 'results');
}

/** Where a suite's control run (against its reference) is stored, beside its Wharf run. */
function controlKey(id: string, target: Exclude<Target, 'wharf'>): string {
  return `${id}.${target}`;
}

function loadStored(repo: string): Map<string, Stored> {
  const m = new Map<string, Stored>();
  for (const s of SUITES) {
    for (const key of [s.id, ...(s.control ? [controlKey(s.id, s.control)] : [])]) {
      const f = join(resultsDir(repo), `${key}.json`);
      if (existsSync(f)) m.set(key, JSON.parse(readFileSync(f, 'utf8')) as Stored);
    }
  }
  return m;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const repo = repoRoot();
  const work = tmpWork();
  const ctx: Context = {
    repo,
    peersDir: process.env.WHARF_PEERS_DIR || join(process.env.HOME || '/root', '.cache', 'wharf-peers'),
    work,
    target: args.target,
    log: (m) => process.stderr.write(`[compat] ${m}\n`),
  };
  const baseline = loadBaseline(repo);
  // The commit measured is the one at the start (the tree may change during a long run).
  const commit = gitHead();
  if (args.reportOnly) {
    const out = args.out ?? join(repo, 'docs', 'compat.md');
    writeFileSync(out, report(loadStored(repo), baseline));
    process.stdout.write(`wrote ${out} from ${resultsDir(repo)}/\n`);
    rmSync(work, { recursive: true, force: true });
    return;
  }
  if (args.only) {
    for (const id of args.only) if (!SUITES.some((s) => s.id === id)) throw new Error(`unknown suite ${id} (known: ${SUITES.map((s) => s.id).join(', ')})`);
  }
  const selected = SUITES.filter((s) => (!args.only || args.only.includes(s.id)) && (args.target === 'wharf' || s.control === args.target));
  if (args.target !== 'wharf' && selected.length === 0) throw new Error(`no selected suite runs against ${args.target} (those that do: ${SUITES.filter((s) => s.control === args.target).map((s) => s.id).join(', ')})`);
  const results: { suite: Suite; r: SuiteResult; date: string }[] = [];
  for (const s of selected) {
    ctx.log(`== ${s.name} (${args.mode})`);
    const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
    let r: SuiteResult;
    try {
      r = await s.run(ctx, args.mode);
    } catch (err) {
      r = { id: s.id, name: s.name, version: '?', status: 'ran', run: 0, passed: 0, failed: 0, skipped: 0, failures: [], skips: [], notApplicable: [], notes: [], runnerErrors: [`the suite threw: ${(err as Error).message.split('\n')[0]}`], seconds: 0 };
    }
    results.push({ suite: s, r, date });
  }
  if (process.env.WHARF_COMPAT_KEEP !== '1') rmSync(work, { recursive: true, force: true });
  else ctx.log(`scratch kept in ${work}`);

  const problems: string[] = [];
  for (const { suite, r } of results) {
    if (r.status === 'unavailable') {
      problems.push(`${r.id}: PEER UNAVAILABLE: ${r.notes.join('; ')}`);
      continue;
    }
    for (const e of r.runnerErrors) problems.push(`${r.id}: runner error${args.mode === 'full' ? ' (incomplete: not published)' : ''}: ${e}`);
    if (args.mode === 'smoke') {
      if (r.failed > 0) problems.push(`${r.id}: ${r.failed} smoke test(s) failed`);
      if (r.clientOnly && r.clientOnly.failed > 0) problems.push(`${r.id}: ${r.clientOnly.failed} client-only smoke test(s) failed`);
      const ran = r.run + (r.clientOnly?.run ?? 0);
      if (ran < suite.smokeTests) problems.push(`${r.id}: the smoke subset states ${suite.smokeTests} tests, ${ran} ran`);
    } else if (args.target === 'wharf' && r.runnerErrors.length === 0 && r.passed < (baseline[r.id]?.passed ?? 0)) {
      problems.push(`${r.id}: ${r.passed} passed, below the baseline of ${baseline[r.id]!.passed}`);
    }
  }
  process.stdout.write('\n');
  for (const { r } of results) {
    const what = r.status === 'unavailable' ? 'NOT RUN (peer unavailable)' : counts(r);
    process.stdout.write(`${r.id} [${r.name}]: ${what}${r.clientOnly ? `; client-only apart: ${counts(r.clientOnly)}` : ''} (${Math.round(r.seconds)} s)${r.runnerErrors.length ? ' INCOMPLETE' : ''}\n`);
    for (const e of r.runnerErrors) process.stdout.write(`  RUNNER ERROR ${e}\n`);
    for (const f of [...r.failures, ...(r.clientOnly?.failures ?? [])]) process.stdout.write(`  FAIL ${f.test}: ${f.observed}${f.diagnosis ? `\n       diagnosis: ${f.diagnosis}` : ''}\n`);
  }
  if (args.mode === 'full' && args.write) {
    const dir = resultsDir(repo);
    mkdirSync(dir, { recursive: true });
    const stored = loadStored(repo);
    for (const { r, date } of results) {
      if (r.status === 'unavailable') continue;
      const key = args.target === 'wharf' ? r.id : controlKey(r.id, args.target);
      const prev = stored.get(key) ?? {};
      const next: Stored = r.runnerErrors.length
        ? { ...prev, incomplete: { date, commit, runnerErrors: r.runnerErrors, counts: counts(r) } }
        : { result: r, date, commit };
      stored.set(key, next);
      writeFileSync(join(dir, `${key}.json`), `${JSON.stringify(next, null, 2)}\n`);
    }
    const out = args.out ?? join(repo, 'docs', 'compat.md');
    writeFileSync(out, report(stored, baseline));
    process.stdout.write(`wrote ${out} and ${dir}/\n`);
  }
  // A suite that could not run, or whose runner failed, counts as one failure, so the closing line never reads as a pass.
  const tot = results.reduce(
    (a, { r }) => ({ p: a.p + r.passed + (r.clientOnly?.passed ?? 0), f: a.f + r.failed + (r.clientOnly?.failed ?? 0) + (r.status === 'unavailable' || r.runnerErrors.length ? 1 : 0), s: a.s + r.skipped + (r.clientOnly?.skipped ?? 0) }),
    { p: 0, f: 0, s: 0 },
  );
  // The plain closing line CI reads (a full run's exit code follows the baselines, not this count).
  process.stdout.write(`compat: ${tot.p} passed, ${tot.f} failed, ${tot.s} skipped\n`);
  if (problems.length) {
    process.stderr.write(`\n[compat] FAILED:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
    process.exit(1);
  }
}

await main();
