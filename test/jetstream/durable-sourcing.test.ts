// ADR-60 durable sourcing (nats-server 2.14), side by side against nats-server v2.15.2 -js
// over a raw NATS connection, with the same assertions on both (docs/jetstream.md 1.28):
// - CONSUMER.CREATE with ack_policy flow_control: what the server fills in (flow_control, the
//   1 s heartbeat, max_ack_pending, no ack_wait, max_deliver -1), and its refusals (pull, ack_wait);
// - STREAM.CREATE with a mirror and a source through such consumers: the config echoed, the
//   refusals of an empty name or deliver subject (10213 / 10215) and of a start or filter on the
//   source itself, a duplicate consumer (10216);
// - the origin's messages arriving in the mirror (origin sequences kept) and the source, the
//   consumer's filter honoured, and the consumers' delivered / ack floor following the stores;
// - a consumer without ack_policy flow_control is not used (STREAM.INFO's source error 10217).
// Then, on Wharf alone: a restart resumes from the consumer's durable state (nothing twice,
// nothing lost).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peerSkip } from '../support/peers.js';
import { startNatsServer } from '../support/nats-server.js';
import { startWharf } from '../support/wharf.js';
import { RawNats } from './support/raw-nats.js';

type J = Record<string, unknown>;
const skip = peerSkip('nats-server');

const api = (c: RawNats, what: string, body: unknown = {}): Promise<J> => c.api(`$JS.API.${what}`, body);
const cfgOf = (r: J): J => (r['config'] ?? {}) as J;
const errOf = (r: J): J | undefined => r['error'] as J | undefined;

