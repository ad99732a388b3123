// The result format that the benchmarks write with `--json FILE` and that bench/all.ts merges
// into docs/benchmarks.md: one area (storage, NATS, Kafka), its columns (the reference first,
// then one or more Wharf configurations) and rows with every run's value per column.

export interface BenchColumn {
  key: string;
  label: string;
}

export interface BenchRow {
  key: string;
  label: string;
  unit: string;
  higherIsBetter: boolean;
  /** Every run's value, by column key. A column without values has no figure for this row. */
  values: Record<string, number[]>;
  /** Why a column could not be measured (e.g. a feature Wharf does not have yet), by column key. */
  notMeasurable?: Record<string, string>;
  /** Failures, one line each ("column: message"). */
  errors?: string[];
  /** Shown after the label, e.g. the size of the run. */
  note?: string;
  /** Values for information only: no ratio against the reference (e.g. no comparable reference). */
  noRatio?: boolean;
}

export interface BenchResult {
  area: string;
  title: string;
  /** Key of the reference column (the ratio's denominator). */
  reference: string;
  columns: BenchColumn[];
  rows: BenchRow[];
  runs: number;
  seconds: number;
  date: string;
  /** The exact commands a reader runs to reproduce (the tools the benchmark itself runs are in notes). */
  commands: string[];
  notes: string[];
  /** 1-minute load average sampled during the benchmark. */
  load: number[];
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Spread of the runs relative to their median: (max - min) / median, or undefined with fewer than 2 runs. */
export function spread(xs: number[]): number | undefined {
  if (xs.length < 2) return undefined;
  const m = median(xs);
  if (m === 0) return undefined;
  return (Math.max(...xs) - Math.min(...xs)) / Math.abs(m);
}

export function fmtValue(x: number | undefined, unit: string): string {
  if (x === undefined || !Number.isFinite(x)) return '-';
  const a = Math.abs(x);
  if (a >= 10_000) return Math.round(x).toLocaleString('en');
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (unit === 'ms' || unit === 'µs' || unit.startsWith('MB')) return x.toFixed(2);
  return x.toFixed(2);
}

/** Ratio of column `col` to the reference for a row, from medians. */
export function ratio(row: BenchRow, ref: string, col: string): number | undefined {
  if (row.noRatio) return undefined;
  const r = row.values[ref];
  const c = row.values[col];
  if (!r?.length || !c?.length) return undefined;
  const rm = median(r);
  if (rm === 0) return undefined;
  return median(c) / rm;
}

/** True when the ratio is on the good side of 1.0 for this row (≥ 1 for throughput, ≤ 1 for latency/memory). */
export function meetsTarget(row: BenchRow, r: number): boolean {
  return row.higherIsBetter ? r >= 1 : r <= 1;
}

/** A markdown table: medians per column with min–max of the runs, ratios to the reference. */
export function markdownTable(res: BenchResult): string {
  const others = res.columns.filter((c) => c.key !== res.reference);
  const refCol = res.columns.find((c) => c.key === res.reference)!;
  const head = ['measurement', 'unit', refCol.label];
  for (const c of others) head.push(c.label, `${c.label} / ${refCol.label}`);
  head.push('better', 'spread of runs');
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i < 2 || i === head.length - 2 ? '---' : '---:')).join('|')}|`];
  for (const row of res.rows) {
    const cell = (col: string) => {
      const xs = row.values[col];
      if (xs?.length) {
        const m = fmtValue(median(xs), row.unit);
        return xs.length > 1 ? `${m} <sub>(${fmtValue(Math.min(...xs), row.unit)}–${fmtValue(Math.max(...xs), row.unit)})</sub>` : m;
      }
      const why = row.notMeasurable?.[col];
      if (why) return `not yet measurable: ${why}`;
      return row.errors?.some((e) => e.startsWith(`${col}:`)) ? 'failed' : '-';
    };
    const cells = [row.note ? `${row.label} (${row.note})` : row.label, row.unit, cell(res.reference)];
    for (const c of others) {
      cells.push(cell(c.key));
      const r = ratio(row, res.reference, c.key);
      cells.push(r === undefined ? 'n/a' : meetsTarget(row, r) ? `**${r.toFixed(2)}**` : r.toFixed(2));
    }
    cells.push(row.higherIsBetter ? 'higher' : 'lower');
    const spreads = res.columns.map((c) => spread(row.values[c.key] ?? [])).filter((s): s is number => s !== undefined);
    cells.push(spreads.length ? `±${Math.round((Math.max(...spreads) * 100) / 2)} %` : '-');
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Per-run values of every row, for the appendix. */
export function allRuns(res: BenchResult): string {
  return res.rows
    .map((row) => {
      const parts = res.columns.map((c) => `${c.label} [${(row.values[c.key] ?? []).map((x) => fmtValue(x, row.unit)).join(', ') || '-'}]`);
      const errs = row.errors?.length ? `; errors: ${row.errors.join('; ')}` : '';
      return `- ${row.label} (${row.unit}): ${parts.join(', ')}${errs}`;
    })
    .join('\n');
}
