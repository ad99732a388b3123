// The storage engine contract (src/storage/engine.ts), checked against every engine directly
// through the StorageEngine and PartitionStore interfaces, below the log: offsets stamped in
// place and acknowledged in call order, failed appends that leave no holes, whole-batch
// reads, timestamp lookups, the log start offset, retention in whole units, truncation,
// compaction rewrites, checkpoints, broker metadata, topic metadata and exclusive opens.
// A "restart" closes the engine and opens a new one on the same data directory or volume.
import assert from 'node:assert/strict';
import { batchOf, engineTest, type TestPlace } from './helpers.js';
import { batchBaseOffset, batchLastOffset, batchMaxTimestamp } from '../../src/core/records/batch.js';
import { splitBatches } from '../support/records.js';
import { isLogError, StorageCorruptionError } from '../../src/core/records/errors.js';
import type { PartitionRef, PartitionStorageSettings, PartitionStore, StorageEngine, StoredTopic } from '../../src/storage/engine.js';

const TOPIC: StoredTopic = { name: 't', topicId: 'c0ffee00c0ffee00c0ffee00c0ffee00', partitions: 1, configs: {}, createdAt: 1 };
const REF: PartitionRef = { topic: 't', topicId: TOPIC.topicId, partition: 0 };
const WEEK = 7 * 86_400_000;

function settings(segmentBytes = 1 << 20): PartitionStorageSettings {
  return { durability: 'always', durabilityIntervalMs: 1000, segmentBytes, segmentMs: WEEK, indexIntervalBytes: 256 };
}

/** Opens the engine and partition 0 of TOPIC, creating them on a fresh place. */
async function openStore(place: TestPlace, opts: { segmentBytes?: number; create?: boolean; maxBytes?: number } = {}): Promise<{ engine: StorageEngine; store: PartitionStore }> {
  const engine = await place.openEngine(opts.maxBytes === undefined ? {} : { maxBytes: opts.maxBytes });
  const create = opts.create ?? true;
  const store = await engine.openPartition(REF, settings(opts.segmentBytes), create);
  if (create) await engine.putTopic(TOPIC);
  return { engine, store };
}

async function restart(engine: StorageEngine, store: PartitionStore, place: TestPlace, segmentBytes?: number) {
  await store.close();
  await engine.close();
  return openStore(place, { segmentBytes, create: false });
}

/** Appends whole batches (one buffer, as a producer request holds them) the way the log does. */
function append(store: PartitionStore, ...batches: Buffer[]) {
  const buf = batches.length === 1 ? batches[0]! : Buffer.concat(batches);
  const deltas = batches.map((b) => batchLastOffset(b) - batchBaseOffset(b));
  return { buf, result: store.append(buf, deltas, batches.map((b) => batchMaxTimestamp(b))) };
}

/** Every stored batch from `from` on, read with small budgets (so reads cross units). */
async function readBatches(store: PartitionStore, from = store.logStartOffset, maxBytes = 1): Promise<Buffer[]> {
  const out: Buffer[] = [];
  let offset = from;
  while (offset < store.acknowledgedEnd) {
    const r = await store.read(offset, maxBytes);
    assert.ok(r.chunks.length > 0, `nothing read at ${offset} below the end ${store.acknowledgedEnd}`);
    assert.equal(r.bytes, r.chunks.reduce((a, c) => a + c.length, 0));
    for (const c of r.chunks) out.push(...splitBatches(c));
    assert.ok(r.nextOffset > offset);
    offset = r.nextOffset;
  }
  return out;
}

