// Differential test of Kafka 4.4's newest client-facing protocol: the same raw requests against
// Apache Kafka 4.4 (single KRaft node) and Wharf, comparing what clients rely on. Scenarios:
// fetch sessions (KIP-227: incremental requests and answers, epochs and their errors, forgotten
// topics, topic-id sessions, the cache bound), transactions v2 (KIP-890 part 2: AddPartitions
// implied by Produce v12 and by TxnOffsetCommit v5, the epoch bump of EndTxn v5 and its
// retries), control batches from a client, the newest versions (Produce 13, Fetch 16-18,
// ListOffsets 9-11, Metadata 13, OffsetCommit/OffsetFetch 10, DescribeTopicPartitions,
// ListConfigResources, DescribeLogDirs, DescribeProducers, ConsumerGroupDescribe 1),
// client telemetry without a metrics plugin, and the ApiVersions answer (versions and features).
// Last, the Java 4.4 clients' own log (DEBUG) on both brokers: the same telemetry lines (the
// broker does not offer telemetry, so they stop at DEBUG) and no warning or error on Wharf.
// Random values (session ids, producer ids, client instance ids) are compared by role.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestBroker } from '../support/broker.js';
import { startKafka, type RunningKafka } from '../support/kafka.js';
import { peerSkip } from '../support/peers.js';
import type { Broker } from '../../src/index.js';
import { buildRecordBatch } from '../../src/core/records/batch.js';
import { buildTxnMarkerBatch } from '../../src/core/records/control.js';
import type { FetchRequest, FetchRequestFetchPartition } from '../../src/kafka/protocol/messages/fetch.js';
import { apis } from '../../src/kafka/protocol/messages/index.js';
import { RawKafka } from './support/raw-kafka.js';
import { compileJavaApp, javaSkip } from './support/java.js';

const ZERO = 'AAAAAAAAAAAAAAAAAAAAAA';
/** A topic id no topic has (and not one Kafka reserves). */
const BOGUS = 'c29tZS1yYW5kb20taWQtMQ';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Out = Record<string, unknown>;

/**
 * The ids of new topics, once Kafka leads every partition: its metadata names the leader a
 * little before the partition serves, so ListOffsets must answer too.
 */
async function topicIds(c: RawKafka, names: string[]): Promise<string[]> {
  for (let i = 0; i < 150; i++) {
    const md = await c.send(3, 12, { topics: names.map((name) => ({ topicId: ZERO, name })), allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    if (md.topics.every((t) => t.errorCode === 0 && t.partitions.length > 0 && t.partitions.every((p) => p.leaderId >= 0))) {
      const lo = await c.send(2, 7, { replicaId: -1, isolationLevel: 0, topics: md.topics.map((t) => ({ name: t.name ?? '', partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, currentLeaderEpoch: -1, timestamp: -1n })) })) });
      if (lo.topics.every((t) => t.partitions.every((p) => p.errorCode === 0))) return md.topics.map((t) => t.topicId ?? ZERO);
    }
    await sleep(100);
  }
  throw new Error(`topics ${names.join(', ')} never became ready`);
}

async function createTopics(c: RawKafka, topics: Array<[string, number]>): Promise<string[]> {
  const r = await c.send(19, 7, { topics: topics.map(([name, numPartitions]) => ({ name, numPartitions, replicationFactor: 1, assignments: [], configs: [] })), timeoutMs: 10_000, validateOnly: false });
  for (const t of r.topics) assert.equal(t.errorCode, 0, `create ${t.name}`);
  return topicIds(
    c,
    topics.map(([n]) => n),
  );
}

async function produce(c: RawKafka, topic: string, partition: number, values: string[]): Promise<number> {
  const r = await c.send(0, 9, { transactionalId: null, acks: -1, timeoutMs: 5_000, topicData: [{ name: topic, partitionData: [{ index: partition, records: buildRecordBatch({ records: values.map((value) => ({ value })) }) }] }] });
  return r.responses[0]!.partitionResponses[0]!.errorCode;
}

/** Kafka loads its coordinators on first use: wait until both answer for these keys. */
async function coordinatorsReady(c: RawKafka, group: string, transactionalId: string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    const g = await c.send(10, 4, { keyType: 0, coordinatorKeys: [group] });
    const t = await c.send(10, 4, { keyType: 1, coordinatorKeys: [transactionalId] });
    if (g.coordinators![0]!.errorCode === 0 && t.coordinators![0]!.errorCode === 0) return;
    await sleep(200);
  }
  throw new Error('the coordinators never became available');
}

// ---------------------------------------------------------------------------------------------
// Fetch sessions

const part = (partition: number, offset: number, over: Partial<FetchRequestFetchPartition> = {}): FetchRequestFetchPartition => ({
  partition,
  currentLeaderEpoch: -1,
  fetchOffset: BigInt(offset),
  lastFetchedEpoch: -1,
  logStartOffset: -1n,
  partitionMaxBytes: 1 << 20,
  ...over,
});

class Fetcher {
  constructor(
    private readonly c: RawKafka,
    /** topic name -> id, and the reverse, for requests by id and for naming answers by role */
    private readonly ids: Map<string, string>,
    private readonly roles: Map<string, string>,
  ) {}

  async fetch(v: number, sessionId: number, sessionEpoch: number, topics: Array<[string, FetchRequestFetchPartition[]]>, forgotten: Array<[string, number[]]> = [], over: Partial<FetchRequest> = {}) {
    const byId = v >= 13;
    const idOf = (t: string) => this.ids.get(t) ?? t;
    const r = await this.c.send(1, v, {
      replicaId: -1,
      replicaState: { replicaId: -1, replicaEpoch: -1n },
      maxWaitMs: 50,
      minBytes: 1,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId,
      sessionEpoch,
      topics: topics.map(([t, partitions]) => (byId ? { topicId: idOf(t), partitions } : { topic: t, partitions })),
      forgottenTopicsData: forgotten.map(([t, partitions]) => (byId ? { topicId: idOf(t), partitions } : { topic: t, partitions })),
      rackId: '',
      ...over,
    });
    const answer = r.responses.map((x) => {
      const key = (byId ? x.topicId : x.topic) ?? '';
      return [this.roles.get(key) ?? key, x.partitions.map((p) => [p.partitionIndex, p.errorCode, String(p.highWatermark), String(p.logStartOffset), (p.records?.length ?? 0) > 0])];
    });
    const id = r.sessionId ?? 0;
    return { id, shape: [r.errorCode, id > 0, answer] };
  }
}

