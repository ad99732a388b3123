// Client authentication for the NATS front-end: a token, users with passwords (plain text or a
// bcrypt hash), nkey users (the client signs the nonce of its INFO with the user's key), users
// named by their TLS certificate (verify_and_map), each user in its account with its permissions,
// as nats-server accepts them. An authenticator answers with the principal the credentials prove,
// or null to refuse. A client without credentials may be taken for a configured user
// (nats-server's no_auth_user).
import { timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { GLOBAL_ACCOUNT, principal, type Permissions, type Principal } from '../core/security/principal.js';
import type { NatsOptions } from '../config.js';
import type { TlsPeer } from '../core/security/tls-peer.js';
import { decodeSignature, verifyNkeySignature } from '../core/security/nkeys.js';
import type { ConnectOptions } from './connect.js';
import type { OperatorTrust } from '../core/security/nats-operator.js';

export type Verdict = Principal | null;

/** What the connection knows besides CONNECT: its verified TLS certificate, the nonce its INFO carried. */
export interface AuthContext {
  readonly peer?: TlsPeer;
  readonly nonce?: string;
}

export interface Authenticator {
  /** Whether INFO must carry a nonce for clients to sign (nkeys, JWTs). */
  readonly needsNonce?: boolean;
  /** The principal the CONNECT options' credentials prove, or null when they are not acceptable. */
  check(connect: ConnectOptions, context?: AuthContext): Promise<Verdict> | Verdict;
}

/** Whether the client signed the connection's nonce with the nkey it names (of `role`). */
export function signedNonce(connect: ConnectOptions, nkey: string, context: AuthContext | undefined, role: 'user' = 'user'): boolean {
  const nonce = context?.nonce;
  if (nonce === undefined || typeof connect.sig !== 'string') return false;
  const sig = decodeSignature(connect.sig);
  return sig !== null && verifyNkeySignature(nkey, role, Buffer.from(nonce), sig);
}

const BCRYPT_PREFIX = /^\$2[abxy]?\$\d\d\$/;

/**
 * Compares a presented secret with a configured one. bcrypt hashes are compared off the
 * event loop's critical path (bcryptjs async yields between rounds), plain secrets in
 * constant time; a successful bcrypt check is remembered so reconnect storms stay cheap.
 */
class SecretMatcher {
  private readonly verified = new Set<string>();
  constructor(private readonly configured: string) {}

  matches(presented: unknown): Promise<boolean> | boolean {
    if (typeof presented !== 'string') return false;
    if (!BCRYPT_PREFIX.test(this.configured)) return constantTimeEqual(presented, this.configured);
    if (this.verified.has(presented)) return true;
    return bcrypt.compare(presented, this.configured).then((ok) => {
      if (ok && this.verified.size < 64) this.verified.add(presented);
      return ok;
    }, () => false);
  }
}

function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  if (ab.length !== bb.length) {
    timingSafeEqual(bb, bb); // same work either way, so the length does not leak by timing
    return false;
  }
  return timingSafeEqual(ab, bb);
}

export class TokenAuthenticator implements Authenticator {
  private readonly token: SecretMatcher;
  private readonly holder: Principal;
  constructor(token: string, permissions?: Permissions) {
    this.token = new SecretMatcher(token);
    this.holder = principal('token', '', permissions);
  }
  check(connect: ConnectOptions): Promise<Verdict> | Verdict {
    return verdict(this.token.matches(connect.auth_token), this.holder);
  }
}

/** A user of nats-server's `authorization { users = [...] }`: name, password, permissions, account. */
export interface UserEntry {
  /** The user's name, or an nkey user's public key. */
  readonly user: string;
  /** The password; unused for an nkey user. */
  readonly pass: string;
  readonly permissions?: Permissions;
  /** The account the user belongs to; the global account by default. */
  readonly account?: string;
  /** An nkey user: `user` is its public key, and the client proves it by signing the nonce. */
  readonly nkey?: boolean;
  /**
   * A user configured without a password. With verify_and_map only its TLS certificate names
   * it; without, it is a user whose password is empty (nats-server compares the CONNECT's
   * password, absent or "", with the empty configured one and accepts it).
   */
  readonly certificateOnly?: boolean;
}

