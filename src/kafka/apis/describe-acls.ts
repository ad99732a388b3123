// DescribeAcls (29): the ACL bindings a filter matches (kafka-acls.sh --list,
// Admin.describeAcls), grouped by resource pattern as Kafka answers them. As Kafka: DESCRIBE on
// the cluster (else CLUSTER_AUTHORIZATION_FAILED), SECURITY_DISABLED without ACLs on; a filter
// with UNKNOWN codes does not parse in Kafka, which closes the connection: so does Wharf.
import { InvalidAclError, filterMatches, validateFilter, type AclFilter } from '../../core/security/acl.js';
import { ApiKey, type DescribeAclsResponse } from '../protocol/messages/index.js';
import type { DescribeAclsResponseDescribeAclsResource } from '../protocol/messages/describe-acls.js';
import { CLUSTER } from '../authorization.js';
import { ErrorCode } from '../errors.js';
import { defineHandler } from './types.js';

export const describeAcls = defineHandler(ApiKey.DescribeAcls, {
  minVersion: 1,
  maxVersion: 3,
  handle(ctx, req): DescribeAclsResponse | null {
    const failed = (errorCode: ErrorCode, errorMessage: string): DescribeAclsResponse => ({ throttleTimeMs: 0, errorCode, errorMessage, resources: [] });
    if (!ctx.options.acls) return failed(ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured.');
    if (!ctx.authorize('DESCRIBE', CLUSTER)) return failed(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.');
    const filter: AclFilter = {
      resourceType: req.resourceTypeFilter,
      resourceName: req.resourceNameFilter,
      patternType: req.patternTypeFilter,
      principal: req.principalFilter,
      host: req.hostFilter,
      operation: req.operation,
      permission: req.permissionType,
    };
    try {
      validateFilter(filter);
    } catch (e) {
      if (!(e instanceof InvalidAclError)) throw e;
      ctx.closeAfter(`DescribeAcls: ${e.message}`);
      return null;
    }
    const byPattern = new Map<string, DescribeAclsResponseDescribeAclsResource>();
    for (const b of ctx.security.aclBindings()) {
      if (!filterMatches(filter, b)) continue;
      const key = JSON.stringify([b.resourceType, b.resourceName, b.patternType]);
      let r = byPattern.get(key);
      if (r === undefined) byPattern.set(key, (r = { resourceType: b.resourceType, resourceName: b.resourceName, patternType: b.patternType, acls: [] }));
      r.acls.push({ principal: b.principal, host: b.host, operation: b.operation, permissionType: b.permission });
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, resources: [...byPattern.values()] };
  },
});
