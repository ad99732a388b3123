// Command-line flags and config files, both turned into BrokerOptions through the same
// parsers (config.ts), so a key means the same thing wherever it is written.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, OPTION_PARSERS, parseRawOptions, type BrokerOptions } from '../config.js';

/** Flag name → option key. Every option is settable from the command line. */
const FLAGS: Record<string, { key: keyof BrokerOptions; short?: string; help: string }> = {
  host: { key: 'host', short: 'a', help: 'interface to listen on (default 0.0.0.0)' },
  port: { key: 'port', short: 'p', help: 'NATS client port (default 4222)' },
  'kafka-port': { key: 'kafkaPort', help: 'Kafka port (default 9092, -1 disables)' },
  'kafka-advertised-host': { key: 'kafkaAdvertisedHost', help: 'host Kafka clients are told to connect to (default: host, or localhost)' },
  'kafka-advertised-port': { key: 'kafkaAdvertisedPort', help: 'port Kafka clients are told to connect to (default: the Kafka port)' },
  'auto-create-topics': { key: 'autoCreateTopics', help: 'create unknown topics on Metadata/Produce: true (default) or false' },
  'num-partitions': { key: 'numPartitions', help: 'partitions of auto-created topics and CreateTopics without a count (default 1)' },
  'message-max-bytes': { key: 'messageMaxBytes', help: 'largest record batch, default of max.message.bytes (default 1048588)' },
  'kafka-max-frame-bytes': { key: 'kafkaMaxFrameBytes', help: 'largest Kafka request (default 100MB)' },
  'http-port': { key: 'httpPort', short: 'm', help: 'monitoring port (default 8222, -1 disables)' },
  'data-dir': { key: 'dataDir', short: 'd', help: 'storage directory (default ./wharf-data)' },
  storage: { key: 'storage', help: 'storage engine: local (default, files in --data-dir) or memory (nothing on disk)' },
  'server-name': { key: 'serverName', short: 'n', help: 'server name (default: the server id)' },
  user: { key: 'user', help: 'user required for connections' },
  pass: { key: 'pass', help: 'password required for connections (plain or bcrypt hash)' },
  'auth-token': { key: 'authToken', help: 'token required for connections (plain or bcrypt hash)' },
  'auth-timeout': { key: 'authTimeout', help: 'time to authenticate, e.g. 2s (default 2s)' },
  'max-payload': { key: 'maxPayload', help: 'largest message payload, e.g. 1MB (default 1MB)' },
  'max-connections': { key: 'maxConnections', help: 'client connections allowed (default 65536)' },
  'max-subscriptions': { key: 'maxSubscriptions', help: 'subscriptions per connection, 0 = unlimited (default 0)' },
  'max-control-line': { key: 'maxControlLine', help: 'longest protocol line, e.g. 4KB (default 4096)' },
  'ping-interval': { key: 'pingInterval', help: 'interval of server PINGs, e.g. 2m (default 2m)' },
  'max-pings-out': { key: 'maxPingsOut', help: 'unanswered PINGs before Stale Connection (default 2)' },
  'write-deadline': { key: 'writeDeadline', help: 'longest a write may stall before slow consumer, e.g. 10s' },
  'max-pending': { key: 'maxPending', help: 'outbound bytes buffered per client before slow consumer (default 64MB)' },
  'lame-duck-duration': { key: 'lameDuckDuration', help: 'time to close all clients in lame duck mode (default 2m)' },
  'lame-duck-grace-period': { key: 'lameDuckGracePeriod', help: 'wait before closing clients in lame duck mode (default 10s)' },
  fsync: { key: 'fsync', help: 'durability: always (default), interval or never' },
  'fsync-interval': { key: 'fsyncInterval', help: 'flush interval of the interval policy (default 1s)' },
  'log-level': { key: 'logLevel', short: 'l', help: 'trace, debug, info (default), warn, error, fatal, silent' },
  'group-min-session-timeout': { key: 'groupMinSessionTimeout', help: 'shortest session timeout of a group member (default 6s)' },
  'group-max-session-timeout': { key: 'groupMaxSessionTimeout', help: 'longest session timeout of a group member (default 30m)' },
  'group-initial-rebalance-delay': { key: 'groupInitialRebalanceDelay', help: 'wait for more members before the first rebalance of an empty group (default 3s)' },
  'group-max-size': { key: 'groupMaxSize', help: 'members per consumer group (default unlimited)' },
  'group-consumer-session-timeout': { key: 'groupConsumerSessionTimeout', help: 'session timeout of KIP-848 consumer group members (default 45s)' },
  'group-consumer-heartbeat-interval': { key: 'groupConsumerHeartbeatInterval', help: 'heartbeat interval of KIP-848 consumer group members (default 5s)' },
  'offsets-retention': { key: 'offsetsRetention', help: 'keep committed offsets of an empty group this long (default 168h)' },
  'offsets-retention-check-interval': { key: 'offsetsRetentionCheckInterval', help: 'interval of the expired-offsets check (default 10m)' },
  'offset-metadata-max-bytes': { key: 'offsetMetadataMaxBytes', help: 'largest metadata string of a committed offset (default 4096)' },
  'transaction-max-timeout': { key: 'transactionMaxTimeout', help: 'longest transaction timeout a producer may ask for (default 15m)' },
  'transaction-abort-timed-out-interval': { key: 'transactionAbortTimedOutInterval', help: 'interval of the check that aborts timed-out transactions (default 10s)' },
  'transactional-id-expiration': { key: 'transactionalIdExpiration', help: 'forget transactional ids idle this long (default 168h)' },
};

