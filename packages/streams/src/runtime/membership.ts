// Membership in a classic consumer group, driven by this library so that the stream assignor
// decides the assignment (tasks, standbys) and rebalances are cooperative: a member keeps its
// tasks and keeps processing while the group rebalances, gives up only what the new assignment
// takes away, and rejoins at once when it did (the second round hands those partitions to their
// new owner). Commits use the generation of the last completed SyncGroup.
import { Apis, type JoinGroupResponse, type SyncGroupResponse } from '../client/apis.js';
import { ErrorCode, errorCodes, responseOf, type KafkaClient } from '../client/kafka.js';
import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription, type Assignment, type Subscription } from './group-protocol.js';
import type { Logger } from './types.js';

export interface Generation {
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
}

export interface MembershipOptions {
  readonly groupId: string;
  readonly groupInstanceId: string | null;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly logger: Logger;
}

export interface MembershipCallbacks {
  subscription(): Subscription;
  /** Leader only: the assignment of every member. */
  assign(members: { memberId: string; subscription: Subscription }[]): Promise<Map<string, Assignment>>;
  /** Applies a new assignment (revocations done when it resolves); true asks for another round. */
  onAssigned(assignment: Assignment, generation: Generation): Promise<boolean>;
  /** The member was removed from the group: its tasks may be someone else's already. */
  onLost(reason: string): Promise<void>;
}

export const PROTOCOL_NAME = 'stream';

export class GroupMember {
  private memberId = '';
  private generation: Generation | null = null;
  private stable = false;
  private rejoinRequested = false;
  private closed = false;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  /** Rebalances completed by this member (for tests and metrics). */
  rebalances = 0;

  constructor(
    private readonly client: KafkaClient,
    private readonly opts: MembershipOptions,
    private readonly callbacks: MembershipCallbacks,
  ) {}

  /** The generation to commit with, or null while a rebalance is in progress. */
  stableGeneration(): Generation | null {
    return this.stable ? this.generation : null;
  }

  start(): void {
    this.loop ??= this.run();
  }

