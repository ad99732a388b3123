// The classic group coordinator without the wire: joins, syncs, heartbeats, fencing, session and
// rebalance timeouts, static members, offsets and their persistence in __consumer_offsets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestLog, silentLogger, tempDir } from '../storage/helpers.js';
import { waitFor } from '../support/wait.js';
import { GroupCoordinator, type GroupCoordinatorConfig, type JoinGroupRequest } from '../../src/core/coordinators/group-coordinator.js';
import type { Log } from '../../src/core/log/index.js';

const FAST: Partial<GroupCoordinatorConfig> = { minSessionTimeoutMs: 10, initialRebalanceDelayMs: 0, offsetsRetentionCheckIntervalMs: 0 };

async function withCoordinator(fn: (gc: GroupCoordinator, ctx: { log: Log; reopen: () => Promise<GroupCoordinator> }) => Promise<void>, config: Partial<GroupCoordinatorConfig> = {}) {
  const { dir, cleanup } = tempDir('wharf-gc-');
  let log = await openTestLog(dir);
  let gc = await GroupCoordinator.open({ log, logger: silentLogger, config: { ...FAST, ...config } });
  const ctx = {
    get log() {
      return log;
    },
    reopen: async () => {
      gc.close();
      await log.close();
      log = await openTestLog(dir);
      gc = await GroupCoordinator.open({ log, logger: silentLogger, config: { ...FAST, ...config } });
      return gc;
    },
  };
  try {
    await fn(gc, ctx);
  } finally {
    gc.close();
    await log.close();
    cleanup();
  }
}

const proto = (topics: string) => [{ name: 'range', metadata: Buffer.from(topics) }];

function joinReq(over: Partial<JoinGroupRequest> = {}): JoinGroupRequest {
  return {
    groupId: 'g',
    memberId: '',
    groupInstanceId: null,
    clientId: 'c',
    clientHost: '/127.0.0.1',
    sessionTimeoutMs: 1_000,
    rebalanceTimeoutMs: 1_000,
    protocolType: 'consumer',
    protocols: proto('t'),
    requireKnownMemberId: true,
    ...over,
  };
}

/** Two-step join (MEMBER_ID_REQUIRED, then with the id). */
async function join(gc: GroupCoordinator, over: Partial<JoinGroupRequest> = {}) {
  const first = await gc.joinGroup(joinReq(over));
  if (first.error !== 'MEMBER_ID_REQUIRED') return first;
  assert.ok(first.memberId.startsWith(`${over.clientId ?? 'c'}-`));
  return gc.joinGroup(joinReq({ ...over, memberId: first.memberId }));
}

