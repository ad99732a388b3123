// Share groups (KIP-932, queues for Kafka): members heartbeat with their subscription and get
// partitions from a broker-side assignor; several members may share a partition, and each
// record is acquired by one member at a time (share-partition.ts), acknowledged one by one
// (accept, release, reject), redelivered when its acquisition lock times out, and archived once
// delivered as often as the delivery count limit allows.
//
// State lives in the compacted internal topic `__share_group_state` (internal-topic.ts; with the
// Kafka front-end's codec a share-partition is Kafka's ShareSnapshot record, the configs Wharf's
// private form), replayed on start, and the group's own record in `__consumer_offsets` (as
// Kafka's ShareGroupMetadata; the group coordinator replays it and hands it over; brokers before
// kept it here as ["sg", group] and it moves on start):
//   ["shg", group]                      -> { v, epoch }                the group exists (type share)
//   ["gc", group]                       -> { v, configs }              its dynamic GROUP configs
//   ["sp", group, topicId, partition]   -> { v, topic, startOffset, stateEpoch, batches }
// A share-partition's record is a whole snapshot (start offset and the runs of delivered,
// acknowledged and archived offsets), written before an acknowledgement is answered: an
// accepted record is never delivered again, even after kill -9. Acquisitions are not written;
// after a restart what was acquired and not acknowledged is available again (KIP-932 lets it be
// redelivered), with the delivery count of the last snapshot. Members are not persisted either:
// after a restart they rejoin (UNKNOWN_MEMBER_ID makes the client join again).
//
// The group namespace is shared with classic and consumer groups (a share heartbeat for a group
// of another type is GROUP_ID_NOT_FOUND, as Kafka answers; the other way round, JoinGroup is
// INCONSISTENT_GROUP_PROTOCOL and ConsumerGroupHeartbeat GROUP_ID_NOT_FOUND). Topics are named here; the Kafka
// front-end translates topic ids.
import type { Logger } from '../../log.js';
import { isLogError, type Log, type LogPartition } from '../log/index.js';
import { batchBaseOffset, batchIsControl, batchIsTransactional, batchLastOffsetDelta, batchProducerId, forEachBatch } from '../records/batch.js';
import type { CoordinatorErrorCode } from './errors.js';
import type { GroupCoordinator } from './group-coordinator.js';
import { checkGroupConfig, GROUP_CONFIGS, groupConfigDefaults, parseIsoDuration } from './group-configs.js';
import { InternalTopic, type InternalKey, type InternalRecord, type InternalRecordCodec } from './internal-topic.js';
import { SharePartition, type AcquiredRange, type SharePartitionLimits, type StateBatch } from './share-partition.js';

export const SHARE_GROUP_STATE_TOPIC = '__share_group_state';

/** Bytes of log read per acquisition (about the in-flight bound of records; a larger batch still comes whole). */
const READ_BUDGET = 1024 * 1024;

/** Broker-wide share group settings (Kafka's group.share.*). */
export interface ShareGroupConfig {
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  recordLockDurationMs: number;
  deliveryCountLimit: number;
  maxRecordLocks: number;
  maxGroupSize: number;
}

export const DEFAULT_SHARE_GROUP_CONFIG: Readonly<ShareGroupConfig> = Object.freeze({
  sessionTimeoutMs: 45_000,
  heartbeatIntervalMs: 5_000,
  recordLockDurationMs: 30_000,
  deliveryCountLimit: 5,
  maxRecordLocks: 2_000,
  maxGroupSize: 200,
});

/** Partitions by topic name. */
export type ShareAssignment = Map<string, Set<number>>;

interface Member {
  memberId: string;
  rackId: string | null;
  clientId: string;
  clientHost: string;
  subscribed: string[];
  epoch: number;
  previousEpoch: number;
  assignment: ShareAssignment;
  lastSent: string | null;
  timer: NodeJS.Timeout | null;
}

interface Entry {
  topic: string;
  topicId: string;
  partition: number;
  sp: SharePartition;
  timer: NodeJS.Timeout | null;
}

interface Group {
  groupId: string;
  epoch: number;
  assignmentEpoch: number;
  members: Map<string, Member>;
  /** topicId\0partition -> share-partition */
  partitions: Map<string, Entry>;
  stored: boolean;
  metadata: string;
  /** Fetches waiting for records of this group (woken by releases, expiries and appends). */
  waiters: Set<() => void>;
}

export interface ShareHeartbeatRequest {
  groupId: string;
  memberId: string;
  memberEpoch: number;
  rackId: string | null;
  subscribedTopicNames: string[] | null;
  clientId: string;
  clientHost: string;
  /**
   * On leave (epoch -1): keep what the member holds until its share session closes (its last
   * acknowledgements may be on their way on another connection) or the locks expire.
   */
  keepAcquired?: boolean;
}

export interface ShareHeartbeatResult {
  error: CoordinatorErrorCode | null;
  errorMessage: string | null;
  memberId: string | null;
  memberEpoch: number;
  heartbeatIntervalMs: number;
  assignment: ShareAssignment | null;
}

export interface SharePartitionRef {
  topic: string;
  partition: number;
}

export interface AcquireResult {
  error: CoordinatorErrorCode | null;
  errorMessage: string | null;
  records: Buffer[];
  acquired: AcquiredRange[];
}

export interface AckBatch {
  firstOffset: number;
  lastOffset: number;
  types: number[];
}

