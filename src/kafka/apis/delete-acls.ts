// DeleteAcls (31): removes the ACL bindings each filter matches (kafka-acls.sh --remove,
// Admin.deleteAcls) and answers, per filter, the bindings it removed. As Kafka: ALTER on the
// cluster (else CLUSTER_AUTHORIZATION_FAILED for every filter), SECURITY_DISABLED without ACLs
// on; a filter with UNKNOWN codes does not parse in Kafka, which closes the connection: so does Wharf.
import { InvalidAclError, aclKey, filterMatches, validateFilter, type AclBinding, type AclFilter } from '../../core/security/acl.js';
import { ApiKey, type DeleteAclsResponse } from '../protocol/messages/index.js';
import { CLUSTER } from '../authorization.js';
import { ErrorCode } from '../errors.js';
import { defineHandler } from './types.js';

export const deleteAcls = defineHandler(ApiKey.DeleteAcls, {
  minVersion: 1,
  maxVersion: 3,
  exclusive: true,
  async handle(ctx, req): Promise<DeleteAclsResponse | null> {
    const all = (errorCode: ErrorCode, errorMessage: string): DeleteAclsResponse => ({ throttleTimeMs: 0, filterResults: req.filters.map(() => ({ errorCode, errorMessage, matchingAcls: [] })) });
    if (!ctx.options.acls) return all(ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured.');
    if (!ctx.authorize('ALTER', CLUSTER)) return all(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.');
    for (const f of req.filters) {
      try {
        validateFilter({ resourceType: f.resourceTypeFilter, resourceName: f.resourceNameFilter, patternType: f.patternTypeFilter, principal: f.principalFilter, host: f.hostFilter, operation: f.operation, permission: f.permissionType });
      } catch (e) {
        if (!(e instanceof InvalidAclError)) throw e;
        ctx.closeAfter(`DeleteAcls: ${e.message}`);
        return null;
      }
    }
    const bindings = ctx.security.aclBindings();
    const removed = new Map<string, AclBinding>();
    const filterResults: DeleteAclsResponse['filterResults'] = [];
    for (const f of req.filters) {
      const filter: AclFilter = {
        resourceType: f.resourceTypeFilter,
        resourceName: f.resourceNameFilter,
        patternType: f.patternTypeFilter,
        principal: f.principalFilter,
        host: f.hostFilter,
        operation: f.operation,
        permission: f.permissionType,
      };
      const matching = bindings.filter((b) => filterMatches(filter, b));
      for (const b of matching) removed.set(aclKey(b), b);
      filterResults.push({
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        matchingAcls: matching.map((b) => ({
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          resourceType: b.resourceType,
          resourceName: b.resourceName,
          patternType: b.patternType,
          principal: b.principal,
          host: b.host,
          operation: b.operation,
          permissionType: b.permission,
        })),
      });
    }
    await ctx.security.removeAcls([...removed.values()]);
    if (removed.size > 0) ctx.logger.info({ principal: `${ctx.principal.type}:${ctx.principal.name}`, deleted: removed.size }, 'kafka ACLs deleted');
    return { throttleTimeMs: 0, filterResults };
  },
});
