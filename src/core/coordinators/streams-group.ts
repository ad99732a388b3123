// Streams groups (KIP-1071, `group.protocol=streams` of Kafka Streams 4.x): members send
// StreamsGroupHeartbeat with their topology (on joining), the tasks they own and their process;
// the coordinator keeps the group's topology (epoch-checked: a stale member gets STALE_TOPOLOGY,
// a different topology at the same or a later epoch is refused as Kafka 4.4 refuses it),
// configures it against the log (missing source topics, internal topics it creates with the
// topology's configs, their partition counts), computes the target assignment with the sticky
// task assignor (streams-assignor.ts: active, standby and warm-up tasks) and hands it out
// incrementally: a member first gives up the tasks it must revoke (its epoch stays until it
// reports them gone), then gets the new epoch and the tasks no other member still holds.
// Epochs fence zombies (FENCED_MEMBER_EPOCH); members time out after the session timeout, or
// after their rebalance timeout if they do not revoke. A new group waits the initial rebalance
// delay before its first assignment (status ASSIGNMENT_DELAYED), so that members that start
// together are assigned together.
// These groups share the group namespace and committed offsets with classic and consumer groups
// (group-coordinator.ts); their state is kept in `__consumer_offsets` as these records (with the
// Kafka front-end's codec, Kafka's streams group records: src/kafka/streams-group-records.ts):
//   ["sg", group]           -> { v, epoch, assignmentEpoch, metadataKey, validatedTopologyEpoch, endpointEpoch }
//   ["st", group]           -> the topology
//   ["sm", group, memberId] -> the member: process, endpoint, epochs, assigned, revoking and target tasks
import type { Logger } from '../../log.js';
import { validateTopicName, type Log } from '../log/index.js';
import { CoordinatorError, type CoordinatorErrorCode } from './errors.js';
import type { GroupCoordinator, GroupTypeExtension, ListedGroup } from './group-coordinator.js';
import type { InternalKey, InternalRecord } from './internal-topic.js';
import { assignStreamsTasks, emptyTasks, taskKey, type TaskAssignment, type TaskMap } from './streams-assignor.js';
import { configureTopology, sameTopology, StreamsStatus, topologyMetadataKey, type ConfiguredTopology, type InternalTopicToCreate, type StreamsStatusEntry, type StreamsTopology } from './streams-topology.js';

export type StreamsMemberState = 'STABLE' | 'UNREVOKED_TASKS' | 'UNRELEASED_TASKS';

export interface StreamsGroupConfig {
  /** group.streams.session.timeout.ms */
  sessionTimeoutMs: number;
  /** group.streams.heartbeat.interval.ms */
  heartbeatIntervalMs: number;
  /** group.streams.num.standby.replicas */
  numStandbyReplicas: number;
  /** group.streams.initial.rebalance.delay.ms */
  initialRebalanceDelayMs: number;
  /** group.streams.max.size */
  maxSize: number;
  /** Warm-up tasks at most at once (0: none, as Kafka 4.4's sticky assignor). */
  maxWarmupReplicas: number;
  /** Changelog lag under which a member counts as caught up for an active task (group.streams.acceptable.recovery.lag). */
  acceptableRecoveryLag: number;
  /** How often members report their task changelog offsets (group.streams.task.offset.interval.ms). */
  taskOffsetIntervalMs: number;
  /** How long a failed internal-topic creation is reported before it is tried again. */
  topicCreationErrorTtlMs?: number;
}

export const DEFAULT_STREAMS_GROUP_CONFIG: Readonly<StreamsGroupConfig> = Object.freeze({
  sessionTimeoutMs: 45_000,
  heartbeatIntervalMs: 5_000,
  numStandbyReplicas: 0,
  initialRebalanceDelayMs: 3_000,
  maxSize: 2_147_483_647,
  maxWarmupReplicas: 0,
  acceptableRecoveryLag: 10_000,
  taskOffsetIntervalMs: 60_000,
});

export interface StreamsEndpoint {
  host: string;
  port: number;
}

interface Member {
  memberId: string;
  instanceId: string | null;
  rackId: string | null;
  clientId: string;
  clientHost: string;
  processId: string;
  userEndpoint: StreamsEndpoint | null;
  clientTags: Array<[string, string]>;
  topologyEpoch: number;
  rebalanceTimeoutMs: number;
  epoch: number;
  previousEpoch: number;
  state: StreamsMemberState;
  assigned: TaskAssignment;
  revoking: TaskAssignment;
  target: TaskAssignment;
  taskOffsets: Array<[string, number, number]>;
  taskEndOffsets: Array<[string, number, number]>;
  sessionTimer: NodeJS.Timeout | null;
  revocationTimer: NodeJS.Timeout | null;
}

interface Group {
  groupId: string;
  epoch: number;
  assignmentEpoch: number;
  topology: StreamsTopology | null;
  configured: ConfiguredTopology | null;
  metadataKey: string;
  validatedTopologyEpoch: number;
  endpointEpoch: number;
  members: Map<string, Member>;
  shutdownRequestedBy: string | null;
  delayTimer: NodeJS.Timeout | null;
}

export interface StreamsHeartbeatRequest {
  groupId: string;
  memberId: string;
  memberEpoch: number;
  endpointInformationEpoch: number;
  instanceId: string | null;
  rackId: string | null;
  rebalanceTimeoutMs: number;
  topology: StreamsTopology | null;
  /** Owned tasks, null when unchanged (all three null or none). */
  activeTasks: TaskMap | null;
  standbyTasks: TaskMap | null;
  warmupTasks: TaskMap | null;
  processId: string | null;
  userEndpoint: StreamsEndpoint | null;
  clientTags: Array<[string, string]> | null;
  taskOffsets: Array<[string, number, number]> | null;
  taskEndOffsets: Array<[string, number, number]> | null;
  shutdownApplication: boolean;
  clientId: string;
  clientHost: string;
}