export interface DescribedShareGroup {
  groupId: string;
  state: string;
  epoch: number;
  assignmentEpoch: number;
  members: Array<{ memberId: string; rackId: string | null; memberEpoch: number; clientId: string; clientHost: string; subscribedTopicNames: string[]; assignment: ShareAssignment }>;
}

export interface ShareOffset {
  topic: string;
  partition: number;
  startOffset: number;
  lag: number;
}

const key = (topicId: string, partition: number): string => `${topicId}\u0000${partition}`;
const assignmentKey = (a: ShareAssignment): string =>
  [...a]
    .filter(([, ps]) => ps.size > 0)
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([t, ps]) => `${t}:${[...ps].sort((x, y) => x - y).join(',')}`)
    .join(';');

/**
 * Kafka's simple share assignor, per topic: with no more subscribers than partitions each
 * partition goes to one member (spread evenly); with more, every member gets a partition and
 * partitions are shared. Deterministic: members sorted by id, rotated per topic.
 */
export function assignShare(members: Array<{ memberId: string; topics: Set<string> }>, partitions: Map<string, number>): Map<string, ShareAssignment> {
  const out = new Map<string, ShareAssignment>(members.map((m) => [m.memberId, new Map()]));
  const ids = members.map((m) => m.memberId).sort();
  const topics = [...partitions.keys()].sort();
  let rotate = 0;
  for (const t of topics) {
    const subs = ids.filter((id) => members.find((m) => m.memberId === id)!.topics.has(t));
    const n = partitions.get(t)!;
    if (subs.length === 0 || n === 0) continue;
    const put = (id: string, p: number) => {
      const a = out.get(id)!;
      let s = a.get(t);
      if (!s) a.set(t, (s = new Set()));
      s.add(p);
    };
    if (subs.length <= n) for (let p = 0; p < n; p++) put(subs[(p + rotate) % subs.length]!, p);
    else for (let k = 0; k < subs.length; k++) put(subs[(k + rotate) % subs.length]!, k % n);
    rotate++;
  }
  return out;
}

export class ShareGroups {
  readonly config: ShareGroupConfig;
  private readonly groups = new Map<string, Group>();
  /** Dynamic GROUP configs set per group (any group type; the share.* ones apply here). */
  private readonly groupConfigs = new Map<string, Record<string, string>>();
  private readonly initializing = new Map<string, Promise<Entry>>();
  private closed = false;

  private constructor(
    private readonly topic: InternalTopic,
    private readonly log: Log,
    private readonly gc: GroupCoordinator,
    private readonly logger: Logger,
    config: Partial<ShareGroupConfig>,
  ) {
    this.config = { ...DEFAULT_SHARE_GROUP_CONFIG, ...config };
  }

  static async open(opts: { log: Log; logger: Logger; groups: GroupCoordinator; config?: Partial<ShareGroupConfig>; recordCodec?: InternalRecordCodec }): Promise<ShareGroups> {
    const logger = opts.logger.child({ component: 'share-groups' });
    const topic = await InternalTopic.open(opts.log, SHARE_GROUP_STATE_TOPIC, logger, opts.recordCodec);
    const sg = new ShareGroups(topic, opts.log, opts.groups, logger, opts.config ?? {});
    // The groups' records are in __consumer_offsets (as Kafka's ShareGroupMetadata), replayed by
    // the group coordinator; brokers before kept them in __share_group_state (["sg"]).
    const inOffsets = opts.groups.attachShareGroups((groupId) => sg.groups.has(groupId));
    for (const [id, v] of inOffsets) sg.replay(['shg', id], v);
    const started = Date.now();
    const older = new Map<string, Record<string, unknown> | null>();
    const n = await topic.replay((k, v) => {
      if (k[0] === 'sg' && k.length === 2) {
        older.set(String(k[1]), v);
        // Older than a record in __consumer_offsets (written since the move), which then holds the group.
        if (inOffsets.has(String(k[1]))) return;
      }
      sg.replay(k, v);
    });
    // A move needs both topics whole (a partial replay would move a partial state).
    if (topic.failure === null && opts.groups.refusal === null) await sg.moveGroupRecords(older, inOffsets);
    else logger.error({ err: topic.failure ?? undefined, recordsRead: n }, 'share group coordinator not available: __share_group_state or __consumer_offsets is damaged');
    logger.info({ records: n, groups: sg.groups.size, ms: Date.now() - started }, 'share groups loaded');
    return sg;
  }

  // ------------------------------------------------------------------------------------------
  // Replay and persistence

  /**
   * Moves the groups' records that brokers before kept in `__share_group_state` to
   * `__consumer_offsets`: each live one is written there (unless a newer one is there already),
   * then deleted here. A crash in between leaves both, with the same epoch; the next start ends the move.
   */
  private async moveGroupRecords(older: Map<string, Record<string, unknown> | null>, inOffsets: Map<string, Record<string, unknown>>): Promise<void> {
    const live = [...older].filter((e): e is [string, Record<string, unknown>] => e[1] !== null);
    if (live.length === 0) return;
    const moved = live.filter(([id]) => !inOffsets.has(id)).map(([id, v]): InternalRecord => ({ key: ['shg', id], value: { v: 1, epoch: Number(v.epoch ?? 0) } }));
    if (moved.length > 0) await this.gc.persist(moved);
    await this.topic.append(live.map(([id]) => ({ key: ['sg', id], value: null })));
    this.logger.info({ groups: live.length }, "moved share groups' records to __consumer_offsets");
  }

