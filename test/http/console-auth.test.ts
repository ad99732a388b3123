// The console's login and rights through HTTP, against a broker with NATS users in two accounts,
// Kafka SASL PLAIN and SCRAM users, and Kafka ACLs (StandardAuthorizer, a super user): logins
// by basic auth and by the login form's session cookie (and logout), the principal each kind of
// user maps onto, and every console operation allowed to the user whose ACLs allow it and
// refused (403 with a JSON message) to the one whose ACLs do not: listing topics (as Metadata
// hides them), browsing (READ), producing (WRITE), creating (CREATE), deleting (DELETE),
// changing configs (ALTER_CONFIGS), adding partitions (ALTER), groups (DESCRIBE, READ to reset
// offsets, DELETE), transactions (DESCRIBE on the transactional id), JetStream (a stream is its
// topic: DESCRIBE to see it, READ for a bucket's keys), the NATS pages (the user's
// own account unless it may describe the cluster), and the broker's security topic for no one.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { connect, type NatsConnection } from 'nats';
import { startBroker, type Broker } from '../../src/index.js';
import type { BrokerConfig } from '../../src/config.js';
import { OperationCode, PatternTypeCode, PermissionCode, ResourceTypeCode, type AclBinding } from '../../src/core/security/acl.js';
import { credentialFromPassword, scramMechanism } from '../../src/core/security/scram.js';
import type { BrowseResult, GroupDetail, GroupSummary, JetStreamResult, KvKeysResult, NatsConnectionsResult, NatsSubscriptionsResult, SessionInfo, TopicDetail, TopicSummary, TransactionsResult } from '../../src/http/console/types.js';
import { waitFor } from '../support/wait.js';

const { Kafka, logLevel } = kafkajs;

const PLAIN = { admin: 'admin-pw', writer: 'writer-pw', reader: 'reader-pw' };
type Who = 'admin' | 'writer' | 'reader' | 'natsy' | 'other' | 'scrammy' | 'nobody';
const PASSWORDS: Record<Who, string> = { ...PLAIN, natsy: 'natsy-pw', other: 'other-pw', scrammy: 'scrammy-pw', nobody: 'nobody-pw' };

const { TOPIC, GROUP, CLUSTER, TRANSACTIONAL_ID } = ResourceTypeCode;
const { LITERAL, PREFIXED } = PatternTypeCode;
function allow(resourceType: number, resourceName: string, patternType: number, principal: string, operation: number): AclBinding {
  return { resourceType, resourceName, patternType, principal, host: '*', operation, permission: PermissionCode.ALLOW };
}

