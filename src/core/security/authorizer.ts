// The authorization decision point: may this principal perform this operation on this
// resource? Front-ends ask it, once per resource a request touches, with the operation Apache
// Kafka checks for that request, and answer their own wire's error when it says no; the rules
// themselves (StandardAuthorizer's ACLs when they are on) live behind this interface, so switching them on touches no handler.
// Operation and resource names are Kafka's (its AclOperation and ResourceType), the vocabulary
// of the ACLs Kafka tools will manage.

/** Kafka's ACL operations (the subset the broker's requests check). */
export type AclOperation =
  | 'READ'
  | 'WRITE'
  | 'CREATE'
  | 'DELETE'
  | 'ALTER'
  | 'DESCRIBE'
  | 'CLUSTER_ACTION'
  | 'DESCRIBE_CONFIGS'
  | 'ALTER_CONFIGS'
  | 'IDEMPOTENT_WRITE';

/** Kafka's resource types (the subset the broker's requests check). */
export type AclResourceType = 'TOPIC' | 'GROUP' | 'CLUSTER' | 'TRANSACTIONAL_ID';

export interface AclResource {
  readonly type: AclResourceType;
  /** The topic, group or transactional id; CLUSTER_NAME for the cluster. */
  readonly name: string;
}

/** The name of the one cluster resource, as in Kafka. */
export const CLUSTER_NAME = 'kafka-cluster';

/** The cluster resource (shared: it is the same for every request). */
export const CLUSTER: AclResource = Object.freeze({ type: 'CLUSTER', name: CLUSTER_NAME });

/**
 * Whom an ACL names: Kafka's principal type and name ("User:alice"). Minimal on purpose until
 * the security module's principal (NATS users, SASL and mTLS identities) takes its place.
 */
export interface AclPrincipal {
  readonly type: string;
  readonly name: string;
}

/** The principal of a connection that did not authenticate, as Kafka names it. */
export const ANONYMOUS_PRINCIPAL: AclPrincipal = Object.freeze({ type: 'User', name: 'ANONYMOUS' });

/** The decisions of one connection's principal and host, which may be cached between requests. */
export interface AuthorizationSession {
  authorize(operation: AclOperation, resource: AclResource): boolean;
}

export interface Authorizer {
  /**
   * True when `principal`, connected from `host` (an IP address), may perform `operation` on
   * `resource`. Synchronous and cheap: called on every request.
   */
  authorize(principal: AclPrincipal, operation: AclOperation, resource: AclResource, host?: string): boolean;
  /** A session for one connection's principal and host, when the authorizer caches decisions. */
  session?(principal: AclPrincipal, host: string): AuthorizationSession;
}

/** Allows everything: the broker's authorizer when ACLs are off. */
export const allowAll: Authorizer = Object.freeze({ authorize: () => true });
