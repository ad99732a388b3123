// Units of storage, reads, timestamp lookups and truncation through the log, on every engine
// (engineTest); segment indexes, group commit, fsync timing and a failing disk are the local
// engine's own (files and fsync) and run on it alone (plain test()).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { batchOf, engineTest, openTestLog, readAll, tempDir, unitCount } from './helpers.js';
import { SegmentIndex } from '../../src/storage/local/segment-index.js';
import { batchBaseOffset, batchLastOffset, buildRecordBatch } from '../../src/core/records/batch.js';
import { splitBatches } from '../support/records.js';
import type { LocalPartitionStore } from '../../src/storage/local/partition-store.js';
import { waitFor } from '../support/wait.js';

// Local only: the on-disk segment index.
test('segment index lookups match a brute-force search (property) and survive serialization', () => {
  for (let round = 0; round < 20; round++) {
    const base = Math.floor(Math.random() * 1e9);
    const idx = new SegmentIndex(base);
    const entries: Array<[number, number]> = [];
    const times: Array<[number, number]> = [];
    let off = base;
    let pos = 0;
    let ts = 1000;
    for (let i = 0; i < 300; i++) {
      off += 1 + Math.floor(Math.random() * 10);
      pos += 1 + Math.floor(Math.random() * 5000);
      idx.addOffset(off, pos);
      entries.push([off, pos]);
      ts += Math.floor(Math.random() * 3);
      idx.addTime(ts, off, pos);
      times.push([ts, pos]);
    }
    const check = (ix: SegmentIndex) => {
      for (let q = 0; q < 200; q++) {
        const target = base + Math.floor(Math.random() * (off - base + 20));
        const expect = [...entries].reverse().find(([o]) => o <= target)?.[1] ?? 0;
        assert.equal(ix.positionForOffset(target), expect);
        const t = 990 + Math.floor(Math.random() * (ts - 980));
        const expectT = [...times].reverse().find(([x]) => x < t)?.[1] ?? 0;
        assert.equal(ix.positionForTimestamp(t), expectT);
      }
    };
    check(idx);
    const data = idx.serialize({ baseOffset: base, coveredBytes: pos + 1, fileIno: 42, nextOffset: off + 1, maxTimestamp: ts, createdAt: 7 });
    const parsed = SegmentIndex.parse(data, base);
    assert.ok(typeof parsed !== 'string');
    assert.equal(parsed.prefix.nextOffset, off + 1);
    check(parsed.index);
    const torn = Buffer.from(data);
    torn[100]! ^= 1;
    assert.equal(SegmentIndex.parse(torn, base), 'index checksum mismatch');
    assert.match(String(SegmentIndex.parse(data.subarray(0, 80), base)), /size/);
  }
});

engineTest('segments roll by size and by age; reads from any offset with any budget return whole batches (property)', async (place) => {
  const log = await place.open({ hotTailBytes: 0 });
  await log.createTopic('t', { configs: { 'segment.bytes': '4096', 'index.interval.bytes': '256' } });
  const p = log.partition('t', 0);
  const batches: Array<{ base: number; last: number; size: number }> = [];
  for (let i = 0; i < 300; i++) {
    const n = 1 + (i % 4);
    const b = batchOf(`r${i}`, n, { value: `r${i}-${'z'.repeat(i % 97)}` });
    const size = b.length;
    const r = await p.append(b);
    batches.push({ base: r.baseOffset, last: r.lastOffset, size });
  }
  const units = unitCount(p.engineStore);
  assert.ok(units > 10, `${units} units of storage`);
  if (place.kind === 'local') {
    const pdir = join(place.dir, 'topics', log.describeTopic('t').topicId, '0');
    assert.equal(readdirSync(pdir).filter((n) => n.endsWith('.log')).length, units, 'one segment file per unit');
  }
  const hw = p.highWatermark;
  for (let q = 0; q < 300; q++) {
    const offset = Math.floor(Math.random() * hw);
    const maxBytes = 1 + Math.floor(Math.random() * 6000);
    const r = await p.read(offset, maxBytes);
    const got = r.chunks.flatMap((c) => splitBatches(c));
    assert.ok(got.length >= 1);
    const first = batches.findIndex((b) => b.last >= offset);
    assert.equal(batchBaseOffset(got[0]!), batches[first]!.base);
    assert.ok(r.bytes <= maxBytes || got.length === 1, 'over budget with more than one batch');
    got.forEach((b, i) => assert.equal(batchBaseOffset(b), batches[first + i]!.base));
    assert.equal(r.nextOffset, batchLastOffset(got[got.length - 1]!) + 1);
    assert.equal(r.bytes, got.reduce((a, b) => a + b.length, 0));
  }
  // Age: with segment.ms small, the next append after the age goes to a new segment.
  await log.alterTopicConfigs('t', { 'segment.ms': '30' });
  await p.append(batchOf('age1'));
  // The unit age1 went to got its first batch no later than now.
  const age1At = Date.now();
  const before = unitCount(p.engineStore);
  await waitFor(() => Date.now() - age1At > 30, { what: 'the active unit to be older than segment.ms (30 ms)', intervalMs: 5 });
  await p.append(batchOf('age2'));
  assert.equal(unitCount(p.engineStore), before + 1);
  await log.close();
});

