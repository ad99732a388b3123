// SIGSTOP/SIGCONT: the broker freezes longer than the clients' session and request timeouts and
// then resumes as if nothing happened; clients time out, retry, rejoin.
import { nap, type Fault } from './fault.js';

export function pauseFault(pauseMs: number): Fault {
  let pauses = 0;
  return {
    name: 'pause',
    unsupported: () => undefined,
    async run(ctx) {
      const rng = ctx.rng.fork('pause');
      for (;;) {
        await nap(rng.int(pauseMs / 2, pauseMs * 2), ctx.stopped);
        if (ctx.stopped()) return;
        ctx.target.signal('SIGSTOP');
        pauses++;
        await new Promise((r) => setTimeout(r, pauseMs));
        ctx.target.signal('SIGCONT');
      }
    },
    async heal(ctx) {
      ctx.target.signal('SIGCONT');
    },
    summary: () => `${pauses} pauses of ${pauseMs} ms`,
  };
}