engineTest('append stamps offsets in place and acknowledges in call order; reads return whole batches as stored; a restart keeps them', async (place) => {
  let { engine, store } = await openStore(place, { segmentBytes: 2048 });
  const order: number[] = [];
  const pending = Array.from({ length: 60 }, (_, i) => {
    const batches = Array.from({ length: 1 + (i % 3) }, (_, k) => batchOf(`a${i}.${k}`, 1 + ((i + k) % 4)));
    const { buf, result } = append(store, ...batches);
    return { i, buf, result: result.then((r) => (order.push(i), r)) };
  });
  const results = await Promise.all(pending.map((p) => p.result));
  assert.deepEqual(order, pending.map((p) => p.i), 'acknowledged in the order called');
  let expected = 0;
  results.forEach((r, i) => {
    assert.equal(r.baseOffset, expected, `append ${i}`);
    assert.equal(batchBaseOffset(pending[i]!.buf), r.baseOffset, 'base offset stamped into the caller’s buffer');
    expected = r.lastOffset + 1;
  });
  assert.equal(store.endOffset, expected);
  assert.equal(store.acknowledgedEnd, expected);
  await store.checkpoint();
  assert.equal(store.durableEnd, expected);
  const stored = Buffer.concat(pending.map((p) => p.buf));
  const all = splitBatches(stored);
  assert.deepEqual(Buffer.concat(await readBatches(store)), stored, 'the stored bytes, whole batches, in order');
  // From any offset: the batch containing it first; the budget is kept unless one batch exceeds it.
  for (let q = 0; q < 120; q++) {
    const offset = Math.floor(Math.random() * expected);
    const maxBytes = 1 + Math.floor(Math.random() * 3000);
    const maxOffset = Math.random() < 0.3 ? offset + 1 + Math.floor(Math.random() * 30) : undefined;
    const r = await store.read(offset, maxBytes, maxOffset);
    const got = r.chunks.flatMap((c) => splitBatches(c));
    const first = all.findIndex((b) => batchLastOffset(b) >= offset);
    assert.ok(got.length >= 1);
    got.forEach((b, k) => assert.deepEqual(b, all[first + k], `read(${offset}) batch ${k}`));
    assert.ok(got.length === 1 || r.bytes <= maxBytes, 'over budget with more than one batch');
    if (maxOffset !== undefined) for (const b of got) assert.ok(batchBaseOffset(b) < maxOffset, 'a batch at or past maxOffset');
    assert.equal(r.nextOffset, batchLastOffset(got[got.length - 1]!) + 1);
  }
  assert.deepEqual(await store.read(expected, 1 << 20), { chunks: [], bytes: 0, nextOffset: expected });
  ({ engine, store } = await restart(engine, store, place, 2048));
  assert.equal(store.acknowledgedEnd, expected);
  assert.deepEqual(Buffer.concat(await readBatches(store, 0, 1 << 20)), stored);
  assert.equal((await append(store, batchOf('after')).result).baseOffset, expected);
  await store.close();
  await engine.close();
});

/** An engine whose next append of `doomed` after arm() fails as on a full disk. */
async function failingAppend(place: TestPlace): Promise<{ engine: StorageEngine; store: PartitionStore; doomed: Buffer; arm: () => void; restore: () => void }> {
  if (place.kind === 'memory') {
    // The memory engine refuses an append past its byte limit.
    const { engine, store } = await openStore(place, { maxBytes: 16 * 1024 });
    return { engine, store, doomed: batchOf('doomed', 1, { value: 'x'.repeat(20_000) }), arm: () => {}, restore: () => {} };
  }
  const { Segment } = await import('../../src/storage/local/segment.js');
  const original = Segment.prototype.write;
  const { engine, store } = await openStore(place);
  let failNext = false;
  Segment.prototype.write = async function (this: Parameters<typeof original.call>[0], bufs: Buffer[], total: number) {
    if (!failNext) return original.call(this, bufs, total);
    failNext = false;
    // Half of it reaches the file, then the disk is full.
    await original.call(this, [Buffer.concat(bufs).subarray(0, Math.floor(total / 2))], Math.floor(total / 2));
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  };
  return { engine, store, doomed: batchOf('doomed', 3), arm: () => (failNext = true), restore: () => (Segment.prototype.write = original) };
}

