// The coordinators' records in Kafka's own schemas, so that Kafka's tools read Wharf's
// `__consumer_offsets` and `__transaction_state` (kafka-console-consumer.sh with the
// OffsetsMessageFormatter, GroupMetadataMessageFormatter, TransactionLogMessageFormatter; the
// KIP-848 and streams records with Kafka's GroupCoordinatorRecordSerde). The core coordinators
// speak in InternalRecords (a key tuple and a value object) and know no wire format; this file
// maps those records to and from the generated codecs of the 4.4 definitions
// (src/kafka/protocol/records/), and the broker hands it to the coordinators.
//
// Layout, as Kafka's CoordinatorRecordSerde (record-frame.ts): key = int16 record type + key
// struct (version 0); value = int16 version + value struct; a tombstone has no value.
//   __consumer_offsets   ["o", group, topic, partition] -> OffsetCommit (type 1; value v3, or v1
//                                                           when the commit has an expiry)
//                        ["g", group]                    -> GroupMetadata (type 2; value v3)
//                        ["cg", group]                   -> ConsumerGroupMetadata (type 3: the
//                                                           KIP-848 group's epoch) and
//                                                           ConsumerGroupTargetAssignmentMetadata
//                                                           (type 6: its assignment epoch)
//                        ["cm", group, member]           -> types 5, 7, 8 (consumer-member-records.ts)
//                        ["sg" | "st" | "sm", ...]       -> types 17, 19-23 (streams-group-records.ts)
//                        ["shg", group]                  -> ShareGroupMetadata (type 11: a share
//                                                           group's epoch; Wharf keeps no share
//                                                           members or assignments)
//   __transaction_state  ["t", transactionalId]          -> TransactionLog (type 0; value v1)
// (`__share_group_state` is share-state-records.ts.) A record Kafka splits in several is
// written as several, each under its own key, and read back as parts the replay merges
// (internal-topic.ts). The other records (transactional offsets still pending, producer-id
// blocks) have no Kafka schema: encode() returns null for them and the internal topic keeps
// them in Wharf's private form, which Kafka's readers skip as a record type they do not know
// (docs/architecture.md, "Coordinators", says why).
//
// What Wharf keeps beyond Kafka's schema rides in a tagged field of a flexible value (Kafka's
// readers skip unknown tags): a transaction's last producer epoch, the groups whose offsets
// it holds (Kafka keeps the latter as the __consumer_offsets partitions of the transaction) and
// each partition's next offset when it joined the transaction (its floor: what ties a decision
// to its records when a marker is lost, transaction-coordinator.ts); a
// KIP-848 group's assignor and subscription metadata key. Brokers before type 6 kept the
// assignment epoch in type 3's tag: such a record is read and rewritten on start.
import type { DecodedRecord, InternalRecord, InternalRecordCodec, EncodedRecord } from '../core/coordinators/internal-topic.js';
import { Reader } from './protocol/reader.js';
import { RECORD_TYPES } from './protocol/records/index.js';
import { frame, num, str, valueFrame, wharfExtra, wharfTag, type TopicIdOf } from './record-frame.js';
import { CONSUMER_MEMBER_TYPES, decodeConsumerMember, encodeConsumerMember } from './consumer-member-records.js';
import { STREAMS_GROUP_TYPES, decodeStreamsGroup, encodeStreamsGroup } from './streams-group-records.js';
import { decodeShareGroupMetadataKey, decodeShareGroupMetadataValue, encodeShareGroupMetadataKey, encodeShareGroupMetadataValue } from './protocol/records/share-group-metadata.js';
import {
  decodeConsumerGroupTargetAssignmentMetadataKey,
  decodeConsumerGroupTargetAssignmentMetadataValue,
  encodeConsumerGroupTargetAssignmentMetadataKey,
  encodeConsumerGroupTargetAssignmentMetadataValue,
} from './protocol/records/consumer-group-target-assignment-metadata.js';
import { decodeOffsetCommitKey, decodeOffsetCommitValue, encodeOffsetCommitKey, encodeOffsetCommitValue } from './protocol/records/offset-commit.js';
import { decodeGroupMetadataKey, decodeGroupMetadataValue, encodeGroupMetadataKey, encodeGroupMetadataValue } from './protocol/records/group-metadata.js';
import { decodeConsumerGroupMetadataKey, decodeConsumerGroupMetadataValue, encodeConsumerGroupMetadataKey, encodeConsumerGroupMetadataValue } from './protocol/records/consumer-group-metadata.js';
import { decodeTransactionLogKey, decodeTransactionLogValue, encodeTransactionLogKey, encodeTransactionLogValue } from './protocol/records/transaction-log.js';

const GROUPS = RECORD_TYPES['group-coordinator'];
const TXNS = RECORD_TYPES['transaction-coordinator'];

