// Online migration between the classic and the consumer (KIP-848) group protocols, as Kafka 4.4's
// group coordinator does it: the facts both sides share.
//   - group.consumer.migration.policy: `bidirectional` (Kafka 4.x's default), `upgrade`,
//     `downgrade` or `disabled`, case-insensitive as Kafka validates it. Upgrade: a non-empty
//     classic group of the consumer protocol type becomes a consumer group when a member joins it
//     with ConsumerGroupHeartbeat. Downgrade: a consumer group whose last consumer-protocol member
//     leaves, and whose remaining members all speak the classic protocol, becomes a classic group
//     again (and rebalances). Empty groups change type freely, whatever the policy.
//   - The snapshot of a classic group handed from the classic coordinator to the consumer groups
//     (upgrade) and back (downgrade): members with their protocols and raw assignment.
//   - The codec of the consumer protocol's embedded formats (the core does not know them; the
//     Kafka front-end provides it: src/kafka/consumer-protocol-codec.ts).
import type { Assignment } from './consumer-group.js';

export const MIGRATION_POLICIES = ['bidirectional', 'upgrade', 'downgrade', 'disabled'] as const;
export type MigrationPolicy = (typeof MIGRATION_POLICIES)[number];

/** Parses group.consumer.migration.policy as Kafka does (case-insensitive); null when it is not one. */
export function parseMigrationPolicy(value: string): MigrationPolicy | null {
  const v = value.trim().toLowerCase();
  return (MIGRATION_POLICIES as readonly string[]).includes(v) ? (v as MigrationPolicy) : null;
}

/** Kafka's ConfigException text for a value that is not a policy. */
export function migrationPolicyProblem(value: string): string {
  return `Invalid value ${value} for configuration group.consumer.migration.policy: String must be one of (case insensitive): ${MIGRATION_POLICIES.map((p) => p.toUpperCase()).join(', ')}`;
}

export const upgradeEnabled = (p: MigrationPolicy): boolean => p === 'bidirectional' || p === 'upgrade';
export const downgradeEnabled = (p: MigrationPolicy): boolean => p === 'bidirectional' || p === 'downgrade';

/** What a classic member's JoinGroup metadata says (ConsumerProtocolSubscription). */
export interface ClassicSubscription {
  topics: string[];
  ownedPartitions: Assignment;
  rackId: string | null;
}

/** The consumer protocol's embedded formats (ConsumerProtocolSubscription / ConsumerProtocolAssignment). */
export interface ConsumerProtocolCodec {
  /** null: not a subscription of the consumer protocol (malformed). */
  decodeSubscription(metadata: Buffer): ClassicSubscription | null;
  /** null: malformed. An empty buffer is an empty assignment. */
  decodeAssignment(data: Buffer): Assignment | null;
  encodeAssignment(a: Assignment): Buffer;
}

/** A classic-protocol member's own metadata (Kafka's ClassicMemberMetadata of ConsumerGroupMemberMetadataValue). */
export interface ClassicMemberMetadata {
  sessionTimeoutMs: number;
  /** The protocols (assignors) of its JoinGroup, in its order of preference. */
  protocols: Array<{ name: string; metadata: Buffer }>;
}

/** A classic group as the two coordinators hand it over. */
export interface ClassicGroupSnapshot {
  groupId: string;
  generationId: number;
  protocolName: string | null;
  leaderId: string | null;
  members: Array<{
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    sessionTimeoutMs: number;
    rebalanceTimeoutMs: number;
    protocols: Array<{ name: string; metadata: Buffer }>;
    /** The member's assignment in the consumer protocol's format. */
    assignment: Buffer;
  }>;
}

/** The classic member metadata in a record value (protocol metadata as base64), and back. */
export function classicToJson(c: ClassicMemberMetadata | null): Record<string, unknown> | null {
  return c === null ? null : { sessionTimeoutMs: c.sessionTimeoutMs, protocols: c.protocols.map((p) => ({ name: p.name, metadata: p.metadata.toString('base64') })) };
}

export function classicFromJson(v: unknown): ClassicMemberMetadata | null {
  if (typeof v !== 'object' || v === null) return null;
  const o = v as { sessionTimeoutMs?: unknown; protocols?: unknown };
  const protocols = Array.isArray(o.protocols) ? (o.protocols as Array<{ name?: unknown; metadata?: unknown }>) : [];
  return { sessionTimeoutMs: Number(o.sessionTimeoutMs ?? 45_000), protocols: protocols.map((p) => ({ name: String(p.name ?? ''), metadata: Buffer.from(String(p.metadata ?? ''), 'base64') })) };
}
