// AlterUserScramCredentials (51): creates, replaces and deletes users' SCRAM credentials
// (kafka-configs.sh --alter --add-config 'SCRAM-SHA-256=[password=…]', Admin.alterUserScramCredentials).
// The client sends the salt and the salted password; the store keeps the derived StoredKey and
// ServerKey only, durably. As Kafka: ALTER on the cluster (else CLUSTER_AUTHORIZATION_FAILED per
// user); per user, a mechanism that is not SCRAM is UNSUPPORTED_SASL_MECHANISM, iterations
// outside 4096..16384, an empty name or salted password UNACCEPTABLE_CREDENTIAL, deleting a credential
// that does not exist RESOURCE_NOT_FOUND, a user and mechanism altered twice DUPLICATE_RESOURCE;
// a user with an error has none of its alterations applied, the others are applied together.
import { SCRAM_MAX_ITERATIONS, SCRAM_MIN_ITERATIONS, credentialFromSaltedPassword, scramMechanism } from '../../core/security/scram.js';
import type { ScramDeletion, ScramUpsert } from '../../core/security/security-store.js';
import { ApiKey, type AlterUserScramCredentialsResponse } from '../protocol/messages/index.js';
import { CLUSTER } from '../authorization.js';
import { ErrorCode } from '../errors.js';
import { defineHandler } from './types.js';

interface UserAlteration {
  error: { code: ErrorCode; message: string } | null;
  upserts: ScramUpsert[];
  deletions: ScramDeletion[];
  mechanisms: Set<number>;
}

export const alterUserScramCredentials = defineHandler(ApiKey.AlterUserScramCredentials, {
  minVersion: 0,
  maxVersion: 0,
  exclusive: true,
  async handle(ctx, req): Promise<AlterUserScramCredentialsResponse> {
    const users = new Map<string, UserAlteration>();
    const of = (user: string, mechanism: number): UserAlteration => {
      let u = users.get(user);
      if (u === undefined) users.set(user, (u = { error: null, upserts: [], deletions: [], mechanisms: new Set() }));
      if (u.mechanisms.has(mechanism)) u.error ??= { code: ErrorCode.DUPLICATE_RESOURCE, message: 'A user credential cannot be altered twice in the same request' };
      u.mechanisms.add(mechanism);
      return u;
    };
    const fail = (u: UserAlteration, code: ErrorCode, message: string): void => {
      u.error ??= { code, message };
    };
    for (const d of req.deletions) {
      const u = of(d.name, d.mechanism);
      const mechanism = scramMechanism(d.mechanism);
      if (d.name.length === 0) fail(u, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty');
      else if (mechanism === undefined) fail(u, ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism');
      else if (ctx.security.credential(d.name, mechanism) === undefined) fail(u, ErrorCode.RESOURCE_NOT_FOUND, 'Attempt to delete a user credential that does not exist');
      else u.deletions.push({ user: d.name, mechanism });
    }
    for (const up of req.upsertions) {
      const u = of(up.name, up.mechanism);
      const mechanism = scramMechanism(up.mechanism);
      if (up.name.length === 0) fail(u, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty');
      else if (mechanism === undefined) fail(u, ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism');
      else if (up.iterations < SCRAM_MIN_ITERATIONS) fail(u, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too few iterations');
      else if (up.iterations > SCRAM_MAX_ITERATIONS) fail(u, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too many iterations');
      else if (up.saltedPassword.length === 0) fail(u, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Salted password must not be empty');
      else u.upserts.push({ user: up.name, mechanism, credential: credentialFromSaltedPassword(mechanism, up.salt, up.saltedPassword, up.iterations) });
    }
    if (!ctx.authorize('ALTER', CLUSTER)) {
      return { throttleTimeMs: 0, results: [...users.keys()].map((user) => ({ user, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.' })) };
    }
    const ok = [...users.values()].filter((u) => u.error === null);
    await ctx.security.alterCredentials(ok.flatMap((u) => u.upserts), ok.flatMap((u) => u.deletions));
    if (ok.length > 0) ctx.logger.info({ principal: `${ctx.principal.type}:${ctx.principal.name}`, users: ok.length }, 'kafka SCRAM credentials altered');
    return {
      throttleTimeMs: 0,
      results: [...users].map(([user, u]) => ({ user, errorCode: u.error?.code ?? ErrorCode.NONE, errorMessage: u.error?.message ?? null })),
    };
  },
});
