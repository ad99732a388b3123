// The result format every benchmark writes with `--json FILE` and bench/all.ts merges into
// docs/benchmarks.md: one area (storage, NATS, Kafka), its columns (references, then one or
// more Wharf configurations, each with the settings it ran with) and its rows, each holding the
// value or the failure of every column in every pair (reference and Wharf measured back to back),
// and the load of the machine while the row ran.

export interface BenchColumn {
  key: string;
  label: string;
  /** References are the denominators of the ratios; Wharf columns the numerators. */
  role: 'reference' | 'wharf';
  /** The settings the column ran with (durability first), as its command line states them. */
  settings: string;
  /**
   * For a Wharf column: the reference columns its ratios are taken against (those of the same
   * durability). Absent: every reference of the area.
   */
  against?: string[];
}

/** A run that did not produce a figure, with the reason (the tail of the tool's error). */
export interface Failure {
  failed: string;
}

export type Sample = number | Failure;

export function isFailure(s: Sample | undefined): s is Failure {
  return typeof s === 'object' && s !== null;
}

/** Load of the machine while one measurement ran (all its rows share it). */
export interface RowLoad {
  /** 1-minute load average at the start of each run of the measurement, and at its end. */
  load1: number[];
  /** Busy share of all cores during the measurement, every process on the machine, %. */
  busyPct: number;
  /** The part of busyPct used by this benchmark's own processes (itself, brokers, load tools), %. */
  oursPct: number;
  seconds: number;
}

export interface BenchRow {
  key: string;
  label: string;
  unit: string;
  higherIsBetter: boolean;
  /**
   * One entry per pair (or triple, with two Wharf columns): the sample of each column that ran
   * in it, keyed by column. The columns of one pair ran one after the other, reference first.
   */
  pairs: Record<string, Sample>[];
  /** Why a column cannot be measured at all (a feature it does not have), by column key. */
  notMeasurable?: Record<string, string>;
  /** Shown after the label, e.g. how the figure was taken. */
  note?: string;
  /** A shorter label for the chart and the generated findings (default: label). */
  short?: string;
  /** Key of a row of the same runs whose ratio this one repeats (MB/s beside records/s): left out of chart and findings. */
  repeats?: string;
  /** False: in the table but not in the chart (a row whose ratio repeats another's). */
  chart?: boolean;
  load?: RowLoad;
}

export interface BenchResult {
  area: 'storage' | 'nats' | 'kafka' | 'jetstream' | 'observed' | 'streams';
  title: string;
  columns: BenchColumn[];
  rows: BenchRow[];
  /** Pairs asked for per row (--pairs). */
  pairs: number;
  seconds: number;
  date: string;
  /** The exact commands a reader runs to reproduce (the tools the benchmark itself runs are in notes). */
  commands: string[];
  /** How the figures were taken (methods, tools, settings): facts, never conclusions. */
  notes: string[];
}

export function references(res: BenchResult): BenchColumn[] {
  return res.columns.filter((c) => c.role === 'reference');
}

export function wharfColumns(res: BenchResult): BenchColumn[] {
  return res.columns.filter((c) => c.role === 'wharf');
}