engineTest('a failed append consumes no offsets: the appends around it are acknowledged in order, without holes, and nothing of it is read', async (place) => {
  const { engine, store, doomed, arm, restore } = await failingAppend(place);
  try {
    const before = [batchOf('b0', 2), batchOf('b1')];
    for (const b of before) await append(store, b).result;
    const end = store.acknowledgedEnd;
    arm();
    const calls = [append(store, doomed), append(store, batchOf('n0', 2)), append(store, batchOf('n1')), append(store, batchOf('n2', 3))];
    const order: number[] = [];
    const settled = await Promise.allSettled(calls.map((c, i) => c.result.then((r) => (order.push(i), r))));
    const first = settled[0]!;
    assert.equal(first.status, 'rejected');
    assert.ok(isLogError(first.reason, 'KAFKA_STORAGE_ERROR'), String(first.reason));
    // Appends queued behind the failed one (the local engine's group) may fail with it; once
    // one is acknowledged, every later one is, from where the last acknowledged one ended.
    const acked = settled.findIndex((s, i) => i > 0 && s.status === 'fulfilled');
    let next = end;
    for (let i = 1; i < settled.length; i++) {
      const s = settled[i]!;
      if (acked < 0 || i < acked) {
        assert.equal(s.status, 'rejected', `append ${i}`);
        if (s.status === 'rejected') assert.ok(isLogError(s.reason, 'KAFKA_STORAGE_ERROR'));
        continue;
      }
      assert.equal(s.status, 'fulfilled', `append ${i} after an acknowledged one`);
      if (s.status === 'fulfilled') {
        assert.equal(s.value.baseOffset, next, `append ${i} starts where the last acknowledged one ended`);
        next = s.value.lastOffset + 1;
      }
    }
    assert.deepEqual(order, acked < 0 ? [] : Array.from({ length: settled.length - acked }, (_, k) => acked + k), 'acknowledged in call order');
    assert.equal(store.acknowledgedEnd, next);
    const tail = append(store, batchOf('tail', 2));
    assert.equal((await tail.result).baseOffset, next, 'the next append goes on without a hole');
    const kept = acked < 0 ? [] : calls.slice(acked).map((c) => c.buf);
    const expected = Buffer.concat([...before, ...kept, tail.buf]);
    assert.deepEqual(Buffer.concat(await readBatches(store, 0)), expected, 'nothing of a failed append is read');
    restore();
    const again = await restart(engine, store, place);
    assert.deepEqual(Buffer.concat(await readBatches(again.store, 0)), expected, 'after a restart too');
    await again.store.close();
    await again.engine.close();
  } finally {
    restore();
  }
});

engineTest('an append numbered from an expected base offset is stored there or refused unwritten: behind a failed append it is refused, and the next one numbered from the end goes on', async (place) => {
  // A JetStream stream numbers its batches before the earlier ones are stored (expectBase);
  // a batch queued behind a failed append must not take the failed one's offsets.
  const { engine, store, doomed, arm, restore } = await failingAppend(place);
  try {
    await append(store, batchOf('b0', 2)).result;
    const end = store.acknowledgedEnd;
    arm();
    const numbered = (buf: Buffer, base: number) => {
      const delta = batchLastOffset(buf) - batchBaseOffset(buf);
      return { buf, result: store.append(buf, [delta], [batchMaxTimestamp(buf)], base) };
    };
    const doomedSpan = batchLastOffset(doomed) - batchBaseOffset(doomed) + 1;
    const first = numbered(doomed, end);
    const behind = numbered(batchOf('behind', 2), end + doomedSpan);
    const [f, b] = await Promise.allSettled([first.result, behind.result]);
    assert.equal(f.status, 'rejected');
    assert.equal(b.status, 'rejected', 'the append numbered behind the failed one was stored');
    if (b.status === 'rejected') assert.ok(isLogError(b.reason, 'KAFKA_STORAGE_ERROR'), String(b.reason));
    assert.equal(store.acknowledgedEnd, end);
    const next = numbered(batchOf('next'), end);
    assert.equal((await next.result).baseOffset, end, 'numbered from the end, it is stored there');
    const stale = numbered(batchOf('stale'), end);
    await assert.rejects(stale.result, (e) => isLogError(e, 'KAFKA_STORAGE_ERROR'));
    const expected = Buffer.concat([(await readBatches(store, 0))[0]!, next.buf]);
    assert.deepEqual(Buffer.concat(await readBatches(store, 0)), expected, 'nothing of a refused append is read');
    restore();
    const again = await restart(engine, store, place);
    assert.deepEqual(Buffer.concat(await readBatches(again.store, 0)), expected, 'after a restart too');
    await again.store.close();
    await again.engine.close();
  } finally {
    restore();
  }
});

