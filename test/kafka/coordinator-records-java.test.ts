// Kafka 4.4's own formatters read Wharf's `__consumer_offsets`, `__transaction_state` and
// `__share_group_state`, because the coordinators write Kafka's record schemas
// (src/kafka/coordinator-records.ts and the mappings beside it):
// - kafka-console-consumer with OffsetsMessageFormatter, GroupMetadataMessageFormatter and
//   TransactionLogMessageFormatter prints the offsets, the classic group and the transaction
//   that kafkajs made; after a restart the broker reads them back;
// - Kafka's GroupCoordinatorRecordSerde (through test/kafka/java/AllGroupRecordsFormatter.java:
//   4.4 ships no formatter for these types) prints a KIP-848 group of Kafka's own console
//   consumer (group.protocol=consumer) and a streams group;
// - the same serde reads a group upgraded online from the classic protocol: its classic
//   member's ClassicMemberMetadata (session timeout, JoinGroup protocols), the classic group's
//   tombstone;
// - ShareGroupStateMessageFormatter and ShareGroupMessageFormatter print a share group's
//   share-partition state and epoch;
// - a data directory in the old form, started as a broker, is rewritten and read the same way.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startTestBroker } from '../support/broker.js';
import { findPeer, peerSkip } from '../support/peers.js';
import { waitFor, waitForValue } from '../support/wait.js';
import { kafkaClient } from './support/kafkajs.js';
import { compileJavaApp } from './support/java.js';
import type { Broker } from '../../src/index.js';
import { openTestLog, silentLogger } from '../storage/helpers.js';
import { startCoordinators } from '../../src/core/coordinators/index.js';
import { InternalTopic } from '../../src/core/coordinators/internal-topic.js';
import { buildRecordBatch } from '../../src/core/records/batch.js';
import { transactionStateCodec } from '../../src/kafka/coordinator-records.js';
import { oldConsumerOffsetsCodec } from './support/old-coordinator-records.js';
import { RawKafkaClient } from './support/groups-raw.js';

function run(cmd: string, args: string[], timeoutMs = 120_000): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ stdout, stderr, code: err ? ((err as { code?: number }).code ?? 1) : 0 });
    });
    child.stdin!.end('');
  });
}

interface Printed {
  key: { type: number; data: Record<string, unknown> };
  value: { version: number; data: Record<string, unknown> } | null;
}

