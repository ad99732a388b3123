// Consumer groups of the new protocol (KIP-848): the coordinator assigns partitions itself
// (server-side assignors) and members reconcile through ConsumerGroupHeartbeat. They share the
// group namespace and the committed offsets with classic groups (group-coordinator.ts).
import type { Logger } from '../../log.js';
import type { Log } from '../log/index.js';
import { CoordinatorError } from './errors.js';
import type { GroupCoordinator, GroupTypeExtension, ListedGroup } from './group-coordinator.js';
import type { InternalKey, InternalRecord } from './internal-topic.js';

export class ConsumerGroups implements GroupTypeExtension {
  constructor(
    readonly coordinator: GroupCoordinator,
    readonly log: Log,
    readonly logger: Logger,
  ) {}

  has(_groupId: string): boolean {
    return false;
  }

  isEmpty(_groupId: string): boolean {
    return true;
  }

  validateOffsetCommit(groupId: string, _memberId: string, _memberEpoch: number, _apiVersion: number): void {
    throw new CoordinatorError('GROUP_ID_NOT_FOUND', `group ${groupId} does not exist`);
  }

  validateOffsetFetch(_groupId: string, _memberId: string | null | undefined, _memberEpoch: number | undefined): void {}

  isSubscribedToTopic(_groupId: string, _topic: string): boolean {
    return false;
  }

  list(): ListedGroup[] {
    return [];
  }

  delete(_groupId: string): InternalRecord[] {
    return [];
  }

  replay(_key: InternalKey, _value: Record<string, unknown> | null): boolean {
    return false;
  }

  /** DescribeGroups on a consumer group: its state and members (no classic metadata). */
  describeAsClassic(_groupId: string): { state: string; members: Array<{ memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string }> } {
    return { state: 'Dead', members: [] };
  }

  close(): void {}
}
