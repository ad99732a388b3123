// A JetStream consumer's configuration: its type (nats-server's JSON names; durations as bigint
// nanoseconds, times as RFC 3339 strings), nats-server's defaults (ack_wait 30 s, max_ack_pending
// 1000, max_waiting 512, inactive_threshold 5 s for ephemerals, ...) and its rules, each refused
// with the err_code nats-server v2.15.2 answers (setConsumerConfigDefaults, checkConsumerCfg, the
// work-queue checks and the rules of what an update may change). Pure functions: the
// coordinator applies them, the front-end decodes the JSON before and encodes the result after.
import { isValidSubject, subjectMatches } from '../../routing/subject.js';
import type { JsApiError, StreamConfig } from '../../streams/types.js';
import { ConsumerErrors as E } from './consumer-errors.js';

export type DeliverPolicy = 'all' | 'last' | 'new' | 'by_start_sequence' | 'by_start_time' | 'last_per_subject';
export type AckPolicy = 'none' | 'all' | 'explicit' | 'flow_control';
export type ReplayPolicy = 'instant' | 'original';
export type PriorityPolicy = 'none' | 'overflow' | 'pinned_client' | 'prioritized';

const DELIVER_POLICIES: readonly string[] = ['all', 'last', 'new', 'by_start_sequence', 'by_start_time', 'last_per_subject'];
const ACK_POLICIES: readonly string[] = ['none', 'all', 'explicit', 'flow_control'];
const REPLAY_POLICIES: readonly string[] = ['instant', 'original'];
const PRIORITY_POLICIES: readonly string[] = ['none', 'overflow', 'pinned_client', 'prioritized'];

/** The config as nats-server returns it; optional members are the ones Go's omitempty drops. */
export interface ConsumerConfig {
  durable_name?: string;
  name?: string;
  description?: string;
  deliver_policy: DeliverPolicy;
  opt_start_seq?: number;
  opt_start_time?: string;
  ack_policy: AckPolicy;
  /** ns */
  ack_wait?: bigint;
  max_deliver: number;
  /** ns each */
  backoff?: bigint[];
  filter_subject?: string;
  filter_subjects?: string[];
  replay_policy: ReplayPolicy;
  rate_limit_bps?: number;
  sample_freq?: string;
  max_waiting?: number;
  max_ack_pending?: number;
  flow_control?: boolean;
  headers_only?: boolean;
  max_batch?: number;
  /** ns */
  max_expires?: bigint;
  max_bytes?: number;
  deliver_subject?: string;
  deliver_group?: string;
  /** ns */
  idle_heartbeat?: bigint;
  /** ns */
  inactive_threshold?: bigint;
  num_replicas: number;
  mem_storage?: boolean;
  direct?: boolean;
  metadata?: Record<string, string>;
  pause_until?: string;
  priority_groups?: string[];
  priority_policy?: PriorityPolicy;
  /** ns */
  priority_timeout?: bigint;
}

/** A config as a client sent it, decoded from JSON (unset fields absent). */
export type ConsumerConfigInput = { [K in keyof ConsumerConfig]?: ConsumerConfig[K] };

/** Server-wide JetStream limits that bear on consumers (nats-server's `jetstream { limits {} }`). */
export interface ConsumerServerLimits {
  /** 0 = none. */
  maxAckPending: number;
  /** 0 = none. */
  maxRequestBatch: number;
  /** Consumers the account may have per stream (an account's max_consumers, as nats-server applies it); 0 or absent = none. */
  maxConsumers?: number;
}

export const NO_SERVER_LIMITS: ConsumerServerLimits = Object.freeze({ maxAckPending: 0, maxRequestBatch: 0 });

