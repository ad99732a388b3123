// The Go structs of nats-server that the stream half of the $JS.API decodes requests into
// (server/stream.go, server/jetstream_api.go), with the Go types and names its errors show,
// and the conversion of a decoded StreamConfigRequest into the core's StreamConfigInput.
import type { StreamConfigInput, StreamSource } from '../../core/streams/types.js';
import { T, type Decoded, type GoField, type GoStruct } from '../json.js';

const f = (type: GoField['type'], goPath?: string): GoField => (goPath === undefined ? { type } : { type, goPath });

const SubjectTransformConfig: GoStruct = { name: 'SubjectTransformConfig', fields: { src: f(T.string), dest: f(T.string) } };
const ExternalStream: GoStruct = { name: 'ExternalStream', fields: { api: f(T.string), deliver: f(T.string) } };
const StreamConsumerSource: GoStruct = { name: 'StreamConsumerSource', fields: { name: f(T.string), deliver_subject: f(T.string) } };
const StreamSourceStruct: GoStruct = {
  name: 'StreamSource',
  fields: {
    name: f(T.string),
    opt_start_seq: f(T.uint64),
    opt_start_time: f(T.time),
    filter_subject: f(T.string),
    subject_transforms: f(T.array(T.struct(SubjectTransformConfig))),
    external: f(T.struct(ExternalStream)),
    consumer: f(T.struct(StreamConsumerSource)),
  },
};
const Placement: GoStruct = { name: 'Placement', fields: { cluster: f(T.string), tags: f(T.array(T.string)), preferred: f(T.string) } };
const RePublish: GoStruct = { name: 'RePublish', fields: { src: f(T.string), dest: f(T.string), headers_only: f(T.bool) } };
const StreamConsumerLimits: GoStruct = { name: 'StreamConsumerLimits', fields: { inactive_threshold: f(T.duration), max_ack_pending: f(T.int) } };

/** StreamConfig's fields, as embedded in a request struct (their Go path starts with "StreamConfig."). */
function streamConfigFields(embedded: boolean): Record<string, GoField> {
  const p = (name: string): string | undefined => (embedded ? `StreamConfig.${name}` : undefined);
  const fields: Record<string, GoField['type']> = {
    name: T.string,
    description: T.string,
    subjects: T.array(T.string),
    retention: T.string,
    max_consumers: T.int,
    max_msgs: T.int64,
    max_bytes: T.int64,
    max_age: T.duration,
    max_msgs_per_subject: T.int64,
    max_msg_size: T.int32,
    discard: T.string,
    storage: T.string,
    num_replicas: T.int,
    no_ack: T.bool,
    template_owner: T.string,
    duplicate_window: T.duration,
    placement: T.struct(Placement),
    mirror: T.struct(StreamSourceStruct),
    sources: T.array(T.struct(StreamSourceStruct)),
    compression: T.string,
    first_seq: T.uint64,
    subject_transform: T.struct(SubjectTransformConfig),
    republish: T.struct(RePublish),
    allow_direct: T.bool,
    mirror_direct: T.bool,
    discard_new_per_subject: T.bool,
    sealed: T.bool,
    deny_delete: T.bool,
    deny_purge: T.bool,
    allow_rollup_hdrs: T.bool,
    consumer_limits: T.struct(StreamConsumerLimits),
    allow_msg_ttl: T.bool,
    subject_delete_marker_ttl: T.duration,
    allow_msg_counter: T.bool,
    allow_atomic: T.bool,
    allow_msg_schedules: T.bool,
    allow_batched: T.bool,
    persist_mode: T.string,
    metadata: T.map(T.string),
  };
  const out: Record<string, GoField> = {};
  for (const [k, t] of Object.entries(fields)) out[k] = f(t, p(k));
  return out;
}

export const StreamConfigRequest: GoStruct = {
  name: 'StreamConfigRequest',
  fields: { ...streamConfigFields(true), pedantic: f(T.bool) },
};

/** StreamConfig as a field of its own (the config of a restore request). */
export const StreamConfigStruct: GoStruct = { name: 'StreamConfig', fields: streamConfigFields(false) };

const LostStreamData: GoStruct = { name: 'LostStreamData', fields: { msgs: f(T.array(T.uint64)), bytes: f(T.uint64) } };
/** StreamState (server/store.go), the state of a restore request. */
export const StreamStateStruct: GoStruct = {
  name: 'StreamState',
  fields: {
    messages: f(T.uint64),
    bytes: f(T.uint64),
    first_seq: f(T.uint64),
    first_ts: f(T.time),
    last_seq: f(T.uint64),
    last_ts: f(T.time),
    num_subjects: f(T.int),
    subjects: f(T.map(T.uint64)),
    num_deleted: f(T.int),
    deleted: f(T.array(T.uint64)),
    lost: f(T.struct(LostStreamData)),
    consumer_count: f(T.int),
  },
};

const paged = (name: string, extra: Record<string, GoField>): GoStruct => ({
  name,
  fields: { offset: f(T.int, 'ApiPagedRequest.offset'), ...extra },
});

export const StreamNamesRequest = paged('JSApiStreamNamesRequest', { subject: f(T.string) });
export const StreamListRequest = paged('JSApiStreamListRequest', { subject: f(T.string) });
export const StreamInfoRequest = paged('JSApiStreamInfoRequest', { deleted_details: f(T.bool), subjects_filter: f(T.string) });
export const StreamPurgeRequest: GoStruct = { name: 'JSApiStreamPurgeRequest', fields: { filter: f(T.string), seq: f(T.uint64), keep: f(T.uint64) } };
export const MsgGetRequest: GoStruct = {
  name: 'JSApiMsgGetRequest',
  fields: {
    seq: f(T.uint64),
    last_by_subj: f(T.string),
    next_by_subj: f(T.string),
    batch: f(T.int),
    max_bytes: f(T.int),
    start_time: f(T.time),
    multi_last: f(T.array(T.string)),
    up_to_seq: f(T.uint64),
    up_to_time: f(T.time),
    no_hdr: f(T.bool),
  },
};
export const MsgDeleteRequest: GoStruct = { name: 'JSApiMsgDeleteRequest', fields: { seq: f(T.uint64), no_erase: f(T.bool) } };

