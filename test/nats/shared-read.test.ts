// Plain NATS connections read into one buffer shared by the process (src/util/shared-read.ts),
// which the next read overwrites, and outbound staging buffers come from a pool and go back to it
// once written (src/nats/outbound.ts). This file runs the broker with
// WHARF_DEBUG_SCRIBBLE_READS=1, which fills each read's bytes with 0xEE as soon as its callback
// returns: any receiver still holding a view of them then delivers 0xEE instead of the payload.
// Routed messages reach receivers as ranges of that buffer (Router.routeRange): a stream capture
// that keeps a message past the read (an atomic batch's staged messages) must copy it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as nats2 from 'nats';
import type { Broker } from '../../src/index.js';
import { RawClient } from '../support/raw-client.js';
import { RawNats } from '../jetstream/support/raw-nats.js';
import { waitFor } from '../support/wait.js';

process.env.WHARF_DEBUG_SCRIBBLE_READS = '1';

let broker: Broker;
let pooledStagingCount: () => number;

before(async () => {
  // Imported after the variable is set: the module reads it when it loads.
  const { startTestBroker } = await import('../support/broker.js');
  ({ pooledStagingCount } = await import('../../src/nats/outbound.js'));
  broker = await startTestBroker();
});

after(async () => {
  await broker.close();
});

/** The payload of message `i`: its size varies around the outbound copy limit (16 KiB). */
function payload(i: number): Buffer {
  const size = i % 3 === 0 ? 40 * 1024 : i % 3 === 1 ? 1000 : 17 * 1024;
  const b = Buffer.alloc(size);
  for (let j = 0; j < size; j++) b[j] = (i * 31 + j) % 251;
  return b;
}

/** Splits MSG frames out of a raw byte stream: [subject, payload] in order. */
function msgFrames(buf: Buffer): Array<[string, Buffer]> {
  const out: Array<[string, Buffer]> = [];
  let at = 0;
  for (;;) {
    const nl = buf.indexOf('\r\n', at);
    if (nl < 0) break;
    const line = buf.toString('latin1', at, nl);
    if (!line.startsWith('MSG ')) {
      at = nl + 2;
      continue;
    }
    const parts = line.split(' ');
    const size = Number(parts[parts.length - 1]);
    if (nl + 2 + size + 2 > buf.length) break;
    out.push([parts[1]!, buf.subarray(nl + 2, nl + 2 + size)]);
    at = nl + 2 + size + 2;
  }
  return out;
}

test('a subscriber that stops reading still gets every payload as published, large ones included', async () => {
  const sub = await RawClient.connect(broker.ports.nats);
  await sub.write('CONNECT {"verbose":false,"pedantic":false}\r\nSUB slow 1\r\nPING\r\n');
  assert.ok(await sub.waitFor('PONG'));
  // The kernel's socket buffers fill, and the broker has to keep the rest queued (large
  // payloads by reference) while the publisher's later reads overwrite the shared buffer.
  sub.socket.pause();
  const nc = await nats2.connect({ port: broker.ports.nats });
  const n = 300;
  for (let i = 0; i < n; i++) nc.publish('slow', payload(i));
  await nc.flush();
  sub.socket.resume();
  await waitFor(() => msgFrames(sub.buffer()).length >= n, { what: `${n} messages at the subscriber`, timeoutMs: 20_000, detail: () => `received ${msgFrames(sub.buffer()).length}` });
  const frames = msgFrames(sub.buffer());
  for (let i = 0; i < n; i++) {
    const [subject, data] = frames[i]!;
    assert.equal(subject, 'slow');
    assert.ok(data.equals(payload(i)), `message ${i} (${data.length} bytes) differs from what was published`);
  }
  await nc.close();
  sub.socket.destroy();
});

