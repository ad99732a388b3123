// KIP-1071 streams groups without the wire: the sticky task assignor (balance, stickiness,
// standby replicas on other processes, warm-up tasks that hold a stateful task where it is until
// the new owner caught up), and the group's state in __consumer_offsets surviving a restart of
// the coordinators (epochs, topology, members and their tasks; a member carries on with its epoch).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestLog, silentLogger, tempDir } from '../storage/helpers.js';
import { startCoordinators, type Coordinators } from '../../src/core/coordinators/index.js';
import { assignStreamsTasks, emptyTasks, taskKey, type AssignorMember, type TaskAssignment, type TaskMap } from '../../src/core/coordinators/streams-assignor.js';
import type { StreamsHeartbeatRequest } from '../../src/core/coordinators/streams-group.js';
import type { StreamsTopology } from '../../src/core/coordinators/streams-topology.js';
import type { Log } from '../../src/core/log/index.js';

const flat = (m: TaskMap | undefined): string[] => (m ? [...m].flatMap(([s, ps]) => [...ps].map((p) => `${s}_${p}`)).sort() : []);
const tasks = (...ids: string[]): TaskMap => {
  const m: TaskMap = new Map();
  for (const id of ids) {
    const [s, p] = id.split('_');
    if (!m.has(s!)) m.set(s!, new Set());
    m.get(s!)!.add(Number(p));
  }
  return m;
};
const member = (memberId: string, processId: string, previous: Partial<TaskAssignment> = {}, lags: Array<[string, number]> = []): AssignorMember => ({
  memberId,
  processId,
  previous: { ...emptyTasks(), ...previous },
  lags: new Map(lags),
});
const OPTS = { numStandbyReplicas: 0, maxWarmupReplicas: 0, acceptableRecoveryLag: 100 };
/** Subtopology 0 stateless, 1 stateful, 4 tasks each. */
const TASKS = new Map([['0', 4], ['1', 4]]);
const STATEFUL = new Set(['1']);

test('assignor: balanced, each subtopology spread, sticky when a member joins', () => {
  const one = assignStreamsTasks([member('a', 'pa')], TASKS, STATEFUL, OPTS);
  assert.deepEqual(flat(one.get('a')!.active), ['0_0', '0_1', '0_2', '0_3', '1_0', '1_1', '1_2', '1_3']);
  const two = assignStreamsTasks([member('a', 'pa', { active: one.get('a')!.active }), member('b', 'pb')], TASKS, STATEFUL, OPTS);
  const a = flat(two.get('a')!.active);
  const b = flat(two.get('b')!.active);
  assert.equal(a.length, 4);
  assert.equal(b.length, 4);
  assert.deepEqual([...a, ...b].sort(), flat(one.get('a')!.active), 'every task once');
  for (const s of ['0', '1']) assert.equal(a.filter((x) => x.startsWith(`${s}_`)).length, 2, `subtopology ${s} spread`);
  // A third member takes from both, and the first two keep what they can.
  const three = assignStreamsTasks([member('a', 'pa', { active: two.get('a')!.active }), member('b', 'pb', { active: two.get('b')!.active }), member('c', 'pc')], TASKS, STATEFUL, OPTS);
  const sizes = ['a', 'b', 'c'].map((id) => flat(three.get(id)!.active).length);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `balanced: ${sizes}`);
  assert.ok(flat(three.get('a')!.active).every((x) => a.includes(x)), 'a only lost tasks');
  assert.ok(flat(three.get('b')!.active).every((x) => b.includes(x)), 'b only lost tasks');
});

test('assignor: standby replicas of stateful tasks, never on the active task\'s process, previous holders first', () => {
  const o = { ...OPTS, numStandbyReplicas: 1 };
  // a1 and a2 are two threads of one process: a standby of a task active on a1 may not go to a2.
  const r = assignStreamsTasks([member('a1', 'pa'), member('a2', 'pa'), member('b', 'pb')], TASKS, STATEFUL, o);
  const processOf = (id: string) => (id === 'b' ? 'pb' : 'pa');
  const ids = ['a1', 'a2', 'b'];
  for (let p = 0; p < 4; p++) {
    const active = ids.filter((id) => r.get(id)!.active.get('1')?.has(p));
    const standby = ids.filter((id) => r.get(id)!.standby.get('1')?.has(p));
    assert.equal(active.length, 1, `1_${p} active once`);
    assert.equal(standby.length, 1, `1_${p} has one standby`);
    assert.notEqual(processOf(standby[0]!), processOf(active[0]!), `1_${p}: standby on another process than the active`);
  }
  assert.ok(ids.every((id) => r.get(id)!.standby.get('0') === undefined), 'no standbys of the stateless subtopology');
  // With three processes the previous standby holder keeps its standby.
  const prev = assignStreamsTasks([member('a', 'pa', { active: tasks('1_0', '1_1', '1_2', '1_3') }), member('b', 'pb', { standby: tasks('1_2') }), member('c', 'pc')], new Map([['1', 4]]), STATEFUL, o);
  const holderOf2 = ['a', 'b', 'c'].filter((id) => prev.get(id)!.standby.get('1')?.has(2));
  const activeOf2 = ['a', 'b', 'c'].find((id) => prev.get(id)!.active.get('1')?.has(2));
  if (activeOf2 !== 'b') assert.deepEqual(holderOf2, ['b'], 'b kept its standby of 1_2');
  // And an active task moving prefers the member whose process kept its state as a standby.
  const move = assignStreamsTasks([member('a', 'pa', { active: tasks('1_0', '1_1', '1_2', '1_3') }), member('b', 'pb', { standby: tasks('1_3') }), member('c', 'pc')], new Map([['1', 4]]), STATEFUL, o);
  assert.ok(move.get('b')!.active.get('1')?.has(3), `1_3 moved to b, which had it as a standby: ${flat(move.get('b')!.active)}`);
});

