// ACL denials that refuse a Kafka request are logged once each, as Kafka's authorizer logger
// does for its logIfDenied checks: a Produce to a topic the principal may describe but not write,
// and a group operation without a group ACL, each leave exactly one warning naming principal,
// operation, resource, host and API. Checks that only filter a response stay silent: a Metadata
// for all topics that hides the ones the principal may not describe logs nothing, and neither
// does an allowed request.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import kafkajs, { type SASLOptions } from 'kafkajs';
import { pino } from 'pino';
import { startBroker, type Broker } from '../../src/index.js';
import { waitFor } from '../support/wait.js';

const { AclOperationTypes: Op, AclPermissionTypes: Perm, AclResourceTypes: Res, Kafka, ResourcePatternTypes: Pat, logLevel } = kafkajs;

interface LogRecord {
  level: number;
  msg: string;
  principal?: string;
  operation?: string;
  resourceType?: string;
  patternType?: string;
  resourceName?: string;
  host?: string;
  request?: string;
}

const USERS = { admin: 'admin-pw', alice: 'alice-pw' };

describe('Kafka ACL denials: one warning per refused request and resource, none for filtering', () => {
  let broker: Broker;
  const logs: LogRecord[] = [];
  const warnings = (): LogRecord[] => logs.filter((l) => l.level === 40);
  const sasl = (user: keyof typeof USERS): SASLOptions => ({ mechanism: 'plain', username: user, password: USERS[user] });
  const client = (user: keyof typeof USERS) =>
    new Kafka({ clientId: `deny-${user}`, brokers: [`127.0.0.1:${broker.ports.kafkaListeners.SASL_PLAINTEXT}`], sasl: sasl(user), logLevel: logLevel.NOTHING, retry: { retries: 0 } });

  async function asAdmin<T>(user: keyof typeof USERS, fn: (a: ReturnType<ReturnType<typeof client>['admin']>) => Promise<T>): Promise<T> {
    const a = client(user).admin();
    await a.connect();
    try {
      return await fn(a);
    } finally {
      await a.disconnect();
    }
  }

  async function produce(topic: string): Promise<string> {
    const p = client('alice').producer({ allowAutoTopicCreation: false });
    await p.connect();
    try {
      await p.send({ topic, messages: [{ value: 'v' }] });
      return 'ok';
    } catch (e) {
      return (e as { type?: string }).type ?? (e as Error).message;
    } finally {
      await p.disconnect();
    }
  }

  before(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) logs.push(JSON.parse(line) as LogRecord);
        done();
      },
    });
    broker = await startBroker(
      {
        host: '127.0.0.1',
        logLevel: 'warn',
        nats: { port: 0 },
        http: { port: -1 },
        storage: { engine: 'memory' },
        kafka: { listeners: [{ name: 'SASL_PLAINTEXT', host: '127.0.0.1', port: 0, protocol: 'SASL_PLAINTEXT' }], plainUsers: USERS, acls: true, superUsers: 'User:admin' },
      },
      pino({ level: 'warn' }, sink),
    );
    await asAdmin('admin', async (a) => {
      await a.createTopics({ topics: [{ topic: 'secret' }, { topic: 'public' }, { topic: 'hidden' }] });
      const allow = (resourceName: string, operation: number) => ({ resourceType: Res.TOPIC, resourceName, resourcePatternType: Pat.LITERAL, principal: 'User:alice', host: '*', operation, permissionType: Perm.ALLOW });
      await a.createAcls({ acl: [allow('secret', Op.DESCRIBE), allow('public', Op.WRITE)] });
    });
    assert.deepEqual(warnings(), [], 'the super user set-up logged no denial');
  });

  after(async () => {
    await broker?.close();
  });

  it('an allowed Produce logs nothing', { timeout: 30_000 }, async () => {
    const before = logs.length;
    assert.equal(await produce('public'), 'ok');
    assert.deepEqual(logs.slice(before).filter((l) => l.level === 40), []);
  });

  it('a Metadata for all topics that hides topics logs nothing', { timeout: 30_000 }, async () => {
    const before = logs.length;
    const listed = await asAdmin('alice', (a) => a.listTopics());
    assert.deepEqual(listed.sort(), ['public', 'secret'], 'hidden is left out');
    assert.deepEqual(logs.slice(before).filter((l) => l.level === 40), []);
  });

  it('a denied Produce logs exactly one warning with principal, operation, resource, host and API', { timeout: 30_000 }, async () => {
    const before = logs.length;
    assert.equal(await produce('secret'), 'TOPIC_AUTHORIZATION_FAILED');
    await waitFor(() => logs.slice(before).some((l) => l.level === 40), { what: 'the denial warning' });
    const got = logs.slice(before).filter((l) => l.level === 40);
    assert.equal(got.length, 1, JSON.stringify(got));
    const w = got[0]!;
    assert.equal(w.msg, 'Principal = User:alice is Denied operation = WRITE from host = 127.0.0.1 on resource = Topic:LITERAL:secret for request = Produce');
    assert.deepEqual(
      { principal: w.principal, operation: w.operation, resourceType: w.resourceType, patternType: w.patternType, resourceName: w.resourceName, host: w.host, request: w.request },
      { principal: 'User:alice', operation: 'WRITE', resourceType: 'TOPIC', patternType: 'LITERAL', resourceName: 'secret', host: '127.0.0.1', request: 'Produce' },
    );
  });

  it('a denied group operation logs exactly one warning', { timeout: 30_000 }, async () => {
    const before = logs.length;
    const err = await asAdmin('alice', (a) => a.deleteGroups(['no-acl-group'])).then(
      () => 'ok',
      (e: { type?: string; groups?: { error?: { type?: string } }[] }) => e.type ?? e.groups?.[0]?.error?.type ?? String(e),
    );
    // kafkajs reports FindCoordinator's GROUP_AUTHORIZATION_FAILED as "coordinator not found".
    assert.notEqual(err, 'ok', 'the group operation was refused');
    await waitFor(() => logs.slice(before).some((l) => l.level === 40), { what: 'the denial warning' });
    const got = logs.slice(before).filter((l) => l.level === 40);
    assert.equal(got.length, 1, JSON.stringify(got));
    assert.equal(got[0]!.resourceType, 'GROUP');
    assert.equal(got[0]!.resourceName, 'no-acl-group');
    assert.equal(got[0]!.principal, 'User:alice');
    assert.equal(got[0]!.operation, 'DESCRIBE');
    assert.equal(got[0]!.request, 'FindCoordinator');
  });
});