export interface EndpointPartitions {
  endpoint: StreamsEndpoint;
  active: Array<{ topic: string; partitions: number[] }>;
  standby: Array<{ topic: string; partitions: number[] }>;
}

export interface StreamsHeartbeatResult {
  error: CoordinatorErrorCode | null;
  errorMessage: string | null;
  memberId: string;
  memberEpoch: number;
  heartbeatIntervalMs: number;
  status: StreamsStatusEntry[];
  /** The tasks the member may own now, or null when unchanged. */
  assignment: TaskAssignment | null;
  endpointInformationEpoch: number;
  partitionsByUserEndpoint: EndpointPartitions[] | null;
  /** Internal topics the front-end should have the broker create (after authorizing CREATE). */
  topicsToCreate: InternalTopicToCreate[];
}

export interface DescribedStreamsGroup {
  groupId: string;
  error: CoordinatorErrorCode | null;
  errorMessage: string | null;
  state: string;
  epoch: number;
  assignmentEpoch: number;
  topology: { epoch: number; subtopologies: Array<{ subtopologyId: string; sourceTopics: string[]; repartitionSinkTopics: string[]; stateChangelogTopics: Array<{ name: string; partitions: number; replicationFactor: number; configs: Array<[string, string]> }>; repartitionSourceTopics: Array<{ name: string; partitions: number; replicationFactor: number; configs: Array<[string, string]> }> }> | null } | null;
  members: Array<{
    memberId: string;
    memberEpoch: number;
    instanceId: string | null;
    rackId: string | null;
    clientId: string;
    clientHost: string;
    topologyEpoch: number;
    processId: string;
    userEndpoint: StreamsEndpoint | null;
    clientTags: Array<[string, string]>;
    taskOffsets: Array<[string, number, number]>;
    taskEndOffsets: Array<[string, number, number]>;
    assignment: TaskAssignment;
    target: TaskAssignment;
  }>;
}

/** Kafka's own internal topics, which a topology may not name. */
const KAFKA_INTERNAL_TOPICS = new Set(['__consumer_offsets', '__transaction_state', '__share_group_state']);

// ------------------------------------------------------------------------------------------
// Task maps

const copyMap = (m: TaskMap): TaskMap => new Map([...m].filter(([, ps]) => ps.size > 0).map(([s, ps]) => [s, new Set(ps)]));
const copyTasks = (t: TaskAssignment): TaskAssignment => ({ active: copyMap(t.active), standby: copyMap(t.standby), warmup: copyMap(t.warmup) });
const mapSize = (m: TaskMap): number => [...m.values()].reduce((n, s) => n + s.size, 0);
const tasksSize = (t: TaskAssignment): number => mapSize(t.active) + mapSize(t.standby) + mapSize(t.warmup);
const mapKey = (m: TaskMap): string =>
  [...m]
    .filter(([, ps]) => ps.size > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([s, ps]) => `${s}:${[...ps].sort((x, y) => x - y).join(',')}`)
    .join(';');
const tasksKey = (t: TaskAssignment): string => `${mapKey(t.active)}|${mapKey(t.standby)}|${mapKey(t.warmup)}`;
const mapJson = (m: TaskMap): Array<[string, number[]]> => [...m].filter(([, ps]) => ps.size > 0).map(([s, ps]) => [s, [...ps].sort((x, y) => x - y)]);
const mapFromJson = (v: unknown): TaskMap => new Map((Array.isArray(v) ? (v as Array<[string, number[]]>) : []).map(([s, ps]) => [s, new Set(ps)]));
const tasksJson = (t: TaskAssignment) => ({ active: mapJson(t.active), standby: mapJson(t.standby), warmup: mapJson(t.warmup) });
const tasksFromJson = (v: unknown): TaskAssignment => {
  const o = (v ?? {}) as Record<string, unknown>;
  return { active: mapFromJson(o.active), standby: mapFromJson(o.standby), warmup: mapFromJson(o.warmup) };
};
const has = (m: TaskMap, s: string, p: number): boolean => m.get(s)?.has(p) ?? false;
const containsAny = (owned: TaskAssignment, pending: TaskAssignment): boolean => {
  for (const k of ['active', 'standby', 'warmup'] as const) for (const [s, ps] of pending[k]) for (const p of ps) if (has(owned[k], s, p)) return true;
  return false;
};
const containedIn = (owned: TaskMap | null, assigned: TaskMap): boolean => {
  if (owned === null) return true;
  for (const [s, ps] of owned) for (const p of ps) if (!has(assigned, s, p)) return false;
  return true;
};

/** assigned ∩ target, revoking = cur − that, pending = target − that − unreleased. */
function difference(cur: TaskMap, target: TaskMap, unreleased: (s: string, p: number) => boolean): { kept: TaskMap; revoke: TaskMap; add: TaskMap; held: boolean } {
  const kept: TaskMap = new Map();
  const revoke: TaskMap = new Map();
  const add: TaskMap = new Map();
  let held = false;
  const put = (m: TaskMap, s: string, p: number) => {
    let set = m.get(s);
    if (!set) m.set(s, (set = new Set()));
    set.add(p);
  };
  for (const [s, ps] of cur) for (const p of ps) put(has(target, s, p) ? kept : revoke, s, p);
  for (const [s, ps] of target) {
    for (const p of ps) {
      if (has(kept, s, p)) continue;
      if (unreleased(s, p)) held = true;
      else put(add, s, p);
    }
  }
  return { kept, revoke, add, held };
}

function merge(a: TaskMap, b: TaskMap): TaskMap {
  const out = copyMap(a);
  for (const [s, ps] of b) {
    let set = out.get(s);
    if (!set) out.set(s, (set = new Set()));
    for (const p of ps) set.add(p);
  }
  return out;
}

// ------------------------------------------------------------------------------------------