  private replay(k: InternalKey, v: Record<string, unknown> | null): void {
    const type = k[0];
    const groupId = String(k[1]);
    if ((type === 'shg' || type === 'sg') && k.length === 2) {
      if (v === null) {
        this.groups.delete(groupId);
        return;
      }
      const g = this.groups.get(groupId) ?? this.newGroup(groupId);
      g.epoch = Number(v.epoch ?? 0);
      g.assignmentEpoch = g.epoch;
      g.stored = true;
      this.groups.set(groupId, g);
    } else if (type === 'gc' && k.length === 2) {
      if (v === null) this.groupConfigs.delete(groupId);
      else this.groupConfigs.set(groupId, { ...((v.configs as Record<string, string> | undefined) ?? {}) });
    } else if (type === 'sp' && k.length === 4) {
      const topicId = String(k[2]);
      const partition = Number(k[3]);
      const g = this.groups.get(groupId) ?? this.newGroup(groupId);
      this.groups.set(groupId, g);
      if (v === null) {
        g.partitions.delete(key(topicId, partition));
        return;
      }
      const topic = this.log.topicNameById(topicId);
      if (topic === null) {
        g.partitions.delete(key(topicId, partition));
        return;
      }
      const sp = SharePartition.restore(Number(v.startOffset ?? 0), Number(v.stateEpoch ?? 0), (v.batches as StateBatch[] | undefined) ?? []);
      g.partitions.set(key(topicId, partition), { topic, topicId, partition, sp, timer: null });
    }
  }

  /** Appends the share-partitions' and configs' records to `__share_group_state`, then the groups' to `__consumer_offsets`. */
  private async persist(records: InternalRecord[]): Promise<void> {
    if (this.closed) throw new Error('the share group coordinator is shutting down');
    const groups = records.filter((r) => r.key[0] === 'shg');
    const state = records.filter((r) => r.key[0] !== 'shg');
    if (state.length > 0) await this.topic.append(state);
    if (groups.length > 0) await this.gc.persist(groups);
  }

  private partitionRecord(g: Group, e: Entry): InternalRecord {
    return { key: ['sp', g.groupId, e.topicId, e.partition], value: { v: 1, topic: e.topic, startOffset: e.sp.startOffset, stateEpoch: e.sp.stateEpoch, batches: e.sp.snapshot() } };
  }

  private groupRecord(g: Group): InternalRecord {
    return { key: ['shg', g.groupId], value: { v: 1, epoch: g.epoch } };
  }

  /** Creates `__share_group_state` now (FindCoordinator for a share group). */
  ensureTopic(): Promise<void> {
    return this.topic.ensure();
  }

  // ------------------------------------------------------------------------------------------
  // Configs

  /** Every GROUP config of a group: effective value and whether the group sets it. */
  describeConfigs(groupId: string): Array<{ name: string; value: string; isDefault: boolean; synonym: string; kind: string; defaultValue: string }> {
    const set = this.groupConfigs.get(groupId) ?? {};
    const defaults = groupConfigDefaults(this.config, { sessionTimeoutMs: this.gc.config.consumerSessionTimeoutMs, heartbeatIntervalMs: this.gc.config.consumerHeartbeatIntervalMs });
    return Object.keys(GROUP_CONFIGS).map((name) => ({ name, value: set[name] ?? defaults[name] ?? '', isDefault: set[name] === undefined, synonym: GROUP_CONFIGS[name]!.synonym, kind: GROUP_CONFIGS[name]!.kind, defaultValue: defaults[name] ?? '' }));
  }

  /** Applies SET (a string) and DELETE (null) changes to a group's configs; throws on an invalid one. */
  async alterConfigs(groupId: string, changes: Record<string, string | null>, validateOnly: boolean): Promise<string | null> {
    for (const [name, value] of Object.entries(changes)) {
      if (!GROUP_CONFIGS[name]) return `Unknown group config name: ${name}`;
      if (value !== null) {
        const why = name === 'share.record.lock.duration.ms' ? this.checkLockDuration(value) : checkGroupConfig(name, value);
        if (why !== null) return why;
      }
    }
    if (validateOnly) return null;
    const next = { ...(this.groupConfigs.get(groupId) ?? {}) };
    for (const [name, value] of Object.entries(changes)) {
      if (value === null) delete next[name];
      else next[name] = value;
    }
    await this.persist([{ key: ['gc', groupId], value: Object.keys(next).length === 0 ? null : { v: 1, configs: next } }]);
    if (Object.keys(next).length === 0) this.groupConfigs.delete(groupId);
    else this.groupConfigs.set(groupId, next);
    return null;
  }

  /**
   * Kafka bounds a group's lock duration by group.share.min/max.record.lock.duration.ms (15 s
   * and 60 s by default); a broker whose own lock duration is outside them widens them to it
   * (a test broker with 1 s locks lets groups set a few seconds, as such a Kafka does).
   */
  private checkLockDuration(value: string): string | null {
    const min = Math.min(15_000, this.config.recordLockDurationMs);
    const max = Math.max(60_000, this.config.recordLockDurationMs);
    const n = Number(value);
    return /^\d+$/.test(value) && n >= min && n <= max ? null : `Invalid value ${value} for configuration share.record.lock.duration.ms: must be an integer in [${min}, ${max}]`;
  }

