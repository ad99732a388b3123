// Rates from the broker's cumulative counters, and the live chart's columns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateSeries } from '../../../packages/console/src/lib/rates.js';

test('per-second rates between samples; a counter that went down counts as zero', () => {
  const s = new RateSeries(3);
  assert.equal(s.push(1_000, [0, 100]), null, 'the first sample gives no rate');
  assert.deepEqual(s.push(3_000, [50, 300]), [25, 100]);
  assert.deepEqual(s.push(4_000, [40, 400]), [0, 100], 'a restart resets counters');
  assert.equal(s.push(4_000, [50, 500]), null, 'a sample at the same time is ignored');
  s.push(5_000, [60, 600]);
  s.push(6_000, [70, 700]);
  assert.equal(s.points.length, 3, 'bounded history');
  assert.deepEqual(s.columns(2), [
    [4, 5, 6],
    [0, 10, 10],
    [100, 100, 100],
  ]);
});
