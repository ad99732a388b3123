// Without libfaketime the clock-jump fault is skipped with the reason and the way to install it
// (scripts/peers/install-faults.sh), never started half-prepared: a round is skipped before its
// broker starts (round.ts asks unsupported() first) and the report shows the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clockJumpFault, findLibfaketime } from './faults/clock-jump.js';

test('a missing libfaketime skips clock-jump with the reason', () => {
  assert.equal(findLibfaketime(['/nonexistent/libfaketime.so.1']), null);
  const fault = clockJumpFault(1_000, 7_200, null);
  const why = fault.unsupported('wharf');
  assert.ok(why !== undefined, 'skipped');
  assert.match(why, /libfaketime is not installed/);
  assert.match(why, /scripts\/peers\/install-faults\.sh/);
});

test('with the library, clock-jump runs against Wharf and Kafka, not nats-server', () => {
  const fault = clockJumpFault(1_000, 7_200, '/some/libfaketime.so.1');
  assert.equal(fault.unsupported('wharf'), undefined);
  assert.equal(fault.unsupported('kafka'), undefined);
  assert.match(fault.unsupported('nats-server') ?? '', /vDSO/);
});