test('assignor: warm-up tasks keep a stateful task active where it was until the new owner caught up', () => {
  const o = { ...OPTS, maxWarmupReplicas: 4, acceptableRecoveryLag: 100 };
  const prevA = { active: tasks('0_0', '0_1', '0_2', '0_3', '1_0', '1_1', '1_2', '1_3') };
  // b is new and its lags are unknown: the stateless tasks move at once, the stateful ones warm up.
  const r = assignStreamsTasks([member('a', 'pa', prevA), member('b', 'pb')], TASKS, STATEFUL, o);
  const bActive = flat(r.get('b')!.active);
  const bWarm = flat(r.get('b')!.warmup);
  assert.equal(bActive.filter((x) => x.startsWith('0_')).length, 2, `two stateless tasks moved: ${bActive}`);
  assert.deepEqual(bActive.filter((x) => x.startsWith('1_')), [], 'no stateful task moved before b caught up');
  assert.equal(bWarm.length, 2, `b warms two stateful tasks up: ${bWarm}`);
  assert.ok(bWarm.every((x) => flat(r.get('a')!.active).includes(x)), 'they stay active on a meanwhile');
  // b reports them caught up (lag within acceptable.recovery.lag): they move.
  const lags = bWarm.map((x): [string, number] => [taskKey(x.split('_')[0]!, Number(x.split('_')[1])), 10]);
  const r2 = assignStreamsTasks([member('a', 'pa', r.get('a')!), member('b', 'pb', r.get('b')!, lags)], TASKS, STATEFUL, o);
  assert.deepEqual(flat(r2.get('b')!.active).filter((x) => x.startsWith('1_')), bWarm, 'the caught-up tasks are active on b now');
  assert.deepEqual(flat(r2.get('b')!.warmup), []);
  // The limit: at most maxWarmupReplicas warm-ups at once; past it tasks move without one.
  const limited = assignStreamsTasks([member('a', 'pa', prevA), member('b', 'pb')], TASKS, STATEFUL, { ...o, maxWarmupReplicas: 1 });
  assert.equal(flat(limited.get('b')!.warmup).length, 1);
  assert.equal(flat(limited.get('b')!.active).filter((x) => x.startsWith('1_')).length, 1);
});

const TOPOLOGY: StreamsTopology = {
  epoch: 3,
  subtopologies: [
    { subtopologyId: '0', sourceTopics: ['in'], sourceTopicRegex: [], stateChangelogTopics: [], repartitionSinkTopics: ['app-r-repartition'], repartitionSourceTopics: [], copartitionGroups: [] },
    {
      subtopologyId: '1',
      sourceTopics: [],
      sourceTopicRegex: [],
      stateChangelogTopics: [{ name: 'app-s-changelog', partitions: 0, replicationFactor: 0, configs: [['cleanup.policy', 'compact']] }],
      repartitionSinkTopics: [],
      repartitionSourceTopics: [{ name: 'app-r-repartition', partitions: 0, replicationFactor: 0, configs: [['cleanup.policy', 'delete']] }],
      copartitionGroups: [],
    },
  ],
};

function hb(over: Partial<StreamsHeartbeatRequest>): StreamsHeartbeatRequest {
  return {
    groupId: 'app',
    memberId: 'm1',
    memberEpoch: 0,
    endpointInformationEpoch: 0,
    instanceId: null,
    rackId: null,
    rebalanceTimeoutMs: 10_000,
    topology: null,
    activeTasks: null,
    standbyTasks: null,
    warmupTasks: null,
    processId: 'p1',
    userEndpoint: null,
    clientTags: null,
    taskOffsets: null,
    taskEndOffsets: null,
    shutdownApplication: false,
    clientId: 'c',
    clientHost: '/127.0.0.1',
    ...over,
  };
}