export class StreamsGroups implements GroupTypeExtension {
  readonly type = 'streams' as const;
  readonly config: StreamsGroupConfig;
  private readonly groups = new Map<string, Group>();
  private closed = false;
  /** Internal topics whose creation failed lately: topic -> [message, until]. */
  private readonly creationErrors = new Map<string, [string, number]>();

  constructor(
    readonly coordinator: GroupCoordinator,
    readonly log: Log,
    readonly logger: Logger,
    config: Partial<StreamsGroupConfig> = {},
  ) {
    this.config = { ...DEFAULT_STREAMS_GROUP_CONFIG, ...config };
  }

  // ------------------------------------------------------------------------------------------
  // GroupTypeExtension

  has(groupId: string): boolean {
    return this.groups.has(groupId);
  }

  isEmpty(groupId: string): boolean {
    return (this.groups.get(groupId)?.members.size ?? 0) === 0;
  }

  validateOffsetCommit(groupId: string, memberId: string, memberEpoch: number, _apiVersion: number, transactional = false): void {
    const g = this.groups.get(groupId)!;
    if (memberEpoch < 0 && memberId === '') {
      if (g.members.size === 0 || transactional) return;
      throw new CoordinatorError('UNKNOWN_MEMBER_ID', `group ${groupId} has members: commits need a member id and epoch`);
    }
    const m = g.members.get(memberId);
    if (!m) throw new CoordinatorError('UNKNOWN_MEMBER_ID', `unknown member ${memberId} of ${groupId}`);
    if (memberEpoch !== m.epoch) throw new CoordinatorError(transactional ? 'ILLEGAL_GENERATION' : 'STALE_MEMBER_EPOCH', `epoch ${memberEpoch} of member ${memberId} is not its current ${m.epoch}`);
  }

  validateOffsetFetch(groupId: string, memberId: string | null | undefined, memberEpoch: number | undefined): void {
    const g = this.groups.get(groupId)!;
    if (!memberId) return;
    const m = g.members.get(memberId);
    if (!m) throw new CoordinatorError('UNKNOWN_MEMBER_ID', `unknown member ${memberId} of ${groupId}`);
    if (memberEpoch !== undefined && memberEpoch >= 0 && memberEpoch !== m.epoch) throw new CoordinatorError('STALE_MEMBER_EPOCH', `epoch ${memberEpoch} of member ${memberId} is not its current ${m.epoch}`);
  }

  isSubscribedToTopic(groupId: string, topic: string): boolean {
    const g = this.groups.get(groupId);
    if (!g?.topology || g.members.size === 0) return false;
    return g.topology.subtopologies.some((s) => s.sourceTopics.includes(topic) || s.repartitionSourceTopics.some((r) => r.name === topic));
  }

  list(): ListedGroup[] {
    return [...this.groups.values()].map((g) => ({ groupId: g.groupId, protocolType: 'streams', state: this.stateOf(g), type: 'streams' as const }));
  }

  delete(groupId: string): InternalRecord[] {
    const g = this.groups.get(groupId);
    if (!g) return [];
    this.groups.delete(groupId);
    if (g.delayTimer) clearTimeout(g.delayTimer);
    const out: InternalRecord[] = [...g.members.keys()].map((id) => ({ key: ['sm', groupId, id], value: null }));
    for (const m of g.members.values()) this.clearTimers(m);
    out.push({ key: ['st', groupId], value: null }, { key: ['sg', groupId], value: null });
    return out;
  }

  replay(key: InternalKey, value: Record<string, unknown> | null): boolean {
    const type = key[0];
    if ((type === 'sg' || type === 'st') && key.length === 2) {
      const id = String(key[1]);
      if (value === null) {
        if (type === 'sg') this.groups.delete(id);
        else if (this.groups.has(id)) this.groups.get(id)!.topology = null;
        return true;
      }
      const g = this.groups.get(id) ?? this.newGroup(id);
      this.groups.set(id, g);
      if (type === 'sg') {
        g.epoch = Number(value.epoch ?? 0);
        g.assignmentEpoch = Number(value.assignmentEpoch ?? 0);
        g.metadataKey = String(value.metadataKey ?? '');
        g.validatedTopologyEpoch = Number(value.validatedTopologyEpoch ?? -1);
        g.endpointEpoch = Number(value.endpointEpoch ?? 0);
      } else {
        g.topology = value.topology as StreamsTopology;
      }
      return true;
    }
    if (type === 'sm' && key.length === 3) {
      const gid = String(key[1]);
      const mid = String(key[2]);
      const g = this.groups.get(gid) ?? this.newGroup(gid);
      this.groups.set(gid, g);
      if (value === null) {
        g.members.delete(mid);
        return true;
      }
      g.members.set(mid, {
        memberId: mid,
        instanceId: (value.instanceId as string | null) ?? null,
        rackId: (value.rackId as string | null) ?? null,
        clientId: String(value.clientId ?? ''),
        clientHost: String(value.clientHost ?? ''),
        processId: String(value.processId ?? ''),
        userEndpoint: (value.userEndpoint as StreamsEndpoint | null) ?? null,
        clientTags: (value.clientTags as Array<[string, string]>) ?? [],
        topologyEpoch: Number(value.topologyEpoch ?? -1),
        rebalanceTimeoutMs: Number(value.rebalanceTimeoutMs ?? 300_000),
        epoch: Number(value.epoch ?? 0),
        previousEpoch: Number(value.previousEpoch ?? -1),
        state: (value.state as StreamsMemberState) ?? 'STABLE',
        assigned: tasksFromJson(value.assigned),
        revoking: tasksFromJson(value.revoking),
        target: tasksFromJson(value.target),
        taskOffsets: [],
        taskEndOffsets: [],
        sessionTimer: null,
        revocationTimer: null,
      });
      return true;
    }
    return false;
  }

