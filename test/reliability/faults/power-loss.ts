// A power loss: the broker is killed and every file of its data directory is cut back to the
// size it had at its last successful fsync (recorded by the LD_PRELOAD shim); files never synced
// are emptied. What the page cache held but the disk did not is gone, as after a real power cut.
// Limits, said plainly: data overwritten in place after a sync is not rolled back (the engine
// appends), directory entries are taken as durable once created, and so are the files that
// exist when the fault window opens.
import { existsSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fsyncShim, preload } from './shim.js';
import { ensureRunning, killHard, nap, type Fault } from './fault.js';

function walk(dir: string, out: string[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile()) out.push(p);
  }
}

/** Durable size by path, from the shim's log (a rename carries the size to the new name). */
function durableSizes(logFile: string): Map<string, number> {
  const sizes = new Map<string, number>();
  let text = '';
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return sizes;
  }
  for (const line of text.split('\n')) {
    const f = line.split('\t');
    if (f[0] === 'rename' && f.length === 3) {
      const s = sizes.get(f[1]!);
      sizes.delete(f[1]!);
      if (s !== undefined) sizes.set(f[2]!, s);
      else sizes.delete(f[2]!);
    } else if (f.length === 2 && /^\d+$/.test(f[0]!)) {
      sizes.set(f[1]!, Number(f[0]));
    }
  }
  return sizes;
}

export function powerLossFault(meanIntervalMs: number): Fault {
  const logFile = join(mkdtempSync(join(tmpdir(), 'wharf-fsync-log-')), 'fsync.log');
  let cuts = 0;
  let bytesDropped = 0;
  let filesEmptied = 0;
  return {
    name: 'power-loss',
    unsupported: (kind) => (kind === 'nats-server' ? 'nats-server (Go) calls fsync without libc: the shim cannot see what it synced' : undefined),
    async prepare(tweaks) {
      preload(tweaks.env, fsyncShim());
      tweaks.env.WHARF_FSYNC_LOG = logFile;
    },
    async run(ctx) {
      const rng = ctx.rng.fork('power');
      // Files written before the fault window (a formatted Kafka log directory, the workload's
      // topics) are taken as durable: the shim sees only the broker's own syncs.
      const existing: string[] = [];
      walk(ctx.target.dataDir, existing);
      writeFileSync(logFile, existing.map((f) => `${statSync(f).size}\t${resolve(f)}\n`).join('') + (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''));
      for (;;) {
        await nap(rng.int(meanIntervalMs / 2, (meanIntervalMs * 3) / 2), ctx.stopped);
        if (ctx.stopped()) return;
        await killHard(ctx.target);
        const sizes = durableSizes(logFile);
        const files: string[] = [];
        walk(ctx.target.dataDir, files);
        for (const f of files) {
          const size = statSync(f).size;
          const durable = sizes.get(resolve(f)) ?? 0;
          if (durable < size) {
            truncateSync(f, durable);
            bytesDropped += size - durable;
            if (durable === 0) filesEmptied++;
          }
        }
        cuts++;
        // What survived the cut is on disk now: it is the durable state the next cut starts from.
        writeFileSync(logFile, files.map((f) => `${statSync(f).size}\t${resolve(f)}\n`).join(''));
        await ctx.target.start();
      }
    },
    heal: (ctx) => ensureRunning(ctx.target),
    summary: () => `${cuts} power cuts, ${bytesDropped} unsynced bytes dropped, ${filesEmptied} files emptied`,
  };
}
