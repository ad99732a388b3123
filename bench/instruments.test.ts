// Checks of the benchmarks' own instruments (`npm run bench:check`): the driver interleaves
// reference and Wharf runs per pair, a failed run stays in the figures as a failure, and the
// statistics rank failures at the bad end instead of dropping them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { measure, NotMeasurable } from './pairs.js';
import type { BenchResult, BenchRow } from './report.js';
import { pairedRatios, summarize, verdict } from './stats.js';
import { markdownTable, ratioColumns } from './table.js';

const quiet = { log: () => {} };

test('the driver runs reference then Wharf in each pair, N times, and one ratio per pair', async () => {
  const order: string[] = [];
  const rows = await measure(
    {
      rows: [{ key: 'x', label: 'x', unit: 'ops/s', higherIsBetter: true }],
      sides: [
        { column: 'ref', run: async (i) => (order.push(`ref${i}`), { x: 10 }) },
        { column: 'w', run: async (i) => (order.push(`w${i}`), { x: 10 + i }) },
      ],
    },
    { pairs: 3, ...quiet },
  );
  assert.deepEqual(order, ['ref0', 'w0', 'ref1', 'w1', 'ref2', 'w2']);
  assert.deepEqual(pairedRatios(rows[0]!, 'ref', 'w'), [1, 1.1, 1.2]);
  assert.equal(rows[0]!.load?.load1.length, 7, 'one load sample per run and one at the end');
});

test('--order alternate reverses every second pair', async () => {
  const order: string[] = [];
  await measure(
    {
      rows: [{ key: 'x', label: 'x', unit: 'ops/s', higherIsBetter: true }],
      sides: ['ref', 'w', 'w2'].map((column) => ({ column, run: async () => (order.push(column), { x: 1 }) })),
    },
    { pairs: 3, order: 'alternate', ...quiet },
  );
  assert.deepEqual(order, ['ref', 'w', 'w2', 'w2', 'w', 'ref', 'ref', 'w', 'w2']);
});

test('a failed run is kept as a failure of every row it feeds, and a missing feature as not measurable', async () => {
  const rows = await measure(
    {
      rows: [
        { key: 'p50', label: 'p50', unit: 'µs', higherIsBetter: false },
        { key: 'p99', label: 'p99', unit: 'µs', higherIsBetter: false },
      ],
      sides: [
        { column: 'ref', run: async () => ({ p50: 100, p99: 200 }) },
        {
          column: 'w',
          run: async (i) => {
            if (i === 1) throw new Error('tool died');
            return { p50: 90, p99: 180 };
          },
        },
        {
          column: 'w2',
          run: async () => {
            throw new NotMeasurable('no transactions');
          },
        },
      ],
    },
    { pairs: 3, ...quiet },
  );
  for (const row of rows) {
    assert.deepEqual(row.pairs[1]!.w, { failed: 'tool died' }, `${row.key}: the failure of pair 2 is recorded, not another run's value`);
    assert.equal(row.notMeasurable?.w2, 'no transactions');
    assert.equal(row.pairs.length, 3);
  }
  assert.equal(rows[1]!.pairs[0]!.w, 180, 'p99 comes from the same run as p50');
});

test('failures rank at the bad end: they move the median and are counted, never dropped', () => {
  const up = summarize([5, { failed: 'x' }, 7], true)!;
  assert.deepEqual(up, { n: 3, failed: 1, median: 5, min: 'failed', max: 7 });
  const down = summarize([5, { failed: 'x' }, 7], false)!;
  assert.deepEqual(down, { n: 3, failed: 1, median: 7, min: 5, max: 'failed' });
  assert.equal(summarize([{ failed: 'a' }, { failed: 'b' }, 1], true)!.median, 'failed');
});

test('a pair in which either side failed is a failed ratio at Wharf\'s bad end', () => {
  const row: BenchRow = {
    key: 'x',
    label: 'x',
    unit: 'ops/s',
    higherIsBetter: true,
    pairs: [
      { ref: 10, w: 20 },
      { ref: { failed: 'ref died' }, w: 20 },
      { ref: 10, w: 30 },
    ],
  };
  const rs = pairedRatios(row, 'ref', 'w');
  assert.equal(rs.length, 3);
  const s = summarize(rs, true)!;
  assert.equal(s.median, 2, 'the failed pair ranks below 2 and 3');
  assert.equal(s.failed, 1);
  assert.equal(verdict(row, rs), 'ahead');
  assert.equal(verdict(row, [1.01, 0.98]), 'even');
  assert.equal(verdict(row, [1.2, 0.8]), 'mixed');
  assert.equal(verdict({ higherIsBetter: false }, [0.5, 0.7]), 'ahead');
});

test('a Wharf column that names its references is compared with those only (the same durability)', () => {
  const row: BenchRow = { key: 'x', label: 'x', unit: 'msgs/s', higherIsBetter: true, pairs: [{ lazy: 100, safe: 10, w: 20, wLazy: 50 }] };
  const res: BenchResult = {
    area: 'jetstream',
    title: 't',
    columns: [
      { key: 'lazy', label: 'ref lazy', role: 'reference', settings: '' },
      { key: 'safe', label: 'ref safe', role: 'reference', settings: '' },
      { key: 'w', label: 'W', role: 'wharf', against: ['safe'], settings: '' },
      { key: 'wLazy', label: 'W lazy', role: 'wharf', against: ['lazy'], settings: '' },
    ],
    rows: [row],
    pairs: 1,
    seconds: 0,
    date: '',
    commands: [],
    notes: [],
  };
  assert.deepEqual(
    ratioColumns(res).map(({ col, ref }) => `${col.key}/${ref.key}`),
    ['w/safe', 'wLazy/lazy'],
  );
  const table = markdownTable(res);
  assert.match(table, /\| \*\*2\.00\*\* \| 0\.50 \|/, 'W / ref safe = 2.00, W lazy / ref lazy = 0.50');
  assert.doesNotMatch(table, /W \/ ref lazy/);
});
