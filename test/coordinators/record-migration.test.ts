// The one-time migration of `__consumer_offsets` and `__transaction_state` from Wharf's JSON
// records (what brokers before the Kafka record schemas wrote: the coordinators without a record
// codec still write exactly that) to Kafka's schemas. A broker started with the codecs on such
// a data directory has every offset, classic group, transactional offset and transaction intact,
// and no JSON record stays live. A crash between two migration batches (the append fails, as a
// kill -9 would leave it) loses nothing: the next start finishes the rewrite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestLog, silentLogger, tempDir } from '../storage/helpers.js';
import { startCoordinators, type Coordinators } from '../../src/core/coordinators/index.js';
import { InternalTopic } from '../../src/core/coordinators/internal-topic.js';
import { decodeRecords, forEachBatch, batchIsControl } from '../../src/core/records/batch.js';
import { consumerOffsetsCodec, transactionStateCodec } from '../../src/kafka/coordinator-records.js';
import type { Log } from '../../src/core/log/index.js';

const quiet = { groups: { offsetsRetentionCheckIntervalMs: 0, initialRebalanceDelayMs: 0 }, transactions: { abortTimedOutIntervalMs: 0 } };
const withCodecs = (log: Log) => startCoordinators({ log, logger: silentLogger, ...quiet, recordCodecs: { consumerOffsets: consumerOffsetsCodec, transactionState: transactionStateCodec } });

/** The newest record of each key (as compaction would keep it), key bytes as latin1. */
async function liveKeys(log: Log, topic: string): Promise<Map<string, Buffer | null>> {
  const p = log.partition(topic, 0);
  const r = await p.read(p.logStartOffset, 64 << 20, { maxOffset: p.highWatermark });
  const out = new Map<string, Buffer | null>();
  for (const chunk of r.chunks) {
    forEachBatch(chunk, (pos, size) => {
      const b = chunk.subarray(pos, pos + size);
      if (batchIsControl(b)) return;
      for (const rec of decodeRecords(b)) if (rec.key) out.set(rec.key.toString('latin1'), rec.value);
    });
  }
  return out;
}

const liveJson = (m: Map<string, Buffer | null>) => [...m].filter(([k, v]) => k.startsWith('[') && v !== null).length;

/** What the coordinators hold, in a comparable form. */
function state(c: Coordinators) {
  const gc = c.groups;
  return {
    // Kafka's schema has no null metadata; the Kafka front-end stores null as '' (as Kafka).
    offsets: ['g1', 'g2', 'cg'].map((g) => [g, gc.offsets.all(g).map((o) => [o.topic, o.partition, o.offset, o.leaderEpoch, o.metadata ?? '', o.expireTimestamp, o.commitTimestamp])]),
    pending: gc.offsets.pendingProducers().map((pid) => gc.offsets.pendingOf(pid).map((x) => [x.group, x.offsets.map((o) => [o.topic, o.partition, o.offset])])),
    classic: gc.inspect('cg'),
    kip848: c.consumerGroups.describe('k848'),
    tx1: c.transactions.describe('tx1'),
    tx2: c.transactions.describe('tx2'),
    list: c.transactions.list().sort((a, b) => (a.transactionalId < b.transactionalId ? -1 : 1)),
  };
}

