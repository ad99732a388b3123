// A KIP-848 consumer group member (Wharf's ["cm", group, member] record) in Kafka 4.4's records
// of `__consumer_offsets`, as Kafka splits it:
//   ConsumerGroupMemberMetadata (type 5)          the member: ids, client, subscription, timeout
//   ConsumerGroupCurrentMemberAssignment (type 8) its epochs, state, assigned and revoking partitions
//   ConsumerGroupTargetAssignmentMember (type 7)  its target assignment
// Each under its own key with a whole value of its own (compaction keeps the newest of each),
// written together for every change of the member, a tombstone for each when it leaves. On
// replay each decodes to a part of the member record (disjoint fields) that the internal topic
// merges (internal-topic.ts). Kafka's schema names topics by id; Wharf names them by name (the
// core knows no ids, and a topic deleted since keeps its name): the names ride in Wharf's tagged
// field, in the order of the topic entries, and the ids come from the log when the record is
// written (the zero id for a topic the log no longer has). Also Wharf's: a static member that
// left (leftStatic), in type 8's tag. A classic-protocol member of a consumer group (online
// migration, group-migration.ts) carries its session timeout and JoinGroup protocols in type 5's
// ClassicMemberMetadata (tag 0), as Kafka writes them.
import type { EncodedRecord, DecodedRecord } from '../core/coordinators/internal-topic.js';
import type { Reader } from './protocol/reader.js';
import { RECORD_TYPES } from './protocol/records/index.js';
import {
  decodeConsumerGroupMemberMetadataKey,
  decodeConsumerGroupMemberMetadataValue,
  encodeConsumerGroupMemberMetadataKey,
  encodeConsumerGroupMemberMetadataValue,
} from './protocol/records/consumer-group-member-metadata.js';
import {
  decodeConsumerGroupCurrentMemberAssignmentKey,
  decodeConsumerGroupCurrentMemberAssignmentValue,
  encodeConsumerGroupCurrentMemberAssignmentKey,
  encodeConsumerGroupCurrentMemberAssignmentValue,
} from './protocol/records/consumer-group-current-member-assignment.js';
import {
  decodeConsumerGroupTargetAssignmentMemberKey,
  decodeConsumerGroupTargetAssignmentMemberValue,
  encodeConsumerGroupTargetAssignmentMemberKey,
  encodeConsumerGroupTargetAssignmentMemberValue,
} from './protocol/records/consumer-group-target-assignment-member.js';
import { frame, num, str, valueFrame, wharfExtra, wharfTag, ZERO_TOPIC_ID, type TopicIdOf } from './record-frame.js';

const T = RECORD_TYPES['group-coordinator'];

/** Kafka's MemberState ids (the int8 of type 8). */
const MEMBER_STATES = ['STABLE', 'UNREVOKED_PARTITIONS', 'UNRELEASED_PARTITIONS'] as const;

type Assignment = Array<[string, number[]]>;
const assignment = (v: unknown): Assignment => (Array.isArray(v) ? (v as Assignment) : []);
const byId = (a: Assignment, idOf: TopicIdOf) => a.map(([topic, partitions]) => ({ topicId: idOf(topic) ?? ZERO_TOPIC_ID, partitions }));
const names = (a: Assignment): string[] => a.map(([t]) => t);
/** The assignment back by name: the i-th topic entry is the i-th name of Wharf's tag. */
function byName(entries: Array<{ partitions: number[] }>, topicNames: unknown): Assignment {
  const ns = Array.isArray(topicNames) ? (topicNames as string[]) : [];
  if (ns.length !== entries.length) throw new Error(`${entries.length} topic entries but ${ns.length} topic names`);
  return entries.map((e, i) => [ns[i]!, e.partitions]);
}

/** A classic-protocol member's ClassicMemberMetadata (tag 0 of type 5) from Wharf's record (protocol metadata in base64); null for a consumer-protocol member. */
function classicMetadata(v: unknown): { sessionTimeoutMs: number; supportedProtocols: Array<{ name: string; metadata: Buffer }> } | null {
  if (typeof v !== 'object' || v === null) return null;
  const c = v as { sessionTimeoutMs?: unknown; protocols?: unknown };
  const protocols = Array.isArray(c.protocols) ? (c.protocols as Array<{ name?: unknown; metadata?: unknown }>) : [];
  return { sessionTimeoutMs: num(c.sessionTimeoutMs, 0), supportedProtocols: protocols.map((p) => ({ name: String(p.name ?? ''), metadata: Buffer.from(String(p.metadata ?? ''), 'base64') })) };
}

export const CONSUMER_MEMBER_TYPES: readonly number[] = [T.ConsumerGroupMemberMetadata.type, T.ConsumerGroupCurrentMemberAssignment.type, T.ConsumerGroupTargetAssignmentMember.type];

