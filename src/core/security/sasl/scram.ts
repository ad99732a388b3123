// SASL/SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677) as Kafka's ScramSaslServer serves
// them: client-first "n,[a=authzid],n=user,r=cnonce[,ext]", answered "r=cnonce+snonce,s=salt,i=n";
// client-final "c=biws,r=nonce,p=proof", verified against the stored key and answered
// "v=serversignature". The credentials come from a lookup (the durable store), read when the
// client names itself. Failures carry Kafka's message: its generic one for bad credentials, an
// unknown user, a wrong nonce or a malformed message; the authorization-id one as Kafka words it.
// Delegation-token authentication (the tokenauth extension) is not served and fails.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { SCRAM_MIN_ITERATIONS, digest, hmac, type ScramCredential, type ScramMechanismInfo } from '../scram.js';
import type { SaslServerMechanism, SaslSession, SaslStep } from './mechanism.js';

export type ScramLookup = (user: string, mechanism: ScramMechanismInfo) => ScramCredential | undefined;

const CLIENT_FIRST = /^(n|y|p=[^,]*),(?:a=([^,]*))?,(n=([^,]*),r=([^,]*)((?:,[^,]*)*))$/s;
const CLIENT_FINAL = /^(c=([^,]*),r=([^,]*)(?:,[^,]*)*?),p=([^,]*)$/s;

/** RFC 5802 saslname: "=2C" is ',' and "=3D" is '='; any other '=' makes it invalid. */
function decodeSaslName(text: string): string | null {
  if (/=(?!2C|3D)/.test(text)) return null;
  return text.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

class Failure extends Error {}

class ScramSession implements SaslSession {
  private stage: 'first' | 'final' | 'done' = 'first';
  private user = '';
  private credential: ScramCredential | null = null;
  private gs2Header = '';
  private nonce = '';
  private clientFirstBare = '';
  private serverFirst = '';

  constructor(
    private readonly mechanism: ScramMechanismInfo,
    private readonly lookup: ScramLookup,
  ) {}

  step(token: Buffer): SaslStep {
    try {
      if (this.stage === 'first') return this.first(token.toString('utf8'));
      if (this.stage === 'final') return this.final(token.toString('utf8'));
      throw new Failure('unexpected SCRAM message after the exchange');
    } catch (e) {
      this.stage = 'done';
      if (e instanceof AuthorizationIdMismatch) return { kind: 'failure', message: e.message };
      // Kafka answers every other SCRAM failure with one message that tells nothing more.
      return { kind: 'failure', message: `Authentication failed during authentication due to invalid credentials with SASL mechanism ${this.mechanism.name}` };
    }
  }

  private first(text: string): SaslStep {
    const m = CLIENT_FIRST.exec(text);
    if (m === null) throw new Failure('invalid SCRAM client-first message');
    const binding = m[1]!;
    const authzid = m[2];
    const bare = m[3]!;
    const saslName = m[4]!;
    const clientNonce = m[5]!;
    const extensions = m[6] ?? '';
    // Channel binding is not offered by the server (no -PLUS mechanism): "p=" is refused.
    if (binding.startsWith('p=')) throw new Failure('channel binding is not supported');
    const user = decodeSaslName(saslName);
    if (user === null || user.length === 0 || clientNonce.length === 0) throw new Failure('invalid SCRAM client-first message');
    if (/(^|,)tokenauth=true(,|$)/i.test(extensions)) throw new Failure('delegation tokens are not supported');
    if (authzid !== undefined && authzid.length > 0 && decodeSaslName(authzid) !== user) throw new AuthorizationIdMismatch();
    const credential = this.lookup(user, this.mechanism);
    if (credential === undefined) throw new Failure('Invalid user credentials');
    if (credential.iterations < SCRAM_MIN_ITERATIONS) throw new Failure('too few iterations');
    this.user = user;
    this.credential = credential;
    this.gs2Header = text.slice(0, text.length - bare.length);
    this.nonce = clientNonce + randomBytes(24).toString('base64url');
    this.clientFirstBare = bare;
    this.serverFirst = `r=${this.nonce},s=${credential.salt.toString('base64')},i=${credential.iterations}`;
    this.stage = 'final';
    return { kind: 'challenge', challenge: Buffer.from(this.serverFirst, 'utf8') };
  }

  private final(text: string): SaslStep {
    const m = CLIENT_FINAL.exec(text);
    if (m === null) throw new Failure('invalid SCRAM client-final message');
    const withoutProof = m[1]!;
    const channel = m[2]!;
    const nonce = m[3]!;
    const proofText = m[4]!;
    if (nonce !== this.nonce) throw new Failure('Invalid client nonce in the final client message.');
    if (Buffer.from(channel, 'base64').toString('utf8') !== this.gs2Header) throw new Failure('invalid channel binding');
    const c = this.credential!;
    const mech = this.mechanism;
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const proof = Buffer.from(proofText, 'base64');
    const signature = hmac(mech, c.storedKey, authMessage);
    if (proof.length !== signature.length) throw new Failure('Invalid client credentials');
    const clientKey = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i]! ^ signature[i]!;
    if (!timingSafeEqual(digest(mech, clientKey), c.storedKey)) throw new Failure('Invalid client credentials');
    this.stage = 'done';
    const serverSignature = hmac(mech, c.serverKey, authMessage).toString('base64');
    return { kind: 'success', user: this.user, final: Buffer.from(`v=${serverSignature}`, 'utf8') };
  }
}

class AuthorizationIdMismatch extends Error {
  constructor() {
    super('Authentication failed: Client requested an authorization id that is different from username');
  }
}

export class ScramMechanism implements SaslServerMechanism {
  readonly name: string;

  constructor(
    private readonly mechanism: ScramMechanismInfo,
    private readonly lookup: ScramLookup,
  ) {
    this.name = mechanism.name;
  }

  start(): SaslSession {
    return new ScramSession(this.mechanism, this.lookup);
  }
}
