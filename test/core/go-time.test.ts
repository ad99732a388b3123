// formatGoTime formats the date and time of day once per second and appends the millisecond's
// fraction from a table (direct gets and advisories stamp many messages of one second). This
// checks it against the plain formatting (Date.toISOString, trailing zeros of the fraction cut,
// as Go's time.Time marshals), across fractions, second and day boundaries, a leap day, and the
// values outside the fast path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatGoTime } from '../../src/core/streams/go-duration.js';

function plain(ms: number): string {
  if (ms === 0) return '0001-01-01T00:00:00Z';
  const iso = new Date(ms).toISOString();
  const frac = iso.slice(20, 23).replace(/0+$/, '');
  return frac.length === 0 ? `${iso.slice(0, 19)}Z` : `${iso.slice(0, 19)}.${frac}Z`;
}

test('formatGoTime gives the plain RFC 3339 formatting for every millisecond of a second and across boundaries', () => {
  const base = Date.UTC(2026, 11, 3, 18, 59, 59);
  for (let i = 0; i < 2500; i++) assert.equal(formatGoTime(base + i), plain(base + i), String(base + i));
  // Alternating seconds (the cached prefix must follow), a leap day, the epoch's first second.
  const leap = Date.UTC(2024, 1, 29, 23, 59, 59, 999);
  for (const ms of [leap, leap + 1, base, leap, base + 1000, 1, 999, 1000, 1001]) assert.equal(formatGoTime(ms), plain(ms), String(ms));
  assert.equal(formatGoTime(base + 120), '2026-12-03T18:59:59.12Z');
  assert.equal(formatGoTime(base + 100), '2026-12-03T18:59:59.1Z');
  assert.equal(formatGoTime(base), '2026-12-03T18:59:59Z');
  assert.equal(formatGoTime(base + 7), '2026-12-03T18:59:59.007Z');
});

test('formatGoTime outside the fast path: zero, before 1970, past year 9999', () => {
  assert.equal(formatGoTime(0), '0001-01-01T00:00:00Z');
  for (const ms of [-1, -1500, -86_400_000 * 365, 253402300799999, 253402300800000, 253402300800123]) assert.equal(formatGoTime(ms), plain(ms), String(ms));
});
