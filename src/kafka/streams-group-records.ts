// A streams group (KIP-1071) in Kafka 4.4's records of `__consumer_offsets`, as Kafka splits it:
//   ["sg", group] -> StreamsGroupMetadata (type 17): the group epoch, the validated topology epoch
//                    StreamsGroupTargetAssignmentMetadata (type 20): the assignment epoch
//   ["st", group] -> StreamsGroupTopology (type 23): the topology
//   ["sm", group, member] -> StreamsGroupMemberMetadata (type 19): process, endpoint, tags, timeout
//                    StreamsGroupTargetAssignmentMember (type 21): its target tasks
//                    StreamsGroupCurrentMemberAssignment (type 22): epochs, state, owned and revoking tasks
// A record split in several writes each under its own key with a whole value of its own, all of
// them for every change, a tombstone for each on delete; the replay merges the parts
// (internal-topic.ts). Wharf's own fields ride in the tagged field (record-frame.ts): the
// group's topology metadata key (Kafka keeps a hash of the topics' metadata instead, written
// here as 0) and endpoint epoch.
import type { DecodedRecord, EncodedRecord } from '../core/coordinators/internal-topic.js';
import type { Reader } from './protocol/reader.js';
import { RECORD_TYPES } from './protocol/records/index.js';
import { decodeStreamsGroupMetadataKey, decodeStreamsGroupMetadataValue, encodeStreamsGroupMetadataKey, encodeStreamsGroupMetadataValue } from './protocol/records/streams-group-metadata.js';
import {
  decodeStreamsGroupTargetAssignmentMetadataKey,
  decodeStreamsGroupTargetAssignmentMetadataValue,
  encodeStreamsGroupTargetAssignmentMetadataKey,
  encodeStreamsGroupTargetAssignmentMetadataValue,
} from './protocol/records/streams-group-target-assignment-metadata.js';
import { decodeStreamsGroupTopologyKey, decodeStreamsGroupTopologyValue, encodeStreamsGroupTopologyKey, encodeStreamsGroupTopologyValue, type StreamsGroupTopologyValueTopicInfo } from './protocol/records/streams-group-topology.js';
import { decodeStreamsGroupMemberMetadataKey, decodeStreamsGroupMemberMetadataValue, encodeStreamsGroupMemberMetadataKey, encodeStreamsGroupMemberMetadataValue } from './protocol/records/streams-group-member-metadata.js';
import {
  decodeStreamsGroupTargetAssignmentMemberKey,
  decodeStreamsGroupTargetAssignmentMemberValue,
  encodeStreamsGroupTargetAssignmentMemberKey,
  encodeStreamsGroupTargetAssignmentMemberValue,
} from './protocol/records/streams-group-target-assignment-member.js';
import {
  decodeStreamsGroupCurrentMemberAssignmentKey,
  decodeStreamsGroupCurrentMemberAssignmentValue,
  encodeStreamsGroupCurrentMemberAssignmentKey,
  encodeStreamsGroupCurrentMemberAssignmentValue,
} from './protocol/records/streams-group-current-member-assignment.js';
import { frame, num, str, valueFrame, wharfExtra, wharfTag } from './record-frame.js';

const T = RECORD_TYPES['group-coordinator'];

export const STREAMS_GROUP_TYPES: readonly number[] = [
  T.StreamsGroupMetadata.type,
  T.StreamsGroupTargetAssignmentMetadata.type,
  T.StreamsGroupTopology.type,
  T.StreamsGroupMemberMetadata.type,
  T.StreamsGroupTargetAssignmentMember.type,
  T.StreamsGroupCurrentMemberAssignment.type,
];

/** Kafka's streams MemberState ids (the int8 of type 22). */
const MEMBER_STATES = ['STABLE', 'UNREVOKED_TASKS', 'UNRELEASED_TASKS'] as const;

