// Kafka's ACL bindings as the security module keeps them: a resource pattern (type, name,
// LITERAL or PREFIXED) and an entry (principal, host, operation, ALLOW or DENY), with the wire
// codes of Kafka's ResourceType, PatternType, AclOperation and AclPermissionType, the
// validation Kafka applies to a new binding (its AclControlManager), and the filters of
// DescribeAcls and DeleteAcls (Kafka's AclBindingFilter: ANY, MATCH, null meaning any).
// No wire format here: the Kafka front-end maps its requests to these types.

/** Kafka's ResourceType codes. */
export const ResourceTypeCode = { UNKNOWN: 0, ANY: 1, TOPIC: 2, GROUP: 3, CLUSTER: 4, TRANSACTIONAL_ID: 5, DELEGATION_TOKEN: 6, USER: 7 } as const;
/** Kafka's PatternType codes. */
export const PatternTypeCode = { UNKNOWN: 0, ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const;
/** Kafka's AclOperation codes. */
export const OperationCode = {
  UNKNOWN: 0, ANY: 1, ALL: 2, READ: 3, WRITE: 4, CREATE: 5, DELETE: 6, ALTER: 7, DESCRIBE: 8, CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10, ALTER_CONFIGS: 11, IDEMPOTENT_WRITE: 12, CREATE_TOKENS: 13, DESCRIBE_TOKENS: 14, TWO_PHASE_COMMIT: 15,
} as const;
/** Kafka's AclPermissionType codes. */
export const PermissionCode = { UNKNOWN: 0, ANY: 1, DENY: 2, ALLOW: 3 } as const;

/** The wildcard of a literal resource name and of principals and hosts ("User:*", "*"). */
export const WILDCARD = '*';

/** One ACL: all fields are Kafka's codes and strings, as CreateAcls carries them. */
export interface AclBinding {
  readonly resourceType: number;
  readonly resourceName: string;
  readonly patternType: number;
  /** "User:alice", or "User:*" for every principal. */
  readonly principal: string;
  /** A client address, or "*". */
  readonly host: string;
  readonly operation: number;
  readonly permission: number;
}

/** A DescribeAcls / DeleteAcls filter: ANY codes and null strings match everything. */
export interface AclFilter {
  readonly resourceType: number;
  readonly resourceName: string | null;
  readonly patternType: number;
  readonly principal: string | null;
  readonly host: string | null;
  readonly operation: number;
  readonly permission: number;
}

export class InvalidAclError extends Error {}

const RESOURCE_TYPES = new Set<number>([ResourceTypeCode.TOPIC, ResourceTypeCode.GROUP, ResourceTypeCode.CLUSTER, ResourceTypeCode.TRANSACTIONAL_ID, ResourceTypeCode.DELEGATION_TOKEN, ResourceTypeCode.USER]);

/** A stable text key of a binding: bindings are a set, a second identical one is the same. */
export function aclKey(b: AclBinding): string {
  return JSON.stringify([b.resourceType, b.resourceName, b.patternType, b.principal, b.host, b.operation, b.permission]);
}

/** Splits "Type:name" as Kafka's SecurityUtils.parseKafkaPrincipal does; throws with its message. */
export function parsePrincipal(text: string): { type: string; name: string } {
  const colon = text.indexOf(':');
  if (text.length === 0 || colon < 0) throw new InvalidAclError(`Could not parse principal from \`${text}\` (no colon is present separating the principal type from the principal name)`);
  return { type: text.slice(0, colon), name: text.slice(colon + 1) };
}

/** A binding whose codes Kafka cannot even build (ANY or MATCH where a binding needs a value): Kafka fails the whole request. */
export class UnbuildableAclError extends Error {}

/** A binding with an UNKNOWN (or out-of-range) code: Kafka's request does not parse, and the connection closes. */
export class UnparsableAclError extends Error {}

/**
 * Refuses a binding as Kafka does: unparsable codes (UnparsableAclError), ANY/MATCH codes
 * (UnbuildableAclError), and with Kafka's message (InvalidAclError, INVALID_REQUEST on the
 * wire) a principal without a type or an empty name.
 */
export function validateAcl(b: AclBinding): void {
  if (b.resourceType <= ResourceTypeCode.UNKNOWN || b.resourceType > ResourceTypeCode.USER) throw new UnparsableAclError(`unknown resource type ${b.resourceType}`);
  if (b.patternType <= PatternTypeCode.UNKNOWN || b.patternType > PatternTypeCode.PREFIXED) throw new UnparsableAclError(`unknown pattern type ${b.patternType}`);
  if (b.operation <= OperationCode.UNKNOWN || b.operation > OperationCode.TWO_PHASE_COMMIT) throw new UnparsableAclError(`unknown operation ${b.operation}`);
  if (b.permission <= PermissionCode.UNKNOWN || b.permission > PermissionCode.ALLOW) throw new UnparsableAclError(`unknown permission type ${b.permission}`);
  if (!RESOURCE_TYPES.has(b.resourceType) || (b.patternType !== PatternTypeCode.LITERAL && b.patternType !== PatternTypeCode.PREFIXED) || b.operation === OperationCode.ANY || b.permission === PermissionCode.ANY) {
    throw new UnbuildableAclError('ANY or MATCH in an ACL binding');
  }
  parsePrincipal(b.principal);
  if (b.resourceName.length === 0) throw new InvalidAclError('Invalid empty resource name');
}

/** Refuses a filter Kafka would refuse (UNKNOWN codes). */
export function validateFilter(f: AclFilter): void {
  if (f.resourceType === ResourceTypeCode.UNKNOWN || f.patternType === PatternTypeCode.UNKNOWN || f.operation === OperationCode.UNKNOWN || f.permission === PermissionCode.UNKNOWN) {
    throw new InvalidAclError('The filter contains UNKNOWN elements');
  }
}

/** Whether a filter's resource part matches a binding's pattern (Kafka's ResourcePatternFilter.matches). */
function patternMatches(f: AclFilter, b: AclBinding): boolean {
  if (f.resourceType !== ResourceTypeCode.ANY && f.resourceType !== b.resourceType) return false;
  if (f.patternType !== PatternTypeCode.ANY && f.patternType !== PatternTypeCode.MATCH && f.patternType !== b.patternType) return false;
  if (f.resourceName === null) return true;
  if (f.patternType === PatternTypeCode.ANY || f.patternType === b.patternType) return f.resourceName === b.resourceName;
  // MATCH: the bindings that would apply to a resource of this name.
  if (b.patternType === PatternTypeCode.LITERAL) return f.resourceName === b.resourceName || b.resourceName === WILDCARD;
  return b.patternType === PatternTypeCode.PREFIXED && f.resourceName.startsWith(b.resourceName);
}

/** Kafka's AclBindingFilter.matches. */
export function filterMatches(f: AclFilter, b: AclBinding): boolean {
  if (!patternMatches(f, b)) return false;
  if (f.principal !== null && f.principal !== b.principal) return false;
  if (f.host !== null && f.host !== b.host) return false;
  if (f.operation !== OperationCode.ANY && f.operation !== b.operation) return false;
  return f.permission === PermissionCode.ANY || f.permission === b.permission;
}
