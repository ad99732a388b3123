// Broker options: one typed record shared by the embedding API, the CLI and config files.
// Durations are milliseconds and sizes are bytes here; the CLI and config files accept the
// human forms nats-server users know ("2m", "10s", "64MB") and convert with the parsers below.

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/** How appends become durable before they are acknowledged. */
export type FsyncPolicy = 'always' | 'interval' | 'never';

/** Storage engine of the log: on local disk under dataDir, or in memory (nothing on disk). */
export type StorageKind = 'local' | 'memory';

export interface BrokerOptions {
  /** Interface the listeners bind to. */
  host: string;
  /** NATS client port; 0 picks a free port. */
  port: number;
  /** Kafka port; 0 picks a free port, -1 disables the listener. */
  kafkaPort: number;
  /** Host name the Kafka listener advertises to clients in Metadata; defaults to the host, or localhost when that is a wildcard. */
  kafkaAdvertisedHost?: string;
  /** Port the Kafka listener advertises; defaults to the port it is bound to. */
  kafkaAdvertisedPort?: number;
  /** Kafka's auto.create.topics.enable: Metadata and Produce requests create unknown topics. */
  autoCreateTopics: boolean;
  /** Kafka's num.partitions: partitions of auto-created topics and of CreateTopics without a count. */
  numPartitions: number;
  /** Kafka's message.max.bytes: largest record batch, the default of a topic's max.message.bytes. */
  messageMaxBytes: number;
  /** Kafka's socket.request.max.bytes: largest request frame; a larger size prefix closes the connection. */
  kafkaMaxFrameBytes: number;
  /** Monitoring HTTP port; 0 picks a free port, -1 disables it. */
  httpPort: number;
  /** Directory of the embedded storage engine. */
  dataDir: string;
  /** Storage engine: 'local' (segment files in dataDir) or 'memory' (nothing on disk, gone when the process ends). */
  storage: StorageKind;
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
  /** Durability policy of the storage engine. */
  fsync: FsyncPolicy;
  /** Interval of the 'interval' fsync policy. */
  fsyncInterval: number;
  logLevel: LogLevel;
  /** Kafka's group.min.session.timeout.ms: shortest session timeout a classic group member may ask for. */
  groupMinSessionTimeout: number;
  /** Kafka's group.max.session.timeout.ms. */
  groupMaxSessionTimeout: number;
  /** Kafka's group.initial.rebalance.delay.ms: the first rebalance of an empty group waits this long for more members. */
  groupInitialRebalanceDelay: number;
  /** Kafka's group.max.size: members per group. */
  groupMaxSize: number;
  /** Kafka's group.consumer.session.timeout.ms (KIP-848 consumer groups). */
  groupConsumerSessionTimeout: number;
  /** Kafka's group.consumer.heartbeat.interval.ms (KIP-848 consumer groups). */
  groupConsumerHeartbeatInterval: number;
  /** Kafka's offsets.retention.minutes: committed offsets of an empty group are removed this long after it became empty. */
  offsetsRetention: number;
  /** Kafka's offsets.retention.check.interval.ms. */
  offsetsRetentionCheckInterval: number;
  /** Kafka's offset.metadata.max.bytes. */
  offsetMetadataMaxBytes: number;
  /** Kafka's transaction.max.timeout.ms: longer transaction timeouts are refused (INVALID_TRANSACTION_TIMEOUT). */
  transactionMaxTimeout: number;
  /** Kafka's transaction.abort.timed.out.transaction.cleanup.interval.ms. */
  transactionAbortTimedOutInterval: number;
  /** Kafka's transactional.id.expiration.ms: idle transactional ids are forgotten after this long. */
  transactionalIdExpiration: number;
}

