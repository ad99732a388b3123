// docs/benchmarks.png, drawn as SVG: per area and row, one bar per paired ratio (Wharf column /
// reference) at the median of the pairs, a whisker over their range, on a log axis where right
// of 1.0 means Wharf is better (the ratio for throughput, its inverse for latency and memory).
// Legends name each column with the settings it ran with, from the figures' own column list.
import type { Machine } from './machine.js';
import type { BenchResult } from './report.js';
import { meetsTarget, pairedRatios, summarize, type Stat } from './stats.js';
import { ratioColumns } from './table.js';

const COLORS = ['#1f6fb4', '#e08a1e', '#3a9a4a', '#8e44ad'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function cut(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

export function chart(results: readonly BenchResult[], m: Machine): string {
  const W = 1500;
  const labelW = 760;
  const plotX = labelW + 20;
  const plotW = W - plotX - 90;
  const lo = Math.log10(0.05);
  const hi = Math.log10(20);
  const clamp = (v: number) => Math.min(20, Math.max(0.05, v));
  const x = (v: number) => plotX + ((Math.log10(clamp(v)) - lo) / (hi - lo)) * plotW;
  const body: string[] = [];
  let y = 80;
  for (const res of results) {
    const combos = ratioColumns(res);
    const rows = res.rows.filter((r) => r.chart !== false && !r.repeats && combos.some(({ col, ref }) => pairedRatios(r, ref.key, col.key).length));
    if (!rows.length) continue;
    body.push(`<text x="20" y="${y + 22}" font-size="20" font-weight="bold">${esc(res.title)}</text>`);
    y += 32;
    let lx = 20;
    combos.forEach(({ col, ref }, i) => {
      const name = `${col.label} / ${ref.label}`;
      body.push(`<rect x="${lx}" y="${y + 2}" width="14" height="14" fill="${COLORS[i % COLORS.length]}"/><text x="${lx + 20}" y="${y + 14}" font-size="14">${esc(name)}</text>`);
      lx += 40 + name.length * 7.6;
    });
    y += 24;
    const settings = res.columns.map((c) => `${c.label}: ${c.settings.replace(/`/g, '')}`);
    for (const s of settings) {
      body.push(`<text x="20" y="${y + 12}" font-size="12" fill="#555">${esc(cut(s, 200))}</text>`);
      y += 16;
    }
    y += 6;
    for (const row of rows) {
      const present = combos.filter(({ col, ref }) => pairedRatios(row, ref.key, col.key).length);
      const barH = present.length > 1 ? 13 : 18;
      const h = Math.max(30, present.length * (barH + 3) + 8);
      body.push(`<text x="${labelW}" y="${y + h / 2 + 5}" font-size="13" text-anchor="end">${esc(cut(row.short ?? row.label, 84))} <tspan fill="#666">[${esc(row.unit)} ${row.higherIsBetter ? '↑' : '↓'}]</tspan></text>`);
      body.push(`<line x1="${plotX}" x2="${plotX + plotW}" y1="${y + h}" y2="${y + h}" stroke="#eee"/>`);
      present.forEach(({ col, ref }, i) => {
        const by = y + 4 + i * (barH + 3);
        const color = COLORS[combos.findIndex((c) => c.col === col && c.ref === ref) % COLORS.length]!;
        const s = summarize(pairedRatios(row, ref.key, col.key), row.higherIsBetter)!;
        const adv = (v: Stat) => (v === 'failed' ? (row.higherIsBetter ? 0.05 : 20) : row.higherIsBetter ? v : 1 / v);
        if (s.median === 'failed') {
          body.push(`<text x="${x(1) + 6}" y="${by + barH - 3}" font-size="12" fill="#b00">failed (${s.failed} of ${s.n} pairs)</text>`);
          return;
        }
        const x0 = x(1);
        const x1 = x(adv(s.median));
        const good = meetsTarget(row, s.median);
        body.push(`<rect x="${Math.min(x0, x1)}" y="${by}" width="${Math.max(1, Math.abs(x1 - x0))}" height="${barH}" fill="${color}" opacity="${good ? 1 : 0.55}"/>`);
        if (s.n > 1) {
          const wa = x(adv(s.min));
          const wb = x(adv(s.max));
          const wy = by + barH / 2;
          body.push(`<line x1="${Math.min(wa, wb)}" x2="${Math.max(wa, wb)}" y1="${wy}" y2="${wy}" stroke="#222" stroke-width="1.5"/>`);
          for (const wx of [wa, wb]) body.push(`<line x1="${wx}" x2="${wx}" y1="${wy - 4}" y2="${wy + 4}" stroke="#222" stroke-width="1.5"/>`);
        }
        const ends = [x1, ...(s.n > 1 ? [x(adv(s.min)), x(adv(s.max))] : [])];
        const right = x1 >= x0;
        const tx = right ? Math.max(...ends) + 5 : Math.min(...ends) - 5;
        const failed = s.failed ? `, ${s.failed} failed` : '';
        body.push(`<text x="${tx}" y="${by + barH - 3}" font-size="12" text-anchor="${right ? 'start' : 'end'}" fill="${good ? '#111' : '#b00'}">${s.median.toFixed(2)}×${failed}</text>`);
      });
      y += h;
    }
    y += 16;
  }
  const H = y + 60;
  const axis: string[] = [];
  for (const t of [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20]) {
    axis.push(`<line x1="${x(t)}" x2="${x(t)}" y1="70" y2="${H - 45}" stroke="${t === 1 ? '#000' : '#ccc'}" stroke-width="${t === 1 ? 2 : 1}"/>`);
    axis.push(`<text x="${x(t)}" y="${H - 28}" font-size="13" text-anchor="middle">${t}</text>`);
  }
  axis.push(`<text x="${x(1)}" y="${H - 10}" font-size="13" text-anchor="middle">← reference better · Wharf better → (log scale; figure printed: Wharf / reference)</text>`);
  const pairs = [...new Set(results.map((r) => r.pairs))].join('/');
  const loadHi = Math.max(...m.load).toFixed(1);
  const head = [
    `<text x="20" y="32" font-size="24" font-weight="bold">${esc(`Wharf vs the reference implementations: median of ${pairs} paired ratio(s) per row, ${m.cores} cores, ${m.date.slice(0, 10)}`)}</text>`,
    `<text x="20" y="56" font-size="14" fill="#333">${esc(`Bar: median of the per-pair ratios; whisker: their range; faded bar and red figure: the reference is better. 1-min load up to ${loadHi} during the run (see docs/benchmarks.md).`)}</text>`,
  ];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H + 10}" viewBox="0 0 ${W} ${H + 10}" font-family="DejaVu Sans, sans-serif">
<rect width="100%" height="100%" fill="#fff"/>
${head.join('\n')}
${axis.join('\n')}
${body.join('\n')}
</svg>
`;
}