export interface CliCommand {
  kind: 'run' | 'help' | 'version';
  options: Partial<BrokerOptions>;
}

export function usage(): string {
  const lines = ['Usage: wharf [options]', '', 'Options:'];
  lines.push('  -c, --config <file>          JSON config file with the same keys as the flags');
  for (const [name, f] of Object.entries(FLAGS)) {
    const flag = `${f.short ? `-${f.short}, ` : '    '}--${name} <value>`;
    lines.push(`  ${flag.padEnd(29)}${f.help}`);
  }
  lines.push('  -h, --help                   show this help');
  lines.push('  -v, --version                show the version');
  lines.push('', 'Signals: SIGTERM/SIGINT stop cleanly, SIGUSR2 enters lame duck mode.');
  return lines.join('\n');
}

/** Reads a JSON config file. Keys may be spelled like the flags or in camelCase. */
export function loadConfigFile(path: string): Partial<BrokerOptions> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`config file ${path} must hold a JSON object`);
  }
  return parseRawOptions(raw as Record<string, unknown>, path);
}

/** Parses argv (without node and script). Flags override the config file. */
export function parseCommandLine(argv: string[]): CliCommand {
  const spec: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    config: { type: 'string', short: 'c' },
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean', short: 'v' },
  };
  for (const [name, f] of Object.entries(FLAGS)) spec[name] = { type: 'string', ...(f.short ? { short: f.short } : {}) };
  // "--kafka-port -1" is how users disable a listener; parseArgs would read -1 as a flag.
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    if (a.startsWith('--') && !a.includes('=') && next !== undefined && /^-\d/.test(next)) {
      args.push(`${a}=${next}`);
      i++;
    } else {
      args.push(a);
    }
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args, options: spec, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  if (values.help) return { kind: 'help', options: {} };
  if (values.version) return { kind: 'version', options: {} };
  const options: Partial<BrokerOptions> = typeof values.config === 'string' ? loadConfigFile(values.config) : {};
  for (const [name, f] of Object.entries(FLAGS)) {
    const v = values[name];
    if (typeof v !== 'string') continue;
    (options as Record<string, unknown>)[f.key] = OPTION_PARSERS[f.key](v, `--${name}`);
  }
  return { kind: 'run', options };
}
