// What the console's user may do: the broker's authorizer (Kafka's StandardAuthorizer when ACLs
// are on, allow-all when they are off), asked with the user's principal and address for the
// operation and resource the matching Kafka request checks, so that the console never grants
// more than a Kafka client of the same principal gets:
//   list topics: DESCRIBE (as Metadata hides topics) · browse: READ · produce: WRITE ·
//   create: CREATE on the cluster or the topic · delete: DELETE · configs: DESCRIBE_CONFIGS to
//   see, ALTER_CONFIGS to change · add partitions: ALTER · groups: DESCRIBE to see (DESCRIBE on
//   the cluster lists all), READ on the group and READ on each topic to reset offsets (as
//   OffsetCommit), DELETE to delete · transactions: DESCRIBE on the transactional id ·
//   producers of a partition: READ on the topic (as DescribeProducers).
// The broker's security topic is out of reach whatever the ACLs say, as on the Kafka port.
// A refusal is a 403 whose message names the principal, the operation and the resource.
import { CLUSTER, allowAll, type AclOperation, type AclResource, type Authorizer } from '../../core/security/authorizer.js';
import { principalText } from '../../core/security/acl-principal.js';
import { SECURITY_TOPIC } from '../../core/security/security-store.js';
import type { ConsoleUser } from './auth.js';
import { ApiError } from './http.js';
import type { ConsoleRights, GroupAccess, TopicAccess } from './types.js';

export const topic = (name: string): AclResource => ({ type: 'TOPIC', name });
export const group = (name: string): AclResource => ({ type: 'GROUP', name });
export const transactionalId = (name: string): AclResource => ({ type: 'TRANSACTIONAL_ID', name });

const WORDS: Readonly<Record<AclResource['type'], string>> = { TOPIC: 'topic', GROUP: 'group', CLUSTER: 'the cluster', TRANSACTIONAL_ID: 'transactional id' };

/** One request's rights: the user, where it connects from, and the authorizer in force now. */
export class ConsoleAccess {
  private readonly cache = new Map<string, boolean>();

  constructor(
    readonly user: ConsoleUser,
    private readonly host: string,
    private readonly authorizer: Authorizer = allowAll,
  ) {}

  /** Whether the user may perform `operation` on `resource` (decisions are kept for the request). */
  may(operation: AclOperation, resource: AclResource): boolean {
    if (resource.type === 'TOPIC' && resource.name === SECURITY_TOPIC) return false;
    const key = `${resource.type}\u0000${resource.name}\u0000${operation}`;
    let allowed = this.cache.get(key);
    if (allowed === undefined) {
      allowed = this.authorizer.authorize(this.user.principal, operation, resource, this.host);
      this.cache.set(key, allowed);
    }
    return allowed;
  }

  /** Throws the console's 403 unless the user may. */
  need(operation: AclOperation, resource: AclResource): void {
    if (!this.may(operation, resource)) throw this.denied(operation, resource);
  }

  denied(operation: AclOperation, resource: AclResource): ApiError {
    const what = resource.type === 'CLUSTER' ? WORDS.CLUSTER : `${WORDS[resource.type]} ${resource.name}`;
    return new ApiError(403, `${principalText(this.user.principal)} is not authorized to ${operation} ${what}`);
  }

  /** May create this topic: CREATE on the cluster, or on the topic's name (as CreateTopics). */
  mayCreateTopic(name: string): boolean {
    return this.may('CREATE', CLUSTER) || this.may('CREATE', topic(name));
  }

  /** The user's rights on a topic, for the app to show only the actions it may take. */
  topicAccess(name: string): TopicAccess {
    const t = topic(name);
    return { read: this.may('READ', t), write: this.may('WRITE', t), delete: this.may('DELETE', t), alter: this.may('ALTER', t), describeConfigs: this.may('DESCRIBE_CONFIGS', t), alterConfigs: this.may('ALTER_CONFIGS', t) };
  }

  groupAccess(id: string): GroupAccess {
    const g = group(id);
    return { read: this.may('READ', g), delete: this.may('DELETE', g) };
  }

  /** The rights that belong to no one resource: what the app's shell needs. */
  rights(): ConsoleRights {
    return { createTopics: this.may('CREATE', CLUSTER), describeCluster: this.may('DESCRIBE', CLUSTER) };
  }

  /** Whether the NATS pages show every account (DESCRIBE on the cluster), else only the user's own. */
  natsAccounts(): 'all' | string | null {
    return this.may('DESCRIBE', CLUSTER) ? 'all' : this.user.account;
  }
}