test('single member: MEMBER_ID_REQUIRED, join, sync, heartbeat, commit and fetch', async () => {
  await withCoordinator(async (gc) => {
    const j = await join(gc);
    assert.equal(j.error, null);
    assert.equal(j.generationId, 1);
    assert.equal(j.leader, j.memberId);
    assert.equal(j.protocolName, 'range');
    assert.equal(j.members.length, 1);
    const s = await gc.syncGroup({ groupId: 'g', generationId: 1, memberId: j.memberId, groupInstanceId: null, assignments: [{ memberId: j.memberId, assignment: Buffer.from('A') }] });
    assert.equal(s.error, null);
    assert.equal(s.assignment.toString(), 'A');
    assert.equal(gc.inspect('g')!.state, 'Stable');
    assert.equal(gc.heartbeat('g', j.memberId, null, 1), null);
    assert.equal(gc.heartbeat('g', j.memberId, null, 0), 'ILLEGAL_GENERATION');
    assert.equal(gc.heartbeat('g', 'nobody', null, 1), 'UNKNOWN_MEMBER_ID');
    assert.equal(gc.heartbeat('other', 'nobody', null, 1), 'UNKNOWN_MEMBER_ID');
    const c = await gc.commitOffsets({ groupId: 'g', memberId: j.memberId, groupInstanceId: null, generationIdOrMemberEpoch: 1, apiVersion: 8, offsets: [{ topic: 't', partition: 0, offset: 42, leaderEpoch: 0, metadata: 'm' }] });
    assert.deepEqual(c, [{ topic: 't', partition: 0, error: null }]);
    const stale = await gc.commitOffsets({ groupId: 'g', memberId: j.memberId, groupInstanceId: null, generationIdOrMemberEpoch: 0, apiVersion: 8, offsets: [{ topic: 't', partition: 0, offset: 1, leaderEpoch: 0, metadata: null }] });
    assert.equal(stale[0]!.error, 'ILLEGAL_GENERATION');
    const f = gc.fetchOffsets({ groupId: 'g', partitions: [{ topic: 't', partitions: [0, 1] }], requireStable: false });
    assert.deepEqual(
      f.offsets.map((o) => [o.partition, o.offset, o.metadata]),
      [
        [0, 42, 'm'],
        [1, -1, ''],
      ],
    );
    const d = gc.describeGroup('g');
    assert.equal(d.state, 'Stable');
    assert.equal(d.protocolData, 'range');
    assert.equal(d.members[0]!.assignment.toString(), 'A');
    assert.deepEqual(gc.listGroups().map((x) => [x.groupId, x.state]), [['g', 'Stable']]);
    assert.deepEqual(gc.listGroups(['empty']), []);
    assert.equal(await gc.deleteGroup('g'), 'NON_EMPTY_GROUP');
    const l = gc.leaveGroup('g', [{ memberId: j.memberId, groupInstanceId: null }]);
    assert.deepEqual(l.members.map((m) => m.error), [null]);
    assert.equal(gc.inspect('g')!.state, 'Empty');
    assert.equal(gc.inspect('g')!.generationId, 2);
    assert.equal(await gc.deleteGroup('g'), null);
    assert.equal(gc.describeGroup('g').state, 'Dead');
    assert.equal(await gc.deleteGroup('g'), 'GROUP_ID_NOT_FOUND');
  });
});

test('second member triggers a rebalance; the follower gets its assignment from the leader; leave rebalances', async () => {
  await withCoordinator(async (gc) => {
    const a = await join(gc, { clientId: 'a' });
    await gc.syncGroup({ groupId: 'g', generationId: 1, memberId: a.memberId, groupInstanceId: null, assignments: [{ memberId: a.memberId, assignment: Buffer.from('all') }] });
    // b joins: a's heartbeat now says REBALANCE_IN_PROGRESS; a rejoins.
    const bFirst = await gc.joinGroup(joinReq({ clientId: 'b' }));
    const bJoin = gc.joinGroup(joinReq({ clientId: 'b', memberId: bFirst.memberId }));
    assert.equal(gc.heartbeat('g', a.memberId, null, 1), 'REBALANCE_IN_PROGRESS');
    const aJoin = await gc.joinGroup(joinReq({ clientId: 'a', memberId: a.memberId }));
    const b = await bJoin;
    assert.equal(aJoin.generationId, 2);
    assert.equal(b.generationId, 2);
    assert.equal(aJoin.leader, a.memberId);
    assert.equal(aJoin.members.length, 2);
    assert.equal(b.members.length, 0);
    const bSync = gc.syncGroup({ groupId: 'g', generationId: 2, memberId: b.memberId, groupInstanceId: null, assignments: [] });
    const aSync = await gc.syncGroup({
      groupId: 'g',
      generationId: 2,
      memberId: a.memberId,
      groupInstanceId: null,
      assignments: [
        { memberId: a.memberId, assignment: Buffer.from('p0') },
        { memberId: b.memberId, assignment: Buffer.from('p1') },
      ],
    });
    assert.equal(aSync.assignment.toString(), 'p0');
    assert.equal((await bSync).assignment.toString(), 'p1');
    // Old generation is fenced.
    const old = await gc.syncGroup({ groupId: 'g', generationId: 1, memberId: a.memberId, groupInstanceId: null, assignments: [] });
    assert.equal(old.error, 'ILLEGAL_GENERATION');
    // b leaves; a rejoins alone.
    gc.leaveGroup('g', [{ memberId: b.memberId, groupInstanceId: null }]);
    assert.equal(gc.inspect('g')!.state, 'PreparingRebalance');
    const commitDuring = await gc.commitOffsets({ groupId: 'g', memberId: a.memberId, groupInstanceId: null, generationIdOrMemberEpoch: 2, apiVersion: 8, offsets: [{ topic: 't', partition: 0, offset: 5, leaderEpoch: -1, metadata: null }] });
    assert.equal(commitDuring[0]!.error, null, 'commits during PreparingRebalance are accepted (onPartitionsRevoked)');
    const again = await gc.joinGroup(joinReq({ clientId: 'a', memberId: a.memberId }));
    assert.equal(again.generationId, 3);
    const commitCompleting = await gc.commitOffsets({ groupId: 'g', memberId: a.memberId, groupInstanceId: null, generationIdOrMemberEpoch: 3, apiVersion: 8, offsets: [{ topic: 't', partition: 0, offset: 6, leaderEpoch: -1, metadata: null }] });
    assert.equal(commitCompleting[0]!.error, 'REBALANCE_IN_PROGRESS');
  });
});