test('request-reply and queue groups carry the right bytes over reads that are overwritten', async () => {
  const a = await nats2.connect({ port: broker.ports.nats });
  const b = await nats2.connect({ port: broker.ports.nats });
  a.subscribe('echo', { queue: 'q', callback: (_e, m) => m.respond(m.data) });
  b.subscribe('echo', { queue: 'q', callback: (_e, m) => m.respond(m.data) });
  await a.flush();
  await b.flush();
  const c = await nats2.connect({ port: broker.ports.nats });
  const replies = await Promise.all(Array.from({ length: 60 }, (_, i) => c.request('echo', payload(i), { timeout: 10_000 })));
  replies.forEach((r, i) => assert.ok(Buffer.from(r.data).equals(payload(i)), `reply ${i} differs`));
  await Promise.all([a.close(), b.close(), c.close()]);
});

test('full-size staging buffers go back to the pool once the socket has written them', async () => {
  const nc = await nats2.connect({ port: broker.ports.nats });
  let got = 0;
  nc.subscribe('fast', { callback: () => void got++ });
  await nc.flush();
  const pub = await nats2.connect({ port: broker.ports.nats });
  const msg = Buffer.alloc(1024, 7);
  for (let i = 0; i < 5000; i++) pub.publish('fast', msg);
  await pub.flush();
  await waitFor(() => got === 5000, { what: '5000 messages at the subscriber', timeoutMs: 20_000, detail: () => `received ${got}` });
  // 5 MB went out in 64 KiB buffers: had none been given back, the pool would be empty.
  await waitFor(() => pooledStagingCount() > 0, { what: 'a staging buffer back in the pool', timeoutMs: 5_000 });
  await Promise.all([nc.close(), pub.close()]);
});

test('a stream capture keeps what it stores past the read: an atomic batch staged over overwritten reads is stored and delivered as published', async () => {
  const admin = await RawNats.open(broker.ports.nats, 'admin');
  const created = await admin.api('$JS.API.STREAM.CREATE.SHARED', { name: 'SHARED', subjects: ['shared.>'], allow_atomic: true });
  assert.equal(created['error'], undefined, JSON.stringify(created['error']));
  // A core subscriber of the captured subjects gets each message when it is published.
  const sid = admin.sub('shared.>');
  await admin.flush();
  const pub = await RawNats.open(broker.ports.nats, 'publisher');
  const n = 6;
  // One message per read: each waits for the previous one's reply, so every staged message's
  // read is overwritten (and the later ones read into the same buffer) before the commit.
  for (let i = 1; i <= n; i++) {
    const headers: Array<[string, string]> = [
      ['Nats-Batch-Id', 'shared-read'],
      ['Nats-Batch-Sequence', String(i)],
    ];
    if (i === n) headers.push(['Nats-Batch-Commit', '1']);
    const [reply] = await pub.request(`shared.${i}`, `_INBOX.shared.${i}`, payload(i * 3 + 1), headers, 1, 10_000);
    assert.ok(reply !== undefined, `no reply to batch message ${i}`);
    if (i === n) assert.match(reply.payload.toString(), /"batch":"shared-read"/);
  }
  for (let i = 1; i <= n; i++) {
    const got = await admin.api('$JS.API.STREAM.MSG.GET.SHARED', { seq: i });
    const message = got['message'] as { subject: string; data: string } | undefined;
    assert.ok(message !== undefined, `stored message ${i}: ${JSON.stringify(got)}`);
    assert.equal(message.subject, `shared.${i}`);
    assert.ok(Buffer.from(message.data, 'base64').equals(payload(i * 3 + 1)), `stored message ${i} differs from what was published`);
  }
  const delivered = admin.messages(sid);
  assert.ok(await admin.waitFor(() => delivered.length >= n, 10_000), `the subscriber got ${delivered.length} of ${n}`);
  delivered.forEach((m, k) => assert.ok(m.payload.equals(payload((k + 1) * 3 + 1)), `delivered message ${k + 1} differs`));
  pub.close();
  admin.close();
});
