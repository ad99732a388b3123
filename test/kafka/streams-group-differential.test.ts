// Differential test of the streams group protocol (KIP-1071): the same raw StreamsGroupHeartbeat
// and StreamsGroupDescribe requests against Apache Kafka 4.4 (a single KRaft node; its
// group.coordinator.rebalance.protocols, deprecated, defaults to classic,consumer,streams in 4.4
// and a new 4.4 cluster finalizes streams.version 1, so nothing needs enabling: the setting is
// spelled out for readers) and Wharf, comparing what the Kafka Streams client relies on: the
// request checks and their texts, the settings each answer carries (heartbeat interval,
// acceptable recovery lag, task offset interval; none in a leave's), the topology's statuses
// (missing source topics, missing internal topics that the broker then creates with the
// topology's configs and partition counts, stale topology epochs), the tasks handed out and the
// reconciliation of a second member (revoke first, then assign), fencing by epoch, leaving, and
// how ListGroups, DescribeGroups, ConsumerGroupDescribe and StreamsGroupDescribe show the group.
// Member ids are the client's own; epochs and task lists are compared exactly.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBroker } from '../support/broker.js';
import { startKafka, type RunningKafka } from '../support/kafka.js';
import { peerSkip } from '../support/peers.js';
import type { Broker } from '../../src/index.js';
import type { StreamsGroupHeartbeatRequest, StreamsGroupHeartbeatRequestTopology, StreamsGroupHeartbeatResponse } from '../../src/kafka/protocol/messages/streams-group-heartbeat.js';
import { RawKafka } from './support/raw-kafka.js';

const ZERO = 'AAAAAAAAAAAAAAAAAAAAAA';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Out = Record<string, unknown>;

const json = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x));

function compare(expected: Out, actual: Out): string[] {
  const diffs: string[] = [];
  for (const key of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
    const k = json(expected[key]);
    const w = json(actual[key]);
    if (k !== w) diffs.push(`${key}:\n  kafka: ${k}\n  wharf: ${w}`);
  }
  return diffs;
}

/** A word-count-like topology: subtopology 0 reads `source` and writes a repartition topic, 1 counts into a store. */
function topology(prefix: string, source: string, epoch = 0): StreamsGroupHeartbeatRequestTopology {
  return {
    epoch,
    subtopologies: [
      { subtopologyId: '0', sourceTopics: [source], sourceTopicRegex: [], stateChangelogTopics: [], repartitionSinkTopics: [`${prefix}-counts-repartition`], repartitionSourceTopics: [], copartitionGroups: [] },
      {
        subtopologyId: '1',
        sourceTopics: [],
        sourceTopicRegex: [],
        stateChangelogTopics: [{ name: `${prefix}-counts-changelog`, partitions: 0, replicationFactor: 0, topicConfigs: [{ key: 'cleanup.policy', value: 'compact' }] }],
        repartitionSinkTopics: [],
        repartitionSourceTopics: [{ name: `${prefix}-counts-repartition`, partitions: 0, replicationFactor: 0, topicConfigs: [{ key: 'cleanup.policy', value: 'delete' }] }],
        copartitionGroups: [],
      },
    ],
  };
}

function hb(over: Partial<StreamsGroupHeartbeatRequest>): StreamsGroupHeartbeatRequest {
  return {
    groupId: 'g',
    memberId: 'm1',
    memberEpoch: 0,
    endpointInformationEpoch: 0,
    instanceId: null,
    rackId: null,
    rebalanceTimeoutMs: 30_000,
    topology: null,
    activeTasks: [],
    standbyTasks: [],
    warmupTasks: [],
    processId: 'p1',
    userEndpoint: null,
    clientTags: null,
    taskOffsets: null,
    taskEndOffsets: null,
    shutdownApplication: false,
    ...over,
  };
}

