// The runner's options: `npm run reliability -- --rounds 5 --duration 20s --seed 7
// --workload kafka-queue,jetstream --fault kill-9 --against wharf,kafka`. `--short` is the
// form CI runs inside npm test; the default is the long form.
export interface RunOptions {
  rounds: number;
  durationMs: number;
  seed: number;
  workloads: string[] | 'all';
  faults: string[] | 'all';
  against: string[];
  short: boolean;
  /** Where the JSON results and the Markdown table go. */
  out: string | undefined;
  verbose: boolean;
}

function duration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text);
  if (!m) throw new Error(`not a duration: ${text} (use 500ms, 20s, 5m, 1h)`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : m[2] === 'h' ? n * 3_600_000 : n * 1000;
}

const list = (v: string): string[] | 'all' => (v === 'all' ? 'all' : v.split(',').map((s) => s.trim()).filter(Boolean));

export const USAGE = `Usage: npm run reliability -- [options]
  --rounds N          rounds per workload x fault (default 50 long, 1 short)
  --duration D        traffic window of a round: 500ms, 20s, 5m (default 30s long, 6s short)
  --seed S            seed of the first round (round i uses S+i; default: the time)
  --workload LIST     kafka-queue, kafka-txn, kafka-rpw, nats-core, jetstream, kv, cross-protocol, or all
  --fault LIST        none, kill-9, pause, disk-full, torn-tail, bit-flip, index, power-loss,
                      clock-jump, slow-fsync, or all
  --against LIST      wharf, kafka, nats-server (default wharf)
  --short             the CI form: one round of each pair, short windows
  --out FILE          write the results as JSON (and FILE.md, the table)
  --verbose           log every fault action`;

export function parseOptions(argv: string[]): RunOptions {
  const o: RunOptions = { rounds: 0, durationMs: 0, seed: Date.now() % 1_000_000, workloads: 'all', faults: 'all', against: ['wharf'], short: false, out: undefined, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--rounds') o.rounds = Number(val());
    else if (a === '--duration') o.durationMs = duration(val());
    else if (a === '--seed') o.seed = Number(val());
    else if (a === '--workload') o.workloads = list(val());
    else if (a === '--fault') o.faults = list(val());
    else if (a === '--against') o.against = val().split(',');
    else if (a === '--short') o.short = true;
    else if (a === '--out') o.out = val();
    else if (a === '--verbose') o.verbose = true;
    else if (a === '--help' || a === '-h') throw new Error(USAGE);
    else throw new Error(`unknown option ${a}\n${USAGE}`);
  }
  if (!Number.isInteger(o.rounds) || o.rounds < 0) throw new Error('--rounds takes a whole number');
  if (o.rounds === 0) o.rounds = o.short ? 1 : 50;
  if (o.durationMs === 0) o.durationMs = o.short ? 6_000 : 30_000;
  return o;
}
