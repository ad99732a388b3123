// The console's consumer groups: list with state, members and total lag; one group's members
// with their assignments, committed offsets and lag per partition in records and time; and the
// two admin operations of kafka-consumer-groups.sh that need no client: reset the offsets of an
// empty group (to the earliest or latest offset, the first at a timestamp, or a given offset),
// committed as an admin tool commits them (generation -1, no member), and delete a group.
// Classic groups' assignments are ConsumerProtocolAssignment bytes, decoded here.
// Rights as the Kafka requests check them (access.ts): a group is listed and shown with DESCRIBE
// on it (or on the cluster: ListGroups), its offsets and lag only for topics the user may
// DESCRIBE (OffsetFetch); a reset is an OffsetCommit (READ on the group and on each topic); a
// deletion needs DELETE on the group.
import type { Coordinators } from '../../core/coordinators/index.js';
import type { Log } from '../../core/log/index.js';
import { LagReader } from '../lag.js';
import { CLUSTER } from '../../core/security/authorizer.js';
import { group as groupResource, topic as topicResource, type ConsoleAccess } from './access.js';
import { ApiError, bodyObject, optInt, optString, type ApiRoute } from './http.js';
import { logErrorToApi } from './topics.js';
import type { GroupDetail, GroupMember, GroupPartitionLag, GroupSummary, ResetOffsetsResult, ResetTo } from './types.js';

export interface GroupDeps {
  log: Log;
  coordinators: Coordinators | null;
}

/**
 * Topics and partitions of a classic consumer's assignment (Kafka's ConsumerProtocolAssignment:
 * int16 version, [string topic, [int32 partition]], bytes user data); [] when it is not one.
 */
export function decodeConsumerAssignment(buf: Buffer): Array<{ topic: string; partitions: number[] }> {
  try {
    if (buf.length < 6) return [];
    let pos = 2; // version: every version starts with the same topic array
    const topics = buf.readInt32BE(pos);
    pos += 4;
    if (topics < 0 || topics > 100_000) return [];
    const out: Array<{ topic: string; partitions: number[] }> = [];
    for (let i = 0; i < topics; i++) {
      const len = buf.readInt16BE(pos);
      pos += 2;
      const topic = buf.toString('utf8', pos, pos + len);
      pos += len;
      const n = buf.readInt32BE(pos);
      pos += 4;
      if (n < 0 || pos + n * 4 > buf.length) return [];
      const partitions: number[] = [];
      for (let j = 0; j < n; j++, pos += 4) partitions.push(buf.readInt32BE(pos));
      out.push({ topic, partitions: partitions.sort((a, b) => a - b) });
    }
    return out;
  } catch {
    return [];
  }
}

function need(c: Coordinators | null): Coordinators {
  if (c === null) throw new ApiError(404, 'consumer groups need the Kafka listener (--kafka-port)');
  return c;
}

function members(c: Coordinators, groupId: string): { protocol: string; epoch: number | null; members: GroupMember[] } {
  if (c.groups.isConsumerGroup(groupId)) {
    const d = c.consumerGroups.describe(groupId);
    return {
      protocol: d.assignor,
      epoch: d.epoch,
      members: d.members.map((m) => ({
        memberId: m.memberId,
        instanceId: m.instanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        assignment: [...m.assignment].map(([topic, ps]) => ({ topic, partitions: [...ps].sort((a, b) => a - b) })).filter((a) => a.partitions.length > 0),
      })),
    };
  }
  const d = c.groups.describeGroup(groupId);
  return {
    protocol: d.protocolData,
    epoch: null,
    members: d.members.map((m) => ({
      memberId: m.memberId,
      instanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      assignment: d.protocolType === 'consumer' ? decodeConsumerAssignment(m.assignment) : [],
    })),
  };
}

