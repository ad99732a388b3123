// The disk fills up: the data directory lives on a small tmpfs of its own (mounting one needs
// root, which the harness has here; without it the fault says it cannot run), and at random
// points a ballast file takes every free byte, stays a while, and is removed. Appends must fail
// with an error (never be acknowledged), reads go on, nothing acknowledged before is lost, and
// appends succeed again once space returns.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nap, type Fault } from './fault.js';

export function diskFullFault(sizeMb: number, holdMs: number): Fault {
  let mountPoint: string | undefined;
  let fills = 0;
  let ballastBytes = 0;
  let exited = false;
  const ballast = () => join(mountPoint!, 'ballast');
  const unmountNow = () => {
    if (!mountPoint) return;
    try {
      execFileSync('umount', ['-l', mountPoint], { stdio: 'pipe' });
    } catch {
      /* already unmounted */
    }
    rmSync(mountPoint, { recursive: true, force: true });
    mountPoint = undefined;
  };
  const removeBallast = () => {
    try {
      unlinkSync(ballast());
    } catch {
      /* not there */
    }
  };
  return {
    name: 'disk-full',
    unsupported: () => {
      if (process.getuid?.() !== 0) return 'mounting a size-limited tmpfs needs root';
      return undefined;
    },
    async prepare(tweaks) {
      mountPoint = mkdtempSync(join(tmpdir(), 'wharf-tmpfs-'));
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', mountPoint], { stdio: 'pipe' });
      process.once('exit', unmountNow);
      tweaks.dataParent = mountPoint;
    },
    async run(ctx) {
      const rng = ctx.rng.fork('disk');
      const chunk = Buffer.alloc(1 << 20, 0x5a);
      for (;;) {
        await nap(rng.int(holdMs / 2, holdMs * 2), ctx.stopped);
        if (ctx.stopped()) return;
        const fd = openSync(ballast(), 'w');
        try {
          for (let size = chunk.length; size > 0; ) {
            try {
              ballastBytes += writeSync(fd, chunk, 0, size);
            } catch {
              size >>= 1; // ENOSPC: fill the last bytes with smaller writes
            }
          }
        } finally {
          closeSync(fd);
        }
        fills++;
        await nap(holdMs, () => false);
        removeBallast();
      }
    },
    async heal(ctx) {
      removeBallast();
      // Kafka stops when its only log directory fails; a broker that did is restarted now that
      // there is space again, so that what it had acknowledged can still be checked.
      if (!ctx.target.running()) {
        exited = true;
        await ctx.target.start();
      }
    },
    brokerExited: () => exited,
    async cleanup() {
      process.removeListener('exit', unmountNow);
      unmountNow();
    },
    summary: () => `${exited ? 'the broker exited while the disk was full (restarted once space returned); ' : ''}${fills} fills of a ${sizeMb} MB tmpfs (${(ballastBytes / 1048576).toFixed(0)} MB ballast in all), each held ${holdMs} ms`,
  };
}
