// Client authentication for the NATS front-end: token or a single user/password pair, each
// given in plain text or as a bcrypt hash, as nats-server accepts them. Authenticators are
// an interface so that nkeys, JWTs and per-user permissions can be added beside these.
import { timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { ConnectOptions } from './connect.js';

export interface Authenticator {
  /** Resolves true when the CONNECT options carry acceptable credentials. */
  check(connect: ConnectOptions): Promise<boolean> | boolean;
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
  constructor(token: string) {
    this.token = new SecretMatcher(token);
  }
  check(connect: ConnectOptions): Promise<boolean> | boolean {
    return this.token.matches(connect.auth_token);
  }
}

export class UserPasswordAuthenticator implements Authenticator {
  private readonly pass: SecretMatcher;
  constructor(private readonly user: string, pass: string) {
    this.pass = new SecretMatcher(pass);
  }
  check(connect: ConnectOptions): Promise<boolean> | boolean {
    if (connect.user !== this.user) return false;
    return this.pass.matches(connect.pass);
  }
}

export function authenticatorFor(opts: { user?: string; pass?: string; authToken?: string }): Authenticator | null {
  if (opts.authToken !== undefined) return new TokenAuthenticator(opts.authToken);
  if (opts.user !== undefined && opts.pass !== undefined) return new UserPasswordAuthenticator(opts.user, opts.pass);
  return null;
}
