// Share groups (KIP-932) without the wire: the simple assignor, acquisition with delivery
// counts, the delivery count limit (archived after the last delivery), lock expiry making
// records available again, the in-flight bound, and the share-partition state restored from
// __share_group_state by a new coordinator on the same log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestLog, silentLogger, tempDir } from '../storage/helpers.js';
import { startCoordinators } from '../../src/core/coordinators/index.js';
import { assignShare } from '../../src/core/coordinators/share-group.js';
import { RecordState } from '../../src/core/coordinators/share-partition.js';
import { buildRecordBatch } from '../../src/core/records/batch.js';

const flat = (a: Map<string, Set<number>> | undefined): string[] => [...(a ?? new Map<string, Set<number>>())].flatMap(([t, ps]) => [...ps].map((p) => `${t}-${p}`)).sort();

test('simple assignor: partitions spread over members; with more members than partitions they are shared', () => {
  const few = assignShare([{ memberId: 'a', topics: new Set(['t']) }, { memberId: 'b', topics: new Set(['t']) }], new Map([['t', 4]]));
  assert.deepEqual([flat(few.get('a')), flat(few.get('b'))], [['t-0', 't-2'], ['t-1', 't-3']]);
  const many = assignShare(['a', 'b', 'c'].map((memberId) => ({ memberId, topics: new Set(['t']) })), new Map([['t', 2]]));
  assert.deepEqual(['a', 'b', 'c'].map((m) => flat(many.get(m)).length), [1, 1, 1]);
  assert.deepEqual([...new Set(['a', 'b', 'c'].flatMap((m) => flat(many.get(m))))].sort(), ['t-0', 't-1'], 'every partition has a member');
});

test('delivery count limit, lock expiry, in-flight bound, and the state after a restart', async () => {
  const { dir, cleanup } = tempDir('wharf-sg-');
  const config = { recordLockDurationMs: 300, deliveryCountLimit: 2, maxRecordLocks: 100 };
  try {
    let log = await openTestLog(dir);
    let c = await startCoordinators({ log, logger: silentLogger, shareGroups: config, groups: { offsetsRetentionCheckIntervalMs: 0 }, transactions: { abortTimedOutIntervalMs: 0 } });
    await log.createTopic('q', { partitions: 1 });
    await log.partition('q', 0).append(buildRecordBatch({ records: Array.from({ length: 150 }, (_, i) => ({ value: String(i) })) }));
    const sg = c.shareGroups;
    assert.equal(await sg.alterConfigs('g', { 'share.auto.offset.reset': 'earliest' }, false), null);
    const hb = await sg.heartbeat({ groupId: 'g', memberId: 'm', memberEpoch: 0, rackId: null, subscribedTopicNames: ['q'], clientId: 'c', clientHost: 'h' });
    assert.equal(hb.error, null);
    assert.deepEqual(flat(hb.assignment ?? undefined), ['q-0']);
    const ref = { topic: 'q', partition: 0 };
    // One batch of 150, but at most 100 records in flight.
    const a1 = await sg.acquire('g', 'm', ref, 500, 1 << 20);
    assert.deepEqual(a1.acquired, [{ firstOffset: 0, lastOffset: 99, deliveryCount: 1 }]);
    assert.equal((await sg.acquire('g', 'm', ref, 500, 1 << 20)).acquired.length, 0, 'the bound holds');
    // Accept 0-49, release 50-99: they come back with delivery count 2.
    assert.deepEqual(await sg.acknowledge('g', 'm', [{ ref, batches: [{ firstOffset: 0, lastOffset: 49, types: [1] }, { firstOffset: 50, lastOffset: 99, types: [2] }] }]), [{ error: null, message: null }]);
    assert.equal(sg.inspect('g', 'q', 0)!.startOffset, 50);
    const a2 = await sg.acquire('g', 'm', ref, 500, 1 << 20);
    assert.deepEqual(a2.acquired, [{ firstOffset: 50, lastOffset: 99, deliveryCount: 2 }, { firstOffset: 100, lastOffset: 149, deliveryCount: 1 }]);
    // Let every lock expire: 50-99 were delivered twice (the limit) and are archived; 100-149 are available again.
    await new Promise((r) => setTimeout(r, 600));
    const sp = sg.inspect('g', 'q', 0)!;
    assert.equal(sp.startOffset, 100, 'the archived records are done');
    assert.deepEqual(sp.stateOf(120), { state: RecordState.AVAILABLE, deliveryCount: 1 });
    // An acknowledgement of a record the member no longer holds fails.
    assert.equal((await sg.acknowledge('g', 'm', [{ ref, batches: [{ firstOffset: 120, lastOffset: 120, types: [1] }] }]))[0]!.error, 'INVALID_RECORD_STATE');
    const a3 = await sg.acquire('g', 'm', ref, 10, 1 << 20);
    assert.deepEqual(a3.acquired, [{ firstOffset: 100, lastOffset: 149, deliveryCount: 2 }], 'a batch is acquired whole');
    assert.equal((await sg.acknowledge('g', 'm', [{ ref, batches: [{ firstOffset: 100, lastOffset: 109, types: [1] }, { firstOffset: 110, lastOffset: 110, types: [3] }] }]))[0]!.error, null);
    c.close();
    await log.close();
    // A new coordinator on the same log: the acknowledged and rejected records stay done, the
    // acquired ones are available again with their delivery count.
    log = await openTestLog(dir);
    c = await startCoordinators({ log, logger: silentLogger, shareGroups: config, groups: { offsetsRetentionCheckIntervalMs: 0 }, transactions: { abortTimedOutIntervalMs: 0 } });
    const back = c.shareGroups.inspect('g', 'q', 0)!;
    assert.equal(back.startOffset, 111);
    assert.deepEqual(back.stateOf(111), { state: RecordState.AVAILABLE, deliveryCount: 2 });
    assert.equal(c.shareGroups.describeConfigs('g').find((x) => x.name === 'share.auto.offset.reset')!.value, 'earliest');
    c.close();
    await log.close();
  } finally {
    cleanup();
  }
});