const join = (memberId: string, processId: string) =>
  hb({ memberId, processId, topology: TOPOLOGY, activeTasks: new Map(), standbyTasks: new Map(), warmupTasks: new Map() });
const owning = (memberId: string, memberEpoch: number, active: TaskMap) => hb({ memberId, memberEpoch, processId: null, rebalanceTimeoutMs: -1, activeTasks: active, standbyTasks: new Map(), warmupTasks: new Map() });

test('group state in __consumer_offsets: epochs, topology, members and tasks survive a restart', async () => {
  const { dir, cleanup } = tempDir('wharf-sg-');
  const open = async (): Promise<{ c: Coordinators; log: Log }> => {
    const log = await openTestLog(dir);
    const c = await startCoordinators({ log, logger: silentLogger, groups: { consumerSessionTimeoutMs: 60_000, consumerHeartbeatIntervalMs: 100, initialRebalanceDelayMs: 0, offsetsRetentionCheckIntervalMs: 0 }, transactions: { abortTimedOutIntervalMs: 0 } });
    return { c, log };
  };
  let { c, log } = await open();
  try {
    await log.createTopic('in', { partitions: 2 });
    const sg = c.streamsGroups;
    // The first join finds the internal topics missing; they are created, and the next heartbeat assigns.
    const first = await sg.heartbeat(join('m1', 'p1'));
    assert.equal(first.error, null);
    assert.deepEqual(first.topicsToCreate.map((t) => `${t.name}:${t.partitions}`).sort(), ['app-r-repartition:2', 'app-s-changelog:2']);
    await sg.createInternalTopics(first.topicsToCreate);
    let a = await sg.heartbeat(owning('m1', first.memberEpoch, new Map()));
    assert.deepEqual(flat(a.assignment?.active), ['0_0', '0_1', '1_0', '1_1']);
    a = await sg.heartbeat(owning('m1', a.memberEpoch, a.assignment!.active));
    // A second member: m1 gives up half, then m2 gets it.
    let b = await sg.heartbeat(join('m2', 'p2'));
    const aRevoke = await sg.heartbeat(owning('m1', a.memberEpoch, tasks('0_0', '0_1', '1_0', '1_1')));
    const m1Tasks = aRevoke.assignment!.active;
    assert.equal(flat(m1Tasks).length, 2);
    const a2 = await sg.heartbeat(owning('m1', aRevoke.memberEpoch, m1Tasks));
    b = await sg.heartbeat(owning('m2', b.memberEpoch, new Map()));
    const m2Tasks = b.assignment!.active;
    assert.deepEqual([...flat(m1Tasks), ...flat(m2Tasks)].sort(), ['0_0', '0_1', '1_0', '1_1'], 'm2 got what m1 gave up');
    b = await sg.heartbeat(owning('m2', b.memberEpoch, m2Tasks));
    const before = sg.describe('app');
    assert.equal(before.state, 'Stable', JSON.stringify(before, (_k, v: unknown) => (v instanceof Map ? [...v].map(([k, x]) => [k, [...(x as Set<number>)]]) : v)));
    assert.equal(before.members.length, 2);

    // Restart: the coordinators are rebuilt from the log alone.
    c.close();
    await log.close();
    ({ c, log } = await open());
    const after = c.streamsGroups.describe('app');
    assert.equal(after.error, null);
    assert.equal(after.epoch, before.epoch);
    assert.equal(after.assignmentEpoch, before.assignmentEpoch);
    assert.equal(after.state, before.state);
    assert.equal(after.topology?.epoch, 3);
    assert.deepEqual(after.topology?.subtopologies?.map((s) => s.subtopologyId), ['0', '1']);
    const show = (d: typeof before) => d.members.map((m) => `${m.memberId}@${m.memberEpoch}/${m.processId}:${flat(m.assignment.active)}|${flat(m.target.active)}`).sort();
    assert.deepEqual(show(after), show(before));
    assert.ok(c.groups.listGroups([], ['streams']).some((g) => g.groupId === 'app'), 'listed as a streams group');
    // Both members carry on with their epochs: no fencing, no change of tasks.
    const a3 = await c.streamsGroups.heartbeat(owning('m1', a2.memberEpoch, m1Tasks));
    assert.equal(a3.error, null);
    assert.equal(a3.memberEpoch, a2.memberEpoch);
    const b3 = await c.streamsGroups.heartbeat(owning('m2', b.memberEpoch, m2Tasks));
    assert.equal(b3.error, null);
    assert.equal(b3.memberEpoch, b.memberEpoch);
    assert.equal(c.streamsGroups.describe('app').state, 'Stable');
  } finally {
    c.close();
    await log.close();
    cleanup();
  }
});
