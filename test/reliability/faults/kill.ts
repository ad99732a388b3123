// kill -9 of the broker at random points of the workload, then a restart on the same data: what
// was acknowledged before the kill must be there after it.
import { ensureRunning, killHard, nap, type Fault } from './fault.js';

export function killFault(meanIntervalMs: number): Fault {
  let kills = 0;
  let recoveryMs = 0;
  return {
    name: 'kill-9',
    unsupported: () => undefined,
    async run(ctx) {
      const rng = ctx.rng.fork('kill');
      for (;;) {
        await nap(rng.int(meanIntervalMs / 3, (meanIntervalMs * 5) / 3), ctx.stopped);
        if (ctx.stopped()) return;
        await killHard(ctx.target);
        kills++;
        const t0 = Date.now();
        await ctx.target.start();
        recoveryMs = Math.max(recoveryMs, Date.now() - t0);
      }
    },
    heal: (ctx) => ensureRunning(ctx.target),
    summary: () => `${kills} kills, longest restart ${recoveryMs} ms`,
  };
}