async function summaries(deps: GroupDeps, lag: LagReader, access: ConsoleAccess): Promise<GroupSummary[]> {
  const c = need(deps.coordinators);
  const out: GroupSummary[] = [];
  const now = Date.now();
  const all = access.may('DESCRIBE', CLUSTER);
  for (const g of c.groups.listGroups()) {
    if (!all && !access.may('DESCRIBE', groupResource(g.groupId))) continue;
    const lags = (await lag.ofGroup(g.groupId, now)).filter((l) => access.may('DESCRIBE', topicResource(l.topic)));
    const m = members(c, g.groupId);
    out.push({
      groupId: g.groupId,
      access: access.groupAccess(g.groupId),
      type: g.type,
      protocolType: g.protocolType,
      state: g.state,
      members: m.members.length,
      lag: lags.reduce((n, l) => n + l.lag, 0),
      maxLagMs: lags.length === 0 ? 0 : lags.some((l) => l.lagMs === null) ? null : Math.max(...lags.map((l) => l.lagMs ?? 0)),
      topics: [...new Set([...lags.map((l) => l.topic), ...m.members.flatMap((x) => x.assignment.map((a) => a.topic))])].sort(),
    });
  }
  return out.sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
}

async function detail(deps: GroupDeps, lag: LagReader, groupId: string, access: ConsoleAccess): Promise<GroupDetail> {
  access.need('DESCRIBE', groupResource(groupId));
  const c = need(deps.coordinators);
  const listed = c.groups.listGroups().find((g) => g.groupId === groupId);
  if (listed === undefined) throw new ApiError(404, `no group ${groupId}`);
  const m = members(c, groupId);
  const owners = new Map<string, string>();
  for (const member of m.members) for (const a of member.assignment) for (const p of a.partitions) owners.set(`${a.topic}\u0000${p}`, member.memberId);
  const lags = (await lag.ofGroup(groupId)).filter((l) => access.may('DESCRIBE', topicResource(l.topic)));
  const offsets: GroupPartitionLag[] = lags.map((l) => ({ ...l, owner: owners.get(`${l.topic}\u0000${l.partition}`) ?? null }));
  // Partitions a member owns that the group has not committed for yet: listed without a lag.
  const committed = new Set(lags.map((l) => `${l.topic}\u0000${l.partition}`));
  for (const [key, owner] of owners) {
    if (committed.has(key)) continue;
    const [name, index] = key.split('\u0000') as [string, string];
    if (!access.may('DESCRIBE', topicResource(name))) continue;
    let part;
    try {
      part = deps.log.partition(name, Number(index));
    } catch {
      continue;
    }
    offsets.push({ topic: name, partition: Number(index), committed: null, logStartOffset: part.logStartOffset, logEndOffset: part.highWatermark, lag: null, lagMs: null, owner });
  }
  offsets.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  return {
    groupId,
    access: access.groupAccess(groupId),
    type: listed.type,
    protocolType: listed.protocolType,
    state: listed.state,
    members: m.members.length,
    lag: lags.reduce((n, l) => n + l.lag, 0),
    maxLagMs: lags.length === 0 ? 0 : lags.some((l) => l.lagMs === null) ? null : Math.max(...lags.map((l) => l.lagMs ?? 0)),
    topics: [...new Set(offsets.map((l) => l.topic))].sort(),
    protocol: m.protocol,
    coordinatorEpoch: m.epoch,
    membersDetail: m.members,
    offsets,
  };
}

const RESET_TO: ReadonlySet<string> = new Set<ResetTo>(['earliest', 'latest', 'timestamp', 'offset']);

