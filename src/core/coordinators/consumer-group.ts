// Consumer groups of the new protocol (KIP-848): members send ConsumerGroupHeartbeat with their
// subscription; the coordinator computes the target assignment with a server-side assignor
// (uniform or range) and hands it out incrementally. A member first gives up the partitions it
// must revoke (its epoch stays put until it reports them gone), then gets the new epoch and the
// partitions no other member still owns. Epochs fence zombies (FENCED_MEMBER_EPOCH); members
// time out after the session timeout, or after their rebalance timeout if they do not revoke.
// These groups share the group namespace and the committed offsets with classic groups
// (group-coordinator.ts). They also take classic-protocol members (JoinGroup/SyncGroup/Heartbeat/
// LeaveGroup, their subscription and assignment in the consumer protocol's embedded format), and
// convert online from and to classic groups (group-migration.ts: upgrade when a member joins a
// classic group with ConsumerGroupHeartbeat, downgrade when the last consumer-protocol member
// leaves). Their state is kept in `__consumer_offsets` (with the Kafka
// front-end's codec as Kafka's records: src/kafka/coordinator-records.ts, consumer-member-records.ts):
//   ["cg", group]           -> { v, epoch, assignmentEpoch, assignor }
//   ["cm", group, memberId] -> the member: subscription, epochs, assigned and target partitions
// Topics are named here; the Kafka front-end translates them to and from topic ids.
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../log.js';
import type { Log } from '../log/index.js';
import { CoordinatorError, type CoordinatorErrorCode } from './errors.js';
import { GroupCoordinator, type GroupTypeExtension, type JoinGroupRequest, type JoinGroupResult, type LeaveGroupMemberResult, type ListedGroup, type SyncGroupRequest, type SyncGroupResult } from './group-coordinator.js';
import type { InternalKey, InternalRecord } from './internal-topic.js';
import { classicFromJson, classicToJson, downgradeEnabled, type ClassicGroupSnapshot, type ClassicMemberMetadata } from './group-migration.js';

/** Partitions by topic name. */
export type Assignment = Map<string, Set<number>>;

export type ConsumerMemberState = 'STABLE' | 'UNREVOKED_PARTITIONS' | 'UNRELEASED_PARTITIONS';

interface Member {
  memberId: string;
  instanceId: string | null;
  rackId: string | null;
  clientId: string;
  clientHost: string;
  subscribedTopicNames: string[];
  subscribedTopicRegex: string | null;
  serverAssignor: string | null;
  rebalanceTimeoutMs: number;
  epoch: number;
  previousEpoch: number;
  state: ConsumerMemberState;
  /** What the member owns (as far as the coordinator told it). */
  assigned: Assignment;
  /** Partitions it was asked to revoke and has not yet reported gone. */
  revoking: Assignment;
  target: Assignment;
  sessionTimer: NodeJS.Timeout | null;
  revocationTimer: NodeJS.Timeout | null;
  /** Left with epoch -2 (a static member that will be back): kept until its session ends. */
  leftStatic: boolean;
  /** Key of the assignment last sent, to send it again only when it changed. */
  lastSent: string | null;
  /** A member of the classic protocol (JoinGroup/SyncGroup/Heartbeat), or null (ConsumerGroupHeartbeat). */
  classic: ClassicMemberMetadata | null;
  /** A classic member's deadline to send its SyncGroup (after a JoinGroup) or to rejoin (after REBALANCE_IN_PROGRESS). */
  classicTimer: NodeJS.Timeout | null;
}

interface Group {
  groupId: string;
  epoch: number;
  assignmentEpoch: number;
  assignor: string;
  members: Map<string, Member>;
  /** topic -> partition count the current target assignment was computed for. */
  metadata: string;
}

export interface HeartbeatRequest {
  groupId: string;
  memberId: string;
  memberEpoch: number;
  instanceId: string | null;
  rackId: string | null;
  rebalanceTimeoutMs: number;
  subscribedTopicNames: string[] | null;
  subscribedTopicRegex: string | null;
  serverAssignor: string | null;
  /** Owned partitions, or null when unchanged. */
  ownedPartitions: Assignment | null;
  clientId: string;
  clientHost: string;
}

export interface HeartbeatResult {
  error: CoordinatorErrorCode | null;
  errorMessage: string | null;
  memberId: string | null;
  memberEpoch: number;
  heartbeatIntervalMs: number;
  /** The complete set of partitions the member may own now, or null when unchanged. */
  assignment: Assignment | null;
}

export interface DescribedConsumerGroup {
  groupId: string;
  error: CoordinatorErrorCode | null;
  state: string;
  epoch: number;
  assignmentEpoch: number;
  assignor: string;
  members: Array<{
    memberId: string;
    instanceId: string | null;
    rackId: string | null;
    memberEpoch: number;
    clientId: string;
    clientHost: string;
    subscribedTopicNames: string[];
    subscribedTopicRegex: string | null;
    assignment: Assignment;
    target: Assignment;
    /** A member of the classic protocol (KIP-1099's member type 0). */
    classic: boolean;
  }>;
}

const copy = (a: Assignment): Assignment => new Map([...a].map(([t, ps]) => [t, new Set(ps)]));
const size = (a: Assignment): number => [...a.values()].reduce((n, s) => n + s.size, 0);
const minus = (a: Assignment, b: Assignment): Assignment => {
  const out: Assignment = new Map();
  for (const [t, ps] of a) {
    const other = b.get(t);
    const keep = [...ps].filter((p) => !other?.has(p));
    if (keep.length > 0) out.set(t, new Set(keep));
  }
  return out;
};
const intersect = (a: Assignment, b: Assignment): Assignment => {
  const out: Assignment = new Map();
  for (const [t, ps] of a) {
    const other = b.get(t);
    if (!other) continue;
    const keep = [...ps].filter((p) => other.has(p));
    if (keep.length > 0) out.set(t, new Set(keep));
  }
  return out;
};
const add = (a: Assignment, topic: string, p: number): void => {
  let s = a.get(topic);
  if (!s) a.set(topic, (s = new Set()));
  s.add(p);
};
const keyOf = (a: Assignment): string =>
  [...a]
    .filter(([, ps]) => ps.size > 0)
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([t, ps]) => `${t}:${[...ps].sort((x, y) => x - y).join(',')}`)
    .join(';');
