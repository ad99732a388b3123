// A core publish with no reply subject that no subscription matches ends in routing without a
// Buffer of its payload (a range of the read buffer), and a large one before it is copied out of
// the shared read buffer (src/nats/connection.ts, Router.wouldClaim): this file holds that to
// what route() of a whole message would have done. A stream's capture is a receiver
// (the message is stored), a subscription made later sees the next publish, a reply subject
// still takes the full path (the no-responders status), and the statistics count every publish.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Broker } from '../../src/index.js';
import { startTestBroker } from '../support/broker.js';
import { RawNats } from '../jetstream/support/raw-nats.js';

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

const api = (subject: string, body: unknown): Promise<Record<string, unknown>> => nc.api(subject, body);

test('a publish without a reply on a subject only a stream captures is stored', async () => {
  await api('$JS.API.STREAM.CREATE.NOREPLY', { name: 'NOREPLY', subjects: ['noreply.>'] });
  for (let i = 0; i < 20; i++) nc.pub(`noreply.k${i % 3}`, null, Buffer.from(`m${i}`), null);
  await nc.flush();
  const info = await api('$JS.API.STREAM.INFO.NOREPLY', {});
  const state = info.state as { messages: number; last_seq: number };
  assert.equal(state.messages, 20);
  assert.equal(state.last_seq, 20);
  const got = await api('$JS.API.STREAM.MSG.GET.NOREPLY', { seq: 20 });
  assert.equal(Buffer.from((got.message as { data: string }).data, 'base64').toString(), 'm19');
});

test('nobody listening drops the message; a subscription made afterwards receives the next one whole', async () => {
  const before = nc.sub('other.subject');
  nc.pub('late.subject', null, Buffer.from('dropped'), null);
  await nc.flush();
  const sid = nc.sub('late.subject');
  await nc.flush();
  const payload = Buffer.alloc(20_000, 0x62);
  nc.pub('late.subject', null, Buffer.from('first'), null);
  nc.pub('late.subject', null, payload, null);
  await nc.waitFor(() => nc.messages(sid).length >= 2, 10_000);
  assert.deepEqual(nc.messages(sid).map((m) => m.payload.length), [5, 20_000]);
  assert.equal(nc.messages(sid)[0]!.payload.toString(), 'first');
  assert.ok(nc.messages(sid)[1]!.payload.equals(payload));
  assert.equal(nc.messages(before).length, 0);
});

test('the router counts publishes nobody takes, as route() counts them', async () => {
  const router = broker.router;
  const start = router.stats().published;
  // Small ones are routed to nobody; large ones (past the outbound copy limit) end before their copy.
  for (let i = 0; i < 50; i++) nc.pub('nobody.here', null, i % 2 === 0 ? Buffer.from('x') : Buffer.alloc(20_000, 0x78), null);
  await nc.flush();
  assert.equal(router.stats().published - start, 50);
});
