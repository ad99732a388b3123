// Two edges of DIRECT.GET that nats.js 3.x's jsm_direct_test.ts found, against Wharf and, as the
// control, nats-server v2.15.2 with -js (the same assertions on both, values observed on
// nats-server):
// - the status when nothing is found: a batch get (batch, or start_time with a batch) that finds
//   no message answers "404 Message Not Found", as a single get does; only multi_last answers
//   "404 No Results". ("direct - callback" expects a JetStreamStatusError "message not found"
//   from getBatch on an empty stream; Wharf's "No Results" closed the iterator without an error,
//   so the test's callback threw outside any test and Deno cancelled the rest of the file.)
// - multi_last with up_to_time leaves out the messages stamped at or after that time: the time
//   of a message itself leaves that message out ("direct - last message for", step up_to_time).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as nats from 'nats';
import { peerSkip } from '../support/peers.js';
import { startConsumerTarget, startReferenceTarget, type ConsumerTarget } from './support/consumer-target.js';

const sc = nats.StringCodec();

interface Reply {
  status?: string;
  seq?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const kind of ['nats-server', 'wharf'] as const) {
  describe(`DIRECT.GET statuses when nothing is found: ${kind}`, { skip: kind === 'nats-server' ? peerSkip('nats-server') : false }, () => {
    let t: ConsumerTarget;
    let nc: nats.NatsConnection;

    before(async () => {
      t = kind === 'nats-server' ? await startReferenceTarget() : await startConsumerTarget();
      nc = await nats.connect({ servers: `127.0.0.1:${t.port}` });
      const jsm = await nc.jetstreamManager();
      await jsm.streams.add({ name: 'EMPTY', subjects: ['empty'], storage: nats.StorageType.Memory, allow_direct: true });
      await jsm.streams.add({ name: 'A', subjects: ['a.*'], storage: nats.StorageType.Memory, allow_direct: true });
      await jsm.streams.add({ name: 'L', subjects: ['l', 'm', 'z'], storage: nats.StorageType.Memory, allow_direct: true });
      const js = nc.jetstream();
      for (const s of ['a.a', 'a.b', 'a.c']) await js.publish(s, sc.encode(s));
      for (const s of ['l', 'l', 'l', 'm']) await js.publish(s, sc.encode(s));
      // Message 5 stamped at least 2 ms after message 4 (Wharf stamps whole milliseconds).
      const t4 = Date.parse((await nc.request('$JS.API.DIRECT.GET.L', sc.encode('{"seq":4}'))).headers!.get('Nats-Time-Stamp'));
      while (Date.now() < t4 + 2) await sleep(1);
      for (const s of ['m', 'z']) await js.publish(s, sc.encode(s));
    });

    after(async () => {
      await nc?.close();
      await t?.close();
    });

    /** Every reply to one DIRECT.GET request, up to and including the first status reply. */
    async function directGet(stream: string, request: object): Promise<Reply[]> {
      const inbox = nats.createInbox();
      const sub = nc.subscribe(inbox, { timeout: 5_000 });
      nc.publish(`$JS.API.DIRECT.GET.${stream}`, sc.encode(JSON.stringify(request)), { reply: inbox });
      const out: Reply[] = [];
      for await (const m of sub) {
        const code = m.headers?.code ?? 0;
        if (code > 0) {
          out.push({ status: `${code} ${m.headers!.description}` });
          break;
        }
        out.push({ seq: m.headers?.get('Nats-Sequence') });
        if (m.headers?.get('Nats-Num-Pending') === '') break; // a single get: one reply, no status after it
      }
      sub.unsubscribe();
      return out;
    }

    it('a batch get of an empty stream: 404 Message Not Found', async () => {
      assert.deepEqual(await directGet('EMPTY', { seq: 1, batch: 1024 }), [{ status: '404 Message Not Found' }]);
    });

    it('batch gets past the end, by a subject nothing has, from a time after the last message: 404 Message Not Found', async () => {
      assert.deepEqual(await directGet('A', { seq: 10, batch: 10 }), [{ status: '404 Message Not Found' }]);
      assert.deepEqual(await directGet('A', { seq: 1, batch: 10, next_by_subj: 'zzz' }), [{ status: '404 Message Not Found' }]);
      assert.deepEqual(await directGet('A', { start_time: '2030-01-01T00:00:00Z', batch: 10 }), [{ status: '404 Message Not Found' }]);
    });

    it('a single get past the end: 404 Message Not Found; multi_last matching nothing: 404 No Results', async () => {
      assert.deepEqual(await directGet('A', { seq: 10 }), [{ status: '404 Message Not Found' }]);
      assert.deepEqual(await directGet('A', { multi_last: ['zzz'] }), [{ status: '404 No Results' }]);
    });

    it('multi_last up to the time of a message leaves that message out', async () => {
      const stamp = (await nc.request('$JS.API.DIRECT.GET.L', sc.encode('{"seq":5}'))).headers!.get('Nats-Time-Stamp');
      const lastFor = { multi_last: ['l', 'm', 'z'] };
      // The stamp as the server wrote it, and as nats.js sends a Date (whole milliseconds).
      for (const upTo of [stamp, new Date(Date.parse(stamp)).toISOString()]) {
        assert.deepEqual(await directGet('L', { ...lastFor, up_to_time: upTo }), [{ seq: '3' }, { seq: '4' }, { status: '204 EOB' }], `up_to_time ${upTo}`);
      }
      assert.deepEqual(await directGet('L', { ...lastFor, up_to_seq: 4 }), [{ seq: '3' }, { seq: '4' }, { status: '204 EOB' }]);
    });

    it('a batch that finds messages ends with its EOB status', async () => {
      assert.deepEqual(await directGet('A', { seq: 2, batch: 10 }), [{ seq: '2' }, { seq: '3' }, { status: '204 EOB' }]);
    });
  });
}