engineTest('offsetForTimestamp: the first batch whose max timestamp reaches the one asked, at or after the log start (property)', async (place) => {
  const { engine, store } = await openStore(place, { segmentBytes: 1500 });
  const model: Array<{ base: number; max: number }> = [];
  let t = 1_700_000_000_000;
  for (let i = 0; i < 150; i++) {
    t += Math.floor(Math.random() * 100) - 30; // producers' clocks go backwards now and then
    const b = batchOf(`ts${i}`, 1 + (i % 2), {}, t);
    const r = await append(store, b).result;
    model.push({ base: r.baseOffset, max: batchMaxTimestamp(b) });
  }
  const check = async () => {
    const start = store.logStartOffset;
    for (let q = 0; q < 100; q++) {
      const target = model[0]!.max - 100 + Math.floor(Math.random() * (t - model[0]!.max + 300));
      const hit = model.find((m, k) => m.max >= target && (model[k + 1]?.base ?? store.acknowledgedEnd) > start);
      const got = await store.offsetForTimestamp(target);
      assert.deepEqual(got, hit ? { offset: Math.max(hit.base, start), timestamp: hit.max } : null, `timestamp ${target}, start ${start}`);
    }
  };
  await check();
  await store.deleteBefore(model[40]!.base + 1);
  await check();
  await store.close();
  await engine.close();
});

engineTest('deleteBefore moves the log start offset, never past the acknowledged end, durably', async (place) => {
  let { engine, store } = await openStore(place, { segmentBytes: 1024 });
  for (let i = 0; i < 40; i++) await append(store, batchOf(`d${i}`, 2)).result;
  const size = store.sizeBytes;
  await store.deleteBefore(31); // inside the batch 30-31
  assert.equal(store.logStartOffset, 31);
  assert.ok(store.sizeBytes <= size);
  await store.deleteBefore(10);
  assert.equal(store.logStartOffset, 31, 'the log start offset never moves back');
  const first = (await store.read(31, 1)).chunks[0]!;
  assert.equal(batchBaseOffset(first), 30, 'the batch holding the log start offset is still whole');
  ({ engine, store } = await restart(engine, store, place, 1024));
  assert.equal(store.logStartOffset, 31);
  await store.deleteBefore(1_000);
  assert.equal(store.logStartOffset, 80, 'clamped to the acknowledged end');
  assert.equal((await append(store, batchOf('next')).result).baseOffset, 80);
  await store.close();
  await engine.close();
});

engineTest('applyRetention frees whole units, oldest first, the one appended to last (a new one starts at the end)', async (place) => {
  let { engine, store } = await openStore(place, { segmentBytes: 1024 });
  const now = Date.now();
  const bases: number[] = [];
  for (let i = 0; i < 60; i++) bases.push((await append(store, batchOf(`r${i}`, 1, {}, i < 30 ? now - 3_600_000 : now)).result).baseOffset);
  const size = store.sizeBytes;
  assert.equal(await store.applyRetention({ deleteOlderThan: now - 3_700_000 }), 0, 'nothing is that old');
  const start = await store.applyRetention({ deleteOlderThan: now - 60_000 });
  assert.equal(start, store.logStartOffset);
  assert.ok(start > 0 && start <= 30, `start ${start}`);
  assert.ok(bases.includes(start), 'the new start is a unit boundary, i.e. a batch base offset');
  assert.ok(store.sizeBytes < size);
  assert.equal((await readBatches(store)).length, 60 - start, 'every young batch is still there');
  // The young ones are kept however old the rule's time is, as long as they are younger.
  assert.equal(await store.applyRetention({ deleteOlderThan: now - 60_000 }), start);
  // Everything is over the limit now: every unit goes, the one appended to included (as Kafka's
  // retention.bytes=0 does), and the partition starts again, empty, at its end.
  const last = await store.applyRetention({ maxBytes: 0 });
  assert.equal(last, 60);
  assert.equal(store.sizeBytes, 0);
  assert.equal(store.endOffset, 60);
  assert.equal((await readBatches(store)).length, 0);
  assert.equal(await store.applyRetention({ maxBytes: 0 }), 60, 'an empty unit appended to is not freed again');
  ({ engine, store } = await restart(engine, store, place, 1024));
  assert.equal(store.logStartOffset, 60);
  assert.equal(store.endOffset, 60);
  assert.equal((await append(store, batchOf('more')).result).baseOffset, 60);
  assert.equal(store.logStartOffset, 60);
  assert.equal((await readBatches(store)).length, 1);
  await store.close();
  await engine.close();
});

