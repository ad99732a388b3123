// A slow disk: every fsync/fdatasync of the broker sleeps first (the LD_PRELOAD shim). Appends
// wait longer for their group commit; nothing acknowledged may be lost and clients must not
// see acknowledgements before the sync. Not applicable to Go binaries (no libc calls).
import { fsyncShim, preload } from './shim.js';
import type { Fault } from './fault.js';

export function slowFsyncFault(delayMs: number): Fault {
  return {
    name: 'slow-fsync',
    unsupported: (kind) => (kind === 'nats-server' ? 'nats-server (Go) calls fsync without libc: an LD_PRELOAD shim cannot slow it' : undefined),
    async prepare(tweaks) {
      preload(tweaks.env, fsyncShim());
      tweaks.env.WHARF_FSYNC_DELAY_MS = String(delayMs);
    },
    run: async () => undefined,
    heal: async () => undefined,
    summary: () => `every fsync delayed ${delayMs} ms`,
  };
}
