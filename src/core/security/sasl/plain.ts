// SASL/PLAIN (RFC 4616) as Kafka's PlainSaslServer serves it: one message
// "[authzid] NUL authcid NUL password", checked against the configured users in constant time;
// an authorization id other than the user is refused, as Kafka refuses it, and the messages of a
// failure are Kafka's.
import { timingSafeEqual } from 'node:crypto';
import type { SaslServerMechanism, SaslSession, SaslStep } from './mechanism.js';

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  if (x.length !== y.length) {
    timingSafeEqual(y, y); // the same work either way
    return false;
  }
  return timingSafeEqual(x, y);
}

export class PlainMechanism implements SaslServerMechanism {
  readonly name = 'PLAIN';
  private readonly users: ReadonlyMap<string, string>;

  constructor(users: Readonly<Record<string, string>>) {
    this.users = new Map(Object.entries(users));
  }

  start(): SaslSession {
    return { step: (token) => this.check(token) };
  }

  private check(token: Buffer): SaslStep {
    const text = token.toString('utf8');
    const parts = text.split('\u0000');
    if (parts.length !== 3) return { kind: 'failure', message: 'Invalid SASL/PLAIN response: expected 3 tokens, got ' + parts.length };
    const [authzid, user, password] = parts as [string, string, string];
    if (user === '') return { kind: 'failure', message: 'Authentication failed: username not specified' };
    if (password === '') return { kind: 'failure', message: 'Authentication failed: password not specified' };
    const expected = this.users.get(user);
    // Compare even for an unknown user, so that timing does not tell which users exist.
    const ok = sameSecret(password, expected ?? '\u0000'.repeat(password.length + 1)) && expected !== undefined;
    if (!ok) return { kind: 'failure', message: 'Authentication failed: Invalid username or password' };
    if (authzid !== '' && authzid !== user) return { kind: 'failure', message: 'Authentication failed: Client requested an authorization id that is different from username' };
    return { kind: 'success', user };
  }
}
