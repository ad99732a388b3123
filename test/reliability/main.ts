// `npm run reliability`: parses the options, runs the rounds, prints the table, writes the
// results (--out), and exits 1 when any round violated a property.
import { writeFileSync } from 'node:fs';
import { parseOptions, type RunOptions } from './options.js';
import type { Outcome } from './outcome.js';
import { markdownTable, summarize } from './report.js';
import { runAll } from './run.js';

function describe(out: Outcome): string {
  if (out.skipped) return `n/a (${out.skipped})`;
  const status = out.violations.length ? 'FAIL' : 'ok';
  return `${status} acked ${out.acknowledged}/${out.attempted} lost ${out.lost} dup ${out.duplicated} unexpected ${out.unexpected} (${(out.durationMs / 1000).toFixed(1)} s)${out.violations.map((v) => `\n    violation: ${v}`).join('')}`;
}

// A stopped run still kills its brokers and unmounts its tmpfs: the 'exit' handlers do that.
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));

async function main(): Promise<void> {
  let o: RunOptions;
  try {
    o = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  process.stderr.write(`[reliability] seed ${o.seed}, ${o.rounds} rounds of ${o.durationMs} ms against ${o.against.join(', ')}\n`);
  const soFar: Outcome[] = [];
  const outcomes = await runAll(o, (out) => {
    process.stderr.write(`[reliability] ${out.workload} / ${out.fault} / ${out.target} seed ${out.seed}: ${describe(out)}\n`);
    // Written after every round, so a run stopped early still leaves its results.
    soFar.push(out);
    if (o.out) writeFileSync(o.out, JSON.stringify(soFar, null, 2));
  });
  const table = markdownTable(summarize(outcomes));
  process.stdout.write(`${table}\n`);
  if (o.out) {
    writeFileSync(o.out, JSON.stringify(outcomes, null, 2));
    writeFileSync(`${o.out}.md`, `${table}\n`);
  }
  const failed = outcomes.filter((x) => x.violations.length > 0);
  process.stderr.write(`[reliability] ${outcomes.length - failed.length} passed, ${failed.length} failed\n`);
  process.exit(failed.length ? 1 : 0);
}

await main();
