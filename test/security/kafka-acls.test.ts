// Kafka ACLs with StandardAuthorizer's semantics. First the decisions themselves (literal,
// wildcard and prefixed patterns, DENY over ALLOW, hosts, User:*, implied operations, super
// users, allow.everyone.if.no.acl.found); then through the wire: kafkajs manages ACLs as a
// super user (CreateAcls, DescribeAcls with filters, DeleteAcls), SASL users are allowed and
// refused by them, Metadata hides what a principal may not describe, ACLs survive a restart, and
// a topic the ACLs deny is refused through every API that names a topic (each a bypass attempt,
// over the product codec, with Kafka's error codes) while an allowed one in the same request is served.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs, { type AclEntry, type SASLOptions } from 'kafkajs';
import { startBroker, type Broker } from '../../src/index.js';
import type { BrokerConfig } from '../../src/config.js';
import { OperationCode, PatternTypeCode, PermissionCode, ResourceTypeCode, type AclBinding } from '../../src/core/security/acl.js';
import { StandardAuthorizer } from '../../src/core/security/standard-authorizer.js';
import { buildRecordBatch } from '../../src/core/records/batch.js';
import { ApiKey } from '../../src/kafka/protocol/messages/index.js';
import { ErrorCode } from '../../src/kafka/errors.js';
import { RawKafka } from '../kafka/support/raw-kafka.js';

const { AclOperationTypes: Op, AclPermissionTypes: Perm, AclResourceTypes: Res, Kafka, ResourcePatternTypes: Pat, logLevel } = kafkajs;
type Kafka = InstanceType<typeof Kafka>;

const USERS = { admin: 'admin-pw', alice: 'alice-pw', bob: 'bob-pw' };

function acl(resourceType: number, resourceName: string, patternType: number, principal: string, operation: number, permission: number = PermissionCode.ALLOW, host = '*'): AclBinding {
  return { resourceType, resourceName, patternType, principal, host, operation, permission };
}

const alice = { type: 'User', name: 'alice' };
const bob = { type: 'User', name: 'bob' };
const topic = (name: string) => ({ type: 'TOPIC' as const, name });

