// Delivery runs through the wire (Stream.readMany, docs/jetstream.md 1.21): a pull consumer's
// runs that start inside the log bytes the stream's last run read take those bytes instead of
// reading the log again (core/streams/run-cache.ts), and what they deliver is what the stream
// holds now: a message deleted, or purged, after the bytes were read is not delivered from them.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Broker } from '../../src/index.js';
import { startTestBroker } from '../support/broker.js';
import { RawNats } from './support/raw-nats.js';

let broker: Broker;
let nc: RawNats;

before(async () => {
  broker = await startTestBroker();
  nc = await RawNats.open(broker.ports.nats);
});

after(async () => {
  nc?.close();
  await broker?.close();
});

let pulls = 0;
/** One pull of `batch` (no_wait); the stream sequences delivered, from their ack subjects. */
async function pull(batch: number): Promise<number[]> {
  const inbox = `_INBOX.runs.${++pulls}`;
  const got = await nc.request('$JS.API.CONSUMER.MSG.NEXT.RUNS.D', inbox, Buffer.from(JSON.stringify({ batch, no_wait: true })), null, batch, 5_000, (m) => m.length >= batch || m.some((x) => x.hdr !== null && / 404 | 408 /.test(x.hdr)));
  return got.filter((m) => m.reply !== null && m.reply.startsWith('$JS.ACK.')).map((m) => Number(m.reply!.split('.')[5]));
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

test('pull runs inside the bytes of the last run read no log; deletes and purges after the read are honoured', async () => {
  await nc.api('$JS.API.STREAM.CREATE.RUNS', { name: 'RUNS', subjects: ['runs.*'] });
  const acks = nc.sub('_INBOX.runs-acks');
  const n = 3000;
  for (let i = 0; i < n; i++) nc.pub(`runs.${i % 5}`, '_INBOX.runs-acks', Buffer.alloc(100, 0x61 + (i % 26)), null);
  assert.ok(await nc.waitFor(() => nc.messages(acks).length >= n, 30_000), 'every PubAck');
  const created = await nc.api('$JS.API.CONSUMER.CREATE.RUNS.D', { stream_name: 'RUNS', config: { durable_name: 'D', ack_policy: 'none' } });
  assert.equal(created['error'], undefined);
  const traffic = broker.log.partition('RUNS', 0).traffic;

  const r0 = traffic.readBytes;
  assert.deepEqual(await pull(10), range(1, 10));
  const first = traffic.readBytes - r0;
  assert.ok(first >= 10 * 100, `the first run read the log (${first} bytes)`);
  const seqs: number[] = [];
  for (let i = 0; i < 19; i++) seqs.push(...(await pull(10)));
  assert.deepEqual(seqs, range(11, 200));
  assert.equal(traffic.readBytes - r0, first, 'the next 19 runs took the bytes the first one read');

  // Removed after the bytes were read: not delivered from them.
  const del = await nc.api('$JS.API.STREAM.MSG.DELETE.RUNS', { seq: 205, no_erase: true });
  assert.equal(del['success'], true);
  assert.deepEqual(await pull(10), [...range(201, 204), ...range(206, 211)]);
  const purged = await nc.api('$JS.API.STREAM.PURGE.RUNS', { seq: 260 });
  assert.equal(purged['success'], true);
  assert.deepEqual(await pull(10), range(260, 269));
});
