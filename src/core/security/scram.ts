// SCRAM credentials (RFC 5802) as Kafka keeps them: per user and mechanism (SCRAM-SHA-256,
// SCRAM-SHA-512) a salt, an iteration count and the two keys derived from the salted password,
// StoredKey = H(HMAC(SaltedPassword, "Client Key")) and ServerKey = HMAC(SaltedPassword,
// "Server Key"). Neither the password nor the salted password is kept: the keys verify a
// client's proof and prove the server to the client, and cannot be used to log in. Iteration
// bounds are Kafka's (4096 to 16384).
import { createHash, createHmac, pbkdf2, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

export interface ScramMechanismInfo {
  /** The SASL name: SCRAM-SHA-256 or SCRAM-SHA-512. */
  readonly name: 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  /** Kafka's ScramMechanism code in DescribeUserScramCredentials / AlterUserScramCredentials. */
  readonly code: number;
  readonly hash: 'sha256' | 'sha512';
  readonly keyLength: number;
}

export const SCRAM_MECHANISMS: readonly ScramMechanismInfo[] = [
  { name: 'SCRAM-SHA-256', code: 1, hash: 'sha256', keyLength: 32 },
  { name: 'SCRAM-SHA-512', code: 2, hash: 'sha512', keyLength: 64 },
];

export const SCRAM_MIN_ITERATIONS = 4096;
export const SCRAM_MAX_ITERATIONS = 16384;

export function scramMechanism(nameOrCode: string | number): ScramMechanismInfo | undefined {
  return SCRAM_MECHANISMS.find((m) => m.name === nameOrCode || m.code === nameOrCode);
}

export interface ScramCredential {
  readonly salt: Buffer;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
  readonly iterations: number;
}

export function hmac(m: ScramMechanismInfo, key: Buffer, data: Buffer | string): Buffer {
  return createHmac(m.hash, key).update(data).digest();
}

export function digest(m: ScramMechanismInfo, data: Buffer): Buffer {
  return createHash(m.hash).update(data).digest();
}

/** The credential of a salted password (AlterUserScramCredentials carries the salted password, not the password). */
export function credentialFromSaltedPassword(m: ScramMechanismInfo, salt: Buffer, saltedPassword: Buffer, iterations: number): ScramCredential {
  return {
    salt: Buffer.from(salt),
    storedKey: digest(m, hmac(m, saltedPassword, 'Client Key')),
    serverKey: hmac(m, saltedPassword, 'Server Key'),
    iterations,
  };
}

/** Hi(password, salt, i) of RFC 5802: PBKDF2 with the mechanism's HMAC (no SASLprep, as Kafka). */
export function saltPassword(m: ScramMechanismInfo, password: string, salt: Buffer, iterations: number): Buffer {
  return pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, m.keyLength, m.hash);
}

/** A new credential for a password, with a random salt (tests and tools). */
export function credentialFromPassword(m: ScramMechanismInfo, password: string, iterations = SCRAM_MIN_ITERATIONS): ScramCredential {
  const salt = randomBytes(32);
  return credentialFromSaltedPassword(m, salt, saltPassword(m, password, salt, iterations), iterations);
}

/**
 * Whether `password` is the one a stored credential was made from: its StoredKey is derived
 * again from the password, the salt and the iterations (off the event loop's thread) and
 * compared in constant time. For logins that present a password itself (the web console's
 * basic auth and login form), not for SASL, whose client proves the password without sending it.
 */
export async function scramPasswordMatches(m: ScramMechanismInfo, credential: ScramCredential, password: string): Promise<boolean> {
  const salted = await new Promise<Buffer>((resolve, reject) =>
    pbkdf2(Buffer.from(password, 'utf8'), credential.salt, credential.iterations, m.keyLength, m.hash, (err, key) => (err ? reject(err) : resolve(key))),
  );
  const stored = digest(m, hmac(m, salted, 'Client Key'));
  return stored.length === credential.storedKey.length && timingSafeEqual(stored, credential.storedKey);
}