type TaskMap = Array<[string, number[]]>;
const taskMap = (v: unknown): TaskMap => (Array.isArray(v) ? (v as TaskMap) : []);
const taskIds = (v: unknown) => taskMap(v).map(([subtopologyId, partitions]) => ({ subtopologyId, partitions }));
const fromTaskIds = (ts: Array<{ subtopologyId: string; partitions: number[] }>): TaskMap => ts.map((t) => [t.subtopologyId, t.partitions]);
const tasks = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {});

interface TopicInfo {
  name: string;
  partitions: number;
  replicationFactor: number;
  configs: Array<[string, string]>;
}
const topicInfo = (t: TopicInfo): StreamsGroupTopologyValueTopicInfo => ({ name: t.name, partitions: t.partitions, replicationFactor: t.replicationFactor, topicConfigs: t.configs.map(([key, value]) => ({ key, value })) });
const fromTopicInfo = (t: StreamsGroupTopologyValueTopicInfo): TopicInfo => ({ name: t.name, partitions: t.partitions, replicationFactor: t.replicationFactor, configs: t.topicConfigs.map((c) => [c.key, c.value]) });

export function encodeStreamsGroup(key: readonly (string | number)[], v: Record<string, unknown> | null): EncodedRecord[] | null {
  if (key.length < 2) return null;
  const groupId = String(key[1]);
  if (key[0] === 'sg' && key.length === 2) {
    const k17 = frame(T.StreamsGroupMetadata.type, (w) => encodeStreamsGroupMetadataKey(w, 0, { groupId }));
    const k20 = frame(T.StreamsGroupTargetAssignmentMetadata.type, (w) => encodeStreamsGroupTargetAssignmentMetadataKey(w, 0, { groupId }));
    if (v === null) return [{ key: k20, value: null }, { key: k17, value: null }];
    const v17 = valueFrame(0, (w) =>
      encodeStreamsGroupMetadataValue(w, 0, {
        epoch: num(v.epoch, 0),
        metadataHash: 0n,
        validatedTopologyEpoch: num(v.validatedTopologyEpoch, -1),
        unknownTaggedFields: wharfTag({ metadataKey: str(v.metadataKey) ?? '', endpointEpoch: num(v.endpointEpoch, 0) }),
      }),
    );
    const v20 = valueFrame(0, (w) => encodeStreamsGroupTargetAssignmentMetadataValue(w, 0, { assignmentEpoch: num(v.assignmentEpoch, 0) }));
    return [
      { key: k17, value: v17 },
      { key: k20, value: v20 },
    ];
  }
  if (key[0] === 'st' && key.length === 2) {
    const k23 = frame(T.StreamsGroupTopology.type, (w) => encodeStreamsGroupTopologyKey(w, 0, { groupId }));
    const topology = v?.topology as { epoch: number; subtopologies: Array<Record<string, unknown>> } | null | undefined;
    // No topology reads back as the tombstone does (the group has none).
    if (topology === null || topology === undefined) return [{ key: k23, value: null }];
    const v23 = valueFrame(0, (w) =>
      encodeStreamsGroupTopologyValue(w, 0, {
        epoch: topology.epoch,
        subtopologies: topology.subtopologies.map((s) => ({
          subtopologyId: String(s.subtopologyId),
          sourceTopics: s.sourceTopics as string[],
          sourceTopicRegex: s.sourceTopicRegex as string[],
          stateChangelogTopics: (s.stateChangelogTopics as TopicInfo[]).map(topicInfo),
          repartitionSinkTopics: s.repartitionSinkTopics as string[],
          repartitionSourceTopics: (s.repartitionSourceTopics as TopicInfo[]).map(topicInfo),
          copartitionGroups: (s.copartitionGroups as Array<{ sourceTopics: number[]; sourceTopicRegex: number[]; repartitionSourceTopics: number[] }>).map((c) => ({
            sourceTopics: c.sourceTopics,
            sourceTopicRegex: c.sourceTopicRegex,
            repartitionSourceTopics: c.repartitionSourceTopics,
          })),
        })),
      }),
    );
    return [{ key: k23, value: v23 }];
  }
  if (key[0] === 'sm' && key.length === 3) {
    const memberId = String(key[2]);
    const k19 = frame(T.StreamsGroupMemberMetadata.type, (w) => encodeStreamsGroupMemberMetadataKey(w, 0, { groupId, memberId }));
    const k21 = frame(T.StreamsGroupTargetAssignmentMember.type, (w) => encodeStreamsGroupTargetAssignmentMemberKey(w, 0, { groupId, memberId }));
    const k22 = frame(T.StreamsGroupCurrentMemberAssignment.type, (w) => encodeStreamsGroupCurrentMemberAssignmentKey(w, 0, { groupId, memberId }));
    if (v === null) return [{ key: k22, value: null }, { key: k21, value: null }, { key: k19, value: null }];
    const state = MEMBER_STATES.indexOf(String(v.state ?? 'STABLE') as (typeof MEMBER_STATES)[number]);
    if (state < 0) throw new Error(`unknown streams member state ${String(v.state)}`);
    const endpoint = v.userEndpoint as { host: string; port: number } | null | undefined;
    const v19 = valueFrame(0, (w) =>
      encodeStreamsGroupMemberMetadataValue(w, 0, {
        instanceId: str(v.instanceId),
        rackId: str(v.rackId),
        clientId: str(v.clientId) ?? '',
        clientHost: str(v.clientHost) ?? '',
        rebalanceTimeoutMs: num(v.rebalanceTimeoutMs, -1),
        topologyEpoch: num(v.topologyEpoch, -1),
        processId: str(v.processId) ?? '',
        userEndpoint: endpoint ? { host: endpoint.host, port: endpoint.port } : null,
        clientTags: (Array.isArray(v.clientTags) ? (v.clientTags as Array<[string, string]>) : []).map(([k, val]) => ({ key: k, value: val })),
      }),
    );
    const target = tasks(v.target);
    const v21 = valueFrame(0, (w) => encodeStreamsGroupTargetAssignmentMemberValue(w, 0, { activeTasks: taskIds(target.active), standbyTasks: taskIds(target.standby), warmupTasks: taskIds(target.warmup) }));
    const assigned = tasks(v.assigned);
    const revoking = tasks(v.revoking);
    const v22 = valueFrame(0, (w) =>
      encodeStreamsGroupCurrentMemberAssignmentValue(w, 0, {
        memberEpoch: num(v.epoch, 0),
        previousMemberEpoch: num(v.previousEpoch, -1),
        state,
        activeTasks: taskIds(assigned.active),
        standbyTasks: taskIds(assigned.standby),
        warmupTasks: taskIds(assigned.warmup),
        activeTasksPendingRevocation: taskIds(revoking.active),
        standbyTasksPendingRevocation: taskIds(revoking.standby),
        warmupTasksPendingRevocation: taskIds(revoking.warmup),
      }),
    );
    return [
      { key: k19, value: v19 },
      { key: k21, value: v21 },
      { key: k22, value: v22 },
    ];
  }
  return null;
}