async function until<T>(what: string, f: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  let v = await f();
  while (!ok(v)) {
    if (Date.now() > end) assert.fail(`${what}: still ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
    v = await f();
  }
  return v;
}

async function publish(c: RawNats, subject: string, data: string): Promise<void> {
  const [m] = await c.request(subject, `_INBOX.pub.${Math.random()}`, Buffer.from(data), null, 1, 5_000);
  assert.ok(m !== undefined && !m.payload.toString().includes('"error"'), `publish ${subject}: ${m?.payload.toString()}`);
}

async function messages(c: RawNats, stream: string): Promise<Array<{ seq: number; subject: string; data: string }>> {
  const info = await api(c, `STREAM.INFO.${stream}`);
  const st = info['state'] as { first_seq: number; last_seq: number };
  const out: Array<{ seq: number; subject: string; data: string }> = [];
  for (let s = st.first_seq; s <= st.last_seq && s > 0; s++) {
    const r = await api(c, `STREAM.MSG.GET.${stream}`, { seq: s });
    const m = r['message'] as { seq: number; subject: string; data?: string } | undefined;
    if (m !== undefined) out.push({ seq: m.seq, subject: m.subject, data: Buffer.from(m.data ?? '', 'base64').toString() });
  }
  return out;
}

/** The facts of a flow_control consumer's config, as both servers must fill them in. */
function fcFacts(c: J): J {
  return {
    ack_policy: c['ack_policy'],
    flow_control: c['flow_control'],
    idle_heartbeat: c['idle_heartbeat'],
    max_ack_pending: c['max_ack_pending'],
    ack_wait: c['ack_wait'],
    max_deliver: c['max_deliver'],
    deliver_subject: c['deliver_subject'],
  };
}

for (const kind of ['nats-server', 'wharf'] as const) {
  describe(`ADR-60 durable sourcing against ${kind}`, { skip }, () => {
    let c: RawNats;
    let close: () => Promise<void>;
    let store: string;

    before(async () => {
      store = mkdtempSync(join(tmpdir(), 'wharf-adr60-'));
      const t = kind === 'nats-server' ? await startNatsServer({ args: ['-js', '-sd', store] }) : await startWharf();
      c = await RawNats.open(t.port);
      close = () => t.close();
    });

    after(async () => {
      c?.close();
      await close?.();
      rmSync(store, { recursive: true, force: true });
    });

    it('a consumer with ack_policy flow_control gets flow control and the 1 s heartbeat; its refusals', async () => {
      await api(c, 'STREAM.CREATE.O', { name: 'O', subjects: ['o.>'] });
      const r = await api(c, 'CONSUMER.CREATE.O.C', { stream_name: 'O', config: { durable_name: 'C', deliver_subject: 'deliver.mirror', ack_policy: 'flow_control' } });
      assert.equal(errOf(r), undefined, JSON.stringify(r));
      assert.deepEqual(fcFacts(cfgOf(r)), {
        ack_policy: 'flow_control',
        flow_control: true,
        idle_heartbeat: 1_000_000_000,
        max_ack_pending: 1000,
        ack_wait: undefined,
        max_deliver: -1,
        deliver_subject: 'deliver.mirror',
      });
      // A heartbeat given is replaced by the 1 s one.
      const hb = await api(c, 'CONSUMER.CREATE.O.HB', { stream_name: 'O', config: { durable_name: 'HB', deliver_subject: 'deliver.hb', ack_policy: 'flow_control', idle_heartbeat: 5_000_000_000 } });
      assert.equal(cfgOf(hb)['idle_heartbeat'], 1_000_000_000);
      const pull = await api(c, 'CONSUMER.CREATE.O.P', { stream_name: 'O', config: { durable_name: 'P', ack_policy: 'flow_control' } });
      assert.deepEqual(errOf(pull), { code: 400, err_code: 10218, description: 'flow control ack policy requires a push based consumer' });
      const wait = await api(c, 'CONSUMER.CREATE.O.W', { stream_name: 'O', config: { durable_name: 'W', deliver_subject: 'deliver.w', ack_policy: 'flow_control', ack_wait: 5_000_000_000 } });
      assert.deepEqual(errOf(wait), { code: 400, err_code: 10221, description: 'flow control ack policy requires unset ack wait' });
      const md = await api(c, 'CONSUMER.CREATE.O.MD', { stream_name: 'O', config: { durable_name: 'MD', deliver_subject: 'deliver.md', ack_policy: 'flow_control', max_deliver: 3 } });
      assert.deepEqual(errOf(md), { code: 400, err_code: 10222, description: 'flow control ack policy requires unset max deliver' });
      await api(c, 'CONSUMER.DELETE.O.HB');
      // Work-queue streams take it, as they take explicit acks.
      await api(c, 'STREAM.CREATE.WQ', { name: 'WQ', subjects: ['wq.>'], retention: 'workqueue' });
      const wq = await api(c, 'CONSUMER.CREATE.WQ.F', { stream_name: 'WQ', config: { durable_name: 'F', deliver_subject: 'deliver.wq', ack_policy: 'flow_control' } });
      assert.equal(errOf(wq), undefined, JSON.stringify(wq));
      await api(c, 'STREAM.DELETE.WQ');
    });

    it('mirror and source through the consumers: configs echoed, refusals', async () => {
      const c2 = await api(c, 'CONSUMER.CREATE.O.C2', { stream_name: 'O', config: { durable_name: 'C2', deliver_subject: 'deliver.source', ack_policy: 'flow_control', filter_subject: 'o.a' } });
      assert.equal(errOf(c2), undefined, JSON.stringify(c2));
      const cf = await api(c, 'CONSUMER.CREATE.O.CF', { stream_name: 'O', config: { durable_name: 'CF', deliver_subject: 'deliver.mf', ack_policy: 'flow_control', filter_subject: 'o.b' } });
      assert.equal(errOf(cf), undefined, JSON.stringify(cf));
      const mf = await api(c, 'STREAM.CREATE.MF', { name: 'MF', mirror: { name: 'O', consumer: { name: 'CF', deliver_subject: 'deliver.mf' } } });
      assert.equal(errOf(mf), undefined, JSON.stringify(mf));
      const m = await api(c, 'STREAM.CREATE.M', { name: 'M', mirror: { name: 'O', consumer: { name: 'C', deliver_subject: 'deliver.mirror' } } });
      assert.equal(errOf(m), undefined, JSON.stringify(m));
      assert.deepEqual(cfgOf(m)['mirror'], { name: 'O', consumer: { name: 'C', deliver_subject: 'deliver.mirror' } });
      const s = await api(c, 'STREAM.CREATE.S', { name: 'S', sources: [{ name: 'O', consumer: { name: 'C2', deliver_subject: 'deliver.source' } }] });
      assert.equal(errOf(s), undefined, JSON.stringify(s));
      assert.deepEqual(cfgOf(s)['sources'], [{ name: 'O', consumer: { name: 'C2', deliver_subject: 'deliver.source' } }]);
      const refusals: Array<[string, J, number, string]> = [
        ['M1', { mirror: { name: 'O', consumer: { name: '', deliver_subject: 'd.x' } } }, 10213, 'stream mirror consumer config is invalid'],
        ['M2', { mirror: { name: 'O', consumer: { name: 'C', deliver_subject: '' } } }, 10213, 'stream mirror consumer config is invalid'],
        ['M3', { mirror: { name: 'O', opt_start_seq: 2, consumer: { name: 'C', deliver_subject: 'd.x' } } }, 10213, 'stream mirror consumer config is invalid'],
        ['M4', { mirror: { name: 'O', consumer: { name: 'C', deliver_subject: 'd.*' } } }, 10213, 'stream mirror consumer config is invalid'],
        ['S1', { sources: [{ name: 'O', consumer: { name: '', deliver_subject: 'd.x' } }] }, 10215, 'stream source consumer config is invalid'],
        ['S2', { sources: [{ name: 'O', consumer: { name: 'C', deliver_subject: '' } }] }, 10215, 'stream source consumer config is invalid'],
        ['S3', { sources: [{ name: 'O', filter_subject: 'o.a', consumer: { name: 'C', deliver_subject: 'd.x' } }] }, 10215, 'stream source consumer config is invalid'],
        [
          'S4',
          {
            sources: [
              { name: 'O', consumer: { name: 'C', deliver_subject: 'd.x' }, subject_transforms: [{ src: 'o.a', dest: 'x.a' }] },
              { name: 'O', consumer: { name: 'C', deliver_subject: 'd.y' }, subject_transforms: [{ src: 'o.b', dest: 'x.b' }] },
            ],
          },
          10216,
          'duplicate stream source consumer detected',
        ],
      ];
      for (const [name, body, code, description] of refusals) {
        const r = await api(c, `STREAM.CREATE.${name}`, { name, ...body });
        assert.deepEqual(errOf(r), { code: 400, err_code: code, description }, name);
      }
    });

    it('the origin messages arrive in the mirror and the source; the consumers follow', async () => {
      await publish(c, 'o.a', '1');
      await publish(c, 'o.b', '2');
      await publish(c, 'o.a', '3');
      const mirrored = await until('mirror M', () => messages(c, 'M'), (v) => v.length >= 3);
      assert.deepEqual(mirrored, [
        { seq: 1, subject: 'o.a', data: '1' },
        { seq: 2, subject: 'o.b', data: '2' },
        { seq: 3, subject: 'o.a', data: '3' },
      ]);
      // The source's consumer filters o.a.
      const sourced = await until('source S', () => messages(c, 'S'), (v) => v.length >= 2);
      assert.deepEqual(sourced, [
        { seq: 1, subject: 'o.a', data: '1' },
        { seq: 2, subject: 'o.a', data: '3' },
      ]);
      // A mirror through a filtered consumer keeps the origin's sequences.
      const filtered = await until('mirror MF', () => messages(c, 'MF'), (v) => v.length >= 1);
      assert.deepEqual(filtered, [{ seq: 2, subject: 'o.b', data: '2' }]);
      // Flow-control answers acknowledge: the consumers' ack floors reach what was stored.
      const ci = await until('consumer C acked', () => api(c, 'CONSUMER.INFO.O.C'), (v) => ((v['ack_floor'] as J)['stream_seq'] as number) >= 3);
      assert.deepEqual([(ci['delivered'] as J)['stream_seq'], (ci['ack_floor'] as J)['stream_seq'], ci['num_ack_pending'], ci['num_pending']], [3, 3, 0, 0]);
      assert.equal(ci['push_bound'], true);
      const c2 = await until('consumer C2 acked', () => api(c, 'CONSUMER.INFO.O.C2'), (v) => ((v['ack_floor'] as J)['stream_seq'] as number) >= 3);
      assert.deepEqual([(c2['delivered'] as J)['consumer_seq'], (c2['ack_floor'] as J)['consumer_seq'], c2['num_ack_pending']], [2, 2, 0]);
      const si = await api(c, 'STREAM.INFO.S');
      const src = (si['sources'] as J[])[0]!;
      assert.equal(src['name'], 'O');
      assert.equal(src['error'], undefined);
    });

    it('a consumer reset back to the start by hand stores nothing twice', async () => {
      const r = await api(c, 'CONSUMER.RESET.O.C2', { seq: 1 });
      assert.equal(errOf(r), undefined, JSON.stringify(r));
      await publish(c, 'o.a', '4');
      const sourced = await until('source S', () => messages(c, 'S'), (v) => v.length >= 3);
      await new Promise((res) => setTimeout(res, 1_500));
      assert.deepEqual((await messages(c, 'S')).map((m) => m.data), ['1', '3', '4']);
      assert.equal(sourced.length, 3);
      const ci = await until('consumer C2 acked', () => api(c, 'CONSUMER.INFO.O.C2'), (v) => ((v['ack_floor'] as J)['stream_seq'] as number) >= 4);
      assert.equal(ci['num_ack_pending'], 0);
    });

    it('a consumer without ack_policy flow_control is not used (10217 in STREAM.INFO)', async () => {
      await api(c, 'CONSUMER.CREATE.O.X', { stream_name: 'O', config: { durable_name: 'X', deliver_subject: 'deliver.x', ack_policy: 'explicit' } });
      const r = await api(c, 'STREAM.CREATE.SX', { name: 'SX', sources: [{ name: 'O', consumer: { name: 'X', deliver_subject: 'deliver.x' } }] });
      assert.equal(errOf(r), undefined, JSON.stringify(r));
      const si = await until(
        'source error',
        () => api(c, 'STREAM.INFO.SX'),
        (v) => ((v['sources'] as J[] | undefined)?.[0]?.['error'] as J | undefined) !== undefined,
      );
      assert.deepEqual((si['sources'] as J[])[0]!['error'], { code: 400, err_code: 10217, description: 'stream source consumer requires flow control ack policy' });
      assert.equal((si['state'] as J)['messages'], 0);
    });
  });
}

describe('ADR-60 durable sourcing over a Wharf restart', () => {
  it('resumes from the consumer: nothing twice, nothing lost', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wharf-adr60-restart-'));
    try {
      let w = await startWharf({ dataDir });
      let c = await RawNats.open(w.port);
      await api(c, 'STREAM.CREATE.O', { name: 'O', subjects: ['o.>'], retention: 'interest' });
      await api(c, 'CONSUMER.CREATE.O.C', { stream_name: 'O', config: { durable_name: 'C', deliver_subject: 'deliver.s', ack_policy: 'flow_control' } });
      const s = await api(c, 'STREAM.CREATE.S', { name: 'S', sources: [{ name: 'O', consumer: { name: 'C', deliver_subject: 'deliver.s' } }] });
      assert.equal(errOf(s), undefined, JSON.stringify(s));
      for (let i = 1; i <= 5; i++) await publish(c, `o.${i}`, String(i));
      await until('S has 5', () => messages(c, 'S'), (v) => v.length === 5);
      await until('C acked 5', () => api(c, 'CONSUMER.INFO.O.C'), (v) => (v['ack_floor'] as J)['stream_seq'] === 5);
      // Interest retention: acknowledged by flow control, the origin's messages are gone.
      await until('O emptied', () => api(c, 'STREAM.INFO.O'), (v) => (v['state'] as J)['messages'] === 0);
      c.close();
      await w.close();

      w = await startWharf({ dataDir });
      c = await RawNats.open(w.port);
      for (let i = 6; i <= 8; i++) await publish(c, `o.${i}`, String(i));
      const got = await until('S has 8', () => messages(c, 'S'), (v) => v.length >= 8);
      assert.deepEqual(
        got.map((m) => m.data),
        ['1', '2', '3', '4', '5', '6', '7', '8'],
      );
      const ci = await until('C acked 8', () => api(c, 'CONSUMER.INFO.O.C'), (v) => (v['ack_floor'] as J)['stream_seq'] === 8);
      assert.equal(ci['num_ack_pending'], 0);
      c.close();
      await w.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
