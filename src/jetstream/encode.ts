// Stream configs, states and infos as nats-server's JSON: fields in Go's struct order, the
// ones Go's omitempty drops left out, nanosecond durations as bigint, times in Go's RFC 3339
// (server/stream.go StreamConfig, StreamInfo; server/store.go StreamState).
import { configForAnswer } from '../core/streams/stream-config.js';
import type { StreamConfig, StreamSource, StreamState, StreamView } from '../core/streams/types.js';
import { goTime, type GoJson } from './json.js';

type Obj = { [key: string]: GoJson | undefined };

const nz = (n: number | undefined): number | undefined => (n === undefined || n === 0 ? undefined : n);
const nzb = (n: bigint | undefined): bigint | undefined => (n === undefined || n === 0n ? undefined : n);
const ne = (s: string | undefined): string | undefined => (s === undefined || s === '' ? undefined : s);
const yes = (b: boolean | undefined): true | undefined => (b === true ? true : undefined);

export function encodeSource(s: StreamSource): Obj {
  return {
    name: s.name,
    opt_start_seq: nz(s.opt_start_seq),
    opt_start_time: ne(s.opt_start_time),
    filter_subject: ne(s.filter_subject),
    subject_transforms: s.subject_transforms && s.subject_transforms.length > 0 ? s.subject_transforms.map((t) => ({ src: t.src, dest: t.dest })) : undefined,
    external: s.external ? { api: s.external.api, deliver: s.external.deliver } : undefined,
    consumer: s.consumer ? { name: ne(s.consumer.name), deliver_subject: ne(s.consumer.deliver_subject) } : undefined,
  };
}

/** A stored config as answers show it; `dynamic` adds the server's version and level to metadata (create, update, info). */
export function encodeConfig(stored: StreamConfig, version: string, level: number, dynamic: boolean): Obj {
  const c = dynamic ? configForAnswer(stored, version, level) : stored;
  const md = c.metadata;
  const metadata: Obj | undefined = md && Object.keys(md).length > 0 ? Object.fromEntries(Object.keys(md).sort().map((k) => [k, md[k]!])) : undefined;
  return {
    name: c.name,
    description: ne(c.description),
    subjects: c.subjects && c.subjects.length > 0 ? [...c.subjects] : undefined,
    retention: c.retention,
    max_consumers: c.max_consumers,
    max_msgs: c.max_msgs,
    max_bytes: c.max_bytes,
    max_age: c.max_age,
    max_msgs_per_subject: c.max_msgs_per_subject,
    max_msg_size: nz(c.max_msg_size),
    discard: c.discard,
    storage: c.storage,
    num_replicas: c.num_replicas,
    no_ack: yes(c.no_ack),
    duplicate_window: nzb(c.duplicate_window),
    mirror: c.mirror ? encodeSource(c.mirror) : undefined,
    sources: c.sources && c.sources.length > 0 ? c.sources.map(encodeSource) : undefined,
    compression: c.compression,
    first_seq: nz(c.first_seq),
    subject_transform: c.subject_transform ? { src: c.subject_transform.src, dest: c.subject_transform.dest } : undefined,
    republish: c.republish ? { src: ne(c.republish.src), dest: c.republish.dest, headers_only: yes(c.republish.headers_only) } : undefined,
    allow_direct: c.allow_direct,
    mirror_direct: c.mirror_direct,
    discard_new_per_subject: yes(c.discard_new_per_subject),
    sealed: c.sealed,
    deny_delete: c.deny_delete,
    deny_purge: c.deny_purge,
    allow_rollup_hdrs: c.allow_rollup_hdrs,
    consumer_limits: { inactive_threshold: nzb(c.consumer_limits.inactive_threshold), max_ack_pending: nz(c.consumer_limits.max_ack_pending) },
    allow_msg_ttl: c.allow_msg_ttl,
    subject_delete_marker_ttl: nzb(c.subject_delete_marker_ttl),
    allow_msg_counter: yes(c.allow_msg_counter),
    allow_atomic: yes(c.allow_atomic),
    allow_msg_schedules: yes(c.allow_msg_schedules),
    persist_mode: c.persist_mode,
    allow_batched: yes(c.allow_batched),
    metadata,
  };
}

export interface StateDetails {
  subjects?: Map<string, number>;
  deleted?: number[];
}

export function encodeState(st: StreamState, details: StateDetails = {}): Obj {
  const subjects = details.subjects;
  return {
    messages: st.messages,
    bytes: st.bytes,
    first_seq: st.first_seq,
    first_ts: goTime(st.first_ts),
    last_seq: st.last_seq,
    last_ts: goTime(st.last_ts),
    num_subjects: nz(st.num_subjects),
    subjects: subjects && subjects.size > 0 ? Object.fromEntries([...subjects].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) : undefined,
    num_deleted: nz(st.num_deleted),
    deleted: details.deleted && details.deleted.length > 0 ? details.deleted : undefined,
    consumer_count: st.consumer_count,
  };
}

export interface InfoOptions {
  version: string;
  level: number;
  /** Metadata with the server's version and level (create, update, info), or as stored (list). */
  dynamic: boolean;
  /** The cluster block a single server reports in STREAM.INFO: {"leader": <server name>}. */
  leader?: string;
  details?: StateDetails;
  /** Mirror and source progress (STREAM.INFO of mirrors and sourcing streams). */
  mirror?: Obj;
  sources?: Obj[];
}

/** StreamInfo: config, created, state, cluster, mirror, sources, ts. */
export function encodeStreamInfo(s: StreamView, o: InfoOptions): Obj {
  return {
    config: encodeConfig(s.config, o.version, o.level, o.dynamic),
    created: goTime(s.created),
    state: encodeState(s.state(), o.details),
    cluster: o.leader !== undefined ? { leader: o.leader } : undefined,
    mirror: o.mirror,
    sources: o.sources,
    ts: goTime(Date.now()),
  };
}
