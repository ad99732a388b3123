// AlterClientQuotas (49): sets and removes client quotas (kafka-configs.sh --alter --entity-type
// users --add-config producer_byte_rate=1024, Admin.alterClientQuotas), stored durably and
// applied to the next requests. Keys: producer_byte_rate, consumer_byte_rate (bytes per second,
// whole and positive) and request_percentage (positive); any other key (controller_mutation_rate,
// connection_creation_rate) is INVALID_REQUEST naming it. As Kafka: ALTER_CONFIGS on the cluster
// (else CLUSTER_AUTHORIZATION_FAILED per entry); validate_only checks without applying.
import { QUOTA_KEYS, type QuotaEntity, type QuotaKey } from '../../core/security/client-quotas.js';
import { ApiKey, type AlterClientQuotasResponse } from '../protocol/messages/index.js';
import { CLUSTER } from '../authorization.js';
import { ErrorCode } from '../errors.js';
import { QuotaRequestError, entityFromWire } from './client-quota-entities.js';
import { defineHandler } from './types.js';

const isQuotaKey = (k: string): k is QuotaKey => (QUOTA_KEYS as readonly string[]).includes(k);

export const alterClientQuotas = defineHandler(ApiKey.AlterClientQuotas, {
  minVersion: 0,
  maxVersion: 1,
  exclusive: true,
  async handle(ctx, req): Promise<AlterClientQuotasResponse> {
    const allowed = ctx.authorize('ALTER_CONFIGS', CLUSTER);
    const results: AlterClientQuotasResponse['entries'] = [];
    const changes: Array<{ entity: QuotaEntity; values: Array<{ key: QuotaKey; value: number | null }> }> = [];
    for (const entry of req.entries) {
      const wire = entry.entity.map((e) => ({ entityType: e.entityType, entityName: e.entityName }));
      if (!allowed) {
        results.push({ errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.', entity: wire });
        continue;
      }
      try {
        const entity = entityFromWire(entry.entity);
        const values: Array<{ key: QuotaKey; value: number | null }> = [];
        for (const op of entry.ops) {
          if (!isQuotaKey(op.key)) throw new QuotaRequestError(`Invalid configuration key ${op.key}${op.key === 'controller_mutation_rate' ? ' (not supported by Wharf)' : ''}`);
          if (!op.remove) {
            if (!(op.value > 0)) throw new QuotaRequestError(`Configuration ${op.key} must be positive`);
            if (op.key !== 'request_percentage' && !Number.isInteger(op.value)) throw new QuotaRequestError(`Configuration ${op.key} must be a Long value`);
          }
          values.push({ key: op.key, value: op.remove ? null : op.value });
        }
        changes.push({ entity, values });
        results.push({ errorCode: ErrorCode.NONE, errorMessage: null, entity: wire });
      } catch (e) {
        if (!(e instanceof QuotaRequestError)) throw e;
        results.push({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: e.message, entity: wire });
      }
    }
    if (!req.validateOnly && changes.length > 0) {
      await ctx.security.alterQuotas(changes);
      ctx.logger.info({ principal: `${ctx.principal.type}:${ctx.principal.name}`, entities: changes.length }, 'kafka client quotas altered');
    }
    return { throttleTimeMs: 0, entries: results };
  },
});
