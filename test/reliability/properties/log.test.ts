// Property tests (fast-check) of the log's offset arithmetic, retention and compaction
// (src/core/log over both storage engines, src/storage/units.ts): any sequence of batches gets
// contiguous offsets and a high watermark equal to the records appended, a read from any offset
// starts with the batch holding it, and that holds after a restart; retention by bytes keeps a
// contiguous suffix under its limit and only moves the start forward; compaction keeps the last
// record of every key at its original offset, in offset order, with the high watermark unchanged.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { batchBaseOffset, batchLastOffsetDelta, buildRecordBatch } from '../../../src/core/records/batch.js';
import { engineTest, keyed, readAll } from '../../storage/helpers.js';
import { splitBatches } from '../../support/records.js';

const batches = fc.array(fc.record({ records: fc.integer({ min: 1, max: 5 }), size: fc.integer({ min: 0, max: 400 }) }), { minLength: 1, maxLength: 40 });

engineTest('offsets are contiguous, reads start at the batch holding the offset, and a restart keeps both (fast-check)', async (place) => {
  let round = 0;
  await fc.assert(
    fc.asyncProperty(batches, fc.integer({ min: 1024, max: 8192 }), async (shape, segmentBytes) => {
      const topic = `t${round++}`;
      let log = await place.open();
      await log.createTopic(topic, { configs: { 'segment.bytes': String(segmentBytes) } });
      let next = 0;
      const spans: Array<[number, number]> = [];
      for (const [i, b] of shape.entries()) {
        const r = await log.partition(topic, 0).append(buildRecordBatch({ records: Array.from({ length: b.records }, (_, k) => ({ value: `${i}-${k}-${'x'.repeat(b.size)}` })) }));
        assert.equal(r.baseOffset, next, 'base offset follows the last one');
        assert.equal(r.lastOffset, next + b.records - 1);
        spans.push([r.baseOffset, r.lastOffset]);
        next += b.records;
      }
      for (let pass = 0; pass < 2; pass++) {
        const p = log.partition(topic, 0);
        assert.equal(p.highWatermark, next);
        for (const [base, last] of spans) {
          for (const o of [base, last]) {
            const res = await p.read(o, 1);
            const first = splitBatches(Buffer.concat(res.chunks))[0]!;
            assert.ok(batchBaseOffset(first) <= o && o <= batchBaseOffset(first) + batchLastOffsetDelta(first), `read at ${o} starts at the batch holding it`);
          }
        }
        if (pass === 0 && place.kind === 'local') {
          await log.close();
          log = await place.open();
        }
      }
      await log.close();
    }),
    { numRuns: place.kind === 'local' ? 8 : 30 },
  );
});

engineTest('retention.bytes keeps a contiguous suffix under the limit and moves the start forward only (fast-check)', async (place) => {
  let round = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(fc.integer({ min: 10, max: 600 }), { minLength: 5, maxLength: 80 }), fc.integer({ min: 2000, max: 20000 }), async (sizes, limit) => {
      const topic = `r${round++}`;
      const log = await place.open();
      await log.createTopic(topic, { configs: { 'segment.bytes': '2048', 'retention.bytes': String(limit) } });
      const p = log.partition(topic, 0);
      let start = 0;
      for (const [i, s] of sizes.entries()) {
        await p.append(buildRecordBatch({ records: [{ value: `${i}:${'y'.repeat(s)}` }] }));
        if (i % 10 === 9) {
          await log.runMaintenance();
          assert.ok(p.logStartOffset >= start, 'the start never moves back');
          start = p.logStartOffset;
        }
      }
      await log.runMaintenance();
      assert.ok(p.logStartOffset >= start);
      assert.ok(p.sizeBytes <= limit + 2048 + 700, `size ${p.sizeBytes} over ${limit} plus a segment`);
      const recs = await readAll(log, topic);
      assert.equal(recs.length, sizes.length - p.logStartOffset, 'what remains is the whole suffix');
      recs.forEach((r, i) => assert.equal(r.offset, p.logStartOffset + i));
      await log.close();
    }),
    { numRuns: place.kind === 'local' ? 8 : 25 },
  );
});

engineTest('compaction keeps the last record of every key at its offset, in order (fast-check)', async (place) => {
  let round = 0;
  const workload = fc.array(fc.record({ key: fc.integer({ min: 0, max: 12 }), tombstone: fc.boolean() }), { minLength: 1, maxLength: 150 });
  await fc.assert(
    fc.asyncProperty(workload, async (ops) => {
      const topic = `c${round++}`;
      const log = await place.open();
      await log.createTopic(topic, { configs: { 'cleanup.policy': 'compact', 'segment.bytes': '1024', 'min.cleanable.dirty.ratio': '0.01', 'delete.retention.ms': '86400000' } });
      const p = log.partition(topic, 0);
      const latest = new Map<string, { offset: number; value: string | null }>();
      const old = Date.now() - 1000;
      for (const [i, o] of ops.entries()) {
        const value = o.tombstone ? null : `v${i}`;
        const r = await p.append(keyed(`k${o.key}`, value, old));
        latest.set(`k${o.key}`, { offset: r.baseOffset, value });
      }
      // Unique padding pushes the workload out of the active segment, which is never cleaned.
      for (let i = 0; i < 40; i++) await p.append(keyed(`pad${i}`, 'z'.repeat(60), old));
      const hw = p.highWatermark;
      await log.runMaintenance();
      assert.equal(p.highWatermark, hw);
      const recs = (await readAll(log, topic)).filter((r) => !r.key!.startsWith('pad'));
      for (let i = 1; i < recs.length; i++) assert.ok(recs[i]!.offset > recs[i - 1]!.offset, 'offsets increase');
      const byKey = new Map<string, { offset: number; value: string | null }>();
      for (const r of recs) {
        assert.ok(!byKey.has(r.key!), `key ${r.key} survives compaction twice`);
        byKey.set(r.key!, { offset: r.offset, value: r.value });
      }
      assert.deepEqual(byKey, latest);
      await log.close();
    }),
    { numRuns: place.kind === 'local' ? 8 : 25 },
  );
});