const SEC = 1_000_000_000n;
export const DEFAULT_ACK_WAIT = 30n * SEC;
/** The heartbeat of an ack_policy flow_control consumer (nats-server's sourceHealthHB, the only one allowed). */
export const FLOW_CONTROL_ACK_HEARTBEAT = 1n * SEC;
export const DEFAULT_MAX_ACK_PENDING = 1000;
export const DEFAULT_MAX_WAITING = 512;
export const DEFAULT_INACTIVE_THRESHOLD = 5n * SEC;
export const DEFAULT_PINNED_TTL = 120n * SEC;
const MAX_NAME_LEN = 255;
const MAX_DESCRIPTION_LEN = 4 * 1024;
const MAX_METADATA_LEN = 128 * 1024;
const GROUP_NAME = /^[a-zA-Z0-9/_=-]{1,16}$/;
/** Metadata keys the server fills in on the way out and never stores. */
export const METADATA_SERVER_VERSION = '_nats.ver';
export const METADATA_SERVER_LEVEL = '_nats.level';
export const METADATA_REQUIRED_LEVEL = '_nats.req.level';

/** A consumer or stream name as nats-server accepts it: no '.', '*', '>', path separators or whitespace. */
export function isValidAssetName(name: string): boolean {
  return name.length > 0 && !/[.*>\\/\s]/.test(name);
}

/** The durable name, or the name when only that is set (nats-server's isDurableConsumer uses durable_name only). */
export function isDurable(cfg: ConsumerConfigInput): boolean {
  return typeof cfg.durable_name === 'string' && cfg.durable_name.length > 0;
}

export function isPush(cfg: ConsumerConfigInput): boolean {
  return typeof cfg.deliver_subject === 'string' && cfg.deliver_subject.length > 0;
}

/** The consumer's filters: filter_subject alone, or filter_subjects. */
export function filtersOf(cfg: ConsumerConfigInput): string[] {
  if (cfg.filter_subject !== undefined && cfg.filter_subject !== '') return [cfg.filter_subject];
  return cfg.filter_subjects ? [...cfg.filter_subjects] : [];
}

/** Whether some subject matches both a and b (nats-server's subjectIsSubsetMatch both ways, or overlap). */
export function subjectsOverlap(a: string, b: string): boolean {
  const ta = a.split('.');
  const tb = b.split('.');
  for (let i = 0; i < Math.max(ta.length, tb.length); i++) {
    const x = ta[i];
    const y = tb[i];
    if (x === '>' || y === '>') return x !== undefined && y !== undefined;
    if (x === undefined || y === undefined) return false;
    if (x === '*' || y === '*') continue;
    if (x !== y) return false;
  }
  return true;
}

/** Go's time.Duration String() for whole values ("10s", "1m30s", "500ms"), as nats-server prints limits. */
export function goDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const neg = ns < 0n;
  let v = neg ? -ns : ns;
  let out: string;
  if (v < SEC) {
    if (v < 1000n) out = `${v}ns`;
    else if (v < 1_000_000n) out = `${trimFrac(v, 1000n)}µs`;
    else out = `${trimFrac(v, 1_000_000n)}ms`;
  } else {
    const h = v / (3600n * SEC);
    v -= h * 3600n * SEC;
    const m = v / (60n * SEC);
    v -= m * 60n * SEC;
    const s = trimFrac(v, SEC);
    out = h > 0n ? `${h}h${m}m${s}s` : m > 0n ? `${m}m${s}s` : `${s}s`;
  }
  return neg ? `-${out}` : out;
}

function trimFrac(v: bigint, unit: bigint): string {
  const whole = v / unit;
  const frac = v % unit;
  if (frac === 0n) return whole.toString();
  const digits = unit.toString().length - 1;
  return `${whole}.${frac.toString().padStart(digits, '0').replace(/0+$/, '')}`;
}

/** The API level a config requires (`_nats.req.level`): 1 for pause and priority groups. */
function requiredLevel(cfg: ConsumerConfigInput): number {
  let level = 0;
  if (cfg.pause_until !== undefined && cfg.pause_until !== '0001-01-01T00:00:00Z') level = 1;
  if ((cfg.priority_policy !== undefined && cfg.priority_policy !== 'none') || (cfg.priority_timeout ?? 0n) !== 0n || (cfg.priority_groups?.length ?? 0) > 0) level = 1;
  return level;
}

/** Sets `_nats.req.level` and drops the keys the server fills in on the way out (setStaticConsumerMetadata). */
export function setStaticMetadata(cfg: ConsumerConfig): void {
  const md: Record<string, string> = { ...(cfg.metadata ?? {}) };
  delete md[METADATA_SERVER_VERSION];
  delete md[METADATA_SERVER_LEVEL];
  md[METADATA_REQUIRED_LEVEL] = String(requiredLevel(cfg));
  cfg.metadata = md;
}