  requestRejoin(): void {
    this.rejoinRequested = true;
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = null;
        resolve();
      };
    });
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      try {
        this.rejoinRequested = false;
        const again = await this.joinAndSync();
        if (again) this.rejoinRequested = true;
        while (!this.closed && !this.rejoinRequested) {
          await this.sleep(this.opts.heartbeatIntervalMs);
          if (this.closed || this.rejoinRequested) break;
          const code = await this.heartbeat();
          if (code === ErrorCode.NONE) continue;
          if (code === ErrorCode.REBALANCE_IN_PROGRESS) break;
          if (code === ErrorCode.UNKNOWN_MEMBER_ID || code === ErrorCode.ILLEGAL_GENERATION || code === ErrorCode.FENCED_INSTANCE_ID) {
            await this.lose(`heartbeat: error ${code}`, code === ErrorCode.UNKNOWN_MEMBER_ID || code === ErrorCode.FENCED_INSTANCE_ID);
            break;
          }
          if (code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.COORDINATOR_NOT_AVAILABLE) this.client.forgetCoordinator(this.opts.groupId, 0);
        }
      } catch (err) {
        if (this.closed) break;
        this.opts.logger.warn(`group ${this.opts.groupId}: ${(err as Error).message}`);
        await this.sleep(200);
      }
    }
  }

  private async lose(reason: string, resetMember: boolean): Promise<void> {
    this.stable = false;
    this.generation = null;
    if (resetMember) this.memberId = '';
    await this.callbacks.onLost(reason);
  }

  private async heartbeat(): Promise<number> {
    const g = this.generation;
    if (!g) return ErrorCode.ILLEGAL_GENERATION;
    try {
      const conn = await this.client.coordinator(this.opts.groupId, 0);
      await (await this.client.api(Apis.Heartbeat)).async(conn, this.opts.groupId, g.generationId, g.memberId, this.opts.groupInstanceId);
      return ErrorCode.NONE;
    } catch (err) {
      const codes = errorCodes(err);
      if (codes.length === 0) throw err;
      return codes[0]!;
    }
  }

  /** One JoinGroup/SyncGroup round; true when the assignment asks for another round. */
  private async joinAndSync(): Promise<boolean> {
    this.stable = false;
    const sub = this.callbacks.subscription();
    const metadata = encodeSubscription(sub);
    for (;;) {
      if (this.closed) return false;
      const conn = await this.client.coordinator(this.opts.groupId, 0);
      let join: JoinGroupResponse;
      try {
        join = await (await this.client.api(Apis.JoinGroup)).async(conn, this.opts.groupId, this.opts.sessionTimeoutMs, this.opts.rebalanceTimeoutMs, this.memberId, this.opts.groupInstanceId, 'consumer', [{ name: PROTOCOL_NAME, metadata }], null);
      } catch (err) {
        const codes = errorCodes(err);
        const partial = responseOf(err);
        if (codes.includes(ErrorCode.MEMBER_ID_REQUIRED) && partial && typeof partial === 'object' && 'memberId' in partial && typeof partial.memberId === 'string') {
          this.memberId = partial.memberId;
          continue;
        }
        if (codes.includes(ErrorCode.UNKNOWN_MEMBER_ID)) {
          this.memberId = '';
          continue;
        }
        if (codes.includes(ErrorCode.NOT_COORDINATOR) || codes.includes(ErrorCode.COORDINATOR_NOT_AVAILABLE) || codes.includes(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)) {
          this.client.forgetCoordinator(this.opts.groupId, 0);
          await this.sleep(100);
          continue;
        }
        if (codes.includes(ErrorCode.REBALANCE_IN_PROGRESS)) continue;
        throw err;
      }
      this.memberId = join.memberId ?? this.memberId;
      let assignments: { memberId: string; assignment: Buffer }[] = [];
      if (join.leader === this.memberId) {
        const members = join.members.map((m) => ({ memberId: m.memberId, subscription: decodeSubscription(m.metadata ?? Buffer.alloc(0)) }));
        const result = await this.callbacks.assign(members);
        assignments = [...result.entries()].map(([memberId, a]) => ({ memberId, assignment: encodeAssignment(a) }));
      }
      let sync: SyncGroupResponse;
      try {
        sync = await (await this.client.api(Apis.SyncGroup)).async(conn, this.opts.groupId, join.generationId, this.memberId, this.opts.groupInstanceId, 'consumer', join.protocolName ?? PROTOCOL_NAME, assignments);
      } catch (err) {
        const codes = errorCodes(err);
        if (codes.includes(ErrorCode.REBALANCE_IN_PROGRESS)) continue;
        if (codes.includes(ErrorCode.UNKNOWN_MEMBER_ID) || codes.includes(ErrorCode.ILLEGAL_GENERATION) || codes.includes(ErrorCode.FENCED_INSTANCE_ID)) {
          await this.lose(`sync: ${codes.join(',')}`, codes.includes(ErrorCode.UNKNOWN_MEMBER_ID));
          continue;
        }
        if (codes.includes(ErrorCode.NOT_COORDINATOR) || codes.includes(ErrorCode.COORDINATOR_NOT_AVAILABLE)) {
          this.client.forgetCoordinator(this.opts.groupId, 0);
          continue;
        }
        throw err;
      }
      this.generation = { generationId: join.generationId, memberId: this.memberId, groupInstanceId: this.opts.groupInstanceId };
      this.stable = true;
      this.rebalances++;
      const assignment = decodeAssignment(sync.assignment);
      return this.callbacks.onAssigned(assignment, this.generation);
    }
  }

  /** Leaves the group (its tasks move at once instead of after the session timeout). */
  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    if (this.memberId && this.opts.groupInstanceId === null) {
      try {
        const conn = await this.client.coordinator(this.opts.groupId, 0);
        await (await this.client.api(Apis.LeaveGroup)).async(conn, this.opts.groupId, [{ memberId: this.memberId, groupInstanceId: null, reason: 'the stream application is closing' }]);
      } catch (err) {
        this.opts.logger.debug(`leave group ${this.opts.groupId}: ${(err as Error).message}`);
      }
    }
    await this.loop?.catch(() => undefined);
    this.stable = false;
  }
}