  private setting(groupId: string, name: string, fallback: number): number {
    const v = this.groupConfigs.get(groupId)?.[name];
    return v === undefined ? fallback : Number(v);
  }

  private limits(groupId: string): SharePartitionLimits {
    return {
      lockDurationMs: this.setting(groupId, 'share.record.lock.duration.ms', this.config.recordLockDurationMs),
      deliveryCountLimit: this.setting(groupId, 'share.delivery.count.limit', this.config.deliveryCountLimit),
      maxInFlight: this.setting(groupId, 'share.partition.max.record.locks', this.config.maxRecordLocks),
    };
  }

  /** share.record.lock.duration.ms of a group (ShareFetch answers it). */
  lockDurationMs(groupId: string): number {
    return this.limits(groupId).lockDurationMs;
  }

  private readCommitted(groupId: string): boolean {
    return this.groupConfigs.get(groupId)?.['share.isolation.level'] === 'read_committed';
  }

  // ------------------------------------------------------------------------------------------
  // The group namespace

  has(groupId: string): boolean {
    return this.groups.has(groupId);
  }

  /** True while the member belongs to the group (share sessions of others may be evicted). */
  isMember(groupId: string, memberId: string): boolean {
    return this.groups.get(groupId)?.members.has(memberId) ?? false;
  }

  isEmpty(groupId: string): boolean {
    return (this.groups.get(groupId)?.members.size ?? 0) === 0;
  }

  list(): Array<{ groupId: string; state: string }> {
    return [...this.groups.values()].map((g) => ({ groupId: g.groupId, state: g.members.size === 0 ? 'Empty' : 'Stable' }));
  }

  describe(groupId: string): DescribedShareGroup | null {
    const g = this.groups.get(groupId);
    if (!g) return null;
    return {
      groupId,
      state: g.members.size === 0 ? 'Empty' : 'Stable',
      epoch: g.epoch,
      assignmentEpoch: g.assignmentEpoch,
      members: [...g.members.values()].map((m) => ({ memberId: m.memberId, rackId: m.rackId, memberEpoch: m.epoch, clientId: m.clientId, clientHost: m.clientHost, subscribedTopicNames: [...m.subscribed], assignment: new Map([...m.assignment].map(([t, ps]) => [t, new Set(ps)])) })),
    };
  }

  /** DeleteGroups of a share group: it must be empty; its state and configs go with it. */
  async deleteGroup(groupId: string): Promise<CoordinatorErrorCode | null> {
    const g = this.groups.get(groupId);
    if (!g) return 'GROUP_ID_NOT_FOUND';
    if (g.members.size > 0) return 'NON_EMPTY_GROUP';
    const records: InternalRecord[] = [...g.partitions.values()].map((e) => ({ key: ['sp', groupId, e.topicId, e.partition], value: null }));
    records.push({ key: ['shg', groupId], value: null });
    if (this.groupConfigs.has(groupId)) records.push({ key: ['gc', groupId], value: null });
    try {
      await this.persist(records);
    } catch {
      return 'COORDINATOR_NOT_AVAILABLE';
    }
    for (const e of g.partitions.values()) if (e.timer) clearTimeout(e.timer);
    this.groups.delete(groupId);
    this.groupConfigs.delete(groupId);
    return null;
  }

  private newGroup(groupId: string): Group {
    return { groupId, epoch: 0, assignmentEpoch: 0, members: new Map(), partitions: new Map(), stored: false, metadata: '', waiters: new Set() };
  }

  private otherType(groupId: string): boolean {
    return this.gc.groupState(groupId) !== null || this.gc.groupTypeOf(groupId) !== null;
  }

  // ------------------------------------------------------------------------------------------
  // ShareGroupHeartbeat

