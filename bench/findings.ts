// Conclusions generated from the figures, never written by hand: for each Wharf column against
// each reference, which rows Wharf won in every pair, lost in every pair, tied (every pair
// within 5 %), or split (pairs on both sides of 1.0), and which rows had failed pairs. Rows that
// repeat another row's ratio (MB/s beside records/s) are left out. Rerunning rewrites them.
import type { BenchResult } from './report.js';
import { EVEN, pairedRatios, summarize, verdict, type Verdict } from './stats.js';
import { ratioColumns } from './table.js';

/** Markdown bullets: one per (Wharf column, reference), from the paired ratios of every row. */
export function findings(res: BenchResult): string {
  const out: string[] = [];
  for (const { col, ref } of ratioColumns(res)) {
    const by: Record<Verdict, string[]> = { ahead: [], behind: [], even: [], mixed: [], failed: [] };
    const failures: string[] = [];
    for (const row of res.rows) {
      if (row.repeats) continue;
      const label = row.short ?? row.label;
      const rs = pairedRatios(row, ref.key, col.key);
      const v = verdict(row, rs);
      if (!v) continue;
      const s = summarize(rs, row.higherIsBetter)!;
      const med = s.median === 'failed' ? 'median failed' : `${s.median.toFixed(2)}×`;
      by[v].push(`${label} [${row.unit}] (${med})`);
      if (s.failed) failures.push(`${label} (${s.failed} of ${s.n})`);
    }
    const part = (title: string, xs: string[]) => (xs.length ? `\n  - ${title} (${xs.length}): ${xs.join('; ')}` : '');
    out.push(
      `- **${col.label} / ${ref.label}**, from the paired ratios:` +
        part('Wharf better in every pair', by.ahead) +
        part('Wharf worse in every pair', by.behind) +
        part(`within ${EVEN * 100} % of the reference in every pair`, by.even) +
        part('pairs on both sides of 1.0 (no consistent difference at this load)', by.mixed) +
        part('no pair produced a figure', by.failed) +
        part('rows with failed pairs (counted at Wharf\'s bad end)', failures),
    );
  }
  return out.join('\n');
}
