// JSON of the consumer API, as nats-server reads and writes it: the Go schemas of the requests
// (CreateConsumerRequest with its ConsumerConfig, JSApiConsumerGetNextRequest, the pause, unpin,
// reset and paged requests), so bad bodies are refused with Go's error texts; and the
// ConsumerConfig and ConsumerInfo encoders, fields in Go's struct order with omitempty, durations
// in nanoseconds, times in RFC 3339, and the server's version and API level added to the
// metadata of create and info answers (not of list entries), as nats-server does.
import type { ConsumerConfig, ConsumerConfigInput } from '../core/coordinators/jetstream/consumer-config.js';
import type { ConsumerInfo, SequenceInfo } from '../core/coordinators/jetstream/consumer-types.js';
import { goTime, T, type GoJson, type GoStruct } from './json.js';

const CONSUMER_CONFIG: GoStruct = {
  name: 'ConsumerConfig',
  fields: {
    durable_name: { type: T.string },
    name: { type: T.string },
    description: { type: T.string },
    deliver_policy: { type: T.raw },
    opt_start_seq: { type: T.uint64 },
    opt_start_time: { type: T.time },
    ack_policy: { type: T.raw },
    ack_wait: { type: T.duration },
    max_deliver: { type: T.int },
    backoff: { type: T.array(T.duration) },
    filter_subject: { type: T.string },
    filter_subjects: { type: T.array(T.string) },
    replay_policy: { type: T.raw },
    rate_limit_bps: { type: T.uint64 },
    sample_freq: { type: T.string },
    max_waiting: { type: T.int },
    max_ack_pending: { type: T.int },
    flow_control: { type: T.bool },
    headers_only: { type: T.bool },
    max_batch: { type: T.int },
    max_expires: { type: T.duration },
    max_bytes: { type: T.int },
    deliver_subject: { type: T.string },
    deliver_group: { type: T.string },
    idle_heartbeat: { type: T.duration },
    inactive_threshold: { type: T.duration },
    num_replicas: { type: T.int },
    mem_storage: { type: T.bool },
    direct: { type: T.bool },
    sourcing: { type: T.bool },
    metadata: { type: T.map(T.string) },
    pause_until: { type: T.time },
    priority_groups: { type: T.array(T.string) },
    priority_policy: { type: T.raw },
    priority_timeout: { type: T.duration },
  },
};

export const CREATE_CONSUMER_REQUEST: GoStruct = {
  name: 'CreateConsumerRequest',
  fields: {
    stream_name: { type: T.string },
    config: { type: T.struct(CONSUMER_CONFIG) },
    action: { type: T.raw },
    pedantic: { type: T.bool },
  },
};

export const GET_NEXT_REQUEST: GoStruct = {
  name: 'JSApiConsumerGetNextRequest',
  fields: {
    expires: { type: T.duration },
    batch: { type: T.int },
    max_bytes: { type: T.int },
    no_wait: { type: T.bool },
    idle_heartbeat: { type: T.duration },
    group: { type: T.string, goPath: 'PriorityGroup.group' },
    min_pending: { type: T.int64, goPath: 'PriorityGroup.min_pending' },
    min_ack_pending: { type: T.int64, goPath: 'PriorityGroup.min_ack_pending' },
    id: { type: T.string, goPath: 'PriorityGroup.id' },
    priority: { type: T.int, goPath: 'PriorityGroup.priority' },
  },
};

export const PAUSE_REQUEST: GoStruct = { name: 'JSApiConsumerPauseRequest', fields: { pause_until: { type: T.time } } };
export const UNPIN_REQUEST: GoStruct = { name: 'JSApiConsumerUnpinRequest', fields: { group: { type: T.string } } };
export const RESET_REQUEST: GoStruct = { name: 'JSApiConsumerResetRequest', fields: { seq: { type: T.uint64 } } };
export const PAGED_REQUEST: GoStruct = { name: 'JSApiConsumersRequest', fields: { offset: { type: T.int, goPath: 'ApiPagedRequest.offset' } } };
export const NAK_OPTIONS: GoStruct = { name: 'ConsumerNakOptions', fields: { delay: { type: T.duration } } };

/** Go's %q of a raw JSON value, as the enum unmarshalers quote what they refuse. */
function goQuote(raw: unknown): string {
  const text = typeof raw === 'string' ? JSON.stringify(raw) : raw === null ? 'null' : String(raw instanceof Object && 'text' in raw ? (raw as { text: string }).text : JSON.stringify(raw));
  return JSON.stringify(text);
}

function enumOf(raw: unknown, allowed: readonly string[], aliases: Record<string, string> = {}): string | null {
  if (typeof raw !== 'string') return null;
  if (aliases[raw] !== undefined) return aliases[raw]!;
  return allowed.includes(raw) ? raw : null;
}

/**
 * The decoded config of a create request as the core takes it; the enum fields are checked as
 * nats-server's unmarshalers do. Returns Go's error text for a bad value.
 */
