// The migration of the coordinator records that brokers before Kafka's member, assignment and
// streams records kept in Wharf's private form (int16 0x7fff + JSON tuple) in
// `__consumer_offsets`: a KIP-848 group with members (its assignment epoch in type 3's Wharf
// tag, as those brokers wrote it) and a streams group with its topology and members. A broker
// started on such a data directory rewrites them as Kafka's records (types 5-8, 17-23), has the
// same groups, and a start after that appends nothing. The old form is made by the coordinators
// with a codec that maps only what those brokers mapped. And `__share_group_state` in Wharf's
// JSON (with the share group's own record there, where those brokers kept it): rewritten as
// Kafka's ShareSnapshot records, the group's epoch moved to `__consumer_offsets`
// (ShareGroupMetadata).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestLog, silentLogger, tempDir } from '../storage/helpers.js';
import { startCoordinators, type Coordinators } from '../../src/core/coordinators/index.js';
import { InternalTopic, type InternalRecordCodec } from '../../src/core/coordinators/internal-topic.js';
import { decodeRecords, forEachBatch, batchIsControl } from '../../src/core/records/batch.js';
import { consumerOffsetsCodec, transactionStateCodec } from '../../src/kafka/coordinator-records.js';
import { shareGroupStateCodec } from '../../src/kafka/share-state-records.js';
import { buildRecordBatch } from '../../src/core/records/batch.js';
import { oldConsumerOffsetsCodec } from '../kafka/support/old-coordinator-records.js';
import type { StreamsHeartbeatRequest } from '../../src/core/coordinators/streams-group.js';
import type { Log } from '../../src/core/log/index.js';

const quiet = { groups: { offsetsRetentionCheckIntervalMs: 0, initialRebalanceDelayMs: 0, consumerSessionTimeoutMs: 60_000 }, transactions: { abortTimedOutIntervalMs: 0 } };

/** What brokers before this change wrote. */
const before = oldConsumerOffsetsCodec;

const start = (log: Log, codec: InternalRecordCodec) => startCoordinators({ log, logger: silentLogger, ...quiet, recordCodecs: { consumerOffsets: codec, transactionState: transactionStateCodec } });

/** Record types of the newest live record of each key ('[': a JSON record). */
async function liveTypes(log: Log, topic = '__consumer_offsets'): Promise<Map<number | '[', number>> {
  const p = log.partition(topic, 0);
  const r = await p.read(p.logStartOffset, 64 << 20, { maxOffset: p.highWatermark });
  const latest = new Map<string, boolean>();
  for (const chunk of r.chunks) {
    forEachBatch(chunk, (pos, size) => {
      const b = chunk.subarray(pos, pos + size);
      if (batchIsControl(b)) return;
      for (const rec of decodeRecords(b)) if (rec.key) latest.set(rec.key.toString('latin1'), rec.value !== null);
    });
  }
  const out = new Map<number | '[', number>();
  for (const [k, live] of latest) {
    if (!live) continue;
    const type = k.startsWith('[') ? '[' : Buffer.from(k, 'latin1').readInt16BE(0);
    out.set(type, (out.get(type) ?? 0) + 1);
  }
  return out;
}

const TOPOLOGY = {
  epoch: 1,
  subtopologies: [{ subtopologyId: '0', sourceTopics: ['in'], sourceTopicRegex: [], stateChangelogTopics: [{ name: 'app-s-changelog', partitions: 0, replicationFactor: 0, configs: [['cleanup.policy', 'compact']] as Array<[string, string]> }], repartitionSinkTopics: [], repartitionSourceTopics: [], copartitionGroups: [] }],
};
const hb = (over: Partial<StreamsHeartbeatRequest>): StreamsHeartbeatRequest => ({
  groupId: 'app',
  memberId: 's1',
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
  userEndpoint: { host: 'h', port: 9 },
  clientTags: [['zone', 'a']],
  taskOffsets: null,
  taskEndOffsets: null,
  shutdownApplication: false,
  clientId: 'c',
  clientHost: '/127.0.0.1',
  ...over,
});

const replacer = (_k: string, v: unknown): unknown => (v instanceof Map ? [...v].map(([k, x]) => [k, x instanceof Set ? [...x].sort() : x]) : v instanceof Set ? [...v].sort() : v);
/**
 * What the coordinators hold of the two groups, comparable. The streams topology's described
 * partition counts come from its configuration against the log, done again on the next
 * heartbeat after a restart (as without records in Kafka's schema): its stored form is compared.
 */
