// NATS JWTs (nats-io/jwt v2), the server's side: a token is "header.claims.signature" in
// base64url, the header {"typ":"JWT","alg":"ed25519-nkey"}, the claims name their issuer
// ("iss", a public nkey) and subject ("sub"), and the signature is the issuer's Ed25519
// signature of "header.claims" (of the claims part alone in v1 tokens, "alg":"ed25519", which
// nats-server still accepts). Operators sign accounts (with their identity key or a signing
// key), accounts sign users. This module decodes and verifies one token and reads the claims
// the broker serves: account limits, signing keys, exports, imports, default permissions and
// revocations; user permissions, limits, bearer tokens. Times are seconds, as in the JWTs.
import type { AccountExport, AccountImport, JetStreamAccountLimits } from './nats-users.js';
import { verifyNkeySignature, type NkeyRole } from './nkeys.js';
import type { Permissions, SubjectPermission } from './principal.js';

export class NatsJwtError extends Error {
  override name = 'NatsJwtError';
}

export type NatsJwtType = 'operator' | 'account' | 'user';

export interface NatsJwt {
  readonly iss: string;
  readonly sub: string;
  readonly name: string;
  readonly iat: number;
  /** Expiry (seconds since the epoch); 0: never. */
  readonly exp: number;
  readonly nbf: number;
  /** The "nats" section of the claims. */
  readonly nats: Record<string, unknown>;
}

const ALGORITHMS = new Set(['ed25519-nkey', 'ed25519']);
const ISSUER_ROLE: Readonly<Record<NatsJwtType, NkeyRole>> = { operator: 'operator', account: 'operator', user: 'account' };

function part(text: string, what: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new NatsJwtError(`malformed JWT ${what}`);
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const record = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/**
 * Decodes a JWT of `type` and checks its signature by its issuer (an operator key for operator
 * and account JWTs, an account key for user JWTs). Expiry is the caller's to check (expired()).
 */
export function decodeNatsJwt(token: string, type: NatsJwtType): NatsJwt {
  const pieces = token.trim().split('.');
  if (pieces.length !== 3) throw new NatsJwtError('a JWT has three parts');
  const header = part(pieces[0]!, 'header');
  if (!ALGORITHMS.has(str(header.alg))) throw new NatsJwtError(`JWT algorithm ${JSON.stringify(header.alg)} is not a NATS one`);
  const claims = part(pieces[1]!, 'claims');
  const nats = record(claims.nats);
  const actual = str(nats.type) || str(claims.type);
  if (actual !== type) throw new NatsJwtError(`expected a ${type} JWT, got ${actual || 'no type'}`);
  const iss = str(claims.iss);
  const signature = Buffer.from(pieces[2]!, 'base64url');
  // v2 ("ed25519-nkey") signs header and claims; v1 ("ed25519") signed the claims part alone.
  const signed = header.alg === 'ed25519' ? pieces[1]! : `${pieces[0]}.${pieces[1]}`;
  if (!verifyNkeySignature(iss, ISSUER_ROLE[type], Buffer.from(signed), signature)) throw new NatsJwtError(`the ${type} JWT's signature is not its issuer's`);
  return { iss, sub: str(claims.sub), name: str(claims.name), iat: num(claims.iat), exp: num(claims.exp), nbf: num(claims.nbf), nats };
}

/** Whether a JWT is outside its validity at `nowMs` (expired, or not valid yet). */
export function outsideValidity(jwt: NatsJwt, nowMs = Date.now()): boolean {
  return (jwt.exp > 0 && jwt.exp * 1000 <= nowMs) || (jwt.nbf > 0 && jwt.nbf * 1000 > nowMs);
}

/** The signing keys a JWT lists (plain keys, or {kind: "user_scope", key} objects). */
export function signingKeys(jwt: NatsJwt): string[] {
  const list = jwt.nats.signing_keys;
  if (!Array.isArray(list)) return [];
  return list.map((k) => (typeof k === 'string' ? k : str(record(k).key))).filter((k) => k.length > 0);
}

function subjectPermission(v: unknown): SubjectPermission | undefined {
  const r = record(v);
  const allow = strings(r.allow);
  const deny = strings(r.deny);
  if (allow.length === 0 && deny.length === 0) return undefined;
  return { ...(allow.length > 0 ? { allow } : {}), ...(deny.length > 0 ? { deny } : {}) };
}

/** Permissions of a JWT's pub/sub/resp claims (a user's, or an account's default_permissions); undefined when none. */
export function permissionsOf(claims: Record<string, unknown>): Permissions | undefined {
  const publish = subjectPermission(claims.pub);
  const subscribe = subjectPermission(claims.sub);
  const resp = claims.resp === undefined || claims.resp === null ? undefined : record(claims.resp);
  if (publish === undefined && subscribe === undefined && resp === undefined) return undefined;
  return {
    ...(publish !== undefined ? { publish } : {}),
    ...(subscribe !== undefined ? { subscribe } : {}),
    // ttl is a Go duration in nanoseconds.
    ...(resp !== undefined ? { responses: { maxMsgs: num(resp.max), expiresMs: Math.round(num(resp.ttl) / 1e6) } } : {}),
  };
}

/** An account's limits the broker serves; -1: unlimited. */
export interface AccountLimits {
  readonly connections: number;
  readonly subscriptions: number;
  readonly payload: number;
}

export function accountLimits(account: NatsJwt): AccountLimits {
  const l = record(account.nats.limits);
  const limit = (v: unknown): number => (typeof v === 'number' ? v : -1);
  return { connections: limit(l.conn), subscriptions: limit(l.subs), payload: limit(l.payload) };
}

/**
 * An account JWT's JetStream limits (nats.limits: mem_storage, disk_storage, streams, consumer,
 * max_ack_pending, mem_max_stream_bytes, disk_max_stream_bytes, max_bytes_required), or null when
 * the JWT does not enable JetStream: as nats-server's IsJSEnabled, JetStream is on when memory or
 * disk storage is not 0 (-1 is unlimited). With tiered_limits, the first tier that enables it
 * (one server: every stream is R1).
 */
export function jetStreamLimitsOf(account: NatsJwt): JetStreamAccountLimits | null {
  const l = record(account.nats.limits);
  const tiers = record(l.tiered_limits);
  const tierNames = Object.keys(tiers);
  const enabled = (t: Record<string, unknown>): boolean => num(t.mem_storage) !== 0 || num(t.disk_storage) !== 0;
  const tier = tierNames.find((n) => enabled(record(tiers[n])));
  const chosen = tierNames.length > 0 ? (tier !== undefined ? record(tiers[tier]) : null) : enabled(l) ? l : null;
  if (chosen === null) return null;
  // A limit the JWT leaves out (omitempty) is unlimited, as nats-server reports it.
  const opt = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : -1);
  return {
    maxMemory: num(chosen.mem_storage),
    maxStorage: num(chosen.disk_storage),
    maxStreams: opt(chosen.streams),
    maxConsumers: opt(chosen.consumer),
    maxAckPending: opt(chosen.max_ack_pending),
    memoryMaxStreamBytes: opt(chosen.mem_max_stream_bytes),
    storageMaxStreamBytes: opt(chosen.disk_max_stream_bytes),
    maxBytesRequired: chosen.max_bytes_required === true,
    ...(tier !== undefined ? { tier } : {}),
  };
}

