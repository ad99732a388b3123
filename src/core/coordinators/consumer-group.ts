// Consumer groups of the new protocol (KIP-848): members send ConsumerGroupHeartbeat with their
// subscription; the coordinator computes the target assignment with a server-side assignor
// (uniform or range) and hands it out incrementally. A member first gives up the partitions it
// must revoke (its epoch stays put until it reports them gone), then gets the new epoch and the
// partitions no other member still owns. Epochs fence zombies (FENCED_MEMBER_EPOCH); members
// time out after the session timeout, or after their rebalance timeout if they do not revoke.
// These groups share the group namespace and the committed offsets with classic groups
// (group-coordinator.ts), and their state is kept in `__consumer_offsets` (with the Kafka
// front-end's codec as Kafka's records: src/kafka/coordinator-records.ts, consumer-member-records.ts):
//   ["cg", group]           -> { v, epoch, assignmentEpoch, assignor }
//   ["cm", group, memberId] -> the member: subscription, epochs, assigned and target partitions
// Topics are named here; the Kafka front-end translates them to and from topic ids.
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../log.js';
import type { Log } from '../log/index.js';
import { CoordinatorError, type CoordinatorErrorCode } from './errors.js';
import type { GroupCoordinator, GroupTypeExtension, ListedGroup } from './group-coordinator.js';
import type { InternalKey, InternalRecord } from './internal-topic.js';

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
  private reconcile(g: Group, m: Member): boolean {
    const before = `${m.epoch}|${m.state}|${keyOf(m.assigned)}|${keyOf(m.revoking)}`;
    const revoke = minus(m.assigned, m.target);
    if (size(revoke) > 0 || size(m.revoking) > 0) {
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
    void this.removeMember(g, m).catch(() => {});
  }

  private touch(g: Group, m: Member): void {
    if (m.sessionTimer) clearTimeout(m.sessionTimer);
    if (this.closed) return;
    m.sessionTimer = setTimeout(() => {
      m.sessionTimer = null;
      if (this.groups.get(g.groupId) !== g || g.members.get(m.memberId) !== m) return;
      this.logger.debug({ group: g.groupId, member: m.memberId }, 'consumer group member session expired');
      void this.removeMember(g, m).catch(() => {});
    }, this.config.consumerSessionTimeoutMs);
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
    this.recompute(g);
    const records: InternalRecord[] = [{ key: ['cm', g.groupId, m.memberId], value: null }, this.groupRecord(g)];
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
      },
    };
  }

  // ------------------------------------------------------------------------------------------
  // ConsumerGroupHeartbeat

  async heartbeat(req: HeartbeatRequest): Promise<HeartbeatResult> {
    const interval = this.config.consumerHeartbeatIntervalMs;
    const fail = (error: CoordinatorErrorCode, message: string): HeartbeatResult => ({ error, errorMessage: message, memberId: null, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null });
    if (this.closed) return fail('NOT_COORDINATOR', 'the coordinator is shutting down');
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
      if (!this.coordinator.classicGroupIsEmpty(req.groupId)) return fail('GROUP_ID_NOT_FOUND', `Group ${req.groupId} is not a consumer group.`);
      this.coordinator.dropEmptyClassicGroup(req.groupId);
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
        await this.removeMember(g, m);
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
          m = { ...holder, memberId, leftStatic: false, sessionTimer: null, revocationTimer: null, lastSent: null };
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
        m = {
          memberId,
          instanceId: req.instanceId,
          rackId: req.rackId,
          clientId: req.clientId,
          clientHost: req.clientHost,
          subscribedTopicNames: [],
          subscribedTopicRegex: null,
          serverAssignor: null,
          rebalanceTimeoutMs: req.rebalanceTimeoutMs,
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
        };
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
    const memberChanged = this.reconcile(g, m) || changed;
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
      })),
    };
  }

  /** DescribeGroups on a consumer group: its state and members (no classic metadata). */
  describeAsClassic(groupId: string): { state: string; members: Array<{ memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string }> } {
    const d = this.describe(groupId);
    return { state: d.state, members: d.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.instanceId, clientId: m.clientId, clientHost: m.clientHost })) };
  }
}
