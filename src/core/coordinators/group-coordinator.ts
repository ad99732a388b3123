// The group coordinator: consumer groups of the classic protocol (JoinGroup/SyncGroup/Heartbeat/
// LeaveGroup), their committed offsets, and the group administration (describe, list, delete).
// Wire-format free: the Kafka front-end translates requests into the calls below, and the
// results (with Kafka-named error codes) back into responses. The new consumer protocol
// (KIP-848) lives in consumer-group.ts and shares the group namespace and the offsets.
//
// A classic group moves through Empty -> PreparingRebalance -> CompletingRebalance -> Stable
// (and back to PreparingRebalance whenever membership or subscriptions change); Dead is a group
// being deleted. Members time out after their session timeout without heartbeats; a rebalance
// waits up to the largest rebalance timeout of the members for everyone to rejoin; a member that
// does not send SyncGroup within the rebalance timeout is removed. Generations fence zombie
// members (ILLEGAL_GENERATION), static members (group.instance.id) are fenced by instance
// (FENCED_INSTANCE_ID). Group metadata and offsets are records of `__consumer_offsets`.
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../log.js';
import type { Log } from '../log/index.js';
import { CoordinatorError, type CoordinatorErrorCode } from './errors.js';
import { InternalTopic, type InternalKey, type InternalRecord, type InternalRecordCodec } from './internal-topic.js';
import { OffsetStore, offsetRecordValue, parseOffsetValue, type CommittedOffset, type TopicPartitionOffset } from './offset-store.js';
import type { ClassicGroupSnapshot, ConsumerProtocolCodec, MigrationPolicy } from './group-migration.js';

export const CONSUMER_OFFSETS_TOPIC = '__consumer_offsets';

export type ClassicGroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface GroupCoordinatorConfig {
  /** group.min.session.timeout.ms */
  minSessionTimeoutMs: number;
  /** group.max.session.timeout.ms */
  maxSessionTimeoutMs: number;
  /** group.initial.rebalance.delay.ms: how long the first rebalance of an empty group waits for more members. */
  initialRebalanceDelayMs: number;
  /** group.max.size */
  maxGroupSize: number;
  /** How long a new member's JoinGroup may wait in a rebalance before it is dropped (it rejoins). */
  newMemberJoinTimeoutMs: number;
  /** offsets.retention.minutes (in ms): offsets of an empty group expire this long after it became empty. */
  offsetsRetentionMs: number;
  /** offsets.retention.check.interval.ms; 0 disables the timer. */
  offsetsRetentionCheckIntervalMs: number;
  /** offset.metadata.max.bytes */
  offsetMetadataMaxBytes: number;
  /** group.consumer.session.timeout.ms (KIP-848 groups). */
  consumerSessionTimeoutMs: number;
  /** group.consumer.heartbeat.interval.ms (KIP-848 groups). */
  consumerHeartbeatIntervalMs: number;
  /** group.consumer.assignors: the server-side assignors of KIP-848 groups, the first is the default. */
  consumerAssignors: string[];
  /** group.consumer.migration.policy: which online conversions between the classic and the consumer protocol are allowed. */
  consumerMigrationPolicy: MigrationPolicy;
}

export const DEFAULT_GROUP_CONFIG: Readonly<GroupCoordinatorConfig> = Object.freeze({
  minSessionTimeoutMs: 6_000,
  maxSessionTimeoutMs: 1_800_000,
  initialRebalanceDelayMs: 3_000,
  maxGroupSize: 2_147_483_647,
  newMemberJoinTimeoutMs: 300_000,
  offsetsRetentionMs: 7 * 24 * 3_600_000,
  offsetsRetentionCheckIntervalMs: 600_000,
  offsetMetadataMaxBytes: 4_096,
  consumerSessionTimeoutMs: 45_000,
  consumerHeartbeatIntervalMs: 5_000,
  consumerAssignors: ['uniform', 'range'],
  consumerMigrationPolicy: 'bidirectional',
});

/**
 * Reads the topics a member subscribes to from its protocol metadata (the Kafka front-end knows
 * the consumer protocol's format); null when it cannot tell.
 */
export type SubscriptionDecoder = (protocolType: string, protocolName: string, metadata: Buffer) => string[] | null;

export interface GroupProtocol {
  name: string;
  metadata: Buffer;
}

export interface JoinGroupRequest {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  /** -1 (JoinGroup v0): the session timeout. */
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: GroupProtocol[];
  /** JoinGroup v4+: a member without id first gets one with MEMBER_ID_REQUIRED. */
  requireKnownMemberId: boolean;
  reason?: string | null;
}

export interface JoinGroupMember {
  memberId: string;
  groupInstanceId: string | null;
  metadata: Buffer;
}

export interface JoinGroupResult {
  error: CoordinatorErrorCode | null;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  skipAssignment: boolean;
  memberId: string;
  members: JoinGroupMember[];
}

export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  /** SyncGroup v5: checked against the group's when given. */
  protocolType?: string | null;
  protocolName?: string | null;
  assignments: Array<{ memberId: string; assignment: Buffer }>;
}

export interface SyncGroupResult {
  error: CoordinatorErrorCode | null;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export interface LeaveGroupMemberResult {
  memberId: string;
  groupInstanceId: string | null;
  error: CoordinatorErrorCode | null;
}

export interface OffsetCommitEntry {
  topic: string;
  partition: number;
  offset: number;
  leaderEpoch: number;
  metadata: string | null;
}

export interface OffsetCommitRequest {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  /** The generation (classic) or member epoch (KIP-848); -1 for simple consumers and admin tools. */
  generationIdOrMemberEpoch: number;
  /** OffsetCommit v2-4: retention of these offsets in ms (-1: the broker's). */
  retentionTimeMs?: number;
  /** The API version, for the error codes that changed across versions. */
  apiVersion: number;
  offsets: OffsetCommitEntry[];
}

export interface OffsetCommitPartitionResult {
  topic: string;
  partition: number;
  error: CoordinatorErrorCode | null;
}

export interface TxnOffsetCommitRequest {
  transactionalId: string;
  groupId: string;
  producerId: number;
  producerEpoch: number;
  memberId: string;
  groupInstanceId: string | null;
  generationId: number;
  offsets: OffsetCommitEntry[];
}

export interface FetchedOffset {
  topic: string;
  partition: number;
  offset: number;
  leaderEpoch: number;
  metadata: string | null;
  error: CoordinatorErrorCode | null;
}

export interface OffsetFetchRequest {
  groupId: string;
  /** null: every partition the group has an offset for. */
  partitions: Array<{ topic: string; partitions: number[] }> | null;
  /** v7+: answer UNSTABLE_OFFSET_COMMIT for partitions with an offset pending in a transaction. */
  requireStable: boolean;
  /** v9+ (KIP-848 groups). */
  memberId?: string | null;
  memberEpoch?: number;
}

export interface OffsetFetchResult {
  error: CoordinatorErrorCode | null;
  offsets: FetchedOffset[];
}

export interface DescribedMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  metadata: Buffer;
  assignment: Buffer;
}

export interface DescribedGroup {
  groupId: string;
  error: CoordinatorErrorCode | null;
  state: string;
  protocolType: string;
  protocolData: string;
  members: DescribedMember[];
}

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  state: string;
  type: 'classic' | 'consumer' | 'streams';
}

/**
 * What another module (KIP-848 consumer groups, KIP-1071 streams groups) plugs into the
 * coordinator for the shared namespace.
 */
export interface GroupTypeExtension {
  readonly type: 'consumer' | 'streams';
  has(groupId: string): boolean;
  isEmpty(groupId: string): boolean;
  /** Validates an offset commit of a member of such a group; throws CoordinatorError. */
  validateOffsetCommit(groupId: string, memberId: string, memberEpoch: number, apiVersion: number, transactional?: boolean): void;
  validateOffsetFetch(groupId: string, memberId: string | null | undefined, memberEpoch: number | undefined): void;
  isSubscribedToTopic(groupId: string, topic: string): boolean;
  list(): ListedGroup[];
  delete(groupId: string): InternalRecord[];
  replay(key: InternalKey, value: Record<string, unknown> | null): boolean;
  afterReplay(): void;
  close(): void;
  /**
   * Classic-protocol requests for a non-empty group of this type (KIP-848 groups take classic
   * members); absent: such a group refuses them (INCONSISTENT_GROUP_PROTOCOL).
   */
  classicJoin?(req: JoinGroupRequest): Promise<JoinGroupResult>;
  classicSync?(req: SyncGroupRequest): Promise<SyncGroupResult>;
  classicHeartbeat?(groupId: string, memberId: string, groupInstanceId: string | null, generationId: number): CoordinatorErrorCode | null;
  classicLeave?(groupId: string, members: Array<{ memberId: string; groupInstanceId: string | null; reason?: string | null }>): { error: CoordinatorErrorCode | null; members: LeaveGroupMemberResult[] };
}

type JoinCallback = (r: JoinGroupResult) => void;
type SyncCallback = (r: SyncGroupResult) => void;

interface ClassicMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: GroupProtocol[];
  assignment: Buffer;
  awaitingJoin: JoinCallback | null;
  awaitingSync: SyncCallback | null;
  isNew: boolean;
  heartbeatTimer: NodeJS.Timeout | null;
}