const toJson = (a: Assignment): Array<[string, number[]]> => [...a].map(([t, ps]) => [t, [...ps].sort((x, y) => x - y)]);
const fromJson = (v: unknown): Assignment => new Map((Array.isArray(v) ? (v as Array<[string, number[]]>) : []).map(([t, ps]) => [t, new Set(ps)]));

/** A member that owns nothing yet (epoch 0). */
function newMember(memberId: string, instanceId: string | null, clientId: string, clientHost: string, rebalanceTimeoutMs: number): Member {
  return {
    memberId,
    instanceId,
    rackId: null,
    clientId,
    clientHost,
    subscribedTopicNames: [],
    subscribedTopicRegex: null,
    serverAssignor: null,
    rebalanceTimeoutMs,
    epoch: 0,
    previousEpoch: -1,
    state: 'STABLE',
    assigned: new Map(),
    revoking: new Map(),
    target: new Map(),
    sessionTimer: null,
    revocationTimer: null,
    leftStatic: false,
    lastSent: null,
    classic: null,
    classicTimer: null,
  };
}

const newMemberId = (): string => randomUUID().replace(/-/g, '');

export const ASSIGNORS = ['uniform', 'range'] as const;

/**
 * Server-side assignors. `partitions` lists every partition of every topic some member
 * subscribes to; `current` is the previous target (uniform keeps what it can, to move little).
 */
export function assign(assignor: string, members: Array<{ memberId: string; topics: Set<string> }>, partitions: Map<string, number>, current: Map<string, Assignment>): Map<string, Assignment> {
  const out = new Map<string, Assignment>(members.map((m) => [m.memberId, new Map()]));
  const ids = members.map((m) => m.memberId).sort();
  const byId = new Map(members.map((m) => [m.memberId, m]));
  const topics = [...partitions.keys()].sort();
  if (assignor === 'range') {
    for (const t of topics) {
      const subs = ids.filter((id) => byId.get(id)!.topics.has(t));
      if (subs.length === 0) continue;
      const n = partitions.get(t)!;
      const per = Math.floor(n / subs.length);
      const extra = n % subs.length;
      let p = 0;
      subs.forEach((id, i) => {
        const count = per + (i < extra ? 1 : 0);
        for (let k = 0; k < count; k++) add(out.get(id)!, t, p++);
      });
    }
    return out;
  }
  // uniform: balanced counts, sticky to the previous target where the counts allow.
  const all: Array<[string, number]> = [];
  for (const t of topics) for (let p = 0; p < partitions.get(t)!; p++) all.push([t, p]);
  const eligible = (id: string, t: string) => byId.get(id)!.topics.has(t);
  const counts = new Map(ids.map((id) => [id, 0]));
  const subscribers = members.filter((m) => m.topics.size > 0).length;
  const cap = subscribers > 0 ? Math.ceil(all.length / subscribers) : 0;
  const owner = new Map<string, string>();
  for (const [id, a] of current) {
    if (!byId.has(id)) continue;
    for (const [t, ps] of a) {
      if (!partitions.has(t) || !eligible(id, t)) continue;
      for (const p of ps) {
        if (p >= partitions.get(t)! || counts.get(id)! >= cap) continue;
        owner.set(`${t}\u0000${p}`, id);
        counts.set(id, counts.get(id)! + 1);
        add(out.get(id)!, t, p);
      }
    }
  }
  for (const [t, p] of all) {
    if (owner.has(`${t}\u0000${p}`)) continue;
    let best: string | null = null;
    for (const id of ids) {
      if (!eligible(id, t)) continue;
      if (best === null || counts.get(id)! < counts.get(best)!) best = id;
    }
    if (best === null) continue;
    counts.set(best, counts.get(best)! + 1);
    add(out.get(best)!, t, p);
  }
  // Even out: move from members with more than min+1 to the least loaded eligible ones.
  for (let moved = true; moved; ) {
    moved = false;
    for (const from of ids) {
      for (const [t, ps] of out.get(from)!) {
        for (const p of [...ps]) {
          let to: string | null = null;
          for (const id of ids) if (id !== from && eligible(id, t) && counts.get(id)! + 1 < counts.get(from)! && (to === null || counts.get(id)! < counts.get(to)!)) to = id;
          if (to === null) continue;
          ps.delete(p);
          add(out.get(to)!, t, p);
          counts.set(from, counts.get(from)! - 1);
          counts.set(to, counts.get(to)! + 1);
          moved = true;
        }
      }
    }
  }
  return out;
}

export class ConsumerGroups implements GroupTypeExtension {
  readonly type = 'consumer' as const;
  private readonly groups = new Map<string, Group>();
  private closed = false;

  constructor(
    readonly coordinator: GroupCoordinator,
    readonly log: Log,
    readonly logger: Logger,
  ) {}

  private get config() {
    return this.coordinator.config;
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
    // A classic-protocol member commits with its generation: a mismatch is ILLEGAL_GENERATION (Kafka's validateMemberEpoch).
    if (memberEpoch !== m.epoch) throw new CoordinatorError(transactional || m.classic !== null ? 'ILLEGAL_GENERATION' : 'STALE_MEMBER_EPOCH', `epoch ${memberEpoch} of member ${memberId} is not its current ${m.epoch}`);
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
    if (!g) return false;
    for (const m of g.members.values()) if (this.subscribes(m, topic)) return true;
    return false;
  }

  list(): ListedGroup[] {
    return [...this.groups.values()].map((g) => ({ groupId: g.groupId, protocolType: 'consumer', state: this.stateOf(g), type: 'consumer' as const }));
  }

  delete(groupId: string): InternalRecord[] {
    const g = this.groups.get(groupId);
    if (!g) return [];
    this.groups.delete(groupId);
    const out: InternalRecord[] = [...g.members.keys()].map((id) => ({ key: ['cm', groupId, id], value: null }));
    for (const m of g.members.values()) this.clearTimers(m);
    out.push({ key: ['cg', groupId], value: null });
    return out;
  }

