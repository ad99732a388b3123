// --kafka-fetch-session-cache-slots (Kafka's max.incremental.fetch.session.cache.slots) bounds
// the broker's fetch session cache, from the flag and from a Kafka properties file (issue 15:
// every cache the broker keeps is bounded by an option).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFromFlags, startBroker, type OptionsByFlag } from '../../src/index.js';

async function slotsOf(flags: OptionsByFlag): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-fetch-slots-'));
  try {
    const broker = await startBroker(configFromFlags({ host: '127.0.0.1', port: 0, httpPort: -1, kafkaPort: 0, logLevel: 'silent', dataDir: join(dir, 'data'), ...flags }));
    try {
      return broker.kafka!.fetchSessions.maxEntries;
    } finally {
      await broker.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the fetch session cache takes its size from --kafka-fetch-session-cache-slots and from max.incremental.fetch.session.cache.slots', async () => {
  assert.equal(await slotsOf({}), 1000);
  assert.equal(await slotsOf({ kafkaFetchSessionCacheSlots: 3 }), 3);
  const props = join(mkdtempSync(join(tmpdir(), 'wharf-fetch-props-')), 'server.properties');
  writeFileSync(props, 'max.incremental.fetch.session.cache.slots=7\n');
  try {
    assert.equal(await slotsOf({ kafkaConfig: props }), 7);
  } finally {
    rmSync(join(props, '..'), { recursive: true, force: true });
  }
});
