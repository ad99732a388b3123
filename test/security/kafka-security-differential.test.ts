// Differential test of Kafka security administration and decisions: the same raw requests
// against Apache Kafka 4.4 (single KRaft node, StandardAuthorizer,
// allow.everyone.if.no.acl.found=true so that the broker's own cluster actions need no ACL) and
// Wharf with the same settings, comparing the answers: CreateAcls with valid and invalid
// bindings, DescribeAcls filters (ANY, MATCH, LITERAL, PREFIXED), what User:ANONYMOUS may then
// see and do on topics with and without ACLs (Metadata, Produce, ListOffsets, DescribeConfigs),
// DeleteAcls, AlterUserScramCredentials / DescribeUserScramCredentials with their errors, and
// AlterClientQuotas / DescribeClientQuotas with theirs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startTestBroker } from '../support/broker.js';
import { startKafka, type RunningKafka } from '../support/kafka.js';
import { peerSkip } from '../support/peers.js';
import type { Broker } from '../../src/index.js';
import { buildRecordBatch } from '../../src/core/records/batch.js';
import { saltPassword, scramMechanism } from '../../src/core/security/scram.js';
import { ApiKey } from '../../src/kafka/protocol/messages/index.js';
import { RawKafka } from '../kafka/support/raw-kafka.js';

const ZERO = 'AAAAAAAAAAAAAAAAAAAAAA';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SHA256 = scramMechanism('SCRAM-SHA-256')!;
const PROPS = ['authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer', 'allow.everyone.if.no.acl.found=true'];
type Out = Record<string, unknown>;

const TOPICS = ['open', 'guarded', 'deny-one'];
const ALLOW = 3;
const DENY = 2;
const LITERAL = 3;
const PREFIXED = 4;
const TOPIC = 2;