engineTest('the hot tail and the engine return the same bytes', async (place) => {
  const log = await place.open({ hotTailBytes: 1 << 20 });
  await log.createTopic('t', { configs: { 'segment.bytes': '8192' } });
  const p = log.partition('t', 0);
  for (let i = 0; i < 100; i++) await p.append(batchOf(`h${i}`, 2));
  const hot = await p.read(37, 3000);
  await log.close();
  const cold = await place.open({ hotTailBytes: 0 });
  const c = await cold.partition('t', 0).read(37, 3000);
  assert.deepEqual(Buffer.concat(c.chunks), Buffer.concat(hot.chunks));
  assert.equal(c.nextOffset, hot.nextOffset);
  await cold.close();
});

engineTest('ListOffsets by timestamp finds the first record at or after the timestamp (property)', async (place) => {
  const log = await place.open();
  await log.createTopic('t', { configs: { 'segment.bytes': '2048', 'index.interval.bytes': '128' } });
  const p = log.partition('t', 0);
  const model: Array<{ offset: number; ts: number }> = [];
  let t = 1_600_000_000_000;
  for (let i = 0; i < 200; i++) {
    // Mostly rising timestamps with some going backwards, as producers' clocks do.
    t += Math.floor(Math.random() * 100) - 20;
    const recs = [{ value: `a${i}`, timestamp: t }, { value: `b${i}`, timestamp: t + Math.floor(Math.random() * 30) - 10 }];
    const r = await p.append(buildRecordBatch({ records: recs, baseTimestamp: t }));
    recs.forEach((rec, k) => model.push({ offset: r.baseOffset + k, ts: rec.timestamp }));
  }
  for (let q = 0; q < 150; q++) {
    const target = model[0]!.ts - 50 + Math.floor(Math.random() * (t - model[0]!.ts + 200));
    const expect = model.find((m) => m.ts >= target);
    const got = await p.offsetForTimestamp(target);
    if (!expect) assert.equal(got, null);
    else assert.deepEqual(got, { offset: expect.offset, timestamp: expect.ts }, `target ${target}`);
  }
  assert.deepEqual(await p.offsetForTimestamp(-1), { offset: p.highWatermark, timestamp: -1 });
  assert.deepEqual(await p.offsetForTimestamp(-2), { offset: 0, timestamp: -1 });
  await log.close();
});

// Local only: counts fsyncs.
test('group commit: 64 concurrent appends under fsync=always share a few fsyncs', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const log = await openTestLog(dir);
    await log.createTopic('t');
    const p = log.partition('t', 0);
    const store = p.engineStore as LocalPartitionStore;
    const results = await Promise.all(Array.from({ length: 64 }, (_, i) => p.append(batchOf(`g${i}`, 1))));
    assert.deepEqual(results.map((r) => r.baseOffset).sort((a, b) => a - b), Array.from({ length: 64 }, (_, i) => i));
    assert.equal(store.stats.appends, 64);
    assert.ok(store.stats.syncs <= 3, `${store.stats.syncs} fsyncs for 64 concurrent appends`);
    assert.equal(p.durableOffset, 64);
    await log.close();
  } finally {
    cleanup();
  }
});

