// The entities of DescribeClientQuotas and AlterClientQuotas on the wire: a list of
// {entityType, entityName} where the types are Kafka's "user" and "client-id" (a null name is the
// default entity), and Kafka's validation of them: a type named twice, an unknown type or
// "ip" (connection-rate quotas, not served) is INVALID_REQUEST.
import type { QuotaEntity } from '../../core/security/client-quotas.js';

export class QuotaRequestError extends Error {}

export function entityFromWire(parts: ReadonlyArray<{ entityType: string; entityName: string | null }>): QuotaEntity {
  let user: string | null | undefined;
  let clientId: string | null | undefined;
  for (const p of parts) {
    if (p.entityType === 'user') {
      if (user !== undefined) throw new QuotaRequestError('Duplicate user entity type');
      user = p.entityName;
    } else if (p.entityType === 'client-id') {
      if (clientId !== undefined) throw new QuotaRequestError('Duplicate client-id entity type');
      clientId = p.entityName;
    } else if (p.entityType === 'ip') {
      throw new QuotaRequestError('ip quotas (connection_creation_rate) are not supported by Wharf');
    } else {
      throw new QuotaRequestError(`Unhandled client quota entity type: ${p.entityType}`);
    }
  }
  if (user === undefined && clientId === undefined) throw new QuotaRequestError('Invalid empty client quota entity');
  return { ...(user !== undefined ? { user } : {}), ...(clientId !== undefined ? { clientId } : {}) };
}

export function entityToWire(e: QuotaEntity): Array<{ entityType: string; entityName: string | null }> {
  const out: Array<{ entityType: string; entityName: string | null }> = [];
  if (e.user !== undefined) out.push({ entityType: 'user', entityName: e.user });
  if (e.clientId !== undefined) out.push({ entityType: 'client-id', entityName: e.clientId });
  return out;
}