async function ready(c: RawKafka, names: string[]): Promise<void> {
  for (let i = 0; i < 150; i++) {
    const md = await c.send(ApiKey.Metadata, 12, { topics: names.map((name) => ({ topicId: ZERO, name })), allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    if (md.topics.every((t) => t.errorCode === 0 && t.partitions.length > 0 && t.partitions.every((p) => p.leaderId >= 0))) return;
    await sleep(100);
  }
  throw new Error('topics never became ready');
}

const acl = (resourceName: string, patternType: number, principal: string, operation: number, permissionType: number, resourceType = TOPIC, host = '*') => ({
  resourceType, resourceName, resourcePatternType: patternType, principal, host, operation, permissionType,
});

/** Whether the broker closes the connection on a request instead of answering it. */
async function closes(connect: () => Promise<RawKafka>, send: (c: RawKafka) => Promise<unknown>): Promise<string> {
  const c = await connect();
  try {
    await send(c);
    return 'answered';
  } catch (e) {
    return (e as Error).name === 'ConnectionClosed' ? 'closed' : (e as Error).message;
  } finally {
    c.close();
  }
}

async function scenario(c: RawKafka, connect: () => Promise<RawKafka>): Promise<Out> {
  const out: Out = {};
  const created = await c.send(ApiKey.CreateTopics, 7, { topics: TOPICS.map((name) => ({ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] })), timeoutMs: 10_000, validateOnly: false });
  out.createTopics = created.topics.map((t) => [t.name, t.errorCode]);
  await ready(c, TOPICS);

  const creations = await c.send(ApiKey.CreateAcls, 3, {
    creations: [
      acl('guarded', LITERAL, 'User:alice', 3, ALLOW),
      acl('deny-', PREFIXED, 'User:ANONYMOUS', 4, DENY),
      acl('deny-', PREFIXED, 'User:*', 8, ALLOW),
      acl('guarded', LITERAL, 'User:bob', 4, ALLOW, TOPIC, '10.9.9.9'),
      acl('x', LITERAL, 'alice', 3, ALLOW), // no principal type
      acl('', LITERAL, 'User:alice', 3, ALLOW), // empty name
      acl('other', LITERAL, 'User:alice', 7, ALLOW, 4), // the cluster is kafka-cluster
    ],
  });
  out.createAcls = creations.results.map((r) => [r.errorCode, r.errorMessage]);
  // A MATCH pattern (a filter type only) fails the whole request in Kafka.
  const match = await c.send(ApiKey.CreateAcls, 3, { creations: [acl('y', LITERAL, 'User:alice', 3, ALLOW), acl('x', 2, 'User:alice', 3, ALLOW)] });
  out.createMatch = match.results.map((r) => r.errorCode);
  const anyOp = await c.send(ApiKey.CreateAcls, 3, { creations: [acl('y', LITERAL, 'User:alice', 1, ALLOW)] });
  out.createAnyOperation = anyOp.results.map((r) => r.errorCode);
  await sleep(500); // Kafka applies ACLs through its metadata log

  const describeAcls = async (f: { resourceTypeFilter: number; resourceNameFilter: string | null; patternTypeFilter: number; principalFilter?: string | null; operation?: number; permissionType?: number }) => {
    const d = await c.send(ApiKey.DescribeAcls, 3, { principalFilter: null, hostFilter: null, operation: 1, permissionType: 1, ...f });
    return [d.errorCode, d.resources.map((r) => [r.resourceType, r.resourceName, r.patternType, r.acls.map((a) => [a.principal, a.host, a.operation, a.permissionType]).sort()]).sort()];
  };
  out.describeAny = await describeAcls({ resourceTypeFilter: 1, resourceNameFilter: null, patternTypeFilter: 1 });
  out.describeMatch = await describeAcls({ resourceTypeFilter: TOPIC, resourceNameFilter: 'deny-one', patternTypeFilter: 2 });
  out.describeLiteral = await describeAcls({ resourceTypeFilter: TOPIC, resourceNameFilter: 'guarded', patternTypeFilter: LITERAL });
  out.describePrefixedDeny = await describeAcls({ resourceTypeFilter: 1, resourceNameFilter: null, patternTypeFilter: PREFIXED, permissionType: DENY });
  out.describeByPrincipal = await describeAcls({ resourceTypeFilter: 1, resourceNameFilter: null, patternTypeFilter: 1, principalFilter: 'User:bob' });

  // What User:ANONYMOUS may do now: "open" has no ACL (allowed), "guarded" has ACLs for others, "deny-one" denies writes.
  const md = await c.send(ApiKey.Metadata, 12, { topics: TOPICS.map((name) => ({ topicId: ZERO, name })), allowAutoTopicCreation: false, includeTopicAuthorizedOperations: true });
  out.metadata = md.topics.map((t) => [t.name, t.errorCode, t.topicAuthorizedOperations]).sort();
  const all = await c.send(ApiKey.Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
  out.listed = all.topics.map((t) => t.name).filter((n) => TOPICS.includes(n ?? '')).sort();
  const records = buildRecordBatch({ baseTimestamp: Date.now(), records: [{ key: null, value: 'v', timestamp: Date.now() }] });
  const produce = await c.send(ApiKey.Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 5_000, topicData: TOPICS.map((name) => ({ name, partitionData: [{ index: 0, records }] })) });
  out.produce = produce.responses.map((r) => [r.name, r.partitionResponses[0]!.errorCode]).sort();
  const lo = await c.send(ApiKey.ListOffsets, 7, { replicaId: -1, isolationLevel: 0, topics: TOPICS.map((name) => ({ name, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] })) });
  out.listOffsets = lo.topics.map((t) => [t.name, t.partitions[0]!.errorCode]).sort();
  const dc = await c.send(ApiKey.DescribeConfigs, 4, { includeSynonyms: false, includeDocumentation: false, resources: TOPICS.map((resourceName) => ({ resourceType: 2, resourceName, configurationKeys: ['cleanup.policy'] })) });
  out.describeConfigs = dc.results.map((r) => [r.resourceName, r.errorCode]).sort();

  const deleted = await c.send(ApiKey.DeleteAcls, 3, {
    filters: [
      { resourceTypeFilter: TOPIC, resourceNameFilter: 'deny-', patternTypeFilter: PREFIXED, principalFilter: 'User:ANONYMOUS', hostFilter: null, operation: 1, permissionType: 1 },
      { resourceTypeFilter: TOPIC, resourceNameFilter: 'nothing', patternTypeFilter: LITERAL, principalFilter: null, hostFilter: null, operation: 1, permissionType: 1 },
    ],
  });
  out.deleteAcls = deleted.filterResults.map((f) => [f.errorCode, f.matchingAcls.map((m) => [m.resourceName, m.principal, m.operation, m.permissionType])]);
  await sleep(500);
  const produceAfter = await c.send(ApiKey.Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 5_000, topicData: [{ name: 'deny-one', partitionData: [{ index: 0, records }] }] });
  out.produceAfterDelete = produceAfter.responses[0]!.partitionResponses[0]!.errorCode;

  // SCRAM credentials.
  const up = (name: string, iterations = 4096, mechanism = SHA256.code) => {
    const salt = randomBytes(16);
    return { name, mechanism, iterations, salt, saltedPassword: saltPassword(SHA256, 'pw', salt, iterations) };
  };
  const alter = await c.send(ApiKey.AlterUserScramCredentials, 0, {
    deletions: [{ name: 'nobody', mechanism: 1 }, { name: 'dup', mechanism: 1 }],
    upsertions: [up('alice'), up('few', 1024), up('many', 20_000), up('mech', 4096, 0), up('dup')],
  });
  out.alterScram = alter.results.map((r) => [r.user, r.errorCode, r.errorMessage]).sort();
  await sleep(300);
  const describeScram = await c.send(ApiKey.DescribeUserScramCredentials, 0, { users: [{ name: 'alice' }, { name: 'few' }, { name: 'x' }, { name: 'x' }] });
  out.describeScram = [describeScram.errorCode, describeScram.results.map((r) => [r.user, r.errorCode, r.credentialInfos.map((i) => [i.mechanism, i.iterations])]).sort()];

  // Client quotas.
  const quotas = await c.send(ApiKey.AlterClientQuotas, 1, {
    validateOnly: false,
    entries: [
      { entity: [{ entityType: 'user', entityName: 'alice' }], ops: [{ key: 'producer_byte_rate', value: 1024, remove: false }] },
      { entity: [{ entityType: 'client-id', entityName: null }], ops: [{ key: 'consumer_byte_rate', value: 2048, remove: false }] },
      { entity: [{ entityType: 'user', entityName: 'bob' }], ops: [{ key: 'bogus', value: 1, remove: false }] },
      { entity: [{ entityType: 'custom', entityName: 'x' }], ops: [] },
    ],
  });
  out.alterQuotas = quotas.entries.map((e) => [e.entity, e.errorCode]).sort();
  await sleep(300);
  const dq = await c.send(ApiKey.DescribeClientQuotas, 1, { components: [{ entityType: 'user', matchType: 0, match: 'alice' }], strict: false });
  out.describeQuotas = [dq.errorCode, (dq.entries ?? []).map((e) => [e.entity, e.values])];
  const custom = await c.send(ApiKey.DescribeClientQuotas, 1, { components: [{ entityType: 'custom', matchType: 0, match: 'a' }], strict: false });
  out.describeQuotasCustom = [custom.errorCode, custom.errorMessage];

  // Filters with UNKNOWN codes do not parse: Kafka closes the connection.
  const unknown = { resourceTypeFilter: 0, resourceNameFilter: null, patternTypeFilter: 1, principalFilter: null, hostFilter: null, operation: 1, permissionType: 1 };
  out.describeUnknown = await closes(connect, (x) => x.send(ApiKey.DescribeAcls, 3, unknown));
  out.deleteUnknown = await closes(connect, (x) => x.send(ApiKey.DeleteAcls, 3, { filters: [unknown] }));
  out.createUnknownOperation = await closes(connect, (x) => x.send(ApiKey.CreateAcls, 3, { creations: [acl('y', LITERAL, 'User:alice', 0, ALLOW)] }));
  return out;
}

