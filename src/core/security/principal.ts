// Who a client is, once a front-end has authenticated it on its wire, and what it may do.
// Both front-ends reach this module: the NATS front-end builds a principal from CONNECT's
// credentials (a user JWT brings limits too), the Kafka front-end from SASL or mTLS. The permission types mirror the
// `permissions` block of nats-server's authorization configuration, so a nats-server user list
// carries over unchanged; the matching itself is in ./subject-permissions.ts.

/** The account every principal belongs to until accounts exist (nats-server's global account). */
export const GLOBAL_ACCOUNT = '$G';

/**
 * How the principal was identified: no credentials were required ('anonymous'), a shared
 * token was presented ('token'), a named user proved its password or certificate ('user'), an
 * nkey user signed the server's nonce ('nkey'), or a user JWT was presented and signed ('jwt').
 */
export type PrincipalKind = 'anonymous' | 'token' | 'user' | 'nkey' | 'jwt';

/**
 * Allow and deny lists of subjects, as nats-server's `publish`/`subscribe` permissions.
 * An entry may use '*' and '>'. A subscribe entry may name a queue group after a space
 * ("jobs.* workers"): it then applies to queue subscriptions of that group only.
 *
 * An absent or empty list places no restriction (as nats-server reads `allow: []` in its
 * configuration). A deny entry overrides an allow entry.
 */
export interface SubjectPermission {
  readonly allow?: readonly string[];
  readonly deny?: readonly string[];
}

/**
 * nats-server's allow_responses: a client may publish to the reply subject of a message it
 * received, up to `maxMsgs` times within `expiresMs` of the delivery. Zero takes nats-server's
 * defaults (1 message, 2 minutes); a negative value is unlimited. Granting responses without
 * a publish permission turns the blanket publish allow off: the client may then publish replies
 * only.
 */
export interface ResponsePermission {
  readonly maxMsgs: number;
  readonly expiresMs: number;
}

export interface Permissions {
  readonly publish?: SubjectPermission;
  readonly subscribe?: SubjectPermission;
  readonly responses?: ResponsePermission;
}

/** Limits that come with a principal (a user JWT's and its account's); -1 or absent: none. */
export interface PrincipalLimits {
  /** When the credentials expire (ms since the epoch): the connection is closed then. */
  readonly expiresAt?: number;
  /** Live connections the principal's account may have. */
  readonly accountConnections?: number;
  /** Subscriptions per connection. */
  readonly subscriptions?: number;
  /** Largest message payload. */
  readonly payload?: number;
}

export interface Principal {
  readonly kind: PrincipalKind;
  /** The user's name for kind 'user'; empty for a token holder or an anonymous client. */
  readonly name: string;
  /** The account the principal is bound to (its subject space); GLOBAL_ACCOUNT when accounts are not configured. */
  readonly account: string;
  /** What the principal may do; undefined allows everything. */
  readonly permissions: Permissions | undefined;
  readonly limits?: PrincipalLimits;
}

/** The principal of a client of a server that requires no credentials. */
export const ANONYMOUS: Principal = Object.freeze({ kind: 'anonymous', name: '', account: GLOBAL_ACCOUNT, permissions: undefined });

/** A principal, in the global account unless another is named. */
export function principal(kind: PrincipalKind, name: string, permissions?: Permissions, account: string = GLOBAL_ACCOUNT): Principal {
  return Object.freeze({ kind, name, account, permissions });
}
