// docs/benchmarks-nats.md: the NATS figures on a page of their own (written by bench/all.ts
// from the same run as docs/benchmarks.md, or by `node dist/bench/nats.js --write FILE`). Every
// statement about who is faster or lighter is computed from the figures here.
import { findings } from './findings.js';
import { loadStatement, machineList, type Machine } from './machine.js';
import type { BenchResult, BenchRow } from './report.js';
import { columnSamples, summarize } from './stats.js';
import { allPairs, columnList, markdownTable } from './table.js';

function medianOf(row: BenchRow | undefined, col: string): number | undefined {
  if (!row) return undefined;
  const s = summarize(columnSamples(row, col), false);
  return s && s.median !== 'failed' ? s.median : undefined;
}

/** Memory per idle connection from the medians of the two RSS rows, with the comparison it implies. */
export function memoryFindings(res: BenchResult): string {
  const idle = res.rows.find((r) => r.key === 'rssIdle');
  const conns = res.rows.find((r) => r.key === 'rssConns');
  const n = Number(/with ([\d,]+) idle/.exec(conns?.label ?? '')?.[1]?.replace(/,/g, '') ?? NaN);
  const [ref, sub] = res.columns;
  if (!ref || !sub || !Number.isFinite(n)) return '';
  const per = (col: string) => {
    const a = medianOf(idle, col);
    const b = medianOf(conns, col);
    return a === undefined || b === undefined ? undefined : { idle: a, conns: b, kib: ((b - a) * 1024) / n };
  };
  const r = per(ref.key);
  const s = per(sub.key);
  if (!r || !s) return `- Memory: no comparison, a memory run failed (see the table).`;
  const cmp = (a: number, b: number, what: string) => (a < b ? `${sub.label} uses less ${what} (${(a / b).toFixed(2)}×)` : a > b ? `${sub.label} uses more ${what} (${(a / b).toFixed(2)}×)` : `the same ${what}`);
  return (
    `- Memory, from the medians: idle, ${ref.label} ${r.idle.toFixed(1)} MiB and ${sub.label} ${s.idle.toFixed(1)} MiB: ${cmp(s.idle, r.idle, 'when idle')}; ` +
    `per idle connection, ${ref.label} ${r.kib.toFixed(1)} KiB and ${sub.label} ${s.kib.toFixed(1)} KiB: ${cmp(s.kib, r.kib, 'per connection')}.`
  );
}

export function natsDoc(res: BenchResult, m: Machine): string {
  const [ref, sub] = res.columns;
  return `# NATS benchmarks: ${sub!.label} vs ${ref!.label}

Written by \`npm run bench\` (or \`node dist/bench/nats.js --write FILE\`); do not edit by hand.
Wharf's NATS front-end against the reference nats-server v2.15.2 on the same machine with the
same load generator (natscli v0.5.0 \`nats bench\`). Each row runs as ${res.pairs} pair(s), nats-server
then Wharf back to back, and the ratio column is the median of the per-pair ratios
${sub!.label} / ${ref!.label} with their range: above 1 is better for throughput, below 1 is better
for latency and memory. A failed run counts as the worst figure, never left out.

${loadStatement(m, [res])}

${markdownTable(res)}

Columns and the settings they ran with:

${columnList(res)}

## What the figures say

Generated from the figures above when they were written.

${findings(res)}
${memoryFindings(res)}

## Machine

${machineList(m)}
- ${res.pairs} pair(s) per row; the NATS benchmark took ${res.seconds} s.

## What each line measures

${res.notes.map((n) => `- ${n}`).join('\n')}
- The load generators and both servers share the machine's ${m.cores} cores (nats-server is
  multi-threaded, Wharf runs its data path on one event loop): the absolute figures are not
  those of a larger machine, and the ratios need not carry over to one.

## Every pair

${allPairs(res)}

## How to reproduce

\`\`\`sh
bash scripts/peers/install-all.sh        # nats-server v2.15.2 and natscli v0.5.0 into ~/.cache/wharf-peers
npm run build
${res.commands.map((c) => `${c} --write docs/benchmarks-nats.md`).join('\n')}
# check the script itself: nats-server on both sides, every ratio should be close to 1
node dist/bench/nats.js --subject nats-server --pairs 3
\`\`\`
`;
}
