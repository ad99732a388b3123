// The log line of a denied authorization that refuses a request: one warning naming the
// principal, operation, resource (type, pattern, name), client host and request, as Kafka's
// kafka.authorizer.logger says it ("Principal = User:alice is Denied operation = WRITE from
// host = … on resource = Topic:LITERAL:secret for request = Produce"). Only checks that refuse
// something log: the ones that merely filter what a response lists (the topics of an all-topics
// Metadata, authorized-operation bit fields, probes before a narrower check) say so and stay
// silent, as Kafka's logIfDenied=false checks do. Kept here, wire-neutral, so every front-end
// that asks the authorizer logs denials the same way.
import type { Logger } from '../../log.js';
import type { AclOperation, AclPrincipal, AclResource, AclResourceType } from './authorizer.js';

/** Kafka's display names of the resource types, as its authorizer log prints them. */
const TYPE_NAMES: Readonly<Record<AclResourceType, string>> = {
  TOPIC: 'Topic',
  GROUP: 'Group',
  CLUSTER: 'Cluster',
  TRANSACTIONAL_ID: 'TransactionalId',
};

/**
 * Logs that `principal`, connected from `host`, was denied `operation` on `resource` by the
 * request named `request` (its API name), one warning.
 */
export function logDeniedAuthorization(logger: Logger, principal: AclPrincipal, operation: AclOperation, resource: AclResource, host: string, request: string): void {
  const who = `${principal.type}:${principal.name}`;
  const what = `${TYPE_NAMES[resource.type]}:LITERAL:${resource.name}`;
  logger.warn(
    { principal: who, operation, resourceType: resource.type, patternType: 'LITERAL', resourceName: resource.name, host, request },
    `Principal = ${who} is Denied operation = ${operation} from host = ${host} on resource = ${what} for request = ${request}`,
  );
}
