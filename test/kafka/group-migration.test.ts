// Online migration between the classic and the consumer (KIP-848) group protocols
// (group.consumer.migration.policy), through the wire:
//   1. the same raw requests against Apache Kafka 4.4 and Wharf, compared step by step: a classic
//      group upgraded by a ConsumerGroupHeartbeat (the classic member then rejoins the consumer
//      group, is told to revoke through REBALANCE_IN_PROGRESS, gets the coordinator's assignment
//      in SyncGroup, commits with its generation), then downgraded when the consumer-protocol
//      member leaves; group types and error codes as ListGroups, DescribeGroups and
//      ConsumerGroupDescribe show them. With the policy `disabled`: the upgrade refused
//      (GROUP_ID_NOT_FOUND), a classic member still joins a consumer group, no downgrade.
//   2. the group's records in __consumer_offsets survive a restart of Wharf in both shapes (a
//      consumer group with a classic member; the classic group after the downgrade).
//   3. a rolling upgrade and downgrade of Java 4.4 consumers (test/kafka/java/RebalanceMember.java)
//      while records are produced: classic members, consumer-protocol members joining, the
//      classic ones leaving, a classic one joining, the consumer-protocol ones leaving; the group
//      type flips at each conversion, and by the committed offsets every record is consumed
//      exactly once, by one member at a time.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestBroker } from '../support/broker.js';
import { startKafka } from '../support/kafka.js';
import { peerSkip } from '../support/peers.js';
import { repoRoot } from '../support/wharf.js';
import { encodeConsumerProtocolSubscription } from '../../src/kafka/protocol/messages/consumer-protocol-subscription.js';
import { decodeConsumerProtocolAssignment, encodeConsumerProtocolAssignment } from '../../src/kafka/protocol/messages/consumer-protocol-assignment.js';
import { Reader } from '../../src/kafka/protocol/reader.js';
import { Writer } from '../../src/kafka/protocol/writer.js';
import { RawKafkaClient, waitTopicReady } from './support/groups-raw.js';
import { javaSkip, kafkaClasspath } from './support/java.js';
import { kafkaClient } from './support/kafkajs.js';
import { Member, PARTITIONS, PRELOAD, TOPIC as NUMBERS, committedAndEnds, ownedBy, startProducing, until, verify } from './support/rebalance-members.js';

const TOPIC = 'mt';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function subscription(topics: string[]): Buffer {
  const w = new Writer(64);
  w.int16(0);
  encodeConsumerProtocolSubscription(w, 0, { topics, userData: null });
  return w.finish();
}

function assignment(partitions: number[]): Buffer {
  const w = new Writer(64);
  w.int16(0);
  encodeConsumerProtocolAssignment(w, 0, { assignedPartitions: [{ topic: TOPIC, partitions }], userData: null });
  return w.finish();
}

/** The partitions of a SyncGroup assignment, sorted ("" for an empty buffer). */
function partitionsOf(data: Buffer): number[] | string {
  if (data.length === 0) return '';
  const r = new Reader(data);
  const version = r.int16();
  return decodeConsumerProtocolAssignment(r, Math.min(version, 3)).assignedPartitions.flatMap((t) => t.partitions).sort((a, b) => a - b);
}

/** Kafka loads its group coordinator on first use: wait until it answers. */
async function warmUp(c: RawKafkaClient): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const fc = await c.request(10, 4, { keyType: 0, coordinatorKeys: ['warm'] });
    const hb = await c.request(12, 4, { groupId: 'warm', generationId: 1, memberId: 'x', groupInstanceId: null });
    if (fc.coordinators![0]!.errorCode === 0 && ![14, 15, 16].includes(hb.errorCode)) return;
    await sleep(200);
  }
  throw new Error('the group coordinator never became available');
}

/** The raw requests of one broker, with member ids replaced by roles. */
class Steps {
  readonly out: Array<[string, unknown]> = [];
  private readonly roles = new Map<string, string>();

