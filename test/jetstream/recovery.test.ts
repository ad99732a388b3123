// Restart and recovery (docs/jetstream.md 1.18): a stream's view is rebuilt from the log on
// start, with explicit deletes applied in sequence order among the derived removals
// (per-subject limits, rollups), expiries against the current clock, and memory streams gone.
// Each case compares the stream before a clean restart with the stream after it, twice: with
// the index snapshot a clean close writes (1.18 step 2), and with snapshots off, so the whole
// log is replayed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nats from 'nats';
import type { Broker } from '../../src/index.js';
import type { OptionsByFlag } from '../../src/config.js';
import { startTestBroker } from '../support/broker.js';
import { waitFor } from '../support/wait.js';

const sc = nats.StringCodec();

/** The broker flags of the test running now (both() sets them; tests of a file run one after the other). */
let flags: OptionsByFlag = {};

/** Registers a restart test twice: restarts from the snapshot, and restarts replaying the whole log. */
function both(title: string, fn: () => Promise<void>): void {
  test(title, async () => {
    flags = {};
    await fn();
  });
  test(`${title} (snapshots off: the whole log replayed)`, async () => {
    flags = { jsSnapshotBytes: -1 };
    await fn();
  });
}

async function withBroker<T>(dataDir: string, fn: (b: Broker, nc: nats.NatsConnection, jsm: nats.JetStreamManager) => Promise<T>): Promise<T> {
  const b = await startTestBroker({ ...flags, dataDir });
  const nc = await nats.connect({ servers: `127.0.0.1:${b.ports.nats}` });
  try {
    return await fn(b, nc, await nc.jetstreamManager());
  } finally {
    await nc.close();
    await b.close();
  }
}

interface Snapshot {
  state: Record<string, unknown>;
  deleted: number[];
  subjects: Record<string, number>;
  messages: Array<[number, string, string]>;
}

async function snapshot(jsm: nats.JetStreamManager, name: string): Promise<Snapshot> {
  const info = await jsm.streams.info(name, { subjects_filter: '>', deleted_details: true });
  const { messages, bytes, first_seq, last_seq, num_subjects, num_deleted } = info.state;
  const out: Array<[number, string, string]> = [];
  for (let s = first_seq; s <= last_seq; s++) {
    try {
      const m = await jsm.streams.getMessage(name, { seq: s });
      out.push([m.seq, m.subject, sc.decode(m.data)]);
    } catch {
      /* deleted */
    }
  }
  return {
    state: { messages, bytes, first_seq, last_seq, num_subjects, num_deleted },
    deleted: info.state.deleted ?? [],
    subjects: info.state.subjects ?? {},
    messages: out,
  };
}

