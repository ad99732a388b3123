// `npm run bench`: the storage, NATS and Kafka benchmarks in one go, each against its reference
// (dd and a naive fsync loop; nats-server v2.15.2; Apache Kafka 4.4.0), then docs/benchmarks.md
// (machine, commands, one table per area with ratios and the spread of the runs, load of the
// machine) and docs/benchmarks.png (ratios per row against the 1.0 line).
//
//   npm run bench                                  # 3 runs of everything, writes docs/
//   node dist/bench/all.js --quick                 # 1 short run (smoke test), writes docs/
//   node dist/bench/all.js --only kafka --runs 5
//   node dist/bench/all.js --render docs/benchmarks.json   # rewrite the .md and .png from saved figures
//
// Needs the reference peers (bash scripts/peers/install-all.sh) and rsvg-convert (Debian
// package librsvg2-bin) for the PNG; pngquant, if installed, shrinks it.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../test/support/wharf.js';
import { benchArgs } from './args.js';
import { allRuns, markdownTable, median, meetsTarget, ratio, type BenchResult } from './report.js';

type Area = 'storage' | 'nats' | 'kafka';

interface Options {
  runs: number;
  quick: boolean;
  only: Area[];
  outDir: string;
  render?: string;
  storageGb: number;
}

function parseArgs(argv: string[]): Options {
  const a = benchArgs(argv, ['only', 'out-dir', 'render', 'storage-gb'], 'usage: node dist/bench/all.js [--runs N] [--quick] [--only storage,nats,kafka] [--storage-gb N] [--out-dir DIR] [--render FILE.json]');
  const storageGb = a.values['storage-gb'] === undefined ? 1 : Number(a.values['storage-gb']);
  return {
    runs: a.quick ? 1 : a.runs,
    quick: a.quick,
    only: (a.values.only?.split(',') ?? ['storage', 'nats', 'kafka']) as Area[],
    outDir: a.values['out-dir'] ?? join(repoRoot(), 'docs'),
    render: a.values.render,
    storageGb: a.quick ? Math.min(storageGb, 0.25) : storageGb,
  };
}

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 }).trim();
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string };
    return (err.stdout || err.stderr || '').trim();
  }
}

interface Machine {
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
  load: number[];
}

function javaVersion(): string {
  // java -version writes to stderr.
  const r = spawnSync('java', ['-version'], { encoding: 'utf8', timeout: 20_000 });
  return (r.stderr || r.stdout || 'not found').split('\n')[0]!.trim();
}

