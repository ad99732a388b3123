// Command-line flags shared by the benchmarks: --runs N, --quick, --help, and each bench's own
// string flags, through node:util's parseArgs as the broker's CLI does.
import { parseArgs } from 'node:util';

export interface BenchArgs {
  runs: number;
  quick: boolean;
  /** The bench's own flags, by name, when given. */
  values: Record<string, string | undefined>;
}

export function benchArgs(argv: string[], own: readonly string[], usage: string): BenchArgs {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    runs: { type: 'string' },
    quick: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  };
  for (const name of own) options[name] = { type: 'string' };
  const { values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const strings: Record<string, string | undefined> = {};
  for (const name of own) strings[name] = values[name] as string | undefined;
  return { runs: values.runs === undefined ? 3 : Math.max(1, Number(values.runs)), quick: values.quick === true, values: strings };
}