test('a member that stops heartbeating is expired after its session timeout and the group rebalances', async () => {
  await withCoordinator(async (gc) => {
    // a's session is long, so that a slow machine cannot expire it too; b's is 150 ms.
    const a = await join(gc, { clientId: 'a', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 2_000 });
    const bFirst = await gc.joinGroup(joinReq({ clientId: 'b', sessionTimeoutMs: 150, rebalanceTimeoutMs: 2_000 }));
    const bJoin = gc.joinGroup(joinReq({ clientId: 'b', memberId: bFirst.memberId, sessionTimeoutMs: 150, rebalanceTimeoutMs: 2_000 }));
    await gc.joinGroup(joinReq({ clientId: 'a', memberId: a.memberId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 2_000 }));
    const b = await bJoin;
    await Promise.all([
      gc.syncGroup({ groupId: 'g', generationId: 2, memberId: a.memberId, groupInstanceId: null, assignments: [] }),
      gc.syncGroup({ groupId: 'g', generationId: 2, memberId: b.memberId, groupInstanceId: null, assignments: [] }),
    ]);
    // Only a heartbeats, until b has been expired.
    await waitFor(
      () => {
        gc.heartbeat('g', a.memberId, null, 2);
        return gc.inspect('g')!.members.length === 1;
      },
      { what: 'b to be expired', timeoutMs: 5_000, intervalMs: 30 },
    );
    const s = gc.inspect('g')!;
    assert.equal(s.state, 'PreparingRebalance');
    assert.deepEqual(s.members, [a.memberId]);
    const r = await gc.joinGroup(joinReq({ clientId: 'a', memberId: a.memberId, sessionTimeoutMs: 10_000 }));
    assert.equal(r.generationId, 3);
    assert.equal(r.members.length, 1);
  });
});

test('a member that does not rejoin within the rebalance timeout is dropped from the next generation', async () => {
  await withCoordinator(async (gc) => {
    const a = await join(gc, { clientId: 'a', rebalanceTimeoutMs: 200, sessionTimeoutMs: 5_000 });
    const bFirst = await gc.joinGroup(joinReq({ clientId: 'b', rebalanceTimeoutMs: 200, sessionTimeoutMs: 5_000 }));
    const bJoin = gc.joinGroup(joinReq({ clientId: 'b', memberId: bFirst.memberId, rebalanceTimeoutMs: 200, sessionTimeoutMs: 5_000 }));
    await gc.joinGroup(joinReq({ clientId: 'a', memberId: a.memberId, rebalanceTimeoutMs: 200, sessionTimeoutMs: 5_000 }));
    const b = await bJoin;
    await Promise.all([
      gc.syncGroup({ groupId: 'g', generationId: 2, memberId: a.memberId, groupInstanceId: null, assignments: [] }),
      gc.syncGroup({ groupId: 'g', generationId: 2, memberId: b.memberId, groupInstanceId: null, assignments: [] }),
    ]);
    // A third member joins; b is stuck (past max.poll.interval.ms) and never rejoins.
    const started = Date.now();
    const cFirst = await gc.joinGroup(joinReq({ clientId: 'c', rebalanceTimeoutMs: 200 }));
    const cJoin = gc.joinGroup(joinReq({ clientId: 'c', memberId: cFirst.memberId, rebalanceTimeoutMs: 200 }));
    const aJoin = await gc.joinGroup(joinReq({ clientId: 'a', memberId: a.memberId, rebalanceTimeoutMs: 200, sessionTimeoutMs: 5_000 }));
    await cJoin;
    assert.ok(Date.now() - started >= 150, 'the rebalance waited for b');
    assert.equal(aJoin.generationId, 3);
    assert.deepEqual(new Set(aJoin.members.map((m) => m.memberId)), new Set([a.memberId, cFirst.memberId]));
    // b comes back with its old generation and is told so.
    assert.equal(gc.heartbeat('g', b.memberId, null, 2), 'UNKNOWN_MEMBER_ID');
    const late = await gc.commitOffsets({ groupId: 'g', memberId: b.memberId, groupInstanceId: null, generationIdOrMemberEpoch: 2, apiVersion: 8, offsets: [{ topic: 't', partition: 1, offset: 9, leaderEpoch: -1, metadata: null }] });
    assert.equal(late[0]!.error, 'UNKNOWN_MEMBER_ID');
  });
});

