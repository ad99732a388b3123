// The wall clock jumps forward and back (libfaketime, Debian's package, preloaded into the
// broker; its offset file is rewritten while the broker runs). Monotonic clocks are left alone,
// as NTP steps leave them. Go binaries read the clock through the vDSO and are not affected.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preload } from './shim.js';
import { nap, type Fault } from './fault.js';

/** Where Debian's libfaketime puts the library (scripts/peers/install-faults.sh installs it). */
const LIBFAKETIME_PATHS = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/faketime/libfaketime.so.1'];

/** How long libfaketime caches the offset file, and the shortest a jump is held (longer than the cache). */
export const CACHE_SECONDS = 1;
export const MIN_HOLD_MS = 2_000;

/** The library, or null when it is not installed (the fault is then skipped, with the reason). */
export function findLibfaketime(paths: readonly string[] = LIBFAKETIME_PATHS): string | null {
  return paths.find((p) => existsSync(p)) ?? null;
}

export function clockJumpFault(meanIntervalMs: number, jumpSeconds: number, libfaketime: string | null = findLibfaketime()): Fault {
  const file = join(mkdtempSync(join(tmpdir(), 'wharf-faketime-')), 'offset');
  let jumps = 0;
  return {
    name: 'clock-jump',
    unsupported: (kind) => {
      if (libfaketime === null) return `clock-jump skipped: libfaketime is not installed (looked for ${LIBFAKETIME_PATHS.join(', ')}; bash scripts/peers/install-faults.sh installs it)`;
      if (kind === 'nats-server') return 'nats-server (Go) reads the clock through the vDSO: libfaketime cannot move it';
      return undefined;
    },
    async prepare(tweaks) {
      writeFileSync(file, '+0\n');
      if (libfaketime === null) return; // unsupported() skips the round before it starts
      preload(tweaks.env, libfaketime);
      tweaks.env.FAKETIME_TIMESTAMP_FILE = file;
      // Re-read the offset file at most once a second, not on every clock call (with
      // FAKETIME_NO_CACHE each call opens and reads it: 33 us per currentTimeMillis in a JVM
      // instead of 0.75 us). A jump is held at least 2 s (run below), so the cache always sees it.
      tweaks.env.FAKETIME_CACHE_DURATION = String(CACHE_SECONDS);
      // libfaketime 0.9.10 turns on its "monotonic fix" by itself on this glibc, and with it a
      // timed wait on a CLOCK_MONOTONIC condition returns at once: every JVM thread that parks
      // with a timeout spins (Object.wait(100): 73,867 returns a second instead of 10), and
      // Kafka 4.4 under the fault did not open its port within 120 s (seed 19400). Node's
      // waits were not affected. Off, the waits are right and the wall clock still jumps.
      tweaks.env.FAKETIME_FORCE_MONOTONIC_FIX = '0';
      tweaks.env.FAKETIME_DONT_FAKE_MONOTONIC = '1';
    },
    async run(ctx) {
      const rng = ctx.rng.fork('clock');
      for (;;) {
        await nap(rng.int(meanIntervalMs / 2, (meanIntervalMs * 3) / 2), ctx.stopped);
        if (ctx.stopped()) return;
        const sign = rng.chance(0.5) ? '+' : '-';
        writeFileSync(file, `${sign}${jumpSeconds}\n`);
        jumps++;
        await nap(Math.max(MIN_HOLD_MS, rng.int(meanIntervalMs / 2, meanIntervalMs)), ctx.stopped);
        writeFileSync(file, '+0\n');
      }
    },
    async heal() {
      writeFileSync(file, '+0\n');
    },
    summary: () => `${jumps} jumps of ±${jumpSeconds} s`,
  };
}