async function fetchSessions(c: RawKafka): Promise<Out> {
  const out: Out = {};
  const [tid, uid] = await createTopics(c, [
    ['ss', 3],
    ['ssu', 1],
  ]);
  const f = new Fetcher(
    c,
    new Map([
      ['ss', tid!],
      ['ssu', uid!],
    ]),
    new Map([
      ['ss', 'T'],
      ['ssu', 'U'],
      [tid!, 'T'],
      [uid!, 'U'],
    ]),
  );
  const step = async (name: string, run: () => Promise<unknown>) => {
    try {
      out[name] = await run();
    } catch (e) {
      out[name] = `threw ${(e as Error).message}`;
    }
  };
  await produce(c, 'ss', 0, ['a', 'b']);
  await produce(c, 'ss', 1, ['c']);
  let s = await f.fetch(12, 0, 0, [
    ['ss', [part(0, 0), part(1, 0), part(2, 0)]],
    ['nope', [part(0, 0)]],
  ]);
  out.full = s.shape;
  let id = s.id;
  await step('incremental, nothing named', async () => (await f.fetch(12, id, 1, [])).shape);
  await step('incremental, positions moved', async () => (await f.fetch(12, id, 2, [['ss', [part(0, 2), part(1, 1)]]])).shape);
  await produce(c, 'ss', 2, ['d', 'e', 'f']);
  await step('new records in a partition', async () => (await f.fetch(12, id, 3, [])).shape);
  await step('position not moved: the same records again', async () => (await f.fetch(12, id, 4, [])).shape);
  await step('wrong epoch', async () => (await f.fetch(12, id, 9, [])).shape);
  await step('the session survives a wrong epoch', async () => (await f.fetch(12, id, 5, [['ss', [part(2, 3)]]])).shape);
  await step('unknown session', async () => (await f.fetch(12, 12345, 1, [])).shape);
  await step('incremental without a session id', async () => (await f.fetch(12, 0, 3, [])).shape);
  await step('a v13 request on a session by name', async () => (await f.fetch(13, id, 6, [])).shape);
  await step('after the topic id error', async () => (await f.fetch(12, id, 6, [])).shape);
  await step('forgotten partitions', async () => (await f.fetch(12, id, 7, [], [['ss', [1]], ['nope', [0]]])).shape);
  await produce(c, 'ss', 1, ['g']);
  await step('a forgotten partition is not answered', async () => (await f.fetch(12, id, 8, [])).shape);
  await step('a partition added', async () => (await f.fetch(12, id, 9, [['ssu', [part(0, 0)]]])).shape);
  await step('log start offset moved', async () => {
    await c.send(21, 2, { timeoutMs: 5_000, topics: [{ name: 'ss', partitions: [{ partitionIndex: 0, offset: 1n }] }] });
    return (await f.fetch(12, id, 10, [])).shape;
  });
  await step('offset out of range', async () => (await f.fetch(12, id, 11, [['ss', [part(0, 0)]]])).shape);
  await step('an error is answered every time', async () => (await f.fetch(12, id, 12, [])).shape);
  await step('the error gone', async () => (await f.fetch(12, id, 13, [['ss', [part(0, 2)]]])).shape);
  await step('every partition forgotten', async () => (await f.fetch(12, id, 14, [], [['ss', [0, 2]], ['ssu', [0]]])).shape);
  await step('the emptied session is gone', async () => (await f.fetch(12, id, 15, [])).shape);
  s = await f.fetch(12, 0, 0, [['ss', [part(0, 2)]]]);
  id = s.id;
  await step('full fetch closing its session (epoch -1)', async () => (await f.fetch(12, id, -1, [['ss', [part(0, 2)]]])).shape);
  await step('the closed session is gone', async () => (await f.fetch(12, id, 1, [])).shape);
  s = await f.fetch(12, 0, 0, [['ss', [part(0, 2)]]]);
  id = s.id;
  const s2 = await f.fetch(12, id, 0, [['ss', [part(1, 0)]]]);
  out['a full fetch naming a session replaces it'] = [s2.shape, s2.id !== id];
  await step('the replaced session is gone', async () => (await f.fetch(12, id, 1, [])).shape);
  await step('the new session', async () => (await f.fetch(12, s2.id, 1, [])).shape);
  s = await f.fetch(13, 0, 0, [
    ['ss', [part(0, 2), part(1, 0)]],
    [BOGUS, [part(0, 0)]],
  ]);
  id = s.id;
  out['v13 full fetch with an unknown topic id'] = s.shape;
  await step('v13 incremental', async () => (await f.fetch(13, id, 1, [])).shape);
  await step('a v12 request on a session by id', async () => (await f.fetch(12, id, 2, [])).shape);
  await step('v13 forgetting an unknown topic id', async () => (await f.fetch(13, id, 2, [], [[BOGUS, [0]]])).shape);
  await produce(c, 'ss', 0, ['h']);
  await step('v13 new records', async () => (await f.fetch(13, id, 3, [])).shape);
  s = await f.fetch(7, 0, 0, [['ss', [{ partition: 0, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }]]]);
  out['v7 full fetch'] = s.shape;
  await step('v7 incremental', async () => (await f.fetch(7, s.id, 1, [])).shape);
  await step('v4 has no sessions', async () => {
    const r = await c.send(1, 4, { replicaId: -1, maxWaitMs: 10, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, topics: [{ topic: 'ss', partitions: [{ partition: 0, fetchOffset: 2n, partitionMaxBytes: 1 << 20 }] }] });
    return [r.errorCode, r.sessionId ?? null, r.responses.length];
  });
  // Under max_bytes, partitions that returned records go to the end of the fetch order.
  s = await f.fetch(12, 0, 0, [['ss', [part(0, 6), part(1, 2), part(2, 3)]]]);
  id = s.id;
  out['fetch order: full'] = s.shape;
  for (const p of [0, 1, 2]) await produce(c, 'ss', p, ['x']);
  await step('fetch order: 1', async () => (await f.fetch(12, id, 1, [], [], { maxBytes: 1 })).shape);
  await step('fetch order: 2', async () => (await f.fetch(12, id, 2, [], [], { maxBytes: 1 })).shape);
  await step('fetch order: 3', async () => (await f.fetch(12, id, 3, [['ss', [part(1, 3)]]], [], { maxBytes: 1 })).shape);
  return out;
}

