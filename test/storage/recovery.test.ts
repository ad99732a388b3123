// Recovery and corruption: torn tails are cut back to the last whole batch, damage followed by
// valid data takes only that partition offline under --damage-recovery offline (the default,
// salvage, is tested in salvage.test.ts), indexes are rebuilt when missing or stale, and
// bad input at start (a directory that is not ours, a lock held by a live process) is refused.
// Local engine only: every test here is about files (torn tails, flipped bits, indexes, the
// data-directory lock); the memory engine has none (test/storage/contract.test.ts covers it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, readFileSync, readdirSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataDirInUseError } from '../../src/storage/index.js';
import { batchOf, openTestLog, readAll, tempDir } from './helpers.js';
import { isLogError } from '../../src/core/records/errors.js';
import type { Log } from '../../src/core/log/log-manager.js';

function partitionDir(dir: string, log: Log, topic: string, p = 0): string {
  return join(dir, 'topics', log.describeTopic(topic).topicId, String(p));
}

function segmentFiles(pdir: string): string[] {
  return readdirSync(pdir).filter((n) => n.endsWith('.log')).sort();
}

/** A log with topic 't' holding `n` single-record batches; returns the batch sizes and partition dir. */
async function filled(dir: string, n: number, configs: Record<string, string> = {}): Promise<{ pdir: string; sizes: number[] }> {
  const log = await openTestLog(dir);
  await log.createTopic('t', { partitions: 1, configs });
  await log.createTopic('other', { partitions: 1 });
  const sizes: number[] = [];
  for (let i = 0; i < n; i++) {
    const b = batchOf(`v${i}`, 1);
    sizes.push(b.length);
    await log.partition('t', 0).append(b);
  }
  await log.partition('other', 0).append(batchOf('o', 2));
  const pdir = partitionDir(dir, log, 't');
  await log.close();
  return { pdir, sizes };
}

test('a log cut anywhere inside its last batches recovers to the last whole batch', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { pdir, sizes } = await filled(dir, 20);
    const seg = join(pdir, segmentFiles(pdir)[0]!);
    const full = statSync(seg).size;
    const ends: number[] = [];
    sizes.reduce((acc, s) => (ends.push(acc + s), acc + s), 0);
    // Cut points from the end backwards, each inside a batch; the clean-shutdown index becomes stale.
    const cuts = [full - 1, full - 30, full - sizes[19]! + 5, ends[15]! + 1, ends[10]! - 61, ends[3]! + 12];
    for (const cut of cuts) {
      truncateSync(seg, cut);
      const survivors = ends.filter((e) => e <= cut).length;
      const log = await openTestLog(dir);
      const p = log.partition('t', 0);
      assert.ok(p.online, p.failure?.message);
      assert.equal(p.highWatermark, survivors, `cut at ${cut}`);
      const recs = await readAll(log, 't');
      assert.deepEqual(recs.map((r) => r.value), Array.from({ length: survivors }, (_, i) => `v${i}-0`));
      // The log accepts appends again right after the cut.
      const r = await p.append(batchOf('after', 1));
      assert.equal(r.baseOffset, survivors);
      await log.close();
      truncateSync(seg, ends[survivors - 1] ?? 0); // undo the extra append for the next cut
    }
  } finally {
    cleanup();
  }
});

test('a flipped bit in the last batch is a torn tail: that batch goes, the rest stays', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { pdir, sizes } = await filled(dir, 10);
    const seg = join(pdir, segmentFiles(pdir)[0]!);
    unlinkSync(seg.replace(/\.log$/, '.index')); // as after a crash: the active segment is rescanned
    const buf = readFileSync(seg);
    buf[buf.length - sizes[9]! + 40]! ^= 0x10;
    writeFileSync(seg, buf);
    const log = await openTestLog(dir);
    const p = log.partition('t', 0);
    assert.ok(p.online);
    assert.equal(p.highWatermark, 9);
    assert.equal((await readAll(log, 't')).length, 9);
    await log.close();
  } finally {
    cleanup();
  }
});