test('members that do not send SyncGroup within the rebalance timeout are removed', async () => {
  await withCoordinator(async (gc) => {
    // A session far longer than the wait: only the rebalance timeout can remove the member.
    const a = await join(gc, { clientId: 'a', rebalanceTimeoutMs: 150, sessionTimeoutMs: 30_000 });
    assert.equal(gc.inspect('g')!.state, 'CompletingRebalance');
    await waitFor(() => gc.inspect('g')!.state !== 'CompletingRebalance', { what: 'the sync to time out', timeoutMs: 5_000 });
    assert.equal(gc.inspect('g')!.state, 'Empty');
    assert.equal((await gc.syncGroup({ groupId: 'g', generationId: 1, memberId: a.memberId, groupInstanceId: null, assignments: [] })).error, 'UNKNOWN_MEMBER_ID');
  });
});

test('static membership: a restarted instance takes over without a rebalance; the old id is fenced', async () => {
  await withCoordinator(async (gc) => {
    const a1 = await gc.joinGroup(joinReq({ groupInstanceId: 'i-1' }));
    assert.equal(a1.error, null, 'static members get their id at once');
    await gc.syncGroup({ groupId: 'g', generationId: 1, memberId: a1.memberId, groupInstanceId: 'i-1', assignments: [{ memberId: a1.memberId, assignment: Buffer.from('x') }] });
    const a2 = await gc.joinGroup(joinReq({ groupInstanceId: 'i-1' }));
    assert.equal(a2.error, null);
    assert.notEqual(a2.memberId, a1.memberId);
    assert.equal(a2.generationId, 1, 'no new generation');
    assert.equal(a2.skipAssignment, true);
    assert.equal(gc.inspect('g')!.state, 'Stable');
    const s = await gc.syncGroup({ groupId: 'g', generationId: 1, memberId: a2.memberId, groupInstanceId: 'i-1', assignments: [] });
    assert.equal(s.assignment.toString(), 'x');
    assert.equal(gc.heartbeat('g', a1.memberId, 'i-1', 1), 'FENCED_INSTANCE_ID');
    const c = await gc.commitOffsets({ groupId: 'g', memberId: a1.memberId, groupInstanceId: 'i-1', generationIdOrMemberEpoch: 1, apiVersion: 8, offsets: [{ topic: 't', partition: 0, offset: 1, leaderEpoch: -1, metadata: null }] });
    assert.equal(c[0]!.error, 'FENCED_INSTANCE_ID');
    const l = gc.leaveGroup('g', [{ memberId: a1.memberId, groupInstanceId: 'i-1' }]);
    assert.equal(l.members[0]!.error, 'FENCED_INSTANCE_ID');
    // Admin removal by instance id only.
    const l2 = gc.leaveGroup('g', [{ memberId: '', groupInstanceId: 'i-1' }]);
    assert.equal(l2.members[0]!.error, null);
    assert.equal(gc.inspect('g')!.state, 'Empty');
  });
});

