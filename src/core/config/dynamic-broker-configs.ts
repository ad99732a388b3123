// Dynamic broker configs: the broker configs Kafka lets operators change at run time
// (AlterConfigs / IncrementalAlterConfigs on the BROKER resource, `kafka-configs.sh --entity-type
// brokers`), at two levels as in Kafka: the cluster-wide default (resource name "") and the
// broker itself (its node id), the broker's own winning over the default, both over the static
// configuration (flags, config files) and Kafka's defaults.
//
// What a change does in Wharf:
//   - the log.* defaults of topic configs (log.retention.ms, log.retention.bytes,
//     log.segment.bytes, log.roll.ms, log.cleanup.policy, log.cleaner.*, log.index.interval.bytes,
//     log.message.timestamp.type, log.flush.interval.ms) and message.max.bytes become the
//     broker-wide defaults of every topic that does not set the config itself (Log.setTopicDefaults);
//   - producer.id.expiration.ms sets the producer state's expiration (producer-state.ts);
//   - every other config Kafka 4.4 has as dynamic (kafka-broker-configs.ts: thread pools,
//     connection limits, SASL/Kerberos and listener-prefixed TLS settings, ...) is validated as
//     Kafka validates it, kept and described, with no effect on one Node.js process; names Kafka
//     does not know are kept too, as Kafka keeps them.
// Refused as Kafka refuses them, with INVALID_REQUEST and Kafka's message: configs that are not
// dynamic ("Cannot update these configs dynamically"), per-broker configs at the cluster level,
// TLS configs without a listener prefix, and values of the wrong type. The listener configs
// (listeners, advertised.listeners, listener.security.protocol.map) are dynamic in Kafka but
// Wharf cannot re-bind its sockets at run time: they are refused with INVALID_REQUEST saying so.
//
// The configs are kept in the broker's metadata records (security-store.ts, Wharf's stand-in for
// Kafka's metadata log), one record per level holding its whole set, and applied again at start.
import type { Log } from '../log/index.js';
import { validateTopicConfig } from '../log/topic-config.js';
import type { ProducerStateManager } from '../coordinators/producer-state.js';
import { TOPIC_DEFAULTS } from '../security/config/kafka-properties.js';
import { KAFKA_DYNAMIC_BROKER_CONFIGS, KAFKA_READ_ONLY_BROKER_CONFIGS, type KafkaConfigType } from './kafka-broker-configs.js';

/** The resource name of the cluster-wide default level. */
export const CLUSTER_DEFAULT_RESOURCE = '';

/** A refused change: the Kafka error code and message to answer. */
export class BrokerConfigError extends Error {
  override name = 'BrokerConfigError';
  constructor(
    readonly code: 'INVALID_REQUEST' | 'INVALID_CONFIG',
    message: string,
  ) {
    super(message);
  }
}

/** Where the configs are kept (the security store's metadata records). */
export interface BrokerConfigPersistence {
  /** The stored configs of a level ("" or the node id). */
  brokerConfigs(resource: string): Readonly<Record<string, string>>;
  /** Replaces the stored configs of a level, durably. */
  storeBrokerConfigs(resource: string, configs: Readonly<Record<string, string>>): Promise<void>;
}

