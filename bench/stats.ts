// Statistics over the runs of a row: medians and ranges that keep failed runs in (a failure
// ranks as the worst possible value, so it can move a median but never improve one), and the
// paired ratios Wharf / reference, one per pair measured back to back.
import { isFailure, type BenchRow, type Sample } from './report.js';

/** A figure, or "failed" where a failed run is what the statistic lands on. */
export type Stat = number | 'failed';

export interface Summary {
  /** Runs (or pairs) counted, failed ones included. */
  n: number;
  failed: number;
  median: Stat;
  /** Lowest and highest, in numeric order; a failure shows at the bad end. */
  min: Stat;
  max: Stat;
}

/** Median of plain numbers (no failures). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Summary of samples where a failure counts as the worst value: 0-like (−∞) when higher is
 * better, +∞ when lower is better. With an even count the median is the mean of the middle two,
 * and "failed" when either of them is a failure. Undefined when there are no samples.
 */
export function summarize(samples: readonly Sample[], higherIsBetter: boolean): Summary | undefined {
  if (!samples.length) return undefined;
  const worst = higherIsBetter ? -Infinity : Infinity;
  const xs = samples.map((s) => (isFailure(s) ? worst : s)).sort((a, b) => a - b);
  const stat = (x: number): Stat => (Number.isFinite(x) ? x : 'failed');
  const m = xs.length >> 1;
  const mid = xs.length % 2 ? xs[m]! : (xs[m - 1]! + xs[m]!) / 2;
  return { n: xs.length, failed: samples.filter(isFailure).length, median: stat(mid), min: stat(xs[0]!), max: stat(xs[xs.length - 1]!) };
}

/** Every sample of one column of a row, in pair order (pairs in which it did not run are left out). */
export function columnSamples(row: BenchRow, col: string): Sample[] {
  return row.pairs.map((p) => p[col]).filter((s): s is Sample => s !== undefined);
}

/**
 * The paired ratios `col / ref` of a row, one per pair in which both ran. A pair in which either
 * side failed is a failed ratio (it ranks at Wharf's bad end), as is a reference figure of 0.
 */
export function pairedRatios(row: BenchRow, ref: string, col: string): Sample[] {
  const out: Sample[] = [];
  for (const p of row.pairs) {
    const r = p[ref];
    const c = p[col];
    if (r === undefined || c === undefined) continue;
    if (isFailure(c)) out.push({ failed: `${col}: ${c.failed}` });
    else if (isFailure(r)) out.push({ failed: `${ref}: ${r.failed}` });
    else if (r === 0) out.push({ failed: `${ref} measured 0` });
    else out.push(c / r);
  }
  return out;
}

/** True when a ratio is on Wharf's good side of 1.0 for this row. */
export function meetsTarget(row: Pick<BenchRow, 'higherIsBetter'>, r: number): boolean {
  return row.higherIsBetter ? r >= 1 : r <= 1;
}

export type Verdict = 'ahead' | 'behind' | 'even' | 'mixed' | 'failed';

/** Ratios within this distance of 1.0 in every pair make a tie ('even'), whichever side they fall. */
export const EVEN = 0.05;

/**
 * What the pairs say, from the figures alone: even (every pair that produced a ratio within
 * EVEN of 1.0), else Wharf ahead (every one on Wharf's good side of 1.0), behind (every one on
 * the other side), mixed, or failed (no pair produced a ratio). Failed pairs are counted apart
 * by the caller, never hidden.
 */
export function verdict(row: Pick<BenchRow, 'higherIsBetter'>, ratios: readonly Sample[]): Verdict | undefined {
  if (!ratios.length) return undefined;
  const ok = ratios.filter((r): r is number => !isFailure(r));
  if (!ok.length) return 'failed';
  if (ok.every((r) => Math.abs(r - 1) <= EVEN)) return 'even';
  const good = ok.filter((r) => (row.higherIsBetter ? r > 1 : r < 1)).length;
  const bad = ok.filter((r) => (row.higherIsBetter ? r < 1 : r > 1)).length;
  if (good === ok.length) return 'ahead';
  if (bad === ok.length) return 'behind';
  return 'mixed';
}