// ---------------------------------------------------------------- __consumer_offsets

function encodeOffset(group: string, topic: string, partition: number, v: Record<string, unknown> | null): EncodedRecord {
  const key = frame(GROUPS.OffsetCommit.type, (w) => encodeOffsetCommitKey(w, 0, { group, topic, partition }));
  if (v === null) return { key, value: null };
  const expire = num(v.expireTimestamp, -1);
  // As Kafka: version 1 carries an explicit expiry (and no leader epoch), version 3 the rest.
  const version = expire !== -1 ? 1 : 3;
  const value = valueFrame(version, (w) =>
    encodeOffsetCommitValue(w, version, {
      offset: BigInt(num(v.offset, 0)),
      leaderEpoch: num(v.leaderEpoch, -1),
      metadata: str(v.metadata) ?? '',
      commitTimestamp: BigInt(num(v.commitTimestamp, 0)),
      expireTimestamp: BigInt(expire),
    }),
  );
  return { key, value };
}

function encodeGroup(group: string, v: Record<string, unknown> | null): EncodedRecord {
  const key = frame(GROUPS.GroupMetadata.type, (w) => encodeGroupMetadataKey(w, 0, { group }));
  if (v === null) return { key, value: null };
  const members = Array.isArray(v.members) ? (v.members as Array<Record<string, unknown>>) : [];
  const value = valueFrame(3, (w) =>
    encodeGroupMetadataValue(w, 3, {
      protocolType: str(v.protocolType) ?? '',
      generation: num(v.generation, 0),
      protocol: str(v.protocol),
      leader: str(v.leader),
      currentStateTimestamp: BigInt(num(v.stateTimestamp, -1)),
      members: members.map((m) => ({
        memberId: String(m.memberId),
        groupInstanceId: str(m.groupInstanceId),
        clientId: str(m.clientId) ?? '',
        clientHost: str(m.clientHost) ?? '',
        rebalanceTimeout: num(m.rebalanceTimeoutMs, -1),
        sessionTimeout: num(m.sessionTimeoutMs, 0),
        subscription: Buffer.from(str(m.subscription) ?? '', 'base64'),
        assignment: Buffer.from(str(m.assignment) ?? '', 'base64'),
      })),
    }),
  );
  return { key, value };
}

/**
 * A KIP-848 group: its epoch in ConsumerGroupMetadata (type 3; Wharf's assignor and
 * subscription metadata key in the tag), its assignment epoch in
 * ConsumerGroupTargetAssignmentMetadata (type 6). Two parts of the ["cg", group] record.
 */
function encodeConsumerGroup(group: string, v: Record<string, unknown> | null): EncodedRecord[] {
  const key3 = frame(GROUPS.ConsumerGroupMetadata.type, (w) => encodeConsumerGroupMetadataKey(w, 0, { groupId: group }));
  const key6 = frame(GROUPS.ConsumerGroupTargetAssignmentMetadata.type, (w) => encodeConsumerGroupTargetAssignmentMetadataKey(w, 0, { groupId: group }));
  if (v === null) return [{ key: key6, value: null }, { key: key3, value: null }];
  const extra = { assignor: str(v.assignor), metadata: str(v.metadata) ?? '' };
  const value3 = valueFrame(0, (w) => encodeConsumerGroupMetadataValue(w, 0, { epoch: num(v.epoch, 0), unknownTaggedFields: wharfTag(extra) }));
  const value6 = valueFrame(0, (w) => encodeConsumerGroupTargetAssignmentMetadataValue(w, 0, { assignmentEpoch: num(v.assignmentEpoch, 0) }));
  return [
    { key: key3, value: value3 },
    { key: key6, value: value6 },
  ];
}

/** A share group's epoch: ShareGroupMetadata (type 11; Kafka's MetadataHash written as 0). */
function encodeShareGroup(group: string, v: Record<string, unknown> | null): EncodedRecord {
  const key = frame(GROUPS.ShareGroupMetadata.type, (w) => encodeShareGroupMetadataKey(w, 0, { groupId: group }));
  if (v === null) return { key, value: null };
  return { key, value: valueFrame(0, (w) => encodeShareGroupMetadataValue(w, 0, { epoch: num(v.epoch, 0), metadataHash: 0n })) };
}

/**
 * `__consumer_offsets` in Kafka's schema: offsets, classic groups, KIP-848 groups and their
 * members. `topicIdOf` names the topics of a KIP-848 assignment by id (Kafka's records do);
 * without it (tests) every id is the zero id.
 */
