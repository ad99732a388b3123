// Client authentication for the NATS front-end: a token, or users with passwords, each secret
// given in plain text or as a bcrypt hash, as nats-server accepts them. An authenticator answers
// with the principal the credentials prove (the user, or the token holder), carrying the
// permissions configured for it, or null to refuse; nkeys and JWTs can be added beside these.
// A client without credentials may be taken for a configured user (nats-server's no_auth_user).
import { timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { principal, type Permissions, type Principal } from '../core/security/principal.js';
import type { NatsOptions } from '../config.js';
import type { ConnectOptions } from './connect.js';

export type Verdict = Principal | null;

export interface Authenticator {
  /** The principal the CONNECT options' credentials prove, or null when they are not acceptable. */
  check(connect: ConnectOptions): Promise<Verdict> | Verdict;
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

/** A user of nats-server's `authorization { users = [...] }`: name, password, permissions. */
export interface UserEntry {
  readonly user: string;
  readonly pass: string;
  readonly permissions?: Permissions;
}

export class UserPasswordAuthenticator implements Authenticator {
  private readonly users = new Map<string, { pass: SecretMatcher; principal: Principal }>();
  private readonly noAuth: Principal | null = null;
  /**
   * @param noAuthUser a user of `users` that a client presenting no credentials at all (no user,
   *   password, token, nkey or JWT) is taken for, as nats-server's no_auth_user.
   */
  constructor(users: readonly UserEntry[], noAuthUser?: string) {
    for (const u of users) this.users.set(u.user, { pass: new SecretMatcher(u.pass), principal: principal('user', u.user, u.permissions) });
    if (noAuthUser !== undefined) {
      const entry = this.users.get(noAuthUser);
      if (entry === undefined) throw new Error(`no_auth_user ${JSON.stringify(noAuthUser)} is not a configured user`);
      this.noAuth = entry.principal;
    }
  }
  check(connect: ConnectOptions): Promise<Verdict> | Verdict {
    if (this.noAuth !== null && presentsNothing(connect)) return this.noAuth;
    const entry = typeof connect.user === 'string' ? this.users.get(connect.user) : undefined;
    if (entry === undefined) return null;
    return verdict(entry.pass.matches(connect.pass), entry.principal);
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

/** The authenticator the options configure: a token, one user, a users list; null when none is required. */
export function authenticatorFor(opts: Pick<NatsOptions, 'user' | 'pass' | 'authToken' | 'users' | 'defaultPermissions' | 'noAuthUser'>): Authenticator | null {
  // Default permissions apply to the users of a list only, as in nats-server.
  const defaults = opts.defaultPermissions;
  if (opts.authToken !== undefined) return new TokenAuthenticator(opts.authToken);
  if (opts.user !== undefined && opts.pass !== undefined) return new UserPasswordAuthenticator([{ user: opts.user, pass: opts.pass }]);
  if (opts.users !== undefined) {
    const entries: UserEntry[] = [];
    for (const u of opts.users) {
      if (u.user === undefined || u.password === undefined) continue; // nkey users: see the broker's refusal until nkeys are served
      const permissions = u.permissions ?? defaults;
      entries.push({ user: u.user, pass: u.password, ...(permissions ? { permissions } : {}) });
    }
    return new UserPasswordAuthenticator(entries, opts.noAuthUser);
  }
  if (opts.noAuthUser !== undefined) throw new Error(`no_auth_user ${JSON.stringify(opts.noAuthUser)} is not a configured user`);
  return null;
}
