// The coordinators' records in Kafka's schemas (src/kafka/coordinator-records.ts): each record
// kind Wharf maps reads back as the record it was, byte layouts start with Kafka's record type
// and value version, what Kafka's schema has no field for survives in Wharf's tagged field, and
// the kinds without a mapping are left to the internal topic's private form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { consumerOffsetsCodec, consumerOffsetsRecords, transactionStateCodec } from '../../src/kafka/coordinator-records.js';
import { shareGroupStateCodec } from '../../src/kafka/share-state-records.js';
import type { EncodedRecord, InternalRecord, InternalRecordCodec } from '../../src/core/coordinators/internal-topic.js';

function roundTrip(codec: InternalRecordCodec, r: InternalRecord): { type: number; version: number | null } {
  const e = codec.encode(r);
  assert.ok(e, `a mapping for ${JSON.stringify(r.key)}`);
  assert.ok(!Array.isArray(e), `one record for ${JSON.stringify(r.key)}`);
  assert.deepEqual(codec.decode(e.key, e.value), r);
  return { type: e.key.readInt16BE(0), version: e.value === null ? null : e.value.readInt16BE(0) };
}

/**
 * A record the codec writes as several: each decodes to a part under the same key, the parts'
 * fields are disjoint, and merged (as the internal topic's replay merges them) they are the
 * record. Returns the types and value versions of the records written.
 */
function roundTripParts(codec: InternalRecordCodec, r: InternalRecord): Array<{ type: number; version: number | null }> {
  const e = codec.encode(r);
  assert.ok(Array.isArray(e), `several records for ${JSON.stringify(r.key)}`);
  assert.equal(new Set(e.map((x) => x.key.toString('hex'))).size, e.length, 'each under its own key');
  let merged: Record<string, unknown> | null = null;
  const seen = new Set<string>();
  for (const x of e) {
    const d = codec.decode(x.key, x.value);
    assert.ok(d, 'decodes');
    assert.equal(d.part, true);
    assert.deepEqual(d.key, r.key);
    if (r.value === null) {
      assert.equal(d.value, null, 'a tombstone for each part');
      continue;
    }
    assert.ok(d.value);
    for (const f of Object.keys(d.value)) {
      if (f !== 'v') assert.ok(!seen.has(f), `field ${f} in one part only`);
      seen.add(f);
    }
    merged = { ...(merged ?? {}), ...d.value };
  }
  assert.deepEqual(merged, r.value);
  return e.map((x) => ({ type: x.key.readInt16BE(0), version: x.value === null ? null : x.value.readInt16BE(0) }));
}

test('offsets, classic groups and KIP-848 group epochs in __consumer_offsets read back unchanged', () => {
  const c = consumerOffsetsCodec;
  const offset = { v: 1, offset: 42, leaderEpoch: 7, metadata: 'm', commitTimestamp: 1_700_000_000_000, expireTimestamp: -1 };
  assert.deepEqual(roundTrip(c, { key: ['o', 'g', 't', 3], value: offset }), { type: 1, version: 3 });
  // An explicit expiry: version 1, which has no leader epoch (as Kafka writes it).
  assert.deepEqual(roundTrip(c, { key: ['o', 'g', 't', 3], value: { ...offset, leaderEpoch: -1, expireTimestamp: 1_800_000_000_000 } }), { type: 1, version: 1 });
  assert.deepEqual(roundTrip(c, { key: ['o', 'g', 't', 3], value: null }), { type: 1, version: null });
  const group = {
    v: 1,
    type: 'classic',
    protocolType: 'consumer',
    protocol: 'range',
    generation: 5,
    leader: 'm1',
    stateTimestamp: 1_700_000_000_123,
    members: [
      { memberId: 'm1', groupInstanceId: 'i1', clientId: 'c', clientHost: '/10.0.0.1', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 60_000, subscription: Buffer.from([0, 1, 2]).toString('base64'), assignment: Buffer.from([3]).toString('base64') },
      { memberId: 'm2', groupInstanceId: null, clientId: 'd', clientHost: '/10.0.0.2', sessionTimeoutMs: 45_000, rebalanceTimeoutMs: 300_000, subscription: '', assignment: '' },
    ],
  };
  assert.deepEqual(roundTrip(c, { key: ['g', 'grp'], value: group }), { type: 2, version: 3 });
  assert.deepEqual(roundTrip(c, { key: ['g', 'grp'], value: { ...group, protocolType: null, protocol: null, leader: null, members: [] } }), { type: 2, version: 3 });
  // A share group's epoch (Wharf keeps no share members or assignments).
  assert.deepEqual(roundTrip(c, { key: ['shg', 'q'], value: { v: 1, epoch: 4 } }), { type: 11, version: 0 });
  assert.deepEqual(roundTrip(c, { key: ['shg', 'q'], value: null }), { type: 11, version: null });
  // Without a mapping: the internal topic stores these in its private form.
  for (const key of [['to', 7, 'g', 't', 0]]) assert.equal(c.encode({ key, value: { v: 1 } }), null, JSON.stringify(key));
});