/**
 * Pedantic mode (a create request with `"pedantic": true`): nats-server refuses, instead of
 * adjusting, a config that its defaults would change (setConsumerConfigDefaults' pedantic
 * checks, in its order). Null when withDefaults would change nothing it checks.
 */
export function pedanticError(input: ConsumerConfigInput, stream: StreamConfig, limits: ConsumerServerLimits): JsApiError | null {
  const md = input.max_deliver ?? 0;
  if (md < -1) return E.pedantic('max_deliver must be set to -1');
  if ((input.max_waiting ?? 0) < 0) return E.pedantic('max_waiting must not be negative');
  if ((input.max_ack_pending ?? 0) < -1) return E.pedantic('max_ack_pending must be set to -1');
  if ((input.max_batch ?? 0) < 0) return E.pedantic('max_batch must not be negative');
  if ((input.max_expires ?? 0n) < 0n) return E.pedantic('max_expires must not be negative');
  if ((input.max_bytes ?? 0) < 0) return E.pedantic('max_bytes must not be negative');
  if ((input.idle_heartbeat ?? 0n) < 0n) return E.pedantic('idle_heartbeat must not be negative');
  if ((input.inactive_threshold ?? 0n) < 0n) return E.pedantic('inactive_threshold must not be negative');
  if ((input.priority_timeout ?? 0n) < 0n) return E.pedantic('priority_timeout must not be negative');
  if (input.backoff !== undefined && input.backoff.length > 0) {
    const explicit = input.ack_policy === 'explicit' || input.ack_policy === 'all';
    const ackWait = (input.ack_wait ?? 0n) === 0n && explicit ? DEFAULT_ACK_WAIT : (input.ack_wait ?? 0n);
    if (ackWait !== input.backoff[0]) return E.pedantic('first backoff value has to equal batch AckWait');
  }
  if ((input.max_ack_pending ?? 0) === 0 && (stream.consumer_limits.max_ack_pending ?? 0) > 0) return E.pedantic("max_ack_pending must be set if it's configured in stream limits");
  if ((input.inactive_threshold ?? 0n) === 0n && (stream.consumer_limits.inactive_threshold ?? 0n) > 0n) return E.pedantic("inactive_threshold must be set if it's configured in stream limits");
  if (!isPush(input) && (input.max_batch ?? 0) === 0 && limits.maxRequestBatch > 0) return E.pedantic("max_request_batch must be set if it's JetStream limits are set");
  return null;
}

