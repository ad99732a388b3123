// Storage benchmark: Wharf's log (in-process, local engine) against the disk itself, on one
// directory (a temp dir by default), each row as N interleaved pairs (bench/pairs.ts):
//  - sequential append of 1 MB batches, fsync at the end, against `dd bs=1M conv=fdatasync`;
//  - 1 MB batches with fsync=always (no baseline);
//  - appends/s with fsync on every append (group commit) for 1, 16 and 64 concurrent writers,
//    against as many writers each with its own write()+fdatasync() loop, and against the
//    dd-style best case (one write of W records, one fdatasync) (bench/fsync-loops.ts);
//  - catch-up reads from the files and from the hot tail, recovery after a clean stop and after
//    a crash (no baseline).
// Prints the table; with --json FILE also writes the figures (bench/report.ts) for bench/all.ts.
//
//   npm run bench:storage -- --pairs 5 --gb 1 --fsync-seconds 3 [--dir DIR] [--json FILE]
//   node dist/bench/storage.js --quick
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { openLog, type Log } from '../src/core/log/log-manager.js';
import { createStorageEngine } from '../src/storage/index.js';
import { buildRecordBatch } from '../src/core/records/batch.js';
import { benchArgs, driverFlags, positiveNumber, type Order } from './args.js';
import { measure, selected, type Measurement } from './pairs.js';
import { run } from './procs.js';
import type { BenchColumn, BenchResult, BenchRow } from './report.js';
import { allPairs, markdownTable } from './table.js';

const logger = pino({ level: 'silent' });
const MB = 1024 * 1024;
const now = () => performance.now();

interface Options {
  pairs: number;
  quick: boolean;
  order: Order;
  rows?: string[];
  dir: string;
  gb: number;
  fsyncSeconds: number;
  json?: string;
}

function options(argv: string[]): Options {
  const a = benchArgs(argv, ['dir', 'gb', 'fsync-seconds', 'json'], 'usage: node dist/bench/storage.js [--pairs N] [--order fixed|alternate] [--rows KEY,...] [--quick] [--gb N] [--fsync-seconds S] [--dir DIR] [--json FILE]');
  const gb = a.values.gb === undefined ? (a.quick ? 0.25 : 1) : positiveNumber('gb', a.values.gb);
  const fsyncSeconds = a.values['fsync-seconds'] === undefined ? (a.quick ? 1 : 3) : positiveNumber('fsync-seconds', a.values['fsync-seconds']);
  return { pairs: a.pairs, quick: a.quick, order: a.order, rows: a.rows, dir: a.values.dir ?? process.env.WHARF_BENCH_DIR ?? tmpdir(), gb, fsyncSeconds, json: a.values.json };
}

// ---------------------------------------------------------------------------------------------
// Wharf's side: the log in this process, as the broker opens it.

async function open(dir: string, fsync: 'always' | 'never', hotTailBytes = 1 * MB): Promise<Log> {
  return openLog({ engine: await createStorageEngine({ kind: 'local', dataDir: dir, logger }), fsync, fsyncInterval: 1000, logger, maintenanceIntervalMs: 0, hotTailBytes });
}

/** Appends `mb` batches of 1 MB with 4 in flight (as a producer pipelines), then one checkpoint: MB/s. */
async function sequentialAppend(dir: string, fsync: 'always' | 'never', mb: number): Promise<number> {
  const log = await open(dir, fsync);
  await log.createTopic('seq', { configs: { 'max.message.bytes': String(2 * MB) } });
  const p = log.partition('seq', 0);
  const value = Buffer.alloc(MB - 200);
  for (let i = 0; i < value.length; i += 4096) value[i] = i & 0xff; // not all zeros
  const template = buildRecordBatch({ records: [{ key: 'k', value }] });
  let next = 0;
  const t0 = now();
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < mb) {
        next++;
        // A fresh buffer per append, as a front-end hands over each request's bytes.
        await p.append(Buffer.from(template));
      }
    }),
  );
  await log.checkpoint();
  const secs = (now() - t0) / 1000;
  await log.close();
  return mb / secs;
}