  constructor(readonly c: RawKafkaClient) {}

  role(id: string, name: string): void {
    if (id !== '') this.roles.set(id, name);
  }

  /** Replaces known member ids in `v` by their roles. */
  private scrub(v: unknown): unknown {
    if (typeof v === 'string') return this.roles.get(v) ?? v;
    if (Array.isArray(v)) return v.map((x) => this.scrub(x));
    return v;
  }

  record(name: string, v: unknown): void {
    this.out.push([name, this.scrub(v)]);
  }

  join(groupId: string, memberId: string, topics = [TOPIC]) {
    return this.c.request(11, 9, { groupId, sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 30_000, memberId, groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: subscription(topics) }], reason: null });
  }

  /** Two-step join of a new classic member. */
  async joinNew(groupId: string, role: string) {
    const first = await this.join(groupId, '');
    this.record(`${role} JoinGroup without id`, first.errorCode);
    this.role(first.memberId, role);
    return this.join(groupId, first.memberId);
  }

  sync(groupId: string, gen: number, memberId: string, assignments: Array<{ memberId: string; assignment: Buffer }> = []) {
    return this.c.request(14, 5, { groupId, generationId: gen, memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments });
  }

  heartbeat(groupId: string, gen: number, memberId: string) {
    return this.c.request(12, 4, { groupId, generationId: gen, memberId, groupInstanceId: null }).then((r) => r.errorCode);
  }

  cgHeartbeat(groupId: string, memberId: string, memberEpoch: number, owned: Array<{ topicId: string; partitions: number[] }> | null = []) {
    return this.c.request(68, 1, {
      groupId,
      memberId,
      memberEpoch,
      instanceId: null,
      rackId: null,
      rebalanceTimeoutMs: memberEpoch === 0 ? 30_000 : -1,
      subscribedTopicNames: memberEpoch === 0 ? [TOPIC] : null,
      subscribedTopicRegex: null,
      serverAssignor: memberEpoch === 0 ? 'uniform' : null,
      topicPartitions: owned,
    });
  }

  commit(groupId: string, gen: number, memberId: string) {
    return this.c
      .request(8, 9, { groupId, generationIdOrMemberEpoch: gen, memberId, groupInstanceId: null, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: 3n, committedLeaderEpoch: -1, committedMetadata: null }] }] })
      .then((r) => r.topics[0]!.partitions[0]!.errorCode);
  }

  /** The group as the three describing APIs show it; epochs counted from `epochBase`. */
  async types(name: string, groupId: string, epochBase = 0): Promise<void> {
    const lg = await this.c.request(16, 5, { statesFilter: [], typesFilter: [] });
    this.record(`${name}: ListGroups`, lg.groups.filter((g) => g.groupId === groupId).map((g) => [g.groupType, g.groupState, g.protocolType]));
    const dg = await this.c.request(15, 6, { groups: [groupId], includeAuthorizedOperations: false });
    this.record(`${name}: DescribeGroups v6`, dg.groups.map((g) => [g.errorCode, g.errorMessage ?? null, g.groupState, g.protocolType, g.members.map((m) => m.memberId).sort()]));
    const cgd = await this.c.request(69, 1, { groupIds: [groupId], includeAuthorizedOperations: false });
    this.record(
      `${name}: ConsumerGroupDescribe`,
      cgd.groups.map((g) => [g.errorCode, g.errorMessage, g.groupState, g.groupEpoch - (g.errorCode === 0 ? epochBase : 0), g.members.map((m) => [m.memberId, m.memberType, m.memberEpoch, m.subscribedTopicNames, m.assignment.topicPartitions.flatMap((t) => t.partitions).sort(), m.targetAssignment.topicPartitions.flatMap((t) => t.partitions).sort()]).sort()]),
    );
  }
}