/** Kafka's per-broker dynamic configs (DynamicListenerConfig less the cluster-level ones): refused at the cluster level. */
const PER_BROKER = new Set([
  'advertised.listeners', 'listeners', 'listener.security.protocol.map', 'principal.builder.class',
  'ssl.protocol', 'ssl.provider', 'ssl.cipher.suites', 'ssl.enabled.protocols', 'ssl.keystore.type', 'ssl.keystore.location',
  'ssl.keystore.password', 'ssl.key.password', 'ssl.truststore.type', 'ssl.truststore.location', 'ssl.truststore.password',
  'ssl.keymanager.algorithm', 'ssl.trustmanager.algorithm', 'ssl.endpoint.identification.algorithm', 'ssl.secure.random.implementation',
  'ssl.client.auth', 'ssl.engine.factory.class', 'ssl.keystore.certificate.chain', 'ssl.keystore.key', 'ssl.truststore.certificates',
  'sasl.mechanism.inter.broker.protocol', 'sasl.jaas.config', 'sasl.enabled.mechanisms', 'sasl.kerberos.service.name',
  'sasl.kerberos.kinit.cmd', 'sasl.kerberos.ticket.renew.window.factor', 'sasl.kerberos.ticket.renew.jitter',
  'sasl.kerberos.min.time.before.relogin', 'sasl.kerberos.principal.to.local.rules', 'sasl.login.refresh.window.factor',
  'sasl.login.refresh.window.jitter', 'sasl.login.refresh.min.period.seconds', 'sasl.login.refresh.buffer.seconds',
]);

/** Kafka's TLS configs that are dynamic only with a listener prefix (SslConfigs.RECONFIGURABLE_CONFIGS). */
const LISTENER_PREFIX_ONLY = new Set([
  'ssl.keystore.type', 'ssl.keystore.location', 'ssl.keystore.password', 'ssl.key.password', 'ssl.truststore.type',
  'ssl.truststore.location', 'ssl.truststore.password', 'ssl.keystore.certificate.chain', 'ssl.keystore.key', 'ssl.truststore.certificates',
]);

/** Dynamic configs Wharf cannot apply: refused rather than stored without effect. */
const NOT_APPLICABLE = new Set(['advertised.listeners', 'listeners', 'listener.security.protocol.map']);

/** Dynamic configs Wharf applies, beyond the log.* defaults: producer.id.expiration.ms. */
const PRODUCER_ID_EXPIRATION = 'producer.id.expiration.ms';

/** Read-only: Kafka 4.4's read-only broker configs, and Wharf's own durability settings. */
const READ_ONLY: ReadonlySet<string> = new Set([...KAFKA_READ_ONLY_BROKER_CONFIGS, 'wharf.fsync', 'wharf.fsync.interval.ms']);

/** The dynamic log configs Wharf applies: Kafka's broker name → the topic config it is the default of. */
const LOG_DEFAULTS: Readonly<Record<string, { config: string; scale?: number }>> = { ...TOPIC_DEFAULTS, 'message.max.bytes': { config: 'max.message.bytes' } };

/** Kafka's order among synonyms of one topic config: ms before minutes before hours. */
const SYNONYM_RANK = (name: string): number => (name.endsWith('.ms') ? 0 : name.endsWith('.minutes') ? 1 : name.endsWith('.hours') ? 2 : 0);

const TYPE_NAMES: Record<string, string> = { long: 'LONG', int: 'INT', double: 'DOUBLE', short: 'SHORT' };

/** A config's type in Kafka (names Kafka does not know are strings to it). */
function typeOf(name: string): KafkaConfigType {
  return KAFKA_DYNAMIC_BROKER_CONFIGS[name] ?? 'string';
}

/** Kafka's ConfigException text for a value of the wrong type, or null when it parses. */
function typeProblem(type: KafkaConfigType, value: string): string | null {
  const v = value.trim();
  switch (type) {
    case 'long':
    case 'int':
    case 'short': {
      if (!/^[+-]?\d+$/.test(v)) return `Not a number of type ${TYPE_NAMES[type]}`;
      const n = Number(v);
      const max = type === 'long' ? 9.223372036854776e18 : type === 'int' ? 2_147_483_647 : 32_767;
      if (Math.abs(n) > max) return `Not a number of type ${TYPE_NAMES[type]}`;
      return null;
    }
    case 'double':
      return v === '' || !Number.isFinite(Number(v)) ? 'Not a number of type DOUBLE' : null;
    case 'boolean':
      return v.toLowerCase() === 'true' || v.toLowerCase() === 'false' ? null : 'Expected value to be either true or false';
    default:
      return null;
  }
}

