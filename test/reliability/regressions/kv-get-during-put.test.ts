// Found by the reliability harness's KV workload (linearizability, no fault): with the local
// engine, a KV get that started after a put of its key was acknowledged answered "no value".
// max_msgs_per_subject counted a put still in flight (issued, not yet durable) and removed the
// key's last durable message when another append became durable, so until the in-flight put's
// fsync the key had no readable message. Three clients put and get one key concurrently; every
// get that starts after one of its own puts was acknowledged must find a value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, StringCodec } from 'nats';
import { startTestBroker } from '../../support/broker.js';

const sc = StringCodec();

test('a KV get after an acknowledged put of its key finds a value while other puts of the key are in flight (local engine, fsync always)', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-kv-inflight-'));
  const broker = await startTestBroker({ storage: 'local', dataDir, fsync: 'always' });
  const url = `127.0.0.1:${broker.ports.nats}`;
  const conns = await Promise.all([0, 1, 2].map(() => connect({ servers: url })));
  try {
    await conns[0]!.jetstream().views.kv('inflight', { history: 1 });
    let empty = 0;
    let gets = 0;
    await Promise.all(
      conns.map(async (nc, c) => {
        const kv = await nc.jetstream().views.kv('inflight');
        for (let n = 0; n < 150; n++) {
          await kv.put('k', sc.encode(`c${c}-${n}`));
          const e = await kv.get('k');
          gets++;
          if (e === null) empty++;
        }
      }),
    );
    assert.equal(empty, 0, `${empty} of ${gets} gets after an acknowledged put found no value`);
  } finally {
    await Promise.all(conns.map((c) => c.close()));
    await broker.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