export function encodeConsumerMember(groupId: string, memberId: string, v: Record<string, unknown> | null, idOf: TopicIdOf): EncodedRecord[] {
  const key5 = frame(T.ConsumerGroupMemberMetadata.type, (w) => encodeConsumerGroupMemberMetadataKey(w, 0, { groupId, memberId }));
  const key8 = frame(T.ConsumerGroupCurrentMemberAssignment.type, (w) => encodeConsumerGroupCurrentMemberAssignmentKey(w, 0, { groupId, memberId }));
  const key7 = frame(T.ConsumerGroupTargetAssignmentMember.type, (w) => encodeConsumerGroupTargetAssignmentMemberKey(w, 0, { groupId, memberId }));
  // As Kafka deletes a member: its current assignment, its target, then the member.
  if (v === null) return [{ key: key8, value: null }, { key: key7, value: null }, { key: key5, value: null }];
  const state = MEMBER_STATES.indexOf(String(v.state ?? 'STABLE') as (typeof MEMBER_STATES)[number]);
  if (state < 0) throw new Error(`unknown member state ${String(v.state)}`);
  const assigned = assignment(v.assigned);
  const revoking = assignment(v.revoking);
  const target = assignment(v.target);
  const value5 = valueFrame(0, (w) =>
    encodeConsumerGroupMemberMetadataValue(w, 0, {
      instanceId: str(v.instanceId),
      rackId: str(v.rackId),
      clientId: str(v.clientId) ?? '',
      clientHost: str(v.clientHost) ?? '',
      subscribedTopicNames: Array.isArray(v.subscribedTopicNames) ? (v.subscribedTopicNames as string[]) : [],
      // As Kafka 4.4 writes a member without a regular expression.
      subscribedTopicRegex: str(v.subscribedTopicRegex) ?? '',
      rebalanceTimeoutMs: num(v.rebalanceTimeoutMs, -1),
      serverAssignor: str(v.serverAssignor),
      classicMemberMetadata: classicMetadata(v.classic),
    }),
  );
  const value8 = valueFrame(0, (w) =>
    encodeConsumerGroupCurrentMemberAssignmentValue(w, 0, {
      memberEpoch: num(v.epoch, 0),
      previousMemberEpoch: num(v.previousEpoch, -1),
      state,
      assignedPartitions: byId(assigned, idOf),
      partitionsPendingRevocation: byId(revoking, idOf),
      unknownTaggedFields: wharfTag({ assigned: names(assigned), revoking: names(revoking), leftStatic: v.leftStatic === true }),
    }),
  );
  const value7 = valueFrame(0, (w) => encodeConsumerGroupTargetAssignmentMemberValue(w, 0, { topicPartitions: byId(target, idOf), unknownTaggedFields: wharfTag({ target: names(target) }) }));
  // The target before the current assignment and the member last, as Kafka writes a new member's records.
  return [
    { key: key5, value: value5 },
    { key: key7, value: value7 },
    { key: key8, value: value8 },
  ];
}

/** One of a member's records (its type already read from `kr`) as a part of Wharf's member record. */
export function decodeConsumerMember(type: number, kr: Reader, vr: Reader | null): DecodedRecord {
  if (type === T.ConsumerGroupMemberMetadata.type) {
    const k = decodeConsumerGroupMemberMetadataKey(kr, 0);
    const key = ['cm', k.groupId, k.memberId];
    if (vr === null) return { key, value: null, part: true };
    const v = decodeConsumerGroupMemberMetadataValue(vr, vr.int16());
    return {
      key,
      part: true,
      value: {
        v: 1,
        instanceId: v.instanceId,
        rackId: v.rackId,
        clientId: v.clientId,
        clientHost: v.clientHost,
        subscribedTopicNames: v.subscribedTopicNames,
        subscribedTopicRegex: v.subscribedTopicRegex === '' ? null : v.subscribedTopicRegex,
        serverAssignor: v.serverAssignor,
        rebalanceTimeoutMs: v.rebalanceTimeoutMs,
        // Only a classic-protocol member has it.
        ...(v.classicMemberMetadata == null
          ? {}
          : { classic: { sessionTimeoutMs: v.classicMemberMetadata.sessionTimeoutMs, protocols: v.classicMemberMetadata.supportedProtocols.map((p) => ({ name: p.name, metadata: p.metadata.toString('base64') })) } }),
      },
    };
  }
  if (type === T.ConsumerGroupCurrentMemberAssignment.type) {
    const k = decodeConsumerGroupCurrentMemberAssignmentKey(kr, 0);
    const key = ['cm', k.groupId, k.memberId];
    if (vr === null) return { key, value: null, part: true };
    const v = decodeConsumerGroupCurrentMemberAssignmentValue(vr, vr.int16());
    const extra = wharfExtra(v.unknownTaggedFields);
    const state = MEMBER_STATES[v.state];
    if (state === undefined) throw new Error(`unknown member state ${v.state}`);
    return {
      key,
      part: true,
      value: { v: 1, epoch: v.memberEpoch, previousEpoch: v.previousMemberEpoch, state, assigned: byName(v.assignedPartitions, extra.assigned), revoking: byName(v.partitionsPendingRevocation, extra.revoking), leftStatic: extra.leftStatic === true },
    };
  }
  const k = decodeConsumerGroupTargetAssignmentMemberKey(kr, 0);
  const key = ['cm', k.groupId, k.memberId];
  if (vr === null) return { key, value: null, part: true };
  const v = decodeConsumerGroupTargetAssignmentMemberValue(vr, vr.int16());
  return { key, part: true, value: { v: 1, target: byName(v.topicPartitions, wharfExtra(v.unknownTaggedFields).target) } };
}