/** Kafka prints the offending names as a Java set. */
const setOf = (names: readonly string[]): string => `[${names.join(', ')}]`;

/** What the changes are applied to. */
export interface DynamicConfigTargets {
  log: Log;
  producers: ProducerStateManager;
  /** The static defaults of topic configs (message.max.bytes and the log.* settings of the configuration). */
  staticTopicDefaults: Readonly<Record<string, string>>;
  /** producer.id.expiration.ms of the static configuration. */
  staticProducerIdExpirationMs: number;
}

/** Where an effective broker config value comes from. */
export type DynamicLevel = 'broker' | 'default';

export class DynamicBrokerConfigs {
  private readonly levels = new Map<string, Record<string, string>>();

  constructor(
    /** The broker's node id, as the per-broker resource names it. */
    readonly nodeId: number,
    private readonly store: BrokerConfigPersistence,
    private readonly targets: DynamicConfigTargets,
  ) {
    for (const level of [CLUSTER_DEFAULT_RESOURCE, String(nodeId)]) this.levels.set(level, { ...store.brokerConfigs(level) });
  }

  /** Applies the stored configs (at start, before clients are served). */
  async start(): Promise<void> {
    if (this.names().length > 0) await this.apply();
  }

  /** producer.id.expiration.ms of the static configuration (what deleting the dynamic value goes back to). */
  get staticProducerIdExpirationMs(): number {
    return this.targets.staticProducerIdExpirationMs;
  }

  /** The static defaults of topic configs (what deleting a dynamic log.* value goes back to). */
  get staticTopicDefaults(): Readonly<Record<string, string>> {
    return this.targets.staticTopicDefaults;
  }

  /** The configs a level sets ("" or the node id). */
  configs(resource: string): Readonly<Record<string, string>> {
    return this.levels.get(resource) ?? {};
  }

  /** The dynamic value of a config and its level (the broker's own first), or null. */
  dynamicValue(name: string): { value: string; level: DynamicLevel } | null {
    const own = this.levels.get(String(this.nodeId))?.[name];
    if (own !== undefined) return { value: own, level: 'broker' };
    const d = this.levels.get(CLUSTER_DEFAULT_RESOURCE)?.[name];
    return d !== undefined ? { value: d, level: 'default' } : null;
  }

  /** Every config name some level sets. */
  names(): string[] {
    const out = new Set<string>();
    for (const l of this.levels.values()) for (const k of Object.keys(l)) out.add(k);
    return [...out].sort();
  }

  /** The level a topic config's broker-wide default comes from, when a dynamic config sets it. */
  topicDefaultLevel(topicConfig: string): DynamicLevel | null {
    for (const level of ['broker', 'default'] as const) {
      const set = this.levels.get(level === 'broker' ? String(this.nodeId) : CLUSTER_DEFAULT_RESOURCE) ?? {};
      if (Object.keys(set).some((k) => LOG_DEFAULTS[k]?.config === topicConfig)) return level;
    }
    return null;
  }

  /** Whether a config can be changed at run time (DescribeConfigs' readOnly is the opposite). */
  static isDynamic(name: string): boolean {
    return !READ_ONLY.has(name) && !NOT_APPLICABLE.has(name);
  }

  /** The resource a request names: "" or this broker's id, else INVALID_REQUEST with Kafka's message. */
  checkResource(resource: string): void {
    if (resource === CLUSTER_DEFAULT_RESOURCE) return;
    if (!/^-?\d+$/.test(resource)) throw new BrokerConfigError('INVALID_REQUEST', `Node id must be an integer, but it is: ${resource}`);
    if (Number(resource) !== this.nodeId) throw new BrokerConfigError('INVALID_REQUEST', `Unexpected broker id, expected ${this.nodeId}, but received ${resource}`);
  }