export const DEFAULT_OPTIONS: Readonly<BrokerOptions> = Object.freeze({
  host: '0.0.0.0',
  port: 4222,
  kafkaPort: 9092,
  autoCreateTopics: true,
  numPartitions: 1,
  messageMaxBytes: 1_048_588,
  kafkaMaxFrameBytes: 100 * 1024 * 1024,
  httpPort: 8222,
  dataDir: './wharf-data',
  storage: 'local',
  authTimeout: 2_000,
  maxPayload: 1024 * 1024,
  maxConnections: 64 * 1024,
  maxSubscriptions: 0,
  maxControlLine: 4096,
  pingInterval: 120_000,
  maxPingsOut: 2,
  writeDeadline: 10_000,
  maxPending: 64 * 1024 * 1024,
  lameDuckDuration: 120_000,
  lameDuckGracePeriod: 10_000,
  fsync: 'always',
  fsyncInterval: 1_000,
  logLevel: 'info',
  groupMinSessionTimeout: 6_000,
  groupMaxSessionTimeout: 1_800_000,
  groupInitialRebalanceDelay: 3_000,
  groupMaxSize: 2_147_483_647,
  groupConsumerSessionTimeout: 45_000,
  groupConsumerHeartbeatInterval: 5_000,
  offsetsRetention: 7 * 24 * 3_600_000,
  offsetsRetentionCheckInterval: 600_000,
  offsetMetadataMaxBytes: 4_096,
  transactionMaxTimeout: 900_000,
  transactionAbortTimedOutInterval: 10_000,
  transactionalIdExpiration: 7 * 24 * 3_600_000,
});

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
const FSYNC_POLICIES: readonly FsyncPolicy[] = ['always', 'interval', 'never'];
const STORAGE_KINDS: readonly StorageKind[] = ['local', 'memory'];

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

function parsePort(value: unknown, key: string, allowDisable: boolean): number {
  const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n === 'number' && Number.isInteger(n) && ((n >= 0 && n <= 65_535) || (allowDisable && n === -1))) return n;
  throw new ConfigError(`${key}: expected a port number 0-65535${allowDisable ? ' or -1 to disable' : ''}, got ${JSON.stringify(value)}`);
}

function parseCount(value: unknown, key: string, min: number): number {
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n === 'number' && Number.isInteger(n) && n >= min) return n;
  throw new ConfigError(`${key}: expected a whole number >= ${min}, got ${JSON.stringify(value)}`);
}

function parseString(value: unknown, key: string): string {
  if (typeof value === 'string' && value.length > 0) return value;
  throw new ConfigError(`${key}: expected a non-empty string, got ${JSON.stringify(value)}`);
}

function parseBoolean(value: unknown, key: string): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new ConfigError(`${key}: expected true or false, got ${JSON.stringify(value)}`);
}

