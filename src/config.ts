// Broker options: one typed record, grouped by the component that uses them (nats, kafka,
// storage, groups, transactions, http, jetstream), shared by the embedding API, the CLI and config files.
// Every option is described once, in OPTIONS below: its flag, where it lives, its default, how
// its human form is parsed and shown. The CLI's help, the README's table and the parsers of
// flags and config files are all derived from that table, so none of them can drift.
//
// Durations are milliseconds and sizes bytes in BrokerOptions; flags and config files accept
// the forms nats-server users know ("2m", "10s", "64MB") and convert them with the parsers here.
import { SubjectMapping, SubjectMappingError, type MappingTable } from './core/routing/subject-mapping.js';
import type { Permissions } from './core/security/principal.js';
import { SubjectPermissions } from './core/security/subject-permissions.js';
import type { NatsAccount, NatsOperatorConfig, NatsUser } from './core/security/nats-users.js';
import { NatsConfigError, readNatsServerConfig } from './core/security/config/nats-server-config.js';
import { KafkaConfigError, readKafkaProperties, type KafkaServerConfig } from './core/security/config/kafka-properties.js';
import { migrationPolicyProblem, parseMigrationPolicy, type MigrationPolicy } from './core/coordinators/group-migration.js';
import { KAFKA_SECURITY_PROTOCOLS, SASL_MECHANISMS, parseListenerList, parseProtocolMap, type KafkaListenerConfig, type SaslMechanism } from './core/security/kafka-listeners.js';

/** What both configuration-file readers give: options by flag name, where each came from, warnings. */
type ConfigFileRead = Pick<KafkaServerConfig, 'options' | 'sources' | 'warnings'>;

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/** How log lines look: pretty on a terminal and JSON otherwise (auto), or always one of them. */
export type LogFormat = 'auto' | 'pretty' | 'json';

/** How appends become durable before they are acknowledged. */
export type FsyncPolicy = 'always' | 'interval' | 'never';

/** Which storage engine holds the log: segment files on local disk, or process memory. */
export type StorageEngineKind = 'local' | 'memory';
/** What recovery does with damage followed by valid batches in a user topic (docs/storage.md, "Recovery"). */
export type DamageRecoveryMode = 'salvage' | 'offline';

/** The NATS client listener. */
export interface NatsOptions {
  /** Interface the listener binds to. */
  host: string;
  /** NATS client port; 0 picks a free port. */
  port: number;
  /** Name reported in INFO and /varz; defaults to the server id. */
  serverName?: string;
  /** Single user/password pair (the password may be a bcrypt hash). */
  user?: string;
  pass?: string;
  /** Token authentication (may be a bcrypt hash). */
  authToken?: string;
  /** Time a new connection has to send a valid CONNECT when auth is on. */
  authTimeout: number;
  maxPayload: number;
  maxConnections: number;
  /** Subscriptions per connection; 0 means unlimited. */
  maxSubscriptions: number;
  maxControlLine: number;
  pingInterval: number;
  maxPingsOut: number;
  /** A write to a client that takes longer than this marks it a slow consumer. */
  writeDeadline: number;
  /** Outbound bytes buffered for one client before it is cut off as a slow consumer. */
  maxPending: number;
  /** Lame-duck mode: how long to spread the closing of client connections over. */
  lameDuckDuration: number;
  /** Lame-duck mode: wait this long before starting to close clients. */
  lameDuckGracePeriod: number;
  /** nats-server's `mappings`: subjects clients publish on are rewritten before routing. */
  mappings?: MappingTable;
  /** A nats-server configuration file read under the other options (`--nats-config`). */
  configFile?: string;
  /** Users of the global account (nats-server's `authorization { users = [...] }`): passwords or nkeys, permissions. */
  users?: readonly NatsUser[];
  /** Permissions of users that have none of their own (`authorization { default_permissions }`). */
  defaultPermissions?: Permissions;
  /** Accounts with their users, exports and imports (nats-server's `accounts` block). */
  accounts?: Readonly<Record<string, NatsAccount>>;
  /** The user a client that presents no credentials is taken for (nats-server's no_auth_user). */
  noAuthUser?: string;
  /** The system account's name. */
  systemAccount?: string;
  /** JWT operator mode with the memory resolver. */
  operator?: NatsOperatorConfig;
  /** TLS on the NATS port: certificate chain and key (PEM files); both or neither. */
  tlsCert?: string;
  tlsKey?: string;
  /** CA certificates (PEM) client certificates are verified against. */
  tlsCa?: string;
  /** Require and verify a client certificate (mutual TLS). */
  tlsVerify: boolean;
  /** nats-server's verify_and_map: the client certificate names the user. */
  tlsMap: boolean;
  /** The TLS handshake comes before INFO (nats-server's handshake_first). */
  tlsHandshakeFirst: boolean;
  /** Time the TLS handshake may take. */
  tlsTimeout: number;
  /** Oldest TLS version accepted. */
  tlsMinVersion: TlsVersion;
}

export type TlsVersion = 'TLSv1.2' | 'TLSv1.3';

/** The Kafka listener. */
export interface KafkaOptions {
  /** Interface the listener binds to. */
  host: string;
  /** Kafka port; 0 picks a free port, -1 disables the listener. */
  port: number;
  /** Host name advertised to clients in Metadata; defaults to the host, or localhost when that is a wildcard. */
  advertisedHost?: string;
  /** Port advertised to clients; defaults to the port the listener is bound to. */
  advertisedPort?: number;
  /** Kafka's auto.create.topics.enable: Metadata and Produce requests create unknown topics. */
  autoCreateTopics: boolean;
  /** Kafka's num.partitions: partitions of auto-created topics and of CreateTopics without a count. */
  numPartitions: number;
  /** Kafka's message.max.bytes: largest record batch, the default of a topic's max.message.bytes. */
  messageMaxBytes: number;
  /** Kafka's socket.request.max.bytes: largest request frame; a larger size prefix closes the connection. */
  maxFrameBytes: number;
  /** Kafka's max.incremental.fetch.session.cache.slots: fetch sessions the broker keeps. */
  fetchSessionCacheSlots: number;
  /** A Kafka server.properties file read under the other options (`--kafka-config`). */
  configFile?: string;
  /** Listeners with their security protocols (Kafka's `listeners`); when set, `host`/`port` open no listener of their own. */
  listeners?: readonly KafkaListenerConfig[];
  /** SASL mechanisms of SASL listeners (Kafka's sasl.enabled.mechanisms). */
  saslMechanisms: readonly SaslMechanism[];
  /** PLAIN users: name → password (a PlainLoginModule's user_<name>). */
  plainUsers?: Readonly<Record<string, string>>;
  /** TLS keystore of SSL listeners: a PEM file (key and certificate chain) or a PKCS12 file. */
  sslKeystore?: string;
  sslKeystoreType: 'PEM' | 'PKCS12';
  /** The keystore's key and chain given inline (PEM), instead of a file. */
  sslKeystorePem?: string;
  sslKeystorePassword?: string;
  /** Password of an encrypted PEM private key. */
  sslKeyPassword?: string;
  /** CA certificates (PEM file) client certificates are verified against. */
  sslTruststore?: string;
  sslTruststorePem?: string;
  /** Kafka's ssl.client.auth. */
  sslClientAuth: 'none' | 'requested' | 'required';
  /** Kafka's ssl.principal.mapping.rules. */
  sslPrincipalMappingRules: string;
  sslMinVersion: TlsVersion;
  /** Principals ("User:alice") allowed everything (Kafka's super.users). */
  superUsers?: string;
  /** ACLs on (Kafka's StandardAuthorizer). */
  acls: boolean;
  /** Kafka's allow.everyone.if.no.acl.found. */
  allowEveryoneIfNoAcl: boolean;
  /** Kafka's connections.max.reauth.ms: 0 never asks clients to re-authenticate. */
  reauthMs: number;
  /** OAUTHBEARER: the JWKS file tokens are verified with, and the issuer and audience they must name. */
  oauthJwksFile?: string;
  oauthIssuer?: string;
  oauthAudience?: string;
  /** Broker-wide defaults of topic configs (Kafka's log.* settings). */
  topicDefaults?: Readonly<Record<string, string>>;
}