  async heartbeat(req: ShareHeartbeatRequest): Promise<ShareHeartbeatResult> {
    const fail = (error: CoordinatorErrorCode, errorMessage: string): ShareHeartbeatResult => ({ error, errorMessage, memberId: null, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null });
    if (this.closed) return fail('NOT_COORDINATOR', 'the coordinator is shutting down');
    const unavailable = this.topic.unavailable('share group coordinator');
    if (unavailable !== null) return fail(unavailable.code, unavailable.message);
    if (this.gc.refusal !== null) return fail(this.gc.refusal, 'the group coordinator is not available: __consumer_offsets is offline');
    if (!req.groupId) return fail('INVALID_REQUEST', "GroupId can't be empty.");
    if (!req.memberId) return fail('INVALID_REQUEST', "MemberId can't be empty.");
    if (req.memberEpoch < -1) return fail('INVALID_REQUEST', `MemberEpoch is invalid.`);
    if (req.memberEpoch === 0 && (req.subscribedTopicNames === null || req.subscribedTopicNames.length === 0)) return fail('INVALID_REQUEST', 'SubscribedTopicNames must be set in first request.');
    if (!this.groups.has(req.groupId) && this.otherType(req.groupId)) return fail('GROUP_ID_NOT_FOUND', `Group ${req.groupId} is not a share group.`);
    const interval = this.setting(req.groupId, 'share.heartbeat.interval.ms', this.config.heartbeatIntervalMs);
    let g = this.groups.get(req.groupId);
    if (req.memberEpoch === -1) {
      const m = g?.members.get(req.memberId);
      if (!g || !m) return fail('UNKNOWN_MEMBER_ID', `Member ${req.memberId} is not a member of group ${req.groupId}.`);
      await this.removeMember(g, m, req.keepAcquired !== true);
      return { error: null, errorMessage: null, memberId: req.memberId, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null };
    }
    let changed = false;
    let m: Member | undefined;
    if (req.memberEpoch === 0) {
      if (!g) {
        g = this.newGroup(req.groupId);
        this.groups.set(req.groupId, g);
      }
      m = g.members.get(req.memberId);
      if (!m) {
        if (g.members.size >= this.config.maxGroupSize) return fail('GROUP_MAX_SIZE_REACHED', `The share group has reached its maximum capacity of ${this.config.maxGroupSize} members.`);
        m = { memberId: req.memberId, rackId: req.rackId, clientId: req.clientId, clientHost: req.clientHost, subscribed: [], epoch: 0, previousEpoch: -1, assignment: new Map(), lastSent: null, timer: null };
        g.members.set(req.memberId, m);
        changed = true;
      }
      m.lastSent = null;
    } else {
      m = g?.members.get(req.memberId);
      if (!g || !m) return fail('UNKNOWN_MEMBER_ID', `Member ${req.memberId} is not a member of group ${req.groupId}.`);
      if (req.memberEpoch !== m.epoch && req.memberEpoch !== m.previousEpoch) return fail('FENCED_MEMBER_EPOCH', `The share group member has a smaller member epoch (${req.memberEpoch}) than the one known by the group coordinator (${m.epoch}). The member must abandon all its partitions and rejoin.`);
    }
    if (req.subscribedTopicNames !== null && JSON.stringify([...req.subscribedTopicNames].sort()) !== JSON.stringify([...m.subscribed].sort())) {
      m.subscribed = [...req.subscribedTopicNames];
      changed = true;
    }
    if (req.rackId !== null) m.rackId = req.rackId;
    m.clientId = req.clientId;
    m.clientHost = req.clientHost;
    const records: InternalRecord[] = [];
    if (changed || this.metadataKey(g) !== g.metadata) {
      g.epoch++;
      this.recompute(g);
      records.push(this.groupRecord(g));
    } else if (!g.stored) records.push(this.groupRecord(g));
    if (m.epoch !== g.assignmentEpoch) {
      m.previousEpoch = m.epoch;
      m.epoch = g.assignmentEpoch;
    }
    // The share-partitions of the assignment get their start offset now (share.auto.offset.reset
    // applies when a partition is first assigned, as in Kafka).
    try {
      for (const [t, ps] of m.assignment) for (const p of ps) await this.entry(g, t, p);
      if (records.length > 0) {
        await this.persist(records);
        g.stored = true;
      }
    } catch (e) {
      return fail('COORDINATOR_NOT_AVAILABLE', (e as Error).message);
    }
    this.touch(g, m);
    // Keyed with topic ids too: a topic recreated under its name is a new assignment.
    const k = `${assignmentKey(m.assignment)}|${g.metadata}`;
    const send = m.lastSent !== k;
    m.lastSent = k;
    return { error: null, errorMessage: null, memberId: m.memberId, memberEpoch: m.epoch, heartbeatIntervalMs: interval, assignment: send ? new Map([...m.assignment].map(([t, ps]) => [t, new Set(ps)])) : null };
  }

  private metadataKey(g: Group): string {
    const topics = new Set<string>();
    for (const m of g.members.values()) for (const t of m.subscribed) topics.add(t);
    return [...topics]
      .sort()
      .map((t) => {
        const info = this.log.topicInfo(t);
        return `${t}=${info?.topicId ?? ''}:${info?.partitions ?? 0}`;
      })
      .join(',');
  }

  private recompute(g: Group): void {
    const partitions = new Map<string, number>();
    for (const m of g.members.values()) {
      for (const t of m.subscribed) {
        const info = this.log.topicInfo(t);
        if (info && !info.internal) partitions.set(t, info.partitions);
      }
    }
    const targets = assignShare(
      [...g.members.values()].map((m) => ({ memberId: m.memberId, topics: new Set(m.subscribed) })),
      partitions,
    );
    for (const m of g.members.values()) m.assignment = targets.get(m.memberId) ?? new Map();
    g.metadata = this.metadataKey(g);
    g.assignmentEpoch = g.epoch;
  }

  private touch(g: Group, m: Member): void {
    if (m.timer) clearTimeout(m.timer);
    if (this.closed) return;
    m.timer = setTimeout(() => {
      m.timer = null;
      if (this.groups.get(g.groupId) !== g || g.members.get(m.memberId) !== m) return;
      this.logger.debug({ group: g.groupId, member: m.memberId }, 'share group member session expired');
      void this.removeMember(g, m).catch(() => {});
    }, this.setting(g.groupId, 'share.session.timeout.ms', this.config.sessionTimeoutMs));
    m.timer.unref();
  }

  private async removeMember(g: Group, m: Member, release = true): Promise<void> {
    if (m.timer) clearTimeout(m.timer);
    m.timer = null;
    g.members.delete(m.memberId);
    if (release) this.releaseAll(g, m.memberId, null);
    g.epoch++;
    this.recompute(g);
    await this.persist([this.groupRecord(g)]).catch(() => {});
  }

  // ------------------------------------------------------------------------------------------
  // Share-partitions

