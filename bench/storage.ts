// Storage benchmark: `npm run bench:storage [-- --dir DIR --gb N]`. Runs on one disk (a temp
// dir by default) and prints a markdown table:
//  - sequential append of 1 MB batches (fsync once at the end) next to `dd bs=1M conv=fdatasync`;
//  - appends/s with fsync on every append (group commit) for 1, 16 and 64 concurrent writers,
//    next to a naive write()+fdatasync() loop;
//  - catch-up read throughput from the files and from the hot tail;
//  - recovery time of the log written above, after a clean stop and after a crash.
//  With --json FILE it also writes the figures in bench/report.ts's format (for bench/all.ts).
import { spawnSync } from 'node:child_process';
import { closeSync, fdatasyncSync, mkdtempSync, openSync, readdirSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { openLog, type Log } from '../src/core/log/log-manager.js';
import { createStorageEngine } from '../src/storage/index.js';
import { buildRecordBatch } from '../src/core/records/batch.js';
import type { BenchResult, BenchRow } from './report.js';

const logger = pino({ level: 'silent' });
const MB = 1024 * 1024;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const baseDir = mkdtempSync(join(arg('dir', process.env.WHARF_BENCH_DIR ?? tmpdir()), 'wharf-bench-'));
const totalMB = Math.round(Number(arg('gb', '1')) * 1024);
const rows: Array<[string, string, string]> = [];
const now = () => performance.now();
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const jsonRows: BenchRow[] = [];
/** A row of the --json output: Wharf's figure and, when there is one, the baseline's. */
function jrow(key: string, label: string, unit: string, wharf: number, baseline?: number, higherIsBetter = true): void {
  const values: Record<string, number[]> = { wharf: [wharf] };
  if (baseline !== undefined) values.baseline = [baseline];
  jsonRows.push({ key, label, unit, higherIsBetter, values, noRatio: baseline === undefined });
}

function row(what: string, value: string, note = ''): void {
  rows.push([what, value, note]);
  process.stderr.write(`${what}: ${value} ${note}\n`);
}

async function open(dir: string, fsync: 'always' | 'never', hotTailBytes = 1 * MB): Promise<Log> {
  return openLog({ engine: await createStorageEngine({ kind: 'local', dataDir: dir, logger }), fsync, fsyncInterval: 1000, logger, maintenanceIntervalMs: 0, hotTailBytes });
}

function ddBaseline(): number {
  const file = join(baseDir, 'dd.bin');
  const t0 = now();
  const r = spawnSync('dd', ['if=/dev/zero', `of=${file}`, 'bs=1M', `count=${totalMB}`, 'conv=fdatasync'], { encoding: 'utf8' });
  const secs = (now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`dd failed: ${r.stderr}`);
  unlinkSync(file);
  return totalMB / secs;
}

/** Appends `totalMB` batches of 1 MB with a few in flight (as a producer pipelines), fsync once at the end. */
async function sequentialAppend(dir: string, fsync: 'always' | 'never', mb: number): Promise<number> {
  const log = await open(dir, fsync);
  await log.createTopic('seq', { configs: { 'max.message.bytes': String(2 * MB) } });
  const p = log.partition('seq', 0);
  const value = Buffer.alloc(MB - 200);
  for (let i = 0; i < value.length; i += 4096) value[i] = i & 0xff; // not all zeros
  const template = buildRecordBatch({ records: [{ key: 'k', value }] });
  const inFlight = 4;
  let next = 0;
  const t0 = now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
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

async function concurrentFsync(dir: string, writers: number, seconds: number): Promise<number> {
  const log = await open(dir, 'always');
  const topic = `w${writers}`;
  await log.createTopic(topic);
  const p = log.partition(topic, 0);
  const template = buildRecordBatch({ records: [{ key: 'key', value: Buffer.alloc(100, 7) }] });
  let count = 0;
  const end = now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (now() < end) {
        await p.append(Buffer.from(template));
        count++;
      }
    }),
  );
  await log.close();
  return count / seconds;
}

function naiveFsyncLoop(seconds: number): number {
  const file = join(baseDir, 'naive.bin');
  const fd = openSync(file, 'w');
  const buf = buildRecordBatch({ records: [{ key: 'key', value: Buffer.alloc(100, 7) }] });
  let count = 0;
  const end = now() + seconds * 1000;
  while (now() < end) {
    writeSync(fd, buf);
    fdatasyncSync(fd);
    count++;
  }
  closeSync(fd);
  unlinkSync(file);
  return count / seconds;
}

async function catchUpFromFiles(dir: string): Promise<{ mbps: number; bytes: number }> {
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
  return { mbps: bytes / MB / secs, bytes };
}

async function catchUpFromTail(dir: string): Promise<number> {
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
  return bytes / MB / secs;
}

