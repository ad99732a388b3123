// The ACL authorizer, with the decisions of Kafka's StandardAuthorizer: super users may do
// everything; otherwise the ACLs that apply to the resource (literal ones of its name, the
// literal wildcard "*", prefixed ones whose prefix starts its name) and name the principal or
// User:*, and the client's host or "*", decide: one matching DENY refuses, else one matching
// ALLOW grants (an ALLOW of READ, WRITE, DELETE or ALTER also grants DESCRIBE, one of
// ALTER_CONFIGS also DESCRIBE_CONFIGS, ALL grants everything), else the request is refused,
// unless the resource has no ACL at all and allow.everyone.if.no.acl.found is set.
//
// The ACLs are indexed by resource type and name, so a decision looks at the few bindings that
// can apply, not at all of them; connections keep their decisions in a session cache that a
// change of the ACLs (a new generation) empties, so the hot path costs a map lookup.
import { OperationCode, PatternTypeCode, PermissionCode, ResourceTypeCode, WILDCARD, type AclBinding } from './acl.js';
import type { AclOperation, AclPrincipal, AclResource, AclResourceType, Authorizer, AuthorizationSession } from './authorizer.js';

const TYPE_CODES: Readonly<Record<AclResourceType, number>> = {
  TOPIC: ResourceTypeCode.TOPIC,
  GROUP: ResourceTypeCode.GROUP,
  CLUSTER: ResourceTypeCode.CLUSTER,
  TRANSACTIONAL_ID: ResourceTypeCode.TRANSACTIONAL_ID,
};

const IMPLIES_DESCRIBE = new Set<number>([OperationCode.DESCRIBE, OperationCode.READ, OperationCode.WRITE, OperationCode.DELETE, OperationCode.ALTER]);
const IMPLIES_DESCRIBE_CONFIGS = new Set<number>([OperationCode.DESCRIBE_CONFIGS, OperationCode.ALTER_CONFIGS]);

/** Decisions a session keeps before it starts over (a client naming ever new topics). */
const SESSION_CACHE_MAX = 10_000;

/** The bindings of one resource type, by how they match a name. */
class TypeIndex {
  readonly literal = new Map<string, AclBinding[]>();
  readonly prefixed = new Map<string, AclBinding[]>();
  /** The distinct prefix lengths, so that a lookup tries only those. */
  prefixLengths: number[] = [];
}