/** A copy of the input with nats-server's defaults filled in (setConsumerConfigDefaults); pedantic mode's refusals are pedanticError's. */
export function withDefaults(input: ConsumerConfigInput, stream: StreamConfig, limits: ConsumerServerLimits, pedantic = false): ConsumerConfig {
  const cfg: ConsumerConfig = {
    ...input,
    deliver_policy: input.deliver_policy ?? 'all',
    ack_policy: input.ack_policy ?? 'none',
    replay_policy: input.replay_policy ?? 'instant',
    max_deliver: input.max_deliver ?? 0,
    num_replicas: input.num_replicas ?? 0,
  };
  if (cfg.max_deliver === 0 || cfg.max_deliver < -1) cfg.max_deliver = -1;
  if ((cfg.max_waiting ?? 0) < 0) delete cfg.max_waiting;
  if ((cfg.max_ack_pending ?? 0) < -1) cfg.max_ack_pending = -1;
  if ((cfg.max_batch ?? 0) < 0) delete cfg.max_batch;
  if ((cfg.max_expires ?? 0n) < 0n) delete cfg.max_expires;
  if ((cfg.max_bytes ?? 0) < 0) delete cfg.max_bytes;
  if ((cfg.idle_heartbeat ?? 0n) < 0n) delete cfg.idle_heartbeat;
  if ((cfg.inactive_threshold ?? 0n) < 0n) delete cfg.inactive_threshold;
  if ((cfg.priority_timeout ?? 0n) < 0n) delete cfg.priority_timeout;

  if (!isPush(cfg) && (cfg.max_waiting ?? 0) === 0) cfg.max_waiting = DEFAULT_MAX_WAITING;
  if ((cfg.ack_wait ?? 0n) === 0n && (cfg.ack_policy === 'explicit' || cfg.ack_policy === 'all')) cfg.ack_wait = DEFAULT_ACK_WAIT;
  if (cfg.backoff !== undefined && cfg.backoff.length > 0) cfg.ack_wait = cfg.backoff[0];
  if ((cfg.max_ack_pending ?? 0) === 0 && (stream.consumer_limits.max_ack_pending ?? 0) !== 0) cfg.max_ack_pending = stream.consumer_limits.max_ack_pending;
  if ((cfg.inactive_threshold ?? 0n) === 0n && (stream.consumer_limits.inactive_threshold ?? 0n) !== 0n) cfg.inactive_threshold = stream.consumer_limits.inactive_threshold;
  if ((cfg.max_ack_pending ?? 0) === 0 && cfg.ack_policy !== 'none') {
    let pending = DEFAULT_MAX_ACK_PENDING;
    if (limits.maxAckPending > 0 && limits.maxAckPending < pending) pending = limits.maxAckPending;
    cfg.max_ack_pending = pending;
  }
  if (!isPush(cfg) && (cfg.max_batch ?? 0) === 0 && limits.maxRequestBatch > 0) cfg.max_batch = limits.maxRequestBatch;
  if (cfg.priority_policy === 'pinned_client' && (cfg.priority_timeout ?? 0n) === 0n) cfg.priority_timeout = DEFAULT_PINNED_TTL;
  // Ephemerals always have an inactivity threshold (updateInactiveThreshold).
  if (!isDurable(cfg) && (cfg.inactive_threshold ?? 0n) === 0n) cfg.inactive_threshold = DEFAULT_INACTIVE_THRESHOLD;
  // ack_policy flow_control (ADR-60): nats-server sets flow control and the sourcing heartbeat
  // (1 s) itself, whatever was given, unless pedantic (then checkConfig refuses what is missing).
  if (cfg.ack_policy === 'flow_control' && !pedantic) {
    cfg.flow_control = true;
    cfg.idle_heartbeat = FLOW_CONTROL_ACK_HEARTBEAT;
  }
  return dropZeroes(cfg);
}

type OptionalKey = { [K in keyof ConsumerConfig]-?: undefined extends ConsumerConfig[K] ? K : never }[keyof ConsumerConfig];

/** The fields nats-server always writes (no omitempty). */
const REQUIRED: ReadonlySet<string> = new Set(['deliver_policy', 'ack_policy', 'replay_policy', 'max_deliver', 'num_replicas']);

function isZero(v: unknown): boolean {
  return v === undefined || v === '' || v === 0 || v === 0n || v === false || (Array.isArray(v) && v.length === 0);
}

/** Go's omitempty: zero values of optional fields are not part of the config. */
function dropZeroes(cfg: ConsumerConfig): ConsumerConfig {
  const out: ConsumerConfig = { ...cfg };
  for (const k of Object.keys(out) as OptionalKey[]) {
    if (REQUIRED.has(k)) continue;
    const v = out[k];
    if (isZero(v) || (k === 'priority_policy' && v === 'none') || (k === 'metadata' && v !== undefined && Object.keys(v).length === 0)) delete out[k];
  }
  return out;
}