async function reset(deps: GroupDeps, groupId: string, body: Record<string, unknown>, access: ConsoleAccess): Promise<ResetOffsetsResult> {
  access.need('READ', groupResource(groupId));
  const c = need(deps.coordinators);
  const to = optString(body, 'to');
  if (to === undefined || !RESET_TO.has(to)) throw new ApiError(400, `to must be one of ${[...RESET_TO].join(', ')}`);
  const topic = optString(body, 'topic');
  const only = body['partitions'];
  if (only !== undefined && (!Array.isArray(only) || !only.every((p) => Number.isSafeInteger(p)))) throw new ApiError(400, 'partitions must be an array of partition numbers');
  const timestamp = optInt(body, 'timestamp', 0);
  const offset = optInt(body, 'offset', 0);
  if (to === 'timestamp' && timestamp === undefined) throw new ApiError(400, 'timestamp is required with to=timestamp');
  if (to === 'offset' && offset === undefined) throw new ApiError(400, 'offset is required with to=offset');
  const listed = c.groups.listGroups().find((g) => g.groupId === groupId);
  // A group without members is Empty (classic) or empty (consumer); offsets can change only then.
  const isEmpty = listed === undefined || (c.groups.isConsumerGroup(groupId) ? c.consumerGroups.isEmpty(groupId) : listed.state === 'Empty' || listed.state === 'Dead');
  if (!isEmpty) throw new ApiError(409, `group ${groupId} is ${listed?.state ?? 'active'}: stop its consumers first (offsets of a group with members cannot be reset)`);

  // The partitions to reset: those named, else those the group has offsets for (of `topic`).
  let targets: Array<{ topic: string; partition: number }>;
  if (topic !== undefined) {
    const info = deps.log.topicInfo(topic);
    if (info === null) throw new ApiError(404, `no topic ${topic}`);
    const all = Array.from({ length: info.partitions }, (_, i) => i);
    targets = (only === undefined ? all : (only as number[])).map((partition) => ({ topic, partition }));
  } else {
    targets = c.groups.fetchOffsets({ groupId, partitions: null, requireStable: false }).offsets.map((o) => ({ topic: o.topic, partition: o.partition }));
    if (targets.length === 0) throw new ApiError(400, `group ${groupId} has no committed offsets: name a topic`);
  }
  const entries: Array<{ topic: string; partition: number; offset: number; leaderEpoch: number; metadata: string | null }> = [];
  // As OffsetCommit: every topic needs READ; one that the user may not read refuses the reset.
  for (const name of new Set(targets.map((t) => t.topic))) access.need('READ', topicResource(name));
  for (const t of targets) {
    let part;
    try {
      part = deps.log.partition(t.topic, t.partition);
    } catch (e) {
      logErrorToApi(e);
    }
    let target: number;
    if (to === 'earliest') target = part.logStartOffset;
    else if (to === 'latest') target = part.highWatermark;
    else if (to === 'offset') target = Math.min(Math.max(offset!, part.logStartOffset), part.highWatermark);
    else target = (await part.offsetForTimestamp(timestamp!))?.offset ?? part.highWatermark;
    entries.push({ topic: t.topic, partition: t.partition, offset: target, leaderEpoch: -1, metadata: '' });
  }
  const results = await c.groups.commitOffsets({ groupId, memberId: '', groupInstanceId: null, generationIdOrMemberEpoch: -1, apiVersion: 9, offsets: entries });
  return { groupId, offsets: entries.map((e, i) => ({ topic: e.topic, partition: e.partition, offset: e.offset, error: results[i]?.error ?? null })) };
}

export function groupRoutes(deps: GroupDeps): ApiRoute[] {
  const lag = new LagReader(deps.log, deps.coordinators);
  return [
    { method: 'GET', path: '/groups', handle: ({ access }) => summaries(deps, lag, access) },
    { method: 'GET', path: '/groups/:group', handle: ({ params, access }) => detail(deps, lag, params['group']!, access) },
    { method: 'POST', path: '/groups/:group/reset', handle: ({ params, req, access }) => reset(deps, params['group']!, bodyObject(req), access) },
    {
      method: 'DELETE',
      path: '/groups/:group',
      handle: async ({ params, access }) => {
        access.need('DELETE', groupResource(params['group']!));
        const error = await need(deps.coordinators).groups.deleteGroup(params['group']!);
        if (error === 'GROUP_ID_NOT_FOUND') throw new ApiError(404, `no group ${params['group']!}`);
        if (error === 'NON_EMPTY_GROUP') throw new ApiError(409, `group ${params['group']!} has members: stop its consumers first`);
        if (error !== null) throw new ApiError(500, error);
        return { deleted: params['group']! };
      },
    },
  ];
}