  replay(key: InternalKey, value: Record<string, unknown> | null): boolean {
    if (key[0] === 'cg' && key.length === 2) {
      const id = String(key[1]);
      if (value === null) {
        this.groups.delete(id);
        return true;
      }
      const g = this.groups.get(id) ?? this.newGroup(id);
      g.epoch = Number(value.epoch ?? 0);
      g.assignmentEpoch = Number(value.assignmentEpoch ?? 0);
      g.assignor = String(value.assignor ?? this.config.consumerAssignors[0]);
      g.metadata = String(value.metadata ?? '');
      this.groups.set(id, g);
      return true;
    }
    if (key[0] === 'cm' && key.length === 3) {
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
        subscribedTopicNames: (value.subscribedTopicNames as string[]) ?? [],
        subscribedTopicRegex: (value.subscribedTopicRegex as string | null) ?? null,
        serverAssignor: (value.serverAssignor as string | null) ?? null,
        rebalanceTimeoutMs: Number(value.rebalanceTimeoutMs ?? 300_000),
        epoch: Number(value.epoch ?? 0),
        previousEpoch: Number(value.previousEpoch ?? -1),
        state: (value.state as ConsumerMemberState) ?? 'STABLE',
        assigned: fromJson(value.assigned),
        revoking: fromJson(value.revoking),
        target: fromJson(value.target),
        sessionTimer: null,
        revocationTimer: null,
        leftStatic: value.leftStatic === true,
        lastSent: null,
        classic: classicFromJson(value.classic),
        classicTimer: null,
      });
      return true;
    }
    return false;
  }

  /** After the replay: restored members get a full session to come back. */
  afterReplay(): void {
    for (const g of this.groups.values()) for (const m of g.members.values()) this.touch(g, m);
  }

  close(): void {
    this.closed = true;
    for (const g of this.groups.values()) for (const m of g.members.values()) this.clearTimers(m);
  }

  // ------------------------------------------------------------------------------------------

  private newGroup(groupId: string): Group {
    return { groupId, epoch: 0, assignmentEpoch: 0, assignor: this.config.consumerAssignors[0] ?? 'uniform', members: new Map(), metadata: '' };
  }

  private stateOf(g: Group): string {
    if (g.members.size === 0) return 'Empty';
    if (g.assignmentEpoch < g.epoch) return 'Assigning';
    for (const m of g.members.values()) if (m.epoch !== g.assignmentEpoch || m.state !== 'STABLE') return 'Reconciling';
    return 'Stable';
  }

  private subscribes(m: Member, topic: string): boolean {
    if (m.subscribedTopicNames.includes(topic)) return true;
    if (m.subscribedTopicRegex) {
      try {
        return new RegExp(`^(?:${m.subscribedTopicRegex})$`).test(topic);
      } catch {
        return false;
      }
    }
    return false;
  }

  /** Partition counts of the topics the group subscribes to, and a key of them. */
  private subscriptionMetadata(g: Group): { partitions: Map<string, number>; key: string } {
    const partitions = new Map<string, number>();
    const topics = this.log.listTopics();
    for (const t of topics) {
      for (const m of g.members.values()) {
        if (this.subscribes(m, t.name)) {
          partitions.set(t.name, t.partitions);
          break;
        }
      }
    }
    const key = [...partitions].sort(([a], [b]) => (a < b ? -1 : 1)).map(([t, n]) => `${t}=${n}`).join(',');
    return { partitions, key };
  }

  private recompute(g: Group): void {
    const { partitions, key } = this.subscriptionMetadata(g);
    const members = [...g.members.values()].map((m) => ({ memberId: m.memberId, topics: new Set([...partitions.keys()].filter((t) => this.subscribes(m, t))) }));
    const chosen = [...g.members.values()].map((m) => m.serverAssignor).find((a) => a !== null) ?? g.assignor;
    g.assignor = chosen;
    const current = new Map([...g.members.values()].map((m) => [m.memberId, m.target]));
    const targets = assign(chosen, members, partitions, current);
    for (const m of g.members.values()) m.target = targets.get(m.memberId) ?? new Map();
    g.metadata = key;
    g.assignmentEpoch = g.epoch;
  }

  /** Who owns (or is still revoking) each partition, other than `except`. */
  private ownedByOthers(g: Group, except: Member): Set<string> {
    const out = new Set<string>();
    for (const m of g.members.values()) {
      if (m === except) continue;
      for (const a of [m.assigned, m.revoking]) for (const [t, ps] of a) for (const p of ps) out.add(`${t}\u0000${p}`);
    }
    return out;
  }

  /** Moves a member one step towards its target. Returns true if anything changed. */
  private reconcile(g: Group, m: Member, owned: Assignment | null): boolean {
    const before = `${m.epoch}|${m.state}|${keyOf(m.assigned)}|${keyOf(m.revoking)}`;
    const revoke = minus(m.assigned, m.target);
    // Partitions the member reports it no longer owns need no revocation round (Kafka's
    // ownsRevokedPartitions; without a report, it owns them).
    const mustRevoke = size(revoke) > 0 && (owned === null || size(intersect(revoke, owned)) > 0);
    if (mustRevoke || size(m.revoking) > 0) {
      // Revocation first; the epoch moves only once the member reports the partitions gone.
      for (const [t, ps] of revoke) for (const p of ps) add(m.revoking, t, p);
      m.assigned = intersect(m.assigned, m.target);
      m.state = 'UNREVOKED_PARTITIONS';
      if (!m.revocationTimer && !this.closed) {
        m.revocationTimer = setTimeout(() => this.onRevocationTimeout(g, m), m.rebalanceTimeoutMs);
        m.revocationTimer.unref();
      }
    } else {
      if (m.revocationTimer) {
        clearTimeout(m.revocationTimer);
        m.revocationTimer = null;
      }
      m.assigned = intersect(m.assigned, m.target);
      if (m.epoch !== g.assignmentEpoch) {
        m.previousEpoch = m.epoch;
        m.epoch = g.assignmentEpoch;
      }
      const taken = this.ownedByOthers(g, m);
      let unreleased = false;
      for (const [t, ps] of minus(m.target, m.assigned)) {
        for (const p of ps) {
          if (taken.has(`${t}\u0000${p}`)) unreleased = true;
          else add(m.assigned, t, p);
        }
      }
      m.state = unreleased ? 'UNRELEASED_PARTITIONS' : 'STABLE';
    }
    return before !== `${m.epoch}|${m.state}|${keyOf(m.assigned)}|${keyOf(m.revoking)}`;
  }

  private onRevocationTimeout(g: Group, m: Member): void {
    m.revocationTimer = null;
    if (this.groups.get(g.groupId) !== g || g.members.get(m.memberId) !== m || m.state !== 'UNREVOKED_PARTITIONS') return;
    this.logger.info({ group: g.groupId, member: m.memberId }, 'member did not revoke its partitions within the rebalance timeout');
    void this.removeMembers(g, [m]).catch(() => {});
  }

  private touch(g: Group, m: Member): void {
    if (m.sessionTimer) clearTimeout(m.sessionTimer);
    if (this.closed) return;
    m.sessionTimer = setTimeout(() => {
      m.sessionTimer = null;
      if (this.groups.get(g.groupId) !== g || g.members.get(m.memberId) !== m) return;
      this.logger.debug({ group: g.groupId, member: m.memberId }, 'consumer group member session expired');
      void this.removeMembers(g, [m]).catch(() => {});
    }, m.classic?.sessionTimeoutMs ?? this.config.consumerSessionTimeoutMs);
    m.sessionTimer.unref();
  }

  private clearTimers(m: Member): void {
    if (m.sessionTimer) clearTimeout(m.sessionTimer);
    if (m.revocationTimer) clearTimeout(m.revocationTimer);
    if (m.classicTimer) clearTimeout(m.classicTimer);
    m.sessionTimer = null;
    m.revocationTimer = null;
    m.classicTimer = null;
  }

  /**
   * Fences members out of the group (they left, or their session, rebalance, join or sync
   * timeout ran out). When only classic-protocol members remain and the policy allows it, the
   * group becomes a classic group instead (Kafka's validateOnlineDowngradeWithFencedMembers).
   * The group's state changes before this returns its promise; the records follow.
   */
  private async removeMembers(g: Group, leaving: Member[]): Promise<void> {
    for (const m of leaving) this.clearTimers(m);
    if (this.downgradable(g, leaving)) return this.downgrade(g, leaving);
    for (const m of leaving) g.members.delete(m.memberId);
    g.epoch++;
    this.recompute(g);
    const records: InternalRecord[] = [...leaving.map((m): InternalRecord => ({ key: ['cm', g.groupId, m.memberId], value: null })), this.groupRecord(g)];
    // Other members move towards their new targets when they next heartbeat (their epoch
    // changes only in an answer to them).
    for (const other of g.members.values()) records.push(this.memberRecord(g, other));
    await this.coordinator.persist(records);
  }

  private groupRecord(g: Group): InternalRecord {
    return { key: ['cg', g.groupId], value: { v: 1, epoch: g.epoch, assignmentEpoch: g.assignmentEpoch, assignor: g.assignor, metadata: g.metadata } };
  }

  private memberRecord(g: Group, m: Member): InternalRecord {
    return {
      key: ['cm', g.groupId, m.memberId],
      value: {
        v: 1,
        instanceId: m.instanceId,
        rackId: m.rackId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        subscribedTopicNames: m.subscribedTopicNames,
        subscribedTopicRegex: m.subscribedTopicRegex,
        serverAssignor: m.serverAssignor,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        epoch: m.epoch,
        previousEpoch: m.previousEpoch,
        state: m.state,
        assigned: toJson(m.assigned),
        revoking: toJson(m.revoking),
        target: toJson(m.target),
        leftStatic: m.leftStatic,
        ...(m.classic !== null ? { classic: classicToJson(m.classic) } : {}),
      },
    };
  }

  // ------------------------------------------------------------------------------------------
  // ConsumerGroupHeartbeat

  async heartbeat(req: HeartbeatRequest): Promise<HeartbeatResult> {
    const interval = this.config.consumerHeartbeatIntervalMs;
    const fail = (error: CoordinatorErrorCode, message: string): HeartbeatResult => ({ error, errorMessage: message, memberId: null, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null });
    if (this.closed) return fail('NOT_COORDINATOR', 'the coordinator is shutting down');
    if (this.coordinator.refusal !== null) return fail(this.coordinator.refusal, 'the group coordinator is not available: __consumer_offsets is offline');
    if (!req.groupId) return fail('INVALID_REQUEST', 'GroupId can\'t be empty.');
    if (req.memberEpoch === 0) {
      if (req.subscribedTopicNames === null && req.subscribedTopicRegex === null) return fail('INVALID_REQUEST', 'SubscribedTopicNames or SubscribedTopicRegex must be set in first request.');
      if (req.rebalanceTimeoutMs === -1) return fail('INVALID_REQUEST', 'RebalanceTimeoutMs must be provided in first request.');
      if (req.ownedPartitions === null) return fail('INVALID_REQUEST', 'TopicPartitions must be empty when (re-)joining.');
    } else if (req.memberEpoch > 0 && !req.memberId) {
      return fail('INVALID_REQUEST', 'MemberId can\'t be empty.');
    }
    if (req.serverAssignor !== null && !this.config.consumerAssignors.includes(req.serverAssignor)) return fail('UNSUPPORTED_ASSIGNOR', `ServerAssignor ${req.serverAssignor} is not supported. Supported assignors: ${this.config.consumerAssignors.join(', ')}.`);
    if (req.subscribedTopicRegex) {
      try {
        new RegExp(req.subscribedTopicRegex);
      } catch {
        return fail('INVALID_REGULAR_EXPRESSION', `SubscribedTopicRegex ${req.subscribedTopicRegex} is not a valid regular expression.`);
      }
    }
    if (this.coordinator.groupTypeOf(req.groupId) === 'streams' || this.coordinator.isShareGroup(req.groupId)) return fail('GROUP_ID_NOT_FOUND', `Group ${req.groupId} is not a consumer group.`);
    if (this.coordinator.classicGroupExists(req.groupId)) {
      // A joining member (epoch 0) takes an empty classic group's id, or upgrades a non-empty
      // classic group when the policy allows it (Kafka's getOrMaybeCreateConsumerGroup).
      const joining = req.memberEpoch === 0;
      if (joining && this.coordinator.classicGroupIsEmpty(req.groupId)) {
        this.coordinator.dropEmptyClassicGroup(req.groupId);
      } else {
        if (!joining) return fail('GROUP_ID_NOT_FOUND', `Group ${req.groupId} is not a consumer group.`);
        const refusal = this.coordinator.upgradeRefusal(req.groupId);
        if (refusal !== null) {
          this.logger.info({ group: req.groupId, reason: refusal }, 'classic group not upgraded to a consumer group');
          return fail('GROUP_ID_NOT_FOUND', `Cannot upgrade classic group ${req.groupId} to consumer group because ${refusal}.`);
        }
        const failed = await this.upgrade(req.groupId);
        if (failed !== null) return fail('GROUP_ID_NOT_FOUND', failed);
      }
    }
    let g = this.groups.get(req.groupId);
    // Leaving.
    if (req.memberEpoch === -1 || req.memberEpoch === -2) {
      const m = g?.members.get(req.memberId);
      if (!g || !m) return fail('UNKNOWN_MEMBER_ID', `member ${req.memberId} is not in group ${req.groupId}`);
      if (req.memberEpoch === -2 && m.instanceId !== null) {
        m.leftStatic = true;
        await this.coordinator.persist([this.memberRecord(g, m)]);
      } else {
        await this.removeMembers(g, [m]);
      }
      return { error: null, errorMessage: null, memberId: req.memberId, memberEpoch: req.memberEpoch, heartbeatIntervalMs: 0, assignment: null };
    }
    let m: Member | undefined;
    let changed = false;
    if (req.memberEpoch === 0) {
      if (!g) {
        g = this.newGroup(req.groupId);
        this.groups.set(req.groupId, g);
      }
      const memberId = req.memberId || randomUUID().replace(/-/g, '');
      m = g.members.get(memberId);
      const holder0 = req.instanceId !== null ? [...g.members.values()].find((x) => x.instanceId === req.instanceId && x.memberId !== memberId) : undefined;
      if (holder0) {
        const holder = holder0;
        {
          if (!holder.leftStatic) return fail('UNRELEASED_INSTANCE_ID', `static member ${req.instanceId} is still held by ${holder.memberId}`);
          // The static member is back under a new id: it takes over its predecessor's state.
          this.clearTimers(holder);
          g.members.delete(holder.memberId);
          m = { ...holder, memberId, leftStatic: false, sessionTimer: null, revocationTimer: null, lastSent: null, classic: null, classicTimer: null };
          g.members.set(memberId, m);
          await this.coordinator.persist([{ key: ['cm', g.groupId, holder.memberId], value: null }]);
        }
      } else if (m) {
        // A rejoin under the same id: it owns nothing any more and starts over.
        m.assigned = new Map();
        m.revoking = new Map();
        m.previousEpoch = -1;
        m.epoch = 0;
      }
      if (!m) {
        if (g.members.size >= this.config.maxGroupSize) return fail('GROUP_MAX_SIZE_REACHED', `group ${req.groupId} is full`);
        m = newMember(memberId, req.instanceId, req.clientId, req.clientHost, req.rebalanceTimeoutMs);
        m.rackId = req.rackId;
        g.members.set(memberId, m);
        changed = true;
      }
      m.lastSent = null;
    } else {
      m = g?.members.get(req.memberId);
      if (!g || !m) return fail('UNKNOWN_MEMBER_ID', `member ${req.memberId} is not in group ${req.groupId}`);
      if (req.memberEpoch !== m.epoch) {
        // A member that missed our last answer may still send its previous epoch with the partitions it owns.
        const owned = req.ownedPartitions;
        const tolerable = req.memberEpoch === m.previousEpoch && owned !== null && size(minus(owned, m.assigned)) === 0;
        if (!tolerable) return fail('FENCED_MEMBER_EPOCH', `epoch ${req.memberEpoch} of member ${req.memberId} is fenced (current ${m.epoch})`);
      }
    }
    // Subscription changes.
    if (req.subscribedTopicNames !== null && JSON.stringify([...req.subscribedTopicNames].sort()) !== JSON.stringify([...m.subscribedTopicNames].sort())) {
      m.subscribedTopicNames = [...req.subscribedTopicNames];
      changed = true;
    }
    if (req.subscribedTopicRegex !== null && req.subscribedTopicRegex !== m.subscribedTopicRegex) {
      m.subscribedTopicRegex = req.subscribedTopicRegex || null;
      changed = true;
    }
    if (req.serverAssignor !== null && req.serverAssignor !== m.serverAssignor) {
      m.serverAssignor = req.serverAssignor;
      changed = true;
    }
    if (req.rebalanceTimeoutMs > 0) m.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    if (req.rackId !== null) m.rackId = req.rackId;
    if (req.instanceId !== null) m.instanceId = req.instanceId;
    m.clientId = req.clientId;
    m.clientHost = req.clientHost;
    // Revocations the member reports done.
    if (req.ownedPartitions !== null && size(m.revoking) > 0) {
      m.revoking = intersect(m.revoking, req.ownedPartitions);
    }
    const records: InternalRecord[] = [];
    if (changed || this.subscriptionMetadata(g).key !== g.metadata) {
      g.epoch++;
      this.recompute(g);
      records.push(this.groupRecord(g));
      for (const other of g.members.values()) if (other !== m) records.push(this.memberRecord(g, other));
    }
    const memberChanged = this.reconcile(g, m, req.ownedPartitions) || changed;
    if (memberChanged || records.length > 0) records.push(this.memberRecord(g, m));
    if (records.length > 0) {
      try {
        await this.coordinator.persist(records);
      } catch (e) {
        return fail('COORDINATOR_NOT_AVAILABLE', (e as Error).message);
      }
    }
    this.touch(g, m);
    const k = keyOf(m.assigned);
    const send = m.lastSent !== k || req.ownedPartitions !== null && keyOf(req.ownedPartitions) !== k;
    m.lastSent = k;
    return { error: null, errorMessage: null, memberId: m.memberId, memberEpoch: m.epoch, heartbeatIntervalMs: interval, assignment: send ? copy(m.assigned) : null };
  }

  // ------------------------------------------------------------------------------------------
  // Online migration (group-migration.ts): upgrade of a classic group, downgrade back

  /**
   * Turns the non-empty classic group of this id into a consumer group, as Kafka's
   * convertToConsumerGroup: each classic member becomes a classic-protocol member of the consumer
   * group at the classic generation (its epoch), with the topics of its subscription, and its
   * current assignment as both its assignment and its target. Returns an error message when the
   * members' embedded consumer protocol cannot be read (the group stays classic).
   */
  private async upgrade(groupId: string): Promise<string | null> {
    const built: { group: Group | null } = { group: null };
    const snapshot = this.coordinator.takeClassicGroup(groupId, (s) => (built.group = this.fromClassic(s)) !== null);
    const g = built.group;
    if (snapshot === null || g === null) return `Cannot upgrade classic group ${groupId} to consumer group because the embedded consumer protocol is malformed.`;
    this.groups.set(groupId, g);
    g.metadata = this.subscriptionMetadata(g).key;
    const records: InternalRecord[] = [GroupCoordinator.classicGroupTombstone(groupId), this.groupRecord(g), ...[...g.members.values()].map((m) => this.memberRecord(g, m))];
    for (const m of g.members.values()) this.touch(g, m);
    await this.coordinator.persist(records);
    return null;
  }

  private fromClassic(s: ClassicGroupSnapshot): Group | null {
    const codec = this.coordinator.consumerProtocol!;
    const g = this.newGroup(s.groupId);
    g.epoch = s.generationId;
    g.assignmentEpoch = s.generationId;
    for (const c of s.members) {
      const sub = c.protocols[0] ? codec.decodeSubscription(c.protocols[0].metadata) : null;
      const assigned = codec.decodeAssignment(c.assignment);
      if (sub === null || assigned === null) return null;
      const m = newMember(c.memberId, c.groupInstanceId, c.clientId, c.clientHost, c.rebalanceTimeoutMs);
      m.rackId = sub.rackId;
      m.subscribedTopicNames = [...sub.topics];
      m.epoch = s.generationId;
      m.previousEpoch = s.generationId;
      m.assigned = assigned;
      m.target = copy(assigned);
      m.classic = { sessionTimeoutMs: c.sessionTimeoutMs, protocols: c.protocols };
      g.members.set(m.memberId, m);
    }
    return g;
  }

  /** Kafka's validateOnlineDowngradeWithFencedMembers: only classic members stay, some do, the policy allows it. */
  private downgradable(g: Group, leaving: Member[]): boolean {
    const staying = [...g.members.values()].filter((m) => !leaving.includes(m));
    if (staying.length === 0 || staying.some((m) => m.classic === null)) return false;
    if (!downgradeEnabled(this.config.consumerMigrationPolicy)) {
      this.logger.info({ group: g.groupId }, 'consumer group not downgraded to a classic group: online downgrade is disabled');
      return false;
    }
    return this.coordinator.consumerProtocol !== null && staying.length <= this.config.maxGroupSize;
  }

  /**
   * Turns the group into a classic group of its remaining (classic) members, as Kafka's
   * convertToClassicGroup: the consumer group's records become tombstones, the classic group
   * starts Stable at the group epoch with each member's current assignment, then rebalances.
   */
  private async downgrade(g: Group, leaving: Member[]): Promise<void> {
    const codec = this.coordinator.consumerProtocol!;
    const staying = [...g.members.values()].filter((m) => !leaving.includes(m));
    const snapshot: ClassicGroupSnapshot = {
      groupId: g.groupId,
      generationId: g.epoch,
      protocolName: null,
      leaderId: null,
      members: staying.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.instanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        sessionTimeoutMs: m.classic!.sessionTimeoutMs,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        protocols: m.classic!.protocols,
        assignment: codec.encodeAssignment(m.assigned),
      })),
    };
    const tombstones = this.delete(g.groupId);
    const record = this.coordinator.installDowngradedGroup(snapshot);
    await this.coordinator.persist([...tombstones, record]);
  }

  // ------------------------------------------------------------------------------------------
  // Classic-protocol members of a consumer group (JoinGroup, SyncGroup, Heartbeat, LeaveGroup)

  /** The member a classic request names (Kafka's validateConsumerGroupMember), or its error. */
  private classicMember(g: Group | undefined, memberId: string, instanceId: string | null): Member | CoordinatorErrorCode {
    if (!g) return 'UNKNOWN_MEMBER_ID';
    if (instanceId === null) {
      const m = g.members.get(memberId);
      return m ?? 'UNKNOWN_MEMBER_ID';
    }
    const m = [...g.members.values()].find((x) => x.instanceId === instanceId);
    if (!m) return 'UNKNOWN_MEMBER_ID';
    return m.memberId === memberId ? m : 'FENCED_INSTANCE_ID';
  }

  /** A protocol every classic member supports is among these (Kafka's supportsClassicProtocols). */
  private supportsClassicProtocols(g: Group, protocolType: string, protocols: Array<{ name: string }>): boolean {
    if (protocolType !== 'consumer' || protocols.length === 0) return false;
    const classics = [...g.members.values()].filter((m) => m.classic !== null);
    return protocols.some((p) => classics.every((m) => m.classic!.protocols.some((q) => q.name === p.name)));
  }

  /** Starts the member's deadline (to sync or to rejoin) unless one runs. */
  private classicDeadline(g: Group, m: Member, what: string, replace: boolean): void {
    if (m.classicTimer && !replace) return;
    if (m.classicTimer) clearTimeout(m.classicTimer);
    if (this.closed) return;
    m.classicTimer = setTimeout(() => {
      m.classicTimer = null;
      if (this.groups.get(g.groupId) !== g || g.members.get(m.memberId) !== m) return;
      this.logger.info({ group: g.groupId, member: m.memberId }, `classic member did not ${what} within its rebalance timeout`);
      void this.removeMembers(g, [m]).catch(() => {});
    }, m.rebalanceTimeoutMs);
    m.classicTimer.unref();
  }

  private cancelClassicDeadline(m: Member): void {
    if (m.classicTimer) clearTimeout(m.classicTimer);
    m.classicTimer = null;
  }

  /** Partitions of its target the member still waits for another member to release. */
  private waitingOnUnreleased(g: Group, m: Member): boolean {
    const taken = this.ownedByOthers(g, m);
    for (const [t, ps] of minus(m.target, m.assigned)) for (const p of ps) if (taken.has(`${t}\u0000${p}`)) return true;
    return false;
  }

  /**
   * JoinGroup of a classic member into a non-empty consumer group (Kafka's
   * classicGroupJoinToConsumerGroup): its subscription (topics, owned partitions, rack) comes
   * from the first protocol's metadata; the answer comes at once, with the member's epoch as the
   * generation and no leader (the coordinator assigns); the member then has its rebalance
   * timeout to send SyncGroup.
   */
  async classicJoin(req: JoinGroupRequest): Promise<JoinGroupResult> {
    const fail = (error: CoordinatorErrorCode, memberId = req.memberId): JoinGroupResult => ({ error, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId, members: [] });
    if (this.closed) return fail('NOT_COORDINATOR');
    if (this.coordinator.refusal !== null) return fail(this.coordinator.refusal);
    const g = this.groups.get(req.groupId);
    const codec = this.coordinator.consumerProtocol;
    if (!g || g.members.size === 0 || codec === null) return fail('INCONSISTENT_GROUP_PROTOCOL');
    // With the migration policy `disabled` Kafka 4.4 keeps classic members out of consumer groups.
    if (this.config.consumerMigrationPolicy === 'disabled') return fail('INCONSISTENT_GROUP_PROTOCOL');
    const unknown = req.memberId === '';
    const memberId = unknown ? newMemberId() : req.memberId;
    if (!g.members.has(memberId) && g.members.size >= this.config.maxGroupSize) return fail('GROUP_MAX_SIZE_REACHED');
    if (!this.supportsClassicProtocols(g, req.protocolType, req.protocols)) return fail('INCONSISTENT_GROUP_PROTOCOL');
    if (unknown && req.requireKnownMemberId && req.groupInstanceId === null) return fail('MEMBER_ID_REQUIRED', memberId);
    const sub = codec.decodeSubscription(req.protocols[0]!.metadata);
    if (sub === null) return fail('INCONSISTENT_GROUP_PROTOCOL');
    const records: InternalRecord[] = [];
    let m: Member | undefined;
    let changed = false;
    if (req.groupInstanceId === null) {
      m = g.members.get(memberId);
    } else {
      const holder = [...g.members.values()].find((x) => x.instanceId === req.groupInstanceId);
      if (unknown) {
        if (holder) {
          // The static member is back under a new id: it takes over its predecessor's state.
          this.clearTimers(holder);
          g.members.delete(holder.memberId);
          records.push({ key: ['cm', g.groupId, holder.memberId], value: null });
          m = { ...holder, memberId, leftStatic: false, sessionTimer: null, revocationTimer: null, lastSent: null, classicTimer: null };
          g.members.set(memberId, m);
        }
      } else {
        if (!holder) return fail('UNKNOWN_MEMBER_ID');
        if (holder.memberId !== memberId) return fail('FENCED_INSTANCE_ID');
        m = holder;
      }
    }
    if (m && m.classic === null && !m.leftStatic && !unknown) return fail('UNKNOWN_MEMBER_ID');
    if (!m) {
      m = newMember(memberId, req.groupInstanceId, req.clientId, req.clientHost, req.rebalanceTimeoutMs);
      g.members.set(memberId, m);
      changed = true;
    }
    if (sub.rackId !== null) m.rackId = sub.rackId;
    if (req.rebalanceTimeoutMs > 0) m.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    m.clientId = req.clientId;
    m.clientHost = req.clientHost;
    m.serverAssignor = null;
    m.subscribedTopicRegex = null;
    if (JSON.stringify([...sub.topics].sort()) !== JSON.stringify([...m.subscribedTopicNames].sort())) {
      m.subscribedTopicNames = [...sub.topics];
      changed = true;
    }
    m.classic = { sessionTimeoutMs: req.sessionTimeoutMs, protocols: req.protocols.map((p) => ({ name: p.name, metadata: p.metadata })) };
    // What it revoked: the partitions it no longer reports as owned.
    if (size(m.revoking) > 0) m.revoking = intersect(m.revoking, sub.ownedPartitions);
    if (changed || this.subscriptionMetadata(g).key !== g.metadata) {
      g.epoch++;
      this.recompute(g);
      records.push(this.groupRecord(g));
      for (const other of g.members.values()) if (other !== m) records.push(this.memberRecord(g, other));
    }
    this.reconcile(g, m, sub.ownedPartitions);
    records.push(this.memberRecord(g, m));
    try {
      await this.coordinator.persist(records);
    } catch (e) {
      return fail(e instanceof CoordinatorError ? e.code : 'COORDINATOR_NOT_AVAILABLE');
    }
    if (this.groups.get(g.groupId) !== g || g.members.get(m.memberId) !== m) return fail('UNKNOWN_MEMBER_ID');
    this.touch(g, m);
    this.classicDeadline(g, m, 'send SyncGroup', true);
    return { error: null, generationId: m.epoch, protocolType: 'consumer', protocolName: req.protocols[0]!.name, leader: '', skipAssignment: false, memberId, members: [] };
  }

  /**
   * SyncGroup of a classic member of a consumer group (Kafka's classicGroupSyncToConsumerGroup):
   * its current assignment, in the consumer protocol's format. REBALANCE_IN_PROGRESS when the group
   * moved on since its JoinGroup (unless it still has partitions to revoke: it gets its
   * assignment without them first).
   */
  async classicSync(req: SyncGroupRequest): Promise<SyncGroupResult> {
    const error = (e: CoordinatorErrorCode): SyncGroupResult => ({ error: e, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) });
    if (this.closed) return error('NOT_COORDINATOR');
    if (this.coordinator.refusal !== null) return error(this.coordinator.refusal);
    const g = this.groups.get(req.groupId);
    const found = this.classicMember(g, req.memberId, req.groupInstanceId);
    if (typeof found === 'string') return error(found);
    const m = found;
    if (m.classic === null) return error('UNKNOWN_MEMBER_ID');
    if (req.generationId !== m.epoch) return error('ILLEGAL_GENERATION');
    const first = m.classic.protocols[0]?.name ?? null;
    if ((req.protocolType != null && req.protocolType !== 'consumer') || (req.protocolName != null && req.protocolName !== first)) return error('INCONSISTENT_GROUP_PROTOCOL');
    if (g!.epoch > m.epoch && m.state !== 'UNREVOKED_PARTITIONS') {
      this.classicDeadline(g!, m, 'rejoin', false);
      return error('REBALANCE_IN_PROGRESS');
    }
    this.cancelClassicDeadline(m);
    this.touch(g!, m);
    return { error: null, protocolType: req.protocolType ?? 'consumer', protocolName: req.protocolName ?? first, assignment: this.coordinator.consumerProtocol!.encodeAssignment(m.assigned) };
  }

  /**
   * Heartbeat of a classic member of a consumer group (Kafka's
   * classicGroupHeartbeatToConsumerGroup): REBALANCE_IN_PROGRESS tells it to rejoin when the group
   * epoch moved past its own, when it has partitions to revoke, or when the partitions it waited
   * for are free.
   */
  classicHeartbeat(groupId: string, memberId: string, instanceId: string | null, generationId: number): CoordinatorErrorCode | null {
    if (this.closed) return 'NOT_COORDINATOR';
    if (this.coordinator.refusal !== null) return this.coordinator.refusal;
    const g = this.groups.get(groupId);
    const found = this.classicMember(g, memberId, instanceId);
    if (typeof found === 'string') return found;
    const m = found;
    if (m.classic === null) return 'UNKNOWN_MEMBER_ID';
    if (generationId !== m.epoch) return 'ILLEGAL_GENERATION';
    this.touch(g!, m);
    if (m.epoch < g!.epoch || m.state === 'UNREVOKED_PARTITIONS' || (m.state === 'UNRELEASED_PARTITIONS' && !this.waitingOnUnreleased(g!, m))) {
      this.classicDeadline(g!, m, 'rejoin', false);
      return 'REBALANCE_IN_PROGRESS';
    }
    return null;
  }

  /**
   * LeaveGroup of classic members of a consumer group (Kafka's classicGroupLeaveToConsumerGroup);
   * an administrator may name static members by instance id alone. Those that leave are fenced
   * together (which may downgrade the group).
   */
  classicLeave(groupId: string, members: Array<{ memberId: string; groupInstanceId: string | null; reason?: string | null }>): { error: CoordinatorErrorCode | null; members: LeaveGroupMemberResult[] } {
    if (this.closed) return { error: 'NOT_COORDINATOR', members: [] };
    if (this.coordinator.refusal !== null) return { error: this.coordinator.refusal, members: [] };
    const g = this.groups.get(groupId);
    const results: LeaveGroupMemberResult[] = [];
    const leaving: Member[] = [];
    for (const r of members) {
      let found: Member | CoordinatorErrorCode;
      if (r.groupInstanceId !== null && r.memberId === '') {
        found = (g && [...g.members.values()].find((x) => x.instanceId === r.groupInstanceId)) ?? 'UNKNOWN_MEMBER_ID';
      } else {
        found = this.classicMember(g, r.memberId, r.groupInstanceId);
        if (typeof found !== 'string' && found.classic === null) found = 'UNKNOWN_MEMBER_ID';
      }
      if (typeof found === 'string') {
        results.push({ memberId: r.memberId, groupInstanceId: r.groupInstanceId, error: found });
        continue;
      }
      if (!leaving.includes(found)) leaving.push(found);
      results.push({ memberId: r.memberId, groupInstanceId: r.groupInstanceId, error: null });
    }
    if (g && leaving.length > 0) void this.removeMembers(g, leaving).catch((e: unknown) => this.logger.warn({ err: e, group: groupId }, 'could not store the departure of classic members'));
    return { error: null, members: results };
  }

  // ------------------------------------------------------------------------------------------
  // ConsumerGroupDescribe and DescribeGroups

  describe(groupId: string): DescribedConsumerGroup {
    const g = this.groups.get(groupId);
    if (!g) return { groupId, error: 'GROUP_ID_NOT_FOUND', state: 'Dead', epoch: -1, assignmentEpoch: -1, assignor: '', members: [] };
    return {
      groupId,
      error: null,
      state: this.stateOf(g),
      epoch: g.epoch,
      assignmentEpoch: g.assignmentEpoch,
      assignor: g.assignor,
      members: [...g.members.values()].map((m) => ({
        memberId: m.memberId,
        instanceId: m.instanceId,
        rackId: m.rackId,
        memberEpoch: m.epoch,
        clientId: m.clientId,
        clientHost: m.clientHost,
        subscribedTopicNames: m.subscribedTopicNames,
        subscribedTopicRegex: m.subscribedTopicRegex,
        assignment: copy(m.assigned),
        target: copy(m.target),
        classic: m.classic !== null,
      })),
    };
  }

  /** DescribeGroups on a consumer group: its state and members (no classic metadata). */
  describeAsClassic(groupId: string): { state: string; members: Array<{ memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string }> } {
    const d = this.describe(groupId);
    return { state: d.state, members: d.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.instanceId, clientId: m.clientId, clientHost: m.clientHost })) };
  }
}