both('deletes, per-subject limits, rollups and filtered purges come back in sequence order', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-js-recovery-'));
  try {
    const before = await withBroker(dir, async (_b, nc, jsm) => {
      await jsm.streams.add({ name: 'R', subjects: ['r.*'], max_msgs_per_subject: 2, allow_rollup_hdrs: true });
      const js = nc.jetstream();
      await js.publish('r.a', sc.encode('a1'));
      await js.publish('r.a', sc.encode('a2'));
      await js.publish('r.b', sc.encode('b1'));
      // Delete a2 (not a prefix): a1 and a3 remain. A replay that applied the delete after the
      // per-subject limit (instead of where it happened) would drop a1 at a3 and keep a3 alone.
      await jsm.streams.deleteMessage('R', 2);
      await js.publish('r.a', sc.encode('a3'));
      await js.publish('r.c', sc.encode('c1'));
      await js.publish('r.c', sc.encode('c2'));
      const h = nats.headers();
      h.set('Nats-Rollup', 'sub');
      await js.publish('r.c', sc.encode('c3 rolled'), { headers: h });
      await js.publish('r.d', sc.encode('d1'));
      await js.publish('r.d', sc.encode('d2'));
      await jsm.streams.purge('R', { filter: 'r.d', keep: 1 });
      return snapshot(jsm, 'R');
    });
    assert.deepEqual(before.messages.map((m) => m[2]), ['a1', 'b1', 'a3', 'c3 rolled', 'd2']);
    const after = await withBroker(dir, async (_b, _nc, jsm) => snapshot(jsm, 'R'));
    assert.deepEqual(after, before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

both('memory streams are gone after a restart; file streams stay; per-message TTLs expire after it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-js-recovery-'));
  try {
    await withBroker(dir, async (_b, nc, jsm) => {
      await jsm.streams.add({ name: 'MEM', subjects: ['mem.>'], storage: nats.StorageType.Memory });
      // nats.js 2.x has no allow_msg_ttl in its types: the API request itself.
      const created = nats.JSONCodec<{ error?: unknown }>().decode((await nc.request('$JS.API.STREAM.CREATE.TTL', nats.JSONCodec().encode({ name: 'TTL', subjects: ['ttl.>'], allow_msg_ttl: true }))).data);
      assert.equal(created.error, undefined);
      const js = nc.jetstream();
      await js.publish('mem.a', sc.encode('in memory'));
      const h = nats.headers();
      h.set('Nats-TTL', '1s');
      await js.publish('ttl.short', sc.encode('goes'), { headers: h });
      await js.publish('ttl.long', sc.encode('stays'));
      assert.equal((await jsm.streams.info('MEM')).state.messages, 1);
    });
    await new Promise((r) => setTimeout(r, 1_100)); // the TTL passes while the broker is down
    await withBroker(dir, async (_b, _nc, jsm) => {
      assert.deepEqual((await jsm.streams.names().next()).sort(), ['TTL']);
      await waitFor(async () => (await jsm.streams.info('TTL')).state.messages === 1, { what: 'the expired TTL message gone after the restart' });
      const info = await jsm.streams.info('TTL', { subjects_filter: '>' });
      assert.deepEqual(info.state.subjects, { 'ttl.long': 1 });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

both('a purge of everything and a first_seq survive a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-js-recovery-'));
  try {
    const before = await withBroker(dir, async (_b, nc, jsm) => {
      await jsm.streams.add({ name: 'P', subjects: ['p'] });
      await jsm.streams.add({ name: 'F', subjects: ['f'], first_seq: 100 });
      const js = nc.jetstream();
      for (let i = 0; i < 5; i++) await js.publish('p', sc.encode(`m${i}`));
      await jsm.streams.purge('P');
      const f = await js.publish('f', sc.encode('first'));
      assert.equal(f.seq, 100);
      return [await snapshot(jsm, 'P'), await snapshot(jsm, 'F')];
    });
    assert.deepEqual(before[0]!.state, { messages: 0, bytes: 0, first_seq: 6, last_seq: 5, num_subjects: undefined, num_deleted: undefined });
    const after = await withBroker(dir, async (_b, nc, jsm) => {
      const snaps = [await snapshot(jsm, 'P'), await snapshot(jsm, 'F')];
      assert.equal((await nc.jetstream().publish('p', sc.encode('next'))).seq, 6);
      return snaps;
    });
    assert.deepEqual(after, before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

both('a per-subject limit raised after it removed messages: the removed ones stay removed after a restart (limit epochs)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-js-recovery-'));
  try {
    const before = await withBroker(dir, async (_b, nc, jsm) => {
      await jsm.streams.add({ name: 'L', subjects: ['l.*'], max_msgs_per_subject: 5 });
      const js = nc.jetstream();
      for (let i = 1; i <= 5; i++) await js.publish('l.a', sc.encode(`a${i}`));
      for (let i = 1; i <= 5; i++) await js.publish('l.b', sc.encode(`b${i}`));
      // Lowered: a and b keep their last 2; then raised: nothing comes back, a grows again.
      await jsm.streams.update('L', { subjects: ['l.*'], max_msgs_per_subject: 2 });
      await js.publish('l.a', sc.encode('a6'));
      await jsm.streams.update('L', { subjects: ['l.*'], max_msgs_per_subject: 10 });
      await js.publish('l.a', sc.encode('a7'));
      await js.publish('l.c', sc.encode('c1'));
      return snapshot(jsm, 'L');
    });
    assert.deepEqual(before.messages.map((m) => m[2]), ['a5', 'b4', 'b5', 'a6', 'a7', 'c1']);
    const after = await withBroker(dir, async (_b, _nc, jsm) => snapshot(jsm, 'L'));
    assert.deepEqual(after, before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