test("JSON coordinator records are rewritten in Kafka's schemas on start; a crash between batches is safe", { timeout: 120_000 }, async () => {
  const { dir, cleanup } = tempDir('wharf-migrate-');
  let log = await openTestLog(dir);
  try {
    // 1. Today's JSON records, made by the coordinators without a codec.
    let c = await startCoordinators({ log, logger: silentLogger, ...quiet });
    await log.createTopic('t', { partitions: 3 });
    const commit = (groupId: string, partition: number, offset: number, metadata: string | null) =>
      c.groups.commitOffsets({ groupId, memberId: '', groupInstanceId: null, generationIdOrMemberEpoch: -1, apiVersion: 8, offsets: [{ topic: 't', partition, offset, leaderEpoch: 3, metadata }] });
    for (let p = 0; p < 3; p++) assert.equal((await commit('g1', p, 10 + p, p === 0 ? 'meta' : null))[0]!.error, null);
    assert.equal((await commit('g1', 2, 20, null))[0]!.error, null); // overwritten: only the newest counts
    // A classic group with a member, as the coordinator stores it.
    const joined = await c.groups.joinGroup({ groupId: 'cg', memberId: '', groupInstanceId: null, clientId: 'cli', clientHost: '/127.0.0.1', sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 40_000, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.from([0, 1, 2]) }], requireKnownMemberId: false });
    assert.equal(joined.error, null);
    const sync = await c.groups.syncGroup({ groupId: 'cg', memberId: joined.memberId, groupInstanceId: null, generationId: joined.generationId, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId: joined.memberId, assignment: Buffer.from([9, 9]) }] });
    assert.equal(sync.error, null);
    assert.equal((await c.groups.commitOffsets({ groupId: 'cg', memberId: joined.memberId, groupInstanceId: null, generationIdOrMemberEpoch: joined.generationId, apiVersion: 8, offsets: [{ topic: 't', partition: 1, offset: 5, leaderEpoch: -1, metadata: '' }] }))[0]!.error, null);
    // A committed transaction with offsets, and one still open with pending offsets.
    const t1 = await c.transactions.initProducerId('tx1', 60_000);
    assert.equal(await c.transactions.addPartitions('tx1', t1.producerId, t1.producerEpoch, [{ topic: 't', partition: 0 }]), null);
    assert.equal(await c.transactions.addOffsets('tx1', t1.producerId, t1.producerEpoch, 'g2'), null);
    await c.groups.commitTxnOffsets({ transactionalId: 'tx1', groupId: 'g2', producerId: t1.producerId, producerEpoch: t1.producerEpoch, memberId: '', groupInstanceId: null, generationId: -1, offsets: [{ topic: 't', partition: 0, offset: 77, leaderEpoch: -1, metadata: null }] });
    assert.equal(await c.transactions.endTxn('tx1', t1.producerId, t1.producerEpoch, true), null);
    const t2 = await c.transactions.initProducerId('tx2', 50_000);
    assert.equal(await c.transactions.addOffsets('tx2', t2.producerId, t2.producerEpoch, 'g2'), null);
    await c.groups.commitTxnOffsets({ transactionalId: 'tx2', groupId: 'g2', producerId: t2.producerId, producerEpoch: t2.producerEpoch, memberId: '', groupInstanceId: null, generationId: -1, offsets: [{ topic: 't', partition: 1, offset: 88, leaderEpoch: -1, metadata: null }] });
    // A KIP-848 group with one member.
    const k = await c.consumerGroups.heartbeat({ groupId: 'k848', memberId: 'M', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 10_000, subscribedTopicNames: ['t'], subscribedTopicRegex: null, serverAssignor: 'range', ownedPartitions: new Map(), clientId: 'c', clientHost: '/127.0.0.1' });
    assert.equal(k.error, null);
    const before = state(c);
    assert.equal(before.kip848.members.length, 1);
    assert.equal(before.classic?.members.length, 1);
    assert.equal(before.tx2.state, 'Ongoing');
    c.close();
    await log.close();

    log = await openTestLog(dir);
    const jsonOffsets = liveJson(await liveKeys(log, '__consumer_offsets'));
    assert.equal(jsonOffsets, 9, '3 offsets of g1, 1 of cg, 1 of g2 (committed in tx1), the pending one of tx2, the classic group, the KIP-848 group and member');
    assert.ok(liveJson(await liveKeys(log, '__transaction_state')) >= 2);

    // 2. A crash in the middle of the migration: one record per batch, the third append fails.
    let appends = 0;
    const crashing = new Proxy(log, {
      get(target, prop, receiver) {
        if (prop !== 'partition') return Reflect.get(target, prop, receiver) as unknown;
        return (topic: string, index: number) => {
          const part = target.partition(topic, index);
          return new Proxy(part, {
            get(pt, pp, pr) {
              if (pp !== 'append') return Reflect.get(pt, pp, pr) as unknown;
              return (batch: Buffer) => (++appends > 2 ? Promise.reject(new Error('killed')) : pt.append(batch));
            },
          });
        };
      },
    });
    const topic = await InternalTopic.open(crashing, '__consumer_offsets', silentLogger, consumerOffsetsCodec, 1);
    await assert.rejects(topic.replay(() => {}), /killed/);
    assert.equal(appends, 3);
    const half = await liveKeys(log, '__consumer_offsets');
    assert.equal(liveJson(half), jsonOffsets - 2, 'two records rewritten before the crash');
    await log.close();

    // 3. The next start finishes the migration; the state is what it was.
    log = await openTestLog(dir);
    c = await withCodecs(log);
    assert.deepEqual(state(c), before);
    c.close();
    assert.equal(liveJson(await liveKeys(log, '__consumer_offsets')), 0);
    assert.equal(liveJson(await liveKeys(log, '__transaction_state')), 0);
    const live = [...(await liveKeys(log, '__consumer_offsets'))].filter(([, v]) => v !== null);
    // Kafka's record types: offsets (1), the classic group (2), the KIP-848 group (3, 6) and its
    // member (5, 7, 8); the pending transactional offsets in Wharf's private form (0x7fff).
    const types = new Set(live.map(([k]) => Buffer.from(k, 'latin1').readInt16BE(0)));
    assert.deepEqual([...types].sort((a, b) => a - b), [1, 2, 3, 5, 6, 7, 8, 0x7fff]);
    await log.close();

    // 4. A start on migrated records migrates nothing and reads the same state.
    log = await openTestLog(dir);
    const end = log.partition('__consumer_offsets', 0).highWatermark;
    c = await withCodecs(log);
    assert.deepEqual(state(c), before);
    assert.equal(log.partition('__consumer_offsets', 0).highWatermark, end, 'nothing appended');
    c.close();
  } finally {
    await log.close();
    cleanup();
  }
});