test('protocol checks, session timeout bounds, simple groups and OffsetDelete', async () => {
  await withCoordinator(async (gc) => {
    assert.equal((await gc.joinGroup(joinReq({ sessionTimeoutMs: 5 }))).error, 'INVALID_SESSION_TIMEOUT');
    assert.equal((await gc.joinGroup(joinReq({ groupId: '' }))).error, 'INVALID_GROUP_ID');
    assert.equal((await gc.joinGroup(joinReq({ memberId: 'ghost' }))).error, 'UNKNOWN_MEMBER_ID');
    await join(gc);
    assert.equal((await gc.joinGroup(joinReq({ protocolType: 'connect' }))).error, 'INCONSISTENT_GROUP_PROTOCOL');
    assert.equal((await gc.joinGroup(joinReq({ protocols: [{ name: 'other', metadata: Buffer.alloc(0) }] }))).error, 'INCONSISTENT_GROUP_PROTOCOL');
    // Simple group: commits without a generation while empty.
    const simple = await gc.commitOffsets({ groupId: 's', memberId: '', groupInstanceId: null, generationIdOrMemberEpoch: -1, apiVersion: 8, offsets: [{ topic: 't', partition: 0, offset: 3, leaderEpoch: -1, metadata: null }] });
    assert.equal(simple[0]!.error, null);
    const busy = await gc.commitOffsets({ groupId: 'g', memberId: '', groupInstanceId: null, generationIdOrMemberEpoch: -1, apiVersion: 8, offsets: [{ topic: 't', partition: 0, offset: 3, leaderEpoch: -1, metadata: null }] });
    assert.equal(busy[0]!.error, 'UNKNOWN_MEMBER_ID');
    const nogroup = await gc.commitOffsets({ groupId: 'x', memberId: 'm', groupInstanceId: null, generationIdOrMemberEpoch: 1, apiVersion: 9, offsets: [{ topic: 't', partition: 0, offset: 3, leaderEpoch: -1, metadata: null }] });
    assert.equal(nogroup[0]!.error, 'GROUP_ID_NOT_FOUND');
    const nogroup8 = await gc.commitOffsets({ groupId: 'x', memberId: 'm', groupInstanceId: null, generationIdOrMemberEpoch: 1, apiVersion: 8, offsets: [{ topic: 't', partition: 0, offset: 3, leaderEpoch: -1, metadata: null }] });
    assert.equal(nogroup8[0]!.error, 'ILLEGAL_GENERATION');
    const big = await gc.commitOffsets({ groupId: 's', memberId: '', groupInstanceId: null, generationIdOrMemberEpoch: -1, apiVersion: 8, offsets: [{ topic: 't', partition: 1, offset: 3, leaderEpoch: -1, metadata: 'x'.repeat(5000) }] });
    assert.equal(big[0]!.error, 'OFFSET_METADATA_TOO_LARGE');
    const del = await gc.deleteOffsets('s', [{ topic: 't', partition: 0 }]);
    assert.deepEqual(del.partitions.map((p) => p.error), [null]);
    assert.equal(gc.fetchOffsets({ groupId: 's', partitions: null, requireStable: false }).offsets.length, 0);
    assert.equal((await gc.deleteOffsets('nope', [{ topic: 't', partition: 0 }])).error, 'GROUP_ID_NOT_FOUND');
  });
});

test('group subscriptions: OffsetDelete refuses subscribed topics', async () => {
  await withCoordinator(async (gc) => {
    gc.setSubscriptionDecoder((_type, _name, metadata) => metadata.toString().split(','));
    const j = await join(gc, { protocols: proto('orders,payments') });
    await gc.syncGroup({ groupId: 'g', generationId: 1, memberId: j.memberId, groupInstanceId: null, assignments: [] });
    await gc.commitOffsets({ groupId: 'g', memberId: j.memberId, groupInstanceId: null, generationIdOrMemberEpoch: 1, apiVersion: 8, offsets: [{ topic: 'orders', partition: 0, offset: 1, leaderEpoch: -1, metadata: null }, { topic: 'old', partition: 0, offset: 1, leaderEpoch: -1, metadata: null }] });
    const r = await gc.deleteOffsets('g', [{ topic: 'orders', partition: 0 }, { topic: 'old', partition: 0 }]);
    assert.deepEqual(r.partitions.map((p) => p.error), ['GROUP_SUBSCRIBED_TO_TOPIC', null]);
  });
});