describe('console login and rights with Kafka ACLs', { timeout: 120_000 }, () => {
  let dataDir: string;
  let broker: Broker;
  let base: string;
  const ncs: NatsConnection[] = [];

  const config = (): BrokerConfig => ({
    host: '127.0.0.1',
    logLevel: 'silent',
    nats: {
      port: 0,
      users: [{ user: 'ops', password: 'ops-pw' }],
      accounts: {
        TEAM: { users: [{ user: 'natsy', password: PASSWORDS.natsy }] },
        OTHER: { users: [{ user: 'other', password: PASSWORDS.other }] },
      },
    },
    http: { port: 0 },
    storage: { engine: 'local', dataDir, fsync: 'never' },
    kafka: {
      listeners: [{ name: 'SASL_PLAINTEXT', host: '127.0.0.1', port: 0, protocol: 'SASL_PLAINTEXT' }],
      saslMechanisms: ['PLAIN', 'SCRAM-SHA-256'],
      plainUsers: PLAIN,
      acls: true,
      superUsers: 'User:admin',
    },
  });

  const auth = (who: Who, password = PASSWORDS[who]): Record<string, string> => ({ authorization: `Basic ${Buffer.from(`${who}:${password}`).toString('base64')}` });
  const call = async <T>(who: Who | null, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T; headers: Headers }> => {
    const res = await fetch(`${base}/console/api${path}`, {
      method,
      headers: { ...(who !== null ? auth(who) : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as T, headers: res.headers };
  };
  const ok = async <T>(who: Who, method: string, path: string, body?: unknown): Promise<T> => {
    const r = await call<T>(who, method, path, body);
    assert.equal(r.status, 200, `${who} ${method} ${path}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  /** A refusal: 403 with a JSON error naming the principal and the operation. */
  const denied = async (who: Who, method: string, path: string, operation: string, body?: unknown): Promise<void> => {
    const r = await call<{ error: string }>(who, method, path, body);
    assert.equal(r.status, 403, `${who} ${method} ${path} must be refused: ${JSON.stringify(r.body)}`);
    assert.match(r.body.error, new RegExp(`^User:${who} is not authorized to ${operation} `), r.body.error);
  };

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'wharf-console-auth-'));
    broker = await startBroker(config());
    base = `http://127.0.0.1:${broker.ports.http}`;
    const k = broker.kafka!;
    await k.security.alterCredentials([{ user: 'scrammy', mechanism: scramMechanism('SCRAM-SHA-256')!, credential: credentialFromPassword(scramMechanism('SCRAM-SHA-256')!, PASSWORDS.scrammy) }], []);
    await k.security.addAcls([
      // writer: everything on shop-* topics and groups, creating topics, its transactional id.
      allow(TOPIC, 'shop-', PREFIXED, 'User:writer', OperationCode.ALL),
      allow(GROUP, 'shop-', PREFIXED, 'User:writer', OperationCode.ALL),
      allow(CLUSTER, 'kafka-cluster', LITERAL, 'User:writer', OperationCode.CREATE),
      allow(TRANSACTIONAL_ID, 'shop-tx', LITERAL, 'User:writer', OperationCode.DESCRIBE),
      // reader: reads shop-* topics and sees shop-* groups, nothing else.
      allow(TOPIC, 'shop-', PREFIXED, 'User:reader', OperationCode.READ),
      allow(GROUP, 'shop-', PREFIXED, 'User:reader', OperationCode.DESCRIBE),
      // natsy (a NATS user): User:natsy, by the same name rule as a SASL user.
      allow(TOPIC, 'team-', PREFIXED, 'User:natsy', OperationCode.READ),
      // JetStream: a stream is its topic; the KV bucket shopcfg is the topic KV_shopcfg.
      allow(TOPIC, 'KV_shop', PREFIXED, 'User:writer', OperationCode.READ),
      // scrammy (a SCRAM user).
      allow(TOPIC, 'shop-orders', LITERAL, 'User:scrammy', OperationCode.DESCRIBE),
    ]);
    await broker.log.createTopic('shop-orders', { partitions: 2, configs: {} });
    await broker.log.createTopic('team-events', { partitions: 1, configs: {} });
    await broker.log.createTopic('hidden', { partitions: 1, configs: {} });
    const admin = new Kafka({ clientId: 'console-auth', brokers: [`127.0.0.1:${broker.ports.kafkaListeners['SASL_PLAINTEXT']}`], sasl: { mechanism: 'plain', username: 'admin', password: PLAIN.admin }, logLevel: logLevel.NOTHING, retry: { retries: 2 } });
    const producer = admin.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({ topic: 'shop-orders', messages: [{ key: 'a', value: 'one', partition: 0 }, { key: 'b', value: 'two', partition: 0 }] });
    await producer.send({ topic: 'hidden', messages: [{ value: 'secret' }] });
    await producer.disconnect();
    // Two transactions, committed: the coordinator keeps their ids.
    for (const id of ['shop-tx', 'hidden-tx']) {
      const tp = admin.producer({ transactionalId: id, maxInFlightRequests: 1, idempotent: true });
      await tp.connect();
      const tx = await tp.transaction();
      await tx.send({ topic: 'shop-orders', messages: [{ value: id }] });
      await tx.commit();
      await tp.disconnect();
    }
    // Two groups with committed offsets and no members (as an admin tool commits them).
    const c = broker.coordinators!;
    for (const [groupId, topic] of [['shop-billing', 'shop-orders'], ['hidden-group', 'hidden']] as const) {
      await c.groups.commitOffsets({ groupId, memberId: '', groupInstanceId: null, generationIdOrMemberEpoch: -1, apiVersion: 9, offsets: [{ topic, partition: 0, offset: 1, leaderEpoch: -1, metadata: '' }] });
    }
    // JetStream streams and a KV bucket, made by a NATS user of the global account.
    const ops = await connect({ servers: `127.0.0.1:${broker.ports.nats}`, user: 'ops', pass: 'ops-pw' });
    const jsm = await ops.jetstreamManager();
    await jsm.streams.add({ name: 'shop-stream', subjects: ['shop.>'] });
    await jsm.streams.add({ name: 'hidden-stream', subjects: ['hidden.>'] });
    const kv = await ops.jetstream().views.kv('shopcfg');
    await kv.put('checkout', new TextEncoder().encode('on'));
    await ops.close();
    // NATS clients in each account.
    for (const who of ['natsy', 'other'] as const) {
      const nc = await connect({ servers: `127.0.0.1:${broker.ports.nats}`, user: who, pass: PASSWORDS[who], name: `${who}-client` });
      nc.subscribe(`${who}.inbox`);
      await nc.flush();
      ncs.push(nc);
    }
  });

  after(async () => {
    for (const nc of ncs) await nc.close();
    await broker?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('logs in NATS, PLAIN and SCRAM users by basic auth, each as its principal; refuses wrong and missing logins', async () => {
    assert.equal((await call(null, 'GET', '/topics')).status, 401);
    const noLogin = await call<SessionInfo>(null, 'GET', '/session');
    assert.equal(noLogin.status, 200);
    assert.deepEqual([noLogin.body.loginRequired, noLogin.body.user, noLogin.body.acls], [true, null, true]);
    assert.equal((await call('reader', 'GET', '/topics', undefined, auth('reader', 'wrong'))).status, 401);
    assert.equal((await call('nobody', 'GET', '/topics')).status, 401);
    assert.equal((await call('scrammy', 'GET', '/topics', undefined, auth('scrammy', 'wrong'))).status, 401, 'a SCRAM password is checked against the stored keys');
    assert.equal(noLogin.headers.get('www-authenticate'), null, 'no browser prompt: the app has its own form');
    // Without a login the body is not even read: a body past the monitor's limit gets the 401, not a 413.
    const big = await fetch(`${base}/console/api/topics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.alloc(17 * 1024 * 1024, 32) });
    assert.equal(big.status, 401);
    const expect: Array<[Who, string, string | null, string]> = [
      ['natsy', 'User:natsy', 'TEAM', 'nats'],
      ['reader', 'User:reader', null, 'kafka-plain'],
      ['scrammy', 'User:scrammy', null, 'kafka-scram'],
    ];
    for (const [who, principal, account, source] of expect) {
      const s = await ok<SessionInfo>(who, 'GET', '/session');
      assert.deepEqual([s.user?.principal, s.user?.account, s.user?.source], [principal, account, source], who);
    }
    assert.deepEqual((await ok<SessionInfo>('writer', 'GET', '/session')).rights, { createTopics: true, describeCluster: false });
    assert.deepEqual((await ok<SessionInfo>('reader', 'GET', '/session')).rights, { createTopics: false, describeCluster: false });
    assert.deepEqual((await ok<SessionInfo>('admin', 'GET', '/session')).rights, { createTopics: true, describeCluster: true });
  });

  it('opens a session with the login form and ends it with logout', async () => {
    const bad = await call<{ error: string }>(null, 'POST', '/login', { user: 'reader', password: 'nope' });
    assert.equal(bad.status, 401);
    assert.equal(bad.headers.get('set-cookie'), null);
    const res = await call<SessionInfo>(null, 'POST', '/login', { user: 'reader', password: PLAIN.reader });
    assert.equal(res.status, 200);
    assert.equal(res.body.user?.principal, 'User:reader');
    const setCookie = res.headers.get('set-cookie') ?? '';
    assert.match(setCookie, /^wharf_console=[A-Za-z0-9_-]{20,}; Path=\/console; HttpOnly; SameSite=Strict/);
    const cookie = setCookie.split(';')[0]!;
    const topics = await call<TopicSummary[]>(null, 'GET', '/topics', undefined, { cookie });
    assert.equal(topics.status, 200);
    assert.deepEqual(topics.body.map((t) => t.name), ['shop-orders', 'shop-stream']);
    const crossSite = await call(null, 'POST', '/logout', {}, { cookie, origin: 'https://evil.example' });
    assert.equal(crossSite.status, 403, 'another site cannot log the user out either');
    const out = await call(null, 'POST', '/logout', {}, { cookie });
    assert.equal(out.status, 200);
    assert.match(out.headers.get('set-cookie') ?? '', /^wharf_console=; .*Max-Age=0/);
    assert.equal((await call(null, 'GET', '/topics', undefined, { cookie })).status, 401, 'the session is gone');
    assert.equal((await call(null, 'GET', '/topics', undefined, { cookie: 'wharf_console=forged-session-id' })).status, 401);
  });

  it('lists only the topics the user may describe, with its rights on each; a topic it may not describe is a 403', async () => {
    const names = async (who: Who) => (await ok<TopicSummary[]>(who, 'GET', '/topics')).map((t) => t.name);
    assert.deepEqual(await names('reader'), ['shop-orders', 'shop-stream']);
    assert.deepEqual(await names('natsy'), ['team-events']);
    const all = await names('admin');
    assert.ok(all.includes('hidden') && all.includes('shop-orders') && all.includes('team-events'), all.join());
    assert.ok(!all.includes('__wharf_security'), 'the security topic is no one\'s, super users included');
    const mine = (await ok<TopicSummary[]>('reader', 'GET', '/topics')).find((t) => t.name === 'shop-orders');
    assert.deepEqual(mine!.access, { read: true, write: false, delete: false, alter: false, describeConfigs: false, alterConfigs: false });
    const theirs = (await ok<TopicSummary[]>('writer', 'GET', '/topics')).find((t) => t.name === 'shop-orders');
    assert.deepEqual(theirs!.access, { read: true, write: true, delete: true, alter: true, describeConfigs: true, alterConfigs: true });
    assert.equal((await ok<TopicDetail>('writer', 'GET', '/topics/shop-orders')).configs.length > 0, true);
    assert.deepEqual((await ok<TopicDetail>('reader', 'GET', '/topics/shop-orders')).configs, [], 'configs need DESCRIBE_CONFIGS');
    await denied('reader', 'GET', '/topics/hidden', 'DESCRIBE');
    await denied('reader', 'GET', '/topics/no-such-topic', 'DESCRIBE');
    await denied('admin', 'GET', '/topics/__wharf_security', 'DESCRIBE');
  });

  it('browsing needs READ, producing WRITE', async () => {
    const read = await ok<BrowseResult>('reader', 'GET', '/topics/shop-orders/partitions/0/records?from=beginning');
    assert.deepEqual(read.records.slice(0, 2).map((r) => Buffer.from(r.value!, 'base64').toString()), ['one', 'two']);
    await denied('scrammy', 'GET', '/topics/shop-orders/partitions/0/records?from=beginning', 'READ');
    await denied('admin', 'GET', '/topics/__wharf_security/partitions/0/records?from=beginning', 'READ');
    const before = broker.log.partition('shop-orders', 1).highWatermark;
    await denied('reader', 'POST', '/topics/shop-orders/records', 'WRITE', { partition: 1, value: 'from reader' });
    assert.equal(broker.log.partition('shop-orders', 1).highWatermark, before, 'nothing was written');
    await ok('writer', 'POST', '/topics/shop-orders/records', { partition: 1, value: 'from writer' });
    assert.equal(broker.log.partition('shop-orders', 1).highWatermark, before + 1);
  });

  it('creating needs CREATE, configs ALTER_CONFIGS, partitions ALTER, deleting DELETE', async () => {
    await denied('reader', 'POST', '/topics', 'CREATE', { name: 'shop-new', partitions: 1 });
    assert.equal(broker.log.hasTopic('shop-new'), false);
    await ok('writer', 'POST', '/topics', { name: 'shop-new', partitions: 1 });
    assert.equal(broker.log.hasTopic('shop-new'), true);
    await denied('reader', 'PATCH', '/topics/shop-new/configs', 'ALTER_CONFIGS', { changes: { 'retention.ms': '1000' } });
    assert.equal(broker.log.topicInfo('shop-new')?.configs['retention.ms'], undefined);
    await ok('writer', 'PATCH', '/topics/shop-new/configs', { changes: { 'retention.ms': '1000' } });
    assert.equal(broker.log.topicInfo('shop-new')?.configs['retention.ms'], '1000');
    await denied('reader', 'POST', '/topics/shop-new/partitions', 'ALTER', { partitions: 3 });
    assert.equal(broker.log.topicInfo('shop-new')?.partitions, 1);
    await ok('writer', 'POST', '/topics/shop-new/partitions', { partitions: 3 });
    assert.equal(broker.log.topicInfo('shop-new')?.partitions, 3);
    await denied('reader', 'DELETE', '/topics/shop-new', 'DELETE');
    assert.equal(broker.log.hasTopic('shop-new'), true);
    await ok('writer', 'DELETE', '/topics/shop-new');
    assert.equal(broker.log.hasTopic('shop-new'), false);
  });

  it('groups: DESCRIBE to see, READ on the group and its topics to reset offsets, DELETE to delete', async () => {
    assert.deepEqual((await ok<GroupSummary[]>('reader', 'GET', '/groups')).map((g) => [g.groupId, g.access.read, g.access.delete]), [['shop-billing', false, false]]);
    assert.deepEqual((await ok<GroupSummary[]>('writer', 'GET', '/groups')).map((g) => [g.groupId, g.access.read, g.access.delete]), [['shop-billing', true, true]]);
    assert.deepEqual((await ok<GroupSummary[]>('admin', 'GET', '/groups')).map((g) => g.groupId), ['hidden-group', 'shop-billing'], 'DESCRIBE on the cluster lists every group');
    assert.deepEqual((await ok<GroupDetail>('reader', 'GET', '/groups/shop-billing')).offsets.map((o) => [o.topic, o.committed]), [['shop-orders', 1]]);
    await denied('reader', 'GET', '/groups/hidden-group', 'DESCRIBE');
    const committed = () => broker.coordinators!.groups.fetchOffsets({ groupId: 'shop-billing', partitions: null, requireStable: false }).offsets.find((o) => o.topic === 'shop-orders' && o.partition === 0)?.offset;
    await denied('reader', 'POST', '/groups/shop-billing/reset', 'READ', { to: 'earliest' });
    assert.equal(committed(), 1);
    await ok('writer', 'POST', '/groups/shop-billing/reset', { to: 'earliest' });
    assert.equal(committed(), 0);
    // READ on the group is not enough: the topic must be readable too (as OffsetCommit).
    await denied('writer', 'POST', '/groups/shop-billing/reset', 'READ', { to: 'earliest', topic: 'hidden' });
    await denied('reader', 'DELETE', '/groups/shop-billing', 'DELETE');
    assert.ok(broker.coordinators!.groups.listGroups().some((g) => g.groupId === 'shop-billing'));
    await ok('writer', 'DELETE', '/groups/shop-billing');
    assert.ok(!broker.coordinators!.groups.listGroups().some((g) => g.groupId === 'shop-billing'));
  });

  it('transactions: only the ids the user may describe', async () => {
    const ids = async (who: Who) => (await ok<TransactionsResult>(who, 'GET', '/transactions')).transactions.map((t) => t.transactionalId).sort();
    assert.deepEqual(await ids('writer'), ['shop-tx']);
    assert.deepEqual(await ids('reader'), []);
    assert.deepEqual(await ids('admin'), ['hidden-tx', 'shop-tx']);
  });

  it('JetStream: streams (and buckets) the user may describe; a bucket\'s keys need READ', async () => {
    const view = async (who: Who) => {
      const js = await ok<JetStreamResult>(who, 'GET', '/jetstream');
      return [js.streams.map((x) => x.name).sort(), js.buckets.map((b) => b.bucket)];
    };
    assert.deepEqual(await view('writer'), [['KV_shopcfg', 'shop-stream'], ['shopcfg']]);
    assert.deepEqual(await view('reader'), [['shop-stream'], []]);
    assert.deepEqual((await view('admin'))[0], ['KV_shopcfg', 'hidden-stream', 'shop-stream']);
    assert.deepEqual((await ok<KvKeysResult>('writer', 'GET', '/jetstream/kv/shopcfg')).keys.map((k) => k.key), ['checkout']);
    await denied('reader', 'GET', '/jetstream/kv/shopcfg', 'READ');
  });

  it('NATS pages: a NATS user sees its own account, a Kafka-only user none, a user who may describe the cluster all', async () => {
    await waitFor(() => broker.nats.connections.size >= 2, { what: 'the two NATS clients', timeoutMs: 10_000 });
    const conns = async (who: Who) => (await ok<NatsConnectionsResult>(who, 'GET', '/nats/connections')).connections.map((c) => c.name).sort();
    const subs = async (who: Who) => (await ok<NatsSubscriptionsResult>(who, 'GET', '/nats/subscriptions')).subscriptions.map((s) => s.subject).sort();
    assert.deepEqual(await conns('natsy'), ['natsy-client']);
    assert.deepEqual(await subs('natsy'), ['natsy.inbox']);
    assert.deepEqual(await conns('other'), ['other-client']);
    assert.deepEqual(await conns('reader'), []);
    assert.deepEqual(await subs('reader'), []);
    assert.deepEqual(await conns('admin'), ['natsy-client', 'other-client']);
    assert.deepEqual(await subs('admin'), ['natsy.inbox', 'other.inbox']);
  });
});

describe('console login with a NATS token, and without any credentials', { timeout: 60_000 }, () => {
  const get = async (port: number, path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`http://127.0.0.1:${port}/console/api${path}`, { headers });
    return { status: res.status, body: (await res.json()) as unknown, headers: res.headers };
  };

  it('takes the NATS token as a bearer token or in the form (empty user): the principal User:nats-token', async () => {
    const broker = await startBroker({ host: '127.0.0.1', logLevel: 'silent', nats: { port: 0, authToken: 'the-token' }, http: { port: 0 }, kafka: { port: -1 }, storage: { engine: 'memory' } });
    try {
      const port = broker.ports.http;
      assert.equal((await get(port, '/topics')).status, 401);
      assert.equal((await get(port, '/topics', { authorization: 'Bearer wrong' })).status, 401);
      const s = (await get(port, '/session', { authorization: 'Bearer the-token' })).body as SessionInfo;
      assert.deepEqual([s.user?.principal, s.user?.source, s.acls], ['User:nats-token', 'nats', false]);
      const res = await fetch(`http://127.0.0.1:${port}/console/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: '', password: 'the-token' }) });
      assert.equal(res.status, 200);
      const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
      assert.equal((await get(port, '/topics', { cookie })).status, 200);
    } finally {
      await broker.close();
    }
  });

  it('without credentials nobody logs in: everyone is User:ANONYMOUS, whose ACLs still decide', async () => {
    const broker = await startBroker({ host: '127.0.0.1', logLevel: 'silent', nats: { port: 0 }, http: { port: 0 }, kafka: { port: 0, acls: true }, storage: { engine: 'memory' } });
    try {
      const port = broker.ports.http;
      const s = (await get(port, '/session')).body as SessionInfo;
      assert.deepEqual([s.loginRequired, s.user?.principal, s.user?.source, s.acls], [false, 'User:ANONYMOUS', 'anonymous', true]);
      await broker.log.createTopic('open', { partitions: 1, configs: {} });
      await broker.log.createTopic('closed', { partitions: 1, configs: {} });
      assert.deepEqual((await get(port, '/topics')).body, [], 'no ACL names User:ANONYMOUS yet');
      await broker.kafka!.security.addAcls([allow(TOPIC, 'open', LITERAL, 'User:ANONYMOUS', OperationCode.DESCRIBE)]);
      assert.deepEqual(((await get(port, '/topics')).body as TopicSummary[]).map((t) => t.name), ['open']);
    } finally {
      await broker.close();
    }
  });
});
