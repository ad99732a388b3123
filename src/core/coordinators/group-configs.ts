// Dynamic configs of groups (Kafka's GROUP config resource, KIP-848/932/1071): the names Kafka
// 4.4 lists for a group, their types, defaults (from the broker's group settings) and checks,
// and the values set per group. DescribeConfigs and IncrementalAlterConfigs on a GROUP resource
// read and change them; the share group coordinator applies the share.* ones (lock duration,
// delivery count limit, in-flight bound, offset reset, isolation level, session timeout and
// heartbeat interval). Overrides are kept by whoever owns their persistence (the share group
// coordinator stores them in `__share_group_state`); this module only knows the rules.

export type GroupConfigKind = 'int' | 'boolean' | 'string' | 'list';

export interface GroupConfigDef {
  kind: GroupConfigKind;
  /** The broker setting it defaults to (Kafka's synonym), for DescribeConfigs. */
  synonym: string;
  /** Checks a value; returns an error message or null. */
  check?: (value: string) => string | null;
}

const atLeast = (min: number) => (v: string): string | null => (/^-?\d+$/.test(v) && Number(v) >= min ? null : `must be an integer >= ${min}`);
const between = (min: number, max: number) => (v: string): string | null => (/^-?\d+$/.test(v) && Number(v) >= min && Number(v) <= max ? null : `must be an integer in [${min}, ${max}]`);
const oneOf = (...allowed: string[]) => (v: string): string | null => (allowed.includes(v) ? null : `must be one of ${allowed.join(', ')}`);

/** ISO-8601 durations as Java's Duration.parse takes them (PnDTnHnMn.nS), in ms; null when invalid or negative. */
export function parseIsoDuration(text: string): number | null {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(text);
  if (!m || text.toUpperCase() === 'P' || text.toUpperCase().endsWith('T')) return null;
  const [, d, h, min, s] = m;
  return (Number(d ?? 0) * 86_400 + Number(h ?? 0) * 3_600 + Number(min ?? 0) * 60 + Number(s ?? 0)) * 1000;
}

const autoOffsetReset = (v: string): string | null => {
  if (v === 'earliest' || v === 'latest') return null;
  if (v.startsWith('by_duration:') && parseIsoDuration(v.slice('by_duration:'.length)) !== null) return null;
  return 'must be earliest, latest or by_duration:<ISO-8601 duration>';
};

/** The GROUP configs Kafka 4.4 describes, in its order. */
export const GROUP_CONFIGS: Readonly<Record<string, GroupConfigDef>> = Object.freeze({
  'consumer.assignment.interval.ms': { kind: 'int', synonym: 'group.consumer.assignment.interval.ms', check: atLeast(0) },
  'consumer.heartbeat.interval.ms': { kind: 'int', synonym: 'group.consumer.heartbeat.interval.ms', check: atLeast(1) },
  'consumer.session.timeout.ms': { kind: 'int', synonym: 'group.consumer.session.timeout.ms', check: atLeast(1) },
  'errors.deadletterqueue.copy.record.enable': { kind: 'boolean', synonym: 'errors.deadletterqueue.copy.record.enable', check: oneOf('true', 'false') },
  'errors.deadletterqueue.topic.name': { kind: 'string', synonym: 'errors.deadletterqueue.topic.name' },
  'share.assignment.interval.ms': { kind: 'int', synonym: 'group.share.assignment.interval.ms', check: atLeast(0) },
  'share.auto.offset.reset': { kind: 'string', synonym: 'share.auto.offset.reset', check: autoOffsetReset },
  'share.delivery.count.limit': { kind: 'int', synonym: 'group.share.delivery.count.limit', check: between(2, 10) },
  'share.heartbeat.interval.ms': { kind: 'int', synonym: 'group.share.heartbeat.interval.ms', check: atLeast(1) },
  'share.isolation.level': { kind: 'string', synonym: 'share.isolation.level', check: oneOf('read_committed', 'read_uncommitted') },
  'share.partition.max.record.locks': { kind: 'int', synonym: 'group.share.partition.max.record.locks', check: between(100, 10_000) },
  'share.record.lock.duration.ms': { kind: 'int', synonym: 'group.share.record.lock.duration.ms', check: between(15_000, 60_000) },
  'share.renew.acknowledge.enable': { kind: 'boolean', synonym: 'share.renew.acknowledge.enable', check: oneOf('true', 'false') },
  'share.session.timeout.ms': { kind: 'int', synonym: 'group.share.session.timeout.ms', check: atLeast(1) },
  'streams.assignment.interval.ms': { kind: 'int', synonym: 'group.streams.assignment.interval.ms', check: atLeast(0) },
  'streams.assignor.name': { kind: 'string', synonym: 'group.streams.assignors' },
  'streams.heartbeat.interval.ms': { kind: 'int', synonym: 'group.streams.heartbeat.interval.ms', check: atLeast(1) },
  'streams.initial.rebalance.delay.ms': { kind: 'int', synonym: 'group.streams.initial.rebalance.delay.ms', check: atLeast(0) },
  'streams.num.standby.replicas': { kind: 'int', synonym: 'group.streams.num.standby.replicas', check: atLeast(0) },
  'streams.rack.aware.assignment.tags': { kind: 'list', synonym: 'group.streams.rack.aware.assignment.tags' },
  'streams.session.timeout.ms': { kind: 'int', synonym: 'group.streams.session.timeout.ms', check: atLeast(1) },
});

/** The broker-wide defaults of the GROUP configs (the share ones come from the broker's options). */
export function groupConfigDefaults(share: { recordLockDurationMs: number; deliveryCountLimit: number; maxRecordLocks: number; sessionTimeoutMs: number; heartbeatIntervalMs: number }, consumer: { sessionTimeoutMs: number; heartbeatIntervalMs: number }): Record<string, string> {
  return {
    'consumer.assignment.interval.ms': '1000',
    'consumer.heartbeat.interval.ms': String(consumer.heartbeatIntervalMs),
    'consumer.session.timeout.ms': String(consumer.sessionTimeoutMs),
    'errors.deadletterqueue.copy.record.enable': 'false',
    'errors.deadletterqueue.topic.name': '',
    'share.assignment.interval.ms': '1000',
    'share.auto.offset.reset': 'latest',
    'share.delivery.count.limit': String(share.deliveryCountLimit),
    'share.heartbeat.interval.ms': String(share.heartbeatIntervalMs),
    'share.isolation.level': 'read_uncommitted',
    'share.partition.max.record.locks': String(share.maxRecordLocks),
    'share.record.lock.duration.ms': String(share.recordLockDurationMs),
    'share.renew.acknowledge.enable': 'true',
    'share.session.timeout.ms': String(share.sessionTimeoutMs),
    'streams.assignment.interval.ms': '1000',
    'streams.assignor.name': 'sticky',
    'streams.heartbeat.interval.ms': '5000',
    'streams.initial.rebalance.delay.ms': '3000',
    'streams.num.standby.replicas': '0',
    'streams.rack.aware.assignment.tags': '',
    'streams.session.timeout.ms': '45000',
  };
}

/** Checks one GROUP config; returns Kafka's INVALID_CONFIG message or null. */
export function checkGroupConfig(name: string, value: string): string | null {
  const def = GROUP_CONFIGS[name];
  if (!def) return `Unknown group config name: ${name}`;
  const why = def.check?.(value) ?? null;
  return why === null ? null : `Invalid value ${value} for configuration ${name}: ${why}`;
}
