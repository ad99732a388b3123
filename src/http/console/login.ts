// The console's login: who a request is, from the credentials the broker already knows.
//   - NATS: the NATS port's authenticator (users with passwords, in their accounts; a token),
//     read at every check so that a SIGHUP reload takes effect. nkey, JWT and certificate-only
//     users cannot log in here (they prove themselves with a key, not a password), nor users
//     configured without a password (an empty password is refused here).
//   - Kafka SASL: PLAIN users (the options' and each listener's PlainLoginModule users) and
//     SCRAM users of the security store, whose password is checked against the stored keys.
// Credentials arrive as an Authorization header (basic auth, or a bearer token: tools such as
// curl) or through the app's login form (POST /login), which opens a session: a random id in
// an HttpOnly, SameSite=Strict cookie scoped to /console, kept in memory, ended by POST /logout
// or after SESSION_IDLE_MS unused. A session keeps the credentials (in memory only) and checks
// them again at most every RECHECK_MS, so a user removed or a password changed by a reload
// loses its session within a minute. No WWW-Authenticate challenge is sent: the app shows its
// own form (usable on a phone) instead of the browser's prompt.
// A login is required when the monitor's auth is on and the broker has any credentials; else
// a request without credentials is the anonymous user (User:ANONYMOUS for the authorizer).
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { aclPrincipalOfNats, aclPrincipalOfSasl } from '../../core/security/acl-principal.js';
import type { KafkaListenerConfig } from '../../core/security/kafka-listeners.js';
import { PlainMechanism } from '../../core/security/sasl/plain.js';
import { SCRAM_MECHANISMS, scramPasswordMatches, type ScramCredential, type ScramMechanismInfo } from '../../core/security/scram.js';
import type { Authenticator } from '../../nats/auth.js';
import type { ConnectOptions } from '../../nats/connect.js';
import { ANONYMOUS_USER, type ConsoleUser } from './auth.js';

/** The Kafka listener's parts a login reads: its SASL users and the stored SCRAM credentials. */
export interface KafkaLogins {
  readonly options: {
    readonly plainUsers?: Readonly<Record<string, string>>;
    readonly saslMechanisms: readonly string[];
    readonly listeners?: readonly KafkaListenerConfig[];
  };
  readonly security: { credential(user: string, mechanism: ScramMechanismInfo): ScramCredential | undefined };
}

export interface LoginSources {
  /** The monitor's --http-auth. */
  readonly authEnabled: boolean;
  /** The NATS port's authenticator now (null: NATS requires no credentials). */
  nats(): Authenticator | null;
  /** The Kafka listener, or null without one. */
  kafka(): KafkaLogins | null;
  /** Whether the monitor serves HTTPS (the cookie is then Secure). */
  readonly https: boolean;
}

/** What a login presents: a user and password, or a token. */
type Credentials = { readonly user: string; readonly pass: string } | { readonly token: string };

export const SESSION_COOKIE = 'wharf_console';
export const SESSION_IDLE_MS = 12 * 3600_000;
export const RECHECK_MS = 60_000;
const MAX_SESSIONS = 10_000;
const MAX_VERIFIED = 1_000;

interface Session {
  readonly credentials: Credentials;
  lastUsed: number;
}

function credentialsOfHeader(header: string | undefined): Credentials | null {
  if (header === undefined) return null;
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (basic !== null) {
    const text = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    return colon < 0 ? null : { user: text.slice(0, colon), pass: text.slice(colon + 1) };
  }
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return bearer !== null ? { token: bearer[1]! } : null;
}

