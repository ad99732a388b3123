// $JS.API answers that clients compare exactly, checked with raw requests against Wharf and,
// as the control, nats-server v2.15.2 with -js (the same assertions on both): values a client
// sent come back as sent (a pause_until with nanoseconds, which nats.go compares with Equal; an
// opt_start_time of Go's zero time, which is set, not absent).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as nats from 'nats';
import { peerSkip } from '../support/peers.js';
import { startConsumerTarget, startReferenceTarget, type ConsumerTarget } from './support/consumer-target.js';

const sc = nats.StringCodec();

async function api<T>(nc: nats.NatsConnection, subject: string, body: unknown): Promise<T> {
  const r = await nc.request(subject, sc.encode(body === undefined ? '' : JSON.stringify(body)), { timeout: 5000 });
  return JSON.parse(sc.decode(r.data)) as T;
}

/** An RFC 3339 time plus one nanosecond (what nats.go's si.State.LastTime.Add(time.Nanosecond) sends). */
function plusOneNs(iso: string): string {
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/.exec(iso);
  assert.ok(m, iso);
  const ns = BigInt((m[2] ?? '').padEnd(9, '0')) + 1n;
  assert.ok(ns < 1_000_000_000n, 'no carry into the seconds in this test');
  return `${m[1]}.${ns.toString().padStart(9, '0')}Z`;
}

