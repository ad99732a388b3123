// Per-message TTLs and subject delete markers on the wire, against Wharf and, as the control,
// nats-server v2.15.2 with -js (the same assertions on both): a message that expires as the
// last of its subject leaves a marker (Nats-Marker-Reason: MaxAge, with the stream's marker
// TTL); the marker expires in turn and leaves nothing behind (a marker is no message that
// needs a marker: nats.go's TestKeyValueLimitMarkerTTL checks the subject is empty then).
// Every wait is on the stream's state.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as nats from 'nats';
import { peerSkip } from '../support/peers.js';
import { startConsumerTarget, startReferenceTarget, type ConsumerTarget } from './support/consumer-target.js';

const sc = nats.StringCodec();
const S = 1_000_000_000;

interface State {
  messages: number;
  first_seq: number;
  last_seq: number;
}

for (const kind of ['nats-server', 'wharf'] as const) {
  describe(`TTLs and subject delete markers against ${kind}`, { skip: kind === 'nats-server' ? peerSkip('nats-server') : false }, () => {
    let t: ConsumerTarget;
    let nc: nats.NatsConnection;
    let jsm: nats.JetStreamManager;

    before(async () => {
      t = kind === 'nats-server' ? await startReferenceTarget() : await startConsumerTarget();
      nc = await nats.connect({ servers: `127.0.0.1:${t.port}` });
      jsm = await nc.jetstreamManager();
    });

    after(async () => {
      await nc?.close();
      await t?.close();
    });

    async function state(): Promise<State> {
      return (await jsm.streams.info('M')).state;
    }

    async function until(what: string, cond: (s: State) => boolean): Promise<State> {
      const end = Date.now() + 15_000;
      for (;;) {
        const s = await state();
        if (cond(s)) return s;
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(s)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }

    async function publishTtl(subject: string): Promise<number> {
      const h = nats.headers();
      h.set('Nats-TTL', '1s');
      const r = await nc.request(subject, sc.encode('v'), { headers: h, timeout: 5000 });
      return (JSON.parse(sc.decode(r.data)) as { seq: number }).seq;
    }

    it('an expired message leaves a marker; the marker expires and leaves nothing', async () => {
      const r = await nc.request('$JS.API.STREAM.CREATE.M', sc.encode(JSON.stringify({ name: 'M', subjects: ['m.>'], allow_msg_ttl: true, subject_delete_marker_ttl: S })));
      assert.equal((JSON.parse(sc.decode(r.data)) as { error?: unknown }).error, undefined);
      assert.equal(await publishTtl('m.a'), 1);
      // The message expires and its marker (seq 2) takes its place.
      await until('the marker of m.a', (s) => s.last_seq === 2 && s.messages === 1);
      const marker = await jsm.streams.getMessage('M', { last_by_subj: 'm.a' });
      assert.equal(marker.seq, 2);
      assert.equal(marker.header.get('Nats-Marker-Reason'), 'MaxAge');
      assert.equal(marker.header.get('Nats-TTL'), '1s');
      // The marker expires too.
      await until('the marker gone', (s) => s.messages === 0 && s.last_seq === 2);
      // Another subject's message and marker come and go: had the first marker left a marker of
      // its own, it would be in the stream by now, before these.
      assert.equal(await publishTtl('m.b'), 3);
      await until('the marker of m.b', (s) => s.last_seq === 4);
      const s = await until('m.b and its marker gone', (x) => x.messages === 0);
      assert.equal(s.last_seq, 4, 'no marker of a marker');
      await assert.rejects(jsm.streams.getMessage('M', { last_by_subj: 'm.a' }), /no message found/);
    });
  });
}