/**
 * The cache holds 1000 sessions (Kafka: 8 shards of 125, filled round-robin): with room for
 * none left and none older than the eviction time, the next full fetch gets no session.
 */
async function sessionCacheBound(c: RawKafka): Promise<Out> {
  await createTopics(c, [['sb', 1]]);
  await produce(c, 'sb', 0, ['a']);
  const ids: number[] = [];
  const full = (partitions = [part(0, 0)]) =>
    c.send(1, 12, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: 0,
      topics: [{ topic: 'sb', partitions }],
      forgottenTopicsData: [],
      rackId: '',
    });
  for (let i = 0; i < 1000; i++) ids.push((await full()).sessionId ?? 0);
  const extra = await full();
  const bigger = await full([part(0, 0), part(1, 0), part(2, 0)]);
  // Close them all again, so that later scenarios find room.
  for (const id of ids) {
    await c.send(1, 12, { replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1, isolationLevel: 0, sessionId: id, sessionEpoch: -1, topics: [], forgottenTopicsData: [], rackId: '' });
  }
  const after = await full();
  return {
    '1000 sessions created, all distinct': [ids.every((id) => id > 0), new Set(ids).size],
    'the 1001st full fetch gets no session': [extra.errorCode, extra.sessionId, extra.responses.length],
    'a larger new session evicts no session younger than the eviction time': bigger.sessionId,
    'after closing them, a session again': (after.sessionId ?? 0) > 0,
  };
}

// ---------------------------------------------------------------------------------------------
// Transactions v2, control batches

