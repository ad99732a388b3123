// Compaction of `__consumer_offsets` in Kafka's record schemas: Kafka splits a KIP-848 member
// into several records (internal-topic.ts merges them on replay), each
// under its own key with a whole value of its own, so compaction, which keeps only the newest
// record of each key, keeps a whole state even when the parts were written at different times.
// Many changes of a group's members (joins, revocations, a member leaving), the topic
// compacted for real (small segments, no compaction lag, tombstones dropped at once), then the
// coordinators rebuilt from what compaction left hold the same groups.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestLog, silentLogger, tempDir } from '../storage/helpers.js';
import { startCoordinators, type Coordinators } from '../../src/core/coordinators/index.js';
import { consumerOffsetsCodec, transactionStateCodec } from '../../src/kafka/coordinator-records.js';
import { INTERNAL_TOPIC_CONFIGS } from '../../src/core/coordinators/internal-topic.js';
import type { Log } from '../../src/core/log/index.js';

const open = (log: Log) =>
  startCoordinators({ log, logger: silentLogger, groups: { offsetsRetentionCheckIntervalMs: 0, initialRebalanceDelayMs: 0, consumerSessionTimeoutMs: 60_000 }, transactions: { abortTimedOutIntervalMs: 0 }, recordCodecs: { consumerOffsets: consumerOffsetsCodec, transactionState: transactionStateCodec } });

const replacer = (_k: string, v: unknown): unknown => (v instanceof Map ? [...v].map(([k, x]) => [k, x instanceof Set ? [...x].sort() : x]) : v instanceof Set ? [...v].sort() : v);
const state = (c: Coordinators) => JSON.parse(JSON.stringify(c.consumerGroups.describe('k'), replacer)) as { members: Array<{ memberId: string; memberEpoch: number }> };

async function records(log: Log): Promise<number> {
  const p = log.partition('__consumer_offsets', 0);
  let n = 0;
  const r = await p.read(p.logStartOffset, 64 << 20, { maxOffset: p.highWatermark });
  for (const chunk of r.chunks) n += chunk.length;
  return n;
}

test("a compacted __consumer_offsets keeps every KIP-848 member whole: each of Kafka's records of a member carries a complete value", { timeout: 120_000 }, async () => {
  const { dir, cleanup } = tempDir('wharf-compact-records-');
  let log = await openTestLog(dir);
  try {
    // The topic as the coordinators create it, with small segments (sealed ones are what the
    // cleaner rewrites), no compaction lag and tombstones dropped at once.
    await log.createTopic('__consumer_offsets', { partitions: 1, configs: { ...INTERNAL_TOPIC_CONFIGS, 'segment.bytes': '1024', 'min.compaction.lag.ms': '0', 'min.cleanable.dirty.ratio': '0.01', 'delete.retention.ms': '0' } });
    let c = await open(log);
    await log.createTopic('t', { partitions: 6 });
    const req = (memberId: string, memberEpoch: number, owned: Map<string, Set<number>>, topics = ['t']) => ({ groupId: 'k', memberId, memberEpoch, instanceId: null, rackId: null, rebalanceTimeoutMs: 10_000, subscribedTopicNames: topics, subscribedTopicRegex: null, serverAssignor: 'uniform', ownedPartitions: owned, clientId: memberId, clientHost: '/127.0.0.1' });
    // Members come and go; each heartbeat reports what it owns, so revocations and epochs move.
    const epochs = new Map<string, number>();
    const owned = new Map<string, Map<string, Set<number>>>();
    const beat = async (m: string) => {
      const r = await c.consumerGroups.heartbeat(req(m, epochs.get(m) ?? 0, owned.get(m) ?? new Map()));
      assert.equal(r.error, null, `${m}: ${r.error}`);
      epochs.set(m, r.memberEpoch);
      if (r.assignment) owned.set(m, r.assignment);
    };
    for (let round = 0; round < 40; round++) for (const m of round < 10 ? ['A'] : round < 25 ? ['A', 'B', 'C'] : ['A', 'C']) await beat(m);
    // B leaves (epoch -1): its records are deleted.
    assert.equal((await c.consumerGroups.heartbeat(req('B', -1, new Map()))).error, null);
    for (let round = 0; round < 10; round++) for (const m of ['A', 'C']) await beat(m);
    const before = state(c);
    assert.deepEqual(before.members.map((m) => m.memberId).sort(), ['A', 'C']);
    c.close();

    // A few more records after a restart, then compaction.
    c = await open(log);
    for (let round = 0; round < 5; round++) for (const m of ['A', 'C']) await beat(m);
    const expected = state(c);
    c.close();
    const bytes = await records(log);
    await log.runMaintenance(Date.now() + 60_000);
    const after = await records(log);
    assert.ok(after < bytes / 2, `compaction removed too little: ${after} of ${bytes} bytes`);
    await log.close();

    log = await openTestLog(dir);
    c = await open(log);
    assert.deepEqual(state(c), expected);
    // The members go on at their epochs.
    for (const m of ['A', 'C']) await beat(m);
    c.close();
  } finally {
    await log.close();
    cleanup();
  }
});