async function recovery(dir: string, crash: boolean): Promise<number> {
  if (crash) {
    // What a SIGKILL leaves: the active segment has no index covering its data, and the lock is stale.
    const pdirs = readdirSync(join(dir, 'topics')).map((t) => join(dir, 'topics', t));
    for (const tdir of pdirs) {
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

const started = now();

async function main(): Promise<void> {
  process.stderr.write(`benchmark directory ${baseDir}, log size ${totalMB} MB\n`);
  const logDir = join(baseDir, 'log');
  try {
    const dd = ddBaseline();
    row('dd bs=1M conv=fdatasync (same directory)', `${fmt(dd)} MB/s`, `${totalMB} MB`);
    const seq = await sequentialAppend(logDir, 'never', totalMB);
    row('append 1 MB batches, fsync at end', `${fmt(seq)} MB/s`, `${fmt((seq / dd) * 100)}% of dd`);
    jrow('seq', `append ${totalMB} MB in 1 MB batches, fsync at end (baseline: dd bs=1M conv=fdatasync)`, 'MB/s', seq, dd);

    const alwaysDir = join(baseDir, 'always');
    const seqAlways = await sequentialAppend(alwaysDir, 'always', Math.min(256, totalMB));
    rmSync(alwaysDir, { recursive: true, force: true });
    row('append 1 MB batches, fsync=always', `${fmt(seqAlways)} MB/s`, '4 in flight, group commit');
    jrow('seqAlways', 'append 1 MB batches, fsync=always, 4 in flight (no baseline)', 'MB/s', seqAlways);

    const naive = naiveFsyncLoop(3);
    row('naive write()+fdatasync() loop, 100 B records', `${fmt(naive)} /s`, 'baseline');
    const fsyncDir = join(baseDir, 'fsync');
    for (const writers of [1, 16, 64]) {
      const rate = await concurrentFsync(fsyncDir, writers, 3);
      row(`fsync=always, ${writers} concurrent writer${writers > 1 ? 's' : ''}, 100 B records`, `${fmt(rate)} appends/s`, `${fmt(rate / naive, 1)}x naive`);
      jrow(`fsync${writers}`, `fsync=always, ${writers} concurrent writer${writers > 1 ? 's' : ''}, 100 B records (baseline: naive write()+fdatasync() loop)`, 'appends/s', rate, naive);
    }
    rmSync(fsyncDir, { recursive: true, force: true });

    const files = await catchUpFromFiles(logDir);
    row('catch-up read from files, 1 MB fetches', `${fmt(files.mbps)} MB/s`, 'page cache warm (just written), CRC checked');
    jrow('readFiles', 'catch-up read from files, 1 MB fetches (no baseline)', 'MB/s', files.mbps);
    const tail = await catchUpFromTail(join(baseDir, 'tail'));
    row('catch-up read from the hot tail, 1 MB fetches', `${fmt(tail)} MB/s`, '64 KB batches');
    jrow('readTail', 'catch-up read from the hot tail, 1 MB fetches (no baseline)', 'MB/s', tail);

    const clean = await recovery(logDir, false);
    row(`recovery of a ${fmt(totalMB / 1024, 1)} GB log, clean stop`, `${fmt(clean)} ms`, 'indexes trusted');
    jrow('recoverClean', `recovery of a ${fmt(totalMB / 1024, 1)} GB log, clean stop (no baseline)`, 'ms', clean, undefined, false);
    const crashed = await recovery(logDir, true);
    row(`recovery of a ${fmt(totalMB / 1024, 1)} GB log, after a crash`, `${fmt(crashed)} ms`, 'active segment rescanned with CRC');
    jrow('recoverCrash', `recovery of a ${fmt(totalMB / 1024, 1)} GB log, after a crash (no baseline)`, 'ms', crashed, undefined, false);
  } finally {
    rmSync(baseDir, { recursive: true, force: true });
  }
  const lines = ['| measurement | result | note |', '| --- | ---: | --- |', ...rows.map((r) => `| ${r[0]} | ${r[1]} | ${r[2]} |`)];
  process.stdout.write(lines.join('\n') + '\n');
  const json = arg('json', '');
  if (json) {
    const result: BenchResult = {
      area: 'storage',
      title: 'Storage engine vs the disk (dd, naive fsync loop)',
      reference: 'baseline',
      columns: [
        { key: 'baseline', label: 'baseline' },
        { key: 'wharf', label: 'Wharf' },
      ],
      rows: jsonRows,
      runs: 1,
      seconds: Math.round((now() - started) / 1000),
      date: new Date().toISOString(),
      commands: [`node dist/bench/storage.js --gb ${totalMB / 1024}`],
      notes: [],
      load: [],
    };
    writeFileSync(json, JSON.stringify(result, null, 2));
  }
}

await main();
