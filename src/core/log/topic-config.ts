// Topic configuration with Kafka's names and string values (as DescribeConfigs/AlterConfigs and
// CreateTopics carry them), validated and resolved into typed settings. Broker-wide defaults
// apply where a topic sets nothing. Wharf adds `wharf.fsync` (always | interval | never) for the
// durability policy of one topic; `flush.ms` is the interval of the 'interval' policy.
//
// The `wharf.nats.*`, `wharf.jetstream.config`, `wharf.max.msgs` and `wharf.storage` configs
// belong to JetStream's view of a topic (core/streams, docs/jetstream.md 1.1): the log stores
// them like any config, places a topic on the engine `wharf.storage` names, and leaves the
// retention of such a topic to its stream (externalRetention). They are described only when
// set.
import type { FsyncPolicy } from '../../config.js';
import { LogError } from '../records/errors.js';

export interface TopicSettings {
  deletePolicy: boolean;
  compactPolicy: boolean;
  /** -1: keep forever. */
  retentionMs: number;
  /** -1: no size limit. */
  retentionBytes: number;
  segmentBytes: number;
  segmentMs: number;
  maxMessageBytes: number;
  deleteRetentionMs: number;
  minCompactionLagMs: number;
  maxCompactionLagMs: number;
  minCleanableDirtyRatio: number;
  logAppendTime: boolean;
  indexIntervalBytes: number;
  fsync: FsyncPolicy;
  flushMs: number;
  /** A stream enforces this topic's limits itself (exactly, per message): the log's segment retention leaves it alone. */
  externalRetention: boolean;
}

type Kind = 'long' | 'int' | 'ratio' | 'policy' | 'timestampType' | 'fsync' | 'string' | 'boolean' | 'engine';

interface ConfigDef {
  kind: Kind;
  min?: number;
  /** Kafka's default, as a string; null when the broker's options supply it. */
  default: string | null;
  /** Known to Kafka tools and accepted, but without effect in Wharf (yet). */
  inert?: boolean;
  /** Described (DescribeConfigs) only when the topic sets it. */
  hidden?: boolean;
}

// A table without a prototype: a config named "constructor" or "toString" is unknown, not
// Object.prototype's member (CreateTopics accepted those names, found by the reliability work).
export const TOPIC_CONFIGS: Readonly<Record<string, ConfigDef>> = Object.assign(Object.create(null) as Record<string, ConfigDef>, {
  'cleanup.policy': { kind: 'policy', default: 'delete' },
  'retention.ms': { kind: 'long', min: -1, default: '604800000' },
  'retention.bytes': { kind: 'long', min: -1, default: '-1' },
  'segment.bytes': { kind: 'int', min: 1024, default: '1073741824' },
  'segment.ms': { kind: 'long', min: 1, default: '604800000' },
  'max.message.bytes': { kind: 'int', min: 64, default: '1048588' },
  'delete.retention.ms': { kind: 'long', min: 0, default: '86400000' },
  'min.compaction.lag.ms': { kind: 'long', min: 0, default: '0' },
  'max.compaction.lag.ms': { kind: 'long', min: 1, default: '9223372036854775807', inert: true },
  'min.cleanable.dirty.ratio': { kind: 'ratio', default: '0.5' },
  'message.timestamp.type': { kind: 'timestampType', default: 'CreateTime' },
  'index.interval.bytes': { kind: 'int', min: 64, default: '4096' },
  'wharf.fsync': { kind: 'fsync', default: null },
  'flush.ms': { kind: 'long', min: 1, default: null },
  // JetStream's view of the topic (core/streams).
  'wharf.storage': { kind: 'engine', default: '', hidden: true },
  'wharf.nats.subjects': { kind: 'string', default: '', hidden: true },
  'wharf.nats.foreign-subject': { kind: 'string', default: '', hidden: true },
  // The NATS account of a stream topic (core/streams/account-topics.ts); absent: the global account.
  'wharf.nats.account': { kind: 'string', default: '', hidden: true },
  'wharf.jetstream.config': { kind: 'string', default: '', hidden: true },
  'wharf.max.msgs': { kind: 'long', min: -1, default: '-1', hidden: true },
  // Accepted so that Kafka tooling that sets them works; no effect in a single-node broker (yet).
  'compression.type': { kind: 'string', default: 'producer', inert: true },
  'min.insync.replicas': { kind: 'int', min: 1, default: '1', inert: true },
  'unclean.leader.election.enable': { kind: 'boolean', default: 'false', inert: true },
  'flush.messages': { kind: 'long', min: 1, default: '9223372036854775807', inert: true },
  'preallocate': { kind: 'boolean', default: 'false', inert: true },
  'file.delete.delay.ms': { kind: 'long', min: 0, default: '60000', inert: true },
  'segment.index.bytes': { kind: 'int', min: 4, default: '10485760', inert: true },
  'segment.jitter.ms': { kind: 'long', min: 0, default: '0', inert: true },
  'message.timestamp.difference.max.ms': { kind: 'long', min: 0, default: '9223372036854775807', inert: true },
  'message.timestamp.before.max.ms': { kind: 'long', min: 0, default: '9223372036854775807', inert: true },
  'message.timestamp.after.max.ms': { kind: 'long', min: 0, default: '9223372036854775807', inert: true },
  'message.downconversion.enable': { kind: 'boolean', default: 'true', inert: true },
});

