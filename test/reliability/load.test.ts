// The load scenarios' short form in npm test: 1,000 connections held with bounded memory per
// connection and a client still served after them, and a 3 s publisher flood with a stalled
// subscriber, which must be cut off at max_pending while a healthy subscriber gets everything and
// the broker's memory stays bounded. The full scenarios (10,000 connections, the soak) are
// `npm run reliability:load`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectionsScenario, floodScenario } from './load/main.js';

test('1,000 connections cost a bounded amount of memory each and the broker still serves', { timeout: 120_000 }, async () => {
  const r = await connectionsScenario(1_000);
  assert.ok(r.servedAfter);
  assert.ok(r.bytesPerConnection < 64 * 1024, `${r.bytesPerConnection} bytes per connection`);
});

test('a publisher flood cuts a stalled subscriber off at max_pending; memory stays bounded and a healthy subscriber gets everything', { timeout: 120_000 }, async () => {
  const r = await floodScenario(3, 8);
  assert.ok(r.stalledCutOff, 'the stalled subscriber was not cut off');
  assert.equal(r.healthyReceived, r.published);
  assert.ok(r.rssPeakMb - r.rssBaselineMb < 8 * 8 + 64, `RSS grew from ${r.rssBaselineMb.toFixed(0)} to ${r.rssPeakMb.toFixed(0)} MB`);
});
