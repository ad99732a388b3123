// Client authentication for the NATS front-end: a token, or users with passwords, each secret
// given in plain text or as a bcrypt hash, as nats-server accepts them. An authenticator answers
// with the principal the credentials prove (the user, or the token holder), carrying the
// permissions configured for it, or null to refuse; nkeys and JWTs can be added beside these.
// A client without credentials may be taken for a configured user (nats-server's no_auth_user).
import { timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { principal, type Permissions, type Principal } from '../core/security/principal.js';
import type { NatsOptions } from '../config.js';
import type { TlsPeer } from '../core/security/tls-peer.js';
import type { ConnectOptions } from './connect.js';

export type Verdict = Principal | null;

export interface Authenticator {
  /**
   * The principal the CONNECT options' credentials prove, or null when they are not acceptable.
   * `peer` is the client's verified TLS certificate, if it presented one.
   */
  check(connect: ConnectOptions, peer?: TlsPeer): Promise<Verdict> | Verdict;
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

/**
 * nats-server's verify_and_map: the client's verified certificate names the user, by an e-mail
 * address, a DNS name or a URI of its alternative names, else by its RFC 2253 subject; the
 * CONNECT's own credentials are not used. No certificate, or no user of that name: refused.
 */
export class CertificateUserAuthenticator implements Authenticator {
  private readonly users = new Map<string, Principal>();
  constructor(users: readonly { user: string; permissions?: Permissions }[]) {
    for (const u of users) this.users.set(u.user, principal('user', u.user, u.permissions));
  }
  check(_connect: ConnectOptions, peer?: TlsPeer): Verdict {
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

/** A CONNECT with no credentials of any kind. */
function presentsNothing(c: ConnectOptions): boolean {
  return c.user === undefined && c.pass === undefined && c.auth_token === undefined && c.nkey === undefined && c.jwt === undefined;
}

function verdict(matched: Promise<boolean> | boolean, who: Principal): Promise<Verdict> | Verdict {
  if (typeof matched === 'boolean') return matched ? who : null;
  return matched.then((ok) => (ok ? who : null));
}

/** The authenticator the options configure: a token, one user, a users list; null when none is required. */
export function authenticatorFor(opts: Pick<NatsOptions, 'user' | 'pass' | 'authToken' | 'users' | 'defaultPermissions' | 'noAuthUser' | 'tlsMap'>): Authenticator | null {
  // Default permissions apply to the users of a list only, as in nats-server.
  const defaults = opts.defaultPermissions;
  if (opts.tlsMap) {
    const mapped = (opts.users ?? []).flatMap((u) => {
      if (u.user === undefined) return [];
      const permissions = u.permissions ?? defaults;
      return [{ user: u.user, ...(permissions ? { permissions } : {}) }];
    });
    return new CertificateUserAuthenticator(mapped);
  }
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