const EMPTY = Buffer.alloc(0);

class ClassicGroup {
  state: ClassicGroupState = 'Empty';
  stateTimestamp = Date.now();
  protocolType: string | null = null;
  protocolName: string | null = null;
  generationId = 0;
  leaderId: string | null = null;
  readonly members = new Map<string, ClassicMember>();
  /** group.instance.id -> member id */
  readonly staticMembers = new Map<string, string>();
  /** Member ids handed out with MEMBER_ID_REQUIRED, not yet joined; their expiry timers. */
  readonly pendingMembers = new Map<string, NodeJS.Timeout>();
  /** Members of the current generation that have not sent SyncGroup yet. */
  readonly pendingSync = new Set<string>();
  joinTimer: NodeJS.Timeout | null = null;
  syncTimer: NodeJS.Timeout | null = null;
  /** Set while the initial (delayed) rebalance of an empty group runs. */
  initialDelay: { remainingMs: number } | null = null;
  newMemberAdded = false;
  /** Topics the members subscribe to; null when unknown (then every topic counts as subscribed). */
  subscribedTopics: Set<string> | null = new Set();

  constructor(readonly groupId: string) {}

  is(s: ClassicGroupState): boolean {
    return this.state === s;
  }

  transition(s: ClassicGroupState): void {
    this.state = s;
    this.stateTimestamp = Date.now();
  }

  get rebalanceTimeoutMs(): number {
    let t = 0;
    for (const m of this.members.values()) t = Math.max(t, m.rebalanceTimeoutMs);
    return t;
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  add(m: ClassicMember): void {
    if (this.members.size === 0) this.protocolType = m.protocolType;
    this.members.set(m.memberId, m);
    if (m.groupInstanceId !== null) this.staticMembers.set(m.groupInstanceId, m.memberId);
    if (this.leaderId === null) this.leaderId = m.memberId;
  }

  remove(memberId: string): void {
    const m = this.members.get(memberId);
    if (!m) return;
    this.members.delete(memberId);
    if (m.groupInstanceId !== null && this.staticMembers.get(m.groupInstanceId) === memberId) this.staticMembers.delete(m.groupInstanceId);
    this.pendingSync.delete(memberId);
    if (this.leaderId === memberId) this.leaderId = this.members.keys().next().value ?? null;
  }

  /** Protocols every member supports. */
  candidateProtocols(): Set<string> {
    let out: Set<string> | null = null;
    for (const m of this.members.values()) {
      const names = new Set(m.protocols.map((p) => p.name));
      if (out === null) out = names;
      else for (const n of out) if (!names.has(n)) out.delete(n);
    }
    return out ?? new Set();
  }

  supportsProtocols(protocolType: string, protocols: GroupProtocol[]): boolean {
    if (this.members.size === 0) return protocolType.length > 0 && protocols.length > 0;
    if (protocolType !== this.protocolType) return false;
    const candidates = this.candidateProtocols();
    return protocols.some((p) => candidates.has(p.name));
  }

  /** The protocol most members prefer among those all support (Kafka's vote). */
  selectProtocol(): string {
    const candidates = this.candidateProtocols();
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const choice = m.protocols.find((p) => candidates.has(p.name))?.name;
      if (choice !== undefined) votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    let best: string | null = null;
    let bestVotes = -1;
    for (const [name, n] of votes) {
      if (n > bestVotes) {
        best = name;
        bestVotes = n;
      }
    }
    if (best === null) throw new CoordinatorError('INCONSISTENT_GROUP_PROTOCOL', `no protocol common to the members of ${this.groupId}`);
    return best;
  }

  hasAllMembersJoined(): boolean {
    if (this.pendingMembers.size > 0) return false;
    for (const m of this.members.values()) if (m.awaitingJoin === null) return false;
    return true;
  }

  metadataOf(m: ClassicMember): Buffer {
    return m.protocols.find((p) => p.name === this.protocolName)?.metadata ?? EMPTY;
  }
}

const sameProtocols = (a: GroupProtocol[], b: GroupProtocol[]): boolean =>
  a.length === b.length && a.every((p, i) => p.name === b[i]!.name && p.metadata.equals(b[i]!.metadata));

const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export interface GroupCoordinatorOptions {
  log: Log;
  logger: Logger;
  config?: Partial<GroupCoordinatorConfig>;
  subscriptionDecoder?: SubscriptionDecoder;
  /** The record schema of `__consumer_offsets` (Kafka's); without one, Wharf's JSON records. */
  recordCodec?: InternalRecordCodec;
  /** The consumer protocol's embedded formats, for the online migration of groups; without it, none. */
  consumerProtocol?: ConsumerProtocolCodec;
}

export class GroupCoordinator {
  readonly config: GroupCoordinatorConfig;
  readonly offsets = new OffsetStore();
  private readonly groups = new Map<string, ClassicGroup>();
  /** When each group with offsets but no classic group object became empty (simple groups). */
  private readonly logger: Logger;
  private retentionTimer: NodeJS.Timeout | null = null;
  private removeTopicHooks: (() => void) | null = null;
  private closed = false;
  private extensions: GroupTypeExtension[] = [];
  /** Share groups' records (["shg", group] -> { v, epoch }) replayed here, for the share group coordinator to load. */
  private readonly shareGroupRecords = new Map<string, Record<string, unknown>>();
  /** Whether a share group holds this id (share groups open after this coordinator). */
  private shareGroupHolds: (groupId: string) => boolean = () => false;
  private decoder: SubscriptionDecoder | null;
  /** The consumer protocol's formats (online migration between the protocols), if known. */
  readonly consumerProtocol: ConsumerProtocolCodec | null;

  private constructor(
    private readonly topic: InternalTopic,
    opts: GroupCoordinatorOptions,
  ) {
    this.config = { ...DEFAULT_GROUP_CONFIG, ...(opts.config ?? {}) };
    this.logger = opts.logger;
    this.decoder = opts.subscriptionDecoder ?? null;
    this.consumerProtocol = opts.consumerProtocol ?? null;
  }

  /** Opens `__consumer_offsets` (creating it if needed) and restores groups and offsets from it. */
  static async open(opts: GroupCoordinatorOptions & { extensions?: Array<(gc: GroupCoordinator) => GroupTypeExtension> }): Promise<GroupCoordinator> {
    const logger = opts.logger.child({ component: 'group-coordinator' });
    const topic = await InternalTopic.open(opts.log, CONSUMER_OFFSETS_TOPIC, logger, opts.recordCodec);
    const gc = new GroupCoordinator(topic, { ...opts, logger });
    for (const make of opts.extensions ?? []) gc.extensions.push(make(gc));
    const started = Date.now();
    const n = await topic.replay((key, value, _offset, timestamp) => gc.replayRecord(key, value, timestamp));
    gc.afterReplay();
    logger.info({ records: n, groups: gc.groups.size, ms: Date.now() - started }, 'groups loaded');
    // A deleted topic takes its committed offsets with it (Kafka's onPartitionsDeleted): a topic
    // created again under the same name starts without them.
    gc.removeTopicHooks = opts.log.addTopicHooks({ deleted: (info) => gc.topicDeleted(info.name) });
    const interval = gc.config.offsetsRetentionCheckIntervalMs;
    if (interval > 0) {
      gc.retentionTimer = setInterval(() => void gc.expireOffsets().catch((e) => logger.error({ err: e }, 'offset expiration failed')), interval);
      gc.retentionTimer.unref();
    }
    return gc;
  }

  /** Creates `__consumer_offsets` if needed (FindCoordinator for a group, as Kafka); rejects with COORDINATOR_NOT_AVAILABLE when it is offline. */
  ensureTopic(): Promise<void> {
    return this.topic.ensure();
  }

  /**
   * Null while the coordinator serves; otherwise the error every group request gets:
   * NOT_COORDINATOR once it is shutting down, COORDINATOR_NOT_AVAILABLE while
   * `__consumer_offsets` is offline (damaged at start: its groups and offsets are not known, and
   * answering from what was read would hand consumers wrong positions).
   */
  get refusal(): 'NOT_COORDINATOR' | 'COORDINATOR_NOT_AVAILABLE' | null {
    if (this.closed) return 'NOT_COORDINATOR';
    return this.topic.failure === null ? null : 'COORDINATOR_NOT_AVAILABLE';
  }

  setSubscriptionDecoder(decoder: SubscriptionDecoder): void {
    this.decoder = decoder;
  }

  /** Appends records to `__consumer_offsets` (for the KIP-848 module). */
  persist(records: InternalRecord[]): Promise<number> {
    if (this.closed) return Promise.reject(new CoordinatorError('NOT_COORDINATOR', 'the group coordinator is shutting down'));
    const unavailable = this.topic.unavailable('group coordinator');
    if (unavailable !== null) return Promise.reject(unavailable);
    return this.topic.append(records);
  }

  // ------------------------------------------------------------------------------------------
  // Replay