test('with --damage-recovery offline, a flipped bit in the middle of the active segment takes that partition offline, not the broker', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { pdir, sizes } = await filled(dir, 10);
    const seg = join(pdir, segmentFiles(pdir)[0]!);
    unlinkSync(seg.replace(/\.log$/, '.index')); // as after a crash: no index for the active segment
    const buf = readFileSync(seg);
    const at = sizes.slice(0, 4).reduce((a, b) => a + b, 0) + 50; // inside batch 4
    buf[at]! ^= 0x01;
    writeFileSync(seg, buf);
    const log = await openTestLog(dir, {}, { damageRecovery: 'offline' });
    const p = log.partition('t', 0);
    assert.equal(p.online, false);
    assert.match(p.failure!.message, /corrupt record batch in .*\.log at byte \d+/);
    assert.equal(p.failure!.code, 'KAFKA_STORAGE_ERROR');
    await assert.rejects(p.append(batchOf('x')), (e) => isLogError(e, 'KAFKA_STORAGE_ERROR'));
    await assert.rejects(p.read(0, 1000), (e) => isLogError(e, 'KAFKA_STORAGE_ERROR'));
    // Other partitions serve as before.
    assert.equal((await readAll(log, 'other')).length, 2);
    assert.equal(log.describeTopic('t').partitionInfo[0]!.online, false);
    await log.close();
    // The file was not modified by the failed recovery.
    assert.deepEqual(readFileSync(seg), buf);
  } finally {
    cleanup();
  }
});

test('a flipped bit in a sealed segment is found by the read CRC check, or at start when its index is gone (--damage-recovery offline)', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { pdir } = await filled(dir, 60, { 'segment.bytes': '2048' });
    const segs = segmentFiles(pdir);
    assert.ok(segs.length >= 3, `expected several segments, got ${segs.length}`);
    const sealed = join(pdir, segs[1]!);
    const buf = readFileSync(sealed);
    buf[Math.floor(buf.length / 2)]! ^= 0x04;
    writeFileSync(sealed, buf);
    let log = await openTestLog(dir);
    let p = log.partition('t', 0);
    assert.ok(p.online, 'a sealed segment with a valid index is not rescanned at start');
    const firstOfSealed = Number(segs[1]!.slice(0, 20));
    await assert.rejects(p.read(firstOfSealed, 1 << 20), (e) => isLogError(e, 'KAFKA_STORAGE_ERROR') && /corrupt data in .*\.log at byte/.test((e as Error).message));
    assert.equal(p.online, false, 'the partition goes offline once the damage is seen');
    await log.close();
    unlinkSync(sealed.replace(/\.log$/, '.index'));
    log = await openTestLog(dir, {}, { damageRecovery: 'offline' });
    p = log.partition('t', 0);
    assert.equal(p.online, false);
    assert.match(p.failure!.message, /sealed segment/);
    await log.close();
  } finally {
    cleanup();
  }
});

test('zeros after the last batch (a crash after the file grew) are cut off', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { pdir } = await filled(dir, 5);
    const seg = join(pdir, segmentFiles(pdir)[0]!);
    appendFileSync(seg, Buffer.alloc(8192));
    const log = await openTestLog(dir);
    assert.equal(log.partition('t', 0).highWatermark, 5);
    await log.close();
    assert.equal(statSync(seg).size % 8192 === 0, false);
  } finally {
    cleanup();
  }
});

test('a segment file that is not ours takes the partition offline and is left untouched', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { pdir } = await filled(dir, 1);
    const seg = join(pdir, segmentFiles(pdir)[0]!);
    unlinkSync(seg.replace(/\.log$/, '.index'));
    const foreign = Buffer.from('#!/bin/sh\necho this is a shell script, not a log segment\n'.repeat(20));
    writeFileSync(seg, foreign);
    const log = await openTestLog(dir);
    assert.equal(log.partition('t', 0).online, false);
    await log.close();
    assert.deepEqual(readFileSync(seg), foreign);
  } finally {
    cleanup();
  }
});

