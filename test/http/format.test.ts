// Go's value formats in the monitoring JSON: time.Time, time.Duration.String() and nats-server's uptime.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { goDuration, goTime, msToNanos, natsUptime } from '../../src/http/format.js';

describe('monitoring formats', () => {
  it('goTime trims the fraction like RFC3339Nano', () => {
    assert.equal(goTime(new Date('2026-01-02T03:04:05.120Z')), '2026-01-02T03:04:05.12Z');
    assert.equal(goTime(new Date('2026-01-02T03:04:05.007Z')), '2026-01-02T03:04:05.007Z');
    assert.equal(goTime(new Date('2026-01-02T03:04:05.000Z')), '2026-01-02T03:04:05Z');
  });

  it('goDuration writes what time.Duration.String() writes', () => {
    const cases: [number, string][] = [
      [0, '0s'],
      [1, '1ns'],
      [999, '999ns'],
      [1_000, '1µs'],
      [492_000, '492µs'],
      [1_500, '1.5µs'],
      [3_246_540, '3.24654ms'],
      [1_000_000, '1ms'],
      [1_000_000_000, '1s'],
      [1_500_000_000, '1.5s'],
      [61_000_000_000, '1m1s'],
      [3_600_000_000_000, '1h0m0s'],
      [3_723_000_000_001, '1h2m3.000000001s'],
      [-2_000_000, '-2ms'],
    ];
    for (const [ns, text] of cases) assert.equal(goDuration(ns), text, String(ns));
  });

  it('natsUptime writes whole seconds with days and years', () => {
    assert.equal(natsUptime(0), '0s');
    assert.equal(natsUptime(999), '0s');
    assert.equal(natsUptime(59_000), '59s');
    assert.equal(natsUptime(60_000), '1m0s');
    assert.equal(natsUptime(3_605_000), '1h0m5s');
    assert.equal(natsUptime(90_061_000), '1d1h1m1s');
    assert.equal(natsUptime((366 * 86_400 + 5) * 1_000), '1y1d0h0m5s');
  });

  it('msToNanos', () => {
    assert.equal(msToNanos(120_000), 120_000_000_000);
  });
});
