// Found by the reliability harness's jetstream workload under disk-full (seed 19003, 3 December
// 2026: an acknowledged message missing from the stream). A stream numbers its messages when
// it hands a batch to the log, before earlier batches are stored. When one append failed (disk
// full) while the next was queued behind it in the engine, the stream was told that everything
// from the failure on was gone and answered both publishers with an error, but the engine went
// on and stored the queued batch under the offsets of the failed one. The stream's index and
// the log then disagreed by that batch: later PubAcks named sequences that held other messages,
// and the tail of the log was outside the stream's last_seq (read back: acknowledged, lost).
// Now an append numbered by an observer is stored at the offsets it was numbered with or not
// at all (PartitionStore.append's expectBase). Here a write fails while a second publish is
// queued behind it; afterwards every PubAck's sequence must hold its own message, before and
// after a restart, and the stream must hold each message once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, StringCodec, type JetStreamManager, type NatsConnection } from 'nats';
import { Segment } from '../../../src/storage/local/segment.js';
import { LocalPartitionStore } from '../../../src/storage/local/partition-store.js';
import { startTestBroker } from '../../support/broker.js';

const sc = StringCodec();

async function readAll(jsm: JetStreamManager, stream: string): Promise<Map<number, string>> {
  const info = await jsm.streams.info(stream);
  const out = new Map<number, string>();
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (m !== null) out.set(seq, sc.decode(m.data));
  }
  return out;
}

test('a stream append queued behind a failed write is not stored under the failed one\'s sequences (local engine, disk full)', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-js-behind-failed-'));
  const originalWrite = Segment.prototype.write;
  const originalAppend = LocalPartitionStore.prototype.append;
  let broker = await startTestBroker({ storage: 'local', dataDir, fsync: 'always' });
  const conns: NatsConnection[] = [];
  try {
    const url = `127.0.0.1:${broker.ports.nats}`;
    const [a, b] = await Promise.all([connect({ servers: url }), connect({ servers: url })]);
    conns.push(a, b);
    const jsm = await a.jetstreamManager();
    await jsm.streams.add({ name: 'BEHIND', subjects: ['behind.>'] });
    const jsA = a.jetstream();
    const jsB = b.jetstream();
    const acks = new Map<string, number>();
    for (let i = 0; i < 3; i++) acks.set(`ok${i}`, (await jsA.publish('behind.ok', sc.encode(`ok${i}`), { msgID: `ok${i}` })).seq);

    // The write of MARK-A starts, waits until the append of MARK-B is queued behind it, then
    // fails as a full disk does (nothing written).
    let bQueued!: () => void;
    const queued = new Promise<void>((r) => (bQueued = r));
    let aWriting!: () => void;
    const writing = new Promise<void>((r) => (aWriting = r));
    let failed = 0;
    LocalPartitionStore.prototype.append = function (this: LocalPartitionStore, ...args: Parameters<typeof originalAppend>) {
      const p = originalAppend.apply(this, args);
      if (args[0].includes('MARK-B')) bQueued();
      return p;
    };
    Segment.prototype.write = async function (this: Segment, bufs: Buffer[], total: number) {
      if (failed === 0 && Buffer.concat(bufs).includes('MARK-A')) {
        failed++;
        aWriting();
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([queued, new Promise((r) => (timer = setTimeout(r, 10_000)))]);
        clearTimeout(timer);
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      }
      return originalWrite.call(this, bufs, total);
    };
    const pubA = jsA.publish('behind.a', sc.encode('MARK-A'), { msgID: 'MARK-A' });
    await writing;
    const pubB = jsB.publish('behind.b', sc.encode('MARK-B'), { msgID: 'MARK-B' });
    const [ra, rb] = await Promise.allSettled([pubA, pubB]);
    assert.equal(failed, 1, 'the write of MARK-A was not failed');
    assert.equal(ra.status, 'rejected', 'the publish whose write failed was acknowledged');
    Segment.prototype.write = originalWrite;
    LocalPartitionStore.prototype.append = originalAppend;
    // A rejected publish is retried with its id, as a client does; then one more.
    if (rb.status === 'fulfilled') acks.set('MARK-B', rb.value.seq);
    else acks.set('MARK-B', (await jsB.publish('behind.b', sc.encode('MARK-B'), { msgID: 'MARK-B' })).seq);
    acks.set('MARK-A', (await jsA.publish('behind.a', sc.encode('MARK-A'), { msgID: 'MARK-A' })).seq);
    acks.set('after', (await jsA.publish('behind.c', sc.encode('after'), { msgID: 'after' })).seq);

    const check = async (when: string, jsm: JetStreamManager) => {
      const stored = await readAll(jsm, 'BEHIND');
      for (const [id, seq] of acks) assert.equal(stored.get(seq), id, `${when}: PubAck of ${id} named sequence ${seq}, which holds ${stored.get(seq)}`);
      assert.deepEqual([...stored.values()].sort(), [...acks.keys()].sort(), `${when}: the stream holds ${[...stored.values()].join(', ')}`);
      const info = await jsm.streams.info('BEHIND');
      assert.equal(info.state.messages, acks.size, `${when}: stream info counts ${info.state.messages} messages`);
    };
    await check('before the restart', jsm);
    await Promise.all(conns.splice(0).map((c) => c.close()));
    await broker.close();
    broker = await startTestBroker({ storage: 'local', dataDir, fsync: 'always' });
    const c = await connect({ servers: `127.0.0.1:${broker.ports.nats}` });
    conns.push(c);
    await check('after the restart', await c.jetstreamManager());
  } finally {
    Segment.prototype.write = originalWrite;
    LocalPartitionStore.prototype.append = originalAppend;
    await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
    await broker.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
