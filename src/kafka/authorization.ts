// How the Kafka handlers ask the authorizer: resources by Kafka's types, the error Kafka answers
// for each denied resource type, and the per-request filter that asks once per distinct name
// (as Kafka's filterByAuthorized does, so a request naming a topic in many entries costs one
// decision). The operation each API checks is in its handler; the table is Kafka's (KafkaApis).
// Responses that list authorized operations get Kafka's bit field of them (authorizedOperations).
import { CLUSTER, type AclOperation, type AclResource, type AclResourceType } from '../core/security/authorizer.js';
import { ErrorCode } from './errors.js';
import type { RequestContext } from './apis/types.js';

export { CLUSTER };

export const topicResource = (name: string): AclResource => ({ type: 'TOPIC', name });
export const groupResource = (name: string): AclResource => ({ type: 'GROUP', name });
export const transactionalIdResource = (name: string): AclResource => ({ type: 'TRANSACTIONAL_ID', name });

const DENIED: Readonly<Record<AclResourceType, ErrorCode>> = {
  TOPIC: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
  GROUP: ErrorCode.GROUP_AUTHORIZATION_FAILED,
  CLUSTER: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
  TRANSACTIONAL_ID: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
};

/** The error Kafka answers when an operation on a resource of this type is denied. */
export function deniedError(type: AclResourceType): ErrorCode {
  return DENIED[type];
}

/**
 * The topic names among `names` on which the request's principal may perform `operation`, each
 * distinct name asked once.
 */
export function authorizedTopics(ctx: RequestContext, operation: AclOperation, names: Iterable<string>): Set<string> {
  const allowed = new Set<string>();
  const denied = new Set<string>();
  for (const name of names) {
    if (allowed.has(name) || denied.has(name)) continue;
    (ctx.authorize(operation, topicResource(name)) ? allowed : denied).add(name);
  }
  return allowed;
}

/** Kafka's AclOperation codes, as the authorized-operations bit fields of responses number them. */
const OPERATION_CODES: Readonly<Record<AclOperation, number>> = {
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
};

/** The operations Kafka's ACLs support on each resource type (its AclEntry.supportedOperations). */
const SUPPORTED_OPERATIONS: Readonly<Record<AclResourceType, readonly AclOperation[]>> = {
  TOPIC: ['READ', 'WRITE', 'CREATE', 'DESCRIBE', 'DELETE', 'ALTER', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS'],
  GROUP: ['READ', 'DESCRIBE', 'DELETE', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS'],
  CLUSTER: ['CREATE', 'CLUSTER_ACTION', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS', 'IDEMPOTENT_WRITE', 'ALTER', 'DESCRIBE'],
  TRANSACTIONAL_ID: ['DESCRIBE', 'WRITE'],
};

/**
 * The operations the request's principal may perform on `resource`, as the bit field Kafka's
 * responses carry (bit n set: operation code n allowed), e.g. 3576 for every topic operation.
 */
export function authorizedOperations(ctx: RequestContext, resource: AclResource): number {
  let bits = 0;
  for (const op of SUPPORTED_OPERATIONS[resource.type]) if (ctx.authorize(op, resource, false)) bits |= 1 << OPERATION_CODES[op];
  return bits;
}