  private replayRecord(key: InternalKey, value: Record<string, unknown> | null, timestamp: number): void {
    const type = key[0];
    if (type === 'o' && key.length === 4) {
      const [, group, topic, partition] = key as [string, string, string, number];
      if (value === null) this.offsets.delete(group, topic, partition);
      else {
        const o = parseOffsetValue(value);
        if (o) this.offsets.set(group, topic, partition, o);
      }
    } else if (type === 'to' && key.length === 5) {
      const [, pid, group, topic, partition] = key as [string, number, string, string, number];
      if (value === null) this.offsets.deletePending(pid, group, topic, partition);
      else {
        const o = parseOffsetValue(value);
        if (o) this.offsets.setPending(pid, group, topic, partition, o);
      }
    } else if (type === 'g' && key.length === 2) {
      const groupId = String(key[1]);
      if (value === null) {
        this.groups.delete(groupId);
        return;
      }
      this.loadGroup(groupId, value, timestamp);
    } else if (type === 'shg' && key.length === 2) {
      // A share group's epoch (ShareGroupMetadata in Kafka's schema): the share group coordinator's, loaded by it.
      if (value === null) this.shareGroupRecords.delete(String(key[1]));
      else this.shareGroupRecords.set(String(key[1]), value);
    } else if (this.extensions.some((e) => e.replay(key, value))) {
      // a KIP-848 or KIP-1071 record
    } else {
      this.logger.debug({ key }, 'unknown record in __consumer_offsets');
    }
  }

  private loadGroup(groupId: string, v: Record<string, unknown>, timestamp: number): void {
    const g = new ClassicGroup(groupId);
    g.protocolType = typeof v.protocolType === 'string' ? v.protocolType : null;
    g.protocolName = typeof v.protocol === 'string' ? v.protocol : null;
    g.generationId = typeof v.generation === 'number' ? v.generation : 0;
    g.leaderId = typeof v.leader === 'string' ? v.leader : null;
    g.stateTimestamp = typeof v.stateTimestamp === 'number' ? v.stateTimestamp : timestamp;
    const members = Array.isArray(v.members) ? (v.members as Array<Record<string, unknown>>) : [];
    for (const m of members) {
      const member: ClassicMember = {
        memberId: String(m.memberId),
        groupInstanceId: typeof m.groupInstanceId === 'string' ? m.groupInstanceId : null,
        clientId: String(m.clientId ?? ''),
        clientHost: String(m.clientHost ?? ''),
        sessionTimeoutMs: Number(m.sessionTimeoutMs ?? 10_000),
        rebalanceTimeoutMs: Number(m.rebalanceTimeoutMs ?? 60_000),
        protocolType: g.protocolType ?? '',
        protocols: g.protocolName !== null ? [{ name: g.protocolName, metadata: Buffer.from(String(m.subscription ?? ''), 'base64') }] : [],
        assignment: Buffer.from(String(m.assignment ?? ''), 'base64'),
        awaitingJoin: null,
        awaitingSync: null,
        isNew: false,
        heartbeatTimer: null,
      };
      g.members.set(member.memberId, member);
      if (member.groupInstanceId !== null) g.staticMembers.set(member.groupInstanceId, member.memberId);
    }
    if (g.leaderId !== null && !g.members.has(g.leaderId)) g.leaderId = g.members.keys().next().value ?? null;
    g.state = g.members.size > 0 ? 'Stable' : 'Empty';
    this.groups.set(groupId, g);
  }

  /** For the KIP-848 module: a classic group of this id exists / has no members / goes away (an empty one). */
  classicGroupExists(groupId: string): boolean {
    return this.groups.has(groupId);
  }

  classicGroupIsEmpty(groupId: string): boolean {
    const g = this.groups.get(groupId);
    return !g || g.is('Empty') || g.is('Dead');
  }

  dropEmptyClassicGroup(groupId: string): void {
    const g = this.groups.get(groupId);
    if (!g || !(g.is('Empty') || g.is('Dead'))) return;
    this.groups.delete(groupId);
    void this.persist([{ key: ['g', groupId], value: null }]).catch(() => {});
  }

  /**
   * Why the classic group of this id cannot become a consumer group (Kafka's
   * validateOnlineUpgrade), or null when it can: the policy, the protocol type (only groups of
   * the consumer protocol), the size.
   */
  upgradeRefusal(groupId: string): string | null {
    const g = this.groups.get(groupId);
    if (!g) return 'no such group';
    if (this.consumerProtocol === null) return 'the consumer protocol is unknown to this coordinator';
    if (this.config.consumerMigrationPolicy !== 'bidirectional' && this.config.consumerMigrationPolicy !== 'upgrade') return 'online upgrade is disabled';
    if (g.protocolType !== 'consumer') return 'the group does not use the consumer embedded protocol';
    if (g.members.size > this.config.maxGroupSize) return 'the group size exceeds the consumer group maximum size';
    return null;
  }