describe('Kafka security, differentially against Apache Kafka 4.4', { skip: peerSkip('kafka') }, () => {
  let kafka: RunningKafka;
  let broker: Broker;
  before(async () => {
    kafka = await startKafka(PROPS);
    broker = await startTestBroker({ kafkaPort: 0, fsync: 'never', kafkaAcls: true, kafkaAllowEveryoneIfNoAcl: true });
  });
  after(async () => {
    await broker?.close();
    await kafka?.close();
  });

  test('the same ACL, SCRAM and quota answers and the same decisions', { timeout: 180_000 }, async () => {
    const results: Out[] = [];
    for (const [host, port] of [[kafka.host, kafka.port], ['127.0.0.1', broker.ports.kafka]] as const) {
      const connect = () => RawKafka.connect(host, port);
      const c = await connect();
      try {
        results.push(await scenario(c, connect));
      } catch (e) {
        throw new Error(`against ${host}:${port}: ${(e as Error).message}; Kafka's log: ${port === kafka.port ? kafka.output().slice(-3000) : ''}`);
      } finally {
        c.close();
      }
    }
    const [theirs, ours] = results as [Out, Out];
    for (const key of Object.keys(theirs)) assert.deepEqual(ours[key], theirs[key], `${key}\nKafka: ${JSON.stringify(theirs[key])}\nWharf: ${JSON.stringify(ours[key])}`);
  });
});