/** One 100 B record per batch, the batch the group-commit rows append (and the baselines write). */
function smallBatch(): Buffer {
  return buildRecordBatch({ records: [{ key: 'key', value: Buffer.alloc(100, 7) }] });
}

/** `writers` concurrent appenders on one partition with fsync=always for `seconds`: appends/s. */
async function concurrentFsync(dir: string, writers: number, seconds: number): Promise<number> {
  const log = await open(dir, 'always');
  const topic = `w${writers}`;
  await log.createTopic(topic);
  const p = log.partition(topic, 0);
  const template = smallBatch();
  let count = 0;
  const t0 = now();
  const end = t0 + seconds * 1000;
  let last = t0;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (now() < end) {
        await p.append(Buffer.from(template));
        count++;
        last = now();
      }
    }),
  );
  await log.close();
  return count / ((last - t0) / 1000);
}

async function catchUpFromFiles(dir: string): Promise<number> {
  const log = await open(dir, 'never', 0);
  const p = log.partition('seq', 0);
  let offset = p.logStartOffset;
  let bytes = 0;
  const t0 = now();
  while (offset < p.highWatermark) {
    const r = await p.read(offset, MB); // a typical per-partition fetch size
    bytes += r.bytes;
    offset = r.nextOffset;
  }
  const secs = (now() - t0) / 1000;
  await log.close();
  return bytes / MB / secs;
}

async function catchUpFromTail(dir: string): Promise<number> {
  rmSync(dir, { recursive: true, force: true });
  const log = await open(dir, 'never', 64 * MB);
  await log.createTopic('tail');
  const p = log.partition('tail', 0);
  const template = buildRecordBatch({ records: Array.from({ length: 16 }, () => ({ value: Buffer.alloc(4000, 3) })) });
  while (p.sizeBytes < 60 * MB) await p.append(Buffer.from(template));
  const hw = p.highWatermark;
  let bytes = 0;
  const t0 = now();
  for (let pass = 0; pass < 20; pass++) {
    let offset = 0;
    while (offset < hw) {
      const r = await p.read(offset, MB);
      bytes += r.bytes;
      offset = r.nextOffset;
    }
  }
  const secs = (now() - t0) / 1000;
  await log.close();
  rmSync(dir, { recursive: true, force: true });
  return bytes / MB / secs;
}

/** Opening time of the log in `dir`, ms; `crash` first removes what a SIGKILL leaves unwritten. */
async function recovery(dir: string, crash: boolean): Promise<number> {
  if (crash) {
    // What a SIGKILL leaves: the active segment has no index covering its data.
    for (const t of readdirSync(join(dir, 'topics'))) {
      const tdir = join(dir, 'topics', t);
      for (const part of readdirSync(tdir).filter((n) => /^\d+$/.test(n))) {
        const pdir = join(tdir, part);
        const logs = readdirSync(pdir).filter((n) => n.endsWith('.log')).sort();
        const last = logs[logs.length - 1];
        if (last) rmSync(join(pdir, last.replace(/\.log$/, '.index')), { force: true });
      }
    }
  }
  const t0 = now();
  const log = await open(dir, 'never');
  const ms = now() - t0;
  await log.close();
  return ms;
}

// ---------------------------------------------------------------------------------------------
// The baselines: dd, and bench/fsync-loops.ts in a child process.

async function dd(dir: string, mb: number): Promise<number> {
  const file = join(dir, 'dd.bin');
  const t0 = now();
  await run('dd', ['if=/dev/zero', `of=${file}`, 'bs=1M', `count=${mb}`, 'conv=fdatasync'], 'dd', 600_000);
  const secs = (now() - t0) / 1000;
  rmSync(file, { force: true });
  return mb / secs;
}

