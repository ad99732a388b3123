// Differential test of the group and transaction flows: the same raw requests against Apache
// Kafka 4.4 (single KRaft node) and Wharf, comparing error codes (fencing included),
// generations, epochs and offsets. Member and producer ids differ between brokers and are
// compared by role, not by value. All mismatches are reported at once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBroker } from '../support/broker.js';
import { startKafka, type RunningKafka } from '../support/kafka.js';
import { peerSkip } from '../support/peers.js';
import type { Broker } from '../../src/index.js';
import { buildRecordBatch } from '../../src/core/records/batch.js';
import { encodeConsumerProtocolSubscription } from '../../src/kafka/protocol/messages/consumer-protocol-subscription.js';
import { Writer } from '../../src/kafka/protocol/writer.js';
import { RawKafkaClient, waitTopicReady } from './support/groups-raw.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function subscription(topics: string[]): Buffer {
  const w = new Writer(64);
  w.int16(0);
  encodeConsumerProtocolSubscription(w, 0, { topics, userData: null });
  return w.finish();
}

/** Kafka creates its internal topics and loads its coordinators on first use: wait until both answer. */
async function warmUp(c: RawKafkaClient): Promise<void> {
  const retriable = new Set([14, 15, 16]);
  for (let i = 0; i < 300; i++) {
    const fc = await c.request(10, 4, { keyType: 0, coordinatorKeys: ['warm'] });
    const ft = await c.request(10, 4, { keyType: 1, coordinatorKeys: ['warm'] });
    const ip = await c.request(22, 4, { transactionalId: 'warm', transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
    const hb = await c.request(12, 4, { groupId: 'warm', generationId: 1, memberId: 'x', groupInstanceId: null });
    if (fc.coordinators![0]!.errorCode === 0 && ft.coordinators![0]!.errorCode === 0 && !retriable.has(ip.errorCode) && !retriable.has(hb.errorCode)) return;
    await sleep(200);
  }
  throw new Error('the coordinators never became available');
}

/** Runs the scenario against one broker and returns what clients rely on. */
async function scenario(c: RawKafkaClient): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const created = await c.request(19, 7, { topics: [{ name: 'dt', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });
  out.create = created.topics[0]!.errorCode;
  await waitTopicReady(c, 'dt');
  const meta = subscription(['dt']);
  const join = (groupId: string, memberId: string, over: Record<string, unknown> = {}) =>
    c.request(11, 7, { groupId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId, groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: meta }], reason: null, ...over });

  // --- classic group
  const fc = await c.request(10, 4, { keyType: 0, coordinatorKeys: ['dg', 'dg2'] });
  out.findCoordinator = fc.coordinators!.map((x) => x.errorCode);
  const j0 = await join('dg', '');
  out.join0 = [j0.errorCode, j0.generationId, j0.memberId.length > 0];
  const j1 = await join('dg', j0.memberId);
  const me = j1.memberId;
  out.join1 = [j1.errorCode, j1.generationId, j1.leader === me, j1.protocolName, j1.members.length];
  out.joinBadSession = (await join('dg', '', { sessionTimeoutMs: 1 })).errorCode;
  out.joinBadType = (await join('dg', '', { protocolType: 'connect' })).errorCode;
  out.joinUnknownMember = (await join('dg', 'nobody')).errorCode;
  const sync = (gen: number, memberId: string) => c.request(14, 5, { groupId: 'dg', generationId: gen, memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: memberId === me ? [{ memberId: me, assignment: Buffer.from([0, 1]) }] : [] });
  out.syncBadGen = (await sync(7, me)).errorCode;
  out.syncUnknown = (await sync(1, 'nobody')).errorCode;
  const s = await sync(1, me);
  out.sync = [s.errorCode, s.assignment.toString('hex'), s.protocolType, s.protocolName];
  const hb = (gen: number, memberId: string) => c.request(12, 4, { groupId: 'dg', generationId: gen, memberId, groupInstanceId: null }).then((r) => r.errorCode);
  out.heartbeat = [await hb(1, me), await hb(5, me), await hb(1, 'nobody')];
  out.heartbeatUnknownGroup = (await c.request(12, 4, { groupId: 'no-such-group', generationId: 1, memberId: 'x', groupInstanceId: null })).errorCode;
  const commit = (gen: number, memberId: string, topic = 'dt', v = 8) =>
    c.request(8, v, { groupId: 'dg', generationIdOrMemberEpoch: gen, memberId, groupInstanceId: null, topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: -1, committedMetadata: 'm' }] }] }).then((r) => r.topics[0]!.partitions[0]!.errorCode);
  out.commit = [await commit(1, me), await commit(0, me), await commit(1, 'nobody'), await commit(-1, ''), await commit(1, me, 'no-such-topic')];
  const noGroup8 = await c.request(8, 8, { groupId: 'never', generationIdOrMemberEpoch: 3, memberId: 'x', groupInstanceId: null, topics: [{ name: 'dt', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null }] }] });
  const noGroup9 = await c.request(8, 9, { groupId: 'never', generationIdOrMemberEpoch: 3, memberId: 'x', groupInstanceId: null, topics: [{ name: 'dt', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null }] }] });
  out.commitNoGroup = [noGroup8.topics[0]!.partitions[0]!.errorCode, noGroup9.topics[0]!.partitions[0]!.errorCode];
  const f = await c.request(9, 8, { groups: [{ groupId: 'dg', topics: [{ name: 'dt', partitionIndexes: [0, 1] }] }, { groupId: 'never', topics: null }], requireStable: true });
  out.fetch = f.groups!.map((g) => [g.groupId, g.errorCode, g.topics.map((t) => t.partitions.map((p) => [p.partitionIndex, Number(p.committedOffset), p.metadata, p.errorCode]))]);
  const dgs = await c.request(15, 5, { groups: ['dg', 'never-seen'], includeAuthorizedOperations: false });
  out.describe = dgs.groups.map((g) => [g.groupId, g.errorCode, g.groupState, g.protocolType, g.protocolData, g.members.length]);
  out.deleteBusy = (await c.request(42, 2, { groupsNames: ['dg'] })).results.map((r) => r.errorCode);
  const lg = await c.request(13, 5, { groupId: 'dg', members: [{ memberId: me, groupInstanceId: null, reason: 'bye' }, { memberId: 'nobody', groupInstanceId: null, reason: null }] });
  out.leave = [lg.errorCode, lg.members!.map((m) => m.errorCode)];
  const lst = await c.request(16, 5, { statesFilter: ['Empty'], typesFilter: [] });
  out.listEmpty = lst.groups.filter((g) => g.groupId === 'dg').map((g) => [g.groupState, g.protocolType, g.groupType]);
  out.offsetDelete = (await c.request(47, 0, { groupId: 'dg', topics: [{ name: 'dt', partitions: [{ partitionIndex: 0 }] }] })).errorCode;
  out.deleteGroups = (await c.request(42, 2, { groupsNames: ['dg', 'dg', 'never-seen'] })).results.map((r) => r.errorCode);

  // --- static membership
  const st1 = await join('sg', '', { groupInstanceId: 'inst-1' });
  await c.request(14, 5, { groupId: 'sg', generationId: st1.generationId, memberId: st1.memberId, groupInstanceId: 'inst-1', protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId: st1.memberId, assignment: Buffer.from([1]) }] });
  const st2 = await join('sg', '', { groupInstanceId: 'inst-1' });
  out.static = [st1.errorCode, st1.generationId, st2.errorCode, st2.generationId, st2.memberId !== st1.memberId];
  out.staticFenced = (await c.request(12, 4, { groupId: 'sg', generationId: st1.generationId, memberId: st1.memberId, groupInstanceId: 'inst-1' })).errorCode;
  out.staticLeaveFenced = (await c.request(13, 5, { groupId: 'sg', members: [{ memberId: st1.memberId, groupInstanceId: 'inst-1', reason: null }] })).members!.map((m) => m.errorCode);

  // --- transactions
  const ip = (id: string | null, timeout = 60_000, v = 4) => c.request(22, v, { transactionalId: id, transactionTimeoutMs: timeout, producerId: -1n, producerEpoch: -1 });
  out.initTooLong = (await ip('tx-long', 1_000_000)).errorCode;
  const idem = await ip(null);
  out.initIdempotent = [idem.errorCode, idem.producerEpoch];
  const a = await ip('tx-d');
  const b = await ip('tx-d');
  out.init = [a.errorCode, a.producerEpoch, b.errorCode, b.producerEpoch, a.producerId === b.producerId];
  const end = (pid: bigint, epoch: number, commit: boolean, v = 3) => c.request(26, v, { transactionalId: 'tx-d', producerId: pid, producerEpoch: epoch, committed: commit }).then((r) => r.errorCode);
  out.endFenced = [await end(a.producerId, a.producerEpoch, true, 3), await end(a.producerId, a.producerEpoch, true, 1)];
  out.endNothing = await end(b.producerId, b.producerEpoch, true);
  out.endBadPid = await end(b.producerId + 100n, b.producerEpoch, true);
  const addp = (topics: Array<{ name: string; partitions: number[] }>, epoch = b.producerEpoch, v = 3) =>
    c.request(24, v, { v3AndBelowTransactionalId: 'tx-d', v3AndBelowProducerId: b.producerId, v3AndBelowProducerEpoch: epoch, v3AndBelowTopics: topics }).then((r) => r.resultsByTopicV3AndBelow!.map((t) => [t.name, t.resultsByPartition.map((p) => p.partitionErrorCode)]));
  out.addUnknown = await addp([{ name: 'dt', partitions: [0] }, { name: 'no-such-topic', partitions: [0] }]);
  out.addFenced = [await addp([{ name: 'dt', partitions: [0] }], a.producerEpoch), await addp([{ name: 'dt', partitions: [0] }], a.producerEpoch, 1)];
  out.add = await addp([{ name: 'dt', partitions: [0] }]);
  const rec = buildRecordBatch({ producerId: Number(b.producerId), producerEpoch: b.producerEpoch, baseSequence: 0, transactional: true, records: [{ value: 'in-txn' }] });
  const pr = await c.request(0, 9, { transactionalId: 'tx-d', acks: -1, timeoutMs: 5_000, topicData: [{ name: 'dt', partitionData: [{ index: 0, records: rec }] }] });
  out.produce = [pr.responses[0]!.partitionResponses[0]!.errorCode, Number(pr.responses[0]!.partitionResponses[0]!.baseOffset)];
  const notAdded = buildRecordBatch({ producerId: Number(b.producerId), producerEpoch: b.producerEpoch, baseSequence: 0, transactional: true, records: [{ value: 'not-added' }] });
  const pr2 = await c.request(0, 9, { transactionalId: 'tx-d', acks: -1, timeoutMs: 5_000, topicData: [{ name: 'dt', partitionData: [{ index: 1, records: notAdded }] }] });
  out.produceNotInTxn = pr2.responses[0]!.partitionResponses[0]!.errorCode !== 0;
  const lo = async (iso: number) => Number((await c.request(2, 5, { replicaId: -1, isolationLevel: iso, topics: [{ name: 'dt', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }] })).topics[0]!.partitions[0]!.offset);
  out.lsoOpen = [await lo(1), await lo(0)];
  const dtx = await c.request(65, 0, { transactionalIds: ['tx-d', 'no-such-txn'] });
  out.describeTxn = dtx.transactionStates.map((t) => [t.errorCode, t.transactionState, t.topics.map((x) => [x.topic, x.partitions])]);
  // Offsets in the transaction, with generation fencing (TxnOffsetCommit v3).
  const g2 = await join('dg2', '');
  const g2j = await join('dg2', g2.memberId);
  await c.request(14, 5, { groupId: 'dg2', generationId: g2j.generationId, memberId: g2j.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [] });
  out.addOffsets = (await c.request(25, 3, { transactionalId: 'tx-d', producerId: b.producerId, producerEpoch: b.producerEpoch, groupId: 'dg2' })).errorCode;
  const toc = (gen: number, memberId: string) =>
    c.request(28, 3, { transactionalId: 'tx-d', groupId: 'dg2', producerId: b.producerId, producerEpoch: b.producerEpoch, generationIdOrMemberEpoch: gen, memberId, groupInstanceId: null, topics: [{ name: 'dt', partitions: [{ partitionIndex: 0, committedOffset: 9n, committedLeaderEpoch: -1, committedMetadata: null }] }] }).then((r) => r.topics[0]!.partitions[0]!.errorCode);
  out.txnCommit = [await toc(g2j.generationId + 1, g2j.memberId), await toc(g2j.generationId, 'nobody'), await toc(g2j.generationId, g2j.memberId)];
  const unstable = await c.request(9, 8, { groups: [{ groupId: 'dg2', topics: [{ name: 'dt', partitionIndexes: [0] }] }], requireStable: true });
  out.unstable = unstable.groups![0]!.topics[0]!.partitions[0]!.errorCode;
  out.commitTxn = await end(b.producerId, b.producerEpoch, true);
  for (let i = 0; i < 50; i++) {
    const x = await c.request(65, 0, { transactionalIds: ['tx-d'] });
    if (x.transactionStates[0]!.transactionState === 'CompleteCommit') break;
    await sleep(100);
  }
  out.commitRetry = await end(b.producerId, b.producerEpoch, true);
  out.abortAfterCommit = await end(b.producerId, b.producerEpoch, false);
  let stable = -1;
  for (let i = 0; i < 50; i++) {
    stable = (await c.request(9, 8, { groups: [{ groupId: 'dg2', topics: [{ name: 'dt', partitionIndexes: [0] }] }], requireStable: true })).groups![0]!.topics[0]!.partitions[0]!.errorCode;
    if (stable === 0) break;
    await sleep(100);
  }
  const fetched = await c.request(9, 8, { groups: [{ groupId: 'dg2', topics: [{ name: 'dt', partitionIndexes: [0] }] }], requireStable: true });
  out.txnOffsetAfterCommit = [stable, Number(fetched.groups![0]!.topics[0]!.partitions[0]!.committedOffset)];
  out.lsoAfter = [await lo(1), await lo(0)];
  const lt = await c.request(66, 1, { stateFilters: ['CompleteCommit', 'Bogus'], producerIdFilters: [], durationFilter: -1n });
  out.listTxn = [lt.errorCode, lt.unknownStateFilters, lt.transactionStates.map((t) => [t.transactionalId, t.transactionState])];
  return out;
}