test('KIP-848 groups and members in __consumer_offsets: Kafka splits them into several records, which read back merged', () => {
  const c = consumerOffsetsCodec;
  // The group: its epoch (type 3), its assignment epoch (type 6).
  assert.deepEqual(roundTripParts(c, { key: ['cg', 'kip848'], value: { v: 1, epoch: 9, assignmentEpoch: 8, assignor: 'range', metadata: 'k' } }), [
    { type: 3, version: 0 },
    { type: 6, version: 0 },
  ]);
  assert.deepEqual(roundTripParts(c, { key: ['cg', 'kip848'], value: null }), [
    { type: 6, version: null },
    { type: 3, version: null },
  ]);
  // A record of a broker before type 6 (the assignment epoch in type 3's Wharf tag) still reads.
  const old = Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 9]), tagged(10_000, JSON.stringify({ assignmentEpoch: 8, assignor: 'range', metadata: 'k' }))]);
  assert.deepEqual(c.decode((c.encode({ key: ['cg', 'kip848'], value: null }) as EncodedRecord[])[1]!.key, old), { key: ['cg', 'kip848'], value: { v: 1, epoch: 9, metadata: 'k', assignor: 'range', assignmentEpoch: 8 }, part: true, legacy: true });
  // A member: metadata (5), target (7), current assignment (8); topics named in Wharf's tag.
  const member = {
    v: 1,
    instanceId: 'i',
    rackId: null,
    clientId: 'cli',
    clientHost: '/10.0.0.1',
    subscribedTopicNames: ['a', 'b'],
    subscribedTopicRegex: null,
    serverAssignor: 'uniform',
    rebalanceTimeoutMs: 30_000,
    epoch: 4,
    previousEpoch: 3,
    state: 'UNREVOKED_PARTITIONS',
    assigned: [['a', [0, 2]], ['b', [1]]],
    revoking: [['b', [0]]],
    target: [['a', [0, 1, 2]]],
    leftStatic: false,
  };
  assert.deepEqual(roundTripParts(c, { key: ['cm', 'g', 'm'], value: member }), [
    { type: 5, version: 0 },
    { type: 7, version: 0 },
    { type: 8, version: 0 },
  ]);
  for (const state of ['STABLE', 'UNRELEASED_PARTITIONS']) roundTripParts(c, { key: ['cm', 'g', 'm'], value: { ...member, state, assigned: [], revoking: [], target: [], leftStatic: true, instanceId: null, subscribedTopicRegex: 'x.*' } });
  assert.deepEqual(roundTripParts(c, { key: ['cm', 'g', 'm'], value: null }).map((x) => x.type), [8, 7, 5]);
  // Topic ids from the broker's log in the records (the member's topics by name in the tag).
  const withIds = consumerOffsetsRecords((t) => (t === 'a' ? Buffer.alloc(16, 1).toString('base64url') : null));
  const target = (withIds.encode({ key: ['cm', 'g', 'm'], value: member }) as EncodedRecord[])[1]!;
  assert.ok(target.value!.includes(Buffer.alloc(16, 1)), 'the topic id of a');
  assert.deepEqual(withIds.decode(target.key, target.value)?.value, { v: 1, target: [['a', [0, 1, 2]]] });
});

