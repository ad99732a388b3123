// Mirrors on the wire, against Wharf and, as the control, nats-server v2.15.2 with -js (the same
// assertions on both): a mirrored message keeps its origin's sequence and time (nats.go's
// TestJetStreamStreamMirror compares whole messages), and a mirror's subject transforms rewrite
// the subjects it stores (an object store mirrored under another bucket name). Waits are on the
// mirror's state.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as nats from 'nats';
import { peerSkip } from '../support/peers.js';
import { startConsumerTarget, startReferenceTarget, type ConsumerTarget } from './support/consumer-target.js';

const sc = nats.StringCodec();

interface Got {
  message?: { subject: string; seq: number; time: string; data: string };
  error?: { err_code: number };
}

for (const kind of ['nats-server', 'wharf'] as const) {
  describe(`mirrors against ${kind}`, { skip: kind === 'nats-server' ? peerSkip('nats-server') : false }, () => {
    let t: ConsumerTarget;
    let nc: nats.NatsConnection;

    before(async () => {
      t = kind === 'nats-server' ? await startReferenceTarget() : await startConsumerTarget();
      nc = await nats.connect({ servers: `127.0.0.1:${t.port}` });
    });

    after(async () => {
      await nc?.close();
      await t?.close();
    });

    async function api<T>(subject: string, body: unknown): Promise<T> {
      const r = await nc.request(subject, sc.encode(JSON.stringify(body)), { timeout: 5000 });
      return JSON.parse(sc.decode(r.data)) as T;
    }

    async function get(stream: string, seq: number): Promise<Got> {
      return api<Got>(`$JS.API.STREAM.MSG.GET.${stream}`, { seq });
    }

    it('a mirrored message keeps the sequence and time of the original; subject transforms rewrite its subject', async () => {
      assert.equal((await api<{ error?: unknown }>('$JS.API.STREAM.CREATE.ORIG', { name: 'ORIG', subjects: ['$O.a.>', 'o.>'] })).error, undefined);
      const js = nc.jetstream();
      await js.publish('o.1', sc.encode('one'));
      await js.publish('$O.a.M.x', sc.encode('meta'));
      // Times of messages stored one after the other differ from the mirror's append time.
      await new Promise((r) => setTimeout(r, 20));
      const created = await api<{ error?: unknown }>('$JS.API.STREAM.CREATE.MIR', {
        name: 'MIR',
        mirror: { name: 'ORIG', subject_transforms: [{ src: '$O.a.>', dest: '$O.b.>' }] },
      });
      assert.equal(created.error, undefined);
      const end = Date.now() + 10_000;
      let m2 = await get('MIR', 2);
      while (m2.message === undefined && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 50));
        m2 = await get('MIR', 2);
      }
      const o1 = (await get('ORIG', 1)).message!;
      const o2 = (await get('ORIG', 2)).message!;
      assert.ok(m2.message, `the mirror has seq 2: ${JSON.stringify(m2)}`);
      assert.equal(m2.message.subject, '$O.b.M.x', 'the transform applied');
      assert.equal(m2.message.time, o2.time, 'the origin time kept');
      // A mirror with subject transforms takes only what their sources match: o.1 is not in it.
      assert.equal((await get('MIR', 1)).error?.err_code, 10037);
      assert.equal(o1.subject, 'o.1');
    });

    it('a mirror without transforms holds the same messages: subject, sequence, time and data', async () => {
      assert.equal((await api<{ error?: unknown }>('$JS.API.STREAM.CREATE.M2', { name: 'M2', mirror: { name: 'ORIG' } })).error, undefined);
      const end = Date.now() + 10_000;
      let got = await get('M2', 2);
      while (got.message === undefined && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 50));
        got = await get('M2', 2);
      }
      for (const seq of [1, 2]) assert.deepEqual((await get('M2', seq)).message, (await get('ORIG', seq)).message);
    });
  });
}