describe('groups and transactions: Wharf vs Apache Kafka 4.4', { skip: peerSkip('kafka') }, () => {
  let kafka: RunningKafka;
  let wharf: Broker;
  before(async () => {
    // Each kept as soon as it runs, so that after() closes it when the other fails to start.
    const started = await Promise.allSettled([startKafka().then((k) => (kafka = k)), startTestBroker({ kafkaPort: 0, fsync: 'never', groupInitialRebalanceDelay: 0 }).then((w) => (wharf = w))]);
    for (const r of started) if (r.status === 'rejected') throw r.reason;
  });
  after(async () => {
    await Promise.allSettled([kafka?.close(), wharf?.close()]);
  });

  test('same error codes, generations, epochs and offsets', { timeout: 120_000 }, async () => {
    const kc = await RawKafkaClient.connect(kafka.port);
    const wc = await RawKafkaClient.connect(wharf.ports.kafka);
    try {
      await Promise.all([warmUp(kc), warmUp(wc)]);
      const [k, w] = [await scenario(kc), await scenario(wc)];
      const diffs: string[] = [];
      for (const key of Object.keys(k)) {
        if (JSON.stringify(k[key]) !== JSON.stringify(w[key])) diffs.push(`${key}: kafka ${JSON.stringify(k[key])} wharf ${JSON.stringify(w[key])}`);
      }
      assert.deepEqual(diffs, [], `mismatches:\n${diffs.join('\n')}`);
    } finally {
      await kc.close();
      await wc.close();
    }
  });
});
