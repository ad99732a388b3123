// Found by the reliability harness's KV workload (linearizability, no fault), after the fix in
// kv-get-during-put.test.ts: an update whose expected revision no longer matched was refused
// because of a put still in flight, and the refusal was answered at once, before that put was
// durable and readable; a get right after the refusal then returned the very revision the update
// had expected. The refusal now waits for the batch in flight. Here one client puts while
// another updates with the revision both last saw: after a refusal, a get must show a newer one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, StringCodec } from 'nats';
import { startTestBroker } from '../../support/broker.js';

const sc = StringCodec();

test('a KV update refused for a stale revision is answered only when a later get sees the newer revision (local engine, fsync always)', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-kv-refusal-'));
  const broker = await startTestBroker({ storage: 'local', dataDir, fsync: 'always' });
  const url = `127.0.0.1:${broker.ports.nats}`;
  const [a, b] = await Promise.all([connect({ servers: url }), connect({ servers: url })]);
  try {
    const kvA = await a.jetstream().views.kv('refusal', { history: 1 });
    const kvB = await b.jetstream().views.kv('refusal');
    let rev = await kvA.put('k', sc.encode('start'));
    let refused = 0;
    let stale = 0;
    for (let i = 0; i < 150; i++) {
      const put = kvA.put('k', sc.encode(`a${i}`));
      try {
        rev = await kvB.update('k', sc.encode(`b${i}`), rev);
      } catch (err) {
        if (!/wrong last sequence/.test((err as Error).message)) throw err;
        refused++;
        const e = await kvB.get('k');
        if (e !== null && e.revision === rev) stale++;
      }
      rev = Math.max(rev, await put);
      const last = await kvB.get('k');
      rev = Math.max(rev, last?.revision ?? 0);
    }
    assert.ok(refused > 0, 'no update was refused: the race this test needs did not happen');
    assert.equal(stale, 0, `${stale} of ${refused} gets after a refused update returned the revision the update expected`);
  } finally {
    await Promise.all([a.close(), b.close()]);
    await broker.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
