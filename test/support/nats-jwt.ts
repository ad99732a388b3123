// Issues NATS JWTs for tests, as nsc does: operator (self-signed), account (signed by the
// operator or a signing key) and user (signed by an account or its signing key) claims with
// the nats-io/jwt v2 layout, and the creds file a client reads them from.
import { createHash } from 'node:crypto';
import * as nats from 'nats';

export type NatsKeyPair = ReturnType<typeof nats.nkeys.createUser>;

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

export function issueJwt(signer: NatsKeyPair, sub: string, name: string, nats: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  const claims: Record<string, unknown> = { iat: Math.floor(Date.now() / 1000), iss: String(signer.getPublicKey()), name, sub, nats: { version: 2, ...nats }, ...extra };
  claims.jti = createHash('sha256').update(JSON.stringify(claims)).digest('base64url').slice(0, 52).toUpperCase();
  const data = `${b64({ typ: 'JWT', alg: 'ed25519-nkey' })}.${b64(claims)}`;
  return `${data}.${Buffer.from(signer.sign(Buffer.from(data))).toString('base64url')}`;
}

export function operatorJwt(op: NatsKeyPair, nats: Record<string, unknown> = {}): string {
  return issueJwt(op, String(op.getPublicKey()), 'OP', { type: 'operator', ...nats });
}

export function accountJwt(signer: NatsKeyPair, account: NatsKeyPair, name: string, nats: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): string {
  return issueJwt(signer, String(account.getPublicKey()), name, { type: 'account', limits: { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 }, ...nats }, extra);
}

export function userJwt(signer: NatsKeyPair, user: NatsKeyPair, name: string, nats: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): string {
  return issueJwt(signer, String(user.getPublicKey()), name, { type: 'user', pub: {}, sub: {}, subs: -1, data: -1, payload: -1, ...nats }, extra);
}

/** A creds file's contents, as nsc writes it. */
export function credsFile(jwt: string, user: NatsKeyPair): string {
  const seed = new TextDecoder().decode(user.getSeed());
  return `-----BEGIN NATS USER JWT-----\n${jwt}\n------END NATS USER JWT------\n\n************************* IMPORTANT *************************\nNKEY Seed printed below can be used to sign and prove identity.\n\n-----BEGIN USER NKEY SEED-----\n${seed}\n------END USER NKEY SEED------\n\n*************************************************************\n`;
}
