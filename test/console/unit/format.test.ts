// The console's formatting of sizes, counts, rates, durations and times (packages/console/src/lib).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, formatCount, formatDuration, formatRate, formatRetention, formatTimestamp } from '../../../packages/console/src/lib/format.js';

test('sizes in binary units with three significant digits', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(522.32), '522 B');
  assert.equal(formatBytes(1536), '1.50 KiB');
  assert.equal(formatBytes(12.5 * 1024 * 1024), '12.5 MiB');
  assert.equal(formatBytes(300 * 1024 ** 3), '300 GiB');
  assert.equal(formatBytes(-1), '–');
});

test('counts, rates, durations and retention', () => {
  assert.equal(formatCount(1234567), '1,234,567');
  assert.equal(formatRate(0), '0');
  assert.equal(formatRate(6.44), '6.4');
  assert.equal(formatRate(1234), '1.23k');
  assert.equal(formatRate(2_500_000), '2.50M');
  assert.equal(formatDuration(850), '850 ms');
  assert.equal(formatDuration(12_000), '12 s');
  assert.equal(formatDuration(200_000), '3m 20s');
  assert.equal(formatDuration(5 * 3_600_000 + 120_000), '5h 2m');
  assert.equal(formatDuration(3 * 86_400_000 + 4 * 3_600_000), '3d 4h');
  assert.equal(formatDuration(null), '–');
  assert.equal(formatRetention(604_800_000, -1), '7d 0h');
  assert.equal(formatRetention(-1, -1), 'forever');
  assert.equal(formatRetention(-1, 1024 * 1024), 'forever / 1.00 MiB');
});

test('timestamps in local time with milliseconds', () => {
  assert.equal(formatTimestamp(Date.UTC(2026, 0, 2, 3, 4, 5, 6), 0), '2026-01-02 03:04:05.006');
  assert.equal(formatTimestamp(Date.UTC(2026, 0, 2, 3, 4, 5, 6), -60), '2026-01-02 04:04:05.006');
});