function describeDisk(): string {
  const dir = tmpdir();
  const src = sh('findmnt', ['-n', '-o', 'SOURCE,FSTYPE', '-T', dir]);
  const dev = src.split(/\s+/)[0] ?? '';
  const name = dev.replace(/^\/dev\//, '');
  const rota = name ? sh('lsblk', ['-d', '-n', '-o', 'ROTA,SIZE,MODEL', `/dev/${name}`]) : '';
  const [r, size, ...model] = rota.split(/\s+/);
  const kind = r === '0' ? 'non-rotational' : r === '1' ? 'rotational as lsblk reports it (ROTA=1; virtual disks often do)' : 'unknown kind';
  return `${dir} on ${src || 'unknown'}${size ? `, ${size}` : ''}, ${kind}${model.length ? `, ${model.join(' ')}` : ''}`;
}

function machine(): Omit<Machine, 'uptimeAfter' | 'load'> {
  const lscpu = sh('lscpu', []);
  const cpu = /Model name:\s+(.+)/.exec(lscpu)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  return {
    date: new Date().toISOString(),
    cores: cpus().length,
    cpu,
    memGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    disk: describeDisk(),
    kernel: sh('uname', ['-sr']),
    node: process.version,
    go: /go\d+\.\d+(\.\d+)?/.exec(sh('go', ['version']))?.[0] ?? 'not found',
    java: javaVersion(),
    commit: process.env.WHARF_BENCH_COMMIT || sh('git', ['-C', repoRoot(), 'rev-parse', '--short', 'HEAD']) + (sh('git', ['-C', repoRoot(), 'status', '--porcelain', '--untracked-files=no', 'src']) ? ' (with uncommitted changes in src/)' : ''),
    uptimeBefore: sh('uptime', []),
  };
}

function runNode(script: string, args: string[]): Promise<void> {
  const main = join(repoRoot(), 'dist', 'bench', script);
  console.error(`\n=== node ${join('dist', 'bench', script)} ${args.join(' ')}`);
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [main, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
    c.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${script} exited ${code}`))));
  });
}

/** Merges single-run results (same rows) into one result with every run's values. */
function mergeRuns(results: BenchResult[]): BenchResult {
  const first = results[0]!;
  const merged: BenchResult = { ...first, runs: results.length, seconds: results.reduce((s, r) => s + r.seconds, 0), rows: first.rows.map((r) => ({ ...r, values: {} })) };
  for (const res of results) {
    for (const row of res.rows) {
      const m = merged.rows.find((r) => r.key === row.key);
      if (!m) continue;
      for (const [k, xs] of Object.entries(row.values)) (m.values[k] ??= []).push(...xs);
    }
  }
  return merged;
}

interface Saved {
  machine: Machine;
  options: { runs: number; quick: boolean; storageGb: number };
  results: BenchResult[];
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  let saved: Saved;
  if (o.render) {
    saved = JSON.parse(readFileSync(o.render, 'utf8')) as Saved;
  } else {
    const m0 = machine();
    const load: number[] = [loadavg()[0]!];
    const timer = setInterval(() => load.push(loadavg()[0]!), 10_000);
    const work = mkdtempSync(join(tmpdir(), 'wharf-bench-all-'));
    const results: BenchResult[] = [];
    try {
      if (o.only.includes('storage')) {
        const runs: BenchResult[] = [];
        for (let i = 0; i < o.runs; i++) {
          const f = join(work, `storage-${i}.json`);
          await runNode('storage.js', ['--gb', String(o.storageGb), '--json', f]);
          runs.push(JSON.parse(readFileSync(f, 'utf8')) as BenchResult);
        }
        const st = mergeRuns(runs);
        st.commands = [`node dist/bench/storage.js --gb ${o.storageGb} --json FILE   # ${o.runs} times`];
        results.push(st);
      }
      if (o.only.includes('nats')) {
        const f = join(work, 'nats.json');
        await runNode('nats.js', [...(o.quick ? ['--quick'] : ['--runs', String(o.runs)]), '--json', f]);
        results.push(JSON.parse(readFileSync(f, 'utf8')) as BenchResult);
      }
      if (o.only.includes('kafka')) {
        const f = join(work, 'kafka.json');
        await runNode('kafka.js', [...(o.quick ? ['--quick'] : ['--runs', String(o.runs)]), '--json', f]);
        results.push(JSON.parse(readFileSync(f, 'utf8')) as BenchResult);
      }
    } finally {
      clearInterval(timer);
      rmSync(work, { recursive: true, force: true });
    }
    load.push(loadavg()[0]!);
    saved = { machine: { ...m0, uptimeAfter: sh('uptime', []), load }, options: { runs: o.runs, quick: o.quick, storageGb: o.storageGb }, results };
    writeFileSync(join(o.outDir, 'benchmarks.json'), JSON.stringify(saved, null, 2) + '\n');
  }
  const svg = chart(saved);
  const svgFile = join(o.outDir, 'benchmarks.svg.tmp');
  writeFileSync(svgFile, svg);
  try {
    execFileSync('rsvg-convert', ['-f', 'png', '-o', join(o.outDir, 'benchmarks.png'), svgFile], { stdio: 'inherit' });
    // Optional: pngquant (Debian package pngquant) makes the committed image about 3× smaller.
    const q = spawnSync('pngquant', ['--quality', '60-90', '--force', '--skip-if-larger', '--ext', '.png', join(o.outDir, 'benchmarks.png')], { stdio: 'inherit' });
    if (q.error) console.error('pngquant not found: the PNG stays unquantized (apt-get install pngquant)');
  } catch (e) {
    console.error(`rsvg-convert failed (apt-get install librsvg2-bin): ${(e as Error).message}`);
  } finally {
    rmSync(svgFile, { force: true });
  }
  writeFileSync(join(o.outDir, 'benchmarks.md'), doc(saved));
  console.error(`wrote ${join(o.outDir, 'benchmarks.md')}, benchmarks.png and benchmarks.json`);
}

// ---------------------------------------------------------------------------------------------
// Chart: one line per row with a reference, one bar per Wharf column, on a log axis where right
// of 1.0 means Wharf is better (the ratio for throughput, its inverse for latency and memory).