// Local only: about when data reaches the disk (the memory engine's durable end is its acknowledged end).
test('under fsync=interval an acknowledged append is fsynced within the interval', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const log = await openTestLog(dir, { fsync: 'interval', fsyncInterval: 100 });
    await log.createTopic('t');
    const p = log.partition('t', 0);
    const ackedAt: number[] = [];
    let worstLag = 0;
    // How late this process's timers fire (a loaded machine delays the fsync timer and the
    // sampler alike): that delay is the machine's, not the engine's, and is allowed for.
    let lastTick = Date.now();
    let timerDelay = 0;
    const sampler = setInterval(() => {
      // Every acknowledged offset not yet durable must be younger than the interval (plus fsync time).
      const now = Date.now();
      timerDelay = Math.max(timerDelay, now - lastTick - 5);
      lastTick = now;
      for (let o = p.durableOffset; o < p.highWatermark; o++) worstLag = Math.max(worstLag, now - ackedAt[o]!);
    }, 5);
    // How long an fsync takes on this disk meanwhile (other processes' writes make it slower):
    // also the machine's, allowed for. A probe file beside the log is written and fsynced in a loop.
    let fsyncTime = 0;
    let probing = true;
    const probe = (async () => {
      const fh = await open(join(dir, 'fsync-probe'), 'w');
      try {
        while (probing) {
          await fh.write(Buffer.alloc(4096, 1));
          const t0 = Date.now();
          await fh.sync();
          fsyncTime = Math.max(fsyncTime, Date.now() - t0);
          await new Promise((res) => setTimeout(res, 20));
        }
      } finally {
        await fh.close();
      }
    })();
    const end = Date.now() + 600;
    while (Date.now() < end) {
      const r = await p.append(batchOf('i'));
      ackedAt[r.baseOffset] = Date.now();
      await new Promise((res) => setTimeout(res, 2));
    }
    // The sampler keeps measuring until everything is durable: worstLag says how long it took.
    await waitFor(() => p.durableOffset === p.highWatermark, { what: 'every acknowledged append to be fsynced', timeoutMs: 5_000, intervalMs: 5 });
    clearInterval(sampler);
    probing = false;
    await probe;
    const allowed = 100 + 150 + timerDelay + fsyncTime;
    assert.ok(worstLag < allowed, `an acknowledged append stayed un-fsynced for ${worstLag} ms (allowed ${allowed}: timers fired up to ${timerDelay} ms late, an fsync took up to ${fsyncTime} ms)`);
    assert.ok(p.durableOffset > 10);
    await log.close();
  } finally {
    cleanup();
  }
});

// Local only: breaks a segment file write (contract.test.ts fails memory appends by its byte limit).
test('a failed write (disk full) is cut from the log and rejected; appends after it continue without holes', async () => {
  const { dir, cleanup } = tempDir();
  const { Segment } = await import('../../src/storage/local/segment.js');
  const original = Segment.prototype.write;
  try {
    const log = await openTestLog(dir);
    await log.createTopic('t');
    const p = log.partition('t', 0);
    for (let i = 0; i < 5; i++) await p.append(batchOf(`ok${i}`));
    let failNext = true;
    Segment.prototype.write = async function (this: Parameters<typeof original.call>[0], bufs: Buffer[], total: number) {
      if (failNext) {
        failNext = false;
        // Half of the group reaches the file, then the disk is full.
        await original.call(this, [Buffer.concat(bufs).subarray(0, Math.floor(total / 2))], Math.floor(total / 2));
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      }
      return original.call(this, bufs, total);
    };
    await assert.rejects(p.append(batchOf('lost', 3)), (e) => (e as { code?: string }).code === 'KAFKA_STORAGE_ERROR' && /disk full/.test((e as Error).message));
    const r = await p.append(batchOf('next'));
    assert.equal(r.baseOffset, 5);
    await log.close();
    const again = await openTestLog(dir);
    assert.deepEqual((await readAll(again, 't')).map((x) => x.value), ['ok0-0', 'ok1-0', 'ok2-0', 'ok3-0', 'ok4-0', 'next-0']);
    await again.close();
  } finally {
    Segment.prototype.write = original;
    cleanup();
  }
});

engineTest('truncateTo removes the batches from an offset on, across segments, durably', async (place) => {
  let log = await place.open();
  await log.createTopic('t', { configs: { 'segment.bytes': '1024' } });
  const p = log.partition('t', 0);
  for (let i = 0; i < 40; i++) await p.append(batchOf(`t${i}`, 2)); // offsets 2i, 2i+1
  await p.truncateTo(35); // inside the batch 34-35: that whole batch goes
  assert.equal(p.highWatermark, 34);
  assert.equal((await p.append(batchOf('again'))).baseOffset, 34);
  await log.close();
  log = await place.open();
  const recs = await readAll(log, 't');
  assert.equal(recs.length, 35);
  assert.equal(recs[33]!.value, 't16-1');
  assert.equal(recs[34]!.value, 'again-0');
  await log.close();
});