/** The upgrade, the mixed group and the downgrade, under the default policy (bidirectional). */
async function migrationSteps(c: RawKafkaClient): Promise<Array<[string, unknown]>> {
  const s = new Steps(c);
  const created = await c.request(19, 7, { topics: [{ name: TOPIC, numPartitions: 4, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });
  s.record('CreateTopics', created.topics[0]!.errorCode);
  await waitTopicReady(c, TOPIC);
  const md = await c.request(3, 12, { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: TOPIC }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
  const topicId = md.topics[0]!.topicId;
  const G = 'mg';

  // A classic group of one member owning every partition.
  const j1 = await s.joinNew(G, 'c1');
  const c1 = j1.memberId;
  s.record('c1 JoinGroup', [j1.errorCode, j1.generationId, j1.leader, j1.protocolName, j1.members.map((m) => m.memberId)]);
  const s1 = await s.sync(G, j1.generationId, c1, [{ memberId: c1, assignment: assignment([0, 1, 2, 3]) }]);
  s.record('c1 SyncGroup', [s1.errorCode, partitionsOf(s1.assignment)]);
  await s.types('classic', G);
  s.record('ConsumerGroupHeartbeat, not joining, to the classic group', (await s.cgHeartbeat(G, 'k1', 3)).errorCode);

  // A consumer-protocol member joins: the group becomes a consumer group.
  s.role('k1', 'k1');
  const k1 = await s.cgHeartbeat(G, 'k1', 0);
  s.record('k1 ConsumerGroupHeartbeat (join)', [k1.errorCode, k1.errorMessage, k1.memberEpoch, k1.assignment?.topicPartitions.flatMap((t) => t.partitions) ?? null]);
  await s.types('upgraded', G);
  s.record('c1 Heartbeat at its generation', await s.heartbeat(G, j1.generationId, c1));
  s.record('c1 OffsetCommit at its generation', await s.commit(G, j1.generationId, c1));
  s.record('c1 OffsetCommit at another generation', await s.commit(G, j1.generationId + 5, c1));

  // c1 rejoins the consumer group: first it must revoke half of its partitions.
  const r1 = await s.join(G, c1);
  s.record('c1 rejoins', [r1.errorCode, r1.generationId, r1.leader, r1.protocolName, r1.members.length]);
  const rs1 = await s.sync(G, r1.generationId, c1);
  s.record('c1 SyncGroup (partitions to revoke gone)', [rs1.errorCode, rs1.protocolType, rs1.protocolName, partitionsOf(rs1.assignment)]);
  s.record('c1 SyncGroup at a wrong generation', (await s.sync(G, r1.generationId + 7, c1)).errorCode);
  s.record('c1 Heartbeat while revoking', await s.heartbeat(G, r1.generationId, c1));
  const r2 = await s.join(G, c1);
  s.record('c1 rejoins after revoking', [r2.errorCode, r2.generationId]);
  const rs2 = await s.sync(G, r2.generationId, c1);
  s.record('c1 SyncGroup at the new epoch', [rs2.errorCode, partitionsOf(rs2.assignment)]);
  s.record('c1 Heartbeat, stable', await s.heartbeat(G, r2.generationId, c1));
  s.record('c1 Heartbeat at its old generation', await s.heartbeat(G, r1.generationId, c1));
  s.record('c1 OffsetCommit at the new epoch', await s.commit(G, r2.generationId, c1));
  const k1b = await s.cgHeartbeat(G, 'k1', k1.memberEpoch, []);
  s.record('k1 heartbeat, released partitions', [k1b.errorCode, k1b.memberEpoch, k1b.assignment?.topicPartitions.flatMap((t) => t.partitions).sort() ?? null]);
  await s.types('mixed, stable', G);
  s.record('JoinGroup of another protocol type', (await c.request(11, 9, { groupId: G, sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 30_000, memberId: c1, groupInstanceId: null, protocolType: 'connect', protocols: [{ name: 'range', metadata: subscription([TOPIC]) }], reason: null })).errorCode);
  s.record('DeleteGroups of the mixed group', (await c.request(42, 2, { groupsNames: [G] })).results.map((r) => r.errorCode));

  // The consumer-protocol member leaves: only a classic member remains, the group turns classic.
  const left = await s.cgHeartbeat(G, 'k1', -1, null);
  s.record('k1 leaves', [left.errorCode, left.memberEpoch]);
  await s.types('downgraded', G);
  s.record('c1 Heartbeat after the downgrade', await s.heartbeat(G, r2.generationId, c1));
  const d1 = await s.join(G, c1);
  s.record('c1 rejoins the classic group', [d1.errorCode, d1.generationId, d1.leader, d1.members.map((m) => m.memberId)]);
  const ds1 = await s.sync(G, d1.generationId, c1, [{ memberId: c1, assignment: assignment([0, 1, 2, 3]) }]);
  s.record('c1 SyncGroup in the classic group', [ds1.errorCode, partitionsOf(ds1.assignment)]);
  await s.types('classic again', G);

  // An empty consumer group's id is taken by a classic member at once, and back.
  const k2 = await s.cgHeartbeat('eg', 'k2', 0);
  // (A new group's first epoch is 2 on Kafka 4.4, 1 on Wharf: not compared here.)
  s.record('k2 joins eg', [k2.errorCode, k2.memberEpoch > 0]);
  s.record('k2 leaves eg', (await s.cgHeartbeat('eg', 'k2', -1, null)).errorCode);
  const e1 = await s.joinNew('eg', 'e1');
  s.record('e1 joins the empty consumer group eg', [e1.errorCode, e1.generationId]);
  await s.types('eg classic', 'eg');
  void topicId;
  return s.out;
}

/** With group.consumer.migration.policy=disabled: no upgrade, no downgrade; mixed groups still form. */
async function disabledSteps(c: RawKafkaClient): Promise<Array<[string, unknown]>> {
  const s = new Steps(c);
  await c.request(19, 7, { topics: [{ name: TOPIC, numPartitions: 4, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });
  await waitTopicReady(c, TOPIC);
  const j1 = await s.joinNew('dg', 'c1');
  await s.sync('dg', j1.generationId, j1.memberId, [{ memberId: j1.memberId, assignment: assignment([0, 1, 2, 3]) }]);
  const refused = await s.cgHeartbeat('dg', 'k1', 0);
  s.record('ConsumerGroupHeartbeat joining a classic group', [refused.errorCode, refused.errorMessage, refused.memberEpoch]);
  await s.types('still classic', 'dg');
  // A consumer group first, then a classic member joins it.
  s.role('k2', 'k2');
  const k2 = await s.cgHeartbeat('cg', 'k2', 0);
  s.record('k2 creates cg', [k2.errorCode, k2.memberEpoch > 0]);
  const c2 = await s.joinNew('cg', 'c2');
  s.record('c2 joins the consumer group', [c2.errorCode, c2.generationId, c2.leader]);
  const left = await s.cgHeartbeat('cg', 'k2', -1, null);
  s.record('k2 leaves', left.errorCode);
  await s.types('not downgraded (epoch past k2 epoch)', 'cg', k2.memberEpoch);
  return s.out;
}

/** Runs `steps` against Kafka 4.4 and Wharf (with the same policy) and compares them step by step. */
async function compare(policy: string | null, steps: (c: RawKafkaClient) => Promise<Array<[string, unknown]>>): Promise<Array<[string, unknown]>> {
  const kafka = await startKafka(policy === null ? [] : [`group.consumer.migration.policy=${policy}`]);
  let expected: Array<[string, unknown]>;
  try {
    const c = await RawKafkaClient.connect(kafka.port, kafka.host);
    try {
      await warmUp(c);
      expected = await steps(c);
    } finally {
      await c.close();
    }
  } finally {
    await kafka.close();
  }
  const broker = await startTestBroker({ kafkaPort: 0, fsync: 'never', groupInitialRebalanceDelay: 0, ...(policy === null ? {} : { groupConsumerMigrationPolicy: policy }) });
  let actual: Array<[string, unknown]>;
  try {
    const c = await RawKafkaClient.connect(broker.ports.kafka);
    try {
      actual = await steps(c);
    } finally {
      await c.close();
    }
  } finally {
    await broker.close();
  }
  const mismatches = expected.flatMap(([name, v], i) => {
    const a = actual[i];
    return a && a[0] === name && JSON.stringify(a[1]) === JSON.stringify(v) ? [] : [`${name}: Kafka ${JSON.stringify(v)}, Wharf ${JSON.stringify(a?.[1])}`];
  });
  assert.deepEqual(mismatches, [], 'Wharf answers as Kafka 4.4');
  assert.equal(actual.length, expected.length);
  return actual;
}

describe('online group protocol migration: the same requests against Kafka 4.4 and Wharf', { skip: peerSkip('kafka') }, () => {
  test('upgrade by ConsumerGroupHeartbeat, a classic member in the consumer group, downgrade when the last consumer member leaves', { timeout: 300_000 }, async (t) => {
    const steps = await compare(null, migrationSteps);
    for (const [name, v] of steps) t.diagnostic(`${name}: ${JSON.stringify(v)}`);
  });

  test('group.consumer.migration.policy=DISABLED: no conversion of non-empty groups', { timeout: 300_000 }, async (t) => {
    // Upper case: Kafka reads the policy case-insensitively.
    const steps = await compare('DISABLED', disabledSteps);
    for (const [name, v] of steps) t.diagnostic(`${name}: ${JSON.stringify(v)}`);
  });
});

describe('group records in __consumer_offsets survive a restart in either shape', () => {
  test('a consumer group with a classic member, then the classic group after the downgrade', { timeout: 120_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wharf-migration-'));
    const opts = { kafkaPort: 0, fsync: 'always', groupInitialRebalanceDelay: 0, dataDir } as const;
    const describeAll = async (c: RawKafkaClient, groupId: string) => {
      const lg = await c.request(16, 5, { statesFilter: [], typesFilter: [] });
      const cgd = await c.request(69, 1, { groupIds: [groupId], includeAuthorizedOperations: false });
      const dg = await c.request(15, 5, { groups: [groupId], includeAuthorizedOperations: false });
      return {
        list: lg.groups.filter((g) => g.groupId === groupId).map((g) => [g.groupType, g.protocolType]),
        consumer: cgd.groups.map((g) => [g.errorCode, g.groupEpoch, g.assignmentEpoch, g.members.map((m) => [m.memberId, m.memberType, m.memberEpoch, m.subscribedTopicNames, m.assignment.topicPartitions.flatMap((x) => x.partitions).sort()]).sort()]),
        classic: dg.groups.map((g) => [g.errorCode, g.protocolType, g.members.map((m) => [m.memberId, m.clientId]).sort()]),
      };
    };
    // Closed in `finally` whatever fails: an open broker would keep the test process alive.
    let broker: Awaited<ReturnType<typeof startTestBroker>> | null = null;
    let c: RawKafkaClient | null = null;
    const restart = async () => {
      await c?.close();
      await broker?.close();
      c = null;
      broker = null;
      broker = await startTestBroker(opts);
      c = await RawKafkaClient.connect(broker.ports.kafka);
      return c;
    };
    try {
      let c0 = await restart();
      const s = new Steps(c0);
      await c0.request(19, 7, { topics: [{ name: TOPIC, numPartitions: 4, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });
      const j = await s.joinNew('rg', 'c1');
      await s.sync('rg', j.generationId, j.memberId, [{ memberId: j.memberId, assignment: assignment([0, 1, 2, 3]) }]);
      const k = await s.cgHeartbeat('rg', 'k1', 0);
      assert.equal(k.errorCode, 0);
      const mixed = await describeAll(c0, 'rg');
      assert.deepEqual(mixed.list, [['consumer', 'consumer']]);
      assert.deepEqual(mixed.consumer[0]![3], [[j.memberId, 0, j.generationId, [TOPIC], [0, 1, 2, 3]], ['k1', 1, k.memberEpoch, [TOPIC], []]].sort(), 'the classic member keeps its classic assignment');
      c0 = await restart();
      assert.deepEqual(await describeAll(c0, 'rg'), mixed, 'the consumer group with its classic member, as before the restart');
      // The classic member goes on in the consumer group, with its classic metadata restored.
      const s2 = new Steps(c0);
      assert.equal(await s2.heartbeat('rg', j.generationId, j.memberId), 27, 'REBALANCE_IN_PROGRESS: the classic member must rejoin');
      const rj = await s2.join('rg', j.memberId);
      assert.equal(rj.errorCode, 0);
      const left = await s2.cgHeartbeat('rg', 'k1', k.memberEpoch, null);
      assert.equal(left.errorCode, 0);
      assert.equal((await s2.cgHeartbeat('rg', 'k1', -1, null)).errorCode, 0);
      const classic = await describeAll(c0, 'rg');
      assert.deepEqual(classic.list, [['classic', 'consumer']], 'downgraded');

      c0 = await restart();
      assert.deepEqual(await describeAll(c0, 'rg'), classic, 'the classic group, as before the restart');
      const rejoin = await new Steps(c0).join('rg', j.memberId);
      assert.deepEqual([rejoin.errorCode, rejoin.leader === j.memberId, rejoin.members.length], [0, true, 1], 'the classic member rejoins the restored classic group as its leader');
    } finally {
      await (c as RawKafkaClient | null)?.close();
      await (broker as Awaited<ReturnType<typeof startTestBroker>> | null)?.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

/**
 * A rolling upgrade and downgrade of Java consumers on a topic that keeps growing: two classic
 * members; a consumer-protocol member joins (upgrade); the classic ones leave one by one while a
 * second consumer-protocol member joins; a classic member joins the consumer group; the
 * consumer-protocol members leave (downgrade). Returns the group type seen at each step.
 */
async function rollingUpgrade(t: import('node:test').TestContext, port: number, start: (name: string, protocol: 'classic' | 'consumer') => Member): Promise<string[]> {
  const kafka = kafkaClient(port);
  const admin = kafka.admin();
  const raw = await RawKafkaClient.connect(port);
  const group = 'rolling';
  const members: Member[] = [];
  const types: string[] = [];
  const t0 = Date.now();
  const typeOf = async () => (await raw.request(16, 5, { statesFilter: [], typesFilter: [] })).groups.find((g) => g.groupId === group)?.groupType ?? 'none';
  const step = async (what: string, owners: Member[], progress: Member) => {
    const before = progress.commits;
    await until(what, () => ownedBy(owners, members) && progress.commits > before, members);
    const type = await typeOf();
    types.push(`${what}: ${type}`);
    t.diagnostic(`${((Date.now() - t0) / 1000).toFixed(1)}s ${what}: group type ${type}`);
  };
  const close = async (m: Member) => {
    m.send('close');
    await until(`${m.name} to close`, () => m.exited !== undefined, members);
    assert.equal(m.exited, 0, m.diagnostics());
  };
  let producing: { stop: () => Promise<number> } | null = null;
  try {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: NUMBERS, numPartitions: PARTITIONS }] });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic: NUMBERS, messages: Array.from({ length: PRELOAD }, (_, i) => ({ partition: i % PARTITIONS, value: String(i) })) });
    await producer.disconnect();
    producing = startProducing(kafka);
    const m1 = start('m1', 'classic');
    const m2 = start('m2', 'classic');
    members.push(m1, m2);
    await step('classic m1, m2', [m1, m2], m2);
    const m3 = start('m3', 'consumer');
    members.push(m3);
    await step('consumer m3 joined', [m1, m2, m3], m3);
    await close(m1);
    await step('classic m1 left', [m2, m3], m2);
    const m4 = start('m4', 'consumer');
    members.push(m4);
    await step('consumer m4 joined', [m2, m3, m4], m4);
    await close(m2);
    await step('classic m2 left', [m3, m4], m4);
    const m5 = start('m5', 'classic');
    members.push(m5);
    await step('classic m5 joined', [m3, m4, m5], m5);
    await close(m3);
    await step('consumer m3 left', [m4, m5], m5);
    await close(m4);
    await step('consumer m4 left', [m5], m5);
    const produced = await producing.stop();
    producing = null;
    let last = { committed: [] as number[], ends: [] as number[] };
    await until('the committed offsets to reach the end offsets', async () => {
      last = await committedAndEnds(admin, group);
      return last.committed.every((c, p) => c === last.ends[p]);
    }, members);
    assert.equal(last.ends.reduce((a, b) => a + b, 0), produced);
    await close(m5);
    const v = verify(members, last.ends);
    t.diagnostic(`${produced} records, ${v.processed} processings; processed without a successful commit (redone by another member): ${[...v.redone].map(([n, c]) => `${n} ${c}`).join(', ')}`);
    return types;
  } finally {
    if (producing) await producing.stop().catch(() => 0);
    for (const m of members) if (m.exited === undefined) m.proc.kill('SIGKILL');
    await admin.disconnect().catch(() => {});
    await raw.close();
  }
}

describe('a rolling upgrade and downgrade of Java 4.4 consumers', { skip: javaSkip() || peerSkip('kafka') }, () => {
  let classes = '';
  let classpath = '';
  const compile = () => {
    if (classes) return;
    classpath = kafkaClasspath();
    classes = mkdtempSync(join(tmpdir(), 'wharf-migration-'));
    execFileSync('javac', ['-nowarn', '-cp', classpath, '-d', classes, join(repoRoot(), 'test', 'kafka', 'java', 'RebalanceMember.java')], { stdio: 'pipe' });
  };
  const starter = (dir: string, port: number) => (name: string, protocol: 'classic' | 'consumer'): Member => {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${name}.txt`);
    const proc = spawn('java', ['-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-cp', `${classpath}:${classes}`, 'RebalanceMember', `127.0.0.1:${port}`, NUMBERS, 'rolling', file, protocol, '20000'], { stdio: ['pipe', 'pipe', 'pipe'] });
    return new Member(name, file, proc);
  };

  test('every record consumed once, the group type flips as on Kafka 4.4', { timeout: 1_200_000 }, async (t) => {
    compile();
    const dir = mkdtempSync(join(tmpdir(), 'wharf-migration-out-'));
    try {
      const broker = await startTestBroker({ kafkaPort: 0, fsync: 'never', groupMinSessionTimeout: 1_000, groupInitialRebalanceDelay: 500, groupConsumerSessionTimeout: 6_000, groupConsumerHeartbeatInterval: 500 });
      let wharf: string[];
      try {
        wharf = await rollingUpgrade(t, broker.ports.kafka, starter(join(dir, 'wharf'), broker.ports.kafka));
      } finally {
        await broker.close();
      }
      const kafka = await startKafka();
      let reference: string[];
      try {
        reference = await rollingUpgrade(t, kafka.port, starter(join(dir, 'kafka'), kafka.port));
      } finally {
        await kafka.close();
      }
      assert.deepEqual(wharf, reference, 'the group type at each step, as on Kafka 4.4');
      assert.deepEqual(wharf.map((x) => x.split(': ')[1]), ['classic', 'consumer', 'consumer', 'consumer', 'consumer', 'consumer', 'consumer', 'classic']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  after(() => {
    if (classes) rmSync(classes, { recursive: true, force: true });
  });
});
