// CreateAcls (30): adds ACL bindings (kafka-acls.sh --add, Admin.createAcls), stored durably in
// the security store and applied by the authorizer once written. As Kafka: ALTER on the cluster
// (else CLUSTER_AUTHORIZATION_FAILED for every creation); without ACLs on (no authorizer),
// SECURITY_DISABLED; a binding with an empty name, a principal without a type, or a CLUSTER
// resource not named kafka-cluster is INVALID_REQUEST with Kafka's message, and the others are
// still created; one with ANY or MATCH codes fails the whole request (UNKNOWN_SERVER_ERROR, as
// Kafka's request cannot build it), and one with UNKNOWN codes closes the connection (Kafka's
// request does not parse). A binding that exists already is created again without error.
import { CLUSTER_NAME } from '../../core/security/authorizer.js';
import { InvalidAclError, ResourceTypeCode, UnbuildableAclError, UnparsableAclError, validateAcl, type AclBinding } from '../../core/security/acl.js';
import { ApiKey, type CreateAclsResponse } from '../protocol/messages/index.js';
import { CLUSTER } from '../authorization.js';
import { ErrorCode } from '../errors.js';
import { defineHandler } from './types.js';

export const createAcls = defineHandler(ApiKey.CreateAcls, {
  minVersion: 1,
  maxVersion: 3,
  exclusive: true,
  async handle(ctx, req): Promise<CreateAclsResponse | null> {
    const all = (errorCode: ErrorCode, errorMessage: string): CreateAclsResponse => ({ throttleTimeMs: 0, results: req.creations.map(() => ({ errorCode, errorMessage })) });
    if (!ctx.options.acls) return all(ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured.');
    if (!ctx.authorize('ALTER', CLUSTER)) return all(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.');
    const results: CreateAclsResponse['results'] = [];
    const valid: AclBinding[] = [];
    for (const c of req.creations) {
      const binding: AclBinding = {
        resourceType: c.resourceType,
        resourceName: c.resourceName,
        patternType: c.resourcePatternType,
        principal: c.principal,
        host: c.host,
        operation: c.operation,
        permission: c.permissionType,
      };
      try {
        validateAcl(binding);
      } catch (e) {
        if (e instanceof UnparsableAclError) {
          ctx.closeAfter(`CreateAcls: ${e.message}`);
          return null;
        }
        if (e instanceof UnbuildableAclError) return { throttleTimeMs: 0, results: req.creations.map(() => ({ errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: null })) };
        if (!(e instanceof InvalidAclError)) throw e;
      }
      try {
        validateAcl(binding);
        if (binding.resourceType === ResourceTypeCode.CLUSTER && binding.resourceName !== CLUSTER_NAME) throw new InvalidAclError(`The only valid name for the CLUSTER resource is ${CLUSTER_NAME}`);
        valid.push(binding);
        results.push({ errorCode: ErrorCode.NONE, errorMessage: '' });
      } catch (e) {
        if (!(e instanceof InvalidAclError)) throw e;
        results.push({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: e.message });
      }
    }
    await ctx.security.addAcls(valid);
    ctx.logger.info({ principal: `${ctx.principal.type}:${ctx.principal.name}`, created: valid.length }, 'kafka ACLs created');
    return { throttleTimeMs: 0, results };
  },
});
