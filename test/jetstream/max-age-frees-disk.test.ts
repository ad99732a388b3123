// max_age over the log's retention (docs/jetstream.md, docs/storage.md): a file stream whose
// messages have all expired moves its log start offset to the end, and the log's retention
// check then frees the segment that was being appended to, so a stream written once and then
// idle gives its disk back. The stream's sequences are unchanged by that: the state is
// first_seq = last_seq + 1 with no messages (as nats-server reports it), new messages continue
// at the next sequence, and a restart keeps all of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nats from 'nats';
import type { Broker } from '../../src/index.js';
import { startTestBroker } from '../support/broker.js';
import { waitForValue } from '../support/wait.js';

const STREAM = 'AGED';

function streamLogBytes(broker: Broker, dataDir: string): number {
  const topic = broker.log.listTopics().find((t) => t.name === STREAM || t.name.endsWith(`.${STREAM}`));
  assert.ok(topic, `the topic of stream ${STREAM}`);
  const dir = join(dataDir, 'topics', topic.topicId, '0');
  if (!existsSync(dir)) return 0;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}

test('a file stream whose messages all expired by max_age gives its disk back; sequences continue, also after a restart', { timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-js-max-age-'));
  const flags = { dataDir, logRetentionCheckInterval: 100 };
  let broker = await startTestBroker(flags);
  let nc = await nats.connect({ servers: `127.0.0.1:${broker.ports.nats}` });
  try {
    let jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: STREAM, subjects: ['aged.>'], storage: nats.StorageType.File, max_age: nats.nanos(1_000) });
    const js = nc.jetstream();
    for (let i = 0; i < 20; i++) await js.publish(`aged.${i % 3}`, new TextEncoder().encode(`m${i}`));
    assert.ok(streamLogBytes(broker, dataDir) > 0, 'the messages are on disk');
    const expired = await waitForValue(async () => (await jsm.streams.info(STREAM)).state, (s) => s.messages === 0, { what: 'every message expired (max_age 1 s)', timeoutMs: 30_000, intervalMs: 100 });
    assert.deepEqual([expired.first_seq, expired.last_seq, expired.bytes], [21, 20, 0]);
    await waitForValue(() => streamLogBytes(broker, dataDir), (n) => n === 0, { what: "the stream's segment files emptied by the retention check", timeoutMs: 30_000, intervalMs: 50 });

    await nc.close();
    await broker.close();
    broker = await startTestBroker(flags);
    nc = await nats.connect({ servers: `127.0.0.1:${broker.ports.nats}` });
    jsm = await nc.jetstreamManager();
    const restarted = (await jsm.streams.info(STREAM)).state;
    assert.deepEqual([restarted.messages, restarted.first_seq, restarted.last_seq], [0, 21, 20], 'the restart keeps the sequences');
    const ack = await nc.jetstream().publish('aged.x', new TextEncoder().encode('after'));
    assert.equal(ack.seq, 21, 'the next message takes the next sequence');
    const m = await jsm.streams.getMessage(STREAM, { seq: 21 });
    assert.equal(new TextDecoder().decode(m.data), 'after');
  } finally {
    await nc.close().catch(() => undefined);
    await broker.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
