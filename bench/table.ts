// Markdown of one area's figures: the table (median and range of every column, failures
// counted in, paired ratios Wharf / reference with their range, the load during each row) and
// the appendix with every pair's values.
import { isFailure, references, wharfColumns, type BenchColumn, type BenchResult, type BenchRow, type RowLoad, type Sample } from './report.js';
import { columnSamples, meetsTarget, pairedRatios, summarize, type Stat, type Summary } from './stats.js';

/** A figure with about three significant digits (thousands separated from 10,000 up). */
export function fmtValue(x: number): string {
  const a = Math.abs(x);
  if (a >= 10_000) return Math.round(x).toLocaleString('en');
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

function fmtStat(s: Stat): string {
  return s === 'failed' ? 'failed' : fmtValue(s);
}

function fmtRatio(s: Stat): string {
  return s === 'failed' ? 'failed' : s.toFixed(2);
}

/**
 * The (Wharf column, reference column) combinations that have a ratio in at least one row; a
 * Wharf column that names the references it compares with (`against`) gets only those.
 */
export function ratioColumns(res: BenchResult): { col: BenchColumn; ref: BenchColumn }[] {
  const out: { col: BenchColumn; ref: BenchColumn }[] = [];
  for (const col of wharfColumns(res)) {
    for (const ref of references(res)) {
      if (col.against && !col.against.includes(ref.key)) continue;
      if (res.rows.some((r) => pairedRatios(r, ref.key, col.key).length)) out.push({ col, ref });
    }
  }
  return out;
}

function range(s: Summary, f: (x: Stat) => string): string {
  if (s.n < 2 || s.min === s.max) return '';
  return ` <sub>(${f(s.min)}–${f(s.max)})</sub>`;
}

function failedNote(s: Summary): string {
  return s.failed ? ` <sub>**${s.failed} of ${s.n} failed**</sub>` : '';
}

function valueCell(row: BenchRow, col: string): string {
  const why = row.notMeasurable?.[col];
  if (why) return `not measurable: ${why}`;
  const s = summarize(columnSamples(row, col), row.higherIsBetter);
  if (!s) return '-';
  if (s.failed === s.n) return `failed <sub>**${s.n} of ${s.n}**</sub>`;
  return `${fmtStat(s.median)}${range(s, fmtStat)}${failedNote(s)}`;
}

function ratioCell(row: BenchRow, ref: string, col: string): string {
  const s = summarize(pairedRatios(row, ref, col), row.higherIsBetter);
  if (!s) return 'n/a';
  if (s.failed === s.n) return `failed <sub>**${s.n} of ${s.n}**</sub>`;
  const m = fmtRatio(s.median);
  const bold = s.median !== 'failed' && meetsTarget(row, s.median);
  return `${bold ? `**${m}**` : m}${range(s, fmtRatio)}${failedNote(s)}`;
}

export function loadCell(l: RowLoad | undefined): string {
  if (!l) return '-';
  const lo = Math.min(...l.load1);
  const hi = Math.max(...l.load1);
  return `${lo.toFixed(1)}${hi !== lo ? `–${hi.toFixed(1)}` : ''} · ${Math.round(l.busyPct)} % (ours ${Math.round(l.oursPct)} %)`;
}

/** Pairs that ran for a row: the most samples any column has. */
export function pairCount(row: BenchRow): number {
  return row.pairs.filter((p) => Object.keys(p).length > 0).length;
}

/**
 * The area's table: per row the median and range of every column, then each paired ratio
 * (median of the per-pair ratios, their range), the number of pairs and the load.
 */
export function markdownTable(res: BenchResult): string {
  const refs = references(res);
  const cols = wharfColumns(res);
  const ratios = ratioColumns(res);
  const head = ['measurement', 'unit', ...refs.map((c) => c.label), ...cols.map((c) => c.label), ...ratios.map((r) => `${r.col.label} / ${r.ref.label}, paired`), 'better', 'pairs', 'load 1-min · CPU busy'];
  const align = head.map((h, i) => (i < 2 || h === 'better' || h.startsWith('load') ? '---' : '---:'));
  const lines = [`| ${head.join(' | ')} |`, `|${align.join('|')}|`];
  for (const row of res.rows) {
    const cells = [row.note ? `${row.label} (${row.note})` : row.label, row.unit];
    for (const c of [...refs, ...cols]) cells.push(valueCell(row, c.key));
    for (const r of ratios) cells.push(ratioCell(row, r.ref.key, r.col.key));
    cells.push(row.higherIsBetter ? 'higher' : 'lower', String(pairCount(row)), loadCell(row.load));
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** The columns and the settings each ran with, as a list. */
export function columnList(res: BenchResult): string {
  return res.columns.map((c) => `- **${c.label}**${c.role === 'reference' ? ' (reference)' : ''}: ${c.settings}`).join('\n');
}

function sampleText(s: Sample | undefined): string {
  if (s === undefined) return '-';
  return isFailure(s) ? `failed (${s.failed})` : fmtValue(s);
}

/** Every pair of every row, with its ratios, for the appendix. */
export function allPairs(res: BenchResult): string {
  const ratios = ratioColumns(res);
  return res.rows
    .map((row) => {
      const pairs = row.pairs.map((p, i) => {
        const vals = res.columns.filter((c) => p[c.key] !== undefined).map((c) => `${c.label} ${sampleText(p[c.key])}`);
        const rs = ratios
          .map(({ col, ref }) => {
            const r = pairedRatios({ ...row, pairs: [p] }, ref.key, col.key)[0];
            return r === undefined ? '' : `${col.label} / ${ref.label} ${isFailure(r) ? 'failed' : r.toFixed(2)}`;
          })
          .filter(Boolean);
        return `  ${i + 1}. ${vals.join(', ')}${rs.length ? ` → ${rs.join(', ')}` : ''}`;
      });
      const nm = row.notMeasurable ? Object.entries(row.notMeasurable).map(([k, v]) => `  - ${k}: not measurable: ${v}`) : [];
      return [`- ${row.label} (${row.unit}; load ${loadCell(row.load)}, ${row.load?.seconds ?? '?'} s):`, ...pairs, ...nm].join('\n');
    })
    .join('\n');
}
