// Salvage at recovery (src/storage/local/salvage.ts, docs/storage.md "Recovery"): damage
// followed by valid batches in a user topic costs only the damaged batches' offsets; the rest
// is served, the original file is kept aside, the lost offsets are recorded and counted, and a
// restart changes nothing more. A flipped base offset (outside the CRC) is damage too. Internal
// topics and `--damage-recovery offline` keep the old rule: the partition goes offline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkSync, readFileSync, readdirSync, unlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { batchOf, openTestLog, readAll, tempDir } from './helpers.js';
import type { Log } from '../../src/core/log/log-manager.js';
import { OFFSET_BASE_OFFSET, batchSize } from '../../src/core/records/batch.js';
import { pino } from 'pino';
import { Writable } from 'node:stream';

function partitionDir(dir: string, log: Log, topic: string, p = 0): string {
  return join(dir, 'topics', log.describeTopic(topic).topicId, String(p));
}

function segmentFiles(pdir: string): string[] {
  return readdirSync(pdir).filter((n) => n.endsWith('.log')).sort();
}

/** A log with `topic` holding `n` batches of `per` records; returns the batch sizes and the partition dir. */
async function filled(dir: string, n: number, opts: { topic?: string; per?: number; configs?: Record<string, string> } = {}): Promise<{ pdir: string; sizes: number[]; starts: number[] }> {
  const topic = opts.topic ?? 't';
  const per = opts.per ?? 2;
  const log = await openTestLog(dir);
  await log.createTopic(topic, { partitions: 1, configs: opts.configs ?? {} });
  const sizes: number[] = [];
  for (let i = 0; i < n; i++) {
    const b = batchOf(`v${i}`, per);
    sizes.push(b.length);
    await log.partition(topic, 0).append(b);
  }
  const pdir = partitionDir(dir, log, topic);
  await log.close();
  const starts: number[] = [];
  sizes.reduce((acc, s) => (starts.push(acc), acc + s), 0);
  return { pdir, sizes, starts };
}

/** The values the batches other than `lost` held, in order. */
function expectedValues(n: number, per: number, lost: number[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) if (!lost.includes(i)) for (let r = 0; r < per; r++) out.push(`v${i}-${r}`);
  return out;
}

/** Flips bits of the only segment of `pdir` (whose index is removed, as after a crash); returns the damaged bytes. */
function damage(pdir: string, flips: Array<[number, number]>): { seg: string; bytes: Buffer } {
  const seg = join(pdir, segmentFiles(pdir)[0]!);
  unlinkSync(seg.replace(/\.log$/, '.index'));
  const buf = readFileSync(seg);
  for (const [at, mask] of flips) buf[at]! ^= mask;
  writeFileSync(seg, buf);
  return { seg, bytes: buf };
}

test('a flipped bit in a middle batch loses only that batch: the rest is served, the original kept, the restart idempotent', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { pdir, starts } = await filled(dir, 10);
    const { seg, bytes } = damage(pdir, [[starts[4]! + 70, 0x08]]); // inside batch 4 (offsets 8-9), covered by its CRC
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) });
    let log = await openTestLog(dir, {}, { logger: pino({ level: 'warn' }, sink) });
    let p = log.partition('t', 0);
    assert.ok(p.online, p.failure?.message);
    assert.equal(p.highWatermark, 20);
    let recs = await readAll(log, 't');
    assert.deepEqual(recs.map((r) => r.value), expectedValues(10, 2, [4]));
    assert.deepEqual(recs.map((r) => r.offset), [0, 1, 2, 3, 4, 5, 6, 7, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    // A read inside the gap gets the next batch, as after compaction.
    const inGap = await p.read(8, 1);
    assert.equal(inGap.nextOffset, 12);
    assert.deepEqual(p.lostRanges, [{ from: 8, to: 9 }]);
    assert.deepEqual(p.salvaged, { ranges: 1, offsets: 2, bytes: starts[5]! - starts[4]! });
    assert.deepEqual(log.describeTopic('t').partitionInfo[0]!.lostRanges, [{ from: 8, to: 9 }]);
    // The warning names the file, the bytes cut and the offsets lost.
    const warning = lines.find((l) => String(l.msg).startsWith('cut a damaged byte range'));
    assert.ok(warning, JSON.stringify(lines));
    assert.equal(warning.file, seg);
    assert.equal(warning.bytes, `${starts[4]}-${starts[5]}`);
    assert.equal(warning.lost_offsets, '8-9');
    assert.equal(warning.lost_count, 2);
    // The original bytes are kept beside the segment; the lost range is in partition.json.
    const kept = join(pdir, `${segmentFiles(pdir)[0]!}.damaged-1`);
    assert.deepEqual(readFileSync(kept), bytes);
    assert.deepEqual(JSON.parse(readFileSync(join(pdir, 'partition.json'), 'utf8')).lostRanges, [[8, 9]]);
    // Appends go on after the end.
    assert.equal((await p.append(batchOf('after', 1))).baseOffset, 20);
    await log.close();

    // Restart (its index gone again, as after a crash): nothing more is cut, no second copy is kept.
    unlinkSync(seg.replace(/\.log$/, '.index'));
    const before = readFileSync(seg);
    lines.length = 0;
    log = await openTestLog(dir, {}, { logger: pino({ level: 'warn' }, sink) });
    assert.deepEqual(lines, [], 'the kept copy is no stray file to warn about, and nothing is cut again');
    p = log.partition('t', 0);
    assert.ok(p.online, p.failure?.message);
    assert.deepEqual(p.salvaged, { ranges: 0, offsets: 0, bytes: 0 });
    assert.deepEqual(p.lostRanges, [{ from: 8, to: 9 }]);
    recs = await readAll(log, 't');
    assert.deepEqual(recs.map((r) => r.value), [...expectedValues(10, 2, [4]), 'after-0']);
    assert.deepEqual(readFileSync(seg), before);
    assert.deepEqual(readdirSync(pdir).filter((n) => n.includes('.damaged-')), [`${segmentFiles(pdir)[0]!}.damaged-1`]);
    await log.close();
  } finally {
    cleanup();
  }
});

