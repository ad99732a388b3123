// OffsetFetch (9): committed offsets of a group (v1-7) or of several groups (v8+); a null
// topic list means every partition with an offset (v2+). With requireStable (v7+), partitions
// whose offset is pending in a transaction answer UNSTABLE_OFFSET_COMMIT. v10 names topics by
// id (KIP-848): an id no topic has answers UNKNOWN_TOPIC_ID on its partitions.
//
// Authorization, as Kafka: DESCRIBE on the group (else GROUP_AUTHORIZATION_FAILED), and
// DESCRIBE on each topic: a topic asked for by name answers TOPIC_AUTHORIZATION_FAILED on its
// partitions, and one the principal may not describe is left out of an all-topics answer.
import { ApiKey } from '../protocol/messages/index.js';
import type { OffsetFetchResponseOffsetFetchResponseTopics } from '../protocol/messages/offset-fetch.js';
import { authorizedTopics, groupResource, topicResource } from '../authorization.js';
import { topicIdToWire, ZERO_UUID } from '../context.js';
import { ErrorCode, errorCode } from '../errors.js';
import { topicNameById } from './topics.js';
import { defineHandler, type RequestContext } from './types.js';

const TOPIC_ID_VERSION = 10;

interface PartitionOffset {
  partitionIndex: number;
  committedOffset: bigint;
  committedLeaderEpoch: number;
  metadata: string | null;
  errorCode: number;
}

interface GroupOffsets {
  errorCode: ErrorCode;
  topics: Map<string, PartitionOffset[]>;
}

/** The offsets of one group, as the principal may see them. */
function groupOffsets(
  ctx: RequestContext,
  groupId: string,
  topics: ReadonlyArray<{ name?: string; partitionIndexes: number[] }> | null,
  requireStable: boolean,
  memberId?: string | null,
  memberEpoch?: number,
): GroupOffsets {
  const out = new Map<string, PartitionOffset[]>();
  if (!ctx.authorize('DESCRIBE', groupResource(groupId))) return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, topics: out };
  const describable = topics === null ? null : authorizedTopics(ctx, 'DESCRIBE', topics.map((t) => t.name ?? ''));
  const asked = topics === null ? null : topics.filter((t) => describable!.has(t.name ?? '')).map((t) => ({ topic: t.name ?? '', partitions: t.partitionIndexes }));
  const r = ctx.coordinators.groups.fetchOffsets({ groupId, partitions: asked, requireStable, memberId, memberEpoch });
  if (r.error !== null) return { errorCode: errorCode(r.error), topics: out };
  // Offsets of topics asked for by name are all describable; of all topics, each is asked once.
  const seen = new Map<string, boolean>();
  const visible = (topic: string): boolean => {
    if (describable !== null) return true;
    let v = seen.get(topic);
    if (v === undefined) seen.set(topic, (v = ctx.authorize('DESCRIBE', topicResource(topic))));
    return v;
  };
  const push = (topic: string, p: PartitionOffset): void => {
    let a = out.get(topic);
    if (!a) out.set(topic, (a = []));
    a.push(p);
  };
  for (const o of r.offsets) {
    if (!visible(o.topic)) continue;
    push(o.topic, { partitionIndex: o.partition, committedOffset: BigInt(o.offset), committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: errorCode(o.error) });
  }
  for (const t of topics ?? []) {
    const name = t.name ?? '';
    if (describable!.has(name)) continue;
    for (const p of t.partitionIndexes) push(name, { partitionIndex: p, committedOffset: -1n, committedLeaderEpoch: -1, metadata: null, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED });
  }
  return { errorCode: ErrorCode.NONE, topics: out };
}

export const offsetFetch = defineHandler(ApiKey.OffsetFetch, {
  minVersion: 1,
  maxVersion: 10,
  handle(ctx, req) {
    const v = ctx.header.apiVersion;
    const requireStable = v >= 7 && req.requireStable === true;
    if (v >= TOPIC_ID_VERSION) {
      return {
        throttleTimeMs: 0,
        groups: (req.groups ?? []).map((g) => {
          // Topics by id: those no topic has are answered apart, the others asked for by name.
          const unknown: OffsetFetchResponseOffsetFetchResponseTopics[] = [];
          const named: Array<{ name: string; partitionIndexes: number[] }> | null = g.topics === null ? null : [];
          for (const t of g.topics ?? []) {
            const name = topicNameById(ctx.log, t.topicId ?? ZERO_UUID);
            if (name !== null) named!.push({ name, partitionIndexes: t.partitionIndexes });
            else unknown.push({ topicId: t.topicId, partitions: t.partitionIndexes.map((p) => ({ partitionIndex: p, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.UNKNOWN_TOPIC_ID })) });
          }
          const r = groupOffsets(ctx, g.groupId, named, requireStable, g.memberId, g.memberEpoch);
          const topics = [...r.topics].map(([name, partitions]) => {
            const info = ctx.log.topicInfo(name);
            return { topicId: info ? topicIdToWire(info.topicId) : ZERO_UUID, partitions };
          });
          return { groupId: g.groupId, errorCode: r.errorCode, topics: r.errorCode === ErrorCode.NONE ? [...topics, ...unknown] : topics };
        }),
      };
    }
    if (v >= 8) {
      return {
        throttleTimeMs: 0,
        groups: (req.groups ?? []).map((g) => {
          const r = groupOffsets(ctx, g.groupId, g.topics, requireStable, g.memberId, g.memberEpoch);
          return { groupId: g.groupId, errorCode: r.errorCode, topics: [...r.topics].map(([name, partitions]) => ({ name, partitions })) };
        }),
      };
    }
    const topics = req.topics === undefined ? null : req.topics;
    const asked = v >= 2 ? topics : (topics ?? []);
    const r = groupOffsets(ctx, req.groupId ?? '', asked, requireStable);
    if (v < 2 && r.errorCode !== ErrorCode.NONE) {
      // v0-1 have no top-level error: it goes on each partition asked for.
      for (const t of asked ?? []) {
        r.topics.set(t.name ?? '', t.partitionIndexes.map((p) => ({ partitionIndex: p, committedOffset: -1n, committedLeaderEpoch: -1, metadata: null, errorCode: r.errorCode })));
      }
    }
    return { throttleTimeMs: 0, errorCode: r.errorCode, topics: [...r.topics].map(([name, partitions]) => ({ name, partitions })) };
  },
});
