// A Kafka server.properties file read for Wharf (`--kafka-config FILE`): each key Wharf serves
// becomes a Wharf option by flag name, as a raw value the options table's parsers then check
// (src/config.ts). Served: `listeners`, `advertised.listeners`, `listener.security.protocol.map`,
// `sasl.enabled.mechanisms` (also per listener), `listener.name.<l>.<mech>.sasl.jaas.config` (PLAIN
// users as Kafka's PlainLoginModule declares them: user_<name>="<password>"), the `ssl.keystore.*`
// (PEM and PKCS12), `ssl.truststore.*` (PEM), `ssl.key.password`, `ssl.client.auth`,
// `ssl.principal.mapping.rules`, `super.users`, `authorizer.class.name` (StandardAuthorizer turns
// ACLs on), `allow.everyone.if.no.acl.found`, `connections.max.reauth.ms`, the OAUTHBEARER
// validation settings (a file JWKS, issuer, audience), and the topic, log, group and transaction
// defaults Wharf has options for. A key meaningless on one node (replication, the controller
// quorum, thread counts) is a warning; any other key is an error naming it.
import { readFileSync } from 'node:fs';
import { parseProperties, type Property } from './java-properties.js';
import { parseListenerList, parseProtocolMap, SASL_MECHANISMS, usesSasl, type KafkaListenerConfig, type SaslMechanism } from '../kafka-listeners.js';

export class KafkaConfigError extends Error {
  override name = 'KafkaConfigError';
}

export interface KafkaServerConfig {
  /** Wharf option values by flag name, raw. */
  options: Record<string, unknown>;
  /** The property each option came from. */
  sources: Record<string, string>;
  warnings: string[];
}

/** Properties with a Wharf option of the same meaning (values in Kafka's units, as the options take them). */
const DIRECT: Record<string, { flag: string; unit?: 'ms' | 'minutes' }> = {
  'num.partitions': { flag: 'num-partitions' },
  'auto.create.topics.enable': { flag: 'auto-create-topics' },
  'message.max.bytes': { flag: 'message-max-bytes' },
  'socket.request.max.bytes': { flag: 'kafka-max-frame-bytes' },
  'max.incremental.fetch.session.cache.slots': { flag: 'kafka-fetch-session-cache-slots' },
  'group.min.session.timeout.ms': { flag: 'group-min-session-timeout', unit: 'ms' },
  'group.max.session.timeout.ms': { flag: 'group-max-session-timeout', unit: 'ms' },
  'group.initial.rebalance.delay.ms': { flag: 'group-initial-rebalance-delay', unit: 'ms' },
  'group.max.size': { flag: 'group-max-size' },
  'group.consumer.session.timeout.ms': { flag: 'group-consumer-session-timeout', unit: 'ms' },
  'group.consumer.heartbeat.interval.ms': { flag: 'group-consumer-heartbeat-interval', unit: 'ms' },
  'group.consumer.migration.policy': { flag: 'group-consumer-migration-policy' },
  'offsets.retention.minutes': { flag: 'offsets-retention', unit: 'minutes' },
  'offsets.retention.check.interval.ms': { flag: 'offsets-retention-check-interval', unit: 'ms' },
  'log.retention.check.interval.ms': { flag: 'log-retention-check-interval', unit: 'ms' },
  'offset.metadata.max.bytes': { flag: 'offset-metadata-max-bytes' },
  'transaction.max.timeout.ms': { flag: 'transaction-max-timeout', unit: 'ms' },
  'transaction.abort.timed.out.transaction.cleanup.interval.ms': { flag: 'transaction-abort-timed-out-interval', unit: 'ms' },
  'transactional.id.expiration.ms': { flag: 'transactional-id-expiration', unit: 'ms' },
  'transaction.remove.expired.transaction.cleanup.interval.ms': { flag: 'transaction-remove-expired-interval', unit: 'ms' },
  'producer.id.expiration.ms': { flag: 'producer-id-expiration', unit: 'ms' },
  'producer.id.expiration.check.interval.ms': { flag: 'producer-id-expiration-check-interval', unit: 'ms' },
  'connections.max.reauth.ms': { flag: 'kafka-reauth-ms', unit: 'ms' },
  'ssl.principal.mapping.rules': { flag: 'kafka-ssl-principal-mapping-rules' },
  'ssl.client.auth': { flag: 'kafka-ssl-client-auth' },
  'allow.everyone.if.no.acl.found': { flag: 'kafka-allow-everyone-if-no-acl' },
  'super.users': { flag: 'kafka-super-users' },
  'sasl.oauthbearer.expected.issuer': { flag: 'kafka-oauth-issuer' },
  'sasl.oauthbearer.expected.audience': { flag: 'kafka-oauth-audience' },
};