test('a crash in the middle of a salvage (original still in place, lost ranges recorded) salvages again to the same result', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { pdir, starts } = await filled(dir, 8);
    const { seg } = damage(pdir, [[starts[2]! + 65, 0x01]]);
    let log = await openTestLog(dir);
    const first = await readAll(log, 't');
    await log.close();
    // Put the damaged original back under the segment's name, as before the rename; a leftover copy too.
    const keptName = `${segmentFiles(pdir)[0]!}.damaged-1`;
    unlinkSync(seg);
    linkSync(join(pdir, keptName), seg);
    writeFileSync(`${seg}.salvage.tmp`, 'half a copy');
    if (existsSync(seg.replace(/\.log$/, '.index'))) unlinkSync(seg.replace(/\.log$/, '.index'));
    log = await openTestLog(dir);
    const p = log.partition('t', 0);
    assert.ok(p.online, p.failure?.message);
    assert.deepEqual(await readAll(log, 't'), first);
    assert.deepEqual(p.lostRanges, [{ from: 4, to: 5 }]);
    assert.deepEqual(readdirSync(pdir).filter((n) => n.includes('.damaged-') || n.endsWith('.tmp')), [keptName]);
    await log.close();
  } finally {
    cleanup();
  }
});

test('a flipped base offset (outside the CRC) is damage: that batch goes, the rest stays at their offsets', async () => {
  for (const [byte, mask, what] of [
    [2, 0x10, 'a high bit: a jump far ahead'],
    [7, 0x08, 'a low bit: a jump of 8'],
    [7, 0x04, 'a lower base offset (6 becomes 2)'],
    [7, 0x01, 'the lowest bit: batch 3 starts at offset 7, inside batch 3 or before'],
  ] as const) {
    const { dir, cleanup } = tempDir();
    try {
      const { pdir, starts } = await filled(dir, 8);
      damage(pdir, [[starts[3]! + OFFSET_BASE_OFFSET + byte, mask]]);
      const log = await openTestLog(dir);
      const p = log.partition('t', 0);
      assert.ok(p.online, `${what}: ${p.failure?.message}`);
      assert.equal(p.highWatermark, 16, what);
      const recs = await readAll(log, 't');
      assert.deepEqual(recs.map((r) => r.value), expectedValues(8, 2, [3]), what);
      assert.deepEqual(recs.map((r) => r.offset), [0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15], what);
      assert.deepEqual(p.lostRanges, [{ from: 6, to: 7 }], what);
      await log.close();
    } finally {
      cleanup();
    }
  }
});

test('with --damage-recovery offline, a flipped base offset takes the partition offline (it used to cut everything after it as a torn tail)', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { pdir, starts } = await filled(dir, 8);
    const { seg, bytes } = damage(pdir, [[starts[3]! + OFFSET_BASE_OFFSET + 2, 0x10]]);
    const log = await openTestLog(dir, {}, { damageRecovery: 'offline' });
    const p = log.partition('t', 0);
    assert.equal(p.online, false);
    assert.match(p.failure!.message, /jumps ahead of 6 and nothing explains it/);
    await log.close();
    assert.deepEqual(readFileSync(seg), bytes);
  } finally {
    cleanup();
  }
});