function parseChoice<T extends string>(value: unknown, key: string, choices: readonly T[]): T {
  if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
  throw new ConfigError(`${key}: expected one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
}

type Parser = (value: unknown, key: string) => unknown;

/**
 * Every option a user can set, by its canonical (camelCase) key, with the parser of its
 * human form. Config files and flags both go through this table, so they cannot drift apart.
 */
export const OPTION_PARSERS: Record<keyof BrokerOptions, Parser> = {
  host: parseString,
  port: (v, k) => parsePort(v, k, false),
  kafkaPort: (v, k) => parsePort(v, k, true),
  kafkaAdvertisedHost: parseString,
  kafkaAdvertisedPort: (v, k) => {
    const n = parsePort(v, k, false);
    if (n === 0) throw new ConfigError(`${k}: must be a port number 1-65535`);
    return n;
  },
  autoCreateTopics: parseBoolean,
  numPartitions: (v, k) => {
    const n = parseCount(v, k, 1);
    if (n > 10_000) throw new ConfigError(`${k}: at most 10000 partitions, got ${n}`);
    return n;
  },
  messageMaxBytes: (v, k) => {
    const n = parseSize(v, k);
    if (n < 64 || n > 2_147_483_647) throw new ConfigError(`${k}: must be between 64 bytes and 2GB, got ${n}`);
    return n;
  },
  kafkaMaxFrameBytes: (v, k) => {
    const n = parseSize(v, k);
    if (n < 1024 || n > 2_147_483_647) throw new ConfigError(`${k}: must be between 1KB and 2GB, got ${n}`);
    return n;
  },
  httpPort: (v, k) => parsePort(v, k, true),
  dataDir: parseString,
  storage: (v, k) => parseChoice(v, k, STORAGE_KINDS),
  serverName: (v, k) => {
    const s = parseString(v, k);
    if (/\s/.test(s)) throw new ConfigError(`${k}: server name cannot contain spaces`);
    return s;
  },
  user: parseString,
  pass: parseString,
  authToken: parseString,
  authTimeout: parseDuration,
  maxPayload: (v, k) => {
    const n = parseSize(v, k);
    if (n < 1 || n > 64 * 1024 * 1024) throw new ConfigError(`${k}: must be between 1 byte and 64MB, got ${n}`);
    return n;
  },
  maxConnections: (v, k) => parseCount(v, k, 1),
  maxSubscriptions: (v, k) => parseCount(v, k, 0),
  maxControlLine: (v, k) => {
    const n = parseSize(v, k);
    if (n < 256) throw new ConfigError(`${k}: must be at least 256 bytes, got ${n}`);
    return n;
  },
  pingInterval: (v, k) => {
    const n = parseDuration(v, k);
    if (n < 1) throw new ConfigError(`${k}: must be positive`);
    return n;
  },
  maxPingsOut: (v, k) => parseCount(v, k, 1),
  writeDeadline: (v, k) => {
    const n = parseDuration(v, k);
    if (n < 1) throw new ConfigError(`${k}: must be positive`);
    return n;
  },
  maxPending: (v, k) => {
    const n = parseSize(v, k);
    if (n < 1024) throw new ConfigError(`${k}: must be at least 1KB, got ${n}`);
    return n;
  },
  lameDuckDuration: parseDuration,
  lameDuckGracePeriod: parseDuration,
  fsync: (v, k) => parseChoice(v, k, FSYNC_POLICIES),
  fsyncInterval: parseDuration,
  logLevel: (v, k) => parseChoice(v, k, LOG_LEVELS),
  groupMinSessionTimeout: positiveDuration,
  groupMaxSessionTimeout: positiveDuration,
  groupInitialRebalanceDelay: parseDuration,
  groupMaxSize: (v, k) => parseCount(v, k, 1),
  groupConsumerSessionTimeout: positiveDuration,
  groupConsumerHeartbeatInterval: positiveDuration,
  offsetsRetention: positiveDuration,
  offsetsRetentionCheckInterval: parseDuration,
  offsetMetadataMaxBytes: parseSize,
  transactionMaxTimeout: positiveDuration,
  transactionAbortTimedOutInterval: parseDuration,
  transactionalIdExpiration: positiveDuration,
};

function positiveDuration(v: unknown, k: string): number {
  const n = parseDuration(v, k);
  if (n < 1) throw new ConfigError(`${k}: must be positive`);
  return n;
}

/** camelCase key for a kebab-case or snake_case spelling ("max-payload", "max_payload"). */
export function canonicalKey(key: string): string {
  return key.replace(/[-_]([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Validates a partial record of raw values (from a config file or flags) and returns typed
 * options. A bare number given to a duration key here means seconds, as in nats-server's
 * config; callers of startBroker() skip this step and pass milliseconds directly.
 */
export function parseRawOptions(raw: Record<string, unknown>, source: string): Partial<BrokerOptions> {
  const out: Record<string, unknown> = {};
  for (const [rawKey, value] of Object.entries(raw)) {
    const key = canonicalKey(rawKey) as keyof BrokerOptions;
    const parser = OPTION_PARSERS[key];
    if (!parser) throw new ConfigError(`${source}: unknown option "${rawKey}"`);
    out[key] = parser(value, `${source}: ${rawKey}`);
  }
  return out as Partial<BrokerOptions>;
}

/** Fills defaults and checks the combinations that single values cannot. */
export function resolveOptions(partial: Partial<BrokerOptions> = {}): BrokerOptions {
  const opts: BrokerOptions = { ...DEFAULT_OPTIONS };
  for (const [k, v] of Object.entries(partial)) {
    if (v !== undefined) (opts as unknown as Record<string, unknown>)[k] = v;
  }
  if ((opts.user === undefined) !== (opts.pass === undefined)) {
    throw new ConfigError('user and pass must be given together');
  }
  if (opts.groupMinSessionTimeout > opts.groupMaxSessionTimeout) {
    throw new ConfigError('group min session timeout must not exceed the group max session timeout');
  }
  if (opts.authToken !== undefined && opts.user !== undefined) {
    throw new ConfigError('auth token and user/pass cannot both be set');
  }
  return opts;
}