/** The storage engine under the log. */
export interface StorageOptions {
  engine: StorageEngineKind;
  /** Directory of the local engine. */
  dataDir: string;
  /** Durability policy of appends (a topic may override it with wharf.fsync). */
  fsync: FsyncPolicy;
  /** Interval of the 'interval' fsync policy. */
  fsyncInterval: number;
  /** Bytes of recently acknowledged batches kept in memory per partition, at most. */
  hotTailBytes: number;
  /** Bytes of hot tails across all partitions (each gets an equal share, up to hotTailBytes). */
  hotTailTotalBytes: number;
  /** Bytes of segment indexes kept in memory across all partitions (local engine). */
  indexMemoryBytes: number;
  /** Period of the log's retention and compaction checks (Kafka's log.retention.check.interval.ms); 0 turns them off. */
  retentionCheckInterval: number;
  /** What recovery does with damaged batches followed by valid ones in a user topic (internal topics always go offline). */
  damageRecovery: DamageRecoveryMode;
}

/** Kafka consumer groups (classic and KIP-848) and their committed offsets. */
export interface GroupOptions {
  /** Kafka's group.min.session.timeout.ms. */
  minSessionTimeout: number;
  /** Kafka's group.max.session.timeout.ms. */
  maxSessionTimeout: number;
  /** Kafka's group.initial.rebalance.delay.ms: the first rebalance of an empty group waits this long for more members. */
  initialRebalanceDelay: number;
  /** Kafka's group.max.size: members per group. */
  maxSize: number;
  /** Kafka's group.consumer.session.timeout.ms (KIP-848 consumer groups). */
  consumerSessionTimeout: number;
  /** Kafka's group.consumer.heartbeat.interval.ms (KIP-848 consumer groups). */
  consumerHeartbeatInterval: number;
  /** Kafka's group.consumer.migration.policy: online conversions between the classic and the consumer group protocols. */
  consumerMigrationPolicy: MigrationPolicy;
  /** Kafka's offsets.retention.minutes: committed offsets of an empty group are removed this long after it became empty. */
  offsetsRetention: number;
  /** Kafka's offsets.retention.check.interval.ms. */
  offsetsRetentionCheckInterval: number;
  /** Kafka's offset.metadata.max.bytes. */
  offsetMetadataMaxBytes: number;
  /** Kafka's group.share.session.timeout.ms (KIP-932 share groups). */
  shareSessionTimeout: number;
  /** Kafka's group.share.heartbeat.interval.ms. */
  shareHeartbeatInterval: number;
  /** Kafka's group.share.record.lock.duration.ms: how long an acquired record stays locked to its member. */
  shareRecordLockDuration: number;
  /** Kafka's group.share.delivery.count.limit: deliveries of a record before it is archived. */
  shareDeliveryCountLimit: number;
  /** Kafka's group.share.partition.max.record.locks: records in flight per share-partition. */
  sharePartitionMaxRecordLocks: number;
  /** Kafka's group.share.max.size: members per share group. */
  shareMaxSize: number;
}

/** Kafka producer ids and transactions. */
export interface TransactionOptions {
  /** Kafka's transaction.max.timeout.ms: longer transaction timeouts are refused. */
  maxTimeout: number;
  /** Kafka's transaction.abort.timed.out.transaction.cleanup.interval.ms. */
  abortTimedOutInterval: number;
  /** Kafka's transactional.id.expiration.ms: idle transactional ids are forgotten after this long. */
  idExpiration: number;
  /** Kafka's transaction.remove.expired.transaction.cleanup.interval.ms: how often idle transactional ids are looked for. */
  removeExpiredInterval: number;
  /** Kafka's producer.id.expiration.ms: a partition forgets a producer id idle this long (no open transaction). */
  producerIdExpiration: number;
  /** Kafka's producer.id.expiration.check.interval.ms. */
  producerIdExpirationCheckInterval: number;
}

/** JetStream: streams over the log and the $JS.API (docs/jetstream.md). */
export interface JetStreamOptions {
  /** Serve JetStream (streams, the $JS.API, PubAcks); off: API requests get no-responders. */
  enabled: boolean;
  /** Bytes memory-storage streams may reserve (nats-server's max_memory_store); -1: no limit. */
  maxMemory: number;
  /** Bytes file-storage streams may reserve (nats-server's max_file_store); -1: no limit. */
  maxStorage: number;
  /** The largest max_ack_pending a consumer may have (nats-server's jetstream.limits.max_ack_pending); 0: no limit. */
  maxAckPending: number;
  /** A JetStream domain: the API is also served on $JS.<domain>.API and PubAcks name it. */
  domain?: string;
  /** Refuse unknown fields in API requests, as nats-server's strict mode; false drops them. */
  strict: boolean;
  /** Bytes appended to a file stream between two index snapshots; 0: only at a clean close; -1: none (docs/jetstream.md 1.18). */
  snapshotBytes: number;
  /** Atomic batch publish (nats-server's jetstream.limits.batch): inactivity timeout in ms. */
  batchTimeout: number;
  /** Messages an atomic batch may hold (batch.max_msgs). */
  batchMaxMsgs: number;
  /** Open atomic batches per stream (batch.max_inflight_per_stream). */
  batchMaxInflightPerStream: number;
  /** Open atomic batches of the server (batch.max_inflight_total). */
  batchMaxInflightTotal: number;
}

/** The monitoring HTTP listener. */
export interface HttpOptions {
  /** Interface the listener binds to: loopback unless opened on purpose (it shows client addresses and names). */
  host: string;
  /** Monitoring port; 0 picks a free port, -1 disables it. */
  port: number;
  /** HTTPS, with the monitor's own certificate or the NATS port's (nats-server's `https`). */
  tls: boolean;
  tlsCert?: string;
  tlsKey?: string;
  /** When the NATS port requires credentials, the monitor requires the same ones (basic auth or a bearer token). */
  auth: boolean;
}

export interface BrokerOptions {
  /** Default interface of every listener (a section's own host overrides it). */
  host: string;
  /** What reading the configuration files noticed (settings without effect), for the log. */
  notices?: readonly string[];
  logLevel: LogLevel;
  logFormat: LogFormat;
  nats: NatsOptions;
  kafka: KafkaOptions;
  storage: StorageOptions;
  groups: GroupOptions;
  transactions: TransactionOptions;
  http: HttpOptions;
  jetstream: JetStreamOptions;
}

export type SectionName = 'nats' | 'kafka' | 'storage' | 'groups' | 'transactions' | 'http' | 'jetstream';

/** What startBroker() takes: any subset of the options, section by section. */
export type BrokerConfig = {
  host?: string;
  logLevel?: LogLevel;
  logFormat?: LogFormat;
  notices?: readonly string[];
} & { [S in SectionName]?: Partial<BrokerOptions[S]> };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

// ---------------------------------------------------------------------------------------------
// Value kinds: how a human form is parsed and how a value is shown in help and docs.

type Parser = (value: unknown, key: string) => unknown;

interface ValueKind {
  parse: Parser;
  show(value: unknown): string;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** Parses "500ms", "10s", "2m", "1h" or a bare number of seconds (as nats-server reads them). */
export function parseDuration(value: unknown, key: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return Math.round(value * 1_000);
  if (typeof value === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(value);
    if (m) return Math.round(Number(m[1]) * DURATION_UNITS[m[2] ?? 's']!);
  }
  throw new ConfigError(`${key}: expected a duration such as 500ms, 10s, 2m or a number of seconds, got ${JSON.stringify(value)}`);
}

/** The shortest exact human form of a duration in ms ("2m", "168h", "500ms"). */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1_000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

const SIZE_UNITS: Record<string, number> = {
  '': 1, b: 1, k: 1_000, kb: 1_024, ki: 1_024, kib: 1_024, m: 1_000_000, mb: 1_048_576, mi: 1_048_576,
  mib: 1_048_576, g: 1_000_000_000, gb: 1_073_741_824, gi: 1_073_741_824, gib: 1_073_741_824,
};

/** Parses "1MB", "64MB", "512KB" or a bare number of bytes. KB/MB/GB are powers of two, as in nats-server. */
export function parseSize(value: unknown, key: string): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  if (typeof value === 'string') {
    const m = /^\s*(\d+)\s*([a-zA-Z]*)\s*$/.exec(value);
    const unit = m ? SIZE_UNITS[m[2]!.toLowerCase()] : undefined;
    if (m && unit !== undefined) return Number(m[1]) * unit;
  }
  throw new ConfigError(`${key}: expected a size such as 1048576, 512KB or 64MB, got ${JSON.stringify(value)}`);
}

