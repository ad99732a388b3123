// DescribeClientQuotas (48): the client quotas whose entities match a filter (kafka-configs.sh
// --describe --entity-type users/clients, Admin.describeClientQuotas). A filter component names
// an entity type and a name (match type 0), its default (1) or any specified name (2); strict
// filters match entities of exactly the filtered types. As Kafka: DESCRIBE_CONFIGS on the
// cluster, else CLUSTER_AUTHORIZATION_FAILED; a repeated type is INVALID_REQUEST, an unknown one
// UNSUPPORTED_VERSION (Kafka's answers).
import type { QuotaEntity } from '../../core/security/client-quotas.js';
import { ApiKey, type DescribeClientQuotasResponse } from '../protocol/messages/index.js';
import { CLUSTER } from '../authorization.js';
import { ErrorCode } from '../errors.js';
import { entityToWire } from './client-quota-entities.js';
import { defineHandler } from './types.js';

const MATCH_EXACT = 0;
const MATCH_DEFAULT = 1;

export const describeClientQuotas = defineHandler(ApiKey.DescribeClientQuotas, {
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, req): DescribeClientQuotasResponse {
    const failed = (errorCode: ErrorCode, errorMessage: string): DescribeClientQuotasResponse => ({ throttleTimeMs: 0, errorCode, errorMessage, entries: null });
    if (!ctx.authorize('DESCRIBE_CONFIGS', CLUSTER)) return failed(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.');
    const seen = new Set<string>();
    for (const c of req.components) {
      if (c.entityType !== 'user' && c.entityType !== 'client-id' && c.entityType !== 'ip') return failed(ErrorCode.UNSUPPORTED_VERSION, `Unsupported entity type ${c.entityType}`);
      if (seen.has(c.entityType)) return failed(ErrorCode.INVALID_REQUEST, `Entity type ${c.entityType} cannot appear more than once in the filter.`);
      seen.add(c.entityType);
    }
    const nameOf = (e: QuotaEntity, type: string): string | null | undefined => (type === 'user' ? e.user : type === 'client-id' ? e.clientId : undefined);
    const matches = (e: QuotaEntity): boolean => {
      for (const c of req.components) {
        const name = nameOf(e, c.entityType);
        if (name === undefined) return false;
        if (c.matchType === MATCH_EXACT && name !== c.match) return false;
        if (c.matchType === MATCH_DEFAULT && name !== null) return false;
        if (c.matchType !== MATCH_EXACT && c.matchType !== MATCH_DEFAULT && name === null) return false;
      }
      if (req.strict) return (e.user !== undefined ? 1 : 0) + (e.clientId !== undefined ? 1 : 0) === req.components.length;
      return true;
    };
    const entries = ctx.security.quotas
      .all()
      .filter((q) => q.values.size > 0 && matches(q.entity))
      .map((q) => ({ entity: entityToWire(q.entity), values: [...q.values].map(([key, value]) => ({ key, value })) }));
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, entries };
  },
});