  /** The share-partition of a group, created with its start offset from share.auto.offset.reset. */
  private async entry(g: Group, topic: string, partition: number): Promise<Entry> {
    const info = this.log.topicInfo(topic);
    if (!info || partition < 0 || partition >= info.partitions) throw Object.assign(new Error(`unknown partition ${topic}-${partition}`), { code: 'UNKNOWN_TOPIC_OR_PARTITION' });
    const k = key(info.topicId, partition);
    const have = g.partitions.get(k);
    if (have) return have;
    const pendingKey = `${g.groupId}\u0000${k}`;
    let p = this.initializing.get(pendingKey);
    if (!p) {
      p = (async () => {
        const lp = this.log.partition(topic, partition);
        const start = await this.resetOffset(g.groupId, lp);
        const again = g.partitions.get(k);
        if (again) return again;
        const e: Entry = { topic, topicId: info.topicId, partition, sp: new SharePartition(start), timer: null };
        g.partitions.set(k, e);
        await this.persist([this.partitionRecord(g, e)]);
        return e;
      })().finally(() => this.initializing.delete(pendingKey));
      this.initializing.set(pendingKey, p);
    }
    return p;
  }

  private async resetOffset(groupId: string, lp: LogPartition): Promise<number> {
    const policy = this.groupConfigs.get(groupId)?.['share.auto.offset.reset'] ?? 'latest';
    if (policy === 'earliest') return lp.logStartOffset;
    if (policy.startsWith('by_duration:')) {
      const ms = parseIsoDuration(policy.slice('by_duration:'.length)) ?? 0;
      const found = await lp.offsetForTimestamp(Date.now() - ms);
      return found === null ? lp.highWatermark : found.offset;
    }
    return lp.highWatermark;
  }

  private findEntry(g: Group, topic: string, partition: number): Entry | undefined {
    const info = this.log.topicInfo(topic);
    return info ? g.partitions.get(key(info.topicId, partition)) : undefined;
  }

  private scheduleLocks(g: Group, e: Entry): void {
    if (e.timer || this.closed) return;
    const next = e.sp.nextDeadline();
    if (next === null) return;
    e.timer = setTimeout(() => {
      e.timer = null;
      const n = e.sp.expireLocks(Date.now(), this.limits(g.groupId));
      if (n > 0) {
        this.wake(g);
        void this.persist([this.partitionRecord(g, e)]).catch(() => {});
      }
      this.scheduleLocks(g, e);
    }, Math.max(0, next - Date.now()) + 1);
    e.timer.unref();
  }

  private wake(g: Group): void {
    if (g.waiters.size === 0) return;
    const ws = [...g.waiters];
    g.waiters.clear();
    for (const w of ws) w();
  }

  /**
   * Acquires records of one partition for a member, at most `maxRecords` (whole batches: a
   * batch that starts under the limit is acquired whole, unless `strictLimit`: the
   * record_limit acquire mode of ShareFetch v2), from at most `maxBytes` of the log.
   */
  async acquire(groupId: string, memberId: string, ref: SharePartitionRef, maxRecords: number, maxBytes: number, strictLimit = false): Promise<AcquireResult> {
    const out: AcquireResult = { error: null, errorMessage: null, records: [], acquired: [] };
    const g = this.groups.get(groupId);
    if (!g || this.closed) return { ...out, error: 'NOT_COORDINATOR', errorMessage: 'no such share group here' };
    let e: Entry;
    try {
      e = await this.entry(g, ref.topic, ref.partition);
    } catch (err) {
      return { ...out, error: 'UNKNOWN_TOPIC_OR_PARTITION', errorMessage: (err as Error).message };
    }
    if (maxRecords <= 0) return out;
    const lp = this.log.partition(ref.topic, ref.partition);
    const sp = e.sp;
    const limits = this.limits(groupId);
    const now = Date.now();
    if (sp.expireLocks(now, limits) > 0) void this.persist([this.partitionRecord(g, e)]).catch(() => {});
    if (sp.startOffset < lp.logStartOffset) sp.moveStartTo(lp.logStartOffset);
    const readCommitted = this.readCommitted(groupId);
    const end = readCommitted ? lp.lastStableOffset : lp.highWatermark;
    const from = sp.nextAcquirable();
    if (from >= end || (from >= sp.endOffset && sp.inFlight >= limits.maxInFlight)) return out;
    let r;
    try {
      // A share-partition acquires at most its in-flight bound: read about that much, not the
      // request's whole MaxBytes (at least one batch comes back whatever the budget).
      r = await lp.read(from, Math.min(maxBytes, READ_BUDGET), { isolation: readCommitted ? 'read_committed' : 'read_uncommitted' });
    } catch (err) {
      if (isLogError(err, 'OFFSET_OUT_OF_RANGE')) {
        sp.moveStartTo(lp.logStartOffset);
        return out;
      }
      throw err;
    }
    const aborted = r.abortedTransactions ?? [];
    let count = 0;
    const stamp = Date.now();
    let full = false;
    for (const chunk of r.chunks) {
      let firstPos = -1;
      let lastEnd = -1;
      forEachBatch(chunk, (pos, size) => {
        if (count >= maxRecords || full) return false;
        const base = batchBaseOffset(chunk, pos);
        const last = base + batchLastOffsetDelta(chunk, pos);
        // Past the in-flight bound nothing more can be acquired.
        if (base >= sp.endOffset && sp.inFlight >= limits.maxInFlight) {
          full = true;
          return false;
        }
        let archive = batchIsControl(chunk, pos);
        if (!archive && readCommitted && batchIsTransactional(chunk, pos) && aborted.length > 0) {
          const pid = batchProducerId(chunk, pos);
          for (const a of aborted) if (a.producerId === pid && a.firstOffset <= base && base <= a.lastOffset) archive = true;
        }
        const n = sp.acquireBatch(memberId, base, last, archive, stamp, limits, out.acquired, strictLimit ? maxRecords - count : undefined);
        if (n > 0) {
          count += n;
          if (firstPos < 0) firstPos = pos;
          // Batches between two with acquired records go too (the slice stays whole); the
          // ones after the last acquired batch do not.
          lastEnd = pos + size;
        }
        return undefined;
      });
      if (firstPos >= 0) out.records.push(chunk.subarray(firstPos, lastEnd));
      if (count >= maxRecords || full) break;
    }
    if (count > 0) this.scheduleLocks(g, e);
    return out;
  }