/**
 * What nats-server's StreamConfig enum unmarshalers (RetentionPolicy, DiscardPolicy, StorageType,
 * StoreCompression, PersistModeType) say about a value they refuse, as the text of its 10025 "invalid JSON"
 * answer, or null. Discard is case-insensitive there: a valid value is lowered in `d`.
 */
export function streamEnumError(d: Decoded): string | null {
  // Go's %q of the raw JSON token: the string with its quotes, quoted again.
  const refused = (v: unknown): string => `can not unmarshal ${JSON.stringify(JSON.stringify(v))}`;
  const r = d['retention'];
  if (r !== undefined && !['limits', 'interest', 'workqueue'].includes(r as string)) return refused(r);
  const dp = d['discard'];
  if (dp !== undefined) {
    const lower = String(dp).toLowerCase();
    if (lower !== 'old' && lower !== 'new') return refused(dp);
    d['discard'] = lower;
  }
  const st = d['storage'];
  if (st !== undefined && st !== 'memory' && st !== 'file') return refused(st);
  const c = d['compression'];
  if (c !== undefined && c !== 's2' && c !== 'none') return 'unknown compression algorithm';
  // PersistModeType: "" and "default" are the default, "async" the other; case matters.
  const pm = d['persist_mode'];
  if (pm !== undefined && pm !== '' && pm !== 'default' && pm !== 'async') return refused(pm);
  return null;
}

/** Unsupported knobs of newer servers that Wharf refuses rather than ignores. */
export const UNSUPPORTED_STREAM_FIELDS: readonly string[] = [];

function source(d: Decoded): StreamSource {
  const out: StreamSource = { name: (d['name'] as string | undefined) ?? '' };
  if (d['opt_start_seq'] !== undefined) out.opt_start_seq = d['opt_start_seq'] as number;
  if (d['opt_start_time'] !== undefined) out.opt_start_time = d['opt_start_time'] as string;
  if (d['filter_subject'] !== undefined) out.filter_subject = d['filter_subject'] as string;
  const ts = d['subject_transforms'] as Decoded[] | undefined;
  if (ts !== undefined) out.subject_transforms = ts.map((t) => ({ src: (t['src'] as string | undefined) ?? '', dest: (t['dest'] as string | undefined) ?? '' }));
  const ext = d['external'] as Decoded | undefined;
  if (ext !== undefined) out.external = { api: (ext['api'] as string | undefined) ?? '', deliver: (ext['deliver'] as string | undefined) ?? '' };
  const c = d['consumer'] as Decoded | undefined;
  if (c !== undefined && c !== null) out.consumer = { name: (c['name'] as string | undefined) ?? '', deliver_subject: (c['deliver_subject'] as string | undefined) ?? '' };
  return out;
}

/** A decoded StreamConfigRequest as the core's input (unset fields stay absent). */
export function toStreamConfigInput(d: Decoded): StreamConfigInput {
  const out: StreamConfigInput = {};
  const copy = <K extends keyof StreamConfigInput>(k: K): void => {
    if (d[k] !== undefined) out[k] = d[k] as StreamConfigInput[K];
  };
  for (const k of [
    'name', 'description', 'subjects', 'retention', 'max_consumers', 'max_msgs', 'max_bytes', 'max_age', 'max_msgs_per_subject', 'max_msg_size',
    'discard', 'storage', 'num_replicas', 'no_ack', 'duplicate_window', 'compression', 'first_seq', 'allow_direct', 'mirror_direct',
    'discard_new_per_subject', 'sealed', 'deny_delete', 'deny_purge', 'allow_rollup_hdrs', 'allow_msg_ttl', 'subject_delete_marker_ttl', 'metadata',
    'allow_msg_counter', 'allow_atomic', 'allow_batched', 'allow_msg_schedules',
  ] as const) {
    copy(k);
  }
  if (d['persist_mode'] === 'async') out.persist_mode = 'async';
  if (d['mirror'] !== undefined) out.mirror = source(d['mirror'] as Decoded);
  if (d['sources'] !== undefined) out.sources = (d['sources'] as Decoded[]).map(source);
  const st = d['subject_transform'] as Decoded | undefined;
  if (st !== undefined) out.subject_transform = { src: (st['src'] as string | undefined) ?? '', dest: (st['dest'] as string | undefined) ?? '' };
  const rp = d['republish'] as Decoded | undefined;
  if (rp !== undefined) {
    out.republish = { dest: (rp['dest'] as string | undefined) ?? '' };
    if (rp['src'] !== undefined) out.republish.src = rp['src'] as string;
    if (rp['headers_only'] === true) out.republish.headers_only = true;
  }
  const cl = d['consumer_limits'] as Decoded | undefined;
  if (cl !== undefined) {
    out.consumer_limits = {};
    if (cl['inactive_threshold'] !== undefined) out.consumer_limits.inactive_threshold = cl['inactive_threshold'] as bigint;
    if (cl['max_ack_pending'] !== undefined) out.consumer_limits.max_ack_pending = cl['max_ack_pending'] as number;
  }
  return out;
}