  afterReplay(): void {
    for (const g of this.groups.values()) for (const m of g.members.values()) this.touch(g, m);
  }

  close(): void {
    this.closed = true;
    for (const g of this.groups.values()) {
      if (g.delayTimer) clearTimeout(g.delayTimer);
      for (const m of g.members.values()) this.clearTimers(m);
    }
  }

  // ------------------------------------------------------------------------------------------

  private newGroup(groupId: string): Group {
    return { groupId, epoch: 0, assignmentEpoch: 0, topology: null, configured: null, metadataKey: '', validatedTopologyEpoch: -1, endpointEpoch: 0, members: new Map(), shutdownRequestedBy: null, delayTimer: null };
  }

  private stateOf(g: Group): string {
    if (g.members.size === 0) return 'Empty';
    if (!g.topology || g.topology.epoch !== g.validatedTopologyEpoch) return 'NotReady';
    if (g.epoch > g.assignmentEpoch) return 'Assigning';
    for (const m of g.members.values()) if (m.epoch !== g.assignmentEpoch || m.state !== 'STABLE') return 'Reconciling';
    return 'Stable';
  }

  private partitionsOf = (topic: string): number | null => this.log.topicInfo(topic)?.partitions ?? null;

  private groupRecord(g: Group): InternalRecord {
    return { key: ['sg', g.groupId], value: { v: 1, epoch: g.epoch, assignmentEpoch: g.assignmentEpoch, metadataKey: g.metadataKey, validatedTopologyEpoch: g.validatedTopologyEpoch, endpointEpoch: g.endpointEpoch } };
  }

  private topologyRecord(g: Group): InternalRecord {
    return { key: ['st', g.groupId], value: { v: 1, topology: g.topology } };
  }

  private memberRecord(g: Group, m: Member): InternalRecord {
    return {
      key: ['sm', g.groupId, m.memberId],
      value: {
        v: 1,
        instanceId: m.instanceId,
        rackId: m.rackId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        processId: m.processId,
        userEndpoint: m.userEndpoint,
        clientTags: m.clientTags,
        topologyEpoch: m.topologyEpoch,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        epoch: m.epoch,
        previousEpoch: m.previousEpoch,
        state: m.state,
        assigned: tasksJson(m.assigned),
        revoking: tasksJson(m.revoking),
        target: tasksJson(m.target),
      },
    };
  }

  private touch(g: Group, m: Member): void {
    if (m.sessionTimer) clearTimeout(m.sessionTimer);
    if (this.closed) return;
    m.sessionTimer = setTimeout(() => {
      m.sessionTimer = null;
      if (this.groups.get(g.groupId) !== g || g.members.get(m.memberId) !== m) return;
      this.logger.info({ group: g.groupId, member: m.memberId }, 'streams group member session expired');
      void this.removeMember(g, m).catch(() => {});
    }, this.config.sessionTimeoutMs);
    m.sessionTimer.unref();
  }

  private clearTimers(m: Member): void {
    if (m.sessionTimer) clearTimeout(m.sessionTimer);
    if (m.revocationTimer) clearTimeout(m.revocationTimer);
    m.sessionTimer = null;
    m.revocationTimer = null;
  }

  private async removeMember(g: Group, m: Member): Promise<void> {
    this.clearTimers(m);
    g.members.delete(m.memberId);
    g.epoch++;
    // The new target is computed on the next heartbeat (the group is Assigning until then), as Kafka does.
    const records: InternalRecord[] = [{ key: ['sm', g.groupId, m.memberId], value: null }, this.groupRecord(g)];
    await this.coordinator.persist(records);
  }

  /** The target assignment of every member for the group's current epoch. */
  private computeTarget(g: Group, records: InternalRecord[]): void {
    const c = g.configured!;
    const lagsOf = (m: Member): Map<string, number> => {
      const end = new Map(m.taskEndOffsets.map(([s, p, o]) => [taskKey(s, p), o]));
      const out = new Map<string, number>();
      for (const [s, p, o] of m.taskOffsets) {
        const e = end.get(taskKey(s, p));
        if (e !== undefined) out.set(taskKey(s, p), Math.max(0, e - o));
      }
      return out;
    };
    const targets = assignStreamsTasks(
      [...g.members.values()].map((m) => ({ memberId: m.memberId, processId: m.processId, previous: m.target, lags: lagsOf(m) })),
      c.ready ? c.tasks : new Map<string, number>(),
      c.stateful,
      { numStandbyReplicas: this.config.numStandbyReplicas, maxWarmupReplicas: this.config.maxWarmupReplicas, acceptableRecoveryLag: this.config.acceptableRecoveryLag },
    );
    for (const m of g.members.values()) {
      const t = targets.get(m.memberId) ?? emptyTasks();
      if (tasksKey(t) !== tasksKey(m.target)) {
        m.target = t;
        records.push(this.memberRecord(g, m));
      }
    }
    g.assignmentEpoch = g.epoch;
  }

