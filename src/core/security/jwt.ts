// Verification of signed JSON Web Tokens (RFC 7515 compact JWS, RFC 7519 claims) against a
// JSON Web Key Set file (RFC 7517), as Kafka's broker-side OAUTHBEARER validator checks them:
// an asymmetric algorithm only (RS*, PS*, ES*, EdDSA; never "none" or a shared-secret HS*),
// the key named by "kid" (or the only key of a matching type when the token names none), "exp"
// required and not passed, "iat"/"nbf" not in the future, each with the allowed clock skew,
// the expected issuer and one of the expected audiences. Node's crypto does the signatures.
import { createPublicKey, verify as cryptoVerify, constants, type KeyObject, type JsonWebKey } from 'node:crypto';
import { readFileSync } from 'node:fs';

export class JwtError extends Error {
  override name = 'JwtError';
}

export interface JwtClaims {
  readonly [claim: string]: unknown;
}

interface AlgorithmSpec {
  readonly kty: string;
  readonly hash: string | null;
  readonly pss?: boolean;
  readonly ecdsa?: boolean;
}

const ALGORITHMS: Readonly<Record<string, AlgorithmSpec>> = {
  RS256: { kty: 'RSA', hash: 'sha256' },
  RS384: { kty: 'RSA', hash: 'sha384' },
  RS512: { kty: 'RSA', hash: 'sha512' },
  PS256: { kty: 'RSA', hash: 'sha256', pss: true },
  PS384: { kty: 'RSA', hash: 'sha384', pss: true },
  PS512: { kty: 'RSA', hash: 'sha512', pss: true },
  ES256: { kty: 'EC', hash: 'sha256', ecdsa: true },
  ES384: { kty: 'EC', hash: 'sha384', ecdsa: true },
  ES512: { kty: 'EC', hash: 'sha512', ecdsa: true },
  EdDSA: { kty: 'OKP', hash: null },
};

interface LoadedKey {
  readonly kid: string | undefined;
  readonly kty: string;
  readonly key: KeyObject;
}

function decodePart(part: string, what: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch {
    throw new JwtError(`malformed token ${what}`);
  }
}

export interface JwtExpectations {
  /** The "iss" the token must carry, if any. */
  readonly issuer?: string;
  /** Audiences of which the token's "aud" must name one, if any. */
  readonly audiences?: readonly string[];
  /** Allowed clock skew in seconds (Kafka's sasl.oauthbearer.clock.skew.seconds: 30). */
  readonly clockSkewSeconds?: number;
}

export class JwksVerifier {
  private keys: LoadedKey[] = [];

  constructor(
    private readonly file: string,
    private readonly expect: JwtExpectations = {},
  ) {
    this.reload();
  }

  /** Re-reads the JWKS file (at start and on SIGHUP); throws, keeping the old keys, when it is not usable. */
  reload(): void {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch (e) {
      throw new JwtError(`cannot read the JWKS file ${this.file}: ${(e as Error).message}`);
    }
    const list = (doc as { keys?: unknown }).keys;
    if (!Array.isArray(list)) throw new JwtError(`${this.file}: a JWKS document has a "keys" array`);
    const keys: LoadedKey[] = [];
    for (const jwk of list as JsonWebKey[]) {
      if (typeof jwk.kty !== 'string' || (jwk.use !== undefined && jwk.use !== 'sig')) continue;
      try {
        keys.push({ kid: typeof jwk.kid === 'string' ? jwk.kid : undefined, kty: jwk.kty, key: createPublicKey({ key: jwk, format: 'jwk' }) });
      } catch (e) {
        throw new JwtError(`${this.file}: unusable key ${String(jwk.kid ?? '')}: ${(e as Error).message}`);
      }
    }
    this.keys = keys;
  }

  /** The claims of a valid token; throws a JwtError saying why a token is not. */
  verify(token: string, nowMs = Date.now()): JwtClaims {
    const parts = token.split('.');
    if (parts.length !== 3) throw new JwtError('a token has three parts');
    const header = decodePart(parts[0]!, 'header');
    const claims = decodePart(parts[1]!, 'payload');
    const alg = header.alg;
    const spec = typeof alg === 'string' ? ALGORITHMS[alg] : undefined;
    if (spec === undefined) throw new JwtError(`algorithm ${String(alg)} is not accepted`);
    const kid = typeof header.kid === 'string' ? header.kid : undefined;
    const candidates = this.keys.filter((k) => k.kty === spec.kty && (kid === undefined || k.kid === kid));
    if (candidates.length === 0) throw new JwtError(`no key${kid !== undefined ? ` with kid ${kid}` : ''} for ${String(alg)}`);
    const data = Buffer.from(`${parts[0]}.${parts[1]}`);
    const signature = Buffer.from(parts[2]!, 'base64url');
    const ok = candidates.some((k) => {
      try {
        if (spec.pss === true) return cryptoVerify(spec.hash, data, { key: k.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, signature);
        if (spec.ecdsa === true) return cryptoVerify(spec.hash, data, { key: k.key, dsaEncoding: 'ieee-p1363' }, signature);
        return cryptoVerify(spec.hash, data, k.key, signature);
      } catch {
        return false;
      }
    });
    if (!ok) throw new JwtError('invalid signature');
    const skew = (this.expect.clockSkewSeconds ?? 30) * 1000;
    const exp = claims.exp;
    if (typeof exp !== 'number') throw new JwtError('the token has no expiration time (exp)');
    if (exp * 1000 + skew <= nowMs) throw new JwtError('the token has expired');
    for (const claim of ['iat', 'nbf']) {
      const t = claims[claim];
      if (t !== undefined && (typeof t !== 'number' || t * 1000 - skew > nowMs)) throw new JwtError(`the token's ${claim} is in the future`);
    }
    if (this.expect.issuer !== undefined && claims.iss !== this.expect.issuer) throw new JwtError(`issuer ${String(claims.iss)} is not the expected one`);
    const audiences = this.expect.audiences ?? [];
    if (audiences.length > 0) {
      const aud = claims.aud;
      const named = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [];
      if (!named.some((a) => audiences.includes(a))) throw new JwtError('the token is not for an expected audience');
    }
    return claims;
  }
}