describe('StandardAuthorizer decisions', () => {
  const T = ResourceTypeCode.TOPIC;
  const L = PatternTypeCode.LITERAL;
  const P = PatternTypeCode.PREFIXED;

  it('literal, wildcard and prefixed patterns; DENY wins; User:* and hosts', () => {
    const a = new StandardAuthorizer();
    a.load([
      acl(T, 'orders', L, 'User:alice', OperationCode.READ),
      acl(T, 'logs-', P, 'User:*', OperationCode.WRITE),
      acl(T, 'logs-secret', L, 'User:bob', OperationCode.WRITE, PermissionCode.DENY),
      acl(T, '*', L, 'User:bob', OperationCode.DESCRIBE, PermissionCode.ALLOW, '10.0.0.1'),
    ]);
    assert.equal(a.authorize(alice, 'READ', topic('orders')), true);
    assert.equal(a.authorize(alice, 'WRITE', topic('orders')), false);
    assert.equal(a.authorize(bob, 'READ', topic('orders')), false);
    assert.equal(a.authorize(alice, 'WRITE', topic('logs-a')), true);
    assert.equal(a.authorize(bob, 'WRITE', topic('logs-a')), true);
    assert.equal(a.authorize(bob, 'WRITE', topic('logs-secret')), false, 'a DENY overrides the prefixed ALLOW');
    assert.equal(a.authorize(alice, 'WRITE', topic('logs')), false, 'the prefix is not the name');
    assert.equal(a.authorize(bob, 'DESCRIBE', topic('anything'), '10.0.0.1'), true);
    assert.equal(a.authorize(bob, 'DESCRIBE', topic('anything'), '::ffff:10.0.0.1'), true, 'IPv4-mapped addresses are the IPv4 host');
    assert.equal(a.authorize(bob, 'DESCRIBE', topic('anything'), '10.0.0.2'), false);
  });

  it('implied operations: READ/WRITE/DELETE/ALTER allow DESCRIBE, ALTER_CONFIGS allows DESCRIBE_CONFIGS, ALL allows all; a DENY implies nothing', () => {
    const a = new StandardAuthorizer();
    a.load([
      acl(T, 'w', L, 'User:alice', OperationCode.WRITE),
      acl(T, 'c', L, 'User:alice', OperationCode.ALTER_CONFIGS),
      acl(T, 'all', L, 'User:alice', OperationCode.ALL),
      acl(T, 'all', L, 'User:alice', OperationCode.READ, PermissionCode.DENY),
    ]);
    assert.equal(a.authorize(alice, 'DESCRIBE', topic('w')), true);
    assert.equal(a.authorize(alice, 'READ', topic('w')), false);
    assert.equal(a.authorize(alice, 'DESCRIBE_CONFIGS', topic('c')), true);
    assert.equal(a.authorize(alice, 'DESCRIBE', topic('c')), false);
    assert.equal(a.authorize(alice, 'DELETE', topic('all')), true);
    assert.equal(a.authorize(alice, 'READ', topic('all')), false);
    assert.equal(a.authorize(alice, 'DESCRIBE', topic('all')), true, 'DENY READ does not deny DESCRIBE');
  });

  it('super users, and allow.everyone.if.no.acl.found for resources without any ACL', () => {
    const a = new StandardAuthorizer({ superUsers: 'User:admin; User:ops', allowEveryoneIfNoAcl: true });
    a.load([acl(T, 'guarded', L, 'User:alice', OperationCode.READ)]);
    assert.equal(a.authorize({ type: 'User', name: 'ops' }, 'DELETE', topic('guarded')), true);
    assert.equal(a.authorize(bob, 'WRITE', topic('open')), true, 'no ACL on the topic: everyone');
    assert.equal(a.authorize(bob, 'READ', topic('guarded')), false, 'an ACL exists on the topic: only what it allows');
    assert.equal(new StandardAuthorizer().authorize(bob, 'READ', topic('open')), false);
  });

  it('sessions cache decisions and see ACL changes', () => {
    const a = new StandardAuthorizer();
    const s = a.session(alice, '127.0.0.1');
    assert.equal(s.authorize('READ', topic('t')), false);
    a.load([acl(T, 't', L, 'User:alice', OperationCode.READ)]);
    assert.equal(s.authorize('READ', topic('t')), true);
    a.load([]);
    assert.equal(s.authorize('READ', topic('t')), false);
  });
});