/**
 * Broker-wide log settings and the topic config they are the default of; `scale` converts to the
 * topic's unit. Also the dynamic broker configs of the log (core/config/dynamic-broker-configs.ts).
 */
export const TOPIC_DEFAULTS: Readonly<Record<string, { config: string; scale?: number }>> = {
  'log.retention.ms': { config: 'retention.ms' },
  'log.retention.minutes': { config: 'retention.ms', scale: 60_000 },
  'log.retention.hours': { config: 'retention.ms', scale: 3_600_000 },
  'log.retention.bytes': { config: 'retention.bytes' },
  'log.segment.bytes': { config: 'segment.bytes' },
  'log.roll.ms': { config: 'segment.ms' },
  'log.roll.hours': { config: 'segment.ms', scale: 3_600_000 },
  'log.cleanup.policy': { config: 'cleanup.policy' },
  'log.cleaner.delete.retention.ms': { config: 'delete.retention.ms' },
  'log.cleaner.min.compaction.lag.ms': { config: 'min.compaction.lag.ms' },
  'log.cleaner.max.compaction.lag.ms': { config: 'max.compaction.lag.ms' },
  'log.cleaner.min.cleanable.ratio': { config: 'min.cleanable.dirty.ratio' },
  'log.index.interval.bytes': { config: 'index.interval.bytes' },
  'log.message.timestamp.type': { config: 'message.timestamp.type' },
  'log.flush.interval.ms': { config: 'flush.ms' },
};

/** Keys meaningless on a single node (replication, the controller quorum, threads and buffers of Kafka's JVM): warnings. */
const ONE_NODE: readonly RegExp[] = [
  /^process\.roles$/, /^node\.id$/, /^broker\.id$/, /^controller\./, /^inter\.broker\./, /^security\.inter\.broker\.protocol$/,
  /replication\.factor$/, /\.min\.isr$/, /^min\.insync\.replicas$/, /^offsets\.topic\.num\.partitions$/, /^transaction\.state\.log\.num\.partitions$/,
  /^share\.coordinator\./, /^num\.(network|io|replica\.fetchers|recovery\.threads\.per\.data\.dir)\b/, /^socket\.(send|receive)\.buffer\.bytes$/,
  /^replica\./, /^unclean\.leader\.election\.enable$/, /^auto\.leader\.rebalance\.enable$/, /^leader\.imbalance\./,
  /^log\.cleaner\.(threads|enable|io\.|dedupe\.buffer\.size|backoff\.ms)/, /^metadata\.log\./,
  /^sasl\.mechanism\.(inter\.broker|controller)\.protocol$/, /^group\.coordinator\.(threads|append)/, /^broker\.rack$/,
  /^log\.dirs?\.failure/, /^queued\.max\.requests$/, /^delete\.topic\.enable$/,
];

const STANDARD_AUTHORIZER = 'org.apache.kafka.metadata.authorizer.StandardAuthorizer';
const PLAIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule';
const JAAS_MECH = /^listener\.name\.([^.]+)\.([a-z0-9-]+)\.sasl\.jaas\.config$/;

/** One JAAS login module entry: `class flag key="value" ...;` */
export interface JaasEntry {
  readonly module: string;
  readonly flag: string;
  readonly options: Readonly<Record<string, string>>;
}