async function transactionsV2(c: RawKafka): Promise<Out> {
  const out: Out = {};
  const t = 'tv';
  const tx = 'tx-v2';
  await createTopics(c, [[t, 2]]);
  await coordinatorsReady(c, 'g-tv', tx);
  let ip = await c.send(22, 5, { transactionalId: tx, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
  for (let i = 0; i < 50 && ip.errorCode !== 0; i++) {
    await sleep(200);
    ip = await c.send(22, 5, { transactionalId: tx, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
  }
  const P = ip.producerId;
  const E0 = ip.producerEpoch;
  const role = (pid: bigint | undefined) => (pid === undefined ? null : pid === P ? 'P' : String(pid));
  out.init = [ip.errorCode, E0];
  const prod = async (v: number, epoch: number, seq: number, p = 0) => {
    const r = await c.send(0, v, { transactionalId: tx, acks: -1, timeoutMs: 5_000, topicData: [{ name: t, partitionData: [{ index: p, records: buildRecordBatch({ producerId: Number(P), producerEpoch: epoch, baseSequence: seq, transactional: true, records: [{ value: `v${v}-${epoch}-${seq}` }] }) }] }] });
    const x = r.responses[0]!.partitionResponses[0]!;
    return [x.errorCode, String(x.baseOffset)];
  };
  const end = async (v: number, epoch: number, commit: boolean) => {
    const r = await c.send(26, v, { transactionalId: tx, producerId: P, producerEpoch: epoch, committed: commit });
    return [r.errorCode, role(r.producerId), r.producerEpoch ?? null];
  };
  const describeTxn = async () => {
    const d = (await c.send(65, 0, { transactionalIds: [tx] })).transactionStates[0]!;
    // Kafka lists the __consumer_offsets partition of a transaction's offsets among its
    // partitions; Wharf keeps groups apart (and lists data partitions only).
    return [d.transactionState, role(d.producerId), d.producerEpoch, d.topics.filter((x) => x.topic === t).map((x) => x.partitions)];
  };
  const settled = async (state: string) => {
    for (let i = 0; i < 50 && (await describeTxn())[0] !== state; i++) await sleep(100);
    return describeTxn();
  };
  out['EndTxn v5 commit, nothing started'] = await end(5, E0, true);
  out['Produce v12 adds its partition'] = await prod(12, E0, 0);
  out['the transaction after the first write'] = await describeTxn();
  out['Produce v11 outside the transaction'] = await prod(11, E0, 0, 1);
  out['Produce v9 outside the transaction'] = await prod(9, E0, 0, 1);
  out['Produce v12 again'] = await prod(12, E0, 1);
  out['TxnOffsetCommit v5 adds the group'] = (
    await c.send(28, 5, {
      transactionalId: tx,
      groupId: 'g-tv',
      producerId: P,
      producerEpoch: E0,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [{ name: t, partitions: [{ partitionIndex: 0, committedOffset: 2n, committedLeaderEpoch: -1, committedMetadata: null }] }],
    })
  ).topics[0]!.partitions[0]!.errorCode;
  out['EndTxn v5 commit bumps the epoch'] = await end(5, E0, true);
  out['after the commit'] = await settled('CompleteCommit');
  out['a retry of the commit'] = await end(5, E0, true);
  out['an abort with the old epoch'] = await end(5, E0, false);
  out['a commit with the new epoch, nothing started'] = await end(5, E0 + 1, true);
  out['EndTxn v3 with the old epoch'] = await end(3, E0, true);
  out['Produce v12 with the old epoch'] = await prod(12, E0, 2);
  out['Produce v12 with the new epoch'] = await prod(12, E0 + 1, 0);
  out['Produce v12 to another partition'] = await prod(12, E0 + 1, 5, 1);
  out['EndTxn v5 abort'] = await end(5, E0 + 1, false);
  out['after the abort'] = await settled('CompleteAbort');
  out['EndTxn v5 abort, nothing started'] = await end(5, E0 + 2, false);
  out['after the empty abort'] = await settled('CompleteAbort');
  out['Produce v12, then EndTxn v4 (no bump)'] = [await prod(12, E0 + 3, 0), await end(4, E0 + 3, true)];
  out['after the v4 commit'] = await settled('CompleteCommit');
  out['a v4 retry'] = await end(4, E0 + 3, true);
  out['a v5 commit with the current epoch'] = await end(5, E0 + 3, true);
  const fr = await c.send(1, 12, {
    replicaId: -1,
    maxWaitMs: 10,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel: 1,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic: t, partitions: [part(0, 0)] }],
    forgottenTopicsData: [],
    rackId: '',
  });
  const fp = fr.responses[0]!.partitions[0]!;
  out['read_committed fetch'] = [fp.errorCode, String(fp.highWatermark), String(fp.lastStableOffset), (fp.abortedTransactions ?? []).map((a) => [role(a.producerId), String(a.firstOffset)])];
  const committed = await c.send(9, 8, { groups: [{ groupId: 'g-tv', topics: [{ name: t, partitionIndexes: [0] }] }], requireStable: true });
  out['the offsets committed with the transaction'] = committed.groups!.map((g) => g.topics.map((x) => x.partitions.map((p) => [p.errorCode, String(p.committedOffset)])));
  const dp = await c.send(61, 0, { topics: [{ name: t, partitionIndexes: [0, 1] }] });
  out['DescribeProducers'] = dp.topics[0]!.partitions.map((p) => [p.partitionIndex, p.errorCode, p.activeProducers.map((a) => [role(a.producerId), a.producerEpoch, a.lastSequence, String(a.currentTxnStartOffset), a.coordinatorEpoch])]);
  return out;
}

async function controlBatches(c: RawKafka): Promise<Out> {
  const out: Out = {};
  const t = 'ctl';
  const tx = 'tx-ctl';
  await createTopics(c, [[t, 2]]);
  await coordinatorsReady(c, 'g-ctl', tx);
  const marker = (producerId: number, producerEpoch: number, commit = true) => buildTxnMarkerBatch({ marker: { commit, coordinatorEpoch: 0 }, producerId, producerEpoch });
  const prod = async (records: Buffer, transactionalId: string | null = null, p = 0) => {
    const r = await c.send(0, 11, { transactionalId, acks: -1, timeoutMs: 5_000, topicData: [{ name: t, partitionData: [{ index: p, records }] }] });
    const x = r.responses[0]!.partitionResponses[0]!;
    return [x.errorCode, String(x.baseOffset)];
  };
  out['a marker without a producer'] = await prod(marker(-1, -1));
  const idem = await c.send(22, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
  out['a marker of an idempotent producer'] = await prod(marker(Number(idem.producerId), idem.producerEpoch));
  let ip = await c.send(22, 4, { transactionalId: tx, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
  for (let i = 0; i < 50 && ip.errorCode !== 0; i++) {
    await sleep(200);
    ip = await c.send(22, 4, { transactionalId: tx, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
  }
  const pid = Number(ip.producerId);
  const ep = ip.producerEpoch;
  out.addPartitions = (await c.send(24, 3, { v3AndBelowTransactionalId: tx, v3AndBelowProducerId: ip.producerId, v3AndBelowProducerEpoch: ep, v3AndBelowTopics: [{ name: t, partitions: [0] }] })).resultsByTopicV3AndBelow![0]!.resultsByPartition[0]!.partitionErrorCode;
  out['a transactional record'] = await prod(buildRecordBatch({ producerId: pid, producerEpoch: ep, baseSequence: 0, transactional: true, records: [{ value: 'x' }] }), tx);
  out['a COMMIT marker in the transaction'] = await prod(marker(pid, ep), tx);
  out['a marker outside the transaction'] = await prod(marker(pid, ep), tx, 1);
  out['a marker without the transactional id'] = await prod(marker(pid, ep, false));
  const bad = marker(-1, -1);
  bad[bad.length - 1]! ^= 0xff;
  out['a corrupt marker (no transactional id)'] = await prod(bad);
  const plain = buildRecordBatch({ control: true, records: [{ key: Buffer.from([0, 0, 0, 1]), value: Buffer.from([0, 0, 0, 0, 0, 0]) }] });
  out['a non-transactional control batch'] = await prod(plain);
  const corrupt = Buffer.from(plain);
  corrupt[corrupt.length - 1]! ^= 0xff;
  out['a corrupt non-transactional control batch'] = await prod(corrupt);
  const lo = await c.send(2, 5, { replicaId: -1, isolationLevel: 1, topics: [{ name: t, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }] });
  out['the transaction is still open (LSO)'] = String(lo.topics[0]!.partitions[0]!.offset);
  const dt = (await c.send(65, 0, { transactionalIds: [tx] })).transactionStates[0]!;
  out['the transaction is still ongoing'] = dt.transactionState;
  return out;
}

// ---------------------------------------------------------------------------------------------
// The newest versions

async function newestVersions(c: RawKafka): Promise<Out> {
  const out: Out = {};
  const t = 'nv';
  const [tid] = await createTopics(c, [[t, 3]]);
  const role = (id: string | undefined) => (id === tid ? 'TID' : id === BOGUS ? 'BOGUS' : id);
  const step = async (name: string, run: () => Promise<unknown>) => {
    try {
      out[name] = await run();
    } catch (e) {
      out[name] = `threw ${(e as Error).message}`;
    }
  };
  await step('Metadata v13 naming names and an id', async () => {
    const r = await c.send(3, 13, { topics: [{ topicId: ZERO, name: t }, { topicId: ZERO, name: 'nope' }, { topicId: BOGUS, name: null }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    return [r.errorCode, r.topics.map((x) => [x.name, role(x.topicId), x.errorCode, x.partitions.length])];
  });
  await step('Metadata v13 by name, authorized operations', async () => {
    const r = await c.send(3, 13, { topics: [{ topicId: ZERO, name: t }, { topicId: ZERO, name: 'nope' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: true });
    return [r.errorCode, r.clusterAuthorizedOperations, r.topics.map((x) => [x.name, role(x.topicId), x.errorCode, x.partitions.length, x.topicAuthorizedOperations])];
  });
  await step('Metadata v10 cluster authorized operations', async () => (await c.send(3, 10, { topics: [], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: true, includeTopicAuthorizedOperations: false })).clusterAuthorizedOperations);
  await step('Produce v13 by topic id', async () => {
    const r = await c.send(0, 13, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 5_000,
      topicData: [
        {
          topicId: tid,
          partitionData: [
            { index: 0, records: buildRecordBatch({ records: [{ value: 'a', timestamp: 1000 }, { value: 'b', timestamp: 2000 }] }) },
            { index: 9, records: buildRecordBatch({ records: [{ value: 'a' }] }) },
          ],
        },
        { topicId: BOGUS, partitionData: [{ index: 0, records: buildRecordBatch({ records: [{ value: 'a' }] }) }] },
      ],
    });
    return r.responses.map((x) => [role(x.topicId), x.name ?? null, x.partitionResponses.map((p) => [p.index, p.errorCode, String(p.baseOffset)])]);
  });
  for (const v of [8, 9, 10, 11]) {
    for (const ts of [-1n, -2n, -3n, -4n, -5n, -6n]) {
      await step(`ListOffsets v${v} timestamp ${ts}`, async () => {
        const r = await c.send(2, v, { replicaId: -1, isolationLevel: 0, timeoutMs: 1_000, topics: [{ name: t, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: ts }] }] });
        const p = r.topics[0]!.partitions[0]!;
        return [p.errorCode, String(p.offset), String(p.timestamp), p.leaderEpoch];
      });
    }
  }
  for (const v of [16, 17, 18]) {
    await step(`Fetch v${v} by topic id`, async () => {
      const r = await c.send(1, v, {
        replicaState: { replicaId: -1, replicaEpoch: -1n },
        maxWaitMs: 10,
        minBytes: 1,
        maxBytes: 1 << 20,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [
          { topicId: tid, partitions: [part(0, 0, { replicaDirectoryId: ZERO, highWatermark: 9223372036854775807n })] },
          { topicId: BOGUS, partitions: [part(0, 0)] },
        ],
        forgottenTopicsData: [],
        rackId: '',
      });
      return [r.errorCode, r.sessionId, r.responses.map((x) => [role(x.topicId), x.partitions.map((p) => [p.partitionIndex, p.errorCode, String(p.highWatermark), (p.records?.length ?? 0) > 0])])];
    });
  }
  const group = 'g-nv';
  await coordinatorsReady(c, group, 'tx-nv');
  const sorted = <T extends { partitionIndex: number }>(ps: T[]) => [...ps].sort((a, b) => a.partitionIndex - b.partitionIndex);
  await step('OffsetCommit v10 by topic id', async () => {
    const r = await c.send(8, 10, {
      groupId: group,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [
        {
          topicId: tid,
          partitions: [
            { partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: 'm' },
            { partitionIndex: 7, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null },
          ],
        },
        { topicId: BOGUS, partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null }] },
      ],
    });
    return r.topics.map((x) => [role(x.topicId), sorted(x.partitions).map((p) => [p.partitionIndex, p.errorCode])]);
  });
  await step('OffsetCommit v9, null metadata', async () => {
    const r = await c.send(8, 9, { groupId: group, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, topics: [{ name: t, partitions: [{ partitionIndex: 1, committedOffset: 2n, committedLeaderEpoch: -1, committedMetadata: null }] }] });
    return r.topics.map((x) => [x.name, x.partitions.map((p) => [p.partitionIndex, p.errorCode])]);
  });
  await step('OffsetFetch v10 by topic id', async () => {
    const r = await c.send(9, 10, {
      groups: [
        { groupId: group, memberId: null, memberEpoch: -1, topics: [{ topicId: tid, partitionIndexes: [0, 1, 2] }, { topicId: BOGUS, partitionIndexes: [0] }] },
        { groupId: 'g-none', memberId: null, memberEpoch: -1, topics: null },
      ],
      requireStable: true,
    });
    return r.groups!.map((g) => [g.groupId, g.errorCode, g.topics.map((x) => [role(x.topicId), sorted(x.partitions).map((p) => [p.partitionIndex, String(p.committedOffset), p.metadata, p.errorCode])])]);
  });
  await step('OffsetFetch v10, every topic', async () => {
    const r = await c.send(9, 10, { groups: [{ groupId: group, memberId: null, memberEpoch: -1, topics: null }], requireStable: false });
    return r.groups!.map((g) => [g.errorCode, g.topics.map((x) => [role(x.topicId), sorted(x.partitions).map((p) => [p.partitionIndex, String(p.committedOffset)])])]);
  });
  const dtp = (topics: string[], limit: number, cursor: { topicName: string; partitionIndex: number } | null) => c.send(75, 0, { topics: topics.map((name) => ({ name })), responsePartitionLimit: limit, cursor });
  const dtpShape = (r: Awaited<ReturnType<typeof dtp>>) => [
    r.nextCursor ? [r.nextCursor.topicName, r.nextCursor.partitionIndex] : null,
    r.topics.map((x) => [x.name, role(x.topicId), x.errorCode, x.isInternal, x.topicAuthorizedOperations, x.partitions.map((p) => [p.partitionIndex, p.errorCode, p.leaderId, p.leaderEpoch, p.replicaNodes, p.isrNodes, p.eligibleLeaderReplicas, p.lastKnownElr, p.offlineReplicas])]),
  ];
  await step('DescribeTopicPartitions', async () => dtpShape(await dtp([t, 'nope', 'bad/name'], 2000, null)));
  await step('DescribeTopicPartitions, limit 2 then the cursor', async () => {
    const a = await dtp([t], 2, null);
    return [dtpShape(a), dtpShape(await dtp([t], 2, a.nextCursor))];
  });
  await step('DescribeTopicPartitions, limit 0', async () => dtpShape(await dtp([t], 0, null)));
  await step('DescribeTopicPartitions, a limit ending with a topic', async () => dtpShape(await dtp([t, 'nv2'], 3, null)));
  await step('DescribeTopicPartitions, every topic', async () => {
    const r = await dtp([], 2000, null);
    return [r.nextCursor, r.topics.map((x) => x.name).filter((n) => n === t || n === 'nope')];
  });
  await step('DescribeTopicPartitions, a cursor outside the list', async () => dtpShape(await dtp([t], 2000, { topicName: 'aaa', partitionIndex: 0 })));
  await step('DescribeTopicPartitions, a negative cursor partition', async () => dtpShape(await dtp([t], 2000, { topicName: t, partitionIndex: -1 })));
  await step('DescribeTopicPartitions, a cursor in a topic', async () => dtpShape(await dtp([t], 2000, { topicName: t, partitionIndex: 1 })));
  await step('ListConfigResources v0', async () => {
    const r = await c.send(74, 0, {});
    return [r.errorCode, r.configResources];
  });
  for (const types of [[], [2], [4, 2], [16, 32], [3], [8]]) {
    await step(`ListConfigResources v1 types [${types.join(',')}]`, async () => {
      const r = await c.send(74, 1, { resourceTypes: types });
      const listed = r.configResources.filter((x) => x.resourceType !== 2 || x.resourceName === t || x.resourceName.startsWith('__'));
      return [r.errorCode, listed.map((x) => [x.resourceType, x.resourceName]).sort()];
    });
  }
  for (const v of [1, 2, 3, 4, 5]) {
    await step(`DescribeLogDirs v${v}`, async () => {
      const r = await c.send(35, v, { topics: [{ topic: t, partitions: [0, 1, 7] }, { topic: 'nope', partitions: [0] }] });
      // Kafka lists partitions in no particular order.
      return [r.errorCode ?? null, r.results.map((x) => [x.errorCode, x.logDir.startsWith('/'), x.totalBytes === -1n, x.usableBytes === -1n, x.isCordoned ?? null, x.topics.map((y) => [y.name, sorted(y.partitions).map((p) => [p.partitionIndex, p.partitionSize > 0n, String(p.offsetLag), p.isFutureKey])])])];
    });
  }
  await step('DescribeLogDirs, every partition', async () => {
    const r = await c.send(35, 4, { topics: null });
    return r.results.map((x) => x.topics.filter((y) => y.name === t).map((y) => y.partitions.map((p) => p.partitionIndex).sort()));
  });
  await step('DescribeProducers of unknown partitions and topics', async () => {
    const r = await c.send(61, 0, { topics: [{ name: t, partitionIndexes: [0, 9] }, { name: 'nope', partitionIndexes: [0] }] });
    return r.topics.map((x) => [x.name, x.partitions.map((p) => [p.partitionIndex, p.errorCode, p.errorMessage, p.activeProducers.length])]);
  });
  await step('ConsumerGroupDescribe v1 of a classic and a missing group', async () => {
    const r = await c.send(69, 1, { groupIds: [group, 'g-missing'], includeAuthorizedOperations: true });
    return r.groups.map((g) => [g.errorCode, g.errorMessage, g.groupState, g.members.length, g.authorizedOperations]);
  });
  return out;
}

async function consumerGroupV1(c: RawKafka): Promise<Out> {
  await createTopics(c, [['cg', 2]]);
  await coordinatorsReady(c, 'g-848', 'tx-848');
  let hb = await c.send(68, 1, { groupId: 'g-848', memberId: 'm-848-aaaaaaaaaaaaaaa', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 30_000, subscribedTopicNames: ['cg'], subscribedTopicRegex: null, serverAssignor: 'uniform', topicPartitions: [] });
  for (let i = 0; i < 30 && (hb.assignment?.topicPartitions.length ?? 0) === 0; i++) {
    await sleep(100);
    hb = await c.send(68, 1, { groupId: 'g-848', memberId: 'm-848-aaaaaaaaaaaaaaa', memberEpoch: hb.memberEpoch, instanceId: null, rackId: null, rebalanceTimeoutMs: 30_000, subscribedTopicNames: ['cg'], subscribedTopicRegex: null, serverAssignor: 'uniform', topicPartitions: [] });
  }
  const d = await c.send(69, 1, { groupIds: ['g-848'], includeAuthorizedOperations: true });
  const g = d.groups[0]!;
  return { 'ConsumerGroupDescribe v1 of a consumer group': [g.errorCode, g.groupState, g.assignorName, g.authorizedOperations, g.members.map((m) => [m.memberId, m.memberType, m.subscribedTopicNames])] };
}

/** The other APIs whose newest version Kafka 4.4 serves: groups, cluster, transactions. */
async function otherVersions(c: RawKafka): Promise<Out> {
  const out: Out = {};
  await createTopics(c, [['ov', 1]]);
  await coordinatorsReady(c, 'g-ov', 'tx-ov-a');
  out['FindCoordinator v5'] = (await c.send(10, 5, { keyType: 0, coordinatorKeys: ['g-ov'] })).coordinators!.map((x) => [x.key, x.errorCode]);
  await c.send(8, 9, { groupId: 'g-simple', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, topics: [{ name: 'ov', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null }] }] });
  const hb = await c.send(68, 1, { groupId: 'g-848', memberId: 'm-848-bbbbbbbbbbbbbbb', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 30_000, subscribedTopicNames: ['ov'], subscribedTopicRegex: null, serverAssignor: 'uniform', topicPartitions: [] });
  out['a KIP-848 member joins'] = hb.errorCode;
  for (const v of [5, 6]) {
    const r = await c.send(15, v, { groups: ['g-missing', 'g-simple'], includeAuthorizedOperations: true });
    out[`DescribeGroups v${v}`] = r.groups.map((g) => [g.groupId, g.errorCode, g.errorMessage ?? null, g.groupState, g.protocolType, g.members.length, g.authorizedOperations]);
  }
  const d848 = await c.send(15, 6, { groups: ['g-848'], includeAuthorizedOperations: true });
  out['DescribeGroups v6 of a KIP-848 group'] = d848.groups.map((g) => [g.errorCode, g.errorMessage, g.groupState, g.members.length, g.authorizedOperations]);
  // Kafka answers in no particular order.
  for (const v of [2, 3]) out[`DeleteGroups v${v}`] = (await c.send(42, v, { groupsNames: ['g-missing', 'g-848'] })).results.map((r) => [r.groupId, r.errorCode, r.errorMessage ?? null]).sort();
  out['DeleteGroups v3 of an empty group'] = (await c.send(42, 3, { groupsNames: ['g-simple'] })).results.map((r) => [r.groupId, r.errorCode, r.errorMessage ?? null]);
  for (const [v, include] of [
    [1, true],
    [2, true],
    [2, false],
  ] as const) {
    const r = await c.send(60, v, { includeClusterAuthorizedOperations: include, endpointType: 1, includeFencedBrokers: true });
    out[`DescribeCluster v${v}${include ? ', authorized operations' : ''}`] = [r.errorCode, r.errorMessage, r.endpointType, r.brokers.map((b) => [b.brokerId, b.rack, b.isFenced ?? null]), r.clusterAuthorizedOperations];
  }
  for (const id of ['tx-ov-a', 'tx-ov-b', 'xtx-ov']) {
    let r = await c.send(22, 4, { transactionalId: id, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
    for (let i = 0; i < 30 && r.errorCode !== 0; i++) {
      await sleep(200);
      r = await c.send(22, 4, { transactionalId: id, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
    }
  }
  for (const pattern of [null, '', 'tx-ov', 'tx-ov-.*', '.*b', 'x?tx-ov.*', '[']) {
    const r = await c.send(66, 2, { stateFilters: [], producerIdFilters: [], durationFilter: -1n, transactionalIdPattern: pattern });
    out[`ListTransactions v2 pattern ${JSON.stringify(pattern)}`] = [r.errorCode, r.transactionStates.map((t) => t.transactionalId).filter((t) => t.includes('-ov')).sort()];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Telemetry, ApiVersions

async function telemetry(c: RawKafka): Promise<Out> {
  const out: Out = {};
  const gts = (id: string) => c.send(71, 0, { clientInstanceId: id });
  const push = (id: string, subscriptionId: number, over: { terminating?: boolean; compressionType?: number; metrics?: Buffer } = {}) =>
    c.send(72, 0, { clientInstanceId: id, subscriptionId, terminating: over.terminating ?? false, compressionType: over.compressionType ?? 0, metrics: over.metrics ?? Buffer.alloc(0) }).then((r) => r.errorCode);
  const a = await gts(ZERO);
  const id = a.clientInstanceId;
  out['first subscription'] = [a.errorCode, id !== ZERO, a.acceptedCompressionTypes, a.pushIntervalMs, a.telemetryMaxBytes, a.deltaTemporality, a.requestedMetrics];
  const again = await gts(id);
  out['asking again within the interval'] = [again.errorCode, again.clientInstanceId, again.subscriptionId, again.acceptedCompressionTypes, again.pushIntervalMs];
  out['a push with another subscription id'] = await push(id, a.subscriptionId + 1);
  out['a push right after'] = await push(id, a.subscriptionId);
  const b = await gts(ZERO);
  out['an unknown compression type'] = await push(b.clientInstanceId, b.subscriptionId, { compressionType: 9 });
  const d = await gts(ZERO);
  out['metrics over telemetry.max.bytes'] = await push(d.clientInstanceId, d.subscriptionId, { metrics: Buffer.alloc(1024 * 1024 + 1) });
  const e = await gts(ZERO);
  out['a terminating push'] = await push(e.clientInstanceId, e.subscriptionId, { terminating: true, metrics: Buffer.from('x') });
  out['a push after terminating'] = await push(e.clientInstanceId, e.subscriptionId, { terminating: true });
  out['a reserved client instance id'] = await push(ZERO, 0);
  const named = await gts('dGVsZW1ldHJ5LWNsaWVudA');
  // The subscription id is Kafka's function of the (empty) subscription and the instance id.
  out['a client that names its instance id'] = [named.errorCode, named.clientInstanceId, named.subscriptionId];
  out['a push from an instance never seen'] = await push('dGVsZW1ldHJ5LW90aGVyMQ', 0);
  return out;
}

async function apiVersions(c: RawKafka): Promise<{ apis: Map<number, [number, number]>; finalized: string[]; v3Supported: string[]; v5: number[] }> {
  const r = await c.send(18, 4, { clientSoftwareName: 'wharf-diff', clientSoftwareVersion: '1' });
  const v3 = await c.send(18, 3, { clientSoftwareName: 'wharf-diff', clientSoftwareVersion: '1' });
  const md = await c.send(3, 12, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
  const cluster = md.clusterId ?? '';
  const node = md.brokers[0]!.nodeId;
  const v5: number[] = [];
  for (const [clusterId, nodeId] of [
    [null, -1],
    [cluster, node],
    [cluster, node + 5],
    ['elsewhere', node],
    [null, node],
    [cluster, -1],
  ] as const) {
    v5.push((await c.send(18, 5, { clientSoftwareName: 'wharf-diff', clientSoftwareVersion: '1', clusterId, nodeId })).errorCode);
  }
  return {
    apis: new Map(r.apiKeys.map((k) => [k.apiKey, [k.minVersion, k.maxVersion]])),
    finalized: (r.finalizedFeatures ?? []).map((f) => `${f.name}=${f.minVersionLevel}-${f.maxVersionLevel}`).sort(),
    v3Supported: (v3.supportedFeatures ?? []).map((f) => `${f.name}=${f.minVersion}-${f.maxVersion}`).sort(),
    v5,
  };
}

/**
 * APIs Wharf advertises with fewer versions than Kafka 4.4, and why (everything else Wharf
 * advertises must match Kafka's range exactly).
 */
const FEWER_VERSIONS: Record<number, string> = {
  10: 'FindCoordinator v6 finds share group coordinators (KIP-932): Wharf has no share groups',
  24: 'AddPartitionsToTxn v4-5 are the brokers’ batched verification',
};

const LOG4J_DEBUG = ['Configuration:', '  Appenders:', '    Console:', '      name: STDOUT', '      PatternLayout:', '        pattern: "%p %c{1} %m%n"', '  Loggers:', '    Root:', '      level: DEBUG', '      AppenderRef:', '        - ref: STDOUT', ''].join('\n');

/** Runs the TransactionsV2 app against `bootstrap` with DEBUG logging; its log lines, normalized. */
function javaClientLog(classpath: string, config: string, bootstrap: string, topic: string): Promise<{ telemetry: string[]; problems: string[]; stdout: string }> {
  return new Promise((resolve, reject) => {
    execFile('java', [`-Dlog4j2.configurationFile=${config}`, '-cp', classpath, 'TransactionsV2', bootstrap, topic, `tx-${topic}`, '3', '2'], { timeout: 120_000, maxBuffer: 64 << 20 }, (err, stdout) => {
      if (err) return reject(new Error(`${err.message}\n${stdout.slice(-4000)}`));
      const norm = (l: string) =>
        l
          .replace(/\[(Producer|Consumer|AdminClient) clientId=[^\]]*\]/g, '[client]')
          .replace(/127\.0\.0\.1:\d+/g, 'HOST')
          .replace(/correlation id \d+/g, 'correlation id N')
          .replace(/ to (-?\d+)$/, ' to NODE')
          .replace(/(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{22}(?![A-Za-z0-9_-])/g, 'UUID');
      const lines = stdout.split('\n');
      resolve({
        // The telemetry reporter's own lines and the error it gets (numbers are times and ids).
        telemetry: [...new Set(lines.filter((l) => /^\w+ ClientTelemetry(Reporter|Sender) |Exception: .*TELEMETRY/.test(l)).map((l) => norm(l).replace(/\d+/g, 'N')))].sort(),
        problems: lines.filter((l) => /^(WARN|ERROR) /.test(l)).map(norm),
        stdout,
      });
    });
  });
}

function compare(expected: Out, actual: Out): string[] {
  const diffs: string[] = [];
  for (const key of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
    const k = JSON.stringify(expected[key], (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
    const w = JSON.stringify(actual[key], (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
    if (k !== w) diffs.push(`${key}:\n  kafka: ${k}\n  wharf: ${w}`);
  }
  return diffs;
}

describe('differential: Kafka 4.4 newest protocol vs Wharf', { skip: peerSkip('kafka') }, () => {
  let kafka: RunningKafka;
  let wharf: Broker;
  let kc: RawKafka;
  let wc: RawKafka;

  before(async () => {
    // Each kept as soon as it runs, so that after() closes it when the other fails to start.
    const started = await Promise.allSettled([startKafka(['auto.create.topics.enable=false']).then((k) => (kafka = k)), startTestBroker({ kafkaPort: 0, autoCreateTopics: false, fsync: 'never', groupInitialRebalanceDelay: 0 }).then((w) => (wharf = w))]);
    for (const r of started) if (r.status === 'rejected') throw r.reason;
    [kc, wc] = await Promise.all([RawKafka.connect(kafka.host, kafka.port), RawKafka.connect('127.0.0.1', wharf.ports.kafka)]);
  });

  after(async () => {
    kc?.close();
    wc?.close();
    await Promise.allSettled([kafka?.close(), wharf?.close()]);
  });

  const scenario = (name: string, run: (c: RawKafka) => Promise<Out>, timeout = 120_000) =>
    test(name, { timeout }, async () => {
      const [k, w] = [await run(kc), await run(wc)];
      const diffs = compare(k, w);
      assert.ok(Object.keys(k).length > 0);
      assert.equal(diffs.length, 0, `${diffs.length} of ${Object.keys(k).length} steps differ:\n${diffs.join('\n')}`);
    });

  scenario('fetch sessions: the cache bound', sessionCacheBound);
  scenario('fetch sessions: incremental fetches, epochs, errors, forgotten topics', fetchSessions);
  scenario('transactions v2: implied AddPartitions/AddOffsets, the epoch bump and its retries', transactionsV2);
  scenario('control batches from a client are refused', controlBatches);
  scenario('the newest versions', newestVersions);
  scenario('ConsumerGroupDescribe v1 of a consumer group', consumerGroupV1);
  scenario('client telemetry without a metrics plugin', telemetry);
  scenario('the newest versions of the group, cluster and transaction APIs', otherVersions);

  test('ApiVersions: the same versions where Wharf serves an API, the features it serves', async () => {
    const [k, w] = [await apiVersions(kc), await apiVersions(wc)];
    const diffs: string[] = [];
    for (const [key, [min, max]] of w.apis) {
      const name = apis[key]?.name ?? String(key);
      const ref = k.apis.get(key);
      if (!ref) diffs.push(`${name}: Kafka 4.4 does not advertise it`);
      else if (ref[0] !== min || (ref[1] !== max && !(key in FEWER_VERSIONS && max < ref[1]))) diffs.push(`${name}: kafka v${ref[0]}-${ref[1]}, wharf v${min}-${max}`);
    }
    for (const key of Object.keys(FEWER_VERSIONS).map(Number)) {
      if (w.apis.get(key)?.[1] === k.apis.get(key)?.[1]) diffs.push(`${apis[key]?.name}: listed in FEWER_VERSIONS but now served up to Kafka's version`);
    }
    // Telemetry is not advertised by either without a metrics plugin.
    assert.equal(k.apis.has(71) || k.apis.has(72), false);
    assert.equal(w.apis.has(71) || w.apis.has(72), false);
    assert.deepEqual(diffs, []);
    // Every feature Wharf finalizes, Kafka 4.4 finalizes at the same level.
    assert.deepEqual(w.finalized, ['group.version=1-1', 'share.version=2-2', 'streams.version=1-1', 'transaction.version=2-2']);
    for (const f of w.finalized) assert.ok(k.finalized.includes(f), `${f} in ${k.finalized.join(', ')}`);
    assert.deepEqual(w.v3Supported, k.v3Supported.filter((f) => w.finalized.some((x) => x.startsWith(f.split('=')[0]!))));
    assert.deepEqual(w.v5, k.v5);
  });

  test("the Java clients' log: the same telemetry lines as on Kafka 4.4, no warning on Wharf", { skip: javaSkip(), timeout: 240_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wharf-log4j-'));
    const app = compileJavaApp('TransactionsV2');
    try {
      const config = join(dir, 'log4j2.yaml');
      writeFileSync(config, LOG4J_DEBUG);
      await Promise.all([createTopics(kc, [['jl', 2]]), createTopics(wc, [['jl', 2]])]);
      const k = await javaClientLog(app.classpath, config, kafka.bootstrap, 'jl');
      const w = await javaClientLog(app.classpath, config, `127.0.0.1:${wharf.ports.kafka}`, 'jl');
      assert.match(w.stdout, /CONSUMED 4\b/);
      assert.ok(k.telemetry.some((l) => /does not support GET_TELEMETRY_SUBSCRIPTIONS/.test(l)), 'Kafka 4.4 does not offer telemetry either');
      assert.deepEqual(w.telemetry, k.telemetry);
      // Only DEBUG lines (with the exception they print) mention telemetry.
      assert.deepEqual(
        w.telemetry.filter((l) => !l.startsWith('DEBUG ') && !l.startsWith('org.apache.kafka.common.errors.')),
        [],
      );
      assert.deepEqual(w.problems, [], w.problems.join('\n'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(app.classes, { recursive: true, force: true });
    }
  });
});