export function consumerOffsetsRecords(topicIdOf: TopicIdOf = () => null): InternalRecordCodec {
  return {
    encode(r: InternalRecord): EncodedRecord | EncodedRecord[] | null {
      const k = r.key;
      if (k[0] === 'o' && k.length === 4) return encodeOffset(String(k[1]), String(k[2]), Number(k[3]), r.value);
      if (k[0] === 'g' && k.length === 2) return encodeGroup(String(k[1]), r.value);
      if (k[0] === 'cg' && k.length === 2) return encodeConsumerGroup(String(k[1]), r.value);
      if (k[0] === 'cm' && k.length === 3) return encodeConsumerMember(String(k[1]), String(k[2]), r.value, topicIdOf);
      if (k[0] === 'sg' || k[0] === 'st' || k[0] === 'sm') return encodeStreamsGroup(k, r.value);
      if (k[0] === 'shg' && k.length === 2) return encodeShareGroup(String(k[1]), r.value);
      return null;
    },
    decode: decodeConsumerOffsets,
  };
}

/** `__consumer_offsets` with zero topic ids in KIP-848 assignments (tests, tools: the broker passes the log's ids). */
export const consumerOffsetsCodec: InternalRecordCodec = consumerOffsetsRecords();

function decodeConsumerOffsets(keyBytes: Buffer, valueBytes: Buffer | null): DecodedRecord | null {
  const kr = new Reader(keyBytes);
  const type = kr.int16();
  // Types 0 and 1 are both offset commits (0: Kafka before 2.x's key version 1); same layout.
  if (type === GROUPS.LegacyOffsetCommit.type || type === GROUPS.OffsetCommit.type) {
    const key = decodeOffsetCommitKey(kr, 0);
    const tuple = ['o', key.group, key.topic, key.partition];
    if (valueBytes === null) return { key: tuple, value: null };
    const vr = new Reader(valueBytes);
    const v = decodeOffsetCommitValue(vr, vr.int16());
    return {
      key: tuple,
      value: { v: 1, offset: Number(v.offset), leaderEpoch: v.leaderEpoch ?? -1, metadata: v.metadata, commitTimestamp: Number(v.commitTimestamp), expireTimestamp: Number(v.expireTimestamp ?? -1n) },
    };
  }
  if (type === GROUPS.GroupMetadata.type) {
    const key = decodeGroupMetadataKey(kr, 0);
    const tuple = ['g', key.group];
    if (valueBytes === null) return { key: tuple, value: null };
    const vr = new Reader(valueBytes);
    const v = decodeGroupMetadataValue(vr, vr.int16());
    return {
      key: tuple,
      value: {
        v: 1,
        type: 'classic',
        protocolType: v.protocolType === '' ? null : v.protocolType,
        protocol: v.protocol,
        generation: v.generation,
        leader: v.leader,
        ...(v.currentStateTimestamp !== undefined && v.currentStateTimestamp !== -1n ? { stateTimestamp: Number(v.currentStateTimestamp) } : {}),
        members: v.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId ?? null,
          clientId: m.clientId,
          clientHost: m.clientHost,
          sessionTimeoutMs: m.sessionTimeout,
          rebalanceTimeoutMs: m.rebalanceTimeout === undefined || m.rebalanceTimeout < 0 ? m.sessionTimeout : m.rebalanceTimeout,
          subscription: m.subscription.toString('base64'),
          assignment: m.assignment.toString('base64'),
        })),
      },
    };
  }
  if (type === GROUPS.ConsumerGroupMetadata.type) {
    const tuple = ['cg', decodeConsumerGroupMetadataKey(kr, 0).groupId];
    if (valueBytes === null) return { key: tuple, value: null, part: true };
    const vr = new Reader(valueBytes);
    const v = decodeConsumerGroupMetadataValue(vr, vr.int16());
    const extra = wharfExtra(v.unknownTaggedFields);
    const value: Record<string, unknown> = { v: 1, epoch: v.epoch, metadata: str(extra.metadata) ?? '' };
    if (typeof extra.assignor === 'string') value.assignor = extra.assignor;
    // Brokers before type 6 kept the assignment epoch here: rewritten in type 6 on start.
    if (typeof extra.assignmentEpoch === 'number') return { key: tuple, value: { ...value, assignmentEpoch: extra.assignmentEpoch }, part: true, legacy: true };
    return { key: tuple, value, part: true };
  }
  if (type === GROUPS.ConsumerGroupTargetAssignmentMetadata.type) {
    const tuple = ['cg', decodeConsumerGroupTargetAssignmentMetadataKey(kr, 0).groupId];
    if (valueBytes === null) return { key: tuple, value: null, part: true };
    const vr = new Reader(valueBytes);
    return { key: tuple, value: { v: 1, assignmentEpoch: decodeConsumerGroupTargetAssignmentMetadataValue(vr, vr.int16()).assignmentEpoch }, part: true };
  }
  if (CONSUMER_MEMBER_TYPES.includes(type)) {
    let vr: Reader | null = null;
    if (valueBytes !== null) vr = new Reader(valueBytes);
    return decodeConsumerMember(type, kr, vr);
  }
  if (type === GROUPS.ShareGroupMetadata.type) {
    const tuple = ['shg', decodeShareGroupMetadataKey(kr, 0).groupId];
    if (valueBytes === null) return { key: tuple, value: null };
    const vr = new Reader(valueBytes);
    return { key: tuple, value: { v: 1, epoch: decodeShareGroupMetadataValue(vr, vr.int16()).epoch } };
  }
  if (STREAMS_GROUP_TYPES.includes(type)) return decodeStreamsGroup(type, kr, valueBytes === null ? null : new Reader(valueBytes));
  return null;
}

