// OffsetFetch (9): committed offsets of a group (v1-7) or of several groups (v8+); a null
// topic list means every partition with an offset (v2+). With requireStable (v7+), partitions
// whose offset is pending in a transaction answer UNSTABLE_OFFSET_COMMIT.
import type { OffsetFetchRequest, OffsetFetchResponse } from '../protocol/messages/index.js';
import type { FetchedOffset, OffsetFetchResult } from '../../core/coordinators/group-coordinator.js';
import { coordinatorsOf, errorNumber, thrownNumber } from '../coordination.js';
import type { ApiHandler } from './types.js';

function byTopic(offsets: FetchedOffset[]): Map<string, FetchedOffset[]> {
  const m = new Map<string, FetchedOffset[]>();
  for (const o of offsets) {
    let a = m.get(o.topic);
    if (!a) m.set(o.topic, (a = []));
    a.push(o);
  }
  return m;
}

export const offsetFetch: ApiHandler<OffsetFetchRequest, OffsetFetchResponse> = {
  key: 9,
  minVersion: 1,
  maxVersion: 9,
  handle(ctx, req) {
    const v = ctx.header.apiVersion;
    let groups: ReturnType<typeof coordinatorsOf>['groups'] | null = null;
    let unavailable = 0;
    try {
      groups = coordinatorsOf(ctx.broker).groups;
    } catch (e) {
      unavailable = thrownNumber(e);
    }
    const requireStable = v >= 7 && req.requireStable === true;
    const fetch = (groupId: string, topics: Array<{ name?: string; partitionIndexes: number[] }> | null, memberId?: string | null, memberEpoch?: number): OffsetFetchResult => {
      if (!groups) return { error: 'COORDINATOR_NOT_AVAILABLE', offsets: [] };
      return groups.fetchOffsets({
        groupId,
        // Topic names up to v9 (v10 names topics by id; Wharf serves up to v9).
        partitions: topics === null ? null : topics.map((t) => ({ topic: t.name ?? '', partitions: t.partitionIndexes })),
        requireStable,
        memberId,
        memberEpoch,
      });
    };
    if (v >= 8) {
      return {
        throttleTimeMs: 0,
        groups: (req.groups ?? []).map((g) => {
          const r = fetch(g.groupId, g.topics, g.memberId, g.memberEpoch);
          return {
            groupId: g.groupId,
            errorCode: unavailable || errorNumber(r.error),
            topics: [...byTopic(r.offsets)].map(([name, ps]) => ({
              name,
              partitions: ps.map((o) => ({ partitionIndex: o.partition, committedOffset: BigInt(o.offset), committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: errorNumber(o.error) })),
            })),
          };
        }),
      };
    }
    const topics = req.topics === undefined ? null : req.topics;
    const r = fetch(req.groupId ?? '', v >= 2 ? topics : (topics ?? []));
    const groupError = unavailable || errorNumber(r.error);
    // v0-1 have no top-level error: it goes on each partition.
    const partError = (o: FetchedOffset): number => (v < 2 && groupError !== 0 ? groupError : errorNumber(o.error));
    return {
      throttleTimeMs: 0,
      errorCode: groupError,
      topics: [...byTopic(r.offsets)].map(([name, ps]) => ({
        name,
        partitions: ps.map((o) => ({ partitionIndex: o.partition, committedOffset: BigInt(o.offset), committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: partError(o) })),
      })),
    };
  },
};