/** Parses a sasl.jaas.config value (one or more entries ended by ';'). */
export function parseJaas(text: string, key: string): JaasEntry[] {
  const out: JaasEntry[] = [];
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const word = (): string => {
    const start = i;
    while (i < text.length && /[^\s=;"]/.test(text[i]!)) i++;
    return text.slice(start, i);
  };
  for (;;) {
    ws();
    if (i >= text.length) break;
    const module = word();
    ws();
    const flag = word();
    if (module === '' || !/^(required|requisite|sufficient|optional)$/.test(flag)) throw new KafkaConfigError(`${key}: expected "<LoginModule> required key=\\"value\\" ...;"`);
    const options: Record<string, string> = {};
    for (;;) {
      ws();
      if (text[i] === ';') {
        i++;
        break;
      }
      if (i >= text.length) throw new KafkaConfigError(`${key}: the JAAS entry must end with ';'`);
      const name = word();
      ws();
      if (text[i] !== '=' || name === '') throw new KafkaConfigError(`${key}: expected key="value" in the JAAS entry`);
      i++;
      ws();
      let value: string;
      if (text[i] === '"') {
        i++;
        value = '';
        while (i < text.length && text[i] !== '"') {
          if (text[i] === '\\' && i + 1 < text.length) i++;
          value += text[i++];
        }
        if (i >= text.length) throw new KafkaConfigError(`${key}: unterminated quoted value in the JAAS entry`);
        i++;
      } else value = word();
      options[name] = value;
    }
    out.push({ module, flag, options });
  }
  return out;
}

/** The users a PlainLoginModule entry declares (user_<name>="<password>"). */
function plainUsers(text: string, key: string): Record<string, string> {
  const entries = parseJaas(text, key);
  if (entries.length !== 1 || entries[0]!.module !== PLAIN_MODULE) throw new KafkaConfigError(`${key}: expected one ${PLAIN_MODULE} entry`);
  const users: Record<string, string> = {};
  for (const [k, v] of Object.entries(entries[0]!.options)) {
    if (k.startsWith('user_')) users[k.slice(5)] = v;
    // username/password are the broker's own credentials for inter-broker connections: none on one node.
    else if (k !== 'username' && k !== 'password') throw new KafkaConfigError(`${key}: unknown PlainLoginModule option ${k}`);
  }
  return users;
}

function mechanisms(text: string, key: string): SaslMechanism[] {
  const list = text.split(',').map((s) => s.trim().toUpperCase()).filter((s) => s !== '');
  for (const m of list) if (!(SASL_MECHANISMS as readonly string[]).includes(m)) throw new KafkaConfigError(`${key}: unknown or unsupported SASL mechanism ${m} (Wharf serves ${SASL_MECHANISMS.join(', ')})`);
  return list as SaslMechanism[];
}

function number(text: string, key: string): number {
  if (!/^-?\d+$/.test(text.trim())) throw new KafkaConfigError(`${key}: expected a whole number, got ${JSON.stringify(text)}`);
  return Number(text.trim());
}

/** Maps server.properties entries. */
export function mapKafkaProperties(entries: readonly Property[]): KafkaServerConfig {
  const out: KafkaServerConfig = { options: {}, sources: {}, warnings: [] };
  const props = new Map<string, string>();
  for (const e of entries) props.set(e.key, e.value);
  const set = (flag: string, value: unknown, key: string): void => {
    out.options[flag] = value;
    out.sources[flag] = key;
  };
  const used = new Set<string>();
  const take = (key: string): string | undefined => {
    used.add(key);
    return props.get(key);
  };

  // Listeners, their protocols and what they advertise.
  let protocolMap;
  try {
    protocolMap = parseProtocolMap(take('listener.security.protocol.map'));
  } catch (e) {
    throw new KafkaConfigError((e as Error).message);
  }
  const controllerNames = new Set((take('controller.listener.names') ?? '').split(',').map((s) => s.trim().toUpperCase()).filter((s) => s !== ''));
  const listenersText = take('listeners');
  const globalMechanisms = take('sasl.enabled.mechanisms');
  if (globalMechanisms !== undefined) set('kafka-sasl-mechanisms', mechanisms(globalMechanisms, 'sasl.enabled.mechanisms'), 'sasl.enabled.mechanisms');
  const globalJaas = take('sasl.jaas.config');
  if (globalJaas !== undefined) set('kafka-plain-users', plainUsers(globalJaas, 'sasl.jaas.config'), 'sasl.jaas.config');
  if (listenersText !== undefined) {
    let parsed;
    let advertised;
    try {
      parsed = parseListenerList(listenersText, protocolMap).filter((l) => {
        if (!controllerNames.has(l.name)) return true;
        out.warnings.push(`listeners: ${l.name} is the controller's listener; Wharf has no separate controller, it is not opened`);
        return false;
      });
      const adv = take('advertised.listeners');
      advertised = adv === undefined ? [] : parseListenerList(adv, protocolMap, 'advertised.listeners');
    } catch (e) {
      throw new KafkaConfigError((e as Error).message);
    }
    const listeners: KafkaListenerConfig[] = parsed.map((l) => {
      const adv = advertised.find((a) => a.name === l.name);
      const prefix = `listener.name.${l.name.toLowerCase()}.`;
      const mechText = take(`${prefix}sasl.enabled.mechanisms`);
      const listener: { -readonly [K in keyof KafkaListenerConfig]: KafkaListenerConfig[K] } = { name: l.name, host: l.host, port: l.port, protocol: l.protocol };
      if (adv !== undefined) {
        listener.advertisedHost = adv.host === '' ? 'localhost' : adv.host;
        listener.advertisedPort = adv.port;
      }
      if (mechText !== undefined) listener.saslMechanisms = mechanisms(mechText, `${prefix}sasl.enabled.mechanisms`);
      const plain = take(`${prefix}plain.sasl.jaas.config`);
      if (plain !== undefined) listener.plainUsers = plainUsers(plain, `${prefix}plain.sasl.jaas.config`);
      if (!usesSasl(l.protocol) && (mechText !== undefined || plain !== undefined)) out.warnings.push(`${prefix}*: SASL settings of a ${l.protocol} listener have no effect`);
      return listener;
    });
    for (const a of advertised) if (!listeners.some((l) => l.name === a.name)) throw new KafkaConfigError(`advertised.listeners: ${a.name} is not a listener`);
    set('kafka-listeners', listeners, 'listeners');
  } else if (props.has('advertised.listeners')) {
    throw new KafkaConfigError('advertised.listeners: needs listeners');
  }

  // TLS: keystore (PEM or PKCS12), truststore (PEM).
  const ksType = (take('ssl.keystore.type') ?? 'JKS').toUpperCase();
  const ksLocation = take('ssl.keystore.location');
  const ksChain = take('ssl.keystore.certificate.chain');
  const ksKey = take('ssl.keystore.key');
  if (ksLocation !== undefined || ksChain !== undefined) {
    if (ksType !== 'PEM' && ksType !== 'PKCS12') throw new KafkaConfigError(`ssl.keystore.type: ${ksType} keystores are not supported by Wharf; use PEM or PKCS12`);
    set('kafka-ssl-keystore-type', ksType, 'ssl.keystore.type');
    if (ksLocation !== undefined) set('kafka-ssl-keystore', ksLocation, 'ssl.keystore.location');
    if (ksChain !== undefined) {
      if (ksType !== 'PEM' || ksKey === undefined) throw new KafkaConfigError('ssl.keystore.certificate.chain: needs ssl.keystore.type=PEM and ssl.keystore.key');
      set('kafka-ssl-keystore-pem', `${ksKey.trim()}\n${ksChain.trim()}\n`, 'ssl.keystore.certificate.chain');
    }
  } else if (ksKey !== undefined) throw new KafkaConfigError('ssl.keystore.key: needs ssl.keystore.certificate.chain');
  const ksPassword = take('ssl.keystore.password');
  if (ksPassword !== undefined) set('kafka-ssl-keystore-password', ksPassword, 'ssl.keystore.password');
  const keyPassword = take('ssl.key.password');
  if (keyPassword !== undefined) set('kafka-ssl-key-password', keyPassword, 'ssl.key.password');
  const tsType = (take('ssl.truststore.type') ?? 'JKS').toUpperCase();
  const tsLocation = take('ssl.truststore.location');
  const tsCerts = take('ssl.truststore.certificates');
  if (tsLocation !== undefined || tsCerts !== undefined) {
    if (tsType !== 'PEM') throw new KafkaConfigError(`ssl.truststore.type: ${tsType} truststores are not supported by Wharf; use PEM`);
    if (tsLocation !== undefined) set('kafka-ssl-truststore', tsLocation, 'ssl.truststore.location');
    if (tsCerts !== undefined) set('kafka-ssl-truststore-pem', tsCerts, 'ssl.truststore.certificates');
  }
  if (take('ssl.truststore.password') !== undefined) out.warnings.push('ssl.truststore.password: a PEM truststore has no password, ignored');
  const protocols = take('ssl.enabled.protocols');
  if (protocols !== undefined) {
    const list = protocols.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (list.some((p) => p !== 'TLSv1.2' && p !== 'TLSv1.3')) throw new KafkaConfigError(`ssl.enabled.protocols: Wharf serves TLSv1.2 and TLSv1.3 only, got ${protocols}`);
    set('kafka-ssl-min-version', list.includes('TLSv1.2') ? 'TLSv1.2' : 'TLSv1.3', 'ssl.enabled.protocols');
  }
  const sslProtocol = take('ssl.protocol');
  if (sslProtocol !== undefined && sslProtocol !== 'TLSv1.2' && sslProtocol !== 'TLSv1.3' && sslProtocol !== 'TLS') throw new KafkaConfigError(`ssl.protocol: ${sslProtocol} is not supported by Wharf`);
  const endpoint = take('ssl.endpoint.identification.algorithm');
  if (endpoint !== undefined) out.warnings.push('ssl.endpoint.identification.algorithm: a client setting (host name checks of the brokers Wharf would connect to), ignored');

  // Authorization.
  const authorizer = take('authorizer.class.name');
  if (authorizer !== undefined) {
    if (authorizer.trim() === STANDARD_AUTHORIZER) set('kafka-acls', true, 'authorizer.class.name');
    else if (authorizer.trim() !== '') throw new KafkaConfigError(`authorizer.class.name: only ${STANDARD_AUTHORIZER} is supported by Wharf, got ${authorizer}`);
  }

  // OAUTHBEARER validation.
  const jwks = take('sasl.oauthbearer.jwks.endpoint.url');
  if (jwks !== undefined) {
    if (!jwks.startsWith('file:')) throw new KafkaConfigError('sasl.oauthbearer.jwks.endpoint.url: Wharf reads a JWKS file (file:/path), not an HTTP endpoint');
    set('kafka-oauth-jwks-file', decodeURIComponent(jwks.replace(/^file:(\/\/)?/, '')), 'sasl.oauthbearer.jwks.endpoint.url');
  }

  // Log directory.
  const dirs = take('log.dirs') ?? take('log.dir');
  if (dirs !== undefined) {
    const list = dirs.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (list.length !== 1) throw new KafkaConfigError(`log.dirs: Wharf keeps its data in one directory, got ${list.length}`);
    set('data-dir', list[0], props.has('log.dirs') ? 'log.dirs' : 'log.dir');
  }
  used.add('log.dir');
  used.add('advertised.listeners');

  const topicDefaults: Record<string, string> = {};
  for (const e of entries) {
    const key = e.key;
    if (used.has(key)) continue;
    const direct = DIRECT[key];
    if (direct !== undefined) {
      const v = e.value.trim();
      set(direct.flag, direct.unit === 'ms' ? `${number(v, key)}ms` : direct.unit === 'minutes' ? `${number(v, key)}m` : v, key);
      continue;
    }
    const topic = TOPIC_DEFAULTS[key];
    if (topic !== undefined) {
      topicDefaults[topic.config] = topic.scale === undefined ? e.value.trim() : String(number(e.value, key) * topic.scale);
      continue;
    }
    const jaas = JAAS_MECH.exec(key);
    if (jaas !== null) {
      if (jaas[2] === 'scram-sha-256' || jaas[2] === 'scram-sha-512' || jaas[2] === 'oauthbearer') {
        out.warnings.push(`${key}: the broker's own login for inter-broker connections, none on one node; ignored`);
        continue;
      }
      throw new KafkaConfigError(`${key}: ${jaas[1]} is not a listener, or ${jaas[2]} is not a mechanism Wharf serves`);
    }
    if (/^listener\.name\.[^.]+\.oauthbearer\.sasl\.(server\.callback\.handler\.class|login\.callback\.handler\.class)$/.test(key)) {
      if (!/OAuthBearerValidatorCallbackHandler|OAuthBearerLoginCallbackHandler/.test(e.value)) throw new KafkaConfigError(`${key}: only Kafka's own JWT validator is supported by Wharf (OAuthBearerValidatorCallbackHandler)`);
      continue;
    }
    if (ONE_NODE.some((r) => r.test(key))) {
      out.warnings.push(`${key}: has no meaning on one node, ignored`);
      continue;
    }
    throw new KafkaConfigError(`${key}: unknown or unsupported setting`);
  }
  if (Object.keys(topicDefaults).length > 0) set('kafka-topic-defaults', topicDefaults, 'log.*');
  return out;
}

/** Reads and maps a server.properties file. Throws KafkaConfigError naming the file. */
export function readKafkaProperties(path: string): KafkaServerConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new KafkaConfigError(`cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    return mapKafkaProperties(parseProperties(text));
  } catch (e) {
    if (e instanceof KafkaConfigError) throw new KafkaConfigError(`${path}: ${e.message}`);
    throw e;
  }
}