/** One of a streams group's records (its type already read from `kr`) as Wharf's record or a part of it. */
export function decodeStreamsGroup(type: number, kr: Reader, vr: Reader | null): DecodedRecord {
  switch (type) {
    case T.StreamsGroupMetadata.type: {
      const key = ['sg', decodeStreamsGroupMetadataKey(kr, 0).groupId];
      if (vr === null) return { key, value: null, part: true };
      const v = decodeStreamsGroupMetadataValue(vr, vr.int16());
      const extra = wharfExtra(v.unknownTaggedFields);
      return { key, part: true, value: { v: 1, epoch: v.epoch, metadataKey: str(extra.metadataKey) ?? '', validatedTopologyEpoch: v.validatedTopologyEpoch ?? -1, endpointEpoch: num(extra.endpointEpoch, 0) } };
    }
    case T.StreamsGroupTargetAssignmentMetadata.type: {
      const key = ['sg', decodeStreamsGroupTargetAssignmentMetadataKey(kr, 0).groupId];
      if (vr === null) return { key, value: null, part: true };
      return { key, part: true, value: { v: 1, assignmentEpoch: decodeStreamsGroupTargetAssignmentMetadataValue(vr, vr.int16()).assignmentEpoch } };
    }
    case T.StreamsGroupTopology.type: {
      const key = ['st', decodeStreamsGroupTopologyKey(kr, 0).groupId];
      if (vr === null) return { key, value: null };
      const v = decodeStreamsGroupTopologyValue(vr, vr.int16());
      const topology = {
        epoch: v.epoch,
        subtopologies: v.subtopologies.map((s) => ({
          subtopologyId: s.subtopologyId,
          sourceTopics: s.sourceTopics,
          sourceTopicRegex: s.sourceTopicRegex,
          stateChangelogTopics: s.stateChangelogTopics.map(fromTopicInfo),
          repartitionSinkTopics: s.repartitionSinkTopics,
          repartitionSourceTopics: s.repartitionSourceTopics.map(fromTopicInfo),
          copartitionGroups: s.copartitionGroups.map((c) => ({ sourceTopics: c.sourceTopics, sourceTopicRegex: c.sourceTopicRegex, repartitionSourceTopics: c.repartitionSourceTopics })),
        })),
      };
      return { key, value: { v: 1, topology } };
    }
    case T.StreamsGroupMemberMetadata.type: {
      const k = decodeStreamsGroupMemberMetadataKey(kr, 0);
      const key = ['sm', k.groupId, k.memberId];
      if (vr === null) return { key, value: null, part: true };
      const v = decodeStreamsGroupMemberMetadataValue(vr, vr.int16());
      return {
        key,
        part: true,
        value: {
          v: 1,
          instanceId: v.instanceId,
          rackId: v.rackId,
          clientId: v.clientId,
          clientHost: v.clientHost,
          processId: v.processId,
          userEndpoint: v.userEndpoint === null ? null : { host: v.userEndpoint.host, port: v.userEndpoint.port },
          clientTags: v.clientTags.map((t) => [t.key, t.value]),
          topologyEpoch: v.topologyEpoch,
          rebalanceTimeoutMs: v.rebalanceTimeoutMs,
        },
      };
    }
    case T.StreamsGroupTargetAssignmentMember.type: {
      const k = decodeStreamsGroupTargetAssignmentMemberKey(kr, 0);
      const key = ['sm', k.groupId, k.memberId];
      if (vr === null) return { key, value: null, part: true };
      const v = decodeStreamsGroupTargetAssignmentMemberValue(vr, vr.int16());
      return { key, part: true, value: { v: 1, target: { active: fromTaskIds(v.activeTasks), standby: fromTaskIds(v.standbyTasks), warmup: fromTaskIds(v.warmupTasks) } } };
    }
    default: {
      const k = decodeStreamsGroupCurrentMemberAssignmentKey(kr, 0);
      const key = ['sm', k.groupId, k.memberId];
      if (vr === null) return { key, value: null, part: true };
      const v = decodeStreamsGroupCurrentMemberAssignmentValue(vr, vr.int16());
      const state = MEMBER_STATES[v.state];
      if (state === undefined) throw new Error(`unknown streams member state ${v.state}`);
      return {
        key,
        part: true,
        value: {
          v: 1,
          epoch: v.memberEpoch,
          previousEpoch: v.previousMemberEpoch,
          state,
          assigned: { active: fromTaskIds(v.activeTasks), standby: fromTaskIds(v.standbyTasks), warmup: fromTaskIds(v.warmupTasks) },
          revoking: { active: fromTaskIds(v.activeTasksPendingRevocation), standby: fromTaskIds(v.standbyTasksPendingRevocation), warmup: fromTaskIds(v.warmupTasksPendingRevocation) },
        },
      };
    }
  }
}