async function fsyncBaseline(dir: string, mode: 'loops' | 'batch', writers: number, seconds: number, bytes: number): Promise<number> {
  const script = join(fileURLToPath(new URL('.', import.meta.url)), 'fsync-loops.js');
  const env = { ...process.env, UV_THREADPOOL_SIZE: String(Math.max(4, writers + 2)) };
  const out = await run(process.execPath, [script, '--mode', mode, '--dir', dir, '--writers', String(writers), '--seconds', String(seconds), '--bytes', String(bytes)], `fsync-loops --mode ${mode}`, seconds * 1000 + 60_000, { env });
  const m = /^RESULT (\{.*\})$/m.exec(out);
  if (!m) throw new Error(`fsync-loops: no RESULT line: ${out.slice(-300)}`);
  const r = JSON.parse(m[1]!) as { records: number; seconds: number };
  return r.records / r.seconds;
}

// ---------------------------------------------------------------------------------------------

const COLUMNS: BenchColumn[] = [
  { key: 'loops', label: 'fsync loops', role: 'reference', settings: 'one write()+fdatasync() loop per writer, each on its own file, all at once' },
  { key: 'best', label: 'best case (dd)', role: 'reference', settings: 'dd bs=1M conv=fdatasync; for W writers: one write() of W records then one fdatasync(), repeated' },
  { key: 'wharf', label: 'Wharf log', role: 'wharf', settings: 'in-process log, local engine; the fsync policy each row names' },
];

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const base = mkdtempSync(join(o.dir, 'wharf-bench-'));
  const totalMB = Math.round(o.gb * 1024);
  const t0 = now();
  const log = (l: string) => process.stderr.write(`${l}\n`);
  const gbLabel = (o.gb >= 1 ? o.gb.toFixed(1) : o.gb.toFixed(2)) + ' GB';
  process.stderr.write(`benchmark directory ${base}, log of ${totalMB} MB, ${o.pairs} pair(s) per row\n`);
  const rows: BenchRow[] = [];
  const logDir = join(base, 'log');
  const batchBytes = smallBatch().length;
  try {
    const ms: Measurement[] = [
      {
        rows: [{ key: 'seq', label: `append ${totalMB} MB in 1 MB batches, fsync=never and one checkpoint at the end (best case: dd bs=1M count=${totalMB} conv=fdatasync)`, unit: 'MB/s', higherIsBetter: true, short: `append ${totalMB} MB in 1 MB batches, fsync=never, one checkpoint` }],
        sides: [
          { column: 'best', run: async () => ({ seq: await dd(base, totalMB) }) },
          {
            column: 'wharf',
            run: async () => {
              // Each pair writes a fresh log; the last one stays for the read and recovery rows.
              rmSync(logDir, { recursive: true, force: true });
              return { seq: await sequentialAppend(logDir, 'never', totalMB) };
            },
          },
        ],
      },
      {
        rows: [{ key: 'seqAlways', label: `append ${Math.min(256, totalMB)} MB in 1 MB batches, fsync=always, 4 in flight (no baseline)`, unit: 'MB/s', higherIsBetter: true }],
        sides: [
          {
            column: 'wharf',
            run: async () => {
              const dir = join(base, 'always');
              rmSync(dir, { recursive: true, force: true });
              const v = await sequentialAppend(dir, 'always', Math.min(256, totalMB));
              rmSync(dir, { recursive: true, force: true });
              return { seqAlways: v };
            },
          },
        ],
      },
      ...[1, 16, 64].map(
        (w): Measurement => ({
          rows: [
            {
              key: `fsync${w}`,
              label: `fsync=always, ${w} concurrent writer${w > 1 ? 's' : ''}, 100 B records, ${o.fsyncSeconds} s (loops: ${w} write()+fdatasync() loop${w > 1 ? 's' : ''}; best case: ${w} record${w > 1 ? 's' : ''} per fdatasync())`,
              unit: 'records/s durable',
              higherIsBetter: true,
              short: `fsync=always, ${w} concurrent writer${w > 1 ? 's' : ''}, 100 B records`,
            },
          ],
          sides: [
            { column: 'loops', run: async () => ({ [`fsync${w}`]: await fsyncBaseline(base, 'loops', w, o.fsyncSeconds, batchBytes) }) },
            { column: 'best', run: async () => ({ [`fsync${w}`]: await fsyncBaseline(base, 'batch', w, o.fsyncSeconds, batchBytes) }) },
            {
              column: 'wharf',
              run: async () => {
                const dir = join(base, 'fsync');
                rmSync(dir, { recursive: true, force: true });
                const v = await concurrentFsync(dir, w, o.fsyncSeconds);
                rmSync(dir, { recursive: true, force: true });
                return { [`fsync${w}`]: v };
              },
            },
          ],
        }),
      ),
      {
        rows: [{ key: 'readFiles', label: `catch-up read of the ${gbLabel} log from its files, 1 MB fetches, CRC checked, page cache warm (no baseline)`, unit: 'MB/s', higherIsBetter: true }],
        sides: [{ column: 'wharf', run: async () => ({ readFiles: await catchUpFromFiles(needLog(logDir)) }) }],
      },
      {
        rows: [{ key: 'readTail', label: 'catch-up read from the hot tail (60 MB of 64 KB batches, 20 passes), 1 MB fetches (no baseline)', unit: 'MB/s', higherIsBetter: true }],
        sides: [{ column: 'wharf', run: async () => ({ readTail: await catchUpFromTail(join(base, 'tail')) }) }],
      },
      {
        rows: [{ key: 'recoverClean', label: `recovery of the ${gbLabel} log after a clean stop, indexes trusted (no baseline)`, unit: 'ms', higherIsBetter: false }],
        sides: [{ column: 'wharf', run: async () => ({ recoverClean: await recovery(needLog(logDir), false) }) }],
      },
      {
        rows: [{ key: 'recoverCrash', label: `recovery of the ${gbLabel} log after a crash, active segment rescanned with CRC (no baseline)`, unit: 'ms', higherIsBetter: false }],
        sides: [{ column: 'wharf', run: async () => ({ recoverCrash: await recovery(needLog(logDir), true) }) }],
      },
    ];
    for (const m of selected(ms, o.rows)) rows.push(...(await measure(m, { pairs: o.pairs, order: o.order, log })));
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
  const result: BenchResult = {
    area: 'storage',
    title: 'Storage: Wharf log vs the disk (dd, fsync loops)',
    columns: COLUMNS,
    rows,
    pairs: o.pairs,
    seconds: Math.round((now() - t0) / 1000),
    date: new Date().toISOString(),
    commands: [`node dist/bench/storage.js --pairs ${o.pairs}${driverFlags(o)} --gb ${o.gb} --fsync-seconds ${o.fsyncSeconds}${o.quick ? ' --quick' : ''}`],
    notes: [
      `One directory for everything: ${o.dir} (--dir or WHARF_BENCH_DIR); Wharf's log runs in the benchmark's own process (\`openLog\` from src/core/log, local engine, maintenance off, 1 MiB hot tail per partition).`,
      `Group-commit rows: Wharf appends a ${batchBytes}-byte record batch (one 100 B record) per call to one partition, from W concurrent appenders; "fsync loops" are W writers each with its own file and its own write()+fdatasync() loop of the same bytes, at once (bench/fsync-loops.ts --mode loops, one libuv thread per writer); "best case" writes W such batches with one write() and makes them durable with one fdatasync(), repeated (--mode batch, what \`dd bs=W×${batchBytes} oflag=dsync\` does): what a group commit of W writers could reach at most. Figures are records made durable per second.`,
      'Sequential rows: dd writes zeros with bs=1M and one fdatasync at the end; Wharf writes 1 MB batches of non-zero data, 4 in flight, fsync=never, then one checkpoint (fsync of every file).',
      'Each pair writes a fresh log; the read and recovery rows use the log of the last sequential pair.',
    ],
  };
  process.stdout.write(`${markdownTable(result)}\n\n${allPairs(result)}\n`);
  if (o.json) writeFileSync(o.json, JSON.stringify(result, null, 2) + '\n');
}

function needLog(dir: string): string {
  if (!existsSync(join(dir, 'topics'))) throw new Error('no log to read: every sequential-append run failed');
  return dir;
}

await main();