describe('Kafka ACLs through the wire', () => {
  let dataDir: string;
  let broker: Broker;
  const config = (): BrokerConfig => ({
    host: '127.0.0.1',
    logLevel: 'silent',
    nats: { port: 0 },
    http: { port: -1 },
    storage: { engine: 'local', dataDir, fsync: 'never' },
    kafka: {
      listeners: [
        { name: 'PLAINTEXT', host: '127.0.0.1', port: 0, protocol: 'PLAINTEXT' },
        { name: 'SASL_PLAINTEXT', host: '127.0.0.1', port: 0, protocol: 'SASL_PLAINTEXT' },
      ],
      plainUsers: USERS,
      acls: true,
      superUsers: 'User:admin',
    },
  });
  const sasl = (user: keyof typeof USERS): SASLOptions => ({ mechanism: 'plain', username: user, password: USERS[user] });
  const client = (user: keyof typeof USERS) =>
    new Kafka({ clientId: `acl-${user}`, brokers: [`127.0.0.1:${broker.ports.kafkaListeners.SASL_PLAINTEXT}`], sasl: sasl(user), logLevel: logLevel.NOTHING, retry: { retries: 0 } });

  async function asAdmin<T>(user: keyof typeof USERS, fn: (a: ReturnType<Kafka['admin']>) => Promise<T>): Promise<T> {
    const a = client(user).admin();
    await a.connect();
    try {
      return await fn(a);
    } finally {
      await a.disconnect();
    }
  }

  async function produceError(user: keyof typeof USERS, t: string): Promise<string> {
    const p = client(user).producer({ allowAutoTopicCreation: false });
    await p.connect();
    try {
      await p.send({ topic: t, messages: [{ value: 'v' }] });
      return 'ok';
    } catch (e) {
      // kafkajs names the error by type, or (from Metadata) by its description of code 29.
      const message = (e as Error).message;
      return (e as { type?: string }).type ?? (message.startsWith('Not authorized to access topics') ? 'TOPIC_AUTHORIZATION_FAILED' : message);
    } finally {
      await p.disconnect();
    }
  }

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'wharf-acls-'));
    broker = await startBroker(config());
    await asAdmin('admin', (a) => a.createTopics({ topics: [{ topic: 'alice-orders' }, { topic: 'secret' }, { topic: 'public', numPartitions: 1 }] }));
  });

  after(async () => {
    await broker?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a principal without ACLs is refused, and Metadata does not show it the topics', { timeout: 30_000 }, async () => {
    assert.equal(await produceError('alice', 'alice-orders'), 'TOPIC_AUTHORIZATION_FAILED');
    const listed = await asAdmin('alice', (a) => a.listTopics());
    assert.deepEqual(listed, []);
    // The super user sees and may do everything.
    assert.deepEqual((await asAdmin('admin', (a) => a.listTopics())).sort(), ['alice-orders', 'public', 'secret']);
  });

  it('only a principal allowed ALTER on the cluster manages ACLs', { timeout: 30_000 }, async () => {
    const self: AclEntry = { resourceType: Res.TOPIC, resourceName: '*', resourcePatternType: Pat.LITERAL, principal: 'User:alice', host: '*', operation: Op.ALL, permissionType: Perm.ALLOW };
    const e = await asAdmin('alice', (a) => a.createAcls({ acl: [self] }).then(() => 'ok', (x: { type?: string }) => x.type));
    assert.equal(e, 'CLUSTER_AUTHORIZATION_FAILED');
    const d = await asAdmin('alice', (a) => a.describeAcls({ resourceType: Res.ANY, resourcePatternType: Pat.ANY, operation: Op.ANY, permissionType: Perm.ANY }).then(() => 'ok', (x: { type?: string }) => x.type));
    assert.equal(d, 'CLUSTER_AUTHORIZATION_FAILED');
    assert.equal(await produceError('alice', 'alice-orders'), 'TOPIC_AUTHORIZATION_FAILED');
  });

  it('CreateAcls grants, DescribeAcls lists by filter, DENY refuses, DeleteAcls revokes', { timeout: 30_000 }, async () => {
    await asAdmin('admin', (a) =>
      a.createAcls({
        acl: [
          { resourceType: Res.TOPIC, resourceName: 'alice-', resourcePatternType: Pat.PREFIXED, principal: 'User:alice', host: '*', operation: Op.WRITE, permissionType: Perm.ALLOW },
          { resourceType: Res.TOPIC, resourceName: '*', resourcePatternType: Pat.LITERAL, principal: 'User:*', host: '*', operation: Op.DESCRIBE, permissionType: Perm.ALLOW },
          { resourceType: Res.TOPIC, resourceName: 'secret', resourcePatternType: Pat.LITERAL, principal: 'User:*', host: '*', operation: Op.ALL, permissionType: Perm.DENY },
        ],
      }),
    );
    assert.equal(await produceError('alice', 'alice-orders'), 'ok');
    assert.equal(await produceError('bob', 'alice-orders'), 'TOPIC_AUTHORIZATION_FAILED');
    assert.equal(await produceError('alice', 'public'), 'TOPIC_AUTHORIZATION_FAILED');
    assert.deepEqual((await asAdmin('bob', (a) => a.listTopics())).sort(), ['alice-orders', 'public'], 'DESCRIBE on * lists every topic but the denied one');

    const matching = await asAdmin('admin', (a) => a.describeAcls({ resourceType: Res.TOPIC, resourceName: 'alice-orders', resourcePatternType: Pat.MATCH, operation: Op.ANY, permissionType: Perm.ANY }));
    assert.deepEqual(matching.resources.map((r) => [r.resourceName, r.resourcePatternType]).sort(), [['*', Pat.LITERAL], ['alice-', Pat.PREFIXED]]);
    const denies = await asAdmin('admin', (a) => a.describeAcls({ resourceType: Res.ANY, resourcePatternType: Pat.ANY, operation: Op.ANY, permissionType: Perm.DENY }));
    assert.deepEqual(denies.resources.map((r) => [r.resourceName, r.acls.map((x) => x.principal)]), [['secret', ['User:*']]]);

    const deleted = await asAdmin('admin', (a) => a.deleteAcls({ filters: [{ resourceType: Res.TOPIC, resourceName: 'alice-', resourcePatternType: Pat.PREFIXED, operation: Op.ANY, permissionType: Perm.ANY }] }));
    assert.deepEqual(deleted.filterResponses[0]!.matchingAcls.map((m) => [m.resourceName, m.principal, m.operation]), [['alice-', 'User:alice', Op.WRITE]]);
    assert.equal(await produceError('alice', 'alice-orders'), 'TOPIC_AUTHORIZATION_FAILED');
  });

  it("refuses invalid bindings with Kafka's INVALID_REQUEST, creating the valid ones of the same request", { timeout: 30_000 }, async () => {
    const raw = await RawKafka.connect('127.0.0.1', broker.ports.kafkaListeners.PLAINTEXT!);
    try {
      // ANONYMOUS is not a super user: refused first.
      const denied = await raw.send(ApiKey.CreateAcls, 3, { creations: [{ resourceType: 2, resourceName: 't', resourcePatternType: 3, principal: 'User:x', host: '*', operation: 3, permissionType: 3 }] });
      assert.deepEqual(denied.results.map((r) => r.errorCode), [ErrorCode.CLUSTER_AUTHORIZATION_FAILED]);
    } finally {
      raw.close();
    }
    const before = broker.kafka!.security.aclBindings().length;
    await asAdmin('admin', (a) => a.createAcls({ acl: [{ resourceType: Res.CLUSTER, resourceName: 'other', resourcePatternType: Pat.LITERAL, principal: 'User:bob', host: '*', operation: Op.ALTER, permissionType: Perm.ALLOW }] }).then(
      () => assert.fail('created'),
      (e: { type?: string }) => assert.equal(e.type, 'INVALID_REQUEST'),
    ));
    assert.equal(broker.kafka!.security.aclBindings().length, before);
  });

  it('keeps ACLs across a restart', { timeout: 30_000 }, async () => {
    await broker.close();
    broker = await startBroker(config());
    assert.equal(await produceError('bob', 'secret'), 'TOPIC_AUTHORIZATION_FAILED');
    assert.deepEqual((await asAdmin('bob', (a) => a.listTopics())).sort(), ['alice-orders', 'public']);
  });

  it('refuses a denied topic through every API that names one, serving the allowed topic of the same request', { timeout: 30_000 }, async () => {
    // ANONYMOUS (the PLAINTEXT listener) may use "public", group "g" and transactional id "tx"; "secret" is denied to everyone.
    await asAdmin('admin', (a) =>
      a.createAcls({
        acl: [
          { resourceType: Res.TOPIC, resourceName: 'public', resourcePatternType: Pat.LITERAL, principal: 'User:ANONYMOUS', host: '*', operation: Op.ALL, permissionType: Perm.ALLOW },
          { resourceType: Res.TOPIC, resourceName: 'secret', resourcePatternType: Pat.LITERAL, principal: 'User:ANONYMOUS', host: '*', operation: Op.ALL, permissionType: Perm.ALLOW },
          { resourceType: Res.GROUP, resourceName: 'g', resourcePatternType: Pat.LITERAL, principal: 'User:ANONYMOUS', host: '*', operation: Op.ALL, permissionType: Perm.ALLOW },
          { resourceType: Res.TRANSACTIONAL_ID, resourceName: 'tx', resourcePatternType: Pat.LITERAL, principal: 'User:ANONYMOUS', host: '*', operation: Op.ALL, permissionType: Perm.ALLOW },
        ],
      }),
    );
    const raw = await RawKafka.connect('127.0.0.1', broker.ports.kafkaListeners.PLAINTEXT!);
    const DENIED = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
    try {
      const records = buildRecordBatch({ baseTimestamp: Date.now(), records: [{ key: null, value: 'v', timestamp: Date.now() }] });
      const produce = await raw.send(ApiKey.Produce, 9, {
        transactionalId: null, acks: -1, timeoutMs: 5_000,
        topicData: ['public', 'secret'].map((name) => ({ name, partitionData: [{ index: 0, records }] })),
      });
      assert.deepEqual(produce.responses.map((r) => [r.name, r.partitionResponses[0]!.errorCode]), [['public', 0], ['secret', DENIED]]);

      const fetch = await raw.send(ApiKey.Fetch, 12, {
        replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, forgottenTopicsData: [], rackId: '',
        topics: ['public', 'secret'].map((topic) => ({ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] })),
      });
      assert.deepEqual(fetch.responses.map((r) => [r.topic, r.partitions[0]!.errorCode]), [['public', 0], ['secret', DENIED]]);

      const lo = await raw.send(ApiKey.ListOffsets, 7, { replicaId: -1, isolationLevel: 0, topics: ['public', 'secret'].map((name) => ({ name, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] })) });
      assert.deepEqual(lo.topics.map((t) => [t.name, t.partitions[0]!.errorCode]), [['public', 0], ['secret', DENIED]]);

      const oc = await raw.send(ApiKey.OffsetCommit, 8, {
        groupId: 'g', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
        topics: ['public', 'secret'].map((name) => ({ name, partitions: [{ partitionIndex: 0, committedOffset: 0n, committedLeaderEpoch: -1, committedMetadata: null }] })),
      });
      assert.deepEqual(oc.topics.map((t) => [t.name, t.partitions[0]!.errorCode]), [['public', 0], ['secret', DENIED]]);

      const dr = await raw.send(ApiKey.DeleteRecords, 2, { timeoutMs: 5_000, topics: ['public', 'secret'].map((name) => ({ name, partitions: [{ partitionIndex: 0, offset: 0n }] })) });
      assert.deepEqual(dr.topics.map((t) => [t.name, t.partitions[0]!.errorCode]), [['public', 0], ['secret', DENIED]]);

      const dc = await raw.send(ApiKey.DescribeConfigs, 4, { includeSynonyms: false, includeDocumentation: false, resources: ['public', 'secret'].map((resourceName) => ({ resourceType: 2, resourceName, configurationKeys: ['retention.ms'] })) });
      assert.deepEqual(dc.results.map((r) => [r.resourceName, r.errorCode]), [['public', 0], ['secret', DENIED]]);

      const cp = await raw.send(ApiKey.CreatePartitions, 3, { timeoutMs: 5_000, validateOnly: true, topics: ['public', 'secret'].map((name) => ({ name, count: 3, assignments: null })) });
      assert.deepEqual(cp.results.map((r) => [r.name, r.errorCode]), [['public', 0], ['secret', DENIED]]);

      const txn = await raw.send(ApiKey.TxnOffsetCommit, 3, {
        transactionalId: 'tx', groupId: 'g', producerId: 1n, producerEpoch: 0, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
        topics: ['public', 'secret'].map((name) => ({ name, partitions: [{ partitionIndex: 0, committedOffset: 0n, committedLeaderEpoch: -1, committedMetadata: null }] })),
      });
      const txnCodes = Object.fromEntries(txn.topics.map((t) => [t.name, t.partitions[0]!.errorCode]));
      assert.equal(txnCodes.secret, DENIED);
      assert.notEqual(txnCodes.public, DENIED);
      // The other clients are not affected: the connection still serves.
      const md = await raw.send(ApiKey.Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
      assert.deepEqual(md.topics.map((t) => t.name).sort(), ['__consumer_offsets', 'alice-orders', 'public']);
    } finally {
      raw.close();
    }
  });
});