const COLORS = ['#1f6fb4', '#e08a1e', '#3a9a4a'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function chartRows(res: BenchResult) {
  // Kafka's MB/s rows repeat the records/s ratio of the same run, and the producers' p50 under
  // full load follows their throughput: the table has them, the chart leaves them out.
  return res.rows.filter((r) => !r.noRatio && !(res.area === 'kafka' && (r.unit === 'MB/s' || /send→ack latency p50/.test(r.label))));
}

function chart(saved: Saved): string {
  const W = 1500;
  const labelW = 760;
  const plotX = labelW + 20;
  const plotW = W - plotX - 90;
  const rowH = 30;
  const lo = Math.log10(0.05);
  const hi = Math.log10(20);
  const x = (v: number) => plotX + ((Math.log10(Math.min(20, Math.max(0.05, v))) - lo) / (hi - lo)) * plotW;
  const parts: string[] = [];
  let y = 90;
  const body: string[] = [];
  const legend = new Map<string, string>();
  for (const res of saved.results) {
    const rows = chartRows(res);
    if (!rows.length) continue;
    body.push(`<text x="20" y="${y + 18}" font-size="20" font-weight="bold">${esc(res.title)}</text>`);
    y += 34;
    const cols = res.columns.filter((c) => c.key !== res.reference);
    const refLabel = res.columns.find((c) => c.key === res.reference)!.label;
    cols.forEach((c, i) => {
      const color = COLORS[i % COLORS.length]!;
      const name = i === 0 ? 'Wharf (default settings: fsync=always)' : `${c.label}`;
      if (![...legend.values()].includes(color)) legend.set(name, color);
    });
    void refLabel;
    for (const row of rows) {
      const h = cols.length > 1 ? rowH + 8 : rowH;
      const label = row.label.length > 84 ? `${row.label.slice(0, 82)}…` : row.label;
      body.push(`<text x="${labelW}" y="${y + h / 2 + 5}" font-size="13" text-anchor="end">${esc(label)} <tspan fill="#666">[${esc(row.unit)} ${row.higherIsBetter ? '↑' : '↓'}]</tspan></text>`);
      body.push(`<line x1="${plotX}" x2="${plotX + plotW}" y1="${y + h}" y2="${y + h}" stroke="#eee"/>`);
      const barH = cols.length > 1 ? 14 : 18;
      cols.forEach((c, i) => {
        const by = y + 4 + i * (barH + 3);
        const r = ratio(row, res.reference, c.key);
        const color = COLORS[i % COLORS.length]!;
        if (r === undefined || r <= 0) {
          const why = row.notMeasurable?.[c.key] ? 'not yet measurable' : 'no figure';
          body.push(`<text x="${x(1) + 6}" y="${by + barH - 3}" font-size="12" fill="#999">${why}</text>`);
          return;
        }
        const adv = row.higherIsBetter ? r : 1 / r;
        const x0 = x(1);
        const x1 = x(adv);
        const good = meetsTarget(row, r);
        body.push(`<rect x="${Math.min(x0, x1)}" y="${by}" width="${Math.max(1, Math.abs(x1 - x0))}" height="${barH}" fill="${color}" opacity="${good ? 1 : 0.55}"/>`);
        const tx = x1 >= x0 ? x1 + 5 : x1 - 5;
        body.push(`<text x="${tx}" y="${by + barH - 3}" font-size="12" text-anchor="${x1 >= x0 ? 'start' : 'end'}" fill="${good ? '#111' : '#b00'}">${r.toFixed(2)}×</text>`);
      });
      y += h;
    }
    y += 16;
  }
  const H = y + 60;
  // Axis: grid lines and ticks.
  const ticks = [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20];
  for (const t of ticks) {
    parts.push(`<line x1="${x(t)}" x2="${x(t)}" y1="80" y2="${H - 45}" stroke="${t === 1 ? '#000' : '#ccc'}" stroke-width="${t === 1 ? 2 : 1}"/>`);
    parts.push(`<text x="${x(t)}" y="${H - 28}" font-size="13" text-anchor="middle">${t}</text>`);
  }
  parts.push(`<text x="${x(1)}" y="${H - 10}" font-size="13" text-anchor="middle">← reference better · Wharf better → (log scale; ratio printed is Wharf / reference)</text>`);
  const m = saved.machine;
  const title = `Wharf vs the reference implementations: medians of ${saved.options.runs} run(s), ${m.cores} cores, ${m.date.slice(0, 10)}`;
  const head = [
    `<text x="20" y="32" font-size="24" font-weight="bold">${esc(title)}</text>`,
    `<text x="20" y="58" font-size="14" fill="#333">Bar length: how much better (right of the 1.0 line) or worse (left, faded, red figure) Wharf is. Figure at the bar end: Wharf / reference. ↑ higher is better, ↓ lower is better.</text>`,
  ];
  let lx = 20;
  const legendY = 78;
  const leg: string[] = [];
  for (const [name, color] of legend) {
    leg.push(`<rect x="${lx}" y="${legendY - 12}" width="14" height="14" fill="${color}"/><text x="${lx + 20}" y="${legendY}" font-size="14">${esc(name)}</text>`);
    lx += 30 + name.length * 7.5;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H + 10}" viewBox="0 0 ${W} ${H + 10}" font-family="DejaVu Sans, sans-serif">
<rect width="100%" height="100%" fill="#fff"/>
${head.join('\n')}
${leg.join('\n')}
${parts.join('\n')}
${body.join('\n')}
</svg>
`;
}

// ---------------------------------------------------------------------------------------------
// The document

function doc(saved: Saved): string {
  const m = saved.machine;
  const loads = m.load;
  const lmin = Math.min(...loads);
  const lmax = Math.max(...loads);
  const sections = saved.results.map((res) => {
    const refLabel = res.columns.find((c) => c.key === res.reference)!.label;
    return `## ${res.title}

${markdownTable(res)}

Ratio: Wharf / ${refLabel}, from the medians; **bold** where Wharf meets the target (≥ 1.0 for
throughput, ≤ 1.0 for latency, time and memory). Cells show the median and, in small type, the
lowest and highest run; "spread of runs" is ± half of (max − min) / median, the largest of the
columns. ${res.runs} run(s), ${res.seconds} s.

${res.notes.map((n) => `- ${n}`).join('\n')}

<details><summary>Every run</summary>

${allRuns(res)}

</details>
`;
  });
  const commands = saved.results.flatMap((r) => r.commands);
  return `# Benchmarks: Wharf against the reference implementations

Written by \`npm run bench\` (\`bench/all.ts\`), which runs the storage, NATS and Kafka
benchmarks one after the other on one machine, each side by side with its reference, and
quotes medians. Do not edit by hand: rerun, or rewrite the text from the saved figures with
\`node dist/bench/all.js --render docs/benchmarks.json\`.

![Ratios of Wharf to the reference per measurement](benchmarks.png)

## Machine and run

- Date: ${m.date.replace('T', ' ').slice(0, 16)} UTC; Wharf commit ${m.commit}.
- CPU: ${m.cores} × ${m.cpu}; memory ${m.memGiB} GiB; ${m.kernel}.
- Disk: ${m.disk}.
- Node.js ${m.node}; Go ${m.go} (nats-server v2.15.2, natscli v0.5.0); ${m.java} (Apache Kafka 4.4.0 and its tools).
- ${saved.options.runs} run(s) of every measurement${saved.options.quick ? ' (--quick: short counts)' : ''}; storage log of ${saved.options.storageGb} GB.
- Load: the machine is shared with other engineers' builds and tests. Before the run: \`${m.uptimeBefore}\`;
  after: \`${m.uptimeAfter}\`; the 1-minute load average, sampled every 10 s during the run
  (our own load tools and brokers included), went from ${lmin.toFixed(1)} to ${lmax.toFixed(1)} (median ${median(loads).toFixed(1)})
  on ${m.cores} cores. Expect single runs to differ by tens of percent; the spread column says how much they did.

## Commands

\`\`\`sh
bash scripts/peers/install-all.sh      # nats-server, natscli, Kafka 4.4.0 into ~/.cache/wharf-peers
apt-get install librsvg2-bin pngquant  # rsvg-convert for the chart, pngquant to shrink it
npm run bench                          # = npm run build && node dist/bench/all.js --runs ${saved.options.runs}
\`\`\`

which ran:

\`\`\`sh
${commands.join('\n')}
\`\`\`

Each area alone: \`npm run bench:storage\`, \`npm run bench:nats\`, \`npm run bench:kafka\`
(\`--quick\` for a smoke test, \`--runs N\`, \`--json FILE\`).

${sections.join('\n')}
## Reading these numbers

- Everything shares ${m.cores} cores: the load generators (Java tools, natscli) compete with the
  broker under test, so absolute figures are far below what either side does on real hardware,
  and the ratios favour whichever side needs fewer threads. They do not carry over to a
  many-core machine.
- Kafka's durability is replication (no fsync per append); with one node, acks=all is the same
  as acks=1 for Kafka. Wharf's default fsyncs every append (group commit); \`--fsync never\` is
  the comparable policy and both are reported, as the architecture requires.
- Producer send→ack latencies come from kafka-producer-perf-test at full speed: they are mostly
  time spent queued in the client's 32 MB buffer, so they follow throughput; the end-to-end rows
  (one record in flight) are the latency of the broker itself.
- The rebalance time is dominated by the members' heartbeat interval (3 s by default, the
  remaining members learn of the rebalance at their next heartbeat), for both servers.
`;
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