export class UserPasswordAuthenticator implements Authenticator {
  private readonly users = new Map<string, { pass: SecretMatcher; principal: Principal }>();
  private readonly nkeys = new Map<string, Principal>();
  private readonly noAuth: Principal | null = null;
  readonly needsNonce: boolean;
  /**
   * @param users users with a password, and nkey users (`nkey` set, `user` the public key).
   * @param noAuthUser a user of `users` that a client presenting no credentials at all (no user,
   *   password, token, nkey or JWT) is taken for, as nats-server's no_auth_user.
   */
  constructor(users: readonly UserEntry[], noAuthUser?: string) {
    for (const u of users) {
      const account = u.account ?? GLOBAL_ACCOUNT;
      if (u.nkey === true) this.nkeys.set(u.user, principal('nkey', u.user, u.permissions, account));
      else this.users.set(u.user, { pass: new SecretMatcher(u.pass), principal: principal('user', u.user, u.permissions, account) });
    }
    this.needsNonce = this.nkeys.size > 0;
    if (noAuthUser !== undefined) {
      const entry = this.users.get(noAuthUser);
      if (entry === undefined) throw new Error(`no_auth_user ${JSON.stringify(noAuthUser)} is not a configured user`);
      this.noAuth = entry.principal;
    }
  }
  check(connect: ConnectOptions, context?: AuthContext): Promise<Verdict> | Verdict {
    // An nkey, when the server has nkey users, is checked first and alone, as in nats-server.
    if (this.nkeys.size > 0 && typeof connect.nkey === 'string') {
      const who = this.nkeys.get(connect.nkey);
      return who !== undefined && signedNonce(connect, connect.nkey, context) ? who : null;
    }
    if (this.noAuth !== null && presentsNothing(connect)) return this.noAuth;
    const entry = typeof connect.user === 'string' ? this.users.get(connect.user) : undefined;
    if (entry === undefined) return null;
    // An absent password is the empty one, as in nats-server (clients omit an empty `pass`).
    return verdict(entry.pass.matches(connect.pass ?? ''), entry.principal);
  }
}

/**
 * nats-server's verify_and_map: the client's verified certificate names the user, by an e-mail
 * address, a DNS name or a URI of its alternative names, else by its RFC 2253 subject; the
 * CONNECT's own credentials are not used. No certificate, or no user of that name: refused.
 */
export class CertificateUserAuthenticator implements Authenticator {
  private readonly users = new Map<string, Principal>();
  constructor(users: readonly { user: string; permissions?: Permissions; account?: string }[]) {
    for (const u of users) this.users.set(u.user, principal('user', u.user, u.permissions, u.account ?? GLOBAL_ACCOUNT));
  }
  check(_connect: ConnectOptions, context?: AuthContext): Verdict {
    const peer = context?.peer;
    if (peer === undefined) return null;
    for (const names of [peer.emails, peer.dnsNames, peer.uris]) {
      for (const name of names) {
        const found = this.users.get(name);
        if (found !== undefined) return found;
      }
    }
    return this.users.get(peer.subject) ?? null;
  }
}

/**
 * Operator mode: the client presents a user JWT (from its creds file) and signs the nonce with
 * the user's key; the JWT must be signed by a trusted account, valid and not revoked. The
 * principal is the user's public key in its account, with the JWT's permissions (or the
 * account's defaults) and limits. Why a JWT is refused goes to `onRefused` (the broker logs it).
 */
