// The console's JSON API and assets through HTTP, with real Kafka and NATS clients making the
// state it reports: topics (create, alter, add partitions, delete, the errors the log gives),
// the browser (by offset, by time, live tail), produce (and a stream's append check), groups
// (lag, reset only when empty, delete), NATS, transactions, JetStream, the authenticate step,
// and the app's files with their caching.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { connect } from 'nats';
import type { Broker } from '../../src/index.js';
import { startMonitor } from '../../src/http/server.js';
import type { BrowseResult, GroupDetail, GroupSummary, Overview, TopicDetail, TopicSummary } from '../../src/http/console/types.js';
import { startTestBroker } from '../support/broker.js';
import { waitFor } from '../support/wait.js';

describe('console API', () => {
  let broker: Broker;
  let base: string;
  let kafka: Kafka;

  const call = async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${base}/console/api${path}`, { method, ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
    return { status: res.status, body: (await res.json()) as T };
  };
  const ok = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const r = await call<T>(method, path, body);
    assert.equal(r.status, 200, `${method} ${path}: ${JSON.stringify(r.body)}`);
    return r.body;
  };

  before(async () => {
    broker = await startTestBroker({ kafkaPort: 0, httpPort: 0, groupInitialRebalanceDelay: 0 });
    base = `http://127.0.0.1:${broker.ports.http}`;
    kafka = new Kafka({ brokers: [`127.0.0.1:${broker.ports.kafka}`], logLevel: logLevel.NOTHING });
  });
  after(() => broker.close());

  it('creates, describes, alters, grows and deletes a topic, with the log\'s own checks', async () => {
    const created = await ok<TopicDetail>('POST', '/topics', { name: 'api-topic', partitions: 2, configs: { 'retention.ms': '3600000' } });
    assert.equal(created.partitions, 2);
    assert.equal(created.retentionMs, 3_600_000);
    assert.equal(broker.log.topicInfo('api-topic')?.configs['retention.ms'], '3600000');
    assert.equal((await call('POST', '/topics', { name: 'api-topic' })).status, 409);
    assert.equal((await call('POST', '/topics', { name: 'bad name!' })).status, 400);
    assert.equal((await call('POST', '/topics', { name: 'x', configs: { 'cleanup.policy': 'sometimes' } })).status, 400);

    const altered = await ok<TopicDetail>('PATCH', '/topics/api-topic/configs', { changes: { 'cleanup.policy': 'compact', 'retention.ms': null } });
    assert.equal(altered.cleanupPolicy, 'compact');
    assert.equal(broker.log.topicInfo('api-topic')?.configs['retention.ms'], undefined, 'null returns a config to its default');
    assert.equal(altered.configs.find((c) => c.name === 'retention.ms')?.isDefault, true);

    const grown = await ok<TopicDetail>('POST', '/topics/api-topic/partitions', { partitions: 4 });
    assert.equal(grown.partitionDetails.length, 4);
    assert.equal((await call('POST', '/topics/api-topic/partitions', { partitions: 2 })).status, 400, 'partitions cannot shrink');

    const list = await ok<TopicSummary[]>('GET', '/topics');
    assert.ok(list.some((t) => t.name === 'api-topic' && t.partitions === 4));
    assert.equal((await call('DELETE', '/topics/__consumer_offsets')).status, 400, 'internal topics are not deleted');
    await ok('DELETE', '/topics/api-topic');
    assert.equal(broker.log.hasTopic('api-topic'), false);
    assert.equal((await call('GET', '/topics/api-topic')).status, 404);
    assert.equal((await call('GET', '/nowhere')).status, 404);
    assert.equal((await call('PUT', '/topics')).status, 405);
  });

  it('browses records a Kafka producer wrote, by offset and by time, and tails new ones', async () => {
    const producer = kafka.producer();
    await producer.connect();
    const t0 = Date.now() - 100_000;
    await producer.send({ topic: 'browse', messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, headers: { n: String(i) }, timestamp: String(t0 + i * 1000), partition: 0 })) });
    const first = await ok<BrowseResult>('GET', '/topics/browse/partitions/0/records?from=beginning&limit=3');
    assert.deepEqual(first.records.map((r) => r.offset), [0, 1, 2]);
    assert.equal(first.nextOffset, 3);
    assert.equal(Buffer.from(first.records[1]!.value!, 'base64').toString(), 'v1');
    assert.deepEqual(first.records[1]!.headers.map((h) => [h.key, Buffer.from(h.value!, 'base64').toString()]), [['n', '1']]);
    assert.equal(first.records[0]!.timestamp, t0);
    const fromOffset = await ok<BrowseResult>('GET', '/topics/browse/partitions/0/records?from=offset&offset=7');
    assert.deepEqual(fromOffset.records.map((r) => r.offset), [7, 8, 9]);
    const byTime = await ok<BrowseResult>('GET', `/topics/browse/partitions/0/records?from=timestamp&timestamp=${t0 + 4500}&limit=2`);
    assert.deepEqual(byTime.records.map((r) => r.offset), [5, 6], 'the first record at or after the time');
    const end = await ok<BrowseResult>('GET', '/topics/browse/partitions/0/records?from=end&limit=2');
    assert.deepEqual(end.records.map((r) => r.offset), [8, 9]);
    assert.equal((await call('GET', '/topics/browse/partitions/9/records')).status, 404);
    assert.equal((await call('GET', '/topics/browse/partitions/0/records?from=middle')).status, 400);

    // Live tail: a request at the end waits for the next record.
    const tail = ok<BrowseResult>('GET', '/topics/browse/partitions/0/records?from=offset&offset=10&wait=10000');
    await new Promise((r) => setTimeout(r, 200));
    await producer.send({ topic: 'browse', messages: [{ value: 'late', partition: 0 }] });
    const got = await tail;
    assert.deepEqual(got.records.map((r) => Buffer.from(r.value!, 'base64').toString()), ['late']);
    await producer.disconnect();
  });

  it('produces a message a Kafka consumer reads, and a stream topic refuses a key that is no subject of it', async () => {
    const produced = await ok<{ partition: number; offset: number }>('POST', '/topics/browse/records', { partition: 0, key: 'from-console', value: '{"x":1}', headers: [{ key: 'h', value: 'v' }] });
    const consumer = kafka.consumer({ groupId: 'reader' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'browse', fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(`${message.key?.toString()}=${message.value?.toString()}:${message.headers?.['h']?.toString()}`) });
    await waitFor(() => seen.includes('from-console={"x":1}:v'), { what: 'the consumer to read the produced message', timeoutMs: 20_000 });
    await consumer.disconnect();
    assert.equal(produced.offset, 11);

    const nc = await connect({ servers: `127.0.0.1:${broker.ports.nats}` });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: 'EVENTS', subjects: ['events.>'] });
    const sub = nc.subscribe('events.>', { max: 1 });
    const ok1 = await ok<{ offset: number }>('POST', '/topics/EVENTS/records', { key: 'events.console', value: 'hello' });
    for await (const m of sub) assert.equal(m.string(), 'hello', 'a NATS subscriber of the subject gets the produced record');
    assert.equal(ok1.offset, 0);
    const refused = await call<{ error: string }>('POST', '/topics/EVENTS/records', { key: 'not.captured', value: 'x' });
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    const rows = await ok<BrowseResult>('GET', '/topics/EVENTS/partitions/0/records');
    assert.deepEqual(rows.records.map((r) => r.subject), ['events.console']);
    await nc.close();
  });

  it('reports lag, resets only an empty group, and deletes it', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'lagging', numPartitions: 2 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'lagging', messages: Array.from({ length: 20 }, (_, i) => ({ value: `m${i}`, partition: 0 })) });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: 'slow', sessionTimeout: 10_000 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'lagging', fromBeginning: true });
    let n = 0;
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        n++;
        if (message.offset === '4') await consumer.commitOffsets([{ topic, partition, offset: '5' }]);
      },
    });
    // A failed assertion must not leave the consumer running (the test run would never end).
    try {
      await waitFor(() => n >= 20, { what: 'the consumer to read', timeoutMs: 20_000 });
      await checkLive();
    } finally {
      await consumer.disconnect();
    }
    async function checkLive(): Promise<void> {
      const live = await ok<GroupDetail>('GET', '/groups/slow');
      assert.equal(live.state, 'Stable');
      assert.equal(live.members, 1);
      assert.deepEqual(live.membersDetail[0]!.assignment, [{ topic: 'lagging', partitions: [0, 1] }], 'the classic assignment is decoded');
      assert.equal(live.offsets[0]!.lag, 15);
      assert.ok((live.offsets[0]!.lagMs ?? -1) >= 0);
      assert.equal(live.offsets[0]!.owner, live.membersDetail[0]!.memberId);
      // Partition 1 is assigned but never committed: listed, with no lag to tell yet.
      assert.deepEqual(live.offsets.map((o) => [o.partition, o.committed, o.lag, o.owner]), [[0, 5, 15, live.membersDetail[0]!.memberId], [1, null, null, live.membersDetail[0]!.memberId]]);
      assert.equal((await call('POST', '/groups/slow/reset', { to: 'earliest' })).status, 409, 'a group with a member is not reset');
      assert.equal((await call('DELETE', '/groups/slow')).status, 409);
    }

    await waitFor(async () => (await ok<GroupSummary[]>('GET', '/groups')).find((g) => g.groupId === 'slow')?.state === 'Empty', { what: 'the group to be empty' });
    const r = await ok<{ offsets: Array<{ offset: number; error: string | null }> }>('POST', '/groups/slow/reset', { to: 'latest' });
    assert.deepEqual(r.offsets.map((o) => [o.offset, o.error]), [[20, null]]);
    assert.equal((await ok<GroupDetail>('GET', '/groups/slow')).lag, 0);
    const ts = await ok<{ offsets: Array<{ offset: number }> }>('POST', '/groups/slow/reset', { to: 'timestamp', timestamp: 0 });
    assert.deepEqual(ts.offsets.map((o) => o.offset), [0]);
    assert.equal((await call('POST', '/groups/slow/reset', { to: 'offset' })).status, 400, 'to=offset needs the offset');
    await ok('DELETE', '/groups/slow');
    assert.equal((await call('GET', '/groups/slow')).status, 404);
    assert.equal(broker.coordinators!.groups.fetchOffsets({ groupId: 'slow', partitions: null, requireStable: false }).offsets.length, 0);
  });

  it('lists NATS connections like /connz, subscriptions and slow consumers; overview counts them', async () => {
    const nc = await connect({ servers: `127.0.0.1:${broker.ports.nats}`, name: 'api-client' });
    nc.subscribe('api.sub', { queue: 'workers' });
    await nc.flush();
    const conns = await ok<{ total: number; connections: Array<{ name: string; subscriptions: number }> }>('GET', '/nats/connections?filter=api-client');
    assert.deepEqual(conns.connections.map((c) => [c.name, c.subscriptions]), [['api-client', 1]]);
    assert.equal((await call('GET', '/nats/connections?sort=bogus')).status, 400, '/connz\'s sort options');
    const subs = await ok<{ subscriptions: Array<{ subject: string; queue: string | null }> }>('GET', '/nats/subscriptions?filter=api.');
    assert.deepEqual(subs.subscriptions.map((s) => [s.subject, s.queue]), [['api.sub', 'workers']]);
    const slow = await ok<{ total: number }>('GET', '/nats/slow-consumers');
    assert.equal(slow.total, broker.nats.slowConsumers);
    const o = await ok<Overview>('GET', '/overview');
    assert.equal(o.connections.nats, broker.nats.connections.size);
    assert.ok(o.totals.logRecordsIn >= 31);
    assert.ok(o.listeners.some((l) => l.protocol === 'kafka' && l.port === broker.ports.kafka));
    assert.equal(o.health.status, 'ok');
    await nc.close();
  });

  it('shows an open transaction with its partitions, and JetStream streams', async () => {
    const producer = kafka.producer({ transactionalId: 'api-tx', maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    const tx = await producer.transaction();
    await tx.send({ topic: 'browse', messages: [{ value: 'in a transaction', partition: 0 }] });
    const view = await ok<{ transactions: Array<{ transactionalId: string; state: string; ageMs: number | null; partitions: Array<{ topic: string; partitions: number[] }> }>; producers: Array<{ topic: string; openTransactionOffset: number | null }> }>('GET', '/transactions');
    const t = view.transactions.find((x) => x.transactionalId === 'api-tx')!;
    assert.equal(t.state, 'Ongoing');
    assert.deepEqual(t.partitions, [{ topic: 'browse', partitions: [0] }]);
    assert.ok(t.ageMs !== null && t.ageMs >= 0);
    assert.ok(view.producers.some((p) => p.topic === 'browse' && p.openTransactionOffset !== null));
    await tx.abort();
    await producer.disconnect();
    const js = await ok<{ streams: Array<{ name: string; messages: number }> }>('GET', '/jetstream');
    assert.deepEqual(js.streams.map((s) => [s.name, s.messages]), [['EVENTS', 1]]);
  });

  it('serves the app: a redirect, index.html naming hashed assets, caching, 304s', async () => {
    const redirect = await fetch(`${base}/console`, { redirect: 'manual' });
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get('location'), '/console/');
    const index = await fetch(`${base}/console/`);
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type') ?? '', /^text\/html/);
    const html = await index.text();
    const js = /src="\.\/(assets\/app-[A-Z0-9]+\.js)"/.exec(html)?.[1];
    assert.ok(js, html);
    const asset = await fetch(`${base}/console/${js}`);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
    const again = await fetch(`${base}/console/${js}`, { headers: { 'if-none-match': asset.headers.get('etag')! } });
    assert.equal(again.status, 304);
    assert.equal((await fetch(`${base}/console/topics/deep/link`)).status, 200, 'paths of the app get index.html');
    assert.equal((await fetch(`${base}/console/assets/missing.js`)).status, 404);
  });

  it('asks the authenticate step first: no user, no API (the assets stay public)', async () => {
    const reader = { name: 'reader', principal: { type: 'User', name: 'reader' }, account: null, source: 'kafka-plain' as const };
    const monitor = await startMonitor({ options: { host: '127.0.0.1', port: 0, tls: false, auth: false }, nats: broker.nats, router: broker.router, log: broker.log, coordinators: broker.coordinators, logger: broker.logger, startedAt: new Date(), consoleAuth: (req) => (req.headers.authorization === 'Bearer reader' ? reader : null) });
    try {
      const url = `http://127.0.0.1:${monitor.port}/console/api`;
      assert.equal((await fetch(`${url}/topics`)).status, 401);
      assert.equal((await fetch(`${url}/topics`, { headers: { authorization: 'Bearer reader' } })).status, 200);
      assert.equal((await fetch(`http://127.0.0.1:${monitor.port}/console/`)).status, 200, 'the app itself needs no login: it shows its login form');
      // What the user may do is the authorizer's to say (allow-all here: no Kafka ACLs); test/http/console-auth.test.ts checks the rights.
      const session = (await (await fetch(`${url}/session`, { headers: { authorization: 'Bearer reader' } })).json()) as { user: { principal: string }; acls: boolean };
      assert.equal(session.user.principal, 'User:reader');
      assert.equal(session.acls, false);
    } finally {
      await monitor.close();
    }
  });

  it('answers only its own pages: no cross-origin reads, no cross-site changes', async () => {
    const url = `${base}/console/api`;
    const read = await fetch(`${url}/topics`, { headers: { origin: 'https://evil.example' } });
    assert.equal(read.status, 200);
    assert.equal(read.headers.get('access-control-allow-origin'), null, 'another origin may not read the answers');
    assert.equal((await fetch(`${base}/varz`)).headers.get('access-control-allow-origin'), '*', 'nats-server\'s endpoints keep theirs');
    const attempts: Array<[string, RequestInit]> = [
      ['a form or a text/plain POST', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ name: 'csrf-a' }) }],
      ['another origin', { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://evil.example' }, body: JSON.stringify({ name: 'csrf-b' }) }],
      ['an opaque origin', { method: 'POST', headers: { 'content-type': 'application/json', origin: 'null' }, body: JSON.stringify({ name: 'csrf-c' }) }],
      ['a cross-site fetch', { method: 'POST', headers: { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' }, body: JSON.stringify({ name: 'csrf-d' }) }],
    ];
    for (const [what, init] of attempts) {
      const res = await fetch(`${url}/topics`, init);
      assert.equal(res.status, 403, what);
    }
    for (const t of ['csrf-a', 'csrf-b', 'csrf-c', 'csrf-d']) assert.equal(broker.log.hasTopic(t), false, t);
    await ok('POST', '/topics', { name: 'keep-me', partitions: 1 });
    const del = await fetch(`${url}/topics/keep-me`, { method: 'DELETE', headers: { origin: 'http://elsewhere.example:8222' } });
    assert.equal(del.status, 403, 'a DELETE from another origin');
    assert.equal(broker.log.hasTopic('keep-me'), true);
    const same = await fetch(`${url}/topics/keep-me`, { method: 'DELETE', headers: { origin: base, 'sec-fetch-site': 'same-origin' } });
    assert.equal(same.status, 200, 'the console\'s own page may');
    assert.equal(broker.log.hasTopic('keep-me'), false);
  });
});
