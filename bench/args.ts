// Command-line flags shared by the benchmarks: --pairs N (how many reference/Wharf pairs each
// row runs), --order fixed|alternate (reference first in every pair, or in every other one),
// --rows KEY,... (a subset of the rows), --quick (small counts for a smoke test), --help, and
// each bench's own string flags, through node:util's parseArgs as the broker's CLI does.
import { parseArgs } from 'node:util';

export type Order = 'fixed' | 'alternate';

export interface BenchArgs {
  pairs: number;
  quick: boolean;
  /** fixed: reference first in every pair; alternate: reversed in every second pair. */
  order: Order;
  /** --rows: run only the measurements that fill one of these row keys. */
  rows?: string[];
  /** The bench's own flags, by name, when given. */
  values: Record<string, string | undefined>;
}

/** Pairs per row when --pairs is not given: 5, or 1 with --quick. */
export const DEFAULT_PAIRS = 5;

export function benchArgs(argv: string[], own: readonly string[], usage: string): BenchArgs {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    pairs: { type: 'string' },
    quick: { type: 'boolean' },
    order: { type: 'string' },
    rows: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  };
  for (const name of own) options[name] = { type: 'string' };
  const { values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const strings: Record<string, string | undefined> = {};
  for (const name of own) {
    const v = values[name];
    strings[name] = typeof v === 'string' ? v : undefined;
  }
  const quick = values.quick === true;
  const pairs = typeof values.pairs === 'string' ? positiveInt('pairs', values.pairs) : quick ? 1 : DEFAULT_PAIRS;
  const order = values.order ?? 'fixed';
  if (order !== 'fixed' && order !== 'alternate') throw new Error('--order fixed|alternate');
  const rows = typeof values.rows === 'string' ? values.rows.split(',') : undefined;
  return { pairs, quick, order, rows, values: strings };
}

/** A flag's value as a positive integer, or an error naming the flag. */
export function positiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: expected a positive integer, got ${v}`);
  return n;
}

/** A flag's value as a positive number, or an error naming the flag. */
export function positiveNumber(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name}: expected a positive number, got ${v}`);
  return n;
}

/** The driver flags that differ from their defaults, as a reader would pass them again. */
export function driverFlags(o: { order: Order; rows?: string[] }): string {
  return `${o.order !== 'fixed' ? ` --order ${o.order}` : ''}${o.rows ? ` --rows ${o.rows.join(',')}` : ''}`;
}