const state = (c: Coordinators) => {
  const streams = c.streamsGroups.describe('app');
  const topology = streams.topology ? { epoch: streams.topology.epoch, ids: streams.topology.subtopologies?.map((x) => x.subtopologyId) } : null;
  return JSON.parse(JSON.stringify({ consumer: c.consumerGroups.describe('k848'), streams: { ...streams, topology } }, replacer)) as unknown;
};

test("KIP-848 members and streams groups in Wharf's private form are rewritten as Kafka's records on start", { timeout: 120_000 }, async () => {
  const { dir, cleanup } = tempDir('wharf-migrate-private-');
  let log = await openTestLog(dir);
  try {
    let c = await start(log, before);
    await log.createTopic('t', { partitions: 4 });
    await log.createTopic('in', { partitions: 2 });
    // A KIP-848 group: two members, the second makes the first give partitions up.
    const req = (memberId: string, memberEpoch: number, owned: Map<string, Set<number>>) => ({ groupId: 'k848', memberId, memberEpoch, instanceId: null, rackId: null, rebalanceTimeoutMs: 10_000, subscribedTopicNames: ['t'], subscribedTopicRegex: null, serverAssignor: 'range', ownedPartitions: owned, clientId: 'c', clientHost: '/127.0.0.1' });
    const a = await c.consumerGroups.heartbeat(req('A', 0, new Map()));
    assert.equal(a.error, null);
    const b = await c.consumerGroups.heartbeat(req('B', 0, new Map()));
    assert.equal(b.error, null);
    // A streams group with its topology and a member that owns its tasks.
    const first = await c.streamsGroups.heartbeat(hb({ topology: TOPOLOGY, activeTasks: new Map(), standbyTasks: new Map(), warmupTasks: new Map() }));
    assert.equal(first.error, null);
    await c.streamsGroups.createInternalTopics(first.topicsToCreate);
    const s = await c.streamsGroups.heartbeat(hb({ memberEpoch: first.memberEpoch, processId: null, activeTasks: new Map(), standbyTasks: new Map(), warmupTasks: new Map() }));
    assert.equal(s.error, null);
    const old = state(c);
    assert.equal((old as { consumer: { members: unknown[] } }).consumer.members.length, 2);
    assert.equal((old as { streams: { members: unknown[] } }).streams.members.length, 1);
    c.close();
    await log.close();

    log = await openTestLog(dir);
    const types = await liveTypes(log);
    assert.equal(types.get(0x7fff), 2 + 3, 'two consumer members, the streams group, topology and member: private');
    assert.deepEqual([...types.keys()].filter((t) => t !== '[' && t >= 4 && t < 0x7fff), [], 'no Kafka member or streams record yet');

    // The broker of this change: the same groups, their records now Kafka's.
    c = await start(log, consumerOffsetsCodec);
    assert.deepEqual(state(c), old);
    c.close();
    const migrated = await liveTypes(log);
    assert.equal(migrated.get(0x7fff), undefined, 'no private record left live');
    for (const [type, n] of [[3, 1], [6, 1], [5, 2], [7, 2], [8, 2], [17, 1], [20, 1], [23, 1], [19, 1], [21, 1], [22, 1]]) assert.equal(migrated.get(type!), n, `records of type ${type}`);
    await log.close();

    // A start on migrated records: the same state, nothing appended.
    log = await openTestLog(dir);
    const end = log.partition('__consumer_offsets', 0).highWatermark;
    c = await start(log, consumerOffsetsCodec);
    assert.deepEqual(state(c), old);
    assert.equal(log.partition('__consumer_offsets', 0).highWatermark, end, 'nothing appended');
    // The groups go on: a heartbeat of the KIP-848 member at its epoch is answered, not fenced.
    const desc = c.consumerGroups.describe('k848');
    const memberA = desc.members.find((m) => m.memberId === 'A')!;
    const again = await c.consumerGroups.heartbeat(req('A', memberA.memberEpoch, new Map()));
    assert.equal(again.error, null);
    c.close();
  } finally {
    await log.close();
    cleanup();
  }
});