function cookieValue(header: string | undefined, name: string): string | null {
  if (header === undefined) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** The SASL listeners' mechanisms and PLAIN user lists. */
function kafkaSasl(k: KafkaLogins): { plain: PlainMechanism[]; scram: ScramMechanismInfo[] } {
  const o = k.options;
  const sasl = (o.listeners ?? []).filter((l) => l.protocol === 'SASL_PLAINTEXT' || l.protocol === 'SASL_SSL');
  const mechanisms = new Set<string>(sasl.length === 0 ? [] : sasl.flatMap((l) => l.saslMechanisms ?? o.saslMechanisms));
  const plain: PlainMechanism[] = [];
  if (mechanisms.has('PLAIN')) {
    if (o.plainUsers !== undefined) plain.push(new PlainMechanism(o.plainUsers));
    for (const l of sasl) if (l.plainUsers !== undefined) plain.push(new PlainMechanism(l.plainUsers));
  }
  return { plain, scram: SCRAM_MECHANISMS.filter((m) => mechanisms.has(m.name)) };
}

/** How long sessions and proofs last, and the clock (tests bring their own). */
export interface LoginTiming {
  readonly sessionIdleMs: number;
  readonly recheckMs: number;
  readonly now?: () => number;
}

export class ConsoleLogin {
  private readonly sessions = new Map<string, Session>();
  /** Credentials proven lately (by a digest, never the password): the user they prove and when. */
  private readonly verified = new Map<string, { user: ConsoleUser; at: number }>();

  constructor(
    private readonly sources: LoginSources,
    private readonly timing: LoginTiming = { sessionIdleMs: SESSION_IDLE_MS, recheckMs: RECHECK_MS },
  ) {}

  private clock(): number {
    return this.timing.now !== undefined ? this.timing.now() : Date.now();
  }

  /** Whether the API needs a login: auth on, and credentials configured on either protocol. */
  loginRequired(): boolean {
    if (!this.sources.authEnabled) return false;
    if (this.sources.nats() !== null) return true;
    const k = this.sources.kafka();
    if (k === null) return false;
    const { plain, scram } = kafkaSasl(k);
    return plain.length > 0 || scram.length > 0;
  }

  /** The user of a request (its session cookie, else its Authorization header), or null. */
  async identify(req: IncomingMessage): Promise<ConsoleUser | null> {
    const id = cookieValue(req.headers.cookie, SESSION_COOKIE);
    const session = id !== null ? this.sessions.get(id) : undefined;
    const now = this.clock();
    if (session !== undefined && now - session.lastUsed > this.timing.sessionIdleMs) this.sessions.delete(id!);
    else if (session !== undefined) {
      const user = await this.check(session.credentials);
      if (user === null) {
        this.sessions.delete(id!);
        return null;
      }
      session.lastUsed = now;
      return user;
    }
    const creds = credentialsOfHeader(req.headers.authorization);
    if (creds !== null) return this.check(creds);
    return this.loginRequired() ? null : ANONYMOUS_USER;
  }

  /** Checks a login form's user and password (an empty user and the token as password: a NATS token); opens a session. */
  async login(user: string, password: string): Promise<{ user: ConsoleUser; cookie: string } | null> {
    const credentials: Credentials = user === '' ? { token: password } : { user, pass: password };
    const who = await this.check(credentials);
    if (who === null) return null;
    if (this.sessions.size >= MAX_SESSIONS) this.makeRoom();
    const id = randomBytes(24).toString('base64url');
    this.sessions.set(id, { credentials, lastUsed: this.clock() });
    return { user: who, cookie: this.cookie(id, Math.ceil(this.timing.sessionIdleMs / 1000)) };
  }

  /** Ends the request's session; the cookie that clears it. */
  logout(req: IncomingMessage): string {
    const id = cookieValue(req.headers.cookie, SESSION_COOKIE);
    if (id !== null) this.sessions.delete(id);
    return this.cookie('', 0);
  }

  private cookie(value: string, maxAgeSeconds: number): string {
    return `${SESSION_COOKIE}=${value}; Path=/console; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${this.sources.https ? '; Secure' : ''}`;
  }

  /** Drops idle sessions, and the oldest one if none is idle. */
  private makeRoom(): void {
    const now = this.clock();
    for (const [id, s] of this.sessions) if (now - s.lastUsed > this.timing.sessionIdleMs) this.sessions.delete(id);
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
  }

  /** The user the credentials prove, or null; a proof is remembered for RECHECK_MS. */
  async check(creds: Credentials): Promise<ConsoleUser | null> {
    const key = createHash('sha256').update('token' in creds ? `t\u0000${creds.token}` : `u\u0000${creds.user}\u0000${creds.pass}`).digest('base64');
    const now = this.clock();
    const hit = this.verified.get(key);
    if (hit !== undefined && now - hit.at < this.timing.recheckMs) return hit.user;
    this.verified.delete(key);
    const user = await this.prove(creds);
    if (user !== null) {
      if (this.verified.size >= MAX_VERIFIED) this.verified.clear();
      this.verified.set(key, { user, at: now });
    }
    return user;
  }

  private async prove(creds: Credentials): Promise<ConsoleUser | null> {
    const nats = this.sources.nats();
    // A NATS user configured without a password logs in to the NATS port with its name alone;
    // the console still asks for a password.
    if (nats !== null && ('token' in creds || creds.pass !== '')) {
      const connect: ConnectOptions = 'token' in creds ? { auth_token: creds.token } : { user: creds.user, pass: creds.pass };
      const p = await nats.check(connect);
      if (p !== null) {
        const principal = aclPrincipalOfNats(p);
        return Object.freeze({ name: p.name !== '' ? p.name : principal.name, principal, account: p.account, source: 'nats' as const });
      }
    }
    const kafka = this.sources.kafka();
    if (kafka === null || 'token' in creds || creds.user === '' || creds.pass === '') return null;
    const { plain, scram } = kafkaSasl(kafka);
    const token = Buffer.from(`\u0000${creds.user}\u0000${creds.pass}`, 'utf8');
    for (const m of plain) {
      const step = await m.start().step(token);
      if (step.kind === 'success') return Object.freeze({ name: creds.user, principal: aclPrincipalOfSasl(creds.user), account: null, source: 'kafka-plain' as const });
    }
    for (const m of scram) {
      const credential = kafka.security.credential(creds.user, m);
      if (credential !== undefined && (await scramPasswordMatches(m, credential, creds.pass))) {
        return Object.freeze({ name: creds.user, principal: aclPrincipalOfSasl(creds.user), account: null, source: 'kafka-scram' as const });
      }
    }
    return null;
  }
}