/** The shortest exact human form of a size ("64MB", "4KB", "1048588"). */
export function formatSize(bytes: number): string {
  for (const [unit, size] of [['GB', 1_073_741_824], ['MB', 1_048_576], ['KB', 1_024]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}

/** A size, or -1 for no limit. */
const LIMIT: ValueKind = {
  parse(value, key) {
    if (value === -1 || value === '-1') return -1;
    return parseSize(value, key);
  },
  show: (v) => (v === -1 ? '-1' : formatSize(v as number)),
};

function portKind(allowDisable: boolean, allowAny = true): ValueKind {
  return {
    parse(value, key) {
      const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
      const min = allowAny ? 0 : 1;
      if (typeof n === 'number' && Number.isInteger(n) && ((n >= min && n <= 65_535) || (allowDisable && n === -1))) return n;
      if (n === 0) throw new ConfigError(`${key}: must be a port number 1-65535`);
      throw new ConfigError(`${key}: expected a port number 0-65535${allowDisable ? ' or -1 to disable' : ''}, got ${JSON.stringify(value)}`);
    },
    show: String,
  };
}

function countKind(min: number, max = Number.MAX_SAFE_INTEGER): ValueKind {
  return {
    parse(value, key) {
      const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < min) throw new ConfigError(`${key}: expected a whole number >= ${min}, got ${JSON.stringify(value)}`);
      if (n > max) throw new ConfigError(`${key}: at most ${max}, got ${n}`);
      return n;
    },
    show: String,
  };
}

function sizeKind(min: number, max: number, range: string): ValueKind {
  return {
    parse(value, key) {
      const n = parseSize(value, key);
      if (n < min || n > max) throw new ConfigError(`${key}: must be ${range}, got ${n}`);
      return n;
    },
    show: (v) => formatSize(v as number),
  };
}

function durationKind(positive: boolean): ValueKind {
  return {
    parse(value, key) {
      const n = parseDuration(value, key);
      if (positive && n < 1) throw new ConfigError(`${key}: must be positive`);
      return n;
    },
    show: (v) => formatDuration(v as number),
  };
}

const STRING: ValueKind = {
  parse(value, key) {
    if (typeof value === 'string' && value.length > 0) return value;
    throw new ConfigError(`${key}: expected a non-empty string, got ${JSON.stringify(value)}`);
  },
  show: String,
};

const SERVER_NAME: ValueKind = {
  parse(value, key) {
    const s = STRING.parse(value, key) as string;
    if (/\s/.test(s)) throw new ConfigError(`${key}: server name cannot contain spaces`);
    return s;
  },
  show: String,
};

const BOOLEAN: ValueKind = {
  parse(value, key) {
    if (typeof value === 'boolean') return value;
    if (value === 'true') return true;
    if (value === 'false') return false;
    throw new ConfigError(`${key}: expected true or false, got ${JSON.stringify(value)}`);
  },
  show: String,
};

/** A JSON object (a config file's value, or a flag holding JSON) checked by `check`. */
function objectKind(check: (value: object, key: string) => void): ValueKind {
  return {
    parse(value, key) {
      let v = value;
      if (typeof v === 'string') {
        try {
          v = JSON.parse(v) as unknown;
        } catch (e) {
          throw new ConfigError(`${key}: expected a JSON object: ${(e as Error).message}`);
        }
      }
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConfigError(`${key}: expected an object, got ${JSON.stringify(value)}`);
      check(v, key);
      return v;
    },
    show: (v) => JSON.stringify(v),
  };
}

const MAPPINGS = objectKind((table, key) => {
  try {
    SubjectMapping.parse(table as MappingTable);
  } catch (e) {
    if (e instanceof SubjectMappingError) throw new ConfigError(`${key}: ${e.message}`);
    throw e;
  }
});

/** A JSON value (a config file's value, or a flag holding JSON) checked by `check`. */
function jsonKind(what: string, check: (value: unknown, key: string) => void): ValueKind {
  return {
    parse(value, key) {
      let v = value;
      if (typeof v === 'string') {
        try {
          v = JSON.parse(v) as unknown;
        } catch (e) {
          throw new ConfigError(`${key}: expected ${what} as JSON: ${(e as Error).message}`);
        }
      }
      try {
        check(v, key);
      } catch (e) {
        if (e instanceof ConfigError) throw e;
        throw new ConfigError(`${key}: ${(e as Error).message}`);
      }
      return v;
    },
    show: (v) => JSON.stringify(v),
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkPermissions(p: unknown, key: string): void {
  if (!isRecord(p)) throw new ConfigError(`${key}: permissions must be an object`);
  SubjectPermissions.of(p as Permissions);
}

function checkUsers(users: unknown, key: string): void {
  if (!Array.isArray(users)) throw new ConfigError(`${key}: expected an array of users`);
  for (const u of users) {
    if (!isRecord(u)) throw new ConfigError(`${key}: a user must be an object`);
    // A user without a password: named by its TLS certificate with verify_and_map, else a user
    // whose password is empty (as in nats-server).
    const named = typeof u.user === 'string' && (u.password === undefined || typeof u.password === 'string');
    const nkey = typeof u.nkey === 'string' && /^U[A-Z2-7]{55}$/.test(u.nkey);
    if (named === nkey) throw new ConfigError(`${key}: each user needs a user (and a password), or an nkey (not both): ${JSON.stringify(u.user ?? u.nkey)}`);
    if (u.permissions !== undefined) checkPermissions(u.permissions, key);
  }
}

const USERS = jsonKind('an array of users', checkUsers);
const PERMISSIONS = jsonKind('permissions', checkPermissions);
const ACCOUNTS = jsonKind('accounts', (v, key) => {
  if (!isRecord(v)) throw new ConfigError(`${key}: expected an object of accounts by name`);
  for (const [name, a] of Object.entries(v)) {
    if (!isRecord(a)) throw new ConfigError(`${key}.${name}: an account must be an object`);
    if (a.users !== undefined) checkUsers(a.users, `${key}.${name}.users`);
    if (a.defaultPermissions !== undefined) checkPermissions(a.defaultPermissions, `${key}.${name}.defaultPermissions`);
    for (const list of ['exports', 'imports'] as const) {
      if (a[list] !== undefined && !Array.isArray(a[list])) throw new ConfigError(`${key}.${name}.${list}: expected an array`);
    }
  }
});
const OPERATOR = jsonKind('an operator configuration', (v, key) => {
  if (!isRecord(v) || !Array.isArray(v.operators) || !isRecord(v.resolverPreload)) {
    throw new ConfigError(`${key}: expected {"operators": [JWT...], "resolverPreload": {ACCOUNT: JWT}}`);
  }
});

const LISTENERS = jsonKind('listeners', (v, key) => {
  if (!Array.isArray(v)) throw new ConfigError(`${key}: expected an array of listeners`);
  const names = new Set<string>();
  for (const l of v) {
    if (!isRecord(l) || typeof l.name !== 'string' || typeof l.host !== 'string' || typeof l.port !== 'number' || !(KAFKA_SECURITY_PROTOCOLS as readonly unknown[]).includes(l.protocol)) {
      throw new ConfigError(`${key}: each listener needs a name, host, port and a protocol of ${KAFKA_SECURITY_PROTOCOLS.join(', ')}`);
    }
    if (names.has(l.name)) throw new ConfigError(`${key}: listener ${l.name} is given twice`);
    names.add(l.name);
    if (!Number.isInteger(l.port) || l.port < 0 || l.port > 65_535) throw new ConfigError(`${key}: ${l.name}: port out of range`);
  }
});

/** Kafka's listener list ("SASL_SSL://:9093,PLAINTEXT://127.0.0.1:9092"), or the JSON array of listeners. */
const LISTENER_LIST: ValueKind = {
  parse(value, key) {
    if (typeof value === 'string' && !value.trim().startsWith('[')) {
      try {
        return parseListenerList(value, parseProtocolMap(undefined), key);
      } catch (e) {
        throw new ConfigError((e as Error).message);
      }
    }
    return LISTENERS.parse(value, key);
  },
  show: (v) => JSON.stringify(v),
};

const MECHANISMS: ValueKind = {
  parse(value, key) {
    const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',').map((s) => s.trim().toUpperCase()).filter((s) => s !== '') : null;
    if (list === null || list.some((m) => !(SASL_MECHANISMS as readonly unknown[]).includes(m))) {
      throw new ConfigError(`${key}: expected a list of ${SASL_MECHANISMS.join(', ')}, got ${JSON.stringify(value)}`);
    }
    return list;
  },
  show: (v) => (v as string[]).join(','),
};

const STRING_MAP = jsonKind('an object of strings', (v, key) => {
  if (!isRecord(v) || Object.values(v).some((x) => typeof x !== 'string')) throw new ConfigError(`${key}: expected an object whose values are strings`);
});

/** group.consumer.migration.policy: one of Kafka's four values, case-insensitive as Kafka reads it. */
const MIGRATION_POLICY: ValueKind = {
  parse(value, key) {
    const p = typeof value === 'string' ? parseMigrationPolicy(value) : null;
    if (p === null) throw new ConfigError(`${key}: ${migrationPolicyProblem(String(value))}`);
    return p;
  },
  show: String,
};

function choiceKind<T extends string>(choices: readonly T[]): ValueKind {
  return {
    parse(value, key) {
      if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value;
      throw new ConfigError(`${key}: expected one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
    },
    show: String,
  };
}

// ---------------------------------------------------------------------------------------------
// The options table.

/** Where an option lives: a top-level key, or [section, key]. */
type OptionPath = readonly ['host' | 'logLevel' | 'logFormat'] | { [S in SectionName]: readonly [S, keyof BrokerOptions[S] & string] }[SectionName];

export interface OptionSpec {
  /** The flag (--name) and the key of flat config files. */
  flag: string;
  short?: string;
  path: OptionPath;
  kind: ValueKind;
  /** The default; undefined when the option is unset by default. */
  default?: unknown;
  /** How the default is described when it is not a plain value ("the server id"). */
  defaultText?: string;
  /** What the option does, for --help and the README. */
  help: string;
}

export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
export const LOG_FORMATS: readonly LogFormat[] = ['auto', 'pretty', 'json'];
export const FSYNC_POLICIES: readonly FsyncPolicy[] = ['always', 'interval', 'never'];
export const STORAGE_ENGINES: readonly StorageEngineKind[] = ['local', 'memory'];
export const DAMAGE_RECOVERY_MODES: readonly DamageRecoveryMode[] = ['salvage', 'offline'];

export const OPTIONS: readonly OptionSpec[] = [
  { flag: 'host', short: 'a', path: ['host'], kind: STRING, default: '0.0.0.0', help: 'interface every listener binds to' },
  { flag: 'port', short: 'p', path: ['nats', 'port'], kind: portKind(false), default: 4222, help: 'NATS client port (0 picks a free port)' },
  { flag: 'kafka-port', path: ['kafka', 'port'], kind: portKind(true), default: 9092, help: 'Kafka port (0 picks a free port); `-1` disables the Kafka listener' },
  { flag: 'kafka-advertised-host', path: ['kafka', 'advertisedHost'], kind: STRING, defaultText: 'host, or `localhost`', help: 'host name Kafka clients are told to connect to (Metadata); set it when clients reach the broker by another name' },
  { flag: 'kafka-advertised-port', path: ['kafka', 'advertisedPort'], kind: portKind(false, false), defaultText: 'the Kafka port', help: 'port Kafka clients are told to connect to' },
  { flag: 'auto-create-topics', path: ['kafka', 'autoCreateTopics'], kind: BOOLEAN, default: true, help: "Kafka's `auto.create.topics.enable`: Metadata (when the client allows it) and Produce create unknown topics" },
  { flag: 'num-partitions', path: ['kafka', 'numPartitions'], kind: countKind(1, 10_000), default: 1, help: "Kafka's `num.partitions`: partitions of auto-created topics and of CreateTopics without a count" },
  { flag: 'kafka-fetch-session-cache-slots', path: ['kafka', 'fetchSessionCacheSlots'], kind: countKind(0), default: 1000, help: "Kafka's `max.incremental.fetch.session.cache.slots`: incremental fetch sessions (KIP-227) the broker keeps; when full, a new one evicts an idle or smaller one (0 = none: every fetch sends its whole partition list)" },
  { flag: 'message-max-bytes', path: ['kafka', 'messageMaxBytes'], kind: { ...sizeKind(64, 2_147_483_647, 'between 64 bytes and 2GB'), show: String }, default: 1_048_588, help: "Kafka's `message.max.bytes`: largest record batch, the default of each topic's `max.message.bytes`" },
  { flag: 'kafka-max-frame-bytes', path: ['kafka', 'maxFrameBytes'], kind: sizeKind(1024, 2_147_483_647, 'between 1KB and 2GB'), default: 100 * 1024 * 1024, help: "Kafka's `socket.request.max.bytes`: a larger request closes the connection" },
  { flag: 'http-port', short: 'm', path: ['http', 'port'], kind: portKind(true), default: 8222, help: 'monitoring port; `-1` disables' },
  { flag: 'http-host', path: ['http', 'host'], kind: STRING, default: '127.0.0.1', help: 'interface the monitoring port binds to: loopback by default, since it shows client addresses and names; `0.0.0.0` opens it to every interface (not `--host`)' },
  { flag: 'http-tls', path: ['http', 'tls'], kind: BOOLEAN, default: false, help: "HTTPS on the monitoring port, with `--http-tls-cert`/`--http-tls-key` or the NATS port's certificate (nats-server's `https`)" },
  { flag: 'http-tls-cert', path: ['http', 'tlsCert'], kind: STRING, help: 'certificate chain (PEM) of the monitoring port' },
  { flag: 'http-tls-key', path: ['http', 'tlsKey'], kind: STRING, help: 'private key (PEM) of `--http-tls-cert`' },
  { flag: 'http-auth', path: ['http', 'auth'], kind: BOOLEAN, default: true, help: 'when the NATS port requires credentials, monitoring requires the same ones (basic auth with a user and password, or `Authorization: Bearer <token>`); `/healthz` stays open for probes' },
  { flag: 'storage', path: ['storage', 'engine'], kind: choiceKind(STORAGE_ENGINES), default: 'local', help: 'storage engine: `local` (segment files in the data directory) or `memory` (nothing on disk, for tests and embedding)' },
  { flag: 'data-dir', short: 'd', path: ['storage', 'dataDir'], kind: STRING, default: './wharf-data', help: 'storage directory of the local engine' },
  { flag: 'fsync', path: ['storage', 'fsync'], kind: choiceKind(FSYNC_POLICIES), default: 'always', help: 'durability policy of the storage engine: `always`, `interval` or `never`' },
  { flag: 'fsync-interval', path: ['storage', 'fsyncInterval'], kind: durationKind(false), default: 1_000, help: 'flush interval of the `interval` policy' },
  { flag: 'hot-tail-bytes', path: ['storage', 'hotTailBytes'], kind: sizeKind(0, Number.MAX_SAFE_INTEGER, 'a size'), default: 1024 * 1024, help: 'recently acknowledged bytes a partition keeps in memory to serve caught-up consumers without the storage engine (0 = none)' },
  { flag: 'hot-tail-total-bytes', path: ['storage', 'hotTailTotalBytes'], kind: sizeKind(0, Number.MAX_SAFE_INTEGER, 'a size'), default: 32 * 1024 * 1024, help: 'bytes of hot tails across all partitions: each partition gets an equal share, at most `--hot-tail-bytes`' },
  { flag: 'damage-recovery', path: ['storage', 'damageRecovery'], kind: choiceKind(DAMAGE_RECOVERY_MODES), default: 'salvage', help: "what recovery does at start with a damaged record batch followed by valid ones in a user topic's segment: `salvage` cuts out only the damaged bytes (their offsets are lost, logged and counted in `wharf_log_salvaged_*`; the original file is kept as `<base>.log.damaged-<n>`) and keeps every valid batch after them; `offline` takes the partition offline instead. Internal topics (`__*`) always go offline" },
  { flag: 'index-memory-bytes', path: ['storage', 'indexMemoryBytes'], kind: sizeKind(0, Number.MAX_SAFE_INTEGER, 'a size'), default: 16 * 1024 * 1024, help: "bytes of segment indexes the local engine keeps in memory: half shared by the partitions' active segments (sparser past it), half a cache of sealed segments' indexes (read back from their files when evicted)" },
  { flag: 'log-retention-check-interval', path: ['storage', 'retentionCheckInterval'], kind: durationKind(false), default: 30_000, help: "period of the log's retention and compaction checks (Kafka's `log.retention.check.interval.ms`; 0 turns them off): data past `retention.ms` or `retention.bytes` is deleted at the next check, the segment being appended to included" },
  { flag: 'server-name', short: 'n', path: ['nats', 'serverName'], kind: SERVER_NAME, defaultText: 'server id', help: 'name reported in INFO and `/varz`' },
  { flag: 'user', path: ['nats', 'user'], kind: STRING, help: 'a user clients must present (with `--pass`)' },
  { flag: 'pass', path: ['nats', 'pass'], kind: STRING, help: 'the password of `--user` (may be a bcrypt hash)' },
  { flag: 'auth-token', path: ['nats', 'authToken'], kind: STRING, help: 'a token clients must present (may be a bcrypt hash)' },
  { flag: 'auth-timeout', path: ['nats', 'authTimeout'], kind: durationKind(false), default: 2_000, help: 'time a client has to authenticate' },
  { flag: 'max-payload', path: ['nats', 'maxPayload'], kind: sizeKind(1, 64 * 1024 * 1024, 'between 1 byte and 64MB'), default: 1024 * 1024, help: 'largest message payload' },
  { flag: 'max-connections', path: ['nats', 'maxConnections'], kind: countKind(1), default: 64 * 1024, help: 'client connections allowed' },
  { flag: 'max-subscriptions', path: ['nats', 'maxSubscriptions'], kind: countKind(0), default: 0, help: 'subscriptions per connection (0 = unlimited)' },
  { flag: 'max-control-line', path: ['nats', 'maxControlLine'], kind: sizeKind(256, Number.MAX_SAFE_INTEGER, 'at least 256 bytes'), default: 4096, help: 'longest protocol line' },
  { flag: 'ping-interval', path: ['nats', 'pingInterval'], kind: durationKind(true), default: 120_000, help: 'interval of server PINGs' },
  { flag: 'max-pings-out', path: ['nats', 'maxPingsOut'], kind: countKind(1), default: 2, help: 'unanswered PINGs before `Stale Connection`' },
  { flag: 'write-deadline', path: ['nats', 'writeDeadline'], kind: durationKind(true), default: 10_000, help: 'longest a client write may stall before the client is cut off as a slow consumer' },
  { flag: 'max-pending', path: ['nats', 'maxPending'], kind: sizeKind(1024, Number.MAX_SAFE_INTEGER, 'at least 1KB'), default: 64 * 1024 * 1024, help: 'outbound bytes buffered for one client before it is cut off as a slow consumer' },
  { flag: 'lame-duck-duration', path: ['nats', 'lameDuckDuration'], kind: durationKind(false), default: 120_000, help: 'time over which lame duck mode closes clients' },
  { flag: 'lame-duck-grace-period', path: ['nats', 'lameDuckGracePeriod'], kind: durationKind(false), default: 10_000, help: 'wait before lame duck mode starts closing clients' },
  { flag: 'mappings', path: ['nats', 'mappings'], kind: MAPPINGS, help: 'subject mappings as nats-server\'s `mappings` block, as JSON: `{"src.*": "dst.$1", "w": [{"destination": "a", "weight": 60}]}`' },
  { flag: 'nats-config', path: ['nats', 'configFile'], kind: STRING, help: "a nats-server configuration file (its own syntax: blocks, includes, variables, units): listen, limits, `authorization`, `accounts`, nkeys, `operator`/`resolver: MEMORY`, `tls`, `jetstream`; a setting Wharf does not serve is an error naming it; flags override it" },
  { flag: 'nats-host', path: ['nats', 'host'], kind: STRING, defaultText: 'host', help: 'interface the NATS listener binds to' },
  { flag: 'nats-users', path: ['nats', 'users'], kind: USERS, help: 'users of the NATS port as JSON: `[{"user": "a", "password": "p", "permissions": {"publish": {"allow": ["a.>"]}}}, {"nkey": "U..."}]`' },
  { flag: 'nats-default-permissions', path: ['nats', 'defaultPermissions'], kind: PERMISSIONS, help: 'permissions of NATS users that have none of their own, as JSON' },
  { flag: 'nats-accounts', path: ['nats', 'accounts'], kind: ACCOUNTS, help: 'NATS accounts as JSON: `{"A": {"users": [...], "exports": [{"kind": "stream", "subject": "a.>"}], "imports": [...]}}`' },
  { flag: 'no-auth-user', path: ['nats', 'noAuthUser'], kind: STRING, help: "the user a NATS client without credentials is taken for (nats-server's `no_auth_user`)" },
  { flag: 'system-account', path: ['nats', 'systemAccount'], kind: STRING, help: 'name of the system account' },
  { flag: 'nats-operator', path: ['nats', 'operator'], kind: OPERATOR, help: 'JWT operator mode with the memory resolver, as JSON: `{"operators": [JWT], "resolverPreload": {"A...": JWT}}`' },
  { flag: 'tls-cert', path: ['nats', 'tlsCert'], kind: STRING, help: 'certificate chain (PEM) of the NATS port: TLS on (with `--tls-key`); reloaded on SIGHUP' },
  { flag: 'tls-key', path: ['nats', 'tlsKey'], kind: STRING, help: 'private key (PEM) of `--tls-cert`' },
  { flag: 'tls-ca', path: ['nats', 'tlsCa'], kind: STRING, help: 'CA certificates (PEM) that NATS client certificates are verified against' },
  { flag: 'tls-verify', path: ['nats', 'tlsVerify'], kind: BOOLEAN, default: false, help: 'require and verify a NATS client certificate (mutual TLS)' },
  { flag: 'tls-map', path: ['nats', 'tlsMap'], kind: BOOLEAN, default: false, help: "nats-server's `verify_and_map`: the client certificate's subject or SAN names the NATS user" },
  { flag: 'tls-handshake-first', path: ['nats', 'tlsHandshakeFirst'], kind: BOOLEAN, default: false, help: "TLS handshake before INFO (nats-server's `handshake_first`)" },
  { flag: 'tls-timeout', path: ['nats', 'tlsTimeout'], kind: durationKind(true), default: 2_000, help: 'time a NATS TLS handshake may take' },
  { flag: 'tls-min-version', path: ['nats', 'tlsMinVersion'], kind: choiceKind(['TLSv1.2', 'TLSv1.3'] as const), default: 'TLSv1.2', help: 'oldest TLS version of the NATS port: `TLSv1.2` or `TLSv1.3`' },
  { flag: 'kafka-config', path: ['kafka', 'configFile'], kind: STRING, help: "a Kafka `server.properties` file: listeners, SASL, SSL, ACL and topic defaults Wharf serves; an unsupported key is an error naming it; flags override it" },
  { flag: 'kafka-listeners', path: ['kafka', 'listeners'], kind: LISTENER_LIST, defaultText: 'one `PLAINTEXT` listener on `--kafka-port`', help: "Kafka's `listeners`: `PLAINTEXT://:9092,SASL_SSL://:9093` (names are protocols), or a JSON array of `{name, host, port, protocol, advertisedHost, advertisedPort, saslMechanisms, plainUsers}`" },
  { flag: 'kafka-sasl-mechanisms', path: ['kafka', 'saslMechanisms'], kind: MECHANISMS, default: ['PLAIN'], help: "Kafka's `sasl.enabled.mechanisms` of SASL listeners: `PLAIN`, `SCRAM-SHA-256`, `SCRAM-SHA-512`, `OAUTHBEARER`" },
  { flag: 'kafka-plain-users', path: ['kafka', 'plainUsers'], kind: STRING_MAP, help: 'SASL/PLAIN users as JSON, name to password: `{"alice": "secret"}`' },
  { flag: 'kafka-ssl-keystore', path: ['kafka', 'sslKeystore'], kind: STRING, help: "Kafka's `ssl.keystore.location`: key and certificate chain of SSL listeners (PEM or PKCS12 file); reloaded on SIGHUP" },
  { flag: 'kafka-ssl-keystore-type', path: ['kafka', 'sslKeystoreType'], kind: choiceKind(['PEM', 'PKCS12'] as const), default: 'PEM', help: "Kafka's `ssl.keystore.type`: `PEM` or `PKCS12`" },
  { flag: 'kafka-ssl-keystore-pem', path: ['kafka', 'sslKeystorePem'], kind: STRING, help: "Kafka's `ssl.keystore.key` and `ssl.keystore.certificate.chain` inline (PEM)" },
  { flag: 'kafka-ssl-keystore-password', path: ['kafka', 'sslKeystorePassword'], kind: STRING, help: "Kafka's `ssl.keystore.password` (PKCS12)" },
  { flag: 'kafka-ssl-key-password', path: ['kafka', 'sslKeyPassword'], kind: STRING, help: "Kafka's `ssl.key.password` (an encrypted PEM key)" },
  { flag: 'kafka-ssl-truststore', path: ['kafka', 'sslTruststore'], kind: STRING, help: "Kafka's `ssl.truststore.location`: CA certificates (PEM) client certificates are verified against" },
  { flag: 'kafka-ssl-truststore-pem', path: ['kafka', 'sslTruststorePem'], kind: STRING, help: "Kafka's `ssl.truststore.certificates` inline (PEM)" },
  { flag: 'kafka-ssl-client-auth', path: ['kafka', 'sslClientAuth'], kind: choiceKind(['none', 'requested', 'required'] as const), default: 'none', help: "Kafka's `ssl.client.auth`: `none`, `requested` or `required` client certificates" },
  { flag: 'kafka-ssl-principal-mapping-rules', path: ['kafka', 'sslPrincipalMappingRules'], kind: STRING, default: 'DEFAULT', help: "Kafka's `ssl.principal.mapping.rules`: how a client certificate's subject becomes the principal's name" },
  { flag: 'kafka-ssl-min-version', path: ['kafka', 'sslMinVersion'], kind: choiceKind(['TLSv1.2', 'TLSv1.3'] as const), default: 'TLSv1.2', help: 'oldest TLS version of SSL listeners' },
  { flag: 'kafka-super-users', path: ['kafka', 'superUsers'], kind: STRING, help: "Kafka's `super.users`: `User:admin;User:ops`, allowed everything" },
  { flag: 'kafka-acls', path: ['kafka', 'acls'], kind: BOOLEAN, default: false, help: "ACLs on, with the semantics of Kafka's StandardAuthorizer (`authorizer.class.name`)" },
  { flag: 'kafka-allow-everyone-if-no-acl', path: ['kafka', 'allowEveryoneIfNoAcl'], kind: BOOLEAN, default: false, help: "Kafka's `allow.everyone.if.no.acl.found`" },
  { flag: 'kafka-reauth-ms', path: ['kafka', 'reauthMs'], kind: durationKind(false), default: 0, help: "Kafka's `connections.max.reauth.ms`: SASL sessions last this long, then the client re-authenticates; `0` never" },
  { flag: 'kafka-oauth-jwks-file', path: ['kafka', 'oauthJwksFile'], kind: STRING, help: 'OAUTHBEARER: the JWKS file tokens are verified against (`sasl.oauthbearer.jwks.endpoint.url=file:...`)' },
  { flag: 'kafka-oauth-issuer', path: ['kafka', 'oauthIssuer'], kind: STRING, help: "OAUTHBEARER: the issuer tokens must name (`sasl.oauthbearer.expected.issuer`)" },
  { flag: 'kafka-oauth-audience', path: ['kafka', 'oauthAudience'], kind: STRING, help: "OAUTHBEARER: an audience tokens must name (`sasl.oauthbearer.expected.audience`)" },
  { flag: 'kafka-topic-defaults', path: ['kafka', 'topicDefaults'], kind: STRING_MAP, help: 'broker-wide defaults of topic configs as JSON (`{"retention.ms": "86400000"}`; Kafka\'s `log.retention.*`, `log.segment.bytes`, ...)' },
  { flag: 'log-level', short: 'l', path: ['logLevel'], kind: choiceKind(LOG_LEVELS), default: 'info', help: '`trace`, `debug`, `info`, `warn`, `error`, `fatal`, `silent` (SIGHUP reloads it from the config file)' },
  { flag: 'log-format', path: ['logFormat'], kind: choiceKind(LOG_FORMATS), default: 'auto', help: '`auto` (a pretty, coloured line per event on a terminal, JSON lines otherwise), `pretty` or `json`' },
  { flag: 'group-min-session-timeout', path: ['groups', 'minSessionTimeout'], kind: durationKind(true), default: 6_000, help: "shortest session timeout a consumer group member may ask for (Kafka's `group.min.session.timeout.ms`)" },
  { flag: 'group-max-session-timeout', path: ['groups', 'maxSessionTimeout'], kind: durationKind(true), default: 1_800_000, help: 'longest session timeout of a group member (`group.max.session.timeout.ms`)' },
  { flag: 'group-initial-rebalance-delay', path: ['groups', 'initialRebalanceDelay'], kind: durationKind(false), default: 3_000, help: 'the first rebalance of an empty group waits this long for more members (`group.initial.rebalance.delay.ms`)' },
  { flag: 'group-max-size', path: ['groups', 'maxSize'], kind: countKind(1), default: 2_147_483_647, defaultText: 'unlimited', help: 'members per consumer group (`group.max.size`)' },
  { flag: 'group-consumer-session-timeout', path: ['groups', 'consumerSessionTimeout'], kind: durationKind(true), default: 45_000, help: 'session timeout of KIP-848 consumer group members (`group.consumer.session.timeout.ms`)' },
  { flag: 'group-consumer-heartbeat-interval', path: ['groups', 'consumerHeartbeatInterval'], kind: durationKind(true), default: 5_000, help: 'heartbeat interval of KIP-848 consumer group members (`group.consumer.heartbeat.interval.ms`)' },
  { flag: 'group-consumer-migration-policy', path: ['groups', 'consumerMigrationPolicy'], kind: MIGRATION_POLICY, default: 'bidirectional', help: 'online conversion of non-empty groups between the classic and the consumer (KIP-848) protocols: `bidirectional`, `upgrade`, `downgrade` or `disabled` (`group.consumer.migration.policy`)' },
  { flag: 'group-share-session-timeout', path: ['groups', 'shareSessionTimeout'], kind: durationKind(true), default: 45_000, help: 'session timeout of share group members (`group.share.session.timeout.ms`)' },
  { flag: 'group-share-heartbeat-interval', path: ['groups', 'shareHeartbeatInterval'], kind: durationKind(true), default: 5_000, help: 'heartbeat interval of share group members (`group.share.heartbeat.interval.ms`)' },
  { flag: 'group-share-record-lock-duration', path: ['groups', 'shareRecordLockDuration'], kind: durationKind(true), default: 30_000, help: 'how long a record acquired by a share group member stays locked to it (`group.share.record.lock.duration.ms`; a group may set `share.record.lock.duration.ms`)' },
  { flag: 'group-share-delivery-count-limit', path: ['groups', 'shareDeliveryCountLimit'], kind: countKind(2, 10), default: 5, help: 'deliveries of a record to a share group before it is archived (`group.share.delivery.count.limit`)' },
  { flag: 'group-share-partition-max-record-locks', path: ['groups', 'sharePartitionMaxRecordLocks'], kind: countKind(100, 10_000), default: 2_000, help: 'records in flight per share-partition (`group.share.partition.max.record.locks`)' },
  { flag: 'group-share-max-size', path: ['groups', 'shareMaxSize'], kind: countKind(1, 1_000), default: 200, help: 'members per share group (`group.share.max.size`)' },
  { flag: 'offsets-retention', path: ['groups', 'offsetsRetention'], kind: durationKind(true), default: 7 * 24 * 3_600_000, help: 'committed offsets of an empty group are removed this long after it became empty (`offsets.retention.minutes`)' },
  { flag: 'offsets-retention-check-interval', path: ['groups', 'offsetsRetentionCheckInterval'], kind: durationKind(false), default: 600_000, help: 'interval of the expired-offsets check' },
  { flag: 'offset-metadata-max-bytes', path: ['groups', 'offsetMetadataMaxBytes'], kind: { ...sizeKind(0, Number.MAX_SAFE_INTEGER, 'a size'), show: String }, default: 4_096, help: 'largest metadata string of a committed offset' },
  { flag: 'transaction-max-timeout', path: ['transactions', 'maxTimeout'], kind: durationKind(true), default: 900_000, help: 'longest transaction timeout a producer may ask for; longer gets `INVALID_TRANSACTION_TIMEOUT` (`transaction.max.timeout.ms`)' },
  { flag: 'transaction-abort-timed-out-interval', path: ['transactions', 'abortTimedOutInterval'], kind: durationKind(false), default: 10_000, help: 'interval of the check that aborts transactions open longer than their timeout' },
  { flag: 'jetstream', path: ['jetstream', 'enabled'], kind: BOOLEAN, default: true, help: 'serve JetStream: streams over the log, the `$JS.API`, PubAcks; `false`: API requests get no-responders' },
  { flag: 'js-max-memory', path: ['jetstream', 'maxMemory'], kind: LIMIT, default: -1, defaultText: 'unlimited (`-1`)', help: "bytes memory-storage streams may reserve (nats-server's `max_memory_store`); a stream whose `max_bytes` does not fit is refused (10028)" },
  { flag: 'js-max-storage', path: ['jetstream', 'maxStorage'], kind: LIMIT, default: -1, defaultText: 'unlimited (`-1`)', help: "bytes file-storage streams may reserve (nats-server's `max_file_store`); a stream whose `max_bytes` does not fit is refused (10047)" },
  { flag: 'js-max-ack-pending', path: ['jetstream', 'maxAckPending'], kind: countKind(0), default: 0, defaultText: 'no limit (`0`)', help: "largest `max_ack_pending` of a consumer (nats-server's `jetstream.limits.max_ack_pending`): consumers that set none get it when it is below 1000, a larger one is refused (10121)" },
  { flag: 'js-domain', path: ['jetstream', 'domain'], kind: STRING, help: 'JetStream domain: the API is also served on `$JS.<domain>.API` and PubAcks carry it' },
  { flag: 'js-snapshot-bytes', path: ['jetstream', 'snapshotBytes'], kind: LIMIT, default: 64 * 1024 * 1024, help: 'a file stream writes a snapshot of its index after this many bytes appended (and at a clean close), so a restart replays only the log after it; `0`: only at a clean close; `-1`: never (every start replays the whole log)' },
  { flag: 'js-batch-timeout', path: ['jetstream', 'batchTimeout'], kind: durationKind(true), default: 10_000, help: "an atomic or fast batch publish with no message for this long is abandoned (nats-server's `jetstream.limits.batch.timeout`)" },
  { flag: 'js-batch-max-msgs', path: ['jetstream', 'batchMaxMsgs'], kind: countKind(1), default: 1000, help: "messages one atomic batch publish may hold; more is 10199 (`jetstream.limits.batch.max_msgs`)" },
  { flag: 'js-batch-max-inflight-per-stream', path: ['jetstream', 'batchMaxInflightPerStream'], kind: countKind(1), default: 50, help: "open atomic batches per stream; more is 10210 (`jetstream.limits.batch.max_inflight_per_stream`)" },
  { flag: 'js-batch-max-inflight-total', path: ['jetstream', 'batchMaxInflightTotal'], kind: countKind(1), default: 1000, help: "open atomic batches of the server (`jetstream.limits.batch.max_inflight_total`)" },
  { flag: 'js-strict', path: ['jetstream', 'strict'], kind: BOOLEAN, default: true, help: "refuse unknown fields in `$JS.API` requests (nats-server's strict mode); `false` drops them" },
  { flag: 'transactional-id-expiration', path: ['transactions', 'idExpiration'], kind: durationKind(true), default: 7 * 24 * 3_600_000, help: 'idle transactional ids are forgotten after this long (`transactional.id.expiration.ms`)' },
  { flag: 'transaction-remove-expired-interval', path: ['transactions', 'removeExpiredInterval'], kind: durationKind(false), default: 3_600_000, help: 'interval of the check that forgets idle transactional ids (`transaction.remove.expired.transaction.cleanup.interval.ms`)' },
  { flag: 'producer-id-expiration', path: ['transactions', 'producerIdExpiration'], kind: durationKind(true), default: 86_400_000, help: 'a partition forgets the state of a producer id idle this long, unless it has a transaction open (`producer.id.expiration.ms`)' },
  { flag: 'producer-id-expiration-check-interval', path: ['transactions', 'producerIdExpirationCheckInterval'], kind: durationKind(false), default: 600_000, help: 'interval of the check that forgets idle producer ids (`producer.id.expiration.check.interval.ms`)' },
];

/** The option by flag name, and by the camelCase of the flag (both are config-file keys). */
const BY_KEY = new Map<string, OptionSpec>();
for (const o of OPTIONS) {
  BY_KEY.set(o.flag, o);
  BY_KEY.set(canonicalKey(o.flag), o);
}

/** An option's spelling in a config file or a section object ("max-payload", "max_payload", "maxPayload") in camelCase. */
export function canonicalKey(key: string): string {
  return key.replace(/[-_]([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The default shown in help and docs, or '' when the option is unset by default. */
export function defaultText(o: OptionSpec): string {
  if (o.defaultText !== undefined) return o.defaultText;
  return o.default === undefined ? '' : o.kind.show(o.default);
}

function setPath(target: Record<string, unknown>, path: OptionPath, value: unknown): void {
  if (path.length === 1) {
    target[path[0]] = value;
    return;
  }
  const section = (target[path[0]] ??= {}) as Record<string, unknown>;
  section[path[1]] = value;
}

function buildDefaults(): BrokerOptions {
  const out: Record<string, unknown> = { nats: {}, kafka: {}, storage: {}, groups: {}, transactions: {}, http: {}, jetstream: {} };
  for (const o of OPTIONS) if (o.default !== undefined) setPath(out, o.path, o.default);
  return out as unknown as BrokerOptions;
}

function freeze<T extends object>(o: T): Readonly<T> {
  for (const v of Object.values(o)) if (typeof v === 'object' && v !== null) Object.freeze(v);
  return Object.freeze(o);
}

/** Every default, as resolveOptions() fills them in (listener hosts come from `host`). */
export const DEFAULT_OPTIONS: Readonly<BrokerOptions> = freeze(resolveOptions());

/** The option a config-file key or flag name ("max-payload", "max_payload", "maxPayload") names, if any. */
export function findOption(key: string): OptionSpec | undefined {
  return BY_KEY.get(key) ?? BY_KEY.get(canonicalKey(key));
}

const SECTIONS: readonly SectionName[] = ['nats', 'kafka', 'storage', 'groups', 'transactions', 'http', 'jetstream'];

/**
 * Validates a record of raw values, as a config file holds them, and returns typed options.
 * Keys are flag names in any spelling ("max-payload", "max_payload", "maxPayload"), or a
 * section ("nats", "kafka", ...) holding its own keys in the same spellings. A bare number
 * given to a duration key means seconds, as in nats-server's config; callers of startBroker()
 * skip this step and pass milliseconds directly.
 */
export function parseRawOptions(raw: Record<string, unknown>, source: string, label: (key: string) => string = (k) => `${source}: ${k}`): BrokerConfig {
  const out: Record<string, unknown> = {};
  for (const [rawKey, value] of Object.entries(raw)) {
    const section = SECTIONS.find((s) => s === canonicalKey(rawKey));
    if (section !== undefined && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        const key = canonicalKey(k);
        const spec = OPTIONS.find((o) => o.path.length === 2 && o.path[0] === section && o.path[1] === key);
        if (!spec) throw new ConfigError(`${source}: unknown option "${rawKey}.${k}"`);
        setPath(out, spec.path, spec.kind.parse(v, label(`${rawKey}.${k}`)));
      }
      continue;
    }
    const spec = findOption(rawKey);
    if (!spec) throw new ConfigError(`${source}: unknown option "${rawKey}"`);
    setPath(out, spec.path, spec.kind.parse(value, label(rawKey)));
  }
  return out as BrokerConfig;
}

/** Typed option values keyed by their flag's name in camelCase (kafkaPort, dataDir, maxPayload, ...). */
export type OptionsByFlag = Record<string, string | number | boolean | Readonly<Record<string, string>> | undefined>;

/**
 * Places already-typed values given by flag name (in camelCase or kebab-case) into their
 * sections, without parsing: for tools and tests that hold options flat. An unknown name throws.
 */
export function configFromFlags(values: OptionsByFlag): BrokerConfig {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const spec = findOption(key);
    if (!spec) throw new ConfigError(`unknown option "${key}"`);
    setPath(out, spec.path, value);
  }
  return out as BrokerConfig;
}

/** Merges option layers (later ones win), section by section. */
export function mergeConfigs(...layers: BrokerConfig[]): BrokerConfig {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer)) {
      if (v === undefined) continue;
      if ((SECTIONS as readonly string[]).includes(k)) out[k] = { ...(out[k] as object | undefined), ...(v as object) };
      else out[k] = v;
    }
  }
  return out as BrokerConfig;
}

/**
 * The configuration files named by `config` (a nats-server file, a Kafka server.properties) read as
 * a layer under it: what the options name themselves wins over the files.
 */
function withConfigFiles(config: BrokerConfig): { config: BrokerConfig; notices: string[] } {
  const notices: string[] = [];
  const layers: BrokerConfig[] = [];
  /** One file read as a layer: its errors become ConfigErrors, its warnings notices naming it. */
  const readFile = (file: string | undefined, read: (path: string) => ConfigFileRead, FileError: new (...a: never[]) => Error): void => {
    if (file === undefined) return;
    let got: ConfigFileRead;
    try {
      got = read(file);
    } catch (e) {
      if (e instanceof FileError) throw new ConfigError(e.message);
      throw e;
    }
    layers.push(parseRawOptions(got.options, file, (k) => `${file}: ${got.sources[k] ?? k}`));
    notices.push(...got.warnings.map((w) => `${file}: ${w}`));
  };
  readFile(config.nats?.configFile, (f) => readNatsServerConfig(f), NatsConfigError);
  readFile(config.kafka?.configFile, readKafkaProperties, KafkaConfigError);
  if (layers.length === 0) return { config, notices };
  return { config: mergeConfigs(...layers, config), notices };
}

/** Fills defaults, gives each listener the broker's host unless it has its own, and checks the combinations single values cannot. */
export function resolveOptions(given: BrokerConfig = {}): BrokerOptions {
  const { config, notices } = withConfigFiles(given);
  const d = buildDefaults();
  for (const k of Object.keys(config)) {
    if (k !== 'host' && k !== 'logLevel' && k !== 'logFormat' && k !== 'notices' && !(SECTIONS as readonly string[]).includes(k)) throw new ConfigError(`unknown option "${k}"`);
  }
  const pick = <S extends SectionName>(s: S): BrokerOptions[S] => {
    const given = config[s] ?? {};
    const merged: Record<string, unknown> = { ...d[s] };
    for (const [k, v] of Object.entries(given)) if (v !== undefined) merged[k] = v;
    return merged as unknown as BrokerOptions[S];
  };
  const host = config.host ?? d.host;
  const opts: BrokerOptions = {
    host,
    logLevel: config.logLevel ?? d.logLevel,
    logFormat: config.logFormat ?? d.logFormat,
    nats: { ...pick('nats'), host: config.nats?.host ?? host },
    kafka: { ...pick('kafka'), host: config.kafka?.host ?? host },
    storage: pick('storage'),
    groups: pick('groups'),
    transactions: pick('transactions'),
    http: pick('http'),
    jetstream: pick('jetstream'),
  };
  const noticed = [...new Set([...(given.notices ?? []), ...notices])];
  if (noticed.length > 0) opts.notices = noticed;
  const n = opts.nats;
  if ((n.user === undefined) !== (n.pass === undefined)) throw new ConfigError('user and pass must be given together');
  if (n.authToken !== undefined && n.user !== undefined) throw new ConfigError('auth token and user/pass cannot both be set');
  if (n.users !== undefined && (n.user !== undefined || n.authToken !== undefined)) throw new ConfigError('a users list cannot be combined with a single user or a token');
  if (n.noAuthUser !== undefined) {
    const all = [...(n.users ?? []), ...Object.values(n.accounts ?? {}).flatMap((a) => a.users ?? [])];
    if (!all.some((u) => u.user === n.noAuthUser)) throw new ConfigError(`no_auth_user ${JSON.stringify(n.noAuthUser)} is not a configured user`);
  }
  if ((n.tlsCert === undefined) !== (n.tlsKey === undefined)) throw new ConfigError('tls cert and tls key must be given together');
  if (n.tlsMap && n.tlsCa === undefined) throw new ConfigError('tls map (verify_and_map) needs the CA certificates client certificates are verified against (tls ca)');
  if (n.tlsVerify && n.tlsCa === undefined) throw new ConfigError('tls verify needs the CA certificates client certificates are verified against (tls ca)');
  if ((n.tlsVerify || n.tlsMap || n.tlsHandshakeFirst) && n.tlsCert === undefined) throw new ConfigError('tls verify, map and handshake-first need a TLS certificate (tls cert and key)');
  const h = opts.http;
  if ((h.tlsCert === undefined) !== (h.tlsKey === undefined)) throw new ConfigError('http tls cert and http tls key must be given together');
  if (h.tls && h.tlsCert === undefined && n.tlsCert === undefined) throw new ConfigError('http tls needs a certificate: http tls cert and key, or the NATS tls cert and key');
  const k = opts.kafka;
  const listeners = k.listeners ?? [];
  if (listeners.some((l) => l.protocol === 'SSL' || l.protocol === 'SASL_SSL') && k.sslKeystore === undefined && k.sslKeystorePem === undefined) {
    throw new ConfigError('an SSL or SASL_SSL Kafka listener needs a keystore (kafka ssl keystore)');
  }
  if (k.sslKeystoreType === 'PKCS12' && k.sslKeystorePem !== undefined) throw new ConfigError('an inline PEM keystore is not a PKCS12 keystore');
  for (const l of listeners) {
    if (l.protocol !== 'SASL_PLAINTEXT' && l.protocol !== 'SASL_SSL') continue;
    const mechanisms = l.saslMechanisms ?? k.saslMechanisms;
    if (mechanisms.length === 0) throw new ConfigError(`Kafka listener ${l.name}: no SASL mechanism enabled`);
    if (mechanisms.includes('PLAIN') && l.plainUsers === undefined && k.plainUsers === undefined) throw new ConfigError(`Kafka listener ${l.name}: SASL/PLAIN needs users (kafka plain users, or the listener's PlainLoginModule)`);
  }
  if (opts.groups.minSessionTimeout > opts.groups.maxSessionTimeout) {
    throw new ConfigError('group min session timeout must not exceed the group max session timeout');
  }
  return opts;
}