test('two damaged ranges in one segment: each costs its own batch, everything between and after is kept', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { pdir, starts } = await filled(dir, 12);
    damage(pdir, [
      [starts[2]! + 80, 0x20],
      [starts[7]! + OFFSET_BASE_OFFSET + 3, 0x02],
      [starts[8]! + 75, 0x40],
    ]);
    const log = await openTestLog(dir);
    const p = log.partition('t', 0);
    assert.ok(p.online, p.failure?.message);
    const recs = await readAll(log, 't');
    assert.deepEqual(recs.map((r) => r.value), expectedValues(12, 2, [2, 7, 8]));
    assert.deepEqual(p.lostRanges, [{ from: 4, to: 5 }, { from: 14, to: 17 }]);
    assert.equal(p.salvaged.ranges, 2);
    assert.equal(p.salvaged.offsets, 6);
    await log.close();
  } finally {
    cleanup();
  }
});

test('a damaged sealed segment (index gone) is salvaged too; retention deletes its kept original with it', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { pdir } = await filled(dir, 60, { per: 1, configs: { 'segment.bytes': '2048' } });
    const segs = segmentFiles(pdir);
    assert.ok(segs.length >= 3, `expected several segments, got ${segs.length}`);
    const sealed = join(pdir, segs[1]!);
    unlinkSync(sealed.replace(/\.log$/, '.index'));
    const buf = readFileSync(sealed);
    // Inside the records (covered by the CRC) of the batch in the middle of the file.
    let at = 0;
    while (at + batchSize(buf, at) < buf.length / 2) at += batchSize(buf, at);
    buf[at + 65]! ^= 0x04;
    writeFileSync(sealed, buf);
    let log = await openTestLog(dir);
    let p = log.partition('t', 0);
    assert.ok(p.online, p.failure?.message);
    assert.equal(p.salvaged.ranges, 1);
    assert.equal(p.salvaged.offsets, 1);
    const recs = await readAll(log, 't');
    assert.equal(recs.length, 59);
    assert.ok(existsSync(`${sealed}.damaged-1`));
    await log.close();
    // Everything before segment 2 goes: segment 1 and its kept original with it.
    log = await openTestLog(dir);
    p = log.partition('t', 0);
    await p.deleteRecordsBefore(Number(segs[2]!.slice(0, 20)));
    assert.equal(existsSync(sealed), false);
    assert.equal(existsSync(`${sealed}.damaged-1`), false);
    assert.deepEqual(p.lostRanges, []);
    await log.close();
  } finally {
    cleanup();
  }
});

test('internal topics keep the old rule: damage followed by valid batches takes the partition offline', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { pdir, starts } = await filled(dir, 6, { topic: '__internal_test' });
    const { seg, bytes } = damage(pdir, [[starts[2]! + 70, 0x08]]);
    const log = await openTestLog(dir);
    const p = log.partition('__internal_test', 0);
    assert.equal(p.online, false);
    assert.match(p.failure!.message, /corrupt record batch .* followed by valid batches; refusing to drop them/);
    await log.close();
    assert.deepEqual(readFileSync(seg), bytes);
    assert.equal(readdirSync(pdir).some((n) => n.includes('.damaged-')), false);
  } finally {
    cleanup();
  }
});

test('a gap right before the last batch of the last segment survives restarts: the recorded lost range explains the jump', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { pdir, starts } = await filled(dir, 6);
    const { seg } = damage(pdir, [[starts[4]! + 66, 0x80]]); // batch 4 of 6: the one after it ends the file
    let log = await openTestLog(dir);
    assert.deepEqual((await readAll(log, 't')).map((r) => r.value), expectedValues(6, 2, [4]));
    await log.close();
    for (let i = 0; i < 2; i++) {
      unlinkSync(seg.replace(/\.log$/, '.index'));
      log = await openTestLog(dir);
      const p = log.partition('t', 0);
      assert.ok(p.online, p.failure?.message);
      assert.equal(p.highWatermark, 12, `restart ${i}: the last batch is kept`);
      assert.deepEqual((await readAll(log, 't')).map((r) => r.value), expectedValues(6, 2, [4]));
      await log.close();
    }
  } finally {
    cleanup();
  }
});