test('offsets, groups and pending transactional offsets survive a restart', async () => {
  await withCoordinator(async (gc0, ctx) => {
    let gc = gc0;
    const j = await join(gc, { sessionTimeoutMs: 200 });
    await gc.syncGroup({ groupId: 'g', generationId: 1, memberId: j.memberId, groupInstanceId: null, assignments: [{ memberId: j.memberId, assignment: Buffer.from('asg') }] });
    await gc.commitOffsets({ groupId: 'g', memberId: j.memberId, groupInstanceId: null, generationIdOrMemberEpoch: 1, apiVersion: 8, offsets: [{ topic: 't', partition: 0, offset: 10, leaderEpoch: 0, metadata: 'a' }] });
    await gc.commitOffsets({ groupId: 'g', memberId: j.memberId, groupInstanceId: null, generationIdOrMemberEpoch: 1, apiVersion: 8, offsets: [{ topic: 't', partition: 0, offset: 11, leaderEpoch: 0, metadata: 'b' }] });
    await gc.commitTxnOffsets({ transactionalId: 'tx', groupId: 'g', producerId: 7, producerEpoch: 0, memberId: j.memberId, groupInstanceId: null, generationId: 1, offsets: [{ topic: 't', partition: 1, offset: 99, leaderEpoch: 0, metadata: null }] });
    await gc.commitTxnOffsets({ transactionalId: 'tx2', groupId: 'g', producerId: 8, producerEpoch: 0, memberId: j.memberId, groupInstanceId: null, generationId: 1, offsets: [{ topic: 't', partition: 2, offset: 5, leaderEpoch: 0, metadata: null }] });
    const f = gc.fetchOffsets({ groupId: 'g', partitions: [{ topic: 't', partitions: [1] }], requireStable: true });
    assert.equal(f.offsets[0]!.error, 'UNSTABLE_OFFSET_COMMIT');
    await gc.completeTransaction(8, false);
    gc = await ctx.reopen();
    const st = gc.inspect('g')!;
    assert.equal(st.state, 'Stable');
    assert.equal(st.generationId, 1);
    assert.equal(gc.describeGroup('g').members[0]!.assignment.toString(), 'asg');
    const f2 = gc.fetchOffsets({ groupId: 'g', partitions: null, requireStable: false });
    assert.deepEqual(f2.offsets.map((o) => [o.partition, o.offset, o.metadata]), [[0, 11, 'b']]);
    assert.deepEqual(gc.pendingTransactionalProducers(), [7]);
    await gc.completeTransaction(7, true);
    assert.equal(gc.fetchOffsets({ groupId: 'g', partitions: [{ topic: 't', partitions: [1, 2] }], requireStable: true }).offsets.map((o) => o.offset).join(), '99,-1');
    // The member restored from the log expires if it does not come back.
    await waitFor(() => gc.inspect('g')!.state !== 'Stable', { what: 'the restored member to expire', timeoutMs: 5_000 });
    assert.equal(gc.inspect('g')!.state, 'Empty');
    gc = await ctx.reopen();
    assert.equal(gc.inspect('g')!.state, 'Empty');
    assert.equal(gc.fetchOffsets({ groupId: 'g', partitions: [{ topic: 't', partitions: [1] }], requireStable: true }).offsets[0]!.offset, 99);
    // Expiration of offsets of an empty group.
    assert.equal(await gc.expireOffsets(Date.now() + 8 * 24 * 3_600_000), 2);
    gc = await ctx.reopen();
    assert.equal(gc.fetchOffsets({ groupId: 'g', partitions: null, requireStable: false }).offsets.length, 0);
  });
});

test('initial rebalance delay gathers members that join together', async () => {
  await withCoordinator(
    async (gc) => {
      const ids = await Promise.all(['a', 'b', 'c'].map((c) => gc.joinGroup(joinReq({ clientId: c, requireKnownMemberId: false, rebalanceTimeoutMs: 2_000 }))));
      assert.deepEqual(new Set(ids.map((r) => r.generationId)), new Set([1]));
      assert.equal(ids.filter((r) => r.members.length === 3).length, 1, 'one leader sees all three');
    },
    { initialRebalanceDelayMs: 100 },
  );
});
