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

for (const kind of ['nats-server', 'wharf'] as const) {
  describe(`exact API answers against ${kind}`, { skip: kind === 'nats-server' ? peerSkip('nats-server') : false }, () => {
    let t: ConsumerTarget;
    let nc: nats.NatsConnection;

    before(async () => {
      t = kind === 'nats-server' ? await startReferenceTarget() : await startConsumerTarget();
      nc = await nats.connect({ servers: `127.0.0.1:${t.port}` });
      await api(nc, '$JS.API.STREAM.CREATE.X', { name: 'X', subjects: ['x.>'] });
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
  });
}
