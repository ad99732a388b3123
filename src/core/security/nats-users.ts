// The NATS identities an operator configures, in the shape of nats-server's `authorization` and
// `accounts` blocks: users (name and password, or an nkey) with their permissions, and accounts
// with their users, exports and imports. The broker's options carry these (src/config.ts); the
// nats-server config reader produces them (config/nats-server-config.ts); the NATS front-end's
// authenticators turn them into principals.
import type { Permissions } from './principal.js';

export interface NatsUser {
  /** The user name (with `password`), or absent for an nkey user. */
  readonly user?: string;
  /** Plain text or a bcrypt hash. */
  readonly password?: string;
  /** An nkey user's public key ('U' and 55 base32 characters). */
  readonly nkey?: string;
  readonly permissions?: Permissions;
  /** The account the user belongs to (set by the account that lists it). */
  readonly account?: string;
}

/** What an account offers other accounts: a stream (messages flow out) or a service (requests flow in). */
export interface AccountExport {
  readonly kind: 'stream' | 'service';
  /** The exported subject (may hold wildcards). */
  readonly subject: string;
  /** Accounts allowed to import it; absent: every account (a public export). */
  readonly accounts?: readonly string[];
  /** A service's response type, as nats-server names them. */
  readonly responseType?: 'Singleton' | 'Stream' | 'Chunked';
}

/** What an account takes from another account's exports. */
export interface AccountImport {
  readonly kind: 'stream' | 'service';
  /** The exporting account. */
  readonly account: string;
  /** The exported subject (or a subset of it). */
  readonly subject: string;
  /** Where it appears in the importing account: a service's local subject, a stream's new subject. */
  readonly to?: string;
  /** A stream import's prefix, prepended to the exported subject. */
  readonly prefix?: string;
}

export interface NatsAccount {
  readonly users?: readonly NatsUser[];
  readonly exports?: readonly AccountExport[];
  readonly imports?: readonly AccountImport[];
  /** Permissions of the account's users that have none of their own. */
  readonly defaultPermissions?: Permissions;
  /** Whether the account may use JetStream (nats-server: `jetstream: enabled` in the account). */
  readonly jetstream?: boolean;
  /** The account's JetStream limits (a `jetstream { … }` block, or an account JWT's); absent: unlimited. */
  readonly jetstreamLimits?: JetStreamAccountLimits;
}

/**
 * An account's JetStream limits as nats-server keeps them (JetStreamAccountLimits); -1: unlimited.
 * From `accounts { A { jetstream { max_mem, max_file, max_streams, max_consumers, … } } }` or
 * from the `limits` of an account JWT (mem_storage, disk_storage, streams, consumer, …).
 */
export interface JetStreamAccountLimits {
  readonly maxMemory: number;
  readonly maxStorage: number;
  readonly maxStreams: number;
  readonly maxConsumers: number;
  readonly maxAckPending: number;
  readonly memoryMaxStreamBytes: number;
  readonly storageMaxStreamBytes: number;
  readonly maxBytesRequired: boolean;
  /**
   * The tier the limits come from when an account JWT gives them as tiered_limits (R1 on one
   * server): $JS.API.INFO then reports them under `tiers`, and zeros as the account's own limits,
   * as nats-server does.
   */
  readonly tier?: string;
}

export const UNLIMITED_JETSTREAM: JetStreamAccountLimits = Object.freeze({
  maxMemory: -1,
  maxStorage: -1,
  maxStreams: -1,
  maxConsumers: -1,
  maxAckPending: -1,
  memoryMaxStreamBytes: -1,
  storageMaxStreamBytes: -1,
  maxBytesRequired: false,
});

/** Operator (JWT) mode with the memory resolver: the trusted operators and the preloaded account JWTs. */
export interface NatsOperatorConfig {
  /** Operator JWTs (or their files' contents). */
  readonly operators: readonly string[];
  /** Account public key → account JWT (nats-server's resolver_preload). */
  readonly resolverPreload: Readonly<Record<string, string>>;
  /** The system account's public key. */
  readonly systemAccount?: string;
}
