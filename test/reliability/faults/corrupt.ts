// Damage on disk while the broker is down: a torn segment tail (the last bytes of a partition's
// newest segment cut off), a bit flipped near a segment's tail, or a damaged index file. The
// broker is killed, one file of a random partition of the workload's topics is changed, and the
// broker restarts. Recovery must truncate or take the partition offline, never serve corrupt
// records. A torn tail or a flipped bit here destroys bytes that were acknowledged (fsync=always
// syncs everything), so losses are allowed; an index is derived data and costs nothing.
import { openSync, readFileSync, readSync, readdirSync, statSync, truncateSync, writeSync, closeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { TargetKind } from '../targets/target.js';
import { ensureRunning, killHard, nap, type Fault } from './fault.js';

export type Damage = 'torn-tail' | 'bit-flip' | 'index';

function walk(dir: string, out: string[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile()) out.push(p);
  }
}

const INTERNAL = /__consumer_offsets|__transaction_state|__share_group_state|__cluster_metadata|__jetstream|\$SYS|__wharf/;

/**
 * Whether a file belongs to an internal topic. Kafka and nats-server name their directories
 * after the topic or stream; Wharf names a topic's directory by its id
 * (`<dataDir>/topics/<topicId>/`), so its name is read from that directory's topic.json.
 */
function isInternal(file: string, names: Map<string, string>): boolean {
  if (INTERNAL.test(file)) return true;
  const m = /^(.*[\\/]topics[\\/][^\\/]+)[\\/]/.exec(file);
  if (m === null) return false;
  const dir = m[1]!;
  let name = names.get(dir);
  if (name === undefined) {
    try {
      name = String((JSON.parse(readFileSync(join(dir, 'topic.json'), 'utf8')) as { name?: unknown }).name ?? '');
    } catch {
      name = '';
    }
    names.set(dir, name);
  }
  return INTERNAL.test(name);
}

/** Segment files (`.log`, nats-server's `.blk`) and index files of the workload's topics in the data directory. */
export function candidates(dataDir: string, damage: Damage, kind: TargetKind): string[] {
  const files: string[] = [];
  walk(dataDir, files);
  const names = new Map<string, string>();
  const internal = (p: string) => isInternal(p, names);
  const user = files.filter((f) => !internal(f) && statSync(f).size > 0);
  if (damage === 'index') {
    return user.filter((f) => (kind === 'nats-server' ? basename(f) === 'index.db' || f.endsWith('.idx') : f.endsWith('.index')));
  }
  const segs = user.filter((f) => (kind === 'nats-server' ? f.endsWith('.blk') : f.endsWith('.log')));
  // The newest segment of each partition directory: the tail.
  const newest = new Map<string, string>();
  for (const f of segs.sort()) newest.set(dirname(f), f);
  return [...newest.values()];
}

export function corruptFault(damage: Damage, meanIntervalMs: number): Fault {
  let changed = 0;
  let missed = 0;
  let bytes = 0;
  return {
    name: damage,
    destroysData: damage !== 'index',
    unsupported: () => undefined,
    async run(ctx) {
      const rng = ctx.rng.fork(damage);
      for (;;) {
        await nap(rng.int(meanIntervalMs / 2, (meanIntervalMs * 3) / 2), ctx.stopped);
        if (ctx.stopped()) return;
        await killHard(ctx.target);
        const files = candidates(ctx.target.dataDir, damage, ctx.target.kind);
        if (files.length === 0) {
          missed++;
        } else {
          const file = rng.pick(files);
          const size = statSync(file).size;
          if (damage === 'torn-tail') {
            const cut = rng.int(1, Math.min(size, 4096));
            truncateSync(file, size - cut);
            bytes += cut;
          } else {
            const window = damage === 'index' ? size : Math.min(size, 4096);
            const at = size - 1 - rng.int(0, window - 1);
            const fd = openSync(file, 'r+');
            const b = Buffer.alloc(1);
            readSync(fd, b, 0, 1, at);
            b[0] = b[0]! ^ (1 << rng.int(0, 7));
            writeSync(fd, b, 0, 1, at);
            closeSync(fd);
            bytes++;
          }
          changed++;
          ctx.log(`${damage}: ${file}`);
        }
        await ctx.target.start();
      }
    },
    heal: (ctx) => ensureRunning(ctx.target),
    summary: () => `${changed} files damaged (${bytes} bytes)${missed ? `, ${missed} times no file to damage` : ''}`,
  };
}
