// `npm run bench`: the storage, NATS, Kafka and JetStream benchmarks in one go, each row against
// its reference (dd and fsync loops; nats-server v2.15.2, with JetStream for the last; Apache Kafka 4.4.0) as N interleaved
// pairs, then docs/benchmarks.md (machine and its load, commands, one table per area with the
// paired ratios and their range, conclusions generated from the figures), docs/benchmarks.json
// (every figure), docs/benchmarks.png (the ratios against the 1.0 line) and
// docs/benchmarks-nats.md (the NATS figures on their own page).
//
//   npm run bench                                          # the sizes package.json gives
//   node dist/bench/all.js --quick                         # 1 short pair per row (smoke test)
//   node dist/bench/all.js --only kafka --pairs 3
//   node dist/bench/all.js --render docs/benchmarks.json   # rewrite the documents from saved figures
//
// Needs the reference peers (bash scripts/peers/install-all.sh) and rsvg-convert (Debian
// package librsvg2-bin) for the PNG; pngquant, if installed, shrinks it.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../test/support/wharf.js';
import { benchArgs, positiveNumber } from './args.js';
import { chart } from './chart.js';
import { findings } from './findings.js';
import { loadStatement, machineList, startMachineRecord, type Machine } from './machine.js';
import { natsDoc } from './nats-doc.js';
import type { BenchResult } from './report.js';
import { allPairs, columnList, markdownTable } from './table.js';

type Area = 'storage' | 'nats' | 'kafka' | 'jetstream' | 'observed';
const AREAS: readonly Area[] = ['storage', 'nats', 'kafka', 'jetstream', 'observed'];
/** What `--only` defaults to: the comparisons with the references (observed is asked for by name). */
const DEFAULT_AREAS: readonly Area[] = ['storage', 'nats', 'kafka', 'jetstream'];

interface Options {
  pairs: number;
  quick: boolean;
  only: Area[];
  outDir: string;
  render?: string;
  /** Flags passed on to each area's benchmark. */
  storage: string[];
  nats: string[];
  kafka: string[];
  jetstream: string[];
  observed: string[];
}

const USAGE = `usage: node dist/bench/all.js [--pairs N] [--order fixed|alternate] [--quick] [--only storage,nats,kafka,jetstream,observed] [--out-dir DIR] [--render FILE.json]
       [--storage-gb N] [--fsync-seconds S] [--nats-scale F] [--idle-connections N] [--kafka-scale F] [--jetstream-scale F] [--jetstream-mem-msgs N]
  --pairs N          reference/Wharf pairs per row (default 5; 1 with --quick)
  --order O          fixed: the reference first in every pair (default); alternate: Wharf first in every second pair
  --storage-gb N     size of the storage benchmark's log (default 1; 0.25 with --quick)
  --fsync-seconds S  duration of each group-commit run (default 3; 1 with --quick)
  --nats-scale F     multiplies the NATS message counts (default 1; 0.05 with --quick)
  --kafka-scale F    multiplies the Kafka record counts (default 1)
  --jetstream-scale F     multiplies the JetStream message counts (default 1; 0.1 with --quick)
  --jetstream-mem-msgs N  messages of the JetStream memory rows (default 1,000,000 in 100,000 subjects)`;

function options(argv: string[]): Options {
  const a = benchArgs(argv, ['only', 'out-dir', 'render', 'storage-gb', 'fsync-seconds', 'nats-scale', 'idle-connections', 'kafka-scale', 'jetstream-scale', 'jetstream-mem-msgs'], USAGE);
  const only = (a.values.only?.split(',') ?? [...DEFAULT_AREAS]).map((x) => {
    if (!AREAS.includes(x as Area)) throw new Error(`--only: unknown area ${x} (${AREAS.join(', ')})`);
    return x as Area;
  });
  const common = ['--pairs', String(a.pairs), ...(a.order !== 'fixed' ? ['--order', a.order] : []), ...(a.quick ? ['--quick'] : [])];
  const pass = (flag: string, name: string) => (a.values[name] === undefined ? [] : [flag, String(positiveNumber(name, a.values[name]!))]);
  return {
    pairs: a.pairs,
    quick: a.quick,
    only,
    outDir: a.values['out-dir'] ?? join(repoRoot(), 'docs'),
    render: a.values.render,
    storage: [...common, ...pass('--gb', 'storage-gb'), ...pass('--fsync-seconds', 'fsync-seconds')],
    nats: [...common, ...pass('--scale', 'nats-scale'), ...pass('--idle-connections', 'idle-connections')],
    kafka: [...common, ...pass('--scale', 'kafka-scale')],
    jetstream: [...common, ...pass('--scale', 'jetstream-scale'), ...pass('--mem-msgs', 'jetstream-mem-msgs')],
    observed: [...common],
  };
}