/** A client's host as Kafka compares it: an IPv4-mapped IPv6 address is the IPv4 address. */
export function aclHost(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

export interface StandardAuthorizerOptions {
  /** Principals allowed everything: Kafka's super.users ("User:admin;User:ops"). */
  superUsers?: string;
  /** Kafka's allow.everyone.if.no.acl.found. */
  allowEveryoneIfNoAcl?: boolean;
}

export class StandardAuthorizer implements Authorizer {
  private readonly superUsers: ReadonlySet<string>;
  private readonly allowEveryone: boolean;
  private index = new Map<number, TypeIndex>();
  /** Bumped on every change of the ACLs: sessions drop their cached decisions. */
  generation = 0;

  constructor(options: StandardAuthorizerOptions = {}) {
    this.superUsers = new Set((options.superUsers ?? '').split(';').map((s) => s.trim()).filter((s) => s.length > 0));
    this.allowEveryone = options.allowEveryoneIfNoAcl === true;
  }

  /** Replaces the ACLs (at start, and after every CreateAcls and DeleteAcls). */
  load(bindings: Iterable<AclBinding>): void {
    const index = new Map<number, TypeIndex>();
    for (const b of bindings) {
      let t = index.get(b.resourceType);
      if (t === undefined) index.set(b.resourceType, (t = new TypeIndex()));
      const byName = b.patternType === PatternTypeCode.PREFIXED ? t.prefixed : t.literal;
      let list = byName.get(b.resourceName);
      if (list === undefined) byName.set(b.resourceName, (list = []));
      list.push(b);
    }
    for (const t of index.values()) t.prefixLengths = [...new Set([...t.prefixed.keys()].map((p) => p.length))].sort((a, b) => a - b);
    this.index = index;
    this.generation++;
  }

  isSuperUser(principal: AclPrincipal): boolean {
    return this.superUsers.has(`${principal.type}:${principal.name}`);
  }

  authorize(principal: AclPrincipal, operation: AclOperation, resource: AclResource, host = ''): boolean {
    if (this.superUsers.size > 0 && this.isSuperUser(principal)) return true;
    return this.decide(`${principal.type}:${principal.name}`, aclHost(host), OperationCode[operation], resource);
  }

  session(principal: AclPrincipal, host: string): AuthorizationSession {
    return new CachedSession(this, principal, host);
  }

  /** The decision for a principal ("User:alice") that is not a super user. */
  decide(principal: string, host: string, operation: number, resource: AclResource): boolean {
    const t = this.index.get(TYPE_CODES[resource.type]);
    if (t === undefined) return this.allowEveryone;
    const d = new Decision(principal, host, operation);
    const name = resource.name;
    d.consider(t.literal.get(name));
    if (!d.denied) d.consider(t.literal.get(WILDCARD));
    for (let i = 0; i < t.prefixLengths.length && !d.denied; i++) {
      const n = t.prefixLengths[i]!;
      if (n > name.length) break;
      d.consider(t.prefixed.get(name.slice(0, n)));
    }
    if (d.denied) return false;
    if (d.allowed) return true;
    return !d.resourceHasAcls && this.allowEveryone;
  }
}

/** The matching of one request against the bindings that apply to its resource. */
class Decision {
  denied = false;
  allowed = false;
  resourceHasAcls = false;

  constructor(
    private readonly principal: string,
    private readonly host: string,
    private readonly operation: number,
  ) {}

  consider(list: readonly AclBinding[] | undefined): void {
    if (list === undefined) return;
    this.resourceHasAcls = true;
    for (const acl of list) {
      if (acl.principal !== this.principal && acl.principal !== 'User:*') continue;
      if (acl.host !== WILDCARD && acl.host !== this.host) continue;
      if (!this.operationMatches(acl)) continue;
      if (acl.permission === PermissionCode.DENY) {
        this.denied = true;
        return;
      }
      this.allowed = true;
    }
  }

  private operationMatches(acl: AclBinding): boolean {
    if (acl.operation === OperationCode.ALL) return true;
    if (acl.permission === PermissionCode.ALLOW) {
      if (this.operation === OperationCode.DESCRIBE) return IMPLIES_DESCRIBE.has(acl.operation);
      if (this.operation === OperationCode.DESCRIBE_CONFIGS) return IMPLIES_DESCRIBE_CONFIGS.has(acl.operation);
    }
    return acl.operation === this.operation;
  }
}

/** One connection's decisions, by resource type, name and operation; emptied when the ACLs change. */
class CachedSession implements AuthorizationSession {
  private readonly superUser: boolean;
  private readonly principal: string;
  private readonly host: string;
  private generation = -1;
  private size = 0;
  private readonly cache = new Map<AclResourceType, Map<string, Map<AclOperation, boolean>>>();

  constructor(
    private readonly authorizer: StandardAuthorizer,
    principal: AclPrincipal,
    host: string,
  ) {
    this.superUser = authorizer.isSuperUser(principal);
    this.principal = `${principal.type}:${principal.name}`;
    this.host = aclHost(host);
  }

  authorize(operation: AclOperation, resource: AclResource): boolean {
    if (this.superUser) return true;
    if (this.generation !== this.authorizer.generation || this.size >= SESSION_CACHE_MAX) {
      this.cache.clear();
      this.size = 0;
      this.generation = this.authorizer.generation;
    }
    let byName = this.cache.get(resource.type);
    if (byName === undefined) this.cache.set(resource.type, (byName = new Map()));
    let byOp = byName.get(resource.name);
    if (byOp === undefined) byName.set(resource.name, (byOp = new Map()));
    let allowed = byOp.get(operation);
    if (allowed === undefined) {
      allowed = this.authorizer.decide(this.principal, this.host, OperationCode[operation], resource);
      byOp.set(operation, allowed);
      this.size++;
    }
    return allowed;
  }
}