export function consumerConfigInput(v: Record<string, unknown>): ConsumerConfigInput | { error: string } {
  const out: Record<string, unknown> = { ...v };
  if (v.deliver_policy !== undefined) {
    const p = enumOf(v.deliver_policy, ['all', 'last', 'new', 'by_start_sequence', 'by_start_time', 'last_per_subject'], { undefined: 'all' });
    if (p === null) return { error: `can not unmarshal ${goQuote(v.deliver_policy)}` };
    out.deliver_policy = p;
  }
  if (v.ack_policy !== undefined) {
    const p = enumOf(v.ack_policy, ['none', 'all', 'explicit', 'flow_control']);
    if (p === null) return { error: `can not unmarshal ${goQuote(v.ack_policy)}` };
    out.ack_policy = p;
  }
  if (v.replay_policy !== undefined) {
    const p = enumOf(v.replay_policy, ['instant', 'original']);
    if (p === null) return { error: `can not unmarshal ${goQuote(v.replay_policy)}` };
    out.replay_policy = p;
  }
  if (v.priority_policy !== undefined) {
    const p = enumOf(v.priority_policy, ['none', 'overflow', 'pinned_client', 'prioritized'], { '': 'none' });
    if (p === null) return { error: `unknown priority policy: ${typeof v.priority_policy === 'string' ? JSON.stringify(v.priority_policy) : String(v.priority_policy)}` };
    out.priority_policy = p;
  }
  // A zero pause_until means "not paused". opt_start_time is a pointer in nats-server: the zero
  // time, when sent, is a start time like any other (the beginning of the stream).
  if (out.pause_until !== undefined && Date.parse(String(out.pause_until)) <= -62135596800000) delete out.pause_until;
  delete out.sourcing;
  return out as ConsumerConfigInput;
}

/** The action of a create request: "create", "update" or "" (create or update). */
export function actionOf(raw: unknown): 'create' | 'update' | '' | { error: string } {
  if (raw === undefined || raw === '') return '';
  if (raw === 'create' || raw === 'update') return raw;
  return { error: `unknown consumer action: ${typeof raw === 'string' ? JSON.stringify(raw) : String(raw)}` };
}

export interface ServerIdentity {
  /** The version in `_nats.ver`. */
  version: string;
  /** The API level in `_nats.level`. */
  level: number;
}

function durations(v: bigint[]): GoJson {
  return v.map((x) => x);
}

function sortedMetadata(md: Record<string, string>): { [key: string]: GoJson } {
  const out: { [key: string]: GoJson } = {};
  for (const k of Object.keys(md).sort()) out[k] = md[k]!;
  return out;
}

/** ConsumerConfig in Go's field order; `server` adds the dynamic metadata (create and info answers). */
export function encodeConsumerConfig(c: ConsumerConfig, server: ServerIdentity | null): GoJson {
  let md = c.metadata;
  if (server !== null) md = { ...(md ?? {}), '_nats.ver': server.version, '_nats.level': String(server.level) };
  return {
    durable_name: c.durable_name,
    name: c.name,
    description: c.description,
    deliver_policy: c.deliver_policy,
    opt_start_seq: c.opt_start_seq,
    opt_start_time: c.opt_start_time,
    ack_policy: c.ack_policy,
    ack_wait: c.ack_wait,
    max_deliver: c.max_deliver,
    backoff: c.backoff !== undefined && c.backoff.length > 0 ? durations(c.backoff) : undefined,
    filter_subject: c.filter_subject,
    filter_subjects: c.filter_subjects !== undefined && c.filter_subjects.length > 0 ? c.filter_subjects : undefined,
    replay_policy: c.replay_policy,
    rate_limit_bps: c.rate_limit_bps,
    sample_freq: c.sample_freq,
    max_waiting: c.max_waiting,
    max_ack_pending: c.max_ack_pending,
    flow_control: c.flow_control,
    headers_only: c.headers_only,
    max_batch: c.max_batch,
    max_expires: c.max_expires,
    max_bytes: c.max_bytes,
    deliver_subject: c.deliver_subject,
    deliver_group: c.deliver_group,
    idle_heartbeat: c.idle_heartbeat,
    inactive_threshold: c.inactive_threshold,
    num_replicas: c.num_replicas,
    mem_storage: c.mem_storage,
    direct: c.direct,
    metadata: md !== undefined && Object.keys(md).length > 0 ? sortedMetadata(md) : undefined,
    pause_until: c.pause_until,
    priority_groups: c.priority_groups !== undefined && c.priority_groups.length > 0 ? c.priority_groups : undefined,
    priority_policy: c.priority_policy !== undefined && c.priority_policy !== 'none' ? c.priority_policy : undefined,
    priority_timeout: c.priority_timeout,
  };
}

function seqInfo(s: SequenceInfo): GoJson {
  return { consumer_seq: s.consumer_seq, stream_seq: s.stream_seq, last_active: s.last_active !== undefined ? goTime(s.last_active) : undefined };
}

/** The members of a ConsumerInfo in Go's order (spread into a response after "type"). */
export function encodeConsumerInfo(i: ConsumerInfo, server: ServerIdentity | null): { [key: string]: GoJson | undefined } {
  return {
    stream_name: i.stream_name,
    name: i.name,
    created: goTime(i.created),
    config: encodeConsumerConfig(i.config, server),
    delivered: seqInfo(i.delivered),
    ack_floor: seqInfo(i.ack_floor),
    num_ack_pending: i.num_ack_pending,
    num_redelivered: i.num_redelivered,
    num_waiting: i.num_waiting,
    num_pending: i.num_pending,
    push_bound: i.push_bound === true ? true : undefined,
    paused: i.paused === true ? true : undefined,
    pause_remaining: i.pause_remaining !== undefined && i.pause_remaining > 0n ? i.pause_remaining : undefined,
    ts: goTime(i.ts),
    priority_groups:
      i.priority_groups !== undefined && i.priority_groups.length > 0
        ? i.priority_groups.map((g) => ({ group: g.group, pinned_client_id: g.pinned_client_id, pinned_ts: goTime(g.pinned_ts) }))
        : undefined,
  };
}