function runNode(script: string, args: string[]): Promise<void> {
  const main = join(repoRoot(), 'dist', 'bench', script);
  process.stderr.write(`\n=== node ${join('dist', 'bench', script)} ${args.join(' ')}\n`);
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [main, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
    c.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${script} exited ${code}`))));
  });
}

interface Saved {
  machine: Machine;
  options: { pairs: number; quick: boolean; argv: string[] };
  results: BenchResult[];
}

async function measureAll(o: Options, argv: string[]): Promise<Saved> {
  const rec = startMachineRecord();
  const work = mkdtempSync(join(tmpdir(), 'wharf-bench-all-'));
  const results: BenchResult[] = [];
  try {
    for (const area of o.only) {
      const f = join(work, `${area}.json`);
      try {
        await runNode(`${area}.js`, [...o[area], '--json', f]);
        results.push(JSON.parse(readFileSync(f, 'utf8')) as BenchResult);
      } catch (e) {
        // An area that dies is said so in the document, not left out silently.
        process.stderr.write(`${area}: ${(e as Error).message}\n`);
        results.push({ area, title: `${area}: the benchmark failed (${(e as Error).message})`, columns: [], rows: [], pairs: o.pairs, seconds: 0, date: new Date().toISOString(), commands: [`node dist/bench/${area}.js ${o[area].join(' ')}`], notes: [] });
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { machine: rec.done(), options: { pairs: o.pairs, quick: o.quick, argv }, results };
}

function writePng(svg: string, outDir: string): void {
  const svgFile = join(outDir, 'benchmarks.svg.tmp');
  const png = join(outDir, 'benchmarks.png');
  writeFileSync(svgFile, svg);
  try {
    execFileSync('rsvg-convert', ['-f', 'png', '-o', png, svgFile], { stdio: 'inherit' });
    // Optional: pngquant (Debian package pngquant) makes the committed image about 3× smaller.
    const q = spawnSync('pngquant', ['--quality', '60-90', '--force', '--skip-if-larger', '--ext', '.png', png], { stdio: 'inherit' });
    if (q.error) process.stderr.write('pngquant not found: the PNG stays unquantized (apt-get install pngquant)\n');
  } catch (e) {
    process.stderr.write(`rsvg-convert failed (apt-get install librsvg2-bin): ${(e as Error).message}\n`);
  } finally {
    rmSync(svgFile, { force: true });
  }
}

function section(res: BenchResult): string {
  if (!res.rows.length) return `## ${res.title}\n\nNo figures: the benchmark stopped before writing any. Command: \`${res.commands.join('; ')}\`.\n`;
  return `## ${res.title}

${markdownTable(res)}

Columns and the settings they ran with:

${columnList(res)}

What the figures say (generated from them):

${findings(res) || '- No row has both a reference and a Wharf figure.'}

How they were taken (${res.pairs} pair(s) per row, ${res.seconds} s):

${res.notes.map((n) => `- ${n}`).join('\n')}

<details><summary>Every pair</summary>

${allPairs(res)}

</details>
`;
}

function doc(saved: Saved): string {
  const m = saved.machine;
  const commands = saved.results.flatMap((r) => r.commands);
  return `# Benchmarks: Wharf against the reference implementations

Written by \`npm run bench\` (\`bench/all.ts\`); do not edit by hand: rerun, or rewrite the text
from the saved figures with \`node dist/bench/all.js --render docs/benchmarks.json\`.

${loadStatement(m, saved.results)}

![Paired ratios of Wharf to the reference per measurement](benchmarks.png)

## How to read the tables

- Each row runs as ${saved.options.pairs} pair(s): the reference, then Wharf (then Wharf's other
  configuration), back to back, so that both sides of a pair see the same machine and load.
  The ratio column is the median of the per-pair ratios Wharf / reference, with their lowest
  and highest in small type; **bold** where that median is on Wharf's side of 1.0 (≥ 1.0 for
  throughput, ≤ 1.0 for latency, time and memory).
- The value columns show each side's median and range over its runs.
- A run that fails counts as the worst figure (no throughput, endless latency) in its column,
  and a pair with a failed side counts as a ratio at Wharf's bad end: failures can move a
  median, never improve one, and the cell says how many failed.
- The load column: the 1-minute load average at the start of each run of the row (and at its
  end), then the busy share of all cores during the row and, in brackets, the part of it taken
  by this benchmark's own processes (itself, the brokers, the load tools).
- "What the figures say" is generated from the pairs; nothing in this page is written by hand.

## Machine and run

${machineList(m)}
- ${saved.options.pairs} pair(s) per row${saved.options.quick ? ' (--quick: short counts)' : ''}.

\`\`\`sh
bash scripts/peers/install-all.sh      # nats-server, natscli, Kafka 4.4.0 into ~/.cache/wharf-peers
apt-get install librsvg2-bin pngquant  # rsvg-convert for the chart, pngquant to shrink it
node dist/bench/all.js ${saved.options.argv.join(' ')}
\`\`\`

which ran:

\`\`\`sh
${commands.join('\n')}
\`\`\`

Each area alone: \`npm run bench:storage\`, \`npm run bench:nats\`, \`npm run bench:kafka\`, \`npm run bench:jetstream\`
(\`--quick\` for a smoke test, \`--pairs N\`, \`--json FILE\`).

${saved.results.map(section).join('\n')}
## Method

- Everything shares the machine's ${m.cores} cores: the load generators (Java tools, natscli)
  run beside the broker under test, and the absolute figures are not those of a larger machine.
- Ratios are taken within a pair only; a row's sides are never compared across pairs.
`;
}

/**
 * The streams section that `npm run bench:streams` (bench/streams.ts) wrote into the page, between
 * its markers: it is measured on its own, so a run of this driver keeps it.
 */
/** Sections other benchmarks write into the page (bench:streams, bench:memory, bench:idle, bench:security), kept as they are. */
const KEPT_SECTIONS = ['streams', 'memory', 'idle', 'security'];

function keptSections(file: string): string {
  let old = '';
  try {
    old = readFileSync(file, 'utf8');
  } catch {
    return '';
  }
  let out = '';
  for (const name of KEPT_SECTIONS) {
    const begin = `<!-- ${name}-bench:begin -->`;
    const end = `<!-- ${name}-bench:end -->`;
    const i = old.indexOf(begin);
    const j = old.indexOf(end);
    if (i >= 0 && j > i) out += `\n${old.slice(i, j + end.length)}\n`;
  }
  return out;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const o = options(argv);
  const saved = o.render ? (JSON.parse(readFileSync(o.render, 'utf8')) as Saved) : await measureAll(o, argv);
  if (!o.render) writeFileSync(join(o.outDir, 'benchmarks.json'), JSON.stringify(saved, null, 2) + '\n');
  writePng(chart(saved.results, saved.machine), o.outDir);
  writeFileSync(join(o.outDir, 'benchmarks.md'), doc(saved) + keptSections(join(o.outDir, 'benchmarks.md')));
  const nats = saved.results.find((r) => r.area === 'nats' && r.rows.length);
  if (nats) writeFileSync(join(o.outDir, 'benchmarks-nats.md'), natsDoc(nats, saved.machine));
  process.stderr.write(`wrote ${join(o.outDir, 'benchmarks.md')}, benchmarks.png, benchmarks.json${nats ? ' and benchmarks-nats.md' : ''}\n`);
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