engineTest('a partition written once and left idle: its only unit goes once all of it is older than the rule, or once all of it is below the log start offset', async (place) => {
  let { engine, store } = await openStore(place);
  const now = Date.now();
  for (let i = 0; i < 10; i++) await append(store, batchOf(`idle${i}`, 1, {}, now - 3_600_000 + i)).result;
  assert.equal(await store.applyRetention({ deleteOlderThan: now - 3_600_000 }), 0, 'the newest record is younger than the limit: the unit stays');
  assert.equal(await store.applyRetention({}), 0, 'no rule, nothing below the log start offset: the unit stays');
  assert.equal(await store.applyRetention({ deleteOlderThan: now - 60_000 }), 10);
  assert.equal(store.sizeBytes, 0);
  assert.equal(store.endOffset, 10);
  ({ engine, store } = await restart(engine, store, place));
  assert.deepEqual([store.logStartOffset, store.endOffset, store.sizeBytes], [10, 10, 0]);
  for (let i = 0; i < 5; i++) assert.equal((await append(store, batchOf(`again${i}`, 2)).result).baseOffset, 10 + 2 * i);
  // DeleteRecords up to the end leaves the unit's bytes; retention with no rule then frees them.
  await store.deleteBefore(20);
  assert.equal(store.logStartOffset, 20);
  assert.equal(await store.applyRetention({}), 20);
  assert.equal(store.sizeBytes, 0);
  assert.equal((await append(store, batchOf('after')).result).baseOffset, 20);
  assert.equal((await readBatches(store)).length, 1);
  await store.close();
  await engine.close();
});

engineTest('truncateTo removes every batch ending at or after the offset; the next append takes the freed offsets; durably', async (place) => {
  let { engine, store } = await openStore(place, { segmentBytes: 700 });
  for (let i = 0; i < 30; i++) await append(store, batchOf(`t${i}`, 3)).result; // batches 3i..3i+2
  await store.truncateTo(91); // past the end: nothing happens
  assert.equal(store.endOffset, 90);
  await store.truncateTo(43); // inside batch 42-44
  assert.equal(store.endOffset, 42);
  assert.equal(store.acknowledgedEnd, 42);
  assert.equal((await append(store, batchOf('again')).result).baseOffset, 42);
  ({ engine, store } = await restart(engine, store, place, 700));
  const batches = await readBatches(store);
  assert.deepEqual(batches.map((b) => batchBaseOffset(b)), [...Array.from({ length: 14 }, (_, i) => i * 3), 42]);
  await store.truncateTo(0);
  assert.equal(store.endOffset, 0);
  assert.equal((await append(store, batchOf('fresh')).result).baseOffset, 0);
  await store.close();
  await engine.close();
});

engineTest('rewrite replaces and drops batches of sealed units only, offsets kept, while appends go on', async (place) => {
  let { engine, store } = await openStore(place, { segmentBytes: 600 });
  for (let i = 0; i < 40; i++) await append(store, batchOf(`w${i}`, 2)).result;
  const before = await readBatches(store);
  const end = store.acknowledgedEnd;
  const seen: number[] = [];
  const appending: Array<Promise<unknown>> = [];
  const result = await store.rewrite(end, async (batch) => {
    seen.push(batchBaseOffset(batch));
    await new Promise((r) => setImmediate(r));
    if (appending.length < 10) appending.push(append(store, batchOf(`late${appending.length}`)).result);
    const index = batchBaseOffset(batch) / 2;
    if (index % 2 === 0) return null; // drop
    return index % 3 === 0 ? Buffer.from(batch) : batch; // a copy counts as a changed batch
  });
  await Promise.all(appending);
  assert.ok(result.rewrittenUpTo > 0 && result.rewrittenUpTo < end, `rewritten up to ${result.rewrittenUpTo} of ${end}`);
  assert.ok(seen.every((o) => o < result.rewrittenUpTo), 'the unit still appended to was not handed out');
  assert.ok(result.bytesAfter < result.bytesBefore);
  const expectKept = before.filter((b) => batchBaseOffset(b) >= result.rewrittenUpTo || (batchBaseOffset(b) / 2) % 2 === 1);
  const after = await readBatches(store, 0);
  assert.deepEqual(Buffer.concat(after.slice(0, expectKept.length)), Buffer.concat(expectKept));
  assert.equal(after.length, expectKept.length + 10, 'the appends made meanwhile are there, after the rest');
  // A read inside a dropped batch lands on the next one kept.
  assert.equal(batchBaseOffset((await store.read(0, 1)).chunks[0]!), 2);
  ({ engine, store } = await restart(engine, store, place, 600));
  assert.deepEqual(Buffer.concat(await readBatches(store, 0)), Buffer.concat(after));
  await store.close();
  await engine.close();
});

