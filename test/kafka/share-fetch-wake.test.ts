// Share groups (KIP-932): a ShareFetch waiting on a share-partition whose in-flight window is
// full (share.partition.max.record.locks records acquired) gets records as soon as another member
// accepts some, not only when its MaxWaitMs runs out. Accepting moves the share-partition start
// offset and makes room for the records after the window. Wharf woke waiting fetches on
// releases only, so a member of a busy partition slept its whole MaxWaitMs (franz-go's default
// is 5 s) once the log stopped growing, then answered empty: franz-go's TestShareGroupETL level 2
// crawled at about 60 records/s per partition after level 1 had finished, and timed out.
// Raw protocol (the repo's codec), two members on two connections.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBroker } from '../support/broker.js';
import type { Broker } from '../../src/index.js';
import { buildRecordBatch } from '../../src/core/records/batch.js';
import { RawKafka } from './support/raw-kafka.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TOPIC = 'window';
const GROUP = 'window-group';
const LOCKS = 100;

describe('ShareFetch waiting on a full in-flight window', () => {
  let broker: Broker;
  let a: RawKafka;
  let b: RawKafka;
  let topicId: string;

  before(async () => {
    broker = await startTestBroker({ kafkaPort: 0, fsync: 'never' });
    [a, b] = await Promise.all([RawKafka.connect('127.0.0.1', broker.ports.kafka), RawKafka.connect('127.0.0.1', broker.ports.kafka)]);
    const created = await a.send(19, 7, { topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5_000, validateOnly: false });
    assert.equal(created.topics[0]!.errorCode, 0);
    for (let s = 0; s < 2 * LOCKS; s += LOCKS / 2) {
      const r = await a.send(0, 9, { transactionalId: null, acks: -1, timeoutMs: 5_000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: buildRecordBatch({ records: Array.from({ length: LOCKS / 2 }, (_, i) => ({ value: String(s + i) })) }) }] }] });
      assert.equal(r.responses[0]!.partitionResponses[0]!.errorCode, 0);
    }
    const cfg = await a.send(44, 1, {
      resources: [{ resourceType: 32, resourceName: GROUP, configs: [{ name: 'share.auto.offset.reset', configOperation: 0, value: 'earliest' }, { name: 'share.partition.max.record.locks', configOperation: 0, value: String(LOCKS) }] }],
      validateOnly: false,
    });
    assert.equal(cfg.responses[0]!.errorCode, 0, cfg.responses[0]!.errorMessage ?? '');
    const md = await a.send(3, 12, { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: TOPIC }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    topicId = md.topics[0]!.topicId!;
  });

  after(async () => {
    a?.close();
    b?.close();
    await broker?.close();
  });

  /** Heartbeats until the member is assigned the topic's partition. */
  async function join(c: RawKafka, member: string): Promise<void> {
    let hb = await c.send(76, 1, { groupId: GROUP, memberId: member, memberEpoch: 0, rackId: null, subscribedTopicNames: [TOPIC] });
    for (let i = 0; i < 100 && (hb.assignment?.topicPartitions ?? []).length === 0; i++) {
      assert.equal(hb.errorCode, 0, hb.errorMessage ?? '');
      await sleep(100);
      hb = await c.send(76, 1, { groupId: GROUP, memberId: member, memberEpoch: hb.memberEpoch, rackId: null, subscribedTopicNames: null });
    }
    assert.equal(hb.errorCode, 0, hb.errorMessage ?? '');
    assert.ok((hb.assignment?.topicPartitions ?? []).length > 0, `${member} assigned`);
  }

  const fetch = (c: RawKafka, member: string, epoch: number, maxWaitMs: number, maxRecords: number) =>
    c.send(78, 1, { groupId: GROUP, memberId: member, shareSessionEpoch: epoch, maxWaitMs, minBytes: 1, maxBytes: 1_048_576, maxRecords, batchSize: maxRecords, topics: epoch === 0 ? [{ topicId, partitions: [{ partitionIndex: 0, acknowledgementBatches: [] }] }] : [], forgottenTopicsData: [] }, maxWaitMs + 5_000);

  test('an accept by one member lets the fetch another member is waiting in acquire', { timeout: 60_000 }, async () => {
    await join(a, 'member-a');
    await join(b, 'member-b');
    // A fills the window: the first LOCKS records.
    const held = await fetch(a, 'member-a', 0, 1_000, LOCKS);
    assert.equal(held.errorCode, 0);
    const ranges = held.responses.flatMap((t) => t.partitions).flatMap((p) => p.acquiredRecords);
    assert.deepEqual(ranges.map((r) => [Number(r.firstOffset), Number(r.lastOffset)]), [[0, LOCKS - 1]]);
    // B waits: nothing may be acquired while the window is full (its long MaxWaitMs is the
    // bound, not a clock the test waits on: the answer ends the wait).
    const waiting = fetch(b, 'member-b', 0, 8_000, LOCKS);
    let answered = false;
    void waiting.then(() => (answered = true));
    // Give B's fetch time to park on the full window (no records, no answer), then accept. Over
    // the wire the parking cannot be observed: if B were not parked yet it would find the
    // records on its first try and the test would pass without the wake-up (never fail falsely).
    // Without the wake-up B answers empty when its 8 s MaxWaitMs ends (seen red so).
    for (let i = 0; i < 50 && !answered; i++) await sleep(20);
    assert.equal(answered, false, 'B cannot acquire while the window is full');
    const ack = await a.send(79, 1, { groupId: GROUP, memberId: 'member-a', shareSessionEpoch: 1, topics: [{ topicId, partitions: [{ partitionIndex: 0, acknowledgementBatches: [{ firstOffset: 0n, lastOffset: BigInt(LOCKS - 1), acknowledgeTypes: [1] }] }] }] });
    assert.deepEqual(ack.responses.flatMap((t) => t.partitions.map((p) => p.errorCode)), [0]);
    const got = await waiting;
    assert.equal(got.errorCode, 0);
    const acquired = got.responses.flatMap((t) => t.partitions).flatMap((p) => p.acquiredRecords);
    assert.deepEqual(acquired.map((r) => [Number(r.firstOffset), Number(r.lastOffset), r.deliveryCount]), [[LOCKS, 2 * LOCKS - 1, 1]], 'B acquires the records after the window once A accepted');
  });
});