test('streams groups in __consumer_offsets: group, topology and members in Kafka 4.4 streams records', () => {
  const c = consumerOffsetsCodec;
  const group = { v: 1, epoch: 5, metadataKey: 'in:2', validatedTopologyEpoch: 3, endpointEpoch: 2, assignmentEpoch: 4 };
  assert.deepEqual(roundTripParts(c, { key: ['sg', 'app'], value: group }).map((x) => x.type), [17, 20]);
  assert.deepEqual(roundTripParts(c, { key: ['sg', 'app'], value: null }).map((x) => x.type), [20, 17]);
  const topology = {
    epoch: 3,
    subtopologies: [
      { subtopologyId: '0', sourceTopics: ['in'], sourceTopicRegex: [], stateChangelogTopics: [], repartitionSinkTopics: ['app-r-repartition'], repartitionSourceTopics: [], copartitionGroups: [{ sourceTopics: [0], sourceTopicRegex: [], repartitionSourceTopics: [] }] },
      {
        subtopologyId: '1',
        sourceTopics: [],
        sourceTopicRegex: ['x.*'],
        stateChangelogTopics: [{ name: 'app-s-changelog', partitions: 0, replicationFactor: 0, configs: [['cleanup.policy', 'compact']] }],
        repartitionSinkTopics: [],
        repartitionSourceTopics: [{ name: 'app-r-repartition', partitions: 4, replicationFactor: 1, configs: [] }],
        copartitionGroups: [],
      },
    ],
  };
  const e = c.encode({ key: ['st', 'app'], value: { v: 1, topology } }) as EncodedRecord[];
  assert.equal(e.length, 1);
  assert.equal(e[0]!.key.readInt16BE(0), 23);
  assert.deepEqual(c.decode(e[0]!.key, e[0]!.value), { key: ['st', 'app'], value: { v: 1, topology } });
  const none = c.encode({ key: ['st', 'app'], value: { v: 1, topology: null } }) as EncodedRecord[];
  assert.deepEqual(c.decode(none[0]!.key, none[0]!.value), { key: ['st', 'app'], value: null }, 'no topology: as its tombstone');
  const tasks = (a: Array<[string, number[]]>, s: Array<[string, number[]]> = [], w: Array<[string, number[]]> = []) => ({ active: a, standby: s, warmup: w });
  const member = {
    v: 1,
    instanceId: null,
    rackId: 'r1',
    clientId: 'cli',
    clientHost: '/10.0.0.1',
    processId: 'p1',
    userEndpoint: { host: 'h', port: 8080 },
    clientTags: [['zone', 'a']],
    topologyEpoch: 3,
    rebalanceTimeoutMs: 10_000,
    epoch: 6,
    previousEpoch: 5,
    state: 'UNREVOKED_TASKS',
    assigned: tasks([['0', [0, 1]]], [['1', [0]]]),
    revoking: tasks([['0', [1]]]),
    target: tasks([['0', [0]]], [], [['1', [1]]]),
  };
  assert.deepEqual(roundTripParts(c, { key: ['sm', 'app', 'm1'], value: member }).map((x) => x.type), [19, 21, 22]);
  for (const state of ['STABLE', 'UNRELEASED_TASKS']) roundTripParts(c, { key: ['sm', 'app', 'm1'], value: { ...member, state, userEndpoint: null, clientTags: [] } });
  assert.deepEqual(roundTripParts(c, { key: ['sm', 'app', 'm1'], value: null }).map((x) => x.type), [22, 21, 19]);
});

test("share-partition state in __share_group_state as Kafka's ShareSnapshot; the group's records private", () => {
  const c = shareGroupStateCodec;
  const topicId = '0123456789abcdef0123456789abcdef';
  const sp = { v: 1, topic: 'q', startOffset: 5, stateEpoch: 2, batches: [[5, 9, 2, 1], [10, 10, 4, 5], [11, 30, 0, 2]] };
  assert.deepEqual(roundTrip(c, { key: ['sp', 'g', topicId, 3], value: sp }), { type: 0, version: 0 });
  assert.deepEqual(roundTrip(c, { key: ['sp', 'g', topicId, 3], value: null }), { type: 0, version: null });
  const e = c.encode({ key: ['sp', 'g', topicId, 3], value: sp }) as EncodedRecord;
  assert.ok(e.key.includes(Buffer.from(topicId, 'hex')), "the topic id's 16 bytes in the key");
  for (const key of [['sg', 'g'], ['gc', 'g']]) assert.equal(c.encode({ key, value: { v: 1 } }), null, JSON.stringify(key));
  // Kafka's ShareUpdate (type 1), which Wharf does not write, is not read either.
  assert.equal(c.decode(Buffer.from([0, 1, 0, 1, 0x67]), null), null);
});

/** A tagged-field section of one field (uvarint count, tag, size, data). */
function tagged(tag: number, data: string): Buffer {
  const uv = (n: number): number[] => {
    const out: number[] = [];
    while (n >= 0x80) {
      out.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    out.push(n);
    return out;
  };
  const d = Buffer.from(data);
  return Buffer.concat([Buffer.from([...uv(1), ...uv(tag), ...uv(d.length)]), d]);
}

test('transactional ids in __transaction_state read back unchanged, Wharf-only fields included', () => {
  const t = transactionStateCodec;
  const txn = {
    v: 1,
    producerId: 12,
    producerEpoch: 3,
    lastProducerId: 11,
    lastProducerEpoch: 2,
    nextProducerId: -1,
    timeoutMs: 60_000,
    state: 'PrepareCommit',
    partitions: [['a', 0], ['a', 2], ['b', 1]],
    groups: ['g1', 'g2'],
    startTimestamp: 1_700_000_000_000,
    updateTimestamp: 1_700_000_000_500,
  };
  assert.deepEqual(roundTrip(t, { key: ['t', 'tx'], value: txn }), { type: 0, version: 1 });
  for (const state of ['Ongoing', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence']) roundTrip(t, { key: ['t', 'tx'], value: { ...txn, state } });
  roundTrip(t, { key: ['t', 'tx'], value: { ...txn, state: 'Empty', partitions: [], groups: [] } });
  // Each partition's floor (its next offset when it joined the transaction) rides in the tag too.
  roundTrip(t, { key: ['t', 'tx'], value: { ...txn, floors: [['a', 0, 17], ['a', 2, 0], ['b', 1, 4096]] } });
  roundTrip(t, { key: ['t', 'tx'], value: null });
  assert.equal(t.encode({ key: ['pid-block'], value: { v: 1, end: 1000 } }), null);
  assert.throws(() => t.encode({ key: ['t', 'tx'], value: { ...txn, state: 'Bogus' } }), /unknown transaction state/);
});
