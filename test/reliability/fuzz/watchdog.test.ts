// The fuzz watchdog (watchdog.ts) names a stalled input and the await it is at, once, and tells a
// stall of the target from a stall of its caller (no input pending, none started). The checks
// are driven with explicit times: nothing here waits on the clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FuzzWatchdog } from './watchdog.js';

test('an input pending past the limit is reported once, with its number, stage and bytes', () => {
  const lines: string[] = [];
  const w = new FuzzWatchdog({ afterMs: 1_000, write: (l) => lines.push(l), describe: (b) => `subject ${b[0]}` });
  try {
    w.begin(Buffer.from([7, 0x41]));
    w.end();
    const t0 = Date.now();
    w.begin(Buffer.from([3, 0x42]));
    w.stage('request');
    w.check(t0 + 500);
    assert.equal(w.reports.length, 0, 'reported before the limit');
    w.check(t0 + 1_500);
    w.check(t0 + 2_500);
    assert.equal(w.reports.length, 1, 'a stall is reported once');
    assert.match(w.reports[0]!, /input #2 pending/);
    assert.match(w.reports[0]!, /at "request"/);
    assert.match(w.reports[0]!, /subject 3/);
    assert.match(w.reports[0]!, /input hex 0342/);
    assert.match(w.reports[0]!, /\(1 settled before it\)/);
    assert.deepEqual(lines, w.reports);
  } finally {
    w.stop();
  }
});

test('no input pending and none started past the limit is reported as the caller stalling', () => {
  const w = new FuzzWatchdog({ afterMs: 1_000, write: () => {} });
  try {
    w.check(Date.now() + 5_000);
    assert.equal(w.reports.length, 0, 'nothing to report before the first input');
    w.begin(Buffer.from([1]));
    w.end();
    const t0 = Date.now();
    w.check(t0 + 500);
    assert.equal(w.reports.length, 0);
    w.check(t0 + 1_500);
    assert.equal(w.reports.length, 1);
    assert.match(w.reports[0]!, /no input for \d+ ms after input #1 settled: the target is not waiting, its caller is/);
    w.begin(Buffer.from([2]));
    w.end();
    w.check(Date.now() + 500);
    assert.equal(w.reports.length, 1, 'a new input ends the idle stall');
    assert.deepEqual(w.counts, { started: 2, settled: 2 });
  } finally {
    w.stop();
  }
});

test('onIdle is called once when no input comes after the last one, and again after a new one', () => {
  let idle = 0;
  const w = new FuzzWatchdog({ afterMs: 10_000, idleMs: 1_000, write: () => {}, onIdle: () => idle++ });
  try {
    w.check(Date.now() + 5_000);
    assert.equal(idle, 0, 'not idle before the first input');
    w.begin(Buffer.from([1]));
    const t0 = Date.now();
    w.check(t0 + 5_000);
    assert.equal(idle, 0, 'an input pending is not idleness');
    w.end();
    const t1 = Date.now();
    w.check(t1 + 500);
    assert.equal(idle, 0);
    w.check(t1 + 1_500);
    w.check(t1 + 2_500);
    assert.equal(idle, 1, 'called once');
    assert.equal(w.reports.length, 0, 'idleness before afterMs is not reported as a stall');
    w.begin(Buffer.from([2]));
    w.end();
    w.check(Date.now() + 1_500);
    assert.equal(idle, 2, 'called again after a new input');
  } finally {
    w.stop();
  }
});
