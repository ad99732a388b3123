// /accountz, /accstatz and /healthz?js-enabled-only=true with real NATS clients: the one
// account ($G) and its detail follow the connections and subscriptions, /accstatz lists it only
// with connections (or unused=1) and counts its traffic, an unknown account is nats-server's 400,
// and the JetStream probe answers 503 when JetStream is asked for but not running. The shapes
// are compared with nats-server's in monitor.test.ts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from 'nats';
import { startBroker, type Broker } from '../../src/index.js';
import { startMonitor } from '../../src/http/server.js';
import { startTestBroker } from '../support/broker.js';

type Json = Record<string, unknown>;

describe('/accountz, /accstatz, /healthz?js-enabled-only', () => {
  let broker: Broker;
  let base: string;
  const get = async (path: string): Promise<{ status: number; text: string }> => {
    const res = await fetch(`${base}${path}`);
    return { status: res.status, text: await res.text() };
  };
  const json = async (path: string): Promise<Json> => {
    const r = await get(path);
    assert.equal(r.status, 200, `${path}: ${r.text}`);
    return JSON.parse(r.text) as Json;
  };

  before(async () => {
    broker = await startTestBroker({ httpPort: 0 });
    base = `http://127.0.0.1:${broker.ports.http}`;
  });
  after(() => broker.close());

  it('one account, $G, whose detail follows connections and subscriptions', async () => {
    const list = await json('/accountz');
    assert.deepEqual(list.accounts, ['$G']);
    assert.equal(list.server_id, broker.nats.serverId);
    assert.equal('system_account' in list, false, 'no system account');
    let nc: NatsConnection | undefined;
    try {
      nc = await connect({ port: broker.ports.nats });
      nc.subscribe('acc.a');
      nc.subscribe('acc.b', { queue: 'q' });
      await nc.flush();
      const detail = (await json('/accountz?acc=$G')).account_detail as Json;
      assert.equal(detail.account_name, '$G');
      assert.equal(detail.client_connections, 1);
      assert.equal(detail.subscriptions, broker.router.subscriptions.size);
      assert.equal((detail.sublist_stats as Json).num_subscriptions, broker.router.subscriptions.size);
      assert.equal(detail.jetstream_enabled, true);
    } finally {
      await nc?.close();
    }
    const unknown = await get('/accountz?acc=nope');
    assert.equal(unknown.status, 400);
    assert.equal(unknown.text, 'Account nope does not exist');
  });

  it('/accstatz lists $G with connections or unused=1, and counts its traffic', async () => {
    assert.deepEqual((await json('/accstatz')).account_statz, [], 'no connections, no account');
    assert.equal(((await json('/accstatz?unused=1')).account_statz as Json[])[0]?.acc, '$G');
    assert.deepEqual((await json('/accstatz?accounts=other')).account_statz, []);
    let nc: NatsConnection | undefined;
    try {
      nc = await connect({ port: broker.ports.nats });
      const sub = nc.subscribe('stat.x', { max: 5 });
      for (let i = 0; i < 5; i++) nc.publish('stat.x', 'hello');
      for await (const _ of sub) void _;
      const [acc] = (await json('/accstatz')).account_statz as Json[];
      assert.ok(acc, 'listed with a connection');
      assert.equal(acc.conns, 1);
      assert.ok(((acc.received as Json).msgs as number) >= 5, 'received the publishes');
      assert.ok(((acc.sent as Json).msgs as number) >= 5, 'sent the deliveries');
      assert.ok(((acc.received as Json).bytes as number) >= 25);
    } finally {
      await nc?.close();
    }
  });

  it('/healthz?js-enabled-only=true: ok with JetStream running, 503 when asked for but absent', async () => {
    assert.deepEqual(await json('/healthz?js-enabled-only=true'), { status: 'ok' });
    const monitor = await startMonitor({ options: { host: '127.0.0.1', port: 0, tls: false, auth: false }, nats: broker.nats, router: broker.router, log: broker.log, coordinators: broker.coordinators, jetstream: null, jetstreamConfigured: true, logger: broker.logger, startedAt: new Date() });
    try {
      const res = await fetch(`http://127.0.0.1:${monitor.port}/healthz?js-enabled-only=true`);
      assert.equal(res.status, 503);
      assert.deepEqual(await res.json(), { status: 'unavailable', error: 'JetStream not enabled' });
      assert.equal((await fetch(`http://127.0.0.1:${monitor.port}/healthz`)).status, 200, 'the plain probe stays ok');
    } finally {
      await monitor.close();
    }
    const off = await startTestBroker({ httpPort: 0, jetstream: false });
    try {
      assert.equal((await fetch(`http://127.0.0.1:${off.ports.http}/healthz?js-enabled-only=true`)).status, 200, 'JetStream switched off is healthy, as in nats-server');
    } finally {
      await off.close();
    }
  });

  it('with accounts configured: lists them, and each one\'s detail and traffic are its own', async () => {
    const multi = await startBroker({
      host: '127.0.0.1',
      logLevel: 'silent',
      nats: { port: 0, accounts: { A: { users: [{ user: 'a', password: 'pa', account: 'A' }] }, B: { users: [{ user: 'b', password: 'pb', account: 'B' }] } } },
      kafka: { port: -1 },
      http: { port: 0 },
      storage: { engine: 'memory' },
    });
    const mbase = `http://127.0.0.1:${multi.ports.http}`;
    const mjson = async (path: string): Promise<Json> => {
      const res = await fetch(`${mbase}${path}`, { headers: { authorization: `Basic ${Buffer.from('a:pa').toString('base64')}` } });
      const text = await res.text();
      assert.equal(res.status, 200, `${path}: ${text}`);
      return JSON.parse(text) as Json;
    };
    const conns: NatsConnection[] = [];
    try {
      assert.deepEqual((await mjson('/accountz')).accounts, ['$G', 'A', 'B']);
      const a = await connect({ port: multi.ports.nats, user: 'a', pass: 'pa' });
      conns.push(a);
      const b = await connect({ port: multi.ports.nats, user: 'b', pass: 'pb' });
      conns.push(b);
      const sub = a.subscribe('only.a', { max: 3 });
      b.subscribe('only.b');
      b.subscribe('only.b2');
      for (let i = 0; i < 3; i++) a.publish('only.a', 'x');
      for await (const _ of sub) void _;
      await b.flush();
      const detailA = (await mjson('/accountz?acc=A')).account_detail as Json;
      assert.equal(detailA.client_connections, 1);
      assert.equal(detailA.jetstream_enabled, false, 'A has no jetstream in its account block');
      assert.equal(((await mjson('/accountz?acc=B')).account_detail as Json).subscriptions, 2);
      const statz = (await mjson('/accstatz')).account_statz as Json[];
      assert.deepEqual(statz.map((x) => x.acc), ['A', 'B'], 'the accounts with connections');
      const [sa, sb] = statz as [Json, Json];
      assert.equal((sa.received as Json).msgs, 3);
      assert.equal((sa.sent as Json).msgs, 3);
      assert.equal((sb.received as Json).msgs, 0, "B's traffic is not A's");
      assert.equal(sb.num_subscriptions, 2);
    } finally {
      await Promise.all(conns.map((c) => c.close()));
      await multi.close();
    }
  });
});
