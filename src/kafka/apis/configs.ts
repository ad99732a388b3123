// Config descriptions shared by DescribeConfigs, CreateTopics (v5+ returns the new topic's
// configs) and the alter APIs: Kafka's config types and sources, and the broker's own configs
// (static ones from the options, dynamic ones from core/config/dynamic-broker-configs.ts).
import { TOPIC_CONFIGS } from '../../core/log/index.js';
import { DEFAULT_OPTIONS } from '../../config.js';
import { CLUSTER_DEFAULT_RESOURCE, DynamicBrokerConfigs } from '../../core/config/dynamic-broker-configs.js';
import { TOPIC_DEFAULTS } from '../../core/security/config/kafka-properties.js';
import { KAFKA_DYNAMIC_BROKER_CONFIGS } from '../../core/config/kafka-broker-configs.js';
import type { AclResource } from '../../core/security/authorizer.js';
import { CLUSTER, groupResource, topicResource } from '../authorization.js';
import type { RequestContext } from './types.js';

/** What describing configs needs of a request's context. */
type ConfigScope = Pick<RequestContext, 'log' | 'options' | 'cluster' | 'brokerConfigs' | 'coordinators'>;

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
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
  DYNAMIC_GROUP_CONFIG: 8,
} as const;

export const ConfigType = { UNKNOWN: 0, BOOLEAN: 1, STRING: 2, INT: 3, SHORT: 4, LONG: 5, DOUBLE: 6, LIST: 7, CLASS: 8, PASSWORD: 9 } as const;

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
  /** A password: described without its value (isSensitive), as Kafka describes it. */
  sensitive?: boolean;
}

/**
 * Configs that Kafka 4.1+ reports as cluster-wide dynamic defaults: with eligible leader
 * replicas (KIP-966) on, the controller writes a cluster-level min.insync.replicas record at
 * activation, so DescribeConfigs shows it on every topic as DYNAMIC_DEFAULT_BROKER_CONFIG and
 * clients (confluent-kafka's tests among them) expect it among the non-default entries.
 */
const CLUSTER_DYNAMIC_DEFAULTS = new Set(['min.insync.replicas']);

