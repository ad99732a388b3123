// KIP-848 consumer groups without the wire: the assignors, incremental reconciliation (revoke
// before assign, epochs), fencing, leaving, offsets by member epoch, persistence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestLog, silentLogger, tempDir } from '../storage/helpers.js';
import { startCoordinators, type Coordinators } from '../../src/core/coordinators/index.js';
import { assign, type Assignment, type HeartbeatRequest } from '../../src/core/coordinators/consumer-group.js';
import type { Log } from '../../src/core/log/index.js';

const flat = (a: Assignment | null | undefined): string[] =>
  a === null || a === undefined
    ? []
    : [...a].flatMap(([t, ps]) => [...ps].map((p) => `${t}-${p}`)).sort();

test('assignors: uniform balances and sticks, range gives contiguous ranges', () => {
  const parts = new Map([['a', 6], ['b', 3]]);
  const members = [
    { memberId: 'm1', topics: new Set(['a', 'b']) },
    { memberId: 'm2', topics: new Set(['a', 'b']) },
    { memberId: 'm3', topics: new Set(['a']) },
  ];
  const u = assign('uniform', members, parts, new Map());
  const counts = [...u.values()].map((a) => flat(a).length);
  assert.equal(counts.reduce((x, y) => x + y), 9);
  assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `balanced: ${counts}`);
  assert.ok(flat(u.get('m3')).every((p) => p.startsWith('a-')), 'm3 only gets topics it subscribes to');
  // Sticky: adding a member moves only what it needs.
  const u2 = assign('uniform', [...members, { memberId: 'm4', topics: new Set(['a', 'b']) }], parts, u);
  let moved = 0;
  for (const m of ['m1', 'm2', 'm3']) moved += flat(u.get(m)).filter((p) => !flat(u2.get(m)).includes(p)).length;
  assert.ok(moved <= 3, `moved ${moved}`);
  const r = assign('range', members.slice(0, 2), new Map([['a', 5]]), new Map());
  assert.deepEqual(flat(r.get('m1')), ['a-0', 'a-1', 'a-2']);
  assert.deepEqual(flat(r.get('m2')), ['a-3', 'a-4']);
});

async function withGroups(fn: (c: Coordinators, log: Log) => Promise<void>): Promise<void> {
  const { dir, cleanup } = tempDir('wharf-cg-');
  const log = await openTestLog(dir);
  const c = await startCoordinators({ log, logger: silentLogger, groups: { consumerSessionTimeoutMs: 5_000, consumerHeartbeatIntervalMs: 100, offsetsRetentionCheckIntervalMs: 0 }, transactions: { abortTimedOutIntervalMs: 0 } });
  try {
    await fn(c, log);
  } finally {
    c.close();
    await log.close();
    cleanup();
  }
}

function hb(over: Partial<HeartbeatRequest>): HeartbeatRequest {
  return {
    groupId: 'g',
    memberId: '',
    memberEpoch: 0,
    instanceId: null,
    rackId: null,
    rebalanceTimeoutMs: 10_000,
    subscribedTopicNames: ['t'],
    subscribedTopicRegex: null,
    serverAssignor: null,
    ownedPartitions: new Map(),
    clientId: 'c',
    clientHost: '/127.0.0.1',
    ...over,
  };
}