engineTest('broker metadata: stored values survive a restart; onlyIfAbsent keeps what is there', async (place) => {
  let engine = await place.openEngine();
  assert.deepEqual(await engine.loadMetadata(), {});
  assert.equal(await engine.putMetadata('clusterId', 'first', { onlyIfAbsent: true }), 'first');
  assert.equal(await engine.putMetadata('clusterId', 'second', { onlyIfAbsent: true }), 'first');
  assert.equal(await engine.putMetadata('other', 'a'), 'a');
  assert.equal(await engine.putMetadata('other', 'b'), 'b');
  await engine.close();
  engine = await place.openEngine();
  assert.deepEqual(await engine.loadMetadata(), { clusterId: 'first', other: 'b' });
  await engine.close();
});

engineTest('topic metadata: committed topics survive; partitions no commit accounts for are gone after a restart; dropTopic removes the data', async (place) => {
  let engine = await place.openEngine();
  const two: StoredTopic = { ...TOPIC, partitions: 2, configs: { 'retention.ms': '1000' } };
  const stores = [await engine.openPartition(REF, settings(), true), await engine.openPartition({ ...REF, partition: 1 }, settings(), true)];
  await engine.putTopic(two);
  await append(stores[0]!, batchOf('kept')).result;
  // An interrupted CreatePartitions (partition 2 never committed) and an interrupted CreateTopics.
  stores.push(await engine.openPartition({ ...REF, partition: 2 }, settings(), true));
  const orphan: PartitionRef = { topic: 'orphan', topicId: 'ffff0000ffff0000ffff0000ffff0000', partition: 0 };
  stores.push(await engine.openPartition(orphan, settings(), true));
  for (const s of stores) await s.close();
  await engine.close();

  engine = await place.openEngine();
  assert.deepEqual(await engine.loadTopics(), [two]);
  await assert.rejects(engine.openPartition({ ...REF, partition: 2 }, settings(), false), (e) => e instanceof StorageCorruptionError);
  await assert.rejects(engine.openPartition(orphan, settings(), false), (e) => e instanceof StorageCorruptionError);
  const p0 = await engine.openPartition(REF, settings(), false);
  assert.equal(p0.acknowledgedEnd, 1);
  await p0.close();
  await engine.dropTopic(two);
  assert.deepEqual(await engine.loadTopics(), []);
  await assert.rejects(engine.openPartition(REF, settings(), false), (e) => e instanceof StorageCorruptionError);
  await engine.close();
});

engineTest('one engine at a time on a place; a closed store refuses calls; a closed engine opens no partition', async (place) => {
  const { engine, store } = await openStore(place);
  await assert.rejects(place.openEngine(), (e) => isLogError(e, 'KAFKA_STORAGE_ERROR') && /already open/.test((e as Error).message));
  await append(store, batchOf('x')).result;
  await store.close();
  await assert.rejects(append(store, batchOf('y')).result, (e) => isLogError(e, 'NOT_LEADER_OR_FOLLOWER'));
  await assert.rejects(store.read(0, 100), (e) => isLogError(e, 'NOT_LEADER_OR_FOLLOWER'));
  await engine.close();
  await assert.rejects(engine.openPartition(REF, settings(), false), (e) => isLogError(e, 'NOT_LEADER_OR_FOLLOWER'));
  const again = await place.openEngine();
  await again.close();
});
