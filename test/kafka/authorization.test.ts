// The authorization hook through the wire: with an authorizer that denies chosen operations
// injected into the listener, every family of handlers (produce, fetch, metadata, admin,
// groups, transactions) asks it with the operation Apache Kafka checks for the request and
// answers Kafka's error: TOPIC_AUTHORIZATION_FAILED (29), GROUP_AUTHORIZATION_FAILED (30),
// CLUSTER_AUTHORIZATION_FAILED (31), TRANSACTIONAL_ID_AUTHORIZATION_FAILED (53); Metadata
// leaves undescribable topics out of an all-topics answer, as Kafka does. Allowed resources in
// the same requests are served as usual, so the tests also show that nothing is denied wholesale.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { Broker } from '../../src/index.js';
import { buildRecordBatch } from '../../src/core/records/batch.js';
import type { AclOperation, AclPrincipal, AclResource, AclResourceType, Authorizer } from '../../src/core/security/authorizer.js';
import { startTestBroker } from '../support/broker.js';
import { RawKafka } from './support/raw-kafka.js';

const TOPIC_DENIED = 29;
const GROUP_DENIED = 30;
const CLUSTER_DENIED = 31;
const TXN_ID_DENIED = 53;
const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

type Rule = `${AclOperation} ${AclResourceType} ${string}`;

/** Denies the operations listed as "OPERATION TYPE name" and records every question. */
class ScriptedAuthorizer implements Authorizer {
  denied = new Set<Rule>();
  asked: Rule[] = [];
  principals = new Set<string>();
  authorize(principal: AclPrincipal, operation: AclOperation, resource: AclResource): boolean {
    const rule: Rule = `${operation} ${resource.type} ${resource.name}`;
    this.asked.push(rule);
    this.principals.add(`${principal.type}:${principal.name}`);
    return !this.denied.has(rule);
  }
  deny(...rules: Rule[]): void {
    for (const r of rules) this.denied.add(r);
  }
}