test('reconciliation: a second member gets partitions only after the first revoked them; fencing and leaving', async () => {
  await withGroups(async (c, log) => {
    await log.createTopic('t', { partitions: 4 });
    const cg = c.consumerGroups;
    const a = await cg.heartbeat(hb({ memberId: 'A' }));
    assert.equal(a.error, null);
    assert.equal(a.memberEpoch, 1);
    assert.deepEqual(flat(a.assignment), ['t-0', 't-1', 't-2', 't-3']);
    const b = await cg.heartbeat(hb({ memberId: 'B' }));
    assert.equal(b.memberEpoch, 2);
    assert.deepEqual(flat(b.assignment), [], 'B waits: A still owns everything');
    // A heartbeats: it is told to keep only its target (revocation), epoch unchanged.
    const a2 = await cg.heartbeat(hb({ memberId: 'A', memberEpoch: 1, subscribedTopicNames: null, rebalanceTimeoutMs: -1, ownedPartitions: null }));
    assert.equal(a2.memberEpoch, 1);
    assert.equal(flat(a2.assignment).length, 2);
    // A reports the revocation done: it moves to epoch 2.
    const owned: Assignment = new Map([['t', new Set(flat(a2.assignment).map((p) => Number(p.split('-')[1])))]]);
    const a3 = await cg.heartbeat(hb({ memberId: 'A', memberEpoch: 1, subscribedTopicNames: null, rebalanceTimeoutMs: -1, ownedPartitions: owned }));
    assert.equal(a3.memberEpoch, 2);
    const b2 = await cg.heartbeat(hb({ memberId: 'B', memberEpoch: 2, subscribedTopicNames: null, rebalanceTimeoutMs: -1, ownedPartitions: null }));
    assert.equal(flat(b2.assignment).length, 2);
    assert.deepEqual([...flat(b2.assignment), ...owned.get('t')!.values()].length, 4);
    assert.equal(cg.describe('g').state, 'Stable');
    // Fencing.
    assert.equal((await cg.heartbeat(hb({ memberId: 'A', memberEpoch: 7, subscribedTopicNames: null, ownedPartitions: null }))).error, 'FENCED_MEMBER_EPOCH');
    assert.equal((await cg.heartbeat(hb({ memberId: 'Z', memberEpoch: 3, subscribedTopicNames: null, ownedPartitions: null }))).error, 'UNKNOWN_MEMBER_ID');
    assert.equal((await cg.heartbeat(hb({ memberId: 'Q', serverAssignor: 'sticky' }))).error, 'UNSUPPORTED_ASSIGNOR');
    // Offsets by member epoch.
    const ok = await c.groups.commitOffsets({ groupId: 'g', memberId: 'B', groupInstanceId: null, generationIdOrMemberEpoch: 2, apiVersion: 9, offsets: [{ topic: 't', partition: 0, offset: 1, leaderEpoch: -1, metadata: null }] });
    assert.equal(ok[0]!.error, null);
    const stale = await c.groups.commitOffsets({ groupId: 'g', memberId: 'B', groupInstanceId: null, generationIdOrMemberEpoch: 1, apiVersion: 9, offsets: [{ topic: 't', partition: 0, offset: 1, leaderEpoch: -1, metadata: null }] });
    assert.equal(stale[0]!.error, 'STALE_MEMBER_EPOCH');
    assert.deepEqual(c.groups.listGroups().map((g) => [g.groupId, g.type, g.state]), [['g', 'consumer', 'Stable']]);
    // B leaves: A gets everything back at a new epoch.
    const left = await cg.heartbeat(hb({ memberId: 'B', memberEpoch: -1, subscribedTopicNames: null, ownedPartitions: null }));
    assert.equal(left.memberEpoch, -1);
    const a4 = await cg.heartbeat(hb({ memberId: 'A', memberEpoch: 2, subscribedTopicNames: null, rebalanceTimeoutMs: -1, ownedPartitions: null }));
    assert.equal(a4.memberEpoch, 3);
    assert.deepEqual(flat(a4.assignment), ['t-0', 't-1', 't-2', 't-3']);
    assert.equal(await c.groups.deleteGroup('g'), 'NON_EMPTY_GROUP');
  });
});

test('new partitions of a subscribed topic are assigned on the next heartbeat', async () => {
  await withGroups(async (c, log) => {
    await log.createTopic('t', { partitions: 1 });
    const a = await c.consumerGroups.heartbeat(hb({ memberId: 'A' }));
    assert.deepEqual(flat(a.assignment), ['t-0']);
    await log.createPartitions('t', 3);
    const a2 = await c.consumerGroups.heartbeat(hb({ memberId: 'A', memberEpoch: 1, subscribedTopicNames: null, rebalanceTimeoutMs: -1, ownedPartitions: null }));
    assert.equal(a2.memberEpoch, 2);
    assert.deepEqual(flat(a2.assignment), ['t-0', 't-1', 't-2']);
  });
});