for (const kind of ['nats-server', 'wharf'] as const) {
  describe(`exact API answers against ${kind}`, { skip: kind === 'nats-server' ? peerSkip('nats-server') : false }, () => {
    let t: ConsumerTarget;
    let nc: nats.NatsConnection;

    before(async () => {
      t = kind === 'nats-server' ? await startReferenceTarget() : await startConsumerTarget();
      nc = await nats.connect({ servers: `127.0.0.1:${t.port}` });
      await api(nc, '$JS.API.STREAM.CREATE.X', { name: 'X', subjects: ['x.>'], allow_direct: true });
      await api(nc, '$JS.API.CONSUMER.CREATE.X.C', { stream_name: 'X', config: { durable_name: 'C', ack_policy: 'explicit' } });
    });

    after(async () => {
      await nc?.close();
      await t?.close();
    });

    it('CONSUMER.PAUSE answers pause_until as sent, nanoseconds included', async () => {
      const until = new Date(Date.now() + 60_000).toISOString().replace(/\.(\d{3})Z$/, '.$1456789Z');
      const r = await api<{ paused: boolean; pause_until: string }>(nc, '$JS.API.CONSUMER.PAUSE.X.C', { pause_until: until });
      assert.equal(r.paused, true);
      assert.equal(r.pause_until, until);
      const info = await api<{ config: { pause_until: string } }>(nc, '$JS.API.CONSUMER.INFO.X.C', undefined);
      assert.equal(info.config.pause_until, until);
    });

    it('CONSUMER.CREATE takes the zero time as opt_start_time (set, not absent) and echoes it', async () => {
      const r = await api<{ error?: unknown; config?: { deliver_policy: string; opt_start_time?: string } }>(nc, '$JS.API.CONSUMER.CREATE.X', {
        stream_name: 'X',
        config: { deliver_policy: 'by_start_time', opt_start_time: '0001-01-01T00:00:00Z', ack_policy: 'none', mem_storage: true },
      });
      assert.equal(r.error, undefined);
      assert.equal(r.config?.deliver_policy, 'by_start_time');
      assert.equal(r.config?.opt_start_time, '0001-01-01T00:00:00Z');
    });

    it('DIRECT.GET statuses: an empty body or empty JSON is "Empty Request", conflicting options "Bad Request"', async () => {
      await nc.request('x.a', sc.encode('one'), { timeout: 5000 });
      const status = async (body: string): Promise<string> => {
        const m = await nc.request('$JS.API.DIRECT.GET.X', sc.encode(body), { timeout: 5000, noMux: true });
        return `${m.headers?.code ?? 0} ${m.headers?.description ?? ''}`;
      };
      assert.equal(await status(''), '408 Empty Request');
      assert.equal(await status('{}'), '408 Empty Request', 'nats.go GetMsg(seq 0) with DirectGet sends {}');
      assert.equal(await status('{"batch":2}'), '408 Empty Request');
      assert.equal(await status('{"seq":1,"last_by_subj":"x.a"}'), '408 Bad Request');
      assert.equal(await status('{"last_by_subj":"x.a","batch":2}'), '408 Bad Request');
      assert.equal(await status('{"next_by_subj":"x.a","multi_last":["x.a"]}'), '408 Bad Request');
      assert.equal(await status('{"seq":1,"start_time":"2020-01-01T00:00:00Z"}'), '408 Bad Request');
      assert.equal(await status('nope'), '408 Malformed Request');
      assert.equal(await status('{"seq":1}'), '0 ');
    });

    it('a start time one nanosecond after a message does not take that message', async () => {
      await api(nc, '$JS.API.STREAM.CREATE.T', { name: 'T', subjects: ['t'] });
      // Two messages in different milliseconds (Wharf's message times are milliseconds).
      await nc.request('t', sc.encode('a'), { timeout: 5000 });
      await new Promise((r) => setTimeout(r, 5));
      await nc.request('t', sc.encode('b'), { timeout: 5000 });
      const info = await api<{ state: { last_ts: string } }>(nc, '$JS.API.STREAM.INFO.T', undefined);
      const pending = async (at: string): Promise<number | undefined> => {
        const r = await api<{ num_pending?: number; error?: unknown }>(nc, '$JS.API.CONSUMER.CREATE.T', { stream_name: 'T', config: { deliver_policy: 'by_start_time', opt_start_time: at, ack_policy: 'none', mem_storage: true } });
        assert.equal(r.error, undefined);
        return r.num_pending;
      };
      assert.equal(await pending(info.state.last_ts), 1, 'at the last time: the last message');
      assert.equal(await pending(plusOneNs(info.state.last_ts)), 0, 'one nanosecond later: nothing');
    });

    it('an AckSync to an ack-none consumer gets no-responders (it has no ack subscription)', async () => {
      await api(nc, '$JS.API.STREAM.CREATE.N', { name: 'N', subjects: ['n'] });
      await nc.request('n', sc.encode('x'), { timeout: 5000 });
      await api(nc, '$JS.API.CONSUMER.CREATE.N.A', { stream_name: 'N', config: { durable_name: 'A', ack_policy: 'none' } });
      const m = await nc.request('$JS.API.CONSUMER.MSG.NEXT.N.A', sc.encode(JSON.stringify({ batch: 1, expires: 2_000_000_000 })), { timeout: 5000, noMux: true });
      assert.equal(sc.decode(m.data), 'x');
      assert.ok(m.reply?.startsWith('$JS.ACK.N.A.'), m.reply);
      await assert.rejects(nc.request(m.reply!, sc.encode('+ACK'), { timeout: 2000 }), (err: nats.NatsError) => err.code === nats.ErrorCode.NoResponders);
    });

    it('CONSUMER.CREATE in pedantic mode refuses what the defaults would change (10157)', async () => {
      await api(nc, '$JS.API.STREAM.CREATE.P', { name: 'P', subjects: ['p'], consumer_limits: { max_ack_pending: 10 } });
      type R = { error?: { code: number; err_code: number; description: string }; config?: { max_ack_pending?: number } };
      const create = (name: string, config: object, pedantic?: boolean): Promise<R> =>
        api<R>(nc, `$JS.API.CONSUMER.CREATE.P.${name}`, { stream_name: 'P', config: { name, ack_policy: 'explicit', ...config }, ...(pedantic === undefined ? {} : { pedantic }) });
      assert.equal((await create('a', {})).config?.max_ack_pending, 10, 'not pedantic: the stream limit is taken');
      assert.deepEqual((await create('b', { max_ack_pending: 0 }, true)).error, { code: 400, err_code: 10157, description: "pedantic mode: max_ack_pending must be set if it's configured in stream limits" });
      assert.deepEqual((await create('c', { max_ack_pending: 5, max_waiting: -1 }, true)).error, { code: 400, err_code: 10157, description: 'pedantic mode: max_waiting must not be negative' });
      assert.deepEqual((await create('d', { max_ack_pending: 5, backoff: [1_000_000_000] }, true)).error, { code: 400, err_code: 10157, description: 'pedantic mode: first backoff value has to equal batch AckWait' });
      assert.equal((await create('e', { max_ack_pending: 5 }, true)).config?.max_ack_pending, 5);
    });
  });
}