  /**
   * Applies acknowledgements of a member and persists the changed share-partitions before
   * answering. Returns the error of each partition (null: applied), in the order given.
   */
  async acknowledge(groupId: string, memberId: string, acks: Array<{ ref: SharePartitionRef; batches: AckBatch[] }>): Promise<Array<{ error: CoordinatorErrorCode | null; message: string | null }>> {
    const g = this.groups.get(groupId);
    if (!g || this.closed) return acks.map(() => ({ error: 'NOT_COORDINATOR' as const, message: null }));
    const limits = this.limits(groupId);
    const now = Date.now();
    const results: Array<{ error: CoordinatorErrorCode | null; message: string | null }> = [];
    const touched = new Set<Entry>();
    for (const a of acks) {
      const e = this.findEntry(g, a.ref.topic, a.ref.partition);
      if (!e) {
        results.push({ error: this.log.topicInfo(a.ref.topic) ? 'INVALID_RECORD_STATE' : 'UNKNOWN_TOPIC_OR_PARTITION', message: null });
        continue;
      }
      e.sp.expireLocks(now, limits);
      let error: CoordinatorErrorCode | null = null;
      for (const b of a.batches) {
        const why = e.sp.acknowledge(memberId, b.firstOffset, b.lastOffset, b.types, now, limits);
        if (why !== null) error = why;
        else touched.add(e);
      }
      results.push({ error, message: error === 'INVALID_RECORD_STATE' ? 'The record state is invalid. The acknowledgement of delivery could not be completed.' : null });
    }
    if (touched.size > 0) {
      try {
        await this.persist([...touched].map((e) => this.partitionRecord(g, e)));
      } catch {
        return results.map((r) => (r.error === null ? { error: 'COORDINATOR_NOT_AVAILABLE' as const, message: 'the acknowledgement could not be stored' } : r));
      }
    }
    // Waiting fetches may acquire now: released records are available again, and accepted ones
    // move the start offset, which makes room in a window full at share.partition.max.record.locks
    // (waking on releases only, a fetch of a full window slept its MaxWaitMs out).
    if (touched.size > 0) this.wake(g);
    return results;
  }

  /** Releases what a member holds in the given partitions (all when null): its share session ended. */
  releaseAll(g: Group | string, memberId: string, refs: SharePartitionRef[] | null): void {
    const group = typeof g === 'string' ? this.groups.get(g) : g;
    if (!group) return;
    const limits = this.limits(group.groupId);
    const entries = refs === null ? [...group.partitions.values()] : refs.map((r) => this.findEntry(group, r.topic, r.partition)).filter((e): e is Entry => e !== undefined);
    let n = 0;
    for (const e of entries) n += e.sp.releaseMember(memberId, limits);
    if (n > 0) {
      this.wake(group);
      void this.persist(entries.map((e) => this.partitionRecord(group, e))).catch(() => {});
    }
  }