  /**
   * Takes a non-empty classic group out of this coordinator for its upgrade to a consumer group:
   * requests parked in a rebalance are answered REBALANCE_IN_PROGRESS (the members rejoin the
   * consumer group), timers stop. The caller writes the group's tombstone (classicGroupTombstone).
   */
  takeClassicGroup(groupId: string, accept: (s: ClassicGroupSnapshot) => boolean): ClassicGroupSnapshot | null {
    const g = this.groups.get(groupId);
    if (!g) return null;
    const snapshot: ClassicGroupSnapshot = {
      groupId,
      generationId: g.generationId,
      protocolName: g.protocolName,
      leaderId: g.leaderId,
      members: [...g.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        sessionTimeoutMs: m.sessionTimeoutMs,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        // The selected protocol first: its metadata is the subscription the group runs on.
        protocols: [...m.protocols].sort((a, b) => Number(b.name === g.protocolName) - Number(a.name === g.protocolName)),
        assignment: m.assignment,
      })),
    };
    if (!accept(snapshot)) return null;
    this.groups.delete(groupId);
    this.stopGroup(g, 'REBALANCE_IN_PROGRESS');
    this.logger.info({ group: groupId, generation: g.generationId, members: g.members.size }, 'classic group upgraded to a consumer group');
    return snapshot;
  }

  /** The tombstone of a classic group's record (written with the consumer group's records on upgrade). */
  static classicGroupTombstone(groupId: string): InternalRecord {
    return { key: ['g', groupId], value: null };
  }

  /**
   * Installs a classic group made from a consumer group whose last consumer-protocol member left
   * (downgrade), and starts its rebalance, as Kafka's convertToClassicGroup: Stable at the
   * consumer group's epoch with the members' current assignments, then PreparingRebalance (the
   * members learn it from their next Heartbeat and rejoin). Returns the group's record, to be
   * written after the consumer group's tombstones.
   */
  installDowngradedGroup(s: ClassicGroupSnapshot): InternalRecord {
    const g = new ClassicGroup(s.groupId);
    g.protocolType = 'consumer';
    g.generationId = s.generationId;
    for (const m of s.members) {
      g.add({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        sessionTimeoutMs: m.sessionTimeoutMs,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        protocolType: 'consumer',
        protocols: m.protocols,
        assignment: m.assignment,
        awaitingJoin: null,
        awaitingSync: null,
        isNew: false,
        heartbeatTimer: null,
      });
    }
    try {
      g.protocolName = g.selectProtocol();
    } catch {
      g.protocolName = s.members[0]?.protocols[0]?.name ?? null;
    }
    g.leaderId = s.members[0]?.memberId ?? null;
    g.transition('Stable');
    this.groups.set(s.groupId, g);
    this.refreshSubscriptions(g);
    const record = this.groupRecord(g);
    for (const m of g.members.values()) this.scheduleHeartbeat(g, m);
    this.logger.info({ group: s.groupId, generation: g.generationId, members: g.members.size }, 'consumer group downgraded to a classic group');
    this.prepareRebalance(g, `Downgrade group ${s.groupId} from consumer to classic.`);
    return record;
  }

  private afterReplay(): void {
    for (const e of this.extensions) e.afterReplay();
    // Members restored from the log get a full session to show up again.
    for (const g of this.groups.values()) {
      this.refreshSubscriptions(g);
      for (const m of g.members.values()) this.scheduleHeartbeat(g, m);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Lookups

  private classic(groupId: string): ClassicGroup | undefined {
    return this.groups.get(groupId);
  }

  /** Group state as DescribeGroups/ListGroups name it, or null when there is no such group. */
  groupState(groupId: string): string | null {
    const g = this.groups.get(groupId);
    if (g) return g.state;
    if (this.offsets.hasOffsets(groupId)) return 'Empty';
    return null;
  }

  private getOrCreateClassic(groupId: string): ClassicGroup {
    let g = this.groups.get(groupId);
    if (!g) {
      g = new ClassicGroup(groupId);
      this.groups.set(groupId, g);
    }
    return g;
  }

  // ------------------------------------------------------------------------------------------
  // JoinGroup

  joinGroup(req: JoinGroupRequest): Promise<JoinGroupResult> {
    const fail = (error: CoordinatorErrorCode, memberId = req.memberId): Promise<JoinGroupResult> =>
      Promise.resolve({ error, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId, members: [] });
    if (this.refusal !== null) return fail(this.refusal);
    if (!req.groupId) return fail('INVALID_GROUP_ID');
    if (req.sessionTimeoutMs < this.config.minSessionTimeoutMs || req.sessionTimeoutMs > this.config.maxSessionTimeoutMs) return fail('INVALID_SESSION_TIMEOUT');
    if (req.groupInstanceId !== null && req.groupInstanceId.length === 0) return fail('INVALID_REQUEST');
    // Kafka answers a JoinGroup for a share group's id so, members or not.
    if (this.shareGroupHolds(req.groupId)) return fail('INCONSISTENT_GROUP_PROTOCOL', '');
    const ext = this.ext(req.groupId);
    if (ext) {
      // A classic member joins a non-empty consumer group as a classic member of it (Kafka 4.x).
      if (!ext.isEmpty(req.groupId)) return ext.classicJoin ? ext.classicJoin(req) : fail('INCONSISTENT_GROUP_PROTOCOL');
      for (const r of ext.delete(req.groupId)) void this.persist([r]).catch(() => {});
    }
    const unknown = req.memberId === '';
    let group = this.classic(req.groupId);
    if (!group) {
      if (!unknown) return fail('UNKNOWN_MEMBER_ID');
      group = this.getOrCreateClassic(req.groupId);
    }
    if (group.is('Dead')) return fail('COORDINATOR_NOT_AVAILABLE');
    if (!group.supportsProtocols(req.protocolType, req.protocols)) return fail('INCONSISTENT_GROUP_PROTOCOL');
    const rebalanceTimeoutMs = req.rebalanceTimeoutMs < 0 ? req.sessionTimeoutMs : req.rebalanceTimeoutMs;
    return new Promise<JoinGroupResult>((resolve) => {
      if (unknown) this.joinNewMember(group, req, rebalanceTimeoutMs, resolve);
      else this.joinKnownMember(group, req, rebalanceTimeoutMs, resolve);
    });
  }

  /**
   * Stops a group's timers and answers its members' parked JoinGroup and SyncGroup requests with
   * `error`: the group is handed to the consumer-group coordinator, or the coordinator closes.
   */
  private stopGroup(g: ClassicGroup, error: CoordinatorErrorCode): void {
    if (g.joinTimer) clearTimeout(g.joinTimer);
    if (g.syncTimer) clearTimeout(g.syncTimer);
    for (const t of g.pendingMembers.values()) clearTimeout(t);
    for (const m of g.members.values()) {
      if (m.heartbeatTimer) clearTimeout(m.heartbeatTimer);
      const join = m.awaitingJoin;
      const sync = m.awaitingSync;
      m.awaitingJoin = null;
      m.awaitingSync = null;
      join?.(this.errorJoin(error, m.memberId));
      sync?.({ error, protocolType: null, protocolName: null, assignment: EMPTY });
    }
  }

  private errorJoin(error: CoordinatorErrorCode, memberId: string): JoinGroupResult {
    return { error, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId, members: [] };
  }

  private joinNewMember(group: ClassicGroup, req: JoinGroupRequest, rebalanceTimeoutMs: number, cb: JoinCallback): void {
    if (group.members.size >= this.config.maxGroupSize && !(req.groupInstanceId !== null && group.staticMembers.has(req.groupInstanceId))) {
      cb(this.errorJoin('GROUP_MAX_SIZE_REACHED', ''));
      return;
    }
    const newId = `${req.groupInstanceId ?? req.clientId}-${randomUUID()}`;
    if (req.groupInstanceId !== null) {
      const old = group.staticMembers.get(req.groupInstanceId);
      if (old !== undefined && group.members.has(old)) {
        this.replaceStaticMember(group, req, old, newId, rebalanceTimeoutMs, cb);
        return;
      }
      this.addMemberAndRebalance(group, req, newId, rebalanceTimeoutMs, cb);
      return;
    }
    if (req.requireKnownMemberId) {
      const timer = setTimeout(() => {
        if (group.pendingMembers.get(newId) !== timer) return;
        group.pendingMembers.delete(newId);
        if (group.is('PreparingRebalance')) this.maybeCompleteJoin(group);
      }, req.sessionTimeoutMs);
      timer.unref();
      group.pendingMembers.set(newId, timer);
      cb(this.errorJoin('MEMBER_ID_REQUIRED', newId));
      return;
    }
    this.addMemberAndRebalance(group, req, newId, rebalanceTimeoutMs, cb);
  }

  private joinKnownMember(group: ClassicGroup, req: JoinGroupRequest, rebalanceTimeoutMs: number, cb: JoinCallback): void {
    const pending = group.pendingMembers.get(req.memberId);
    if (pending !== undefined) {
      clearTimeout(pending);
      group.pendingMembers.delete(req.memberId);
      if (group.members.size >= this.config.maxGroupSize) {
        cb(this.errorJoin('GROUP_MAX_SIZE_REACHED', req.memberId));
        if (group.is('PreparingRebalance')) this.maybeCompleteJoin(group);
        return;
      }
      this.addMemberAndRebalance(group, req, req.memberId, rebalanceTimeoutMs, cb);
      return;
    }
    const fenced = this.staticFenced(group, req.groupInstanceId, req.memberId);
    if (fenced) return cb(this.errorJoin(fenced, req.memberId));
    const member = group.members.get(req.memberId);
    if (!member || group.is('Empty') || group.is('Dead')) return cb(this.errorJoin('UNKNOWN_MEMBER_ID', req.memberId));
    switch (group.state) {
      case 'PreparingRebalance':
        this.updateMemberAndRebalance(group, member, req, rebalanceTimeoutMs, cb);
        return;
      case 'CompletingRebalance':
        if (sameProtocols(member.protocols, req.protocols)) {
          // The member lost the JoinGroup response: send it again.
          cb(this.currentJoinResult(group, member, false));
          return;
        }
        this.updateMemberAndRebalance(group, member, req, rebalanceTimeoutMs, cb);
        return;
      case 'Stable':
        if (group.isLeader(member.memberId) || !sameProtocols(member.protocols, req.protocols)) {
          this.updateMemberAndRebalance(group, member, req, rebalanceTimeoutMs, cb);
        } else {
          cb(this.currentJoinResult(group, member, false));
        }
        return;
      default:
        cb(this.errorJoin('UNKNOWN_MEMBER_ID', req.memberId));
    }
  }

  private currentJoinResult(group: ClassicGroup, member: ClassicMember, skipAssignment: boolean): JoinGroupResult {
    return {
      error: null,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? '',
      skipAssignment,
      memberId: member.memberId,
      members: group.isLeader(member.memberId) ? this.memberMetadata(group) : [],
    };
  }

  private memberMetadata(group: ClassicGroup): JoinGroupMember[] {
    return [...group.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: group.metadataOf(m) }));
  }

  /** FENCED_INSTANCE_ID / UNKNOWN_MEMBER_ID when a static member's instance id is now held by another member id. */
  private staticFenced(group: ClassicGroup, instanceId: string | null, memberId: string): CoordinatorErrorCode | null {
    if (instanceId === null) return null;
    const current = group.staticMembers.get(instanceId);
    if (current === undefined) return null;
    return current === memberId ? null : 'FENCED_INSTANCE_ID';
  }

  private addMemberAndRebalance(group: ClassicGroup, req: JoinGroupRequest, memberId: string, rebalanceTimeoutMs: number, cb: JoinCallback): void {
    const member: ClassicMember = {
      memberId,
      groupInstanceId: req.groupInstanceId,
      clientId: req.clientId,
      clientHost: req.clientHost,
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs,
      protocolType: req.protocolType,
      protocols: req.protocols,
      assignment: EMPTY,
      awaitingJoin: cb,
      awaitingSync: null,
      isNew: true,
      heartbeatTimer: null,
    };
    if (group.is('PreparingRebalance') && group.generationId === 0) group.newMemberAdded = true;
    group.add(member);
    // A new member cannot heartbeat before it has its join response; bound its wait instead.
    this.scheduleHeartbeat(group, member, this.config.newMemberJoinTimeoutMs);
    this.maybePrepareRebalance(group, `member ${memberId} joined`);
    if (group.is('PreparingRebalance')) this.maybeCompleteJoin(group);
  }

  private replaceStaticMember(group: ClassicGroup, req: JoinGroupRequest, oldId: string, newId: string, rebalanceTimeoutMs: number, cb: JoinCallback): void {
    const old = group.members.get(oldId)!;
    const wasLeader = group.isLeader(oldId);
    if (old.heartbeatTimer) clearTimeout(old.heartbeatTimer);
    // The old incarnation's pending requests are answered as fenced.
    old.awaitingJoin?.(this.errorJoin('FENCED_INSTANCE_ID', oldId));
    old.awaitingSync?.({ error: 'FENCED_INSTANCE_ID', protocolType: null, protocolName: null, assignment: EMPTY });
    old.awaitingJoin = null;
    old.awaitingSync = null;
    group.members.delete(oldId);
    const hadPendingSync = group.pendingSync.delete(oldId);
    const member: ClassicMember = {
      ...old,
      memberId: newId,
      clientId: req.clientId,
      clientHost: req.clientHost,
      heartbeatTimer: null,
      awaitingJoin: null,
      awaitingSync: null,
    };
    group.members.set(newId, member);
    group.staticMembers.set(req.groupInstanceId!, newId);
    if (hadPendingSync) group.pendingSync.add(newId);
    if (wasLeader) group.leaderId = newId;
    this.scheduleHeartbeat(group, member);
    const oldProtocols = member.protocols;
    member.protocols = req.protocols;
    member.rebalanceTimeoutMs = rebalanceTimeoutMs;
    member.sessionTimeoutMs = req.sessionTimeoutMs;
    switch (group.state) {
      case 'Stable': {
        let next: string | null = null;
        try {
          next = group.selectProtocol();
        } catch {
          next = null;
        }
        if (next !== null && next === group.protocolName && sameProtocols(oldProtocols, req.protocols)) {
          // Same subscription: no rebalance, the new id takes over the old one's assignment.
          const result = this.currentJoinResult(group, member, group.isLeader(newId));
          this.persist([this.groupRecord(group)]).then(
            () => cb(result),
            (e: unknown) => {
              this.logger.warn({ err: e, group: group.groupId }, 'could not store static member replacement');
              cb(this.errorJoin('COORDINATOR_NOT_AVAILABLE', newId));
            },
          );
          return;
        }
        member.awaitingJoin = cb;
        this.prepareRebalance(group, `static member ${req.groupInstanceId} rejoined with new metadata`);
        return;
      }
      case 'CompletingRebalance':
        member.awaitingJoin = cb;
        this.prepareRebalance(group, `static member ${req.groupInstanceId} rejoined during a rebalance`);
        return;
      case 'PreparingRebalance':
        member.awaitingJoin = cb;
        this.maybeCompleteJoin(group);
        return;
      default:
        cb(this.errorJoin('UNKNOWN_MEMBER_ID', newId));
    }
  }

  private updateMemberAndRebalance(group: ClassicGroup, member: ClassicMember, req: JoinGroupRequest, rebalanceTimeoutMs: number, cb: JoinCallback): void {
    member.protocols = req.protocols;
    member.rebalanceTimeoutMs = rebalanceTimeoutMs;
    member.sessionTimeoutMs = req.sessionTimeoutMs;
    member.clientId = req.clientId;
    member.clientHost = req.clientHost;
    if (member.awaitingJoin && member.awaitingJoin !== cb) {
      // A second JoinGroup while the first waits: the first gets no answer in Kafka either
      // (the client gave up on it); answer it with the same outcome to free the request.
      const prev = member.awaitingJoin;
      member.awaitingJoin = (r) => {
        prev(r);
        cb(r);
      };
    } else {
      member.awaitingJoin = cb;
    }
    this.maybePrepareRebalance(group, `member ${member.memberId} rejoined`);
    if (group.is('PreparingRebalance')) this.maybeCompleteJoin(group);
  }

  private maybePrepareRebalance(group: ClassicGroup, reason: string): void {
    if (group.is('Stable') || group.is('CompletingRebalance') || group.is('Empty')) this.prepareRebalance(group, reason);
  }

  private prepareRebalance(group: ClassicGroup, reason: string): void {
    if (group.is('CompletingRebalance')) this.resetAndPropagateAssignmentError(group, 'REBALANCE_IN_PROGRESS');
    if (group.syncTimer) {
      clearTimeout(group.syncTimer);
      group.syncTimer = null;
    }
    group.pendingSync.clear();
    const initial = group.is('Empty');
    group.transition('PreparingRebalance');
    this.logger.debug({ group: group.groupId, generation: group.generationId, reason }, 'preparing rebalance');
    if (group.joinTimer) clearTimeout(group.joinTimer);
    if (initial) {
      const delay = this.config.initialRebalanceDelayMs;
      group.initialDelay = { remainingMs: Math.max(group.rebalanceTimeoutMs - delay, 0) };
      group.newMemberAdded = false;
      group.joinTimer = setTimeout(() => this.onInitialDelay(group), delay);
    } else {
      group.initialDelay = null;
      group.joinTimer = setTimeout(() => this.completeJoin(group), group.rebalanceTimeoutMs);
    }
    // Not unref'd: a parked JoinGroup is work in progress (cleared on close).
    if (!initial) this.maybeCompleteJoin(group);
  }

  private onInitialDelay(group: ClassicGroup): void {
    group.joinTimer = null;
    const d = group.initialDelay;
    if (!group.is('PreparingRebalance') || d === null) return;
    if (group.newMemberAdded && d.remainingMs > 0) {
      group.newMemberAdded = false;
      const delay = Math.min(this.config.initialRebalanceDelayMs, d.remainingMs);
      d.remainingMs = Math.max(d.remainingMs - delay, 0);
      group.joinTimer = setTimeout(() => this.onInitialDelay(group), delay);
      return;
    }
    group.initialDelay = null;
    this.completeJoin(group);
  }

  private maybeCompleteJoin(group: ClassicGroup): void {
    if (group.is('PreparingRebalance') && group.initialDelay === null && group.hasAllMembersJoined()) this.completeJoin(group);
  }

  private resetAndPropagateAssignmentError(group: ClassicGroup, error: CoordinatorErrorCode): void {
    for (const m of group.members.values()) {
      m.assignment = EMPTY;
      const cb = m.awaitingSync;
      m.awaitingSync = null;
      cb?.({ error, protocolType: null, protocolName: null, assignment: EMPTY });
    }
  }

  private completeJoin(group: ClassicGroup): void {
    if (group.joinTimer) {
      clearTimeout(group.joinTimer);
      group.joinTimer = null;
    }
    group.initialDelay = null;
    if (!group.is('PreparingRebalance')) return;
    for (const m of [...group.members.values()]) {
      if (m.awaitingJoin === null) {
        this.logger.debug({ group: group.groupId, member: m.memberId }, 'removing member that did not rejoin in time');
        if (m.heartbeatTimer) clearTimeout(m.heartbeatTimer);
        group.remove(m.memberId);
      }
    }
    group.generationId++;
    if (group.members.size === 0) {
      group.protocolName = null;
      group.leaderId = null;
      group.transition('Empty');
      group.subscribedTopics = new Set();
      this.persist([this.groupRecord(group)]).catch((e: unknown) => this.logger.warn({ err: e, group: group.groupId }, 'could not store empty group'));
      return;
    }
    try {
      group.protocolName = group.selectProtocol();
    } catch {
      group.protocolName = group.members.values().next().value!.protocols[0]?.name ?? null;
    }
    if (group.leaderId === null || !group.members.has(group.leaderId)) group.leaderId = group.members.keys().next().value ?? null;
    group.transition('CompletingRebalance');
    this.refreshSubscriptions(group);
    const generation = group.generationId;
    for (const m of group.members.values()) group.pendingSync.add(m.memberId);
    group.syncTimer = setTimeout(() => this.onSyncTimeout(group, generation), Math.max(group.rebalanceTimeoutMs, 1));
    group.syncTimer.unref();
    this.logger.debug({ group: group.groupId, generation, members: group.members.size, protocol: group.protocolName }, 'rebalance: join complete');
    for (const m of group.members.values()) {
      const cb = m.awaitingJoin;
      m.awaitingJoin = null;
      m.isNew = false;
      this.scheduleHeartbeat(group, m);
      cb?.(this.currentJoinResult(group, m, false));
    }
  }

  private onSyncTimeout(group: ClassicGroup, generation: number): void {
    group.syncTimer = null;
    if (group.generationId !== generation || !(group.is('CompletingRebalance') || group.is('Stable'))) return;
    if (group.pendingSync.size === 0) return;
    const missing = [...group.pendingSync];
    this.logger.debug({ group: group.groupId, members: missing }, 'removing members that did not sync in time');
    for (const id of missing) {
      const m = group.members.get(id);
      if (m) this.removeMember(group, m, 'no SyncGroup within the rebalance timeout');
    }
  }

  private refreshSubscriptions(group: ClassicGroup): void {
    if (group.members.size === 0) {
      group.subscribedTopics = new Set();
      return;
    }
    if (!this.decoder || group.protocolType === null || group.protocolName === null) {
      group.subscribedTopics = null;
      return;
    }
    const out = new Set<string>();
    for (const m of group.members.values()) {
      const topics = this.decoder(group.protocolType, group.protocolName, group.metadataOf(m));
      if (topics === null) {
        group.subscribedTopics = null;
        return;
      }
      for (const t of topics) out.add(t);
    }
    group.subscribedTopics = out;
  }

  // ------------------------------------------------------------------------------------------
  // Sessions

  private scheduleHeartbeat(group: ClassicGroup, member: ClassicMember, timeoutMs = member.sessionTimeoutMs): void {
    if (member.heartbeatTimer) clearTimeout(member.heartbeatTimer);
    if (this.closed) return;
    member.heartbeatTimer = setTimeout(() => this.onSessionExpired(group, member), timeoutMs);
    member.heartbeatTimer.unref();
  }

  private onSessionExpired(group: ClassicGroup, member: ClassicMember): void {
    member.heartbeatTimer = null;
    if (group.members.get(member.memberId) !== member || this.groups.get(group.groupId) !== group) return;
    // Members waiting in a rebalance are alive (their request is parked with us); a new member
    // that waited longer than newMemberJoinTimeoutMs is dropped and will rejoin.
    if ((member.awaitingJoin !== null && !member.isNew) || member.awaitingSync !== null) {
      this.scheduleHeartbeat(group, member);
      return;
    }
    this.logger.debug({ group: group.groupId, member: member.memberId }, 'member session expired');
    this.removeMember(group, member, 'session timeout');
  }

  private removeMember(group: ClassicGroup, member: ClassicMember, reason: string): void {
    if (member.heartbeatTimer) {
      clearTimeout(member.heartbeatTimer);
      member.heartbeatTimer = null;
    }
    const join = member.awaitingJoin;
    const sync = member.awaitingSync;
    member.awaitingJoin = null;
    member.awaitingSync = null;
    group.remove(member.memberId);
    join?.(this.errorJoin('UNKNOWN_MEMBER_ID', member.memberId));
    sync?.({ error: 'UNKNOWN_MEMBER_ID', protocolType: null, protocolName: null, assignment: EMPTY });
    switch (group.state) {
      case 'Stable':
      case 'CompletingRebalance':
        this.prepareRebalance(group, `member ${member.memberId} left (${reason})`);
        break;
      case 'PreparingRebalance':
        this.maybeCompleteJoin(group);
        break;
      default:
    }
  }

  // ------------------------------------------------------------------------------------------
  // SyncGroup

  syncGroup(req: SyncGroupRequest): Promise<SyncGroupResult> {
    const error = (e: CoordinatorErrorCode): Promise<SyncGroupResult> => Promise.resolve({ error: e, protocolType: null, protocolName: null, assignment: EMPTY });
    if (this.refusal !== null) return error(this.refusal);
    if (!req.groupId) return error('INVALID_GROUP_ID');
    const group = this.classic(req.groupId);
    if (!group) {
      const ext = this.ext(req.groupId);
      if (ext?.classicSync && !ext.isEmpty(req.groupId)) return ext.classicSync(req);
      return error(ext ? 'INCONSISTENT_GROUP_PROTOCOL' : 'UNKNOWN_MEMBER_ID');
    }
    if (group.is('Dead')) return error('COORDINATOR_NOT_AVAILABLE');
    const fenced = this.staticFenced(group, req.groupInstanceId, req.memberId);
    if (fenced) return error(fenced);
    const member = group.members.get(req.memberId);
    if (!member) return error('UNKNOWN_MEMBER_ID');
    if (req.generationId !== group.generationId) return error('ILLEGAL_GENERATION');
    if ((req.protocolType != null && req.protocolType !== group.protocolType) || (req.protocolName != null && req.protocolName !== group.protocolName)) {
      return error('INCONSISTENT_GROUP_PROTOCOL');
    }
    switch (group.state) {
      case 'Empty':
        return error('UNKNOWN_MEMBER_ID');
      case 'PreparingRebalance':
        return error('REBALANCE_IN_PROGRESS');
      case 'Stable':
        group.pendingSync.delete(member.memberId);
        this.scheduleHeartbeat(group, member);
        return Promise.resolve({ error: null, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment });
      case 'CompletingRebalance':
        break;
      default:
        return error('UNKNOWN_MEMBER_ID');
    }
    group.pendingSync.delete(member.memberId);
    this.scheduleHeartbeat(group, member);
    return new Promise<SyncGroupResult>((resolve) => {
      const prev = member.awaitingSync;
      member.awaitingSync = prev
        ? (r) => {
            prev(r);
            resolve(r);
          }
        : resolve;
      if (!group.isLeader(member.memberId)) return;
      const generation = group.generationId;
      const assignments = new Map<string, Buffer>();
      for (const a of req.assignments) assignments.set(a.memberId, a.assignment);
      this.persist([this.groupRecord(group, assignments)]).then(
        () => {
          if (!group.is('CompletingRebalance') || group.generationId !== generation) return;
          for (const m of group.members.values()) m.assignment = assignments.get(m.memberId) ?? EMPTY;
          group.transition('Stable');
          this.logger.debug({ group: group.groupId, generation }, 'rebalance: group stable');
          for (const m of group.members.values()) {
            const cb = m.awaitingSync;
            m.awaitingSync = null;
            cb?.({ error: null, protocolType: group.protocolType, protocolName: group.protocolName, assignment: m.assignment });
          }
        },
        (e: unknown) => {
          this.logger.warn({ err: e, group: group.groupId }, 'could not store group assignment');
          if (!group.is('CompletingRebalance') || group.generationId !== generation) return;
          this.resetAndPropagateAssignmentError(group, 'COORDINATOR_NOT_AVAILABLE');
          this.prepareRebalance(group, 'storing the assignment failed');
        },
      );
    });
  }

  // ------------------------------------------------------------------------------------------
  // Heartbeat and LeaveGroup

  heartbeat(groupId: string, memberId: string, groupInstanceId: string | null, generationId: number): CoordinatorErrorCode | null {
    if (this.refusal !== null) return this.refusal;
    if (!groupId) return 'INVALID_GROUP_ID';
    const group = this.classic(groupId);
    if (!group) {
      const ext = this.ext(groupId);
      if (ext?.classicHeartbeat && !ext.isEmpty(groupId)) return ext.classicHeartbeat(groupId, memberId, groupInstanceId, generationId);
      return ext ? 'INCONSISTENT_GROUP_PROTOCOL' : 'UNKNOWN_MEMBER_ID';
    }
    if (group.is('Dead')) return 'COORDINATOR_NOT_AVAILABLE';
    const fenced = this.staticFenced(group, groupInstanceId, memberId);
    if (fenced) return fenced;
    const member = group.members.get(memberId);
    if (!member) return 'UNKNOWN_MEMBER_ID';
    if (generationId !== group.generationId) return 'ILLEGAL_GENERATION';
    switch (group.state) {
      case 'Empty':
        return 'UNKNOWN_MEMBER_ID';
      case 'PreparingRebalance':
        this.scheduleHeartbeat(group, member);
        return 'REBALANCE_IN_PROGRESS';
      case 'CompletingRebalance':
      case 'Stable':
        this.scheduleHeartbeat(group, member);
        return null;
      default:
        return 'UNKNOWN_MEMBER_ID';
    }
  }

  /** LeaveGroup (v3+ batches members; v0-2 send one member id). */
  leaveGroup(groupId: string, members: Array<{ memberId: string; groupInstanceId: string | null; reason?: string | null }>): { error: CoordinatorErrorCode | null; members: LeaveGroupMemberResult[] } {
    if (this.refusal !== null) return { error: this.refusal, members: [] };
    if (!groupId) return { error: 'INVALID_GROUP_ID', members: [] };
    const group = this.classic(groupId);
    if (!group) {
      const ext = this.ext(groupId);
      if (ext?.classicLeave && !ext.isEmpty(groupId)) return ext.classicLeave(groupId, members);
      if (ext) return { error: 'INCONSISTENT_GROUP_PROTOCOL', members: [] };
      return { error: null, members: members.map((m) => ({ ...m, error: 'UNKNOWN_MEMBER_ID' as const })) };
    }
    if (group.is('Dead')) return { error: 'COORDINATOR_NOT_AVAILABLE', members: [] };
    const results: LeaveGroupMemberResult[] = [];
    for (const req of members) {
      let memberId = req.memberId;
      if (memberId === '' && req.groupInstanceId !== null) {
        const found = group.staticMembers.get(req.groupInstanceId);
        if (found === undefined) {
          results.push({ memberId: req.memberId, groupInstanceId: req.groupInstanceId, error: 'UNKNOWN_MEMBER_ID' });
          continue;
        }
        memberId = found;
      }
      const fenced = this.staticFenced(group, req.groupInstanceId, memberId);
      if (fenced) {
        results.push({ memberId: req.memberId, groupInstanceId: req.groupInstanceId, error: fenced });
        continue;
      }
      const pending = group.pendingMembers.get(memberId);
      if (pending !== undefined) {
        clearTimeout(pending);
        group.pendingMembers.delete(memberId);
        results.push({ memberId: req.memberId, groupInstanceId: req.groupInstanceId, error: null });
        if (group.is('PreparingRebalance')) this.maybeCompleteJoin(group);
        continue;
      }
      const member = group.members.get(memberId);
      if (!member) {
        results.push({ memberId: req.memberId, groupInstanceId: req.groupInstanceId, error: 'UNKNOWN_MEMBER_ID' });
        continue;
      }
      this.removeMember(group, member, `left the group${req.reason ? `: ${req.reason}` : ''}`);
      results.push({ memberId: req.memberId, groupInstanceId: req.groupInstanceId, error: null });
    }
    return { error: null, members: results };
  }

  // ------------------------------------------------------------------------------------------
  // Offsets

  /** Throws CoordinatorError when the member may not commit for the group. */
  private validateCommit(groupId: string, memberId: string, instanceId: string | null, generation: number, apiVersion: number, transactional: boolean): ClassicGroup | null {
    const ext = this.ext(groupId);
    if (ext) {
      ext.validateOffsetCommit(groupId, memberId, generation, apiVersion, transactional);
      return null;
    }
    let group = this.classic(groupId);
    if (!group) {
      if (generation < 0) {
        // A simple consumer or an admin tool: offsets without group management.
        group = this.getOrCreateClassic(groupId);
      } else {
        throw new CoordinatorError(apiVersion >= 9 && !transactional ? 'GROUP_ID_NOT_FOUND' : 'ILLEGAL_GENERATION', `group ${groupId} does not exist`);
      }
    }
    if (group.is('Dead')) throw new CoordinatorError('COORDINATOR_NOT_AVAILABLE', `group ${groupId} is being deleted`);
    if (generation < 0 && group.is('Empty')) return group;
    if (generation >= 0 || memberId !== '' || instanceId !== null) {
      if (instanceId !== null) {
        const existing = group.staticMembers.get(instanceId);
        if (existing === undefined) throw new CoordinatorError('UNKNOWN_MEMBER_ID', `unknown static member ${instanceId}`);
        if (existing !== memberId) throw new CoordinatorError('FENCED_INSTANCE_ID', `static member ${instanceId} is now ${existing}`);
      }
      if (!group.members.has(memberId)) throw new CoordinatorError('UNKNOWN_MEMBER_ID', `unknown member ${memberId} of ${groupId}`);
      if (generation !== group.generationId) throw new CoordinatorError('ILLEGAL_GENERATION', `generation ${generation} is not the current ${group.generationId} of ${groupId}`);
    } else if (!transactional && !group.is('Empty')) {
      // Transactional commits of TxnOffsetCommit v0-2 carry no member id or generation.
      throw new CoordinatorError('UNKNOWN_MEMBER_ID', `group ${groupId} has members: commits need a member id and generation`);
    }
    if (!transactional && group.is('CompletingRebalance')) throw new CoordinatorError('REBALANCE_IN_PROGRESS', `group ${groupId} is completing a rebalance`);
    return group;
  }

  private buildOffsets(req: { offsets: OffsetCommitEntry[] }, retentionTimeMs: number | undefined, now: number): { ok: Array<OffsetCommitEntry & CommittedOffset>; results: OffsetCommitPartitionResult[] } {
    const ok: Array<OffsetCommitEntry & CommittedOffset> = [];
    const results: OffsetCommitPartitionResult[] = [];
    for (const o of req.offsets) {
      if (o.metadata !== null && Buffer.byteLength(o.metadata, 'utf8') > this.config.offsetMetadataMaxBytes) {
        results.push({ topic: o.topic, partition: o.partition, error: 'OFFSET_METADATA_TOO_LARGE' });
        continue;
      }
      ok.push({
        ...o,
        commitTimestamp: now,
        expireTimestamp: retentionTimeMs !== undefined && retentionTimeMs >= 0 ? now + retentionTimeMs : -1,
      });
      results.push({ topic: o.topic, partition: o.partition, error: null });
    }
    return { ok, results };
  }

  /** OffsetCommit. Resolves once the offsets are stored; per-partition errors in the result. */
  async commitOffsets(req: OffsetCommitRequest): Promise<OffsetCommitPartitionResult[]> {
    const all = (error: CoordinatorErrorCode): OffsetCommitPartitionResult[] => req.offsets.map((o) => ({ topic: o.topic, partition: o.partition, error }));
    if (this.refusal !== null) return all(this.refusal);
    if (!req.groupId) return all('INVALID_GROUP_ID');
    try {
      this.validateCommit(req.groupId, req.memberId, req.groupInstanceId, req.generationIdOrMemberEpoch, req.apiVersion, false);
    } catch (e) {
      if (e instanceof CoordinatorError) return all(e.code);
      throw e;
    }
    const group = this.classic(req.groupId);
    if (group && group.members.has(req.memberId)) this.scheduleHeartbeat(group, group.members.get(req.memberId)!);
    const now = Date.now();
    const { ok, results } = this.buildOffsets(req, req.retentionTimeMs, now);
    if (ok.length === 0) return results;
    const records: InternalRecord[] = ok.map((o) => ({ key: ['o', req.groupId, o.topic, o.partition], value: offsetRecordValue(o) }));
    try {
      await this.persist(records);
    } catch (e) {
      this.logger.warn({ err: e, group: req.groupId }, 'could not store offsets');
      const code: CoordinatorErrorCode = e instanceof CoordinatorError ? e.code : 'COORDINATOR_NOT_AVAILABLE';
      return all(code);
    }
    for (const o of ok) this.offsets.set(req.groupId, o.topic, o.partition, { offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata, commitTimestamp: o.commitTimestamp, expireTimestamp: o.expireTimestamp });
    return results;
  }

  /** TxnOffsetCommit: offsets pending in the producer's transaction until it ends. */
  async commitTxnOffsets(req: TxnOffsetCommitRequest): Promise<OffsetCommitPartitionResult[]> {
    const all = (error: CoordinatorErrorCode): OffsetCommitPartitionResult[] => req.offsets.map((o) => ({ topic: o.topic, partition: o.partition, error }));
    if (this.refusal !== null) return all(this.refusal);
    if (!req.groupId) return all('INVALID_GROUP_ID');
    try {
      this.validateCommit(req.groupId, req.memberId, req.groupInstanceId, req.generationId, 0, true);
    } catch (e) {
      if (e instanceof CoordinatorError) return all(e.code);
      throw e;
    }
    const now = Date.now();
    const { ok, results } = this.buildOffsets(req, undefined, now);
    if (ok.length === 0) return results;
    const records: InternalRecord[] = ok.map((o) => ({ key: ['to', req.producerId, req.groupId, o.topic, o.partition], value: offsetRecordValue(o) }));
    try {
      await this.persist(records);
    } catch (e) {
      this.logger.warn({ err: e, group: req.groupId }, 'could not store transactional offsets');
      return all(e instanceof CoordinatorError ? e.code : 'COORDINATOR_NOT_AVAILABLE');
    }
    for (const o of ok) {
      this.offsets.setPending(req.producerId, req.groupId, o.topic, o.partition, { offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata, commitTimestamp: o.commitTimestamp, expireTimestamp: -1 });
    }
    return results;
  }

  /**
   * Ends a producer's transaction in the offsets: on commit its pending offsets become the
   * group's committed offsets, on abort they are dropped. Durable on return. The transaction
   * coordinator calls this when it writes the transaction's markers.
   */
  async completeTransaction(producerId: number, commit: boolean): Promise<void> {
    const records = this.offsets.completionRecords(producerId, commit);
    if (records.length === 0) return;
    await this.topic.append(records);
    this.offsets.applyCompletion(producerId, commit);
  }

  /** Producers with offsets pending in a transaction (for the transaction coordinator's recovery). */
  pendingTransactionalProducers(): number[] {
    return this.offsets.pendingProducers();
  }

  fetchOffsets(req: OffsetFetchRequest): OffsetFetchResult {
    if (this.refusal !== null) return { error: this.refusal, offsets: [] };
    if (!req.groupId) return { error: 'INVALID_GROUP_ID', offsets: [] };
    const ext = this.ext(req.groupId);
    if (ext && (req.memberId != null || (req.memberEpoch ?? -1) >= 0)) {
      try {
        ext.validateOffsetFetch(req.groupId, req.memberId, req.memberEpoch);
      } catch (e) {
        if (e instanceof CoordinatorError) return { error: e.code, offsets: [] };
        throw e;
      }
    }
    const out: FetchedOffset[] = [];
    const unstable = (topic: string, partition: number): boolean => req.requireStable && this.offsets.hasPending(req.groupId, topic, partition);
    if (req.partitions === null) {
      for (const o of this.offsets.all(req.groupId)) {
        if (unstable(o.topic, o.partition)) out.push({ topic: o.topic, partition: o.partition, offset: -1, leaderEpoch: -1, metadata: null, error: 'UNSTABLE_OFFSET_COMMIT' });
        else out.push({ topic: o.topic, partition: o.partition, offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata, error: null });
      }
      return { error: null, offsets: out };
    }
    for (const t of req.partitions) {
      for (const p of t.partitions) {
        if (unstable(t.topic, p)) {
          out.push({ topic: t.topic, partition: p, offset: -1, leaderEpoch: -1, metadata: null, error: 'UNSTABLE_OFFSET_COMMIT' });
          continue;
        }
        const o = this.offsets.get(req.groupId, t.topic, p);
        if (o) out.push({ topic: t.topic, partition: p, offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata, error: null });
        else out.push({ topic: t.topic, partition: p, offset: -1, leaderEpoch: -1, metadata: '', error: null });
      }
    }
    return { error: null, offsets: out };
  }

  /** OffsetDelete: removes committed offsets of partitions the group does not subscribe to. */
  async deleteOffsets(groupId: string, partitions: Array<{ topic: string; partition: number }>): Promise<{ error: CoordinatorErrorCode | null; partitions: OffsetCommitPartitionResult[] }> {
    if (this.refusal !== null) return { error: this.refusal, partitions: [] };
    if (!groupId) return { error: 'INVALID_GROUP_ID', partitions: [] };
    let subscribed: (topic: string) => boolean;
    const ext = this.ext(groupId);
    if (ext) {
      subscribed = (t) => ext.isSubscribedToTopic(groupId, t);
    } else {
      const group = this.classic(groupId);
      if (!group && !this.offsets.hasOffsets(groupId)) return { error: 'GROUP_ID_NOT_FOUND', partitions: [] };
      if (group?.is('Dead')) return { error: 'GROUP_ID_NOT_FOUND', partitions: [] };
      if (group && !group.is('Empty') && group.protocolType !== 'consumer') return { error: 'NON_EMPTY_GROUP', partitions: [] };
      subscribed = (t) => (group && !group.is('Empty') ? (group.subscribedTopics === null ? true : group.subscribedTopics.has(t)) : false);
    }
    const results: OffsetCommitPartitionResult[] = [];
    const records: InternalRecord[] = [];
    const toDelete: Array<{ topic: string; partition: number }> = [];
    for (const p of partitions) {
      if (subscribed(p.topic)) {
        results.push({ ...p, error: 'GROUP_SUBSCRIBED_TO_TOPIC' });
        continue;
      }
      results.push({ ...p, error: null });
      if (this.offsets.get(groupId, p.topic, p.partition)) {
        records.push({ key: ['o', groupId, p.topic, p.partition], value: null });
        toDelete.push(p);
      }
    }
    if (records.length > 0) {
      try {
        await this.persist(records);
      } catch (e) {
        return { error: e instanceof CoordinatorError ? e.code : 'COORDINATOR_NOT_AVAILABLE', partitions: [] };
      }
      for (const p of toDelete) this.offsets.delete(groupId, p.topic, p.partition);
    }
    return { error: null, partitions: results };
  }

  /**
   * Drops every group's committed offsets on a deleted topic: tombstones are queued now, before
   * any commit of a topic created again under the name, so the log keeps the same order.
   */
  private topicDeleted(topic: string): void {
    if (this.closed) return;
    const gone = this.offsets.ofTopic(topic);
    if (gone.length === 0) return;
    for (const { group, partition } of gone) this.offsets.delete(group, topic, partition);
    this.persist(gone.map(({ group, partition }) => ({ key: ['o', group, topic, partition], value: null })))
      .then(() => this.logger.info({ topic, offsets: gone.length }, 'committed offsets of a deleted topic removed'))
      .catch((e: unknown) => this.logger.error({ err: e, topic }, 'the offsets of a deleted topic could not be removed from __consumer_offsets'));
  }

  // ------------------------------------------------------------------------------------------
  // Administration

  describeGroup(groupId: string): DescribedGroup {
    const dead: DescribedGroup = { groupId, error: null, state: 'Dead', protocolType: '', protocolData: '', members: [] };
    if (this.refusal !== null) return { ...dead, error: this.refusal };
    if (!groupId) return { ...dead, error: 'INVALID_GROUP_ID' };
    const group = this.classic(groupId);
    if (!group) {
      if (this.offsets.hasOffsets(groupId)) return { ...dead, state: 'Empty' };
      return dead;
    }
    const stable = group.is('Stable');
    return {
      groupId,
      error: null,
      state: group.state,
      protocolType: group.protocolType ?? '',
      protocolData: stable ? (group.protocolName ?? '') : '',
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: stable ? group.metadataOf(m) : EMPTY,
        assignment: stable ? m.assignment : EMPTY,
      })),
    };
  }

  /** The module whose group this id is (a consumer or streams group), if any. */
  private ext(groupId: string): GroupTypeExtension | undefined {
    return this.extensions.find((e) => e.has(groupId));
  }

  /** The type of the group of this id, or null when there is none (offsets alone make no group). */
  groupTypeOf(groupId: string): 'classic' | 'consumer' | 'streams' | null {
    const ext = this.ext(groupId);
    if (ext) return ext.type;
    return this.groups.has(groupId) ? 'classic' : null;
  }

  /**
   * Tells this coordinator which ids share groups hold: classic and consumer groups refuse those.
   * Returns the share groups' records replayed from `__consumer_offsets` (by group id), handed over once.
   */
  attachShareGroups(holds: (groupId: string) => boolean): Map<string, Record<string, unknown>> {
    this.shareGroupHolds = holds;
    const out = new Map(this.shareGroupRecords);
    this.shareGroupRecords.clear();
    return out;
  }

  /** True if a share group (KIP-932) holds this id, with members or empty. */
  isShareGroup(groupId: string): boolean {
    return this.shareGroupHolds(groupId);
  }

  /** True if a KIP-848 group of this id exists (DescribeGroups answers those differently). */
  isConsumerGroup(groupId: string): boolean {
    return this.ext(groupId)?.type === 'consumer';
  }

  listGroups(statesFilter: string[] = [], typesFilter: string[] = []): ListedGroup[] {
    const out: ListedGroup[] = [];
    const seen = new Set<string>();
    for (const g of this.groups.values()) {
      if (g.is('Dead')) continue;
      seen.add(g.groupId);
      out.push({ groupId: g.groupId, protocolType: g.protocolType ?? '', state: g.state, type: 'classic' });
    }
    for (const id of this.offsets.groups()) {
      if (seen.has(id) || this.ext(id)) continue;
      out.push({ groupId: id, protocolType: '', state: 'Empty', type: 'classic' });
    }
    for (const e of this.extensions) out.push(...e.list());
    const states = new Set(statesFilter.map((s) => s.toLowerCase()));
    const types = new Set(typesFilter.map((s) => s.toLowerCase()));
    return out.filter((g) => (states.size === 0 || states.has(g.state.toLowerCase())) && (types.size === 0 || types.has(g.type)));
  }

  /** DeleteGroups: removes an empty group and all its offsets. */
  async deleteGroup(groupId: string): Promise<CoordinatorErrorCode | null> {
    if (this.refusal !== null) return this.refusal;
    if (!groupId) return 'INVALID_GROUP_ID';
    const records: InternalRecord[] = [];
    const group = this.classic(groupId);
    const ext = this.ext(groupId);
    if (ext) {
      if (!ext.isEmpty(groupId)) return 'NON_EMPTY_GROUP';
      records.push(...ext.delete(groupId));
    } else if (group) {
      if (!group.is('Empty') && !group.is('Dead')) return 'NON_EMPTY_GROUP';
    } else if (!this.offsets.hasOffsets(groupId)) {
      return 'GROUP_ID_NOT_FOUND';
    }
    if (group) group.transition('Dead');
    for (const o of this.offsets.all(groupId)) records.push({ key: ['o', groupId, o.topic, o.partition], value: null });
    records.push({ key: ['g', groupId], value: null });
    try {
      await this.persist(records);
    } catch (e) {
      if (group) group.transition('Empty');
      return e instanceof CoordinatorError ? e.code : 'COORDINATOR_NOT_AVAILABLE';
    }
    this.offsets.deleteGroup(groupId);
    if (this.groups.get(groupId) === group) this.groups.delete(groupId);
    return null;
  }

  /** Removes offsets past their retention (the timer runs this; tests call it). */
  async expireOffsets(now = Date.now()): Promise<number> {
    if (this.closed || this.topic.failure !== null) return 0;
    const records: InternalRecord[] = [];
    const expired: Array<[string, string, number]> = [];
    for (const groupId of this.offsets.groups()) {
      const ext = this.ext(groupId);
      if (ext && !ext.isEmpty(groupId)) continue;
      const group = this.classic(groupId);
      if (group && !group.is('Empty')) continue;
      if (this.offsets.hasPendingForGroup(groupId)) continue;
      for (const o of this.offsets.all(groupId)) {
        const base = group && group.protocolType !== null ? Math.max(group.stateTimestamp, o.commitTimestamp) : o.commitTimestamp;
        const dead = o.expireTimestamp >= 0 ? now >= o.expireTimestamp : now >= base + this.config.offsetsRetentionMs;
        if (dead) {
          records.push({ key: ['o', groupId, o.topic, o.partition], value: null });
          expired.push([groupId, o.topic, o.partition]);
        }
      }
    }
    if (records.length === 0) return 0;
    await this.persist(records);
    for (const [g, t, p] of expired) this.offsets.delete(g, t, p);
    // Empty groups without offsets left go away.
    const gone: InternalRecord[] = [];
    for (const [g] of expired) {
      const group = this.classic(g);
      if (!this.offsets.hasOffsets(g) && group?.is('Empty') && !gone.some((r) => r.key[1] === g)) {
        gone.push({ key: ['g', g], value: null });
        this.groups.delete(g);
      } else if (!this.offsets.hasOffsets(g) && !group) {
        // a simple group: nothing else to remove
      }
    }
    if (gone.length > 0) await this.persist(gone).catch(() => {});
    this.logger.info({ offsets: expired.length }, 'expired committed offsets');
    return expired.length;
  }

  private groupRecord(group: ClassicGroup, assignments?: Map<string, Buffer>): InternalRecord {
    return {
      key: ['g', group.groupId],
      value: {
        v: 1,
        type: 'classic',
        protocolType: group.protocolType,
        protocol: group.protocolName,
        generation: group.generationId,
        leader: group.leaderId,
        stateTimestamp: group.stateTimestamp,
        members: [...group.members.values()].map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          sessionTimeoutMs: m.sessionTimeoutMs,
          rebalanceTimeoutMs: m.rebalanceTimeoutMs,
          subscription: group.metadataOf(m).toString('base64'),
          assignment: (assignments?.get(m.memberId) ?? m.assignment).toString('base64'),
        })),
      },
    };
  }

  /** Stops timers and answers every parked request with NOT_COORDINATOR. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    this.removeTopicHooks?.();
    for (const g of this.groups.values()) this.stopGroup(g, 'NOT_COORDINATOR');
    for (const e of this.extensions) e.close();
  }

  /** For tests and monitoring: the classic group's state, generation and member ids. */
  inspect(groupId: string): { state: ClassicGroupState; generationId: number; leader: string | null; members: string[]; protocol: string | null } | null {
    const g = this.classic(groupId);
    if (!g) return null;
    return { state: g.state, generationId: g.generationId, leader: g.leaderId, members: [...g.members.keys()], protocol: g.protocolName };
  }
}

export { tpKey as groupTopicPartitionKey };
export type { TopicPartitionOffset };
