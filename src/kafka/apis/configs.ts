// Config descriptions shared by DescribeConfigs, CreateTopics (v5+ returns the new topic's
// configs) and the alter APIs: Kafka's config types and sources, and the broker's own configs.
import { TOPIC_CONFIGS } from '../../core/log/index.js';
import { DEFAULT_OPTIONS } from '../../config.js';
import type { AclResource } from '../../core/security/authorizer.js';
import { CLUSTER, groupResource, topicResource } from '../authorization.js';
import type { RequestContext } from './types.js';

/** What describing configs needs of a request's context. */
type ConfigScope = Pick<RequestContext, 'log' | 'options' | 'cluster'>;

/** Config resource types (DescribeConfigs and the alter APIs), Kafka's numbers. */
export const ResourceType = { TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8, GROUP: 32 } as const;

/**
 * The ACL resource whose DESCRIBE_CONFIGS/ALTER_CONFIGS Kafka checks for a config resource: the
 * topic, the group, or the cluster for broker and broker-logger configs; null for types Wharf
 * has none of.
 */
export function configAclResource(resourceType: number, resourceName: string): AclResource | null {
  if (resourceType === ResourceType.TOPIC) return topicResource(resourceName);
  if (resourceType === ResourceType.GROUP) return groupResource(resourceName);
  if (resourceType === ResourceType.BROKER || resourceType === ResourceType.BROKER_LOGGER) return CLUSTER;
  return null;
}

export const ConfigSource = {
  UNKNOWN: 0,
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_GROUP_CONFIG: 8,
} as const;

export const ConfigType = { BOOLEAN: 1, STRING: 2, INT: 3, SHORT: 4, LONG: 5, DOUBLE: 6, LIST: 7, CLASS: 8, PASSWORD: 9 } as const;

const KIND_TYPES: Record<string, number> = {
  long: ConfigType.LONG,
  int: ConfigType.INT,
  ratio: ConfigType.DOUBLE,
  policy: ConfigType.LIST,
  timestampType: ConfigType.STRING,
  fsync: ConfigType.STRING,
  string: ConfigType.STRING,
  boolean: ConfigType.BOOLEAN,
};

export function topicConfigType(name: string): number {
  const def = TOPIC_CONFIGS[name];
  return def ? (KIND_TYPES[def.kind] ?? ConfigType.STRING) : ConfigType.STRING;
}

/** Topic configs whose default comes from a broker option: set (not default) when the option is. */
function brokerSets(scope: ConfigScope, name: string): boolean {
  const d = scope.log.defaults;
  if (name === 'max.message.bytes') return scope.options.messageMaxBytes !== DEFAULT_OPTIONS.kafka.messageMaxBytes;
  if (name === 'wharf.fsync') return d.fsync !== DEFAULT_OPTIONS.storage.fsync;
  if (name === 'flush.ms') return d.fsyncInterval !== DEFAULT_OPTIONS.storage.fsyncInterval;
  return false;
}

export interface DescribedConfig {
  name: string;
  value: string;
  source: number;
  type: number;
  readOnly: boolean;
}

/**
 * Configs that Kafka 4.1+ reports as cluster-wide dynamic defaults: with eligible leader
 * replicas (KIP-966) on, the controller writes a cluster-level min.insync.replicas record at
 * activation, so DescribeConfigs shows it on every topic as DYNAMIC_DEFAULT_BROKER_CONFIG and
 * clients (confluent-kafka's tests among them) expect it among the non-default entries.
 */
const CLUSTER_DYNAMIC_DEFAULTS = new Set(['min.insync.replicas']);

function defaultSource(scope: ConfigScope, name: string): number {
  if (CLUSTER_DYNAMIC_DEFAULTS.has(name)) return ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG;
  return brokerSets(scope, name) ? ConfigSource.STATIC_BROKER_CONFIG : ConfigSource.DEFAULT_CONFIG;
}

