// DescribeUserScramCredentials (50): the SCRAM mechanisms and iteration counts of users'
// credentials (kafka-configs.sh --describe --entity-type users, Admin.describeUserScramCredentials);
// never a salt or key. As Kafka: DESCRIBE on the cluster, else a top-level
// CLUSTER_AUTHORIZATION_FAILED; no users named (null or empty) describes every user with a
// credential; a user named twice is DUPLICATE_RESOURCE, one without credentials RESOURCE_NOT_FOUND.
import { ApiKey, type DescribeUserScramCredentialsResponse } from '../protocol/messages/index.js';
import { CLUSTER } from '../authorization.js';
import { ErrorCode } from '../errors.js';
import { defineHandler } from './types.js';

type Result = DescribeUserScramCredentialsResponse['results'][number];

export const describeUserScramCredentials = defineHandler(ApiKey.DescribeUserScramCredentials, {
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, req): DescribeUserScramCredentialsResponse {
    if (!ctx.authorize('DESCRIBE', CLUSTER)) return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.', results: [] };
    const store = ctx.security;
    const describe = (user: string): Result => ({
      user,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      credentialInfos: store.credentialsOf(user).map((c) => ({ mechanism: c.mechanism.code, iterations: c.iterations })),
    });
    const named = req.users?.map((u) => u.name) ?? [];
    if (named.length === 0) return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, results: store.scramUsers().map(describe) };
    const counts = new Map<string, number>();
    for (const n of named) counts.set(n, (counts.get(n) ?? 0) + 1);
    const results: Result[] = [];
    for (const [user, count] of counts) {
      if (count > 1) results.push({ user, errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: `Cannot describe SCRAM credentials for the same user twice in a single request: ${user}`, credentialInfos: [] });
      else if (store.credentialsOf(user).length === 0) results.push({ user, errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: `Attempt to describe a user credential that does not exist: ${user}`, credentialInfos: [] });
      else results.push(describe(user));
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, results };
  },
});