function invalid(key: string, value: string, why: string): LogError {
  return new LogError('INVALID_CONFIG', `invalid value ${JSON.stringify(value)} for ${key}: ${why}`);
}

/** Checks one config value; throws INVALID_CONFIG. */
export function validateTopicConfig(key: string, value: string): void {
  const def = TOPIC_CONFIGS[key];
  if (!def) throw new LogError('INVALID_CONFIG', `unknown topic config ${key}`);
  switch (def.kind) {
    case 'long':
    case 'int': {
      if (!/^-?\d+$/.test(value.trim())) throw invalid(key, value, 'expected an integer');
      const n = Number(value);
      if (def.min !== undefined && n < def.min) throw invalid(key, value, `must be at least ${def.min}`);
      if (def.kind === 'int' && n > 2_147_483_647) throw invalid(key, value, 'must fit in 32 bits');
      return;
    }
    case 'ratio': {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw invalid(key, value, 'expected a number between 0 and 1');
      return;
    }
    case 'policy': {
      // An empty list is valid since Kafka 4.2: neither delete nor compact, keep everything.
      if (value.trim() === '') return;
      const parts = value.split(',').map((s) => s.trim());
      if (parts.some((p) => p !== 'delete' && p !== 'compact')) throw invalid(key, value, 'expected delete, compact, both, or empty');
      return;
    }
    case 'timestampType':
      if (value !== 'CreateTime' && value !== 'LogAppendTime') throw invalid(key, value, 'expected CreateTime or LogAppendTime');
      return;
    case 'fsync':
      if (value !== 'always' && value !== 'interval' && value !== 'never') throw invalid(key, value, 'expected always, interval or never');
      return;
    case 'boolean':
      if (value !== 'true' && value !== 'false') throw invalid(key, value, 'expected true or false');
      return;
    case 'engine':
      if (value !== 'local' && value !== 'memory') throw invalid(key, value, 'expected local or memory');
      return;
    case 'string':
      return;
  }
}

export function validateTopicConfigs(configs: Record<string, string>): void {
  for (const [k, v] of Object.entries(configs)) validateTopicConfig(k, v);
}

export interface BrokerLogDefaults {
  fsync: FsyncPolicy;
  fsyncInterval: number;
  /** Broker-wide overrides of Kafka's topic defaults (e.g. {'segment.bytes': '67108864'}). */
  topicDefaults?: Record<string, string>;
}

/** Clamps Kafka's Long.MAX_VALUE-style settings to numbers JS timers and arithmetic handle. */
const num = (s: string): number => Math.min(Number(s), Number.MAX_SAFE_INTEGER);

/** The effective settings of a topic: its own configs over the broker's defaults over Kafka's. */
export function resolveTopicSettings(configs: Record<string, string>, broker: BrokerLogDefaults): TopicSettings {
  const get = (key: string): string => configs[key] ?? broker.topicDefaults?.[key] ?? TOPIC_CONFIGS[key]!.default ?? '';
  const policy = get('cleanup.policy').split(',').map((s) => s.trim());
  return {
    deletePolicy: policy.includes('delete'),
    compactPolicy: policy.includes('compact'),
    retentionMs: num(get('retention.ms')),
    retentionBytes: num(get('retention.bytes')),
    segmentBytes: num(get('segment.bytes')),
    segmentMs: num(get('segment.ms')),
    maxMessageBytes: num(get('max.message.bytes')),
    deleteRetentionMs: num(get('delete.retention.ms')),
    minCompactionLagMs: num(get('min.compaction.lag.ms')),
    maxCompactionLagMs: num(get('max.compaction.lag.ms')),
    minCleanableDirtyRatio: Number(get('min.cleanable.dirty.ratio')),
    // A stream topic stamps the broker's clock: max_age and TTLs never act on a producer's. The
    // one exception is a mirror's topic (CreateTime, which the streams layer allows for mirrors
    // only): only the mirror appends to it, with the times of its origin's messages.
    logAppendTime:
      get('message.timestamp.type') === 'LogAppendTime' ||
      ((configs['wharf.nats.subjects'] !== undefined || configs['wharf.jetstream.config'] !== undefined) && configs['message.timestamp.type'] !== 'CreateTime'),
    indexIntervalBytes: num(get('index.interval.bytes')),
    fsync: (configs['wharf.fsync'] ?? broker.topicDefaults?.['wharf.fsync'] ?? broker.fsync) as FsyncPolicy,
    externalRetention: configs['wharf.nats.subjects'] !== undefined || configs['wharf.jetstream.config'] !== undefined,
    flushMs: configs['flush.ms'] !== undefined ? num(configs['flush.ms']) : broker.topicDefaults?.['flush.ms'] !== undefined ? num(broker.topicDefaults['flush.ms']) : broker.fsyncInterval,
  };
}

/** Every config of a topic with its effective value and whether the topic set it (DescribeConfigs). */
export function describeTopicConfigs(configs: Record<string, string>, broker: BrokerLogDefaults): Array<{ name: string; value: string; isDefault: boolean }> {
  const s = resolveTopicSettings(configs, broker);
  return Object.keys(TOPIC_CONFIGS).filter((name) => !TOPIC_CONFIGS[name]!.hidden || configs[name] !== undefined).map((name) => {
    let value = configs[name] ?? broker.topicDefaults?.[name] ?? TOPIC_CONFIGS[name]!.default;
    if (value === null) value = name === 'wharf.fsync' ? s.fsync : String(s.flushMs);
    return { name, value, isDefault: configs[name] === undefined };
  });
}
