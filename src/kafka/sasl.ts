// SASL authentication of one connection on a SASL listener, with the states of Kafka's
// SaslServerAuthenticator: before authentication only ApiVersions, SaslHandshake and (after a v1
// handshake) SaslAuthenticate are served, and anything else closes the connection; a v0
// handshake is followed by raw tokens (size-prefixed frames without a request header); a failed
// authentication is answered, then the connection is closed. With connections.max.reauth.ms the
// session has a lifetime (SaslAuthenticate v1+ tells the client); the client re-authenticates on
// the same connection (SaslHandshake + SaslAuthenticate again, as the same principal) before it
// ends, and a request after the end closes the connection.
import type { SaslServerMechanism, SaslSession, SaslStep } from '../core/security/sasl/mechanism.js';
import { ErrorCode } from './errors.js';

type State = 'handshake' | 'authenticate' | 'raw' | 'complete' | 'failed';

export interface HandshakeOutcome {
  readonly errorCode: ErrorCode;
  readonly mechanisms: string[];
  /** Close the connection after the response (a mechanism that is not enabled). */
  readonly close?: string;
}

export interface AuthenticateOutcome {
  readonly errorCode: ErrorCode;
  readonly errorMessage: string | null;
  readonly authBytes: Buffer;
  readonly sessionLifetimeMs: number;
  /** Close the connection after the response (a failed authentication). */
  readonly close?: string;
}

export class SaslAuthentication {
  private state: State = 'handshake';
  private session: SaslSession | null = null;
  private mechanism: SaslServerMechanism | null = null;
  /** The authenticated user; kept across re-authentications, which must prove the same one. */
  user: string | null = null;
  /** When the session ends (ms since the epoch); 0: never. */
  private expiresAt = 0;
  /** The handshake of the current (re-)authentication was v0: tokens come as raw frames. */
  private rawTokens = false;
  /** Authentications that went through SaslAuthenticate v1+ may re-authenticate (KIP-368). */
  private reauthCapable = false;

  constructor(
    private readonly mechanisms: ReadonlyMap<string, SaslServerMechanism>,
    private readonly reauthMs: number,
  ) {}

  get authenticated(): boolean {
    return this.user !== null && (this.state === 'complete' || this.reauthenticating);
  }

  /** Re-authenticating: the connection keeps serving as the earlier session's principal meanwhile. */
  private get reauthenticating(): boolean {
    return this.user !== null && (this.state === 'authenticate' || this.state === 'handshake') && this.reauthCapable;
  }

  /** The next frame is a raw SASL token (after a v0 handshake), not a request. */
  get expectsRawToken(): boolean {
    return this.state === 'raw';
  }

  /** Whether the session has ended without a re-authentication. */
  expired(now = Date.now()): boolean {
    return this.expiresAt > 0 && now > this.expiresAt;
  }

  /** Whether a request of a kind other than the SASL ones may be served now. */
  mayServe(): boolean {
    return this.authenticated && !this.expired();
  }

  handshake(version: number, requested: string): HandshakeOutcome {
    const enabled = [...this.mechanisms.keys()];
    const again = this.state === 'complete' && this.reauthCapable;
    if (this.state !== 'handshake' && !again) return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: enabled, close: 'SaslHandshake out of order' };
    const mechanism = this.mechanisms.get(requested);
    if (mechanism === undefined) {
      this.state = 'failed';
      return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: enabled, close: `SASL mechanism ${requested} is not enabled` };
    }
    if (again && this.mechanism !== null && mechanism !== this.mechanism) {
      this.state = 'failed';
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: enabled, close: 'a re-authentication must use the mechanism of the session' };
    }
    this.mechanism = mechanism;
    this.session = mechanism.start();
    this.rawTokens = version === 0;
    this.state = version === 0 ? 'raw' : 'authenticate';
    return { errorCode: ErrorCode.NONE, mechanisms: enabled };
  }

  /** A SaslAuthenticate request's token (`version` of the request), or a raw token (version -1). */
  async authenticate(token: Buffer, version: number): Promise<AuthenticateOutcome> {
    const raw = version < 0;
    if ((raw && this.state !== 'raw') || (!raw && (this.state !== 'authenticate' || this.rawTokens)) || this.session === null) {
      this.state = 'failed';
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: 'Unexpected SaslAuthenticate request with no SASL handshake', authBytes: Buffer.alloc(0), sessionLifetimeMs: 0, close: 'SaslAuthenticate before SaslHandshake' };
    }
    let step: SaslStep;
    try {
      step = await this.session.step(token);
    } catch (e) {
      step = { kind: 'failure', message: `Authentication failed: ${(e as Error).message}` };
    }
    if (step.kind === 'challenge') return { errorCode: ErrorCode.NONE, errorMessage: null, authBytes: step.challenge, sessionLifetimeMs: 0 };
    if (step.kind === 'failure') {
      this.state = 'failed';
      return { errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: step.message, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0, close: `SASL authentication failed: ${step.message}` };
    }
    if (this.user !== null && step.user !== this.user) {
      this.state = 'failed';
      const message = `Cannot change principals during re-authentication from User:${this.user}: User:${step.user}`;
      return { errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: message, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0, close: message };
    }
    this.user = step.user;
    this.session = null;
    this.state = 'complete';
    this.reauthCapable = !raw && version >= 1;
    // The session lasts connections.max.reauth.ms, or the credential's own lifetime if shorter (OAUTHBEARER tokens).
    let lifetime = this.reauthMs;
    if (step.lifetimeMs !== undefined && step.lifetimeMs > 0) lifetime = lifetime > 0 ? Math.min(lifetime, step.lifetimeMs) : step.lifetimeMs;
    this.expiresAt = lifetime > 0 && this.reauthCapable ? Date.now() + lifetime : 0;
    return { errorCode: ErrorCode.NONE, errorMessage: null, authBytes: step.final ?? Buffer.alloc(0), sessionLifetimeMs: this.reauthCapable ? Math.max(0, lifetime) : 0 };
  }
}