export class JwtAuthenticator implements Authenticator {
  readonly needsNonce = true;
  constructor(
    private readonly trust: OperatorTrust,
    private readonly onRefused: (reason: string) => void = () => undefined,
  ) {}
  check(connect: ConnectOptions, context?: AuthContext): Verdict {
    if (typeof connect.jwt !== 'string') {
      this.onRefused('no user JWT');
      return null;
    }
    const u = this.trust.user(connect.jwt);
    if (typeof u === 'string') {
      this.onRefused(u);
      return null;
    }
    if (!u.bearer && !signedNonce(connect, u.user, context)) {
      this.onRefused(`the nonce is not signed by user ${u.user}`);
      return null;
    }
    const lim = (n: number): number | undefined => (n >= 0 ? n : undefined);
    const subscriptions = [u.subscriptions, u.accountLimits.subscriptions].filter((n) => n >= 0);
    const payload = [u.payload, u.accountLimits.payload].filter((n) => n >= 0);
    const limits = {
      ...(u.expiresAt > 0 ? { expiresAt: u.expiresAt } : {}),
      ...(lim(u.accountLimits.connections) !== undefined ? { accountConnections: u.accountLimits.connections } : {}),
      ...(subscriptions.length > 0 ? { subscriptions: Math.min(...subscriptions) } : {}),
      ...(payload.length > 0 ? { payload: Math.min(...payload) } : {}),
    };
    return Object.freeze({ kind: 'jwt' as const, name: u.user, account: u.account, permissions: u.permissions, limits });
  }
}

/** A CONNECT with no credentials of any kind. */
function presentsNothing(c: ConnectOptions): boolean {
  return c.user === undefined && c.pass === undefined && c.auth_token === undefined && c.nkey === undefined && c.jwt === undefined;
}

function verdict(matched: Promise<boolean> | boolean, who: Principal): Promise<Verdict> | Verdict {
  if (typeof matched === 'boolean') return matched ? who : null;
  return matched.then((ok) => (ok ? who : null));
}

/** Every configured user with its account and effective permissions: the global account's, then each account's. */
export function configuredUsers(opts: Pick<NatsOptions, 'users' | 'defaultPermissions' | 'accounts'>): UserEntry[] {
  const out: UserEntry[] = [];
  const add = (users: NatsOptions['users'], account: string, defaults: Permissions | undefined): void => {
    for (const u of users ?? []) {
      const permissions = u.permissions ?? defaults;
      const base = { account, ...(permissions ? { permissions } : {}) };
      if (u.nkey !== undefined) out.push({ user: u.nkey, pass: '', nkey: true, ...base });
      else if (u.user !== undefined) out.push({ user: u.user, pass: u.password ?? '', ...base, ...(u.password === undefined ? { certificateOnly: true } : {}) });
    }
  };
  // Default permissions apply to the users of a list only, as in nats-server; an account's own defaults win.
  add(opts.users, GLOBAL_ACCOUNT, opts.defaultPermissions);
  for (const [name, account] of Object.entries(opts.accounts ?? {})) add(account.users, name, account.defaultPermissions ?? opts.defaultPermissions);
  return out;
}

/** The authenticator the options configure: a token, one user, users (with accounts, nkeys); null when none is required. */
export function authenticatorFor(opts: Pick<NatsOptions, 'user' | 'pass' | 'authToken' | 'users' | 'defaultPermissions' | 'noAuthUser' | 'tlsMap' | 'accounts'>): Authenticator | null {
  const users = configuredUsers(opts);
  if (opts.tlsMap) return new CertificateUserAuthenticator(users.filter((u) => u.nkey !== true));
  if (opts.authToken !== undefined) return new TokenAuthenticator(opts.authToken);
  if (opts.user !== undefined && opts.pass !== undefined) return new UserPasswordAuthenticator([{ user: opts.user, pass: opts.pass }]);
  if (users.length > 0 || opts.users !== undefined) {
    // Without verify_and_map a user without a password has the empty password (nats-server's
    // comparison of two empty strings succeeds): it logs in with its name alone, and may be
    // the no_auth_user.
    return new UserPasswordAuthenticator(users, opts.noAuthUser);
  }
  if (opts.noAuthUser !== undefined) throw new Error(`no_auth_user ${JSON.stringify(opts.noAuthUser)} is not a configured user`);
  return null;
}
