// Server-wide JetStream limits on consumers (nats-server's `jetstream { limits { max_ack_pending } }`,
// Wharf's --js-max-ack-pending), with raw requests against Wharf and, as the control, nats-server
// v2.15.2 configured with the same limit: a consumer that sets no max_ack_pending gets the limit
// (it is below the default 1000), one that asks for more is refused with 10121 naming the limit.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nats from 'nats';
import { peerSkip } from '../support/peers.js';
import { startNatsServer } from '../support/nats-server.js';
import { startWharf } from '../support/wharf.js';

const sc = nats.StringCodec();

async function api<T>(nc: nats.NatsConnection, subject: string, body: unknown): Promise<T> {
  const r = await nc.request(subject, sc.encode(JSON.stringify(body)), { timeout: 5000 });
  return JSON.parse(sc.decode(r.data)) as T;
}

interface Created {
  config?: { max_ack_pending?: number };
  error?: { code: number; err_code: number; description: string };
}

for (const kind of ['nats-server', 'wharf'] as const) {
  describe(`max_ack_pending server limit against ${kind}`, { skip: kind === 'nats-server' ? peerSkip('nats-server') : false }, () => {
    let nc: nats.NatsConnection;
    let close: () => Promise<void>;
    let store: string;

    before(async () => {
      store = mkdtempSync(join(tmpdir(), 'wharf-js-limits-'));
      const t =
        kind === 'nats-server'
          ? await startNatsServer({ config: `jetstream { store_dir: "${store}", limits { max_ack_pending: 123 } }` })
          : await startWharf({ 'js-max-ack-pending': 123 });
      nc = await nats.connect({ servers: `${t.host}:${t.port}` });
      close = () => t.close();
      await api(nc, '$JS.API.STREAM.CREATE.L', { name: 'L', subjects: ['l'] });
    });

    after(async () => {
      await nc?.close();
      await close?.();
      rmSync(store, { recursive: true, force: true });
    });

    it('a consumer without max_ack_pending gets the limit', async () => {
      const r = await api<Created>(nc, '$JS.API.CONSUMER.CREATE.L.A', { stream_name: 'L', config: { durable_name: 'A', ack_policy: 'explicit' } });
      assert.equal(r.error, undefined);
      assert.equal(r.config?.max_ack_pending, 123);
    });

    it('a consumer asking for more is refused with 10121', async () => {
      const r = await api<Created>(nc, '$JS.API.CONSUMER.CREATE.L.B', { stream_name: 'L', config: { durable_name: 'B', ack_policy: 'explicit', max_ack_pending: 124 } });
      assert.deepEqual(r.error, { code: 400, err_code: 10121, description: 'consumer max ack pending exceeds system limit of 123' });
      const ok = await api<Created>(nc, '$JS.API.CONSUMER.CREATE.L.C', { stream_name: 'L', config: { durable_name: 'C', ack_policy: 'explicit', max_ack_pending: 64 } });
      assert.equal(ok.config?.max_ack_pending, 64);
    });
  });
}