  /** Validates the whole new set of a level as Kafka's DynamicBrokerConfig.validateConfigs does; throws BrokerConfigError. */
  validate(resource: string, next: Readonly<Record<string, string>>): void {
    this.checkResource(resource);
    const names = Object.keys(next);
    const readOnly = names.filter((n) => READ_ONLY.has(n));
    if (readOnly.length > 0) throw new BrokerConfigError('INVALID_REQUEST', `Cannot update these configs dynamically: ${setOf(readOnly)}`);
    const prefixOnly = names.filter((n) => LISTENER_PREFIX_ONLY.has(n));
    if (prefixOnly.length > 0) throw new BrokerConfigError('INVALID_REQUEST', `These security configs can be dynamically updated only per-listener using the listener prefix: ${setOf(prefixOnly)}`);
    for (const n of names) {
      const base = /^listener\.name\.[^.]*\.(.*)$/.exec(n)?.[1] ?? n;
      const problem = typeProblem(typeOf(base), next[n]!);
      if (problem !== null) throw new BrokerConfigError('INVALID_REQUEST', `Invalid value ${next[n]} for configuration ${n}: ${problem}`);
      const log = LOG_DEFAULTS[n];
      if (log !== undefined) {
        const value = log.scale === undefined ? next[n]!.trim() : String(Number(next[n]) * log.scale);
        try {
          validateTopicConfig(log.config, value);
        } catch (e) {
          throw new BrokerConfigError('INVALID_REQUEST', `Invalid value ${next[n]} for configuration ${n}: ${(e as Error).message}`);
        }
      }
      if (n === PRODUCER_ID_EXPIRATION && Number(next[n]) < 1) throw new BrokerConfigError('INVALID_REQUEST', `Invalid value ${next[n]} for configuration ${n}: Value must be at least 1`);
    }
    if (resource === CLUSTER_DEFAULT_RESOURCE) {
      const perBroker = names.filter((n) => PER_BROKER.has(n) || (/^listener\.name\.[^.]*\.(.*)$/.test(n) && !/^listener\.name\.[^.]*\.(max\.connections|max\.connection\.creation\.rate|num\.network\.threads)$/.test(n)));
      if (perBroker.length > 0) throw new BrokerConfigError('INVALID_REQUEST', `Cannot update these configs at default cluster level, broker id must be specified: ${setOf(perBroker)}`);
    }
    const notHere = names.filter((n) => NOT_APPLICABLE.has(n));
    if (notHere.length > 0) throw new BrokerConfigError('INVALID_REQUEST', `Wharf cannot change its listeners at run time: ${setOf(notHere)} (set them in the configuration and restart)`);
  }

  /** Replaces the configs of a level (validated first), durably, and applies them. */
  async alter(resource: string, next: Readonly<Record<string, string>>, validateOnly: boolean): Promise<void> {
    this.validate(resource, next);
    if (validateOnly) return;
    await this.store.storeBrokerConfigs(resource, next);
    this.levels.set(resource, { ...next });
    await this.apply();
  }

  /** Pushes the effective values to what they govern. */
  private async apply(): Promise<void> {
    const topicDefaults: Record<string, string> = { ...this.targets.staticTopicDefaults };
    for (const level of [CLUSTER_DEFAULT_RESOURCE, String(this.nodeId)]) {
      const set = this.levels.get(level) ?? {};
      // Synonyms of one topic config at one level: ms over minutes over hours, as Kafka reads them.
      const names = Object.keys(set).filter((n) => LOG_DEFAULTS[n] !== undefined).sort((a, b) => SYNONYM_RANK(b) - SYNONYM_RANK(a));
      for (const n of names) {
        const log = LOG_DEFAULTS[n]!;
        topicDefaults[log.config] = log.scale === undefined ? set[n]!.trim() : String(Number(set[n]) * log.scale);
      }
    }
    await this.targets.log.setTopicDefaults(topicDefaults);
    const expiration = this.dynamicValue(PRODUCER_ID_EXPIRATION);
    this.targets.producers.expiration.producerIdExpirationMs = expiration !== null ? Number(expiration.value) : this.targets.staticProducerIdExpirationMs;
  }
}
