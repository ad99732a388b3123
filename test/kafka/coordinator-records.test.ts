// The coordinators' records in Kafka's schemas (src/kafka/coordinator-records.ts): each record
// kind Wharf maps reads back as the record it was, byte layouts start with Kafka's record type
// and value version, what Kafka's schema has no field for survives in Wharf's tagged field, and
// the kinds without a mapping are left to the internal topic's private form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { consumerOffsetsCodec, transactionStateCodec } from '../../src/kafka/coordinator-records.js';
import type { InternalRecord, InternalRecordCodec } from '../../src/core/coordinators/internal-topic.js';

function roundTrip(codec: InternalRecordCodec, r: InternalRecord): { type: number; version: number | null } {
  const e = codec.encode(r);
  assert.ok(e, `a mapping for ${JSON.stringify(r.key)}`);
  assert.deepEqual(codec.decode(e.key, e.value), r);
  return { type: e.key.readInt16BE(0), version: e.value === null ? null : e.value.readInt16BE(0) };
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
  assert.deepEqual(roundTrip(c, { key: ['cg', 'kip848'], value: { v: 1, epoch: 9, assignmentEpoch: 8, assignor: 'range', metadata: 'k' } }), { type: 3, version: 0 });
  assert.deepEqual(roundTrip(c, { key: ['cg', 'kip848'], value: null }), { type: 3, version: null });
  // Without a mapping (yet): the internal topic stores these in its private form.
  for (const key of [['cm', 'g', 'm'], ['to', 7, 'g', 't', 0], ['sg', 'g'], ['sm', 'g', 'm'], ['st', 'g']]) assert.equal(c.encode({ key, value: { v: 1 } }), null, JSON.stringify(key));
});

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
  roundTrip(t, { key: ['t', 'tx'], value: null });
  assert.equal(t.encode({ key: ['pid-block'], value: { v: 1, end: 1000 } }), null);
  assert.throws(() => t.encode({ key: ['t', 'tx'], value: { ...txn, state: 'Bogus' } }), /unknown transaction state/);
});
