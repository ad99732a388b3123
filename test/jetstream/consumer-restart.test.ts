// JetStream consumers across a broker restart, on the wire: an ephemeral consumer (no durable
// name) of a file stream comes back with its state, as on nats-server, so that a client's
// consume carries on over the restart (nats.go's "with server restart" tests); a mem_storage
// one (what ordered consumers ask for) does not; and a pull request waiting when the broker
// shuts down is told so with "409 Server Shutdown" and its pending counts before the
// connection closes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nats from 'nats';
import { startTestBroker } from '../support/broker.js';
import { RawNats, statusOf } from './support/raw-nats.js';

const sc = nats.StringCodec();

interface CreateReply {
  name?: string;
  error?: { err_code: number };
}

test('an ephemeral consumer of a file stream survives a restart with its state; a mem_storage one does not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-js-eph-'));
  try {
    let ephemeral = '';
    let memory = '';
    {
      const b = await startTestBroker({ dataDir: dir });
      const nc = await nats.connect({ servers: `127.0.0.1:${b.ports.nats}` });
      const jsm = await nc.jetstreamManager();
      await jsm.streams.add({ name: 'E', subjects: ['e.>'] });
      const js = nc.jetstream();
      for (let i = 1; i <= 5; i++) await js.publish('e.x', sc.encode(`m${i}`));
      const create = async (config: Record<string, unknown>): Promise<string> => {
        const r = await nc.request('$JS.API.CONSUMER.CREATE.E', sc.encode(JSON.stringify({ stream_name: 'E', config })));
        const body = JSON.parse(sc.decode(r.data)) as CreateReply;
        assert.equal(body.error, undefined);
        return body.name!;
      };
      ephemeral = await create({ ack_policy: 'explicit', inactive_threshold: 60_000_000_000 });
      memory = await create({ ack_policy: 'explicit', inactive_threshold: 60_000_000_000, mem_storage: true });
      // Two delivered and acked, one delivered and left pending.
      const c = await js.consumers.get('E', ephemeral);
      const batch = await c.fetch({ max_messages: 3, expires: 2000 });
      let n = 0;
      for await (const m of batch) {
        if (++n < 3) await m.ackAck();
      }
      assert.equal(n, 3);
      await nc.close();
      await b.close();
    }
    const b = await startTestBroker({ dataDir: dir });
    const nc = await nats.connect({ servers: `127.0.0.1:${b.ports.nats}` });
    try {
      const jsm = await nc.jetstreamManager();
      const names: string[] = [];
      for await (const n of jsm.consumers.list('E')) names.push(n.name);
      assert.deepEqual(names, [ephemeral], 'the ephemeral consumer is back, the mem_storage one is gone');
      assert.notEqual(memory, ephemeral);
      const info = await jsm.consumers.info('E', ephemeral);
      assert.deepEqual([info.delivered.stream_seq, info.ack_floor.stream_seq, info.num_ack_pending, info.num_pending], [3, 2, 1, 2]);
      assert.equal(info.config.inactive_threshold, 60_000_000_000);
    } finally {
      await nc.close();
      await b.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a pull request waiting at shutdown gets 409 Server Shutdown with its pending counts', async () => {
  const b = await startTestBroker();
  let closed = false;
  const raw = await RawNats.open(b.ports.nats);
  try {
    const nc = await nats.connect({ servers: `127.0.0.1:${b.ports.nats}` });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: 'SD', subjects: ['sd'] });
    await jsm.consumers.add('SD', { durable_name: 'P', ack_policy: nats.AckPolicy.Explicit });
    await nc.close();
    const sid = raw.sub('_INBOX.sd');
    raw.pub('$JS.API.CONSUMER.MSG.NEXT.SD.P', '_INBOX.sd', Buffer.from(JSON.stringify({ batch: 7, max_bytes: 1000, expires: 30_000_000_000 })), null);
    await raw.flush();
    await b.close();
    closed = true;
    const got = raw.messages(sid);
    assert.equal(got.length, 1, 'the notice arrived before the connection closed');
    assert.equal(statusOf(got[0]!), 409);
    assert.equal(got[0]!.hdr, 'NATS/1.0 409 Server Shutdown\r\nNats-Pending-Messages: 7\r\nNats-Pending-Bytes: 1000\r\n\r\n');
  } finally {
    raw.close();
    if (!closed) await b.close();
  }
});