test('missing and stale indexes are rebuilt; lookups work after', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { pdir } = await filled(dir, 80, { 'segment.bytes': '2048', 'index.interval.bytes': '128' });
    const segs = segmentFiles(pdir);
    unlinkSync(join(pdir, segs[0]!.replace(/\.log$/, '.index')));
    writeFileSync(join(pdir, segs[1]!.replace(/\.log$/, '.index')), Buffer.from('garbage'));
    const log = await openTestLog(dir);
    const p = log.partition('t', 0);
    assert.ok(p.online);
    assert.equal(p.highWatermark, 80);
    for (const o of [0, 1, 17, 40, 79]) {
      const r = await p.read(o, 1);
      assert.equal(r.nextOffset, o + 1);
    }
    await log.close();
    // Rebuilt indexes were written back.
    assert.ok(readdirSync(pdir).includes(segs[0]!.replace(/\.log$/, '.index')));
  } finally {
    cleanup();
  }
});

test('start refuses a directory that is not ours, a file, and a storage format it does not read', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'notes.txt'), 'hello');
    await assert.rejects(openTestLog(dir), (e) => isLogError(e, 'KAFKA_STORAGE_ERROR') && /not a Wharf data directory/.test((e as Error).message));
    await assert.rejects(openTestLog(join(dir, 'notes.txt')), (e) => isLogError(e, 'KAFKA_STORAGE_ERROR') && /notes\.txt/.test((e as Error).message));
    const data = join(dir, 'data');
    const log = await openTestLog(data);
    await log.close();
    writeFileSync(join(data, 'wharf.json'), JSON.stringify({ format: 'wharf-log', version: 99 }));
    await assert.rejects(openTestLog(data), /format version 99 is not supported/);
  } finally {
    cleanup();
  }
});

/** A child process that holds the local engine on `dir` until it is killed; resolves once it holds it. */
function holdInChild(dir: string): Promise<{ child: ChildProcess; exited: Promise<unknown> }> {
  const storage = fileURLToPath(new URL('../../src/storage/index.js', import.meta.url));
  const script = `const { createStorageEngine } = await import(${JSON.stringify(storage)});
const { pino } = await import('pino');
await createStorageEngine({ kind: 'local', dataDir: ${JSON.stringify(dir)}, logger: pino({ level: 'silent' }) });
process.stdout.write('HOLDING\\n');
setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'], cwd: fileURLToPath(new URL('../../..', import.meta.url)) });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('HOLDING')) resolve({ child, exited });
    });
    child.on('exit', (code) => reject(new Error(`the lock holder exited (${code}) before it held the lock: ${out}`)));
  });
}

// Local-only: the lock is the local engine's (a kernel lock on <dataDir>/.lock).
test('the data-directory lock: a second open here or in another live process is refused; the kernel frees it when the holder dies', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const log = await openTestLog(dir);
    await assert.rejects(openTestLog(dir), (e) => e instanceof DataDirInUseError && /already open in this process/.test(e.message));
    await log.close();
    const { child, exited } = await holdInChild(dir);
    try {
      await assert.rejects(
        openTestLog(dir),
        (e) => e instanceof DataDirInUseError && isLogError(e, 'KAFKA_STORAGE_ERROR') && new RegExp(`in use by another running broker \\(process ${child.pid}\\b`).test(e.message),
      );
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    // The holder died without a word: its .lock file (with its pid) is still there, and no obstacle.
    assert.equal(readFileSync(join(dir, '.lock'), 'utf8'), `${child.pid}\n`);
    const again = await openTestLog(dir);
    assert.equal(readFileSync(join(dir, '.lock'), 'utf8'), `${process.pid}\n`);
    await again.close();
  } finally {
    cleanup();
  }
});

test('a lock file naming a live process that holds no lock is no obstacle (a PID file would refuse it)', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await (await openTestLog(dir)).close();
    // After a reboot or in a container, the pid a dead broker wrote belongs to someone else now: here, to this very process and to PID 1.
    for (const pid of [process.pid, 1, process.ppid]) {
      writeFileSync(join(dir, '.lock'), `${pid}\n`);
      const log = await openTestLog(dir);
      await log.close();
    }
  } finally {
    cleanup();
  }
});