/** A config as JSON (durations as decimal strings), for the durable record. */
export function configToRecord(cfg: ConsumerConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(cfg)) {
    if (v === undefined) continue;
    if (typeof v === 'bigint') out[k] = v.toString();
    else if (Array.isArray(v)) out[k] = v.map((x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
    else out[k] = v;
  }
  return out;
}

function enumValue<T extends string>(v: unknown, allowed: readonly T[], fallback: T): T {
  return typeof v === 'string' && (allowed as readonly string[]).includes(v) ? (v as T) : fallback;
}

/** The config of a durable record (the inverse of configToRecord); unknown or bad fields are dropped. */
export function configFromRecord(v: Record<string, unknown>): ConsumerConfig {
  const str = (k: string): string | undefined => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const num = (k: string): number | undefined => (typeof v[k] === 'number' ? (v[k] as number) : undefined);
  const bool = (k: string): boolean | undefined => (typeof v[k] === 'boolean' ? (v[k] as boolean) : undefined);
  const dur = (k: string): bigint | undefined => (typeof v[k] === 'string' && /^-?\d+$/.test(v[k] as string) ? BigInt(v[k] as string) : undefined);
  const strs = (k: string): string[] | undefined => (Array.isArray(v[k]) ? (v[k] as unknown[]).map(String) : undefined);
  const md = v.metadata;
  const cfg: ConsumerConfig = {
    durable_name: str('durable_name'),
    name: str('name'),
    description: str('description'),
    deliver_policy: enumValue<DeliverPolicy>(v.deliver_policy, ['all', 'last', 'new', 'by_start_sequence', 'by_start_time', 'last_per_subject'], 'all'),
    opt_start_seq: num('opt_start_seq'),
    opt_start_time: str('opt_start_time'),
    ack_policy: enumValue<AckPolicy>(v.ack_policy, ['none', 'all', 'explicit', 'flow_control'], 'none'),
    ack_wait: dur('ack_wait'),
    max_deliver: num('max_deliver') ?? -1,
    backoff: Array.isArray(v.backoff) ? (v.backoff as unknown[]).map((x) => BigInt(String(x))) : undefined,
    filter_subject: str('filter_subject'),
    filter_subjects: strs('filter_subjects'),
    replay_policy: enumValue<ReplayPolicy>(v.replay_policy, ['instant', 'original'], 'instant'),
    rate_limit_bps: num('rate_limit_bps'),
    sample_freq: str('sample_freq'),
    max_waiting: num('max_waiting'),
    max_ack_pending: num('max_ack_pending'),
    flow_control: bool('flow_control'),
    headers_only: bool('headers_only'),
    max_batch: num('max_batch'),
    max_expires: dur('max_expires'),
    max_bytes: num('max_bytes'),
    deliver_subject: str('deliver_subject'),
    deliver_group: str('deliver_group'),
    idle_heartbeat: dur('idle_heartbeat'),
    inactive_threshold: dur('inactive_threshold'),
    num_replicas: num('num_replicas') ?? 0,
    mem_storage: bool('mem_storage'),
    direct: bool('direct'),
    metadata: md !== null && typeof md === 'object' && !Array.isArray(md) ? Object.fromEntries(Object.entries(md).map(([k, x]) => [k, String(x)])) : undefined,
    pause_until: str('pause_until'),
    priority_groups: strs('priority_groups'),
    priority_policy: v.priority_policy === undefined ? undefined : enumValue<PriorityPolicy>(v.priority_policy, ['none', 'overflow', 'pinned_client', 'prioritized'], 'none'),
    priority_timeout: dur('priority_timeout'),
  };
  for (const k of Object.keys(cfg) as OptionalKey[]) if (cfg[k] === undefined) delete cfg[k];
  return cfg;
}

/** Whether a push consumer's deliver subject would receive the stream's own messages (a cycle). */
function deliveryFormsCycle(stream: StreamConfig, deliver: string): boolean {
  for (const s of stream.subjects ?? [stream.name]) if (subjectMatches(s, deliver)) return true;
  return false;
}

/** checkConsumerCfg: the rules of a single config, in nats-server's order. */
export function checkConfig(cfg: ConsumerConfig, stream: StreamConfig, limits: ConsumerServerLimits): JsApiError | null {
  if (cfg.name !== undefined && !isValidAssetName(cfg.name)) return E.invalidConfig("consumer name can not contain '.', '*', '>', '\\', '/'");
  if (cfg.durable_name !== undefined && !isValidAssetName(cfg.durable_name)) return E.invalidConfig("consumer durable name can not contain '.', '*', '>', '\\', '/'");
  if (cfg.num_replicas > 0 && cfg.num_replicas > stream.num_replicas) return E.replicasExceedStream();
  if (cfg.num_replicas < 0) return E.create('replicas count cannot be negative');
  if ((stream.retention === 'interest' || stream.retention === 'workqueue') && cfg.num_replicas !== 0 && cfg.num_replicas !== stream.num_replicas) return E.replicasShouldMatchStream();
  if (!ACK_POLICIES.includes(cfg.ack_policy)) return E.ackPolicyInvalid();
  if (!REPLAY_POLICIES.includes(cfg.replay_policy)) return E.replayPolicyInvalid();
  for (const b of cfg.backoff ?? []) if (b < 0n) return E.backoffNegative();
  if ((cfg.ack_wait ?? 0n) < 0n) return E.ackWaitNegative();
  if (cfg.ack_policy === 'flow_control') {
    if (!isPush(cfg)) return E.ackFcRequiresPush();
    if (cfg.flow_control !== true) return E.ackFcRequiresFc();
    if ((cfg.idle_heartbeat ?? 0n) !== FLOW_CONTROL_ACK_HEARTBEAT) return E.invalidConfig('flow control ack policy heartbeat needs to be 1s');
    if ((cfg.max_ack_pending ?? 0) <= 0) return E.ackFcRequiresMaxAckPending();
    if ((cfg.ack_wait ?? 0n) !== 0n || (cfg.backoff?.length ?? 0) > 0) return E.ackFcRequiresNoAckWait();
    if (cfg.max_deliver > 0) return E.ackFcRequiresNoMaxDeliver();
  }
  const backoffs = cfg.backoff?.length ?? 0;
  if (backoffs > 0 && cfg.max_deliver !== -1 && backoffs > cfg.max_deliver) return E.maxDeliverBackoff();
  if ((cfg.description?.length ?? 0) > MAX_DESCRIPTION_LEN) return E.descriptionTooLong(MAX_DESCRIPTION_LEN);
  if (isPush(cfg)) {
    const d = cfg.deliver_subject!;
    if (/(^|\.)[*>](\.|$)/.test(d)) return E.deliverToWildcards();
    if (!isValidSubject(d)) return E.invalidDeliverSubject();
    if (deliveryFormsCycle(stream, d)) return E.deliverCycle();
    if ((cfg.max_waiting ?? 0) !== 0) return E.pushMaxWaiting();
    if ((cfg.max_ack_pending ?? 0) > 0 && cfg.ack_policy === 'none') return E.maxPendingAckPolicyRequired();
    if ((cfg.idle_heartbeat ?? 0n) > 0n && cfg.idle_heartbeat! < 100_000_000n) return E.smallHeartbeat();
  } else {
    if (cfg.ack_policy === 'none' && stream.retention === 'workqueue') return E.pullRequiresAck();
    if ((cfg.rate_limit_bps ?? 0) > 0) return E.pullWithRateLimit();
    if ((cfg.max_waiting ?? 0) < 0) return E.maxWaitingNegative();
    if ((cfg.idle_heartbeat ?? 0n) > 0n) return E.heartbeatRequiresPush();
    if (cfg.flow_control === true) return E.flowControlRequiresPush();
    if ((cfg.max_batch ?? 0) < 0) return E.maxRequestBatchNegative();
    if ((cfg.max_expires ?? 0n) !== 0n && cfg.max_expires! < 1_000_000n) return E.maxRequestExpiresTooSmall();
    if (limits.maxRequestBatch > 0 && (cfg.max_batch ?? 0) > limits.maxRequestBatch) return E.create(`consumer max request batch exceeds server limit of ${limits.maxRequestBatch}`);
  }
  if (limits.maxAckPending > 0 && (cfg.max_ack_pending ?? 0) > limits.maxAckPending) return E.maxAckPendingExcess(limits.maxAckPending);
  const streamMaxAck = stream.consumer_limits.max_ack_pending ?? 0;
  if (streamMaxAck > 0 && (cfg.max_ack_pending ?? 0) > streamMaxAck) return E.maxAckPendingExcess(streamMaxAck);
  const streamInactive = stream.consumer_limits.inactive_threshold ?? 0n;
  if (streamInactive > 0n && (cfg.inactive_threshold ?? 0n) > streamInactive) return E.inactiveThresholdExcess(goDuration(streamInactive));
  if (cfg.direct === true) {
    if (!isPush(cfg)) return E.create('consumer direct requires a push based consumer');
    if (isDurable(cfg)) return E.create('consumer direct requires an ephemeral consumer');
  }
  if (cfg.filter_subject !== undefined && (cfg.filter_subjects?.length ?? 0) > 0) return E.duplicateFilterSubjects();
  if (cfg.filter_subject !== undefined && !isValidSubject(cfg.filter_subject)) return E.invalidConfig('invalid subject');
  for (const f of cfg.filter_subjects ?? []) if (f === '') return E.emptyFilter();
  const filters = filtersOf(cfg);
  for (let i = 0; i < filters.length; i++) {
    if (!isValidSubject(filters[i]!)) return E.invalidConfig('invalid subject');
    for (let j = 0; j < filters.length; j++) {
      if (i !== j && isSubsetMatch(filters[i]!, filters[j]!)) return E.overlappingFilters();
    }
  }
  const policyError = checkDeliverPolicy(cfg, filters.length > 0);
  if (policyError) return policyError;
  if (cfg.sample_freq !== undefined) {
    const s = cfg.sample_freq.replace(/%$/, '');
    if (!/^\d+$/.test(s)) return E.invalidSampling(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  }
  if (cfg.flow_control === true && (cfg.idle_heartbeat ?? 0n) === 0n) return E.flowControlNeedsHeartbeats();
  if (cfg.durable_name !== undefined && cfg.name !== undefined && cfg.name !== cfg.durable_name) return E.durableAndNameMismatch();
  let mdLen = 0;
  for (const [k, v] of Object.entries(cfg.metadata ?? {})) mdLen += k.length + v.length;
  if (mdLen > MAX_METADATA_LEN) return E.metadataLength(`${MAX_METADATA_LEN / 1024}KB`);
  const policy = cfg.priority_policy ?? 'none';
  if (!PRIORITY_POLICIES.includes(policy)) return E.create(`unknown priority policy: ${policy}`);
  if (policy !== 'none') {
    if (isPush(cfg)) return E.pushWithPriorityGroup();
    if ((cfg.priority_groups?.length ?? 0) === 0) return E.priorityPolicyWithoutGroup();
    for (const g of cfg.priority_groups!) {
      if (g === '') return E.emptyGroupName();
      if (!GROUP_NAME.test(g)) return E.invalidGroupName();
    }
  } else {
    if ((cfg.priority_groups?.length ?? 0) > 0) return E.priorityGroupWithPolicyNone();
    if ((cfg.priority_timeout ?? 0n) > 0n) return E.pinnedTtlWithoutPolicy();
  }
  return null;
}

/** Whether every subject matching `sub` also matches `of` (nats-server's subjectIsSubsetMatch). */
function isSubsetMatch(sub: string, of: string): boolean {
  const ts = sub.split('.');
  const to = of.split('.');
  for (let i = 0; i < to.length; i++) {
    const o = to[i]!;
    if (o === '>') return i < ts.length;
    const s = ts[i];
    if (s === undefined) return false;
    if (o === '*') {
      if (s === '>') return false;
      continue;
    }
    if (s !== o) return false;
  }
  return ts.length === to.length;
}

function checkDeliverPolicy(cfg: ConsumerConfig, filtered: boolean): JsApiError | null {
  const badStart = (dp: string, start: string): JsApiError => E.invalidPolicy(`consumer delivery policy is deliver ${dp}, but optional start ${start} is also set`);
  const notSet = (dp: string, what: string): JsApiError => E.invalidPolicy(`consumer delivery policy is deliver ${dp}, but optional ${what} is not set`);
  const seq = (cfg.opt_start_seq ?? 0) > 0;
  const time = cfg.opt_start_time !== undefined;
  switch (cfg.deliver_policy) {
    case 'all':
      if (seq) return badStart('all', 'sequence');
      if (time) return badStart('all', 'time');
      return null;
    case 'last':
      if (seq) return badStart('last', 'sequence');
      if (time) return badStart('last', 'time');
      return null;
    case 'last_per_subject':
      if (seq) return badStart('last per subject', 'sequence');
      if (time) return badStart('last per subject', 'time');
      if (!filtered) return notSet('last per subject', 'filter subject');
      return null;
    case 'new':
      if (seq) return badStart('new', 'sequence');
      if (time) return badStart('new', 'time');
      return null;
    case 'by_start_sequence':
      if (!seq) return notSet('by start sequence', 'start sequence');
      if (time) return badStart('by start sequence', 'time');
      return null;
    case 'by_start_time':
      if (!time) return notSet('by start time', 'start time');
      if (seq) return badStart('by start time', 'start sequence');
      return null;
    default:
      return E.invalidPolicy(`consumer delivery policy is invalid`);
  }
}

/** Whether a deliver policy name is one nats-server knows (the decoder refuses others). */
export function isDeliverPolicy(s: string): s is DeliverPolicy {
  return DELIVER_POLICIES.includes(s);
}

/** checkNewConsumerConfig: what an update of an existing consumer may change, with nats-server's texts. */
export function checkUpdate(old: ConsumerConfig, next: ConsumerConfig, deliverSubjectHasInterest: (s: string) => boolean): JsApiError | null {
  if (configsEqual(old, next)) return null;
  const fail = (reason: string): JsApiError => E.create(reason);
  if (old.deliver_policy !== next.deliver_policy) return fail('deliver policy can not be updated');
  if ((old.mem_storage ?? false) !== (next.mem_storage ?? false)) return fail('storage type can not be updated');
  if ((old.direct ?? false) !== (next.direct ?? false)) return fail('direct can not be updated');
  if ((old.opt_start_seq ?? 0) !== (next.opt_start_seq ?? 0)) return fail('start sequence can not be updated');
  if (old.opt_start_time !== next.opt_start_time) return fail('start time can not be updated');
  if (old.ack_policy !== next.ack_policy) return fail('ack policy can not be updated');
  if (old.replay_policy !== next.replay_policy) return fail('replay policy can not be updated');
  if ((old.idle_heartbeat ?? 0n) !== (next.idle_heartbeat ?? 0n)) return fail('heart beats can not be updated');
  if ((old.flow_control ?? false) !== (next.flow_control ?? false)) return fail('flow control can not be updated');
  if ((old.deliver_subject ?? '') !== (next.deliver_subject ?? '')) {
    if (!old.deliver_subject) return fail('can not update pull consumer to push based');
    if (!next.deliver_subject) return fail('can not update push consumer to pull based');
    if (deliverSubjectHasInterest(old.deliver_subject)) return E.nameExists();
  }
  if ((old.max_waiting ?? 0) !== (next.max_waiting ?? 0)) return fail('max waiting can not be updated');
  const backoffs = next.backoff?.length ?? 0;
  if (backoffs > 0 && next.max_deliver !== -1 && backoffs > next.max_deliver) return E.maxDeliverBackoff();
  return null;
}

/** reflect.DeepEqual of two resolved configs. */
export function configsEqual(a: ConsumerConfig, b: ConsumerConfig): boolean {
  return canonical(a) === canonical(b);
}

function canonical(cfg: ConsumerConfig): string {
  const entries = new Map<string, unknown>(Object.entries(cfg));
  const o: Record<string, unknown> = {};
  for (const k of [...entries.keys()].sort()) {
    const v = entries.get(k);
    if (v === undefined) continue;
    o[k] = k === 'metadata' && v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : 1))) : v;
  }
  return JSON.stringify(o, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

/** The metadata of an existing consumer carried into an update or an identical re-create (copyConsumerMetadata). */
export function copyRequiredLevel(cfg: ConsumerConfig, prev: ConsumerConfig): void {
  const md: Record<string, string> = { ...(cfg.metadata ?? {}) };
  delete md[METADATA_SERVER_VERSION];
  delete md[METADATA_SERVER_LEVEL];
  const level = prev.metadata?.[METADATA_REQUIRED_LEVEL];
  if (level !== undefined) md[METADATA_REQUIRED_LEVEL] = level;
  else delete md[METADATA_REQUIRED_LEVEL];
  if (Object.keys(md).length === 0) delete cfg.metadata;
  else cfg.metadata = md;
}

/** nats-server checks overlap of work-queue filters (partitionUnique) with subjectIsSubsetMatch both ways. */
export function filtersCollide(a: readonly string[], b: readonly string[]): boolean {
  for (const x of a) for (const y of b) if (isSubsetMatch(x, y) || isSubsetMatch(y, x)) return true;
  return false;
}

export { MAX_NAME_LEN };