describe("Kafka 4.4's formatters read Wharf's coordinator topics", { skip: peerSkip('kafka') }, () => {
  let broker: Broker;
  let dataDir: string;
  let bs: string;
  /**
   * Every record of the topic as the formatter prints it (the records it does not print are
   * skipped): one of Kafka's (by its name in org.apache.kafka.tools.consumer), or
   * `test:<class>`, a class of test/kafka/java compiled against Kafka's.
   */
  const formatted = async (topic: string, formatter: string, on: Broker = broker): Promise<Printed[]> => {
    // Kafka's own formatters run with the install's runner; a test class with java on the install's classpath and the class.
    let runner = [join(dirname(findPeer('kafka')!), 'kafka-run-class.sh')];
    let cls = `org.apache.kafka.tools.consumer.${formatter}`;
    if (formatter.startsWith('test:')) {
      const c = compileJavaApp(formatter.slice(5));
      compiled.push(c.classes);
      runner = ['java', '-Xmx256m', '-cp', c.classpath];
      cls = formatter.slice(5);
    }
    const part = on.log.partition(topic, 0);
    const expected = part.highWatermark - part.logStartOffset;
    const args = ['org.apache.kafka.tools.consumer.ConsoleConsumer', '--bootstrap-server', `127.0.0.1:${on.ports.kafka}`, '--topic', topic, '--from-beginning', '--max-messages', String(expected), '--timeout-ms', '60000', '--formatter', cls];
    const r = runner[0] === 'java' ? await run('java', [...runner.slice(1), ...args]) : await run('bash', [...runner, ...args]);
    assert.equal(r.code, 0, r.stderr);
    // Kafka 4.4's coordinator-record formatters end a record without a newline.
    return r.stdout
      .split(/\n|(?<=\})(?=\{"key":)/)
      .filter((l) => l.startsWith('{'))
      .map((l) => {
        try {
          return JSON.parse(l) as Printed;
        } catch {
          throw new Error(`${formatter} printed a line that is not JSON: ${l}`);
        }
      });
  };

  const compiled: string[] = [];
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'wharf-coordrec-'));
    broker = await startTestBroker({ kafkaPort: 0, fsync: 'never', dataDir, groupInitialRebalanceDelay: 0 });
    bs = `127.0.0.1:${broker.ports.kafka}`;
  });
  after(async () => {
    await broker?.close();
    rmSync(dataDir, { recursive: true, force: true });
    for (const d of compiled) rmSync(d, { recursive: true, force: true });
  });

  test('offsets, a classic group and a committed transaction, printed by the formatters and kept across a restart', { timeout: 300_000 }, async (t) => {
    const kafka = kafkaClient(broker.ports.kafka!);
    const admin = kafka.admin();
    const consumer = kafka.consumer({ groupId: 'fmt-group' });
    t.after(() => Promise.allSettled([consumer.disconnect(), admin.disconnect()]));
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'in', numPartitions: 2 }, { topic: 'out', numPartitions: 1 }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'in', messages: [{ partition: 0, value: 'a' }, { partition: 0, value: 'b' }, { partition: 1, value: 'c' }] });
    await producer.disconnect();

    // A classic group: a consumer joins, reads everything and commits.
    await consumer.connect();
    await consumer.subscribe({ topic: 'in', fromBeginning: true });
    let seen = 0;
    await consumer.run({ autoCommit: true, autoCommitInterval: 50, eachMessage: async () => void seen++ });
    await waitFor(() => seen === 3, { timeoutMs: 60_000, what: 'the consumer read 3 records' });
    await waitFor(() => broker.coordinators!.groups.offsets.get('fmt-group', 'in', 0)?.offset === 2 && broker.coordinators!.groups.offsets.get('fmt-group', 'in', 1)?.offset === 1, {
      timeoutMs: 60_000,
      what: 'offsets committed',
    });
    // A committed transaction holding a record and a group's offset.
    const txp = kafka.producer({ transactionalId: 'fmt-txn', idempotent: true, maxInFlightRequests: 1 });
    await txp.connect();
    const txn = await txp.transaction();
    await txn.send({ topic: 'out', messages: [{ value: 'x' }] });
    await txn.sendOffsets({ consumerGroupId: 'txn-group', topics: [{ topic: 'in', partitions: [{ partition: 0, offset: '7' }] }] });
    await txn.commit();
    await txp.disconnect();

    const offsets = await formatted('__consumer_offsets', 'OffsetsMessageFormatter');
    const latest = new Map<string, Printed>();
    for (const p of offsets) latest.set(`${String(p.key.data.group)}/${String(p.key.data.topic)}/${String(p.key.data.partition)}`, p);
    assert.equal(latest.get('fmt-group/in/0')?.key.type, 1);
    assert.equal(latest.get('fmt-group/in/0')?.value?.data.offset, 2);
    assert.equal(latest.get('fmt-group/in/1')?.value?.data.offset, 1);
    assert.equal(latest.get('txn-group/in/0')?.value?.data.offset, 7);
    assert.equal(latest.get('txn-group/in/0')?.value?.version, 3);

    const groups = await formatted('__consumer_offsets', 'GroupMetadataMessageFormatter');
    const group = groups.filter((p) => p.key.data.group === 'fmt-group' && p.value !== null).at(-1);
    assert.ok(group, JSON.stringify(groups));
    assert.equal(group.key.type, 2);
    assert.equal(group.value!.data.protocolType, 'consumer');
    assert.equal((group.value!.data.members as unknown[]).length, 1);

    const txns = await formatted('__transaction_state', 'TransactionLogMessageFormatter');
    const last = txns.filter((p) => p.key.data.transactionalId === 'fmt-txn').at(-1);
    t.diagnostic(JSON.stringify(last));
    t.diagnostic(JSON.stringify(group));
    assert.ok(last, JSON.stringify(txns));
    assert.equal(last.key.type, 0);
    assert.equal(last.value!.data.transactionStatus, 'CompleteCommit');
    assert.ok(txns.some((p) => p.value?.data.transactionStatus === 'PrepareCommit'), 'a PrepareCommit record');

    await consumer.disconnect();
    await admin.disconnect();
    // Read back by a restarted broker.
    const pid = broker.coordinators!.transactions.describe('fmt-txn');
    await broker.close();
    broker = await startTestBroker({ kafkaPort: 0, fsync: 'never', dataDir, groupInitialRebalanceDelay: 0 });
    bs = `127.0.0.1:${broker.ports.kafka}`;
    const gc = broker.coordinators!.groups;
    assert.equal(gc.offsets.get('fmt-group', 'in', 0)?.offset, 2);
    assert.equal(gc.offsets.get('fmt-group', 'in', 1)?.offset, 1);
    assert.equal(gc.offsets.get('txn-group', 'in', 0)?.offset, 7);
    assert.deepEqual(broker.coordinators!.transactions.describe('fmt-txn'), pid);
  });

  test("a KIP-848 group (Kafka's console consumer, group.protocol=consumer) and a streams group, read by Kafka's record serde", { timeout: 300_000 }, async (t) => {
    const kafka = kafkaClient(broker.ports.kafka!);
    const admin = kafka.admin();
    t.after(() => admin.disconnect());
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'k-in', numPartitions: 2 }, { topic: 's-in', numPartitions: 2 }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'k-in', messages: [{ partition: 0, value: 'a' }, { partition: 1, value: 'b' }] });
    await producer.disconnect();
    // A KIP-848 member: joins, is assigned both partitions, reads, commits and leaves.
    const consumed = await run('bash', [
      join(dirname(findPeer('kafka')!), 'kafka-run-class.sh'),
      'org.apache.kafka.tools.consumer.ConsoleConsumer',
      '--bootstrap-server',
      bs,
      '--topic',
      'k-in',
      '--group',
      'k848-fmt',
      '--command-property',
      'group.protocol=consumer',
      '--from-beginning',
      '--max-messages',
      '2',
      '--timeout-ms',
      '60000',
    ]);
    assert.equal(consumed.code, 0, consumed.stderr);
    assert.deepEqual(consumed.stdout.trim().split('\n').sort(), ['a', 'b']);
    // A streams group (the coordinator's heartbeat, as the Kafka front-end calls it): topology, a member owning its tasks.
    const sg = broker.coordinators!.streamsGroups;
    const topology = { epoch: 1, subtopologies: [{ subtopologyId: '0', sourceTopics: ['s-in'], sourceTopicRegex: [], stateChangelogTopics: [], repartitionSinkTopics: [], repartitionSourceTopics: [], copartitionGroups: [] }] };
    const hb = { groupId: 'streams-fmt', memberId: 'sm1', endpointInformationEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 10_000, processId: 'proc-1', userEndpoint: { host: 'app-host', port: 8080 }, clientTags: [['zone', 'z1']] as Array<[string, string]>, taskOffsets: null, taskEndOffsets: null, shutdownApplication: false, clientId: 'streams-cli', clientHost: '/127.0.0.1' };
    const first = await sg.heartbeat({ ...hb, memberEpoch: 0, topology, activeTasks: new Map(), standbyTasks: new Map(), warmupTasks: new Map() });
    assert.equal(first.error, null);
    let epoch = first.memberEpoch;
    let active = first.assignment?.active ?? new Map<string, Set<number>>();
    const owned = await waitForValue(
      async () => {
        const r = await sg.heartbeat({ ...hb, memberEpoch: epoch, topology: null, processId: null, userEndpoint: null, clientTags: null, activeTasks: active, standbyTasks: new Map(), warmupTasks: new Map() });
        if (r.error === null) epoch = r.memberEpoch;
        if (r.assignment) active = r.assignment.active;
        return r;
      },
      (r) => r.error === null && (active.get('0')?.size ?? 0) === 2 && r.memberEpoch === epoch,
      { timeoutMs: 30_000, what: 'the streams member assigned both tasks' },
    );
    assert.ok(owned.memberEpoch >= 1);

    const all = await formatted('__consumer_offsets', 'test:AllGroupRecordsFormatter');
    const latest = new Map<string, Printed>();
    for (const p of all) latest.set(`${p.key.type}/${JSON.stringify(p.key.data)}`, p);
    const of = (type: number, data: Record<string, unknown>) => latest.get(`${type}/${JSON.stringify(data)}`);
    const everyOf = (type: number, group: string) => all.filter((p) => p.key.type === type && p.key.data.groupId === group);
    const kIn = Buffer.from(broker.log.topicInfo('k-in')!.topicId, 'hex').toString('base64url');
    // The KIP-848 group: epochs (3, 6), and the member's records while it was in the group.
    assert.ok(Number(of(3, { groupId: 'k848-fmt' })?.value?.data.epoch) >= 1, JSON.stringify(everyOf(3, 'k848-fmt')));
    assert.ok(Number(of(6, { groupId: 'k848-fmt' })?.value?.data.assignmentEpoch) >= 1);
    const meta = everyOf(5, 'k848-fmt').find((p) => p.value !== null);
    assert.ok(meta, JSON.stringify(all.filter((p) => p.key.data.groupId === 'k848-fmt')));
    assert.deepEqual(meta.value!.data.subscribedTopicNames, ['k-in']);
    assert.equal(meta.value!.data.clientId, 'console-consumer');
    assert.equal(meta.value!.data.subscribedTopicRegex, '', 'no regular expression, as Kafka 4.4 writes it');
    const memberId = String(meta.key.data.memberId);
    const current = everyOf(8, 'k848-fmt').filter((p) => p.value !== null && (p.value.data.assignedPartitions as unknown[]).length > 0).at(-1);
    assert.ok(current, 'a current assignment with partitions');
    assert.equal(current.value!.data.state, 0, 'STABLE');
    assert.deepEqual(current.value!.data.assignedPartitions, [{ topicId: kIn, partitions: [0, 1] }]);
    const target = everyOf(7, 'k848-fmt').filter((p) => p.value !== null).at(-1);
    assert.deepEqual(target?.value!.data.topicPartitions, [{ topicId: kIn, partitions: [0, 1] }]);
    // It left: the newest record of each of its keys is a tombstone.
    for (const type of [5, 7, 8]) assert.equal(of(type, { groupId: 'k848-fmt', memberId })?.value, null, `type ${type} deleted`);
    // The streams group: 17, 20, 23 and the member's 19, 21, 22.
    assert.equal(of(17, { groupId: 'streams-fmt' })?.value?.data.validatedTopologyEpoch, 1);
    assert.ok(Number(of(20, { groupId: 'streams-fmt' })?.value?.data.assignmentEpoch) >= 1);
    const topo = of(23, { groupId: 'streams-fmt' })?.value?.data as { epoch: number; subtopologies: Array<{ subtopologyId: string; sourceTopics: string[] }> } | undefined;
    assert.equal(topo?.epoch, 1);
    assert.deepEqual(topo?.subtopologies.map((x) => [x.subtopologyId, x.sourceTopics]), [['0', ['s-in']]]);
    const sm = of(19, { groupId: 'streams-fmt', memberId: 'sm1' })?.value?.data;
    assert.equal(sm?.processId, 'proc-1');
    assert.deepEqual(sm?.userEndpoint, { host: 'app-host', port: 8080 });
    assert.deepEqual(sm?.clientTags, [{ key: 'zone', value: 'z1' }]);
    assert.deepEqual(of(21, { groupId: 'streams-fmt', memberId: 'sm1' })?.value?.data.activeTasks, [{ subtopologyId: '0', partitions: [0, 1] }]);
    const sCurrent = of(22, { groupId: 'streams-fmt', memberId: 'sm1' })?.value?.data;
    assert.equal(sCurrent?.memberEpoch, owned.memberEpoch);
    assert.deepEqual(sCurrent?.activeTasks, [{ subtopologyId: '0', partitions: [0, 1] }]);
    for (const p of all.filter((x) => x.key.data.groupId === 'k848-fmt')) t.diagnostic(JSON.stringify(p));
    t.diagnostic(JSON.stringify(of(22, { groupId: 'streams-fmt', memberId: 'sm1' })));

    // A restarted broker reads the streams group back.
    await broker.close();
    broker = await startTestBroker({ kafkaPort: 0, fsync: 'never', dataDir, groupInitialRebalanceDelay: 0 });
    bs = `127.0.0.1:${broker.ports.kafka}`;
    const d = broker.coordinators!.streamsGroups.describe('streams-fmt');
    assert.equal(d.members.length, 1);
    assert.equal(d.members[0]!.memberEpoch, owned.memberEpoch);
    assert.equal(broker.coordinators!.consumerGroups.describe('k848-fmt').members.length, 0);
  });

  test("a classic group upgraded online: its classic member's metadata, read by Kafka's record serde", { timeout: 300_000 }, async () => {
    const raw = await RawKafkaClient.connect(broker.ports.kafka!);
    try {
      const classic = await raw.joinAndSync('upgraded-fmt', 'k-in', { sessionTimeoutMs: 25_000, rebalanceTimeoutMs: 30_000 });
      const hb = await raw.request(68, 1, { groupId: 'upgraded-fmt', memberId: 'kc1', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 30_000, subscribedTopicNames: ['k-in'], subscribedTopicRegex: null, serverAssignor: null, topicPartitions: [] });
      assert.equal(hb.errorCode, 0);
      const all = await formatted('__consumer_offsets', 'test:AllGroupRecordsFormatter');
      const of = (type: number, memberId?: string) => all.filter((p) => p.key.type === type && p.key.data.group === undefined && p.key.data.groupId === 'upgraded-fmt' && (memberId === undefined || p.key.data.memberId === memberId)).at(-1);
      const member = of(5, classic.memberId)?.value?.data as { clientId: string; subscribedTopicNames: string[]; classicMemberMetadata: { sessionTimeoutMs: number; supportedProtocols: Array<{ name: string }> } | null } | undefined;
      assert.ok(member, JSON.stringify(all.filter((p) => p.key.data.groupId === 'upgraded-fmt')));
      assert.deepEqual(member.subscribedTopicNames, ['k-in']);
      assert.equal(member.classicMemberMetadata?.sessionTimeoutMs, 25_000);
      assert.deepEqual(member.classicMemberMetadata?.supportedProtocols.map((p) => p.name), ['RoundRobinAssigner', 'range'], 'the JoinGroup protocols, the selected one first');
      assert.equal((of(5, 'kc1')?.value?.data as { classicMemberMetadata?: unknown }).classicMemberMetadata ?? null, null, 'a consumer-protocol member has none');
      const groupRecords = all.filter((p) => p.key.type === 2 && p.key.data.group === 'upgraded-fmt');
      assert.ok(groupRecords.length >= 2 && groupRecords.at(-1)!.value === null, 'the classic group record, then its tombstone');
      assert.equal(Number(of(3)?.value?.data.epoch), classic.generationId + 1, 'the consumer group at the classic generation, bumped by the joining member');
    } finally {
      await raw.close();
    }
  });

  test("a share group's share-partition state and epoch, printed by Kafka's ShareGroupStateMessageFormatter and ShareGroupMessageFormatter", { timeout: 300_000 }, async () => {
    await broker.log.createTopic('share-q', { partitions: 1 });
    const kafka = kafkaClient(broker.ports.kafka!);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'share-q', messages: Array.from({ length: 10 }, (_, i) => ({ value: String(i) })) });
    await producer.disconnect();
    // The share coordinator as the Kafka front-end drives it: a member acquires the 10 records,
    // accepts 0-3, releases 4-5 and rejects 6.
    const sg = broker.coordinators!.shareGroups;
    assert.equal(await sg.alterConfigs('share-fmt', { 'share.auto.offset.reset': 'earliest' }, false), null);
    assert.equal((await sg.heartbeat({ groupId: 'share-fmt', memberId: 'sm', memberEpoch: 0, rackId: null, subscribedTopicNames: ['share-q'], clientId: 'c', clientHost: 'h' })).error, null);
    const ref = { topic: 'share-q', partition: 0 };
    assert.deepEqual((await sg.acquire('share-fmt', 'sm', ref, 500, 1 << 20)).acquired, [{ firstOffset: 0, lastOffset: 9, deliveryCount: 1 }]);
    const acks = [{ ref, batches: [{ firstOffset: 0, lastOffset: 3, types: [1] }, { firstOffset: 4, lastOffset: 5, types: [2] }, { firstOffset: 6, lastOffset: 6, types: [3] }] }];
    assert.deepEqual(await sg.acknowledge('share-fmt', 'sm', acks), [{ error: null, message: null }]);

    const printed = await formatted('__share_group_state', 'group.share.ShareGroupStateMessageFormatter');
    const topicId = Buffer.from(broker.log.topicInfo('share-q')!.topicId, 'hex').toString('base64url');
    const mine = printed.filter((p) => p.key.data.groupId === 'share-fmt');
    assert.ok(mine.length > 0, JSON.stringify(printed));
    for (const p of mine) assert.equal(p.key.type, 0, 'ShareSnapshot');
    const last = mine.at(-1)!;
    assert.deepEqual(last.key.data, { groupId: 'share-fmt', topicId, partition: 0 });
    const v = last.value!.data as { startOffset: number; stateEpoch: number; stateBatches: Array<Record<string, number>> };
    // 0-3 accepted: the start offset moved past them; 4-5 available again (delivered once), 6 archived.
    assert.equal(v.startOffset, 4);
    assert.deepEqual(
      v.stateBatches.map((b) => [b.firstOffset, b.lastOffset, b.deliveryState, b.deliveryCount]).filter(([, last]) => last! <= 6),
      [
        [4, 5, 0, 1],
        [6, 6, 4, 1],
      ],
    );
    // The group's epoch in __consumer_offsets, as Kafka's ShareGroupMetadata.
    const groups = await formatted('__consumer_offsets', 'ShareGroupMessageFormatter');
    const meta = groups.filter((p) => p.key.data.groupId === 'share-fmt').at(-1);
    assert.ok(meta, JSON.stringify(groups));
    assert.equal(meta.key.type, 11);
    assert.equal(meta.value?.data.epoch, sg.describe('share-fmt')!.epoch);
  });

  test('a data directory in the old form (private KIP-848, streams and share group records, JSON share state), started as a broker: rewritten, then read by the formatters and the broker', { timeout: 300_000 }, async (t) => {
    const oldDir = mkdtempSync(join(tmpdir(), 'wharf-coordrec-old-'));
    t.after(() => rmSync(oldDir, { recursive: true, force: true }));
    // 1. The old form: the coordinators with the old codec of __consumer_offsets and no codec for __share_group_state.
    const log = await openTestLog(oldDir);
    const c = await startCoordinators({ log, logger: silentLogger, groups: { offsetsRetentionCheckIntervalMs: 0, initialRebalanceDelayMs: 0, consumerSessionTimeoutMs: 600_000 }, shareGroups: { recordLockDurationMs: 600_000 }, transactions: { abortTimedOutIntervalMs: 0 }, recordCodecs: { consumerOffsets: oldConsumerOffsetsCodec, transactionState: transactionStateCodec } });
    await log.createTopic('old-in', { partitions: 2 });
    for (const p of [0, 1]) await log.partition('old-in', p).append(buildRecordBatch({ records: [{ value: Buffer.from('x') }, { value: Buffer.from('y') }] }));
    const k = await c.consumerGroups.heartbeat({ groupId: 'old-k', memberId: 'OA', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 10_000, subscribedTopicNames: ['old-in'], subscribedTopicRegex: null, serverAssignor: 'range', ownedPartitions: new Map(), clientId: 'old-cli', clientHost: '/127.0.0.1' });
    assert.equal(k.error, null);
    const topology = { epoch: 1, subtopologies: [{ subtopologyId: '0', sourceTopics: ['old-in'], sourceTopicRegex: [], stateChangelogTopics: [], repartitionSinkTopics: [], repartitionSourceTopics: [], copartitionGroups: [] }] };
    const s0 = await c.streamsGroups.heartbeat({ groupId: 'old-s', memberId: 'OS', memberEpoch: 0, endpointInformationEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 10_000, topology, activeTasks: new Map(), standbyTasks: new Map(), warmupTasks: new Map(), processId: 'old-proc', userEndpoint: null, clientTags: null, taskOffsets: null, taskEndOffsets: null, shutdownApplication: false, clientId: 'old-s-cli', clientHost: '/127.0.0.1' });
    assert.equal(s0.error, null);
    const sg = c.shareGroups;
    assert.equal(await sg.alterConfigs('old-q', { 'share.auto.offset.reset': 'earliest' }, false), null);
    assert.equal((await sg.heartbeat({ groupId: 'old-q', memberId: 'OQ', memberEpoch: 0, rackId: null, subscribedTopicNames: ['old-in'], clientId: 'c', clientHost: 'h' })).error, null);
    for (const partition of [0, 1]) {
      const ref = { topic: 'old-in', partition };
      assert.equal((await sg.acquire('old-q', 'OQ', ref, 500, 1 << 20)).acquired.length, 1);
      assert.deepEqual(await sg.acknowledge('old-q', 'OQ', [{ ref, batches: [{ firstOffset: 0, lastOffset: 0, types: [1] }] }]), [{ error: null, message: null }]);
    }
    const shareEpoch = sg.describe('old-q')!.epoch;
    c.close();
    // Where those brokers kept the share group's own record: ["sg", group] in __share_group_state (JSON).
    await (await InternalTopic.open(log, '__consumer_offsets', silentLogger, oldConsumerOffsetsCodec)).append([{ key: ['shg', 'old-q'], value: null }]);
    await (await InternalTopic.open(log, '__share_group_state', silentLogger)).append([{ key: ['sg', 'old-q'], value: { v: 1, epoch: shareEpoch } }]);
    await log.close();

    // 2. A broker on that directory rewrites the records; Kafka's formatters read them.
    const old = await startTestBroker({ kafkaPort: 0, fsync: 'never', dataDir: oldDir, groupInitialRebalanceDelay: 0 });
    try {
      const all = await formatted('__consumer_offsets', 'test:AllGroupRecordsFormatter', old);
      const mine = (g: string) => new Map(all.filter((p) => p.key.data.groupId === g).map((p) => [p.key.type, p]));
      const kRecords = mine('old-k');
      for (const type of [3, 5, 6, 7, 8]) assert.ok(kRecords.get(type)?.value, `KIP-848 type ${type}: ${JSON.stringify([...kRecords.values()])}`);
      assert.equal(kRecords.get(5)!.value!.data.clientId, 'old-cli');
      assert.deepEqual(kRecords.get(7)!.value!.data.topicPartitions, [{ topicId: Buffer.from(old.log.topicInfo('old-in')!.topicId, 'hex').toString('base64url'), partitions: [0, 1] }]);
      const sRecords = mine('old-s');
      for (const type of [17, 19, 20, 21, 22, 23]) assert.ok(sRecords.get(type)?.value, `streams type ${type}`);
      assert.equal(sRecords.get(19)!.value!.data.processId, 'old-proc');
      assert.equal(mine('old-q').get(11)?.value?.data.epoch, shareEpoch);
      const state = await formatted('__share_group_state', 'group.share.ShareGroupStateMessageFormatter', old);
      const snapshots = state.filter((p) => p.key.data.groupId === 'old-q' && p.value !== null);
      assert.deepEqual(snapshots.map((p) => [p.key.type, p.key.data.partition, p.value!.data.startOffset]).sort(), [
        [0, 0, 1],
        [0, 1, 1],
      ]);
      // And the broker has the groups.
      const cs = old.coordinators!;
      assert.deepEqual(cs.consumerGroups.describe('old-k').members.map((m) => m.memberId), ['OA']);
      assert.deepEqual(cs.streamsGroups.describe('old-s').members.map((m) => m.processId), ['old-proc']);
      assert.equal(cs.shareGroups.describe('old-q')?.epoch, shareEpoch);
      assert.equal(cs.shareGroups.inspect('old-q', 'old-in', 1)?.startOffset, 1);
    } finally {
      await old.close();
    }
  });
});
