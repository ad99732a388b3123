// Consumers whose saved state is past their stream's end after a torn tail (issue 16: in the
// jetstream / torn-tail reliability rounds, seed 19200, Wharf's pull and push consumers never
// delivered 26-60 messages stored after a restart at the sequences the cut gave back; nats-server
// delivered them). A broker is stopped, the stream's segment loses its last batches (what a crash
// in the middle of writing leaves, cut at a batch boundary here so that the count is exact), and
// the broker started again must deliver the messages published afterwards, which take the freed
// sequences, to a durable pull consumer and a push consumer that had delivered and acknowledged
// everything before the cut: nats-server's reconcileStateWithStream (consumer.go, 2.14 on). A
// second restart shows the reconciled position was made durable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nats from 'nats';
import type { Broker } from '../../src/index.js';
import { startTestBroker } from '../support/broker.js';
import { waitFor } from '../support/wait.js';

const sc = nats.StringCodec();
const BEFORE = 20;
const KEPT = 12;
const AFTER = 10;

/** The stream topic's only partition directory (the topic not named like an internal one). */
function streamPartitionDir(dataDir: string): string {
  const root = join(dataDir, 'topics');
  const found: string[] = [];
  for (const id of readdirSync(root)) {
    const meta = join(root, id, 'topic.json');
    if (!existsSync(meta)) continue;
    const name = (JSON.parse(readFileSync(meta, 'utf8')) as { name: string }).name;
    if (!name.startsWith('__')) found.push(join(root, id, '0'));
  }
  assert.equal(found.length, 1, 'one stream topic');
  return found[0]!;
}

/** Cuts the stream's newest segment after its first `keep` batches (one message each). */
function cutAfter(dataDir: string, keep: number): void {
  const dir = streamPartitionDir(dataDir);
  const segs = readdirSync(dir).filter((n) => n.endsWith('.log')).sort();
  assert.equal(segs.length, 1, 'one segment');
  const file = join(dir, segs[0]!);
  const bytes = readFileSync(file);
  let pos = 0;
  for (let i = 0; i < keep; i++) pos += 12 + bytes.readInt32BE(pos + 8);
  assert.ok(pos < bytes.length);
  truncateSync(file, pos);
}

/** Reads `n` messages from the push consumer's deliver subject, acknowledging each. */
async function pushRead(nc: nats.NatsConnection, subject: string, n: number): Promise<string[]> {
  const got: string[] = [];
  const sub = nc.subscribe(subject);
  const done = (async () => {
    for await (const m of sub) {
      if (m.headers?.code === 100 || m.data.length === 0) continue; // heartbeats, flow control
      got.push(sc.decode(m.data));
      m.respond();
      if (got.length >= n) break;
    }
  })();
  try {
    await waitFor(() => got.length >= n, { timeoutMs: 20_000, what: `${n} push deliveries (got ${got.length})` });
  } finally {
    sub.unsubscribe();
    await done;
  }
  return got;
}

async function pullRead(js: nats.JetStreamClient, n: number): Promise<string[]> {
  const c = await js.consumers.get('S', 'pull');
  const got: string[] = [];
  while (got.length < n) {
    const before = got.length;
    for await (const m of await c.fetch({ max_messages: n - got.length, expires: 2_000 })) {
      got.push(sc.decode(m.data));
      await m.ackAck();
    }
    if (got.length === before) break;
  }
  return got;
}

test('after a torn tail, pull and push consumers deliver the messages stored at the freed sequences', { timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-torn-consumers-'));
  let broker: Broker | null = null;
  let nc: nats.NatsConnection | null = null;
  const start = (): Promise<Broker> => startTestBroker({ dataDir });
  try {
    broker = await start();
    nc = await nats.connect({ port: broker.ports.nats });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: 'S', subjects: ['s.>'] });
    await jsm.consumers.add('S', { durable_name: 'pull', ack_policy: nats.AckPolicy.Explicit });
    await jsm.consumers.add('S', { durable_name: 'push', ack_policy: nats.AckPolicy.Explicit, deliver_subject: 'push.out' });
    const js = nc.jetstream();
    for (let i = 0; i < BEFORE; i++) await js.publish('s.x', sc.encode(`old-${i}`));
    assert.deepEqual(await pullRead(js, BEFORE), Array.from({ length: BEFORE }, (_, i) => `old-${i}`));
    assert.equal((await pushRead(nc, 'push.out', BEFORE)).length, BEFORE);
    await waitFor(async () => (await jsm.consumers.info('S', 'push')).ack_floor.stream_seq === BEFORE, { what: 'the push consumer acknowledged to the end' });
    await nc.close();
    nc = null;
    await broker.close();
    broker = null;

    cutAfter(dataDir, KEPT);
    broker = await start();
    nc = await nats.connect({ port: broker.ports.nats });
    const jsm2 = await nc.jetstreamManager();
    assert.equal((await jsm2.streams.info('S')).state.last_seq, KEPT);
    const pullInfo = await jsm2.consumers.info('S', 'pull');
    assert.equal(pullInfo.delivered.stream_seq, KEPT, 'the pull consumer resumes after the stream end');
    assert.equal(pullInfo.ack_floor.stream_seq, KEPT);
    const js2 = nc.jetstream();
    const newer = Array.from({ length: AFTER }, (_, i) => `new-${i}`);
    for (const v of newer) await js2.publish('s.x', sc.encode(v));
    assert.equal((await jsm2.streams.info('S')).state.last_seq, KEPT + AFTER);
    assert.deepEqual(await pullRead(js2, AFTER), newer, 'the pull consumer delivers every message published after the restart');
    assert.deepEqual(await pushRead(nc, 'push.out', AFTER), newer, 'the push consumer too');
    await nc.close();
    nc = null;
    await broker.close();
    broker = null;

    // The reconciled position was durable: nothing comes again, nothing is skipped.
    broker = await start();
    nc = await nats.connect({ port: broker.ports.nats });
    const info = await (await nc.jetstreamManager()).consumers.info('S', 'pull');
    assert.equal(info.delivered.stream_seq, KEPT + AFTER);
    assert.equal(info.num_pending, 0);
  } finally {
    await nc?.close();
    await broker?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