test("__share_group_state in Wharf's JSON is rewritten on start: share-partitions as Kafka's ShareSnapshot, the configs private, the group's epoch moved to __consumer_offsets", { timeout: 120_000 }, async () => {
  const { dir, cleanup } = tempDir('wharf-migrate-share-');
  const open = (log: Log, codec: boolean) =>
    startCoordinators({ log, logger: silentLogger, ...quiet, shareGroups: { recordLockDurationMs: 60_000 }, recordCodecs: { consumerOffsets: consumerOffsetsCodec, transactionState: transactionStateCodec, ...(codec ? { shareGroupState: shareGroupStateCodec } : {}) } });
  let log = await openTestLog(dir);
  try {
    let c = await open(log, false);
    await log.createTopic('q', { partitions: 2 });
    for (const p of [0, 1]) await log.partition('q', p).append(buildRecordBatch({ records: Array.from({ length: 20 }, (_, i) => ({ value: String(i) })) }));
    const sg = c.shareGroups;
    assert.equal(await sg.alterConfigs('g', { 'share.auto.offset.reset': 'earliest' }, false), null);
    const hb = await sg.heartbeat({ groupId: 'g', memberId: 'm', memberEpoch: 0, rackId: null, subscribedTopicNames: ['q'], clientId: 'c', clientHost: 'h' });
    assert.equal(hb.error, null);
    for (const partition of [0, 1]) {
      const ref = { topic: 'q', partition };
      const a = await sg.acquire('g', 'm', ref, 500, 1 << 20);
      assert.equal(a.acquired.length, 1);
      // Accept the first 5, release the next 5 (delivered once), reject 10-11; the rest stays acquired (not stored).
      const acks = [{ ref, batches: [{ firstOffset: 0, lastOffset: 4, types: [1] }, { firstOffset: 5, lastOffset: 9, types: [2] }, { firstOffset: 10, lastOffset: 11, types: [3] }] }];
      assert.deepEqual(await sg.acknowledge('g', 'm', acks), [{ error: null, message: null }]);
    }
    const snap = (x: typeof c) => [0, 1].map((p) => {
      const sp = x.shareGroups.inspect('g', 'q', p)!;
      return { start: sp.startOffset, epoch: sp.stateEpoch, batches: sp.snapshot() };
    });
    const stored = snap(c);
    const epoch = c.shareGroups.describe('g')!.epoch;
    assert.ok(epoch >= 1);
    const configs = sg.describeConfigs('g').find((x) => x.name === 'share.auto.offset.reset');
    c.close();
    // Where brokers before kept the group's record: ["sg", group] in __share_group_state (JSON).
    await (await InternalTopic.open(log, '__consumer_offsets', silentLogger, consumerOffsetsCodec)).append([{ key: ['shg', 'g'], value: null }]);
    await (await InternalTopic.open(log, '__share_group_state', silentLogger)).append([{ key: ['sg', 'g'], value: { v: 1, epoch } }]);
    await log.close();

    log = await openTestLog(dir);
    assert.equal((await liveTypes(log, '__share_group_state')).get('['), 4, 'JSON: the group, its configs, two share-partitions');
    assert.equal((await liveTypes(log)).get(11), undefined);
    c = await open(log, true);
    assert.deepEqual(snap(c), stored);
    assert.equal(c.shareGroups.describe('g')?.epoch, epoch);
    assert.deepEqual(c.shareGroups.describeConfigs('g').find((x) => x.name === 'share.auto.offset.reset'), configs);
    c.close();
    assert.deepEqual(Object.fromEntries(await liveTypes(log, '__share_group_state')), { 0: 2, [0x7fff]: 1 }, 'two ShareSnapshot records, the configs private');
    assert.equal((await liveTypes(log))?.get(11), 1, "the group's epoch moved to __consumer_offsets as ShareGroupMetadata");
    await log.close();

    // The next start: the same state, nothing appended.
    log = await openTestLog(dir);
    const end = log.partition('__share_group_state', 0).highWatermark;
    const offsetsEnd = log.partition('__consumer_offsets', 0).highWatermark;
    c = await open(log, true);
    assert.deepEqual(snap(c), stored);
    assert.equal(c.shareGroups.describe('g')?.epoch, epoch);
    assert.equal(log.partition('__share_group_state', 0).highWatermark, end, 'nothing appended');
    assert.equal(log.partition('__consumer_offsets', 0).highWatermark, offsetsEnd, 'nothing appended');
    c.close();
  } finally {
    await log.close();
    cleanup();
  }
});
