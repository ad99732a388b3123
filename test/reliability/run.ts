// The run: every chosen workload under every chosen fault against every chosen
// target for the given rounds (round i of a pair has seed S+i, printed, so `--seed` replays it),
// reporting each outcome as it comes (main.ts is the command around it).
import { faultsFor, TARGETS, WORKLOADS } from './catalog.js';
import type { RunOptions } from './options.js';
import type { Outcome } from './outcome.js';
import { runRound } from './round.js';

export async function runAll(o: RunOptions, onRound: (out: Outcome) => void = () => undefined): Promise<Outcome[]> {
  const faults = faultsFor(o.durationMs);
  const wl = o.workloads === 'all' ? Object.keys(WORKLOADS) : o.workloads;
  const fl = o.faults === 'all' ? Object.keys(faults) : o.faults;
  for (const w of wl) if (!WORKLOADS[w]) throw new Error(`unknown workload ${w} (${Object.keys(WORKLOADS).join(', ')})`);
  for (const f of fl) if (!faults[f]) throw new Error(`unknown fault ${f} (${Object.keys(faults).join(', ')})`);
  for (const t of o.against) if (!TARGETS[t]) throw new Error(`unknown target ${t} (${Object.keys(TARGETS).join(', ')})`);
  const outcomes: Outcome[] = [];
  for (const targetName of o.against) {
    for (const w of wl) {
      for (const f of fl) {
        for (let i = 0; i < o.rounds; i++) {
          const out = await runRound({ workload: WORKLOADS[w]!(), fault: faults[f]!(), targetName, makeTarget: TARGETS[targetName]!, seed: o.seed + i, durationMs: o.durationMs, verbose: o.verbose });
          outcomes.push(out);
          onRound(out);
          if (out.skipped) break;
        }
      }
    }
  }
  return outcomes;
}
