// The interleaving driver: a measurement runs as N pairs, reference then Wharf (then the other
// Wharf columns), back to back, so that each pair sees the same machine and load and each pair
// gives one ratio (--order alternate reverses every second pair, to cancel an order effect). A run that throws is recorded as a failure of every row it feeds; a side that
// lacks a feature is recorded as not measurable once. The machine's load is recorded per
// measurement (bench/load.ts).
import * as load from './load.js';
import type { BenchRow, Sample } from './report.js';

/** A row a measurement fills. */
export interface RowDef {
  key: string;
  label: string;
  unit: string;
  higherIsBetter: boolean;
  note?: string;
  /** A shorter label for the chart and the findings. */
  short?: string;
  /** False keeps the row out of the chart. */
  chart?: boolean;
  /** Key of the row (of the same runs) whose ratio this one repeats. */
  repeats?: string;
}

/** Thrown by a side that cannot run this measurement at all (a missing feature). */
export class NotMeasurable extends Error {}

export interface Side {
  /** Column key. */
  column: string;
  /** One run: the figure of each row (by row key). `pair` counts from 0. */
  run(pair: number): Promise<Record<string, number>>;
}

export interface Measurement {
  rows: RowDef[];
  /** In the order they run within a pair: references first. */
  sides: Side[];
}

export interface DriverOptions {
  pairs: number;
  /** fixed (default): the sides' order in every pair; alternate: reversed in every second pair. */
  order?: 'fixed' | 'alternate';
  /** Progress lines (stderr). */
  log: (line: string) => void;
}

function short(msg: string, n = 300): string {
  const one = msg.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

/** The measurements that fill one of `keys` (all of them without keys). */
export function selected(ms: Measurement[], keys: readonly string[] | undefined): Measurement[] {
  return keys ? ms.filter((m) => m.rows.some((r) => keys.includes(r.key))) : ms;
}

/** Runs a measurement as `pairs` interleaved pairs and returns its rows. */
export async function measure(m: Measurement, o: DriverOptions): Promise<BenchRow[]> {
  const rows: BenchRow[] = m.rows.map((r) => ({ ...r, pairs: [] }));
  const unmeasurable = new Map<string, string>();
  const first = m.rows[0]!.key;
  load.begin();
  try {
    for (let i = 0; i < o.pairs; i++) {
      const pair: Record<string, Sample>[] = rows.map(() => ({}));
      const sides = o.order === 'alternate' && i % 2 === 1 ? [...m.sides].reverse() : m.sides;
      for (const side of sides) {
        if (unmeasurable.has(side.column)) continue;
        load.mark();
        try {
          const vals = await side.run(i);
          m.rows.forEach((r, k) => {
            const v = vals[r.key];
            pair[k]![side.column] = v === undefined || !Number.isFinite(v) ? { failed: `no figure for ${r.key}` } : v;
          });
          o.log(`[${first} ${i + 1}/${o.pairs}] ${side.column}: ${m.rows.map((r) => `${r.key}=${fmt(vals[r.key])}`).join(' ')}`);
        } catch (e) {
          const msg = short((e as Error).message);
          if (e instanceof NotMeasurable) {
            unmeasurable.set(side.column, msg);
            o.log(`[${first}] ${side.column}: not measurable: ${msg}`);
            continue;
          }
          for (const p of pair) p[side.column] = { failed: msg };
          o.log(`[${first} ${i + 1}/${o.pairs}] ${side.column}: FAILED: ${msg}`);
        }
      }
      rows.forEach((r, k) => r.pairs.push(pair[k]!));
    }
  } finally {
    const l = load.end();
    for (const r of rows) {
      r.load = l;
      if (unmeasurable.size) r.notMeasurable = Object.fromEntries(unmeasurable);
    }
  }
  return rows;
}

function fmt(v: number | undefined): string {
  if (v === undefined) return '-';
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2);
}