// ---------------------------------------------------------------- __transaction_state

/** Kafka's TransactionState ids (TransactionState.java), as stored in TransactionStatus. */
const TXN_STATES = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence'] as const;

function encodeTxn(id: string, v: Record<string, unknown> | null): EncodedRecord {
  const key = frame(TXNS.TransactionLog.type, (w) => encodeTransactionLogKey(w, 0, { transactionalId: id }));
  if (v === null) return { key, value: null };
  const state = TXN_STATES.indexOf(String(v.state) as (typeof TXN_STATES)[number]);
  if (state < 0) throw new Error(`unknown transaction state ${String(v.state)}`);
  const byTopic = new Map<string, number[]>();
  for (const [t, p] of Array.isArray(v.partitions) ? (v.partitions as Array<[string, number]>) : []) {
    let ps = byTopic.get(t);
    if (!ps) byTopic.set(t, (ps = []));
    ps.push(p);
  }
  const floors = Array.isArray(v.floors) ? v.floors : [];
  const extra = { lastProducerEpoch: num(v.lastProducerEpoch, -1), groups: Array.isArray(v.groups) ? v.groups : [], ...(floors.length > 0 ? { floors } : {}) };
  const value = valueFrame(1, (w) =>
    encodeTransactionLogValue(w, 1, {
      producerId: BigInt(num(v.producerId, -1)),
      previousProducerId: BigInt(num(v.lastProducerId, -1)),
      nextProducerId: BigInt(num(v.nextProducerId, -1)),
      producerEpoch: num(v.producerEpoch, -1),
      transactionTimeoutMs: num(v.timeoutMs, 0),
      transactionStatus: state,
      // As Kafka: an Empty transaction has no partition list.
      transactionPartitions: state === 0 ? null : [...byTopic].map(([topic, partitionIds]) => ({ topic, partitionIds })),
      transactionLastUpdateTimestampMs: BigInt(num(v.updateTimestamp, 0)),
      transactionStartTimestampMs: BigInt(num(v.startTimestamp, -1)),
      unknownTaggedFields: wharfTag(extra),
    }),
  );
  return { key, value };
}

/** `__transaction_state`: transactional ids in Kafka's schema. */
export const transactionStateCodec: InternalRecordCodec = {
  encode(r: InternalRecord): EncodedRecord | null {
    if (r.key[0] === 't' && r.key.length === 2) return encodeTxn(String(r.key[1]), r.value);
    return null;
  },
  decode(keyBytes: Buffer, valueBytes: Buffer | null): InternalRecord | null {
    const kr = new Reader(keyBytes);
    if (kr.int16() !== TXNS.TransactionLog.type) return null;
    const tuple = ['t', decodeTransactionLogKey(kr, 0).transactionalId];
    if (valueBytes === null) return { key: tuple, value: null };
    const vr = new Reader(valueBytes);
    const v = decodeTransactionLogValue(vr, vr.int16());
    const extra = wharfExtra(v.unknownTaggedFields);
    const state = TXN_STATES[v.transactionStatus];
    if (state === undefined) throw new Error(`unknown transaction state ${v.transactionStatus}`);
    return {
      key: tuple,
      value: {
        v: 1,
        producerId: Number(v.producerId),
        producerEpoch: v.producerEpoch,
        lastProducerId: Number(v.previousProducerId ?? -1n),
        lastProducerEpoch: num(extra.lastProducerEpoch, -1),
        nextProducerId: Number(v.nextProducerId ?? -1n),
        timeoutMs: v.transactionTimeoutMs,
        state,
        partitions: (v.transactionPartitions ?? []).flatMap((t) => t.partitionIds.map((p) => [t.topic, p])),
        groups: Array.isArray(extra.groups) ? extra.groups : [],
        ...(Array.isArray(extra.floors) ? { floors: extra.floors } : {}),
        startTimestamp: Number(v.transactionStartTimestampMs),
        updateTimestamp: Number(v.transactionLastUpdateTimestampMs),
      },
    };
  },
};