/** An account's exports in the broker's shape; an export that needs activation tokens is refused. */
export function exportsOf(account: NatsJwt): AccountExport[] {
  const list = Array.isArray(account.nats.exports) ? account.nats.exports : [];
  return list.map((e) => {
    const x = record(e);
    if (x.token_req === true) throw new NatsJwtError(`account ${account.sub}: exports that require activation tokens (${str(x.subject)}) are not supported by Wharf`);
    const kind = str(x.type) === 'service' ? 'service' : 'stream';
    const rt = str(x.response_type);
    return { kind, subject: str(x.subject), ...(kind === 'service' && (rt === 'Stream' || rt === 'Chunked' || rt === 'Singleton') ? { responseType: rt } : {}) };
  });
}

/** An account's imports in the broker's shape (the exporting account named by its public key). */
export function importsOf(account: NatsJwt): AccountImport[] {
  const list = Array.isArray(account.nats.imports) ? account.nats.imports : [];
  return list.map((i) => {
    const x = record(i);
    if (str(x.token).length > 0) throw new NatsJwtError(`account ${account.sub}: imports with activation tokens (${str(x.subject)}) are not supported by Wharf`);
    const kind = str(x.type) === 'service' ? 'service' : 'stream';
    const local = str(x.local_subject);
    const to = str(x.to);
    const base = { kind, account: str(x.account), subject: str(x.subject) } as const;
    // A stream import's legacy "to" is a prefix; local_subject (and a service's "to") is where it appears.
    if (kind === 'stream') return { ...base, ...(local ? { to: local } : to ? { prefix: to } : {}) };
    return { ...base, ...(local || to ? { to: local || to } : {}) };
  });
}

/** Whether an account revoked a user JWT (its revocations name the user, or "*", at or after the JWT's issue time). */
export function revoked(account: NatsJwt, user: NatsJwt): boolean {
  const r = record(account.nats.revocations);
  const at = Math.max(num(r[user.sub]), num(r['*']));
  return at > 0 && user.iat <= at;
}