function defaultSource(scope: ConfigScope, name: string): number {
  const dynamic = scope.brokerConfigs.topicDefaultLevel(name);
  if (dynamic === 'broker') return ConfigSource.DYNAMIC_BROKER_CONFIG;
  if (dynamic === 'default' || CLUSTER_DYNAMIC_DEFAULTS.has(name)) return ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG;
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

/** A broker config as DescribeConfigs lists it, with the levels that set it (most specific first) as synonyms. */
export interface DescribedBrokerConfig extends DescribedConfig {
  synonyms: Array<{ name: string; value: string; source: number }>;
}

const KAFKA_TYPES: Record<string, number> = { boolean: ConfigType.BOOLEAN, string: ConfigType.STRING, int: ConfigType.INT, short: ConfigType.SHORT, long: ConfigType.LONG, double: ConfigType.DOUBLE, list: ConfigType.LIST, class: ConfigType.CLASS, password: ConfigType.PASSWORD };

/** The type of a dynamic config that is not in the static list, as Kafka 4.4 reports it (a name Kafka does not know: STRING). */
function dynamicType(name: string): number {
  const base = /^listener\.name\.[^.]*\.(.*)$/.exec(name)?.[1] ?? name;
  return KAFKA_TYPES[KAFKA_DYNAMIC_BROKER_CONFIGS[base] ?? 'string'] ?? ConfigType.STRING;
}

/**
 * The synonym below the dynamic levels of a dynamic log.* config: the static default of its
 * topic config when the configuration sets one, else Kafka's default under the name Kafka
 * reports it by (log.retention.hours and log.roll.hours for the time-based ones).
 */
function staticLogSynonym(dyn: DynamicBrokerConfigs, name: string): { name: string; value: string; source: number } | null {
  const log = name === 'message.max.bytes' ? { config: 'max.message.bytes' } : TOPIC_DEFAULTS[name];
  if (log === undefined) return null;
  const set = dyn.staticTopicDefaults[log.config];
  if (set !== undefined && name !== 'message.max.bytes') return { name: log.config === 'retention.ms' ? 'log.retention.ms' : log.config === 'segment.ms' ? 'log.roll.ms' : name, value: set, source: ConfigSource.STATIC_BROKER_CONFIG };
  if (log.config === 'retention.ms') return { name: 'log.retention.hours', value: '168', source: ConfigSource.DEFAULT_CONFIG };
  if (log.config === 'segment.ms') return { name: 'log.roll.hours', value: '168', source: ConfigSource.DEFAULT_CONFIG };
  const value = TOPIC_CONFIGS[log.config]?.default;
  return value === null || value === undefined ? null : { name, value, source: ConfigSource.DEFAULT_CONFIG };
}

/**
 * The broker's configs under Kafka's names. For the broker's id: every config with its effective
 * value, the dynamic ones (the broker's own, then the cluster default) over the static ones (flags
 * or the config file) over Kafka's defaults. For "" (the cluster default): only what that level
 * sets, as Kafka answers it. readOnly says whether the config can change at run time.
 */
export function describeBroker(scope: ConfigScope, resource = String(scope.cluster.nodeId)): DescribedBrokerConfig[] {
  const dyn = scope.brokerConfigs;
  if (resource === CLUSTER_DEFAULT_RESOURCE) {
    // Kafka 4.1+ lists min.insync.replicas=1 at this level (see CLUSTER_DYNAMIC_DEFAULTS).
    return Object.entries({ 'min.insync.replicas': '1', ...dyn.configs(CLUSTER_DEFAULT_RESOURCE) })
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, value]) => ({ name, value, type: dynamicType(name), source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, readOnly: false, synonyms: [{ name, value, source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG }], sensitive: dynamicType(name) === ConfigType.PASSWORD }));
  }
  const o = scope.options;
  const k = DEFAULT_OPTIONS.kafka;
  const d = scope.log.defaults;
  const cluster = scope.cluster;
  const staticPidExpiration = dyn.staticProducerIdExpirationMs;
  const txnIdExpiration = scope.coordinators.transactions.config.transactionalIdExpirationMs;
  const migrationPolicy = scope.coordinators.groups.config.consumerMigrationPolicy;
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
    ['producer.id.expiration.ms', String(staticPidExpiration), ConfigType.INT, staticPidExpiration !== DEFAULT_OPTIONS.transactions.producerIdExpiration],
    ['transactional.id.expiration.ms', String(txnIdExpiration), ConfigType.INT, txnIdExpiration !== DEFAULT_OPTIONS.transactions.idExpiration],
    ['group.consumer.migration.policy', migrationPolicy, ConfigType.STRING, migrationPolicy !== DEFAULT_OPTIONS.groups.consumerMigrationPolicy],
    ['wharf.fsync', d.fsync, ConfigType.STRING, d.fsync !== DEFAULT_OPTIONS.storage.fsync],
    ['wharf.fsync.interval.ms', String(d.fsyncInterval), ConfigType.LONG, d.fsyncInterval !== DEFAULT_OPTIONS.storage.fsyncInterval],
  ];
  const out: DescribedBrokerConfig[] = [];
  const listed = new Set<string>();
  const levelSource = (level: 'broker' | 'default'): number => (level === 'broker' ? ConfigSource.DYNAMIC_BROKER_CONFIG : ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
  const dynamicSynonyms = (name: string) => {
    const syn: Array<{ name: string; value: string; source: number }> = [];
    const own = dyn.configs(String(dyn.nodeId))[name];
    if (own !== undefined) syn.push({ name, value: own, source: ConfigSource.DYNAMIC_BROKER_CONFIG });
    const def = dyn.configs(CLUSTER_DEFAULT_RESOURCE)[name];
    if (def !== undefined) syn.push({ name, value: def, source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG });
    return syn;
  };
  for (const [name, value, type, set] of entries) {
    listed.add(name);
    const staticSource = set ? ConfigSource.STATIC_BROKER_CONFIG : CLUSTER_DYNAMIC_DEFAULTS.has(name) ? ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG : ConfigSource.DEFAULT_CONFIG;
    const dynamic = dyn.dynamicValue(name);
    const synonyms = [...dynamicSynonyms(name), { name, value, source: staticSource }];
    out.push({ name, value: dynamic?.value ?? value, type, source: dynamic !== null ? levelSource(dynamic.level) : staticSource, readOnly: !DynamicBrokerConfigs.isDynamic(name), synonyms });
  }
  for (const name of dyn.names()) {
    if (listed.has(name)) continue;
    const dynamic = dyn.dynamicValue(name)!;
    const below = staticLogSynonym(dyn, name);
    const type = dynamicType(name);
    out.push({ name, value: dynamic.value, type, source: levelSource(dynamic.level), readOnly: false, synonyms: [...dynamicSynonyms(name), ...(below !== null ? [below] : [])], sensitive: type === ConfigType.PASSWORD });
  }
  return out;
}
