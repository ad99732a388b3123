// Baselines of bench/storage.ts's group-commit rows, run as a child process so that they get
// threads of their own (UV_THREADPOOL_SIZE is set by the parent to at least --writers):
//   --mode loops  W writers, each with its own file and its own write()+fdatasync() loop, all
//                 at once: what W independent appenders get from the disk without group commit.
//   --mode batch  one file, one write() of W records then one fdatasync(), repeated: the best a
//                 group commit of W writers could do (what `dd bs=W×B oflag=dsync` does).
// Prints `RESULT {"records":N,"seconds":S}`: records made durable and the time they took.
//
//   node dist/bench/fsync-loops.js --mode loops|batch --dir DIR --writers W --seconds S --bytes B
import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { positiveInt, positiveNumber } from './args.js';

const { values } = parseArgs({
  options: { mode: { type: 'string' }, dir: { type: 'string' }, writers: { type: 'string' }, seconds: { type: 'string' }, bytes: { type: 'string' } },
  strict: true,
});
const mode = values.mode;
if (mode !== 'loops' && mode !== 'batch') throw new Error('--mode loops|batch');
if (!values.dir) throw new Error('--dir DIR');
const dir = values.dir;
const writers = positiveInt('writers', values.writers ?? '1');
const seconds = positiveNumber('seconds', values.seconds ?? '3');
const bytes = positiveInt('bytes', values.bytes ?? '100');

async function loops(): Promise<{ records: number; seconds: number }> {
  const record = Buffer.alloc(bytes, 7);
  const files = Array.from({ length: writers }, (_, i) => join(dir, `loop-${i}.bin`));
  const handles = await Promise.all(files.map((f) => open(f, 'w')));
  let records = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  let last = t0;
  await Promise.all(
    handles.map(async (h) => {
      while (performance.now() < end) {
        await h.write(record);
        await h.datasync();
        records++;
        last = performance.now();
      }
    }),
  );
  await Promise.all(handles.map((h) => h.close()));
  for (const f of files) rmSync(f, { force: true });
  return { records, seconds: (last - t0) / 1000 };
}

function batch(): { records: number; seconds: number } {
  const group = Buffer.alloc(bytes * writers, 7);
  const file = join(dir, 'batch.bin');
  const fd = openSync(file, 'w');
  let records = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  let now = t0;
  while (now < end) {
    writeSync(fd, group);
    fdatasyncSync(fd);
    records += writers;
    now = performance.now();
  }
  closeSync(fd);
  rmSync(file, { force: true });
  return { records, seconds: (now - t0) / 1000 };
}

const r = mode === 'loops' ? await loops() : batch();
console.log(`RESULT ${JSON.stringify(r)}`);