describe('authorization hook on every Kafka handler family', () => {
  let broker: Broker;
  let c: RawKafka;
  const auth = new ScriptedAuthorizer();

  before(async () => {
    broker = await startTestBroker({ kafkaPort: 0, autoCreateTopics: true, numPartitions: 1, fsync: 'never' });
    broker.kafka!.authorizer = auth;
    c = await RawKafka.connect('127.0.0.1', broker.ports.kafka);
    for (const name of ['open', 'secret']) await broker.log.createTopic(name, { partitions: 1 });
    await broker.log.partition('secret', 0).append(buildRecordBatch({ records: [{ value: 'hidden' }] }));
    await broker.log.partition('open', 0).append(buildRecordBatch({ records: [{ value: 'visible' }] }));
  });

  after(async () => {
    c.close();
    await broker.close();
  });

  beforeEach(() => {
    auth.denied.clear();
    auth.asked = [];
  });

  test('the hook is asked for the connection principal, User:ANONYMOUS', async () => {
    await c.send(3, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    assert.deepEqual([...auth.principals], ['User:ANONYMOUS']);
  });

  test('produce: WRITE on each topic, WRITE on the transactional id of transactional batches', async () => {
    auth.deny('WRITE TOPIC secret');
    const batch = () => buildRecordBatch({ records: [{ value: 'v' }] });
    const r = await c.send(0, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 5_000,
      topicData: [
        { name: 'secret', partitionData: [{ index: 0, records: batch() }] },
        { name: 'open', partitionData: [{ index: 0, records: batch() }] },
      ],
    });
    assert.deepEqual(
      r.responses.map((t) => [t.name, t.partitionResponses[0]!.errorCode]),
      [
        ['secret', TOPIC_DENIED],
        ['open', 0],
      ],
    );
    assert.ok(auth.asked.includes('WRITE TOPIC secret'));
    assert.equal(broker.log.partition('secret', 0).highWatermark, 1, 'nothing appended to the denied topic');

    auth.deny('WRITE TRANSACTIONAL_ID tx-p');
    const txn = buildRecordBatch({ records: [{ value: 't' }], producerId: 99, producerEpoch: 0, baseSequence: 0, transactional: true });
    const t = await c.send(0, 9, { transactionalId: 'tx-p', acks: -1, timeoutMs: 5_000, topicData: [{ name: 'open', partitionData: [{ index: 0, records: txn }] }] });
    assert.equal(t.responses[0]!.partitionResponses[0]!.errorCode, TXN_ID_DENIED);
  });

  test('produce: auto-creation needs CREATE (else the topic is unknown, as Kafka never creates on produce)', async () => {
    auth.deny('CREATE CLUSTER kafka-cluster', 'CREATE TOPIC made-by-produce');
    const r = await c.send(0, 9, { transactionalId: null, acks: -1, timeoutMs: 5_000, topicData: [{ name: 'made-by-produce', partitionData: [{ index: 0, records: buildRecordBatch({ records: [{ value: 'v' }] }) }] }] });
    assert.equal(r.responses[0]!.partitionResponses[0]!.errorCode, 3);
    assert.equal(broker.log.hasTopic('made-by-produce'), false);
  });

  test('fetch and list offsets: READ and DESCRIBE on each topic', async () => {
    auth.deny('READ TOPIC secret', 'DESCRIBE TOPIC secret');
    const part = { partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 };
    const f = await c.send(1, 12, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        { topic: 'secret', partitions: [part] },
        { topic: 'open', partitions: [part] },
      ],
      forgottenTopicsData: [],
      rackId: '',
    });
    // As Kafka, partitions refused before reading are answered after the fetched ones.
    assert.deepEqual(
      f.responses.map((x) => x.topic),
      ['open', 'secret'],
    );
    const secret = f.responses.find((x) => x.topic === 'secret')!.partitions[0]!;
    const open = f.responses.find((x) => x.topic === 'open')!.partitions[0]!;
    assert.equal(secret.errorCode, TOPIC_DENIED);
    assert.equal(secret.records?.length ?? 0, 0, 'no records of the denied topic');
    assert.equal(open.errorCode, 0);
    assert.ok((open.records?.length ?? 0) > 0);
    assert.ok(auth.asked.includes('READ TOPIC secret'));

    const lo = await c.send(2, 8, {
      replicaId: -1,
      isolationLevel: 0,
      topics: ['secret', 'open'].map((name) => ({ name, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] })),
    });
    assert.deepEqual(lo.topics.map((t) => t.partitions[0]!.errorCode), [TOPIC_DENIED, 0]);
  });

  test('metadata: undescribable topics are left out of all topics, denied by name and by id, and not auto-created without CREATE', async () => {
    const secretId = Buffer.from(broker.log.topicInfo('secret')!.topicId, 'hex').toString('base64url');
    auth.deny('DESCRIBE TOPIC secret');
    const all = await c.send(3, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    const names = all.topics.map((t) => t.name);
    assert.ok(names.includes('open'));
    assert.ok(!names.includes('secret'), 'an all-topics answer leaves the topic out');

    const named = await c.send(3, 12, { topics: [{ topicId: ZERO_UUID, name: 'secret' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    assert.deepEqual([named.topics[0]!.errorCode, named.topics[0]!.topicId, named.topics[0]!.partitions.length], [TOPIC_DENIED, ZERO_UUID, 0]);

    const byId = await c.send(3, 12, { topics: [{ topicId: secretId, name: null }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    assert.deepEqual([byId.topics[0]!.errorCode, byId.topics[0]!.name, byId.topics[0]!.topicId], [TOPIC_DENIED, null, secretId]);

    auth.deny('CREATE CLUSTER kafka-cluster', 'CREATE TOPIC fresh');
    const create = await c.send(3, 12, { topics: [{ topicId: ZERO_UUID, name: 'fresh' }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
    assert.equal(create.topics[0]!.errorCode, TOPIC_DENIED);
    assert.equal(broker.log.hasTopic('fresh'), false);
    assert.ok(auth.asked.includes('CREATE TOPIC fresh'));
  });

  test('admin: create, delete, partitions, records and configs of topics; broker configs on the cluster', async () => {
    auth.deny('CREATE CLUSTER kafka-cluster', 'CREATE TOPIC nope', 'DELETE TOPIC secret', 'ALTER TOPIC secret', 'DESCRIBE_CONFIGS TOPIC secret', 'ALTER_CONFIGS TOPIC secret', 'DESCRIBE_CONFIGS CLUSTER kafka-cluster');
    const ct = await c.send(19, 7, { topics: [{ name: 'nope', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5_000, validateOnly: false });
    assert.equal(ct.topics[0]!.errorCode, TOPIC_DENIED);
    assert.equal(broker.log.hasTopic('nope'), false);

    const dt = await c.send(20, 6, { topics: [{ name: 'secret', topicId: ZERO_UUID }], timeoutMs: 5_000 });
    assert.equal(dt.responses[0]!.errorCode, TOPIC_DENIED);
    assert.equal(broker.log.hasTopic('secret'), true);

    const cp = await c.send(37, 3, { topics: [{ name: 'secret', count: 3, assignments: null }], timeoutMs: 5_000, validateOnly: false });
    assert.equal(cp.results[0]!.errorCode, TOPIC_DENIED);

    const dr = await c.send(21, 2, { topics: [{ name: 'secret', partitions: [{ partitionIndex: 0, offset: -1n }] }], timeoutMs: 5_000 });
    assert.equal(dr.topics[0]!.partitions[0]!.errorCode, TOPIC_DENIED);
    assert.equal(broker.log.partition('secret', 0).logStartOffset, 0);

    const dc = await c.send(32, 4, {
      resources: [
        { resourceType: 2, resourceName: 'secret', configurationKeys: null },
        { resourceType: 4, resourceName: '1', configurationKeys: null },
        { resourceType: 2, resourceName: 'open', configurationKeys: null },
      ],
      includeSynonyms: false,
      includeDocumentation: false,
    });
    assert.deepEqual(dc.results.map((r) => r.errorCode), [TOPIC_DENIED, CLUSTER_DENIED, 0]);

    const ac = await c.send(44, 1, { resources: [{ resourceType: 2, resourceName: 'secret', configs: [{ name: 'retention.ms', configOperation: 0, value: '1000' }] }], validateOnly: false });
    assert.equal(ac.responses[0]!.errorCode, TOPIC_DENIED);
    assert.equal(broker.log.topicInfo('secret')!.configs['retention.ms'], undefined);
  });

  test('groups: READ to join, commit and heartbeat, DESCRIBE to find, fetch offsets and describe, DELETE to delete; ListGroups filters', async () => {
    auth.deny('READ GROUP g-denied', 'DESCRIBE GROUP g-denied', 'DELETE GROUP g-denied', 'READ TOPIC secret');
    const fc = await c.send(10, 4, { keyType: 0, coordinatorKeys: ['g-denied', 'g-open'] });
    assert.deepEqual(fc.coordinators!.map((x) => x.errorCode), [GROUP_DENIED, 0]);

    const join = await c.send(11, 9, { groupId: 'g-denied', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }], reason: null });
    assert.equal(join.errorCode, GROUP_DENIED);
    const hb = await c.send(12, 4, { groupId: 'g-denied', generationId: 1, memberId: 'm', groupInstanceId: null });
    assert.equal(hb.errorCode, GROUP_DENIED);

    const commit = (groupId: string) =>
      c.send(8, 8, {
        groupId,
        generationIdOrMemberEpoch: -1,
        memberId: '',
        groupInstanceId: null,
        topics: ['secret', 'open'].map((name) => ({ name, partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null }] })),
      });
    assert.deepEqual((await commit('g-denied')).topics.map((t) => t.partitions[0]!.errorCode), [GROUP_DENIED, GROUP_DENIED]);
    assert.deepEqual((await commit('g-open')).topics.map((t) => t.partitions[0]!.errorCode), [TOPIC_DENIED, 0]);

    const of = await c.send(9, 8, { groups: [{ groupId: 'g-denied', topics: null }, { groupId: 'g-open', topics: null }], requireStable: false });
    assert.deepEqual(of.groups!.map((g) => g.errorCode), [GROUP_DENIED, 0]);

    const dg = await c.send(15, 5, { groups: ['g-denied', 'g-open'], includeAuthorizedOperations: false });
    assert.deepEqual(dg.groups.map((g) => g.errorCode), [GROUP_DENIED, 0]);

    auth.deny('DESCRIBE CLUSTER kafka-cluster');
    const lg = await c.send(16, 5, { statesFilter: [], typesFilter: [] });
    const listed = lg.groups.map((g) => g.groupId);
    assert.ok(listed.includes('g-open'), 'a describable group is listed');
    assert.ok(!listed.includes('g-denied'), 'an undescribable group is left out');
    assert.ok(auth.asked.includes('DESCRIBE CLUSTER kafka-cluster'));

    const del = await c.send(42, 2, { groupsNames: ['g-denied'] });
    assert.equal(del.results[0]!.errorCode, GROUP_DENIED);
  });

  test('transactions: WRITE on the transactional id, IDEMPOTENT_WRITE on the cluster, DESCRIBE to find the coordinator', async () => {
    auth.deny('WRITE TRANSACTIONAL_ID tx-denied', 'DESCRIBE TRANSACTIONAL_ID tx-denied', 'IDEMPOTENT_WRITE CLUSTER kafka-cluster');
    const fc = await c.send(10, 4, { keyType: 1, coordinatorKeys: ['tx-denied', 'tx-open'] });
    assert.deepEqual(fc.coordinators!.map((x) => x.errorCode), [TXN_ID_DENIED, 0]);

    const txn = await c.send(22, 5, { transactionalId: 'tx-denied', transactionTimeoutMs: 10_000, producerId: -1n, producerEpoch: -1 });
    assert.equal(txn.errorCode, TXN_ID_DENIED);
    const idem = await c.send(22, 5, { transactionalId: null, transactionTimeoutMs: 10_000, producerId: -1n, producerEpoch: -1 });
    assert.equal(idem.errorCode, CLUSTER_DENIED);

    const apt = await c.send(24, 3, { v3AndBelowTransactionalId: 'tx-denied', v3AndBelowProducerId: 1n, v3AndBelowProducerEpoch: 0, v3AndBelowTopics: [{ name: 'open', partitions: [0] }] });
    assert.equal(apt.resultsByTopicV3AndBelow![0]!.resultsByPartition[0]!.partitionErrorCode, TXN_ID_DENIED);
    const aot = await c.send(25, 3, { transactionalId: 'tx-denied', producerId: 1n, producerEpoch: 0, groupId: 'g' });
    assert.equal(aot.errorCode, TXN_ID_DENIED);
    const toc = await c.send(28, 3, {
      transactionalId: 'tx-denied',
      groupId: 'g',
      producerId: 1n,
      producerEpoch: 0,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [{ name: 'open', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null }] }],
    });
    assert.equal(toc.topics[0]!.partitions[0]!.errorCode, TXN_ID_DENIED);
    const end = await c.send(26, 3, { transactionalId: 'tx-denied', producerId: 1n, producerEpoch: 0, committed: true });
    assert.equal(end.errorCode, TXN_ID_DENIED);
    const desc = await c.send(65, 0, { transactionalIds: ['tx-denied'] });
    assert.equal(desc.transactionStates[0]!.errorCode, TXN_ID_DENIED);
  });
});