/** Every config of a topic: effective value, and whether the topic, the broker or Kafka set it. */
export function describeTopic(scope: ConfigScope, topic: string): DescribedConfig[] {
  const d = scope.log.describeTopic(topic);
  return d.effectiveConfigs.map((c) => ({
    name: c.name,
    value: c.value,
    source: !c.isDefault ? ConfigSource.DYNAMIC_TOPIC_CONFIG : defaultSource(scope, c.name),
    type: topicConfigType(c.name),
    readOnly: false,
  }));
}

const GROUP_KIND_TYPES: Record<string, number> = { int: ConfigType.INT, boolean: ConfigType.BOOLEAN, string: ConfigType.STRING, list: ConfigType.LIST };

/**
 * A group's configs (Kafka's GROUP resource): what the group sets is DYNAMIC_GROUP_CONFIG, the
 * rest the broker's defaults, with the broker setting they come from as synonym.
 */
export function describeGroup(scope: Pick<RequestContext, 'coordinators'>, groupId: string): Array<DescribedConfig & { synonym: string; defaultValue: string }> {
  return scope.coordinators.shareGroups.describeConfigs(groupId).map((c) => ({
    name: c.name,
    value: c.value,
    source: c.isDefault ? ConfigSource.DEFAULT_CONFIG : ConfigSource.DYNAMIC_GROUP_CONFIG,
    type: GROUP_KIND_TYPES[c.kind] ?? ConfigType.STRING,
    readOnly: false,
    synonym: c.synonym,
    defaultValue: c.defaultValue,
  }));
}

/** The broker's configs under Kafka's names (all static: set with flags or the config file). */
export function describeBroker(scope: ConfigScope): DescribedConfig[] {
  const o = scope.options;
  const k = DEFAULT_OPTIONS.kafka;
  const d = scope.log.defaults;
  const cluster = scope.cluster;
  const listener = `PLAINTEXT://${o.host}:${o.port}`;
  const entries: Array<[string, string, number, boolean]> = [
    ['node.id', String(cluster.nodeId), ConfigType.INT, true],
    ['broker.id', String(cluster.nodeId), ConfigType.INT, true],
    ['process.roles', 'broker,controller', ConfigType.LIST, true],
    ['listeners', listener, ConfigType.LIST, o.port !== k.port || o.host !== k.host],
    ['advertised.listeners', `PLAINTEXT://${cluster.advertisedHost}:${cluster.advertisedPort}`, ConfigType.LIST, o.advertisedHost !== undefined || o.advertisedPort !== undefined],
    ['auto.create.topics.enable', String(o.autoCreateTopics), ConfigType.BOOLEAN, o.autoCreateTopics !== k.autoCreateTopics],
    ['num.partitions', String(o.numPartitions), ConfigType.INT, o.numPartitions !== k.numPartitions],
    ['message.max.bytes', String(o.messageMaxBytes), ConfigType.INT, o.messageMaxBytes !== k.messageMaxBytes],
    ['socket.request.max.bytes', String(o.maxFrameBytes), ConfigType.INT, o.maxFrameBytes !== k.maxFrameBytes],
    ['log.dirs', scope.log.storageLocation, ConfigType.STRING, true],
    ['default.replication.factor', '1', ConfigType.INT, false],
    ['offsets.topic.replication.factor', '1', ConfigType.SHORT, false],
    ['min.insync.replicas', '1', ConfigType.INT, false],
    ['delete.topic.enable', 'true', ConfigType.BOOLEAN, false],
    ['wharf.fsync', d.fsync, ConfigType.STRING, d.fsync !== DEFAULT_OPTIONS.storage.fsync],
    ['wharf.fsync.interval.ms', String(d.fsyncInterval), ConfigType.LONG, d.fsyncInterval !== DEFAULT_OPTIONS.storage.fsyncInterval],
  ];
  return entries.map(([name, value, type, set]) => ({
    name,
    value,
    type,
    source: set ? ConfigSource.STATIC_BROKER_CONFIG : CLUSTER_DYNAMIC_DEFAULTS.has(name) ? ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG : ConfigSource.DEFAULT_CONFIG,
    readOnly: true,
  }));
}