  /** Moves a member one step towards its target (Kafka's CurrentAssignmentBuilder rules). */
  private reconcile(g: Group, m: Member, owned: TaskAssignment | null): void {
    if (m.state === 'STABLE' && m.epoch === g.assignmentEpoch) return;
    if (m.state === 'UNREVOKED_TASKS' && (owned === null || containsAny(owned, m.revoking))) return;
    // Who else holds each task: active by any member, standby/warm-up by a process.
    const activeOwner = new Map<string, string>();
    const stateProcesses = new Map<string, Set<string>>();
    for (const o of g.members.values()) {
      if (o === m) continue;
      for (const t of [o.assigned, o.revoking]) {
        for (const [s, ps] of t.active) for (const p of ps) activeOwner.set(taskKey(s, p), o.processId);
        for (const k of [t.standby, t.warmup]) for (const [s, ps] of k) for (const p of ps) {
          const key = taskKey(s, p);
          if (!stateProcesses.has(key)) stateProcesses.set(key, new Set());
          stateProcesses.get(key)!.add(o.processId);
        }
      }
    }
    const heldOnProcess = (s: string, p: number): boolean => stateProcesses.get(taskKey(s, p))?.has(m.processId) ?? false;
    const a = difference(m.assigned.active, m.target.active, (s, p) => activeOwner.has(taskKey(s, p)) || heldOnProcess(s, p));
    const sb = difference(m.assigned.standby, m.target.standby, (s, p) => activeOwner.get(taskKey(s, p)) === m.processId || heldOnProcess(s, p));
    const w = difference(m.assigned.warmup, m.target.warmup, (s, p) => activeOwner.get(taskKey(s, p)) === m.processId || heldOnProcess(s, p));
    const revoke: TaskAssignment = { active: a.revoke, standby: sb.revoke, warmup: w.revoke };
    const kept: TaskAssignment = { active: a.kept, standby: sb.kept, warmup: w.kept };
    const add: TaskAssignment = { active: a.add, standby: sb.add, warmup: w.add };
    const held = a.held || sb.held || w.held;
    const setEpoch = (e: number) => {
      if (e !== m.epoch) {
        m.previousEpoch = m.epoch;
        m.epoch = e;
      }
    };
    if (tasksSize(revoke) > 0 && (owned === null || containsAny(owned, revoke))) {
      m.state = 'UNREVOKED_TASKS';
      m.assigned = kept;
      m.revoking = revoke;
      if (!m.revocationTimer && !this.closed) {
        m.revocationTimer = setTimeout(() => this.onRevocationTimeout(g, m), m.rebalanceTimeoutMs);
        m.revocationTimer.unref();
      }
      return;
    }
    if (m.revocationTimer) {
      clearTimeout(m.revocationTimer);
      m.revocationTimer = null;
    }
    setEpoch(g.assignmentEpoch);
    m.revoking = emptyTasks();
    m.assigned = { active: merge(kept.active, add.active), standby: merge(kept.standby, add.standby), warmup: merge(kept.warmup, add.warmup) };
    m.state = held ? 'UNRELEASED_TASKS' : 'STABLE';
  }

  private onRevocationTimeout(g: Group, m: Member): void {
    m.revocationTimer = null;
    if (this.groups.get(g.groupId) !== g || g.members.get(m.memberId) !== m || m.state !== 'UNREVOKED_TASKS') return;
    this.logger.info({ group: g.groupId, member: m.memberId }, 'streams group member did not revoke its tasks within the rebalance timeout');
    void this.removeMember(g, m).catch(() => {});
  }

  /** The initial rebalance delay of a new group ended: its first target assignment. */
  private onInitialDelay(g: Group): void {
    g.delayTimer = null;
    if (this.closed || this.groups.get(g.groupId) !== g || g.members.size === 0 || !g.configured || g.epoch <= g.assignmentEpoch) return;
    const records: InternalRecord[] = [];
    this.computeTarget(g, records);
    records.push(this.groupRecord(g));
    void this.coordinator.persist(records).catch((e) => this.logger.warn({ err: e, group: g.groupId }, 'could not store the streams group assignment'));
  }