  /**
   * Waits until one of the partitions may have records to acquire: new data in the log, or
   * records released or expired in the group. Resolves false on timeout or abort.
   */
  waitForRecords(groupId: string, refs: SharePartitionRef[], timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    const g = this.groups.get(groupId);
    if (!g || timeoutMs <= 0 || signal.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const ac = new AbortController();
      let done = false;
      const finish = (v: boolean) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        g.waiters.delete(onWake);
        signal.removeEventListener('abort', onAbort);
        ac.abort();
        resolve(v);
      };
      const onWake = () => finish(true);
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(false), timeoutMs);
      g.waiters.add(onWake);
      signal.addEventListener('abort', onAbort, { once: true });
      for (const r of refs) {
        const e = this.findEntry(g, r.topic, r.partition);
        if (!e || !this.log.hasTopic(r.topic)) continue;
        let lp: LogPartition;
        try {
          lp = this.log.partition(r.topic, r.partition);
        } catch {
          continue;
        }
        void lp.waitForData(Math.max(e.sp.endOffset, lp.highWatermark), timeoutMs, ac.signal).then((ok) => {
          if (ok) finish(true);
        });
      }
    });
  }

  // ------------------------------------------------------------------------------------------
  // Offsets administration

  /** The start offsets of a group's share-partitions (all of them when `topics` is null). */
  describeOffsets(groupId: string, topics: Array<{ topic: string; partitions: number[] }> | null): { error: CoordinatorErrorCode | null; offsets: Array<ShareOffset & { error: CoordinatorErrorCode | null }> } {
    const g = this.groups.get(groupId);
    if (!g) {
      if (this.otherType(groupId)) return { error: 'GROUP_ID_NOT_FOUND', offsets: [] };
      return { error: null, offsets: (topics ?? []).flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition, startOffset: -1, lag: -1, error: null }))) };
    }
    const lagOf = (e: Entry): number => {
      try {
        return e.sp.lag(this.log.partition(e.topic, e.partition).highWatermark);
      } catch {
        return -1;
      }
    };
    if (topics === null) {
      const all = [...g.partitions.values()].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
      return { error: null, offsets: all.map((e) => ({ topic: e.topic, partition: e.partition, startOffset: e.sp.startOffset, lag: lagOf(e), error: null })) };
    }
    const offsets: Array<ShareOffset & { error: CoordinatorErrorCode | null }> = [];
    for (const t of topics) {
      for (const partition of t.partitions) {
        const e = this.findEntry(g, t.topic, partition);
        offsets.push(e ? { topic: t.topic, partition, startOffset: e.sp.startOffset, lag: lagOf(e), error: null } : { topic: t.topic, partition, startOffset: -1, lag: -1, error: null });
      }
    }
    return { error: null, offsets };
  }

  /** AlterShareGroupOffsets: sets start offsets of an empty group (creating it if needed). */
  async alterOffsets(groupId: string, offsets: Array<{ topic: string; partition: number; startOffset: number }>): Promise<{ error: CoordinatorErrorCode | null; message: string | null; partitions: Array<CoordinatorErrorCode | null> }> {
    let g = this.groups.get(groupId);
    if (!g && this.otherType(groupId)) return { error: 'GROUP_ID_NOT_FOUND', message: `Group ${groupId} is not a share group.`, partitions: [] };
    if (g && g.members.size > 0) return { error: 'NON_EMPTY_GROUP', message: `Group ${groupId} is not empty.`, partitions: [] };
    if (!g) {
      g = this.newGroup(groupId);
      this.groups.set(groupId, g);
    }
    const records: InternalRecord[] = [];
    const partitions: Array<CoordinatorErrorCode | null> = [];
    for (const o of offsets) {
      const info = this.log.topicInfo(o.topic);
      if (!info || o.partition < 0 || o.partition >= info.partitions) {
        partitions.push('UNKNOWN_TOPIC_OR_PARTITION');
        continue;
      }
      const lp = this.log.partition(o.topic, o.partition);
      const start = o.startOffset === -1 ? lp.highWatermark : o.startOffset === -2 ? lp.logStartOffset : o.startOffset;
      const k = key(info.topicId, o.partition);
      const old = g.partitions.get(k);
      if (old?.timer) clearTimeout(old.timer);
      const e: Entry = { topic: o.topic, topicId: info.topicId, partition: o.partition, sp: new SharePartition(start, (old?.sp.stateEpoch ?? 0) + 1), timer: null };
      g.partitions.set(k, e);
      records.push(this.partitionRecord(g, e));
      partitions.push(null);
    }
    if (!g.stored) records.push(this.groupRecord(g));
    try {
      await this.persist(records);
      g.stored = true;
    } catch {
      return { error: 'COORDINATOR_NOT_AVAILABLE', message: null, partitions: [] };
    }
    return { error: null, message: null, partitions };
  }

  /** DeleteShareGroupOffsets: forgets the share-partitions of topics of an empty group. */
  async deleteOffsets(groupId: string, topics: string[]): Promise<{ error: CoordinatorErrorCode | null; message: string | null; topics: Array<CoordinatorErrorCode | null> }> {
    const g = this.groups.get(groupId);
    if (!g) return { error: 'GROUP_ID_NOT_FOUND', message: `Group ${groupId} not found.`, topics: [] };
    if (g.members.size > 0) return { error: 'NON_EMPTY_GROUP', message: `Group ${groupId} is not empty.`, topics: [] };
    const records: InternalRecord[] = [];
    const results: Array<CoordinatorErrorCode | null> = [];
    const gone: string[] = [];
    for (const t of topics) {
      const info = this.log.topicInfo(t);
      if (!info) {
        results.push('UNKNOWN_TOPIC_OR_PARTITION');
        continue;
      }
      for (const [k, e] of g.partitions) {
        if (e.topicId !== info.topicId) continue;
        records.push({ key: ['sp', groupId, e.topicId, e.partition], value: null });
        gone.push(k);
      }
      results.push(null);
    }
    try {
      if (records.length > 0) await this.persist(records);
    } catch {
      return { error: 'COORDINATOR_NOT_AVAILABLE', message: null, topics: [] };
    }
    for (const k of gone) {
      const e = g.partitions.get(k);
      if (e?.timer) clearTimeout(e.timer);
      g.partitions.delete(k);
    }
    return { error: null, message: null, topics: results };
  }

  /** For tests: the state of a share-partition. */
  inspect(groupId: string, topic: string, partition: number): SharePartition | null {
    const g = this.groups.get(groupId);
    return g ? (this.findEntry(g, topic, partition)?.sp ?? null) : null;
  }

  close(): void {
    this.closed = true;
    for (const g of this.groups.values()) {
      for (const m of g.members.values()) if (m.timer) clearTimeout(m.timer);
      for (const e of g.partitions.values()) if (e.timer) clearTimeout(e.timer);
      this.wake(g);
    }
  }
}