const tasksOf = (t: StreamsGroupHeartbeatResponse['activeTasks']) => (t === null ? null : [...t].sort((a, b) => (a.subtopologyId < b.subtopologyId ? -1 : 1)).map((x) => `${x.subtopologyId}:${[...x.partitions].sort().join(',')}`));
/** What the client acts on in a response. */
const view = (r: StreamsGroupHeartbeatResponse) => ({
  errorCode: r.errorCode,
  errorMessage: r.errorMessage,
  memberEpoch: r.memberEpoch,
  heartbeatIntervalMs: r.heartbeatIntervalMs,
  acceptableRecoveryLag: [r.acceptableRecoveryLagLegacy, r.acceptableRecoveryLag ?? null],
  taskOffsetIntervalMs: r.taskOffsetIntervalMs,
  status: (r.status ?? []).map((s) => `${s.statusCode}: ${s.statusDetail}`),
  active: tasksOf(r.activeTasks),
  standby: tasksOf(r.standbyTasks),
  warmup: tasksOf(r.warmupTasks),
});

async function createTopic(c: RawKafka, name: string, partitions: number): Promise<void> {
  const r = await c.send(19, 7, { topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });
  assert.equal(r.topics[0]!.errorCode, 0, `create ${name}`);
  for (let i = 0; i < 100; i++) {
    const md = await c.send(3, 12, { topics: [{ topicId: ZERO, name }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    if (md.topics[0]!.errorCode === 0 && md.topics[0]!.partitions.every((p) => p.leaderId >= 0)) return;
    await sleep(100);
  }
}

async function topicState(c: RawKafka, name: string): Promise<{ partitions: number; cleanup: string | null } | null> {
  const md = await c.send(3, 12, { topics: [{ topicId: ZERO, name }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
  if (md.topics[0]!.errorCode !== 0) return null;
  const cfg = await c.send(32, 4, { resources: [{ resourceType: 2, resourceName: name, configurationKeys: ['cleanup.policy'] }], includeSynonyms: false, includeDocumentation: false });
  return { partitions: md.topics[0]!.partitions.length, cleanup: cfg.results[0]!.configs.find((x) => x.name === 'cleanup.policy')?.value ?? null };
}

/**
 * Heartbeats until `done` holds for the response (the broker creates topics and assigns
 * asynchronously), each time with the member epoch of the last answer.
 */
async function until(c: RawKafka, req: StreamsGroupHeartbeatRequest, done: (r: StreamsGroupHeartbeatResponse) => boolean, tries = 60): Promise<StreamsGroupHeartbeatResponse> {
  let r = await c.send(88, 1, req);
  for (let i = 0; i < tries && !done(r); i++) {
    await sleep(250);
    r = await c.send(88, 1, { ...req, topology: null, memberEpoch: r.errorCode === 0 ? r.memberEpoch : req.memberEpoch });
  }
  return r;
}

/** Kafka loads its group coordinator on first use (FindCoordinator creates __consumer_offsets). */
async function coordinatorReady(c: RawKafka): Promise<void> {
  for (let i = 0; i < 150; i++) {
    const g = await c.send(10, 4, { keyType: 0, coordinatorKeys: ['g'] });
    if (g.coordinators![0]!.errorCode === 0) {
      const d = await c.send(89, 0, { groupIds: ['g'], includeAuthorizedOperations: false });
      if (d.groups[0]!.errorCode !== 16 && d.groups[0]!.errorCode !== 14) return;
    }
    await sleep(200);
  }
  throw new Error('the group coordinator never became available');
}

describe('differential: streams group protocol (KIP-1071), Kafka 4.4 vs Wharf', { skip: peerSkip('kafka') }, () => {
  let kafka: RunningKafka;
  let wharf: Broker;
  let kc: RawKafka;
  let wc: RawKafka;

  before(async () => {
    [kafka, wharf] = await Promise.all([
      startKafka(['group.coordinator.rebalance.protocols=classic,consumer,streams', 'group.streams.initial.rebalance.delay.ms=0', 'group.streams.assignment.interval.ms=0', 'group.streams.min.assignment.interval.ms=0', 'auto.create.topics.enable=false']),
      startTestBroker({ kafkaPort: 0, autoCreateTopics: false, fsync: 'never', groupInitialRebalanceDelay: 0 }),
    ]);
    [kc, wc] = await Promise.all([RawKafka.connect(kafka.host, kafka.port), RawKafka.connect('127.0.0.1', wharf.ports.kafka)]);
    await Promise.all([coordinatorReady(kc), coordinatorReady(wc)]);
  });

  after(async () => {
    kc?.close();
    wc?.close();
    await Promise.allSettled([kafka?.close(), wharf?.close()]);
  });

  const scenario = (name: string, run: (c: RawKafka) => Promise<Out>, timeout = 120_000) =>
    test(name, { timeout }, async () => {
      const k = await run(kc);
      const w = await run(wc);
      const diffs = compare(k, w);
      assert.ok(Object.keys(k).length > 0);
      assert.deepEqual(diffs, [], diffs.join('\n'));
    });

  scenario('request checks and their texts', async (c) => {
    const t = topology('chk', 'chk-in');
    const out: Out = {};
    const cases: Array<[string, Partial<StreamsGroupHeartbeatRequest>]> = [
      ['empty member id', { groupId: 'chk', memberId: '', topology: t }],
      ['empty group id', { groupId: '', topology: t }],
      ['empty instance id', { groupId: 'chk', instanceId: '', topology: t }],
      ['empty rack id', { groupId: 'chk', rackId: '', topology: t }],
      ['join without a rebalance timeout', { groupId: 'chk', rebalanceTimeoutMs: -1, topology: t }],
      ['join without a topology', { groupId: 'chk' }],
      ['join owning tasks', { groupId: 'chk', topology: t, activeTasks: [{ subtopologyId: '0', partitions: [0] }], standbyTasks: [], warmupTasks: [] }],
      ['a topology after joining', { groupId: 'chk', memberEpoch: 3, topology: t }],
      ['an epoch below -2', { groupId: 'chk', memberEpoch: -3 }],
      ['a static leave without instance id', { groupId: 'chk', memberEpoch: -2 }],
      ['one task list of three', { groupId: 'chk', memberEpoch: 1, activeTasks: [], standbyTasks: null, warmupTasks: null }],
      ['unchanged tasks (null lists)', { groupId: 'chk-none', memberEpoch: 1, activeTasks: null, standbyTasks: null, warmupTasks: null }],
      ['a source regex', { groupId: 'chk', topology: { epoch: 0, subtopologies: [{ ...t.subtopologies[0]!, sourceTopicRegex: ['chk-.*'] }] } }],
      ['a changelog with a partition count', { groupId: 'chk', topology: { epoch: 0, subtopologies: [{ ...t.subtopologies[1]!, stateChangelogTopics: [{ name: 'chk-c', partitions: 3, replicationFactor: 0, topicConfigs: [] }] }] } }],
      ['an internal topic', { groupId: 'chk', topology: { epoch: 0, subtopologies: [{ ...t.subtopologies[0]!, sourceTopics: ['__consumer_offsets'] }] } }],
      ['an invalid topic name', { groupId: 'chk', topology: { epoch: 0, subtopologies: [{ ...t.subtopologies[0]!, sourceTopics: ['bad name'] }] } }],
      ['heartbeat of an unknown group', { groupId: 'chk-none', memberEpoch: 1 }],
      ['leave of an unknown group', { groupId: 'chk-none', memberEpoch: -1 }],
    ];
    for (const [what, over] of cases) out[what] = view(await c.send(88, 1, hb(over)));
    return out;
  });

  scenario('missing source topics, then internal topics created by the broker, then tasks', async (c) => {
    const t = topology('wc', 'wc-in');
    const out: Out = {};
    const r0 = await c.send(88, 1, hb({ groupId: 'wc', topology: t }));
    out.missingSource = view(r0);
    out.describeNotReady = (await c.send(89, 0, { groupIds: ['wc'], includeAuthorizedOperations: false })).groups.map((g) => ({ state: g.groupState, epoch: g.groupEpoch, assignmentEpoch: g.assignmentEpoch, members: g.members.length }));
    await createTopic(c, 'wc-in', 2);
    // The source exists now: the internal topics are missing, and the broker creates them.
    // Kafka sees the new topic a moment later: heartbeat until the tasks come, noting the statuses.
    const seen = new Set<string>();
    const ready = await until(c, hb({ groupId: 'wc', memberEpoch: r0.memberEpoch, activeTasks: [], standbyTasks: [], warmupTasks: [] }), (r) => {
      for (const s of r.status ?? []) seen.add(`${s.statusCode}: ${s.statusDetail}`);
      return r.errorCode !== 0 || (r.activeTasks !== null && r.activeTasks.length > 0);
    });
    out.sawMissingInternal = seen.has('3: Internal topics are missing: wc-counts-repartition, wc-counts-changelog') || [...seen];
    out.assigned = view(ready);
    out.repartition = await topicState(c, 'wc-counts-repartition');
    out.changelog = await topicState(c, 'wc-counts-changelog');
    const d = (await c.send(89, 1, { groupIds: ['wc'], includeAuthorizedOperations: false })).groups[0]!;
    out.describe = {
      state: d.groupState,
      epoch: d.groupEpoch,
      assignmentEpoch: d.assignmentEpoch,
      topology: d.topology,
      members: d.members.map((m) => ({ memberId: m.memberId, epoch: m.memberEpoch, processId: m.processId, topologyEpoch: m.topologyEpoch, assignment: m.assignment, target: m.targetAssignment })),
    };
    return out;
  });

  scenario('a second member: the first revokes, then the tasks move; fencing; leaving', async (c) => {
    await createTopic(c, 'rb-in', 4);
    const t = topology('rb', 'rb-in');
    const out: Out = {};
    const r1 = await until(c, hb({ groupId: 'rb', topology: t }), (r) => r.errorCode !== 0 || (r.activeTasks !== null && r.activeTasks.length > 0));
    const e1 = r1.memberEpoch;
    // Epochs relative to the one m1 got all tasks with (how many bumps the topic creation takes is timing).
    const rel = (r: StreamsGroupHeartbeatResponse) => ({ ...view(r), memberEpoch: r.errorCode === 0 && r.memberEpoch >= 0 ? r.memberEpoch - e1 : r.memberEpoch, errorMessage: r.errorMessage?.replace(/\(-?\d+\)/g, '(n)') ?? null });
    out.m1 = { ...view(r1), memberEpoch: 'e1' };
    const all = (r1.activeTasks ?? []).map((x) => ({ subtopologyId: x.subtopologyId, partitions: x.partitions }));
    const j2 = await c.send(88, 1, hb({ groupId: 'rb', memberId: 'm2', processId: 'p2', topology: t }));
    out.m2join = rel(j2);
    // m1 learns it must give some tasks up (its epoch stays until it does).
    const rev = await c.send(88, 1, hb({ groupId: 'rb', memberEpoch: e1, activeTasks: all, standbyTasks: [], warmupTasks: [] }));
    out.m1revoke = rel(rev);
    const kept = (rev.activeTasks ?? all).map((x) => ({ subtopologyId: x.subtopologyId, partitions: x.partitions }));
    const done = await c.send(88, 1, hb({ groupId: 'rb', memberEpoch: rev.memberEpoch, activeTasks: kept, standbyTasks: [], warmupTasks: [] }));
    out.m1revoked = rel(done);
    const m2 = await c.send(88, 1, hb({ groupId: 'rb', memberId: 'm2', processId: 'p2', memberEpoch: j2.memberEpoch, activeTasks: [], standbyTasks: [], warmupTasks: [] }));
    out.m2tasks = rel(m2);
    out.fenced = rel(await c.send(88, 1, hb({ groupId: 'rb', memberEpoch: done.memberEpoch + 5, activeTasks: kept, standbyTasks: [], warmupTasks: [] })));
    out.older = rel(await c.send(88, 1, hb({ groupId: 'rb', memberEpoch: 1, activeTasks: kept, standbyTasks: [], warmupTasks: [] })));
    out.unknownMember = rel(await c.send(88, 1, hb({ groupId: 'rb', memberId: 'm9', memberEpoch: 3 })));
    out.topologyUpdate = rel(await c.send(88, 1, hb({ groupId: 'rb', memberId: 'm4', processId: 'p4', topology: { ...t, epoch: 1 } })));
    out.leave = rel(await c.send(88, 1, hb({ groupId: 'rb', memberId: 'm2', memberEpoch: -1 })));
    // A group whose topology is at epoch 1: a member joining with epoch 0 is told it is stale.
    await c.send(88, 1, hb({ groupId: 'rb-st', topology: { ...t, epoch: 1 } }));
    out.staleTopology = view(await c.send(88, 1, hb({ groupId: 'rb-st', memberId: 'm2', processId: 'p2', topology: t }))).status;
    const d = (await c.send(89, 0, { groupIds: ['rb'], includeAuthorizedOperations: false })).groups[0]!;
    out.describe = { state: d.groupState, members: d.members.map((m) => m.memberId).sort() };
    return out;
  });

  scenario('the group as ListGroups, DescribeGroups, ConsumerGroupDescribe and StreamsGroupDescribe show it', async (c) => {
    await createTopic(c, 'lg-in', 1);
    await until(c, hb({ groupId: 'lg', topology: topology('lg', 'lg-in') }), () => true, 0);
    const out: Out = {};
    const listed = await c.send(16, 5, { statesFilter: [], typesFilter: ['streams'] });
    out.listStreams = listed.groups.filter((g) => g.groupId === 'lg').map((g) => ({ protocolType: g.protocolType, type: g.groupType }));
    out.listConsumer = (await c.send(16, 5, { statesFilter: [], typesFilter: ['consumer'] })).groups.filter((g) => g.groupId === 'lg').length;
    out.describeGroupsV6 = (await c.send(15, 6, { groups: ['lg'], includeAuthorizedOperations: false })).groups.map((g) => ({ errorCode: g.errorCode, errorMessage: g.errorMessage, state: g.groupState }));
    out.describeGroupsV5 = (await c.send(15, 5, { groups: ['lg'], includeAuthorizedOperations: false })).groups.map((g) => ({ errorCode: g.errorCode, state: g.groupState, members: g.members.length }));
    out.consumerGroupDescribe = (await c.send(69, 1, { groupIds: ['lg'], includeAuthorizedOperations: false })).groups.map((g) => ({ errorCode: g.errorCode, errorMessage: g.errorMessage }));
    out.streamsDescribeUnknown = (await c.send(89, 0, { groupIds: ['lg-none'], includeAuthorizedOperations: false })).groups.map((g) => ({ errorCode: g.errorCode, errorMessage: g.errorMessage }));
    // A KIP-848 consumer group of another id: not a streams group, and the streams heartbeat refuses it.
    await c.send(68, 1, { groupId: 'lg-cg', memberId: 'c1', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 30_000, subscribedTopicNames: ['lg-in'], subscribedTopicRegex: null, serverAssignor: null, topicPartitions: [] });
    out.streamsDescribeConsumer = (await c.send(89, 0, { groupIds: ['lg-cg'], includeAuthorizedOperations: false })).groups.map((g) => ({ errorCode: g.errorCode, errorMessage: g.errorMessage }));
    out.heartbeatOnConsumer = view(await c.send(88, 1, hb({ groupId: 'lg-cg', topology: topology('lg', 'lg-in') })));
    out.consumerHeartbeatOnStreams = await c.send(68, 1, { groupId: 'lg', memberId: 'c2', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 30_000, subscribedTopicNames: ['lg-in'], subscribedTopicRegex: null, serverAssignor: null, topicPartitions: [] }).then((r) => ({ errorCode: r.errorCode, errorMessage: r.errorMessage }));
    return out;
  });
});