  private endpointPartitions(g: Group): EndpointPartitions[] {
    const c = g.configured;
    const out: EndpointPartitions[] = [];
    if (!c) return out;
    const toTopics = (maps: TaskMap[]) => {
      const byTopic = new Map<string, Set<number>>();
      for (const m of maps) {
        for (const [s, ps] of m) {
          for (const src of c.sourcesOf.get(s) ?? []) {
            for (const p of ps) {
              if (p >= src.partitions) continue;
              if (!byTopic.has(src.topic)) byTopic.set(src.topic, new Set());
              byTopic.get(src.topic)!.add(p);
            }
          }
        }
      }
      return [...byTopic].sort(([a], [b]) => (a < b ? -1 : 1)).map(([topic, ps]) => ({ topic, partitions: [...ps].sort((x, y) => x - y) }));
    };
    for (const m of g.members.values()) {
      if (!m.userEndpoint) continue;
      out.push({ endpoint: m.userEndpoint, active: toTopics([m.assigned.active]), standby: toTopics([m.assigned.standby, m.assigned.warmup]) });
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------
  // Internal topics

  /**
   * Creates the internal topics a heartbeat found missing (the front-end authorized CREATE);
   * a failure is kept for a while and reported in the MISSING_INTERNAL_TOPICS status, and the
   * topic is not tried again before then.
   */
  async createInternalTopics(topics: InternalTopicToCreate[]): Promise<void> {
    const now = Date.now();
    const ttl = this.config.topicCreationErrorTtlMs ?? 2 * this.config.heartbeatIntervalMs;
    await Promise.all(
      topics.map(async (t) => {
        const failed = this.creationErrors.get(t.name);
        if (failed && failed[1] > now) return;
        if (this.log.topicInfo(t.name)) return;
        try {
          await this.log.createTopic(t.name, { partitions: t.partitions, configs: t.configs });
          this.creationErrors.delete(t.name);
          this.logger.info({ topic: t.name, partitions: t.partitions }, 'created an internal topic of a streams group');
        } catch (e) {
          const message = (e as Error).message;
          if (/already exists/.test(message)) return;
          this.creationErrors.set(t.name, [message, Date.now() + ttl]);
          this.logger.warn({ topic: t.name, err: e }, 'could not create an internal topic of a streams group');
        }
      }),
    );
  }

  /** Recent creation failures of these topics: "topic (message)" for at most three, as Kafka words it. */
  creationFailures(topics: string[]): string | null {
    const now = Date.now();
    const found = topics.flatMap((t) => {
      const e = this.creationErrors.get(t);
      return e && e[1] > now ? [`${t} (${e[0]})`] : [];
    });
    if (found.length === 0) return null;
    return found.slice(0, 3).join(', ') + (found.length > 3 ? ` and ${found.length - 3} more` : '');
  }

  // ------------------------------------------------------------------------------------------
  // StreamsGroupHeartbeat

  async heartbeat(req: StreamsHeartbeatRequest): Promise<StreamsHeartbeatResult> {
    const fail = (error: CoordinatorErrorCode, message: string | null): StreamsHeartbeatResult => ({ error, errorMessage: message, memberId: req.memberId, memberEpoch: -1, heartbeatIntervalMs: 0, status: [], assignment: null, endpointInformationEpoch: 0, partitionsByUserEndpoint: null, topicsToCreate: [] });
    if (this.closed) return fail('COORDINATOR_NOT_AVAILABLE', null);
    if (this.coordinator.refusal !== null) return fail(this.coordinator.refusal, 'the group coordinator is not available: __consumer_offsets is offline');
    try {
      return await this.heartbeatOrThrow(req);
    } catch (e) {
      if (e instanceof CoordinatorError) return fail(e.code, e.message);
      throw e;
    }
  }

  /** Kafka 4.4's checks of the request, in its order (the API's, then the coordinator's). */
  private validate(req: StreamsHeartbeatRequest): void {
    const bad = (message: string): never => {
      throw new CoordinatorError('INVALID_REQUEST', message);
    };
    const t = req.topology;
    if (t !== null) {
      const names = [...new Set(t.subtopologies.flatMap((s) => [...s.sourceTopics, ...s.repartitionSinkTopics, ...s.repartitionSourceTopics.map((x) => x.name), ...s.stateChangelogTopics.map((x) => x.name)]))];
      const internal = names.filter((n) => KAFKA_INTERNAL_TOPICS.has(n));
      if (internal.length > 0) throw new CoordinatorError('STREAMS_INVALID_TOPOLOGY', `Use of Kafka internal topics ${internal.join(',')} in a Kafka Streams topology is prohibited.`);
      const invalidNames = names.filter((n) => {
        try {
          validateTopicName(n);
          return false;
        } catch {
          return true;
        }
      });
      if (invalidNames.length > 0) throw new CoordinatorError('STREAMS_INVALID_TOPOLOGY', `Topic names ${invalidNames.join(',')} are not valid topic names.`);
      if (t.subtopologies.some((s) => s.sourceTopicRegex.length > 0)) bad('Regular expressions for source topics are not supported yet.');
    }
    if (req.memberId === '') bad("MemberId can't be empty.");
    if (req.groupId === '') bad("GroupId can't be empty.");
    if (req.instanceId === '') bad("InstanceId can't be empty.");
    if (req.rackId === '') bad("RackId can't be empty.");
    // Kafka counts a null list as not empty here: a join sends three empty lists.
    const nonEmpty = (m: TaskMap | null) => m === null || m.size > 0;
    if (req.memberEpoch === 0) {
      if (req.rebalanceTimeoutMs === -1) bad('RebalanceTimeoutMs must be provided in first request.');
      if (nonEmpty(req.activeTasks)) bad('ActiveTasks must be empty when (re-)joining.');
      if (nonEmpty(req.standbyTasks)) bad('StandbyTasks must be empty when (re-)joining.');
      if (nonEmpty(req.warmupTasks)) bad('WarmupTasks must be empty when (re-)joining.');
      if (t === null) bad('Topology must be non-null when (re-)joining.');
      for (const s of t!.subtopologies) {
        for (const c of s.stateChangelogTopics) {
          if (c.partitions !== 0) throw new CoordinatorError('STREAMS_INVALID_TOPOLOGY', `Changelog topic ${c.name} must have an undefined partition count, but it is set to ${c.partitions}.`);
        }
      }
    } else if (req.memberEpoch === -2) {
      if (req.instanceId === null) bad("InstanceId can't be null.");
    } else if (req.memberEpoch < -2) {
      bad(`MemberEpoch is ${req.memberEpoch}, but must be greater than or equal to -2.`);
    }
    if ((req.activeTasks !== null || req.standbyTasks !== null || req.warmupTasks !== null) && (req.activeTasks === null || req.standbyTasks === null || req.warmupTasks === null)) {
      bad('If one task-type is non-null, all must be non-null.');
    }
    if (req.memberEpoch !== 0 && t !== null) bad('Topology can only be provided when (re-)joining.');
  }

  private async heartbeatOrThrow(req: StreamsHeartbeatRequest): Promise<StreamsHeartbeatResult> {
    this.validate(req);
    const records: InternalRecord[] = [];
    const status: StreamsStatusEntry[] = [];
    const otherType = this.coordinator.groupTypeOf(req.groupId);
    if (otherType !== null && otherType !== 'streams') {
      if (!(otherType === 'classic' && req.memberEpoch === 0 && this.coordinator.classicGroupIsEmpty(req.groupId))) {
        throw new CoordinatorError('GROUP_ID_NOT_FOUND', `Group ${req.groupId} is not a streams group.`);
      }
      this.coordinator.dropEmptyClassicGroup(req.groupId);
    }
    let g = this.groups.get(req.groupId);
    // Leaving.
    if (req.memberEpoch === -1 || req.memberEpoch === -2) {
      if (!g) throw new CoordinatorError('GROUP_ID_NOT_FOUND', `Group ${req.groupId} not found.`);
      const m = g.members.get(req.memberId);
      if (!m) throw new CoordinatorError('UNKNOWN_MEMBER_ID', `Member ${req.memberId} is not a member of group ${req.groupId}.`);
      await this.removeMember(g, m);
      return { error: null, errorMessage: null, memberId: req.memberId, memberEpoch: req.memberEpoch, heartbeatIntervalMs: 0, status: [], assignment: null, endpointInformationEpoch: g.endpointEpoch, partitionsByUserEndpoint: null, topicsToCreate: [] };
    }
    const joining = req.memberEpoch === 0;
    let created = false;
    if (!g) {
      if (!joining) throw new CoordinatorError('GROUP_ID_NOT_FOUND', `Streams group ${req.groupId} not found.`);
      g = this.newGroup(req.groupId);
      created = true;
    }
    let m = g.members.get(req.memberId);
    if (joining) {
      if (!m && g.members.size >= this.config.maxSize) throw new CoordinatorError('GROUP_MAX_SIZE_REACHED', `The streams group has reached its maximum capacity of ${this.config.maxSize} members.`);
    } else {
      if (!m) throw new CoordinatorError('UNKNOWN_MEMBER_ID', `Member ${req.memberId} is not a member of group ${req.groupId}.`);
      if (req.memberEpoch > m.epoch) {
        throw new CoordinatorError('FENCED_MEMBER_EPOCH', `The streams group member has a greater member epoch (${req.memberEpoch}) than the one known by the group coordinator (${m.epoch}). The member must abandon all its partitions and rejoin.`);
      }
      if (req.memberEpoch < m.epoch) {
        const tolerable = req.memberEpoch === m.previousEpoch && containedIn(req.activeTasks, m.assigned.active) && containedIn(req.standbyTasks, m.assigned.standby) && containedIn(req.warmupTasks, m.assigned.warmup);
        if (!tolerable) throw new CoordinatorError('FENCED_MEMBER_EPOCH', `The streams group member has a smaller member epoch (${req.memberEpoch}) than the one known by the group coordinator (${m.epoch}). The member must abandon all its partitions and rejoin.`);
      }
    }
    // The topology: initialized by the first member, then only checked.
    let topologyChanged = false;
    if (req.topology !== null) {
      if (!g.topology) {
        g.topology = req.topology;
        topologyChanged = true;
        records.push(this.topologyRecord(g));
      } else if (g.topology.epoch <= req.topology.epoch && !sameTopology(g.topology, req.topology)) {
        throw new CoordinatorError('INVALID_REQUEST', 'Topology updates are not supported yet.');
      }
    } else if (!g.topology) {
      throw new CoordinatorError('INVALID_REQUEST', 'Topology must be non-null when (re-)joining.');
    }
    // The member, created or updated; a change of what the assignor sees moves the group epoch.
    let bump = false;
    if (!m) {
      m = {
        memberId: req.memberId,
        instanceId: null,
        rackId: null,
        clientId: req.clientId,
        clientHost: req.clientHost,
        processId: '',
        userEndpoint: null,
        clientTags: [],
        topologyEpoch: -1,
        rebalanceTimeoutMs: req.rebalanceTimeoutMs,
        epoch: 0,
        previousEpoch: -1,
        state: 'STABLE',
        assigned: emptyTasks(),
        revoking: emptyTasks(),
        target: emptyTasks(),
        taskOffsets: [],
        taskEndOffsets: [],
        sessionTimer: null,
        revocationTimer: null,
      };
      bump = true;
    } else if (joining) {
      // A rejoin under the same id: it owns nothing any more and starts over.
      m.assigned = emptyTasks();
      m.revoking = emptyTasks();
      m.previousEpoch = -1;
      m.epoch = 0;
      m.state = 'STABLE';
    }
    const before = JSON.stringify([m.instanceId, m.rackId, m.processId, m.userEndpoint, m.clientTags, m.topologyEpoch, m.rebalanceTimeoutMs, m.clientId, m.clientHost]);
    if (req.instanceId !== null) m.instanceId = req.instanceId;
    if (req.rackId !== null) m.rackId = req.rackId;
    if (req.rebalanceTimeoutMs > 0) m.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    if (req.topology !== null) m.topologyEpoch = req.topology.epoch;
    if (req.processId !== null) m.processId = req.processId;
    if (req.userEndpoint !== null) m.userEndpoint = req.userEndpoint;
    if (req.clientTags !== null) m.clientTags = req.clientTags;
    if (req.taskOffsets !== null) m.taskOffsets = req.taskOffsets;
    if (req.taskEndOffsets !== null) m.taskEndOffsets = req.taskEndOffsets;
    m.clientId = req.clientId;
    m.clientHost = req.clientHost;
    const memberChanged = JSON.stringify([m.instanceId, m.rackId, m.processId, m.userEndpoint, m.clientTags, m.topologyEpoch, m.rebalanceTimeoutMs, m.clientId, m.clientHost]) !== before;
    if (memberChanged) bump = true;
    const wasEmpty = g.members.size === 0;
    if (!g.members.has(m.memberId)) g.members.set(m.memberId, m);
    if (created) this.groups.set(g.groupId, g);
    if (g.topology!.epoch > m.topologyEpoch) {
      status.push({ code: StreamsStatus.STALE_TOPOLOGY, detail: `The member's topology epoch ${m.topologyEpoch} is behind the group's topology epoch ${g.topology!.epoch}.` });
    }
    // Configuration against the log, again whenever the partition counts it depends on change.
    const key = topologyMetadataKey(g.topology!, this.partitionsOf);
    if (topologyChanged || !g.configured || key !== g.metadataKey) {
      if (key !== g.metadataKey) bump = true;
      g.metadataKey = key;
      g.configured = configureTopology(g.topology!, this.partitionsOf);
    }
    const validated = g.configured.ready ? g.topology!.epoch : -1;
    if (validated !== g.validatedTopologyEpoch) {
      g.validatedTopologyEpoch = validated;
      bump = true;
    }
    if (g.configured.ready) {
      for (const [what, owned] of [['ActiveTasks', req.activeTasks], ['StandbyTasks', req.standbyTasks], ['WarmupTasks', req.warmupTasks]] as const) {
        for (const [s, ps] of owned ?? new Map<string, Set<number>>()) {
          const n = g.configured.tasks.get(s);
          if (n === undefined) throw new CoordinatorError('INVALID_REQUEST', `${what} contain unknown subtopology ${s}.`);
          for (const p of ps) if (p < 0 || p >= n) throw new CoordinatorError('INVALID_REQUEST', `${what} contain invalid partition ${p} for subtopology ${s}.`);
        }
      }
    }
    // Kafka 4.4 moves the epoch once for initializing the topology and once for the rest.
    if (topologyChanged) g.epoch++;
    if (bump || topologyChanged) {
      bump = true;
      g.epoch++;
      records.push(this.groupRecord(g));
    }
    if (wasEmpty && this.config.initialRebalanceDelayMs > 0 && !g.delayTimer && !this.closed) {
      g.delayTimer = setTimeout(() => this.onInitialDelay(g!), this.config.initialRebalanceDelayMs);
      g.delayTimer.unref();
    }
    if (g.delayTimer) {
      status.push({ code: StreamsStatus.ASSIGNMENT_DELAYED, detail: 'Assignment delayed due to the configured initial rebalance delay.' });
    } else if (g.assignmentEpoch < g.epoch) {
      this.computeTarget(g, records);
      // The group record carries the new assignment epoch: one written above has the old.
      const earlier = records.findIndex((r) => r.key[0] === 'sg');
      if (earlier >= 0) records.splice(earlier, 1);
      records.push(this.groupRecord(g));
    }
    // Revocations the member reports done, then a step towards its target.
    const owned: TaskAssignment | null = req.activeTasks !== null && req.standbyTasks !== null && req.warmupTasks !== null ? { active: req.activeTasks, standby: req.standbyTasks, warmup: req.warmupTasks } : null;
    const assignedBefore = tasksKey(m.assigned);
    const stateBefore = `${m.epoch}|${m.state}|${tasksKey(m.revoking)}`;
    if (!g.delayTimer) this.reconcile(g, m, owned);
    const assignmentChanged = tasksKey(m.assigned) !== assignedBefore;
    if (bump || memberChanged || assignmentChanged || stateBefore !== `${m.epoch}|${m.state}|${tasksKey(m.revoking)}` || joining) records.push(this.memberRecord(g, m));
    if (assignmentChanged && m.userEndpoint) {
      g.endpointEpoch++;
      if (!records.some((r) => r.key[0] === 'sg')) records.push(this.groupRecord(g));
    }
    if (req.shutdownApplication && g.shutdownRequestedBy === null) g.shutdownRequestedBy = m.memberId;
    if (records.length > 0) {
      try {
        await this.coordinator.persist(records);
      } catch (e) {
        throw new CoordinatorError('COORDINATOR_NOT_AVAILABLE', (e as Error).message);
      }
    }
    this.touch(g, m);
    let topicsToCreate: InternalTopicToCreate[] = [];
    if (g.configured.status) {
      status.push({ ...g.configured.status });
      topicsToCreate = g.configured.topicsToCreate;
    }
    if (g.shutdownRequestedBy !== null) {
      status.push({ code: StreamsStatus.SHUTDOWN_APPLICATION, detail: `Streams group member ${g.shutdownRequestedBy} encountered a fatal error and requested a shutdown for the entire application.` });
    }
    return {
      error: null,
      errorMessage: null,
      memberId: m.memberId,
      memberEpoch: m.epoch,
      heartbeatIntervalMs: this.config.heartbeatIntervalMs,
      status,
      assignment: joining || assignmentChanged ? copyTasks(m.assigned) : null,
      endpointInformationEpoch: g.endpointEpoch,
      partitionsByUserEndpoint: req.endpointInformationEpoch !== g.endpointEpoch ? this.endpointPartitions(g) : null,
      topicsToCreate,
    };
  }

  // ------------------------------------------------------------------------------------------
  // StreamsGroupDescribe

  describe(groupId: string): DescribedStreamsGroup {
    const g = this.groups.get(groupId);
    if (!g) {
      const other = this.coordinator.groupTypeOf(groupId);
      return { groupId, error: 'GROUP_ID_NOT_FOUND', errorMessage: other !== null ? `Group ${groupId} is not a streams group.` : `Group ${groupId} not found.`, state: 'Dead', epoch: -1, assignmentEpoch: -1, topology: null, members: [] };
    }
    const c = g.configured;
    const t = g.topology;
    const partitionsOf = (name: string, declared: number): number => (c?.ready ? (this.partitionsOf(name) ?? declared) : declared);
    return {
      groupId,
      error: null,
      errorMessage: null,
      state: this.stateOf(g),
      epoch: g.epoch,
      assignmentEpoch: g.assignmentEpoch,
      topology: t
        ? {
            epoch: t.epoch,
            subtopologies: t.subtopologies.map((s) => ({
              subtopologyId: s.subtopologyId,
              sourceTopics: s.sourceTopics,
              repartitionSinkTopics: s.repartitionSinkTopics,
              stateChangelogTopics: s.stateChangelogTopics.map((x) => ({ name: x.name, partitions: partitionsOf(x.name, x.partitions), replicationFactor: x.replicationFactor, configs: x.configs })),
              repartitionSourceTopics: s.repartitionSourceTopics.map((x) => ({ name: x.name, partitions: partitionsOf(x.name, x.partitions), replicationFactor: x.replicationFactor, configs: x.configs })),
            })),
          }
        : null,
      members: [...g.members.values()].map((m) => ({
        memberId: m.memberId,
        memberEpoch: m.epoch,
        instanceId: m.instanceId,
        rackId: m.rackId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        topologyEpoch: m.topologyEpoch,
        processId: m.processId,
        userEndpoint: m.userEndpoint,
        clientTags: m.clientTags,
        taskOffsets: m.taskOffsets,
        taskEndOffsets: m.taskEndOffsets,
        assignment: copyTasks(m.assigned),
        target: copyTasks(m.target),
      })),
    };
  }
}
