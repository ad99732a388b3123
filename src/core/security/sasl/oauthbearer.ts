// SASL/OAUTHBEARER (RFC 7628) as Kafka's OAuthBearerSaslServer serves it: the client's initial
// response "n,[a=authzid],^Aauth=Bearer <jwt>^A[key=value^A]*^A" carries a JWT, verified against
// the configured JWKS file, issuer and audiences (jwt.ts); the principal is the "sub" claim, and
// the session ends when the token expires (the client re-authenticates with a new token). A bad
// token is answered, as Kafka does, with the challenge {"status":"invalid_token"}; the client
// acknowledges with ^A and the authentication fails with that message. Why the token was bad
// is logged by the broker, not told to the client.
import { JwtError, type JwksVerifier } from '../jwt.js';
import type { SaslServerMechanism, SaslSession, SaslStep } from './mechanism.js';

const SEPARATOR = '\u0001';
const INVALID_TOKEN = '{"status":"invalid_token"}';
const AUTH = /^auth=Bearer +([A-Za-z0-9._~+/=-]+) *$/;

export class OAuthBearerMechanism implements SaslServerMechanism {
  readonly name = 'OAUTHBEARER';

  constructor(
    private readonly verifier: JwksVerifier,
    /** Told why a token was refused (the broker logs it). */
    private readonly onRefused: (reason: string) => void = () => undefined,
  ) {}

  start(): SaslSession {
    let refused: string | null = null;
    return {
      step: (token: Buffer): SaslStep => {
        const text = token.toString('utf8');
        if (refused !== null) {
          // The client's acknowledgement of the error challenge: fail with it.
          return { kind: 'failure', message: refused };
        }
        const why = this.check(text);
        if (why.kind !== 'failure') return why;
        this.onRefused(why.message);
        refused = INVALID_TOKEN;
        return { kind: 'challenge', challenge: Buffer.from(INVALID_TOKEN) };
      },
    };
  }

  private check(text: string): SaslStep {
    const fields = text.split(SEPARATOR);
    // gs2 header, then key=value pairs, then two empty strings (the final ^A^A).
    if (fields.length < 4 || fields[fields.length - 1] !== '' || fields[fields.length - 2] !== '') return { kind: 'failure', message: 'malformed OAUTHBEARER message' };
    const gs2 = /^n,(?:a=([^,]*))?,$/.exec(fields[0]!);
    if (gs2 === null) return { kind: 'failure', message: 'malformed OAUTHBEARER GS2 header' };
    const auth = fields.slice(1, -2).find((f) => f.startsWith('auth='));
    const m = auth === undefined ? null : AUTH.exec(auth);
    if (m === null) return { kind: 'failure', message: 'no bearer token' };
    try {
      const claims = this.verifier.verify(m[1]!);
      const sub = claims.sub;
      if (typeof sub !== 'string' || sub.length === 0) return { kind: 'failure', message: 'the token has no subject (sub)' };
      const authzid = gs2[1];
      if (authzid !== undefined && authzid.length > 0 && authzid !== sub) return { kind: 'failure', message: 'the authorization id is not the token subject' };
      const lifetimeMs = Math.max(1, (claims.exp as number) * 1000 - Date.now());
      return { kind: 'success', user: sub, lifetimeMs };
    } catch (e) {
      if (e instanceof JwtError) return { kind: 'failure', message: e.message };
      throw e;
    }
  }
}
