// Stream configs: nats-server's defaults and rules, as data and checks in the order nats-server
// applies them (server/stream.go checkStreamCfg and configUpdateCheck of v2.15), each failure
// being the error nats-server answers (code, err_code, description). Also the asset metadata
// (`_nats.req.level` stored with the config; `_nats.ver` and `_nats.level` added to answers
// only) and the comparison that makes a re-create with the same config idempotent.
//
// Wharf adds one rule: a stream is a Kafka topic, so its name must also be a topic name
// (docs/jetstream.md 1.1).
import { isValidSubject } from '../routing/subject.js';
import { jsError } from './api-errors.js';
import { subjectIsSubset, subjectsCollide } from './subject-filter.js';
import { SubjectTransformer } from './transform.js';
import type { AccountLimits, JsApiError, StreamConfig, StreamConfigInput, StreamSource } from './types.js';

const SEC = 1_000_000_000n;
const MS100 = 100_000_000n;
/** nats-server's default duplicate window: 2 minutes. */
export const DEFAULT_DUPLICATE_WINDOW = 120n * SEC;
const MAX_NAME_LEN = 255;
const MAX_DESCRIPTION_LEN = 4 * 1024;
const MAX_METADATA_LEN = 128 * 1024;
const MAX_REPLICAS = 5;

export const REQUIRED_LEVEL_KEY = '_nats.req.level';
export const SERVER_VERSION_KEY = '_nats.ver';
export const SERVER_LEVEL_KEY = '_nats.level';

const invalid = (description: string): JsApiError => jsError('JSStreamInvalidConfigF', { err: description });

/** nats-server's rule for stream and consumer names. */
export function isValidAssetName(name: string): boolean {
  return name.length > 0 && !/[ \t\r\n\f.*>\\/]/.test(name);
}

/** Kafka's rule for topic names: 1-249 of [a-zA-Z0-9._-]. */
function isTopicName(name: string): boolean {
  return name.length > 0 && name.length <= 249 && /^[a-zA-Z0-9._-]+$/.test(name) && name !== '.' && name !== '..';
}

export interface ResolveContext {
  /** The config of another stream of this server, for sources and mirrors. */
  stream(name: string): StreamConfig | undefined;
  limits: AccountLimits;
}

/** Removes the metadata keys that are answers only, and sets the level the config requires. */
function staticMetadata(cfg: StreamConfig): void {
  const md: Record<string, string> = { ...(cfg.metadata ?? {}) };
  delete md[SERVER_VERSION_KEY];
  delete md[SERVER_LEVEL_KEY];
  // jetstream_versioning.go: TTLs and markers need level 1; counters, atomic batches, schedules and async persist level 2;
  let level = cfg.allow_msg_ttl || (cfg.subject_delete_marker_ttl ?? 0n) > 0n ? 1 : 0;
  if (cfg.allow_msg_counter || cfg.allow_atomic || cfg.allow_msg_schedules || cfg.persist_mode === 'async') level = 2;
  // Fast batch publishing (2.14) needs level 4.
  if (cfg.allow_batched) level = 4;
  md[REQUIRED_LEVEL_KEY] = String(level);
  cfg.metadata = md;
}

/** The config as answers show it: the stored config plus the server's version and level, keys sorted as Go sorts a map. */
export function configForAnswer(cfg: StreamConfig, version: string, level: number): StreamConfig {
  const md: Record<string, string> = { ...(cfg.metadata ?? {}), [SERVER_VERSION_KEY]: version, [SERVER_LEVEL_KEY]: String(level) };
  const sorted: Record<string, string> = {};
  for (const k of Object.keys(md).sort()) sorted[k] = md[k]!;
  return { ...cfg, metadata: sorted };
}

function source(s: StreamSource): StreamSource {
  return { ...s, ...(s.subject_transforms ? { subject_transforms: s.subject_transforms.map((t) => ({ ...t })) } : {}), ...(s.consumer ? { consumer: { ...s.consumer } } : {}) };
}

/**
 * The rules of a mirror's or source's durable consumer (ADR-60), as nats-server 2.14's
 * checkStreamCfg has them: a consumer name, a literal deliver subject, and no start or filter of
 * the source's own (the consumer has them). Wharf reads through consumers of the same account
 * only: one reached through an `external` API prefix is refused rather than ignored.
 */
function durableConsumerError(src: StreamSource, mirror: boolean): JsApiError | null {
  const c = src.consumer;
  if (c === undefined) return null;
  const bad = (): JsApiError => jsError(mirror ? 'JSMirrorDurableConsumerCfgInvalid' : 'JSSourceDurableConsumerCfgInvalid');
  if (!isValidAssetName(c.name)) return bad();
  if (c.deliver_subject === '' || /(^|\.)[*>](\.|$)/.test(c.deliver_subject) || !isValidSubject(c.deliver_subject)) return bad();
  if ((src.opt_start_seq ?? 0) !== 0 || src.opt_start_time !== undefined) return bad();
  if (src.filter_subject) return bad();
  if (src.external !== undefined) return invalid(`${mirror ? 'mirror' : 'source'} consumer through an external API prefix is not supported by Wharf (durable sourcing reads consumers of the same account only)`);
  return null;
}

/**
 * Fills the defaults of a config a client sent and checks it alone (not against other streams'
 * subjects: the registry does that). Returns the config to store or nats-server's error.
 */
export function resolveStreamConfig(input: StreamConfigInput, ctx: ResolveContext): StreamConfig | JsApiError {
  const name = input.name ?? '';
  if (!isValidAssetName(name)) return invalid("stream name is required and can not contain '.', '*', '>', '\\', '/'");
  if (name.length > MAX_NAME_LEN) return invalid(`stream name is too long, maximum allowed is ${MAX_NAME_LEN}`);
  if ((input.description ?? '').length > MAX_DESCRIPTION_LEN) return invalid(`stream description is too long, maximum allowed is ${MAX_DESCRIPTION_LEN}`);
  let mdLen = 0;
  for (const [k, v] of Object.entries(input.metadata ?? {})) mdLen += k.length + v.length;
  if (mdLen > MAX_METADATA_LEN) return invalid(`stream metadata exceeds maximum size of ${MAX_METADATA_LEN} bytes`);
  if (!isTopicName(name)) return invalid(`stream name ${JSON.stringify(name)} must also be a Kafka topic name: 1-249 of [a-zA-Z0-9._-]`);

  const retention = input.retention ?? 'limits';
  if (retention !== 'limits' && retention !== 'interest' && retention !== 'workqueue') return invalid('invalid retention');
  const discard = input.discard ?? 'old';
  if (discard !== 'old' && discard !== 'new') return invalid('invalid discard policy');
  const compression = input.compression ?? 'none';
  if (compression !== 'none' && compression !== 's2') return invalid('invalid compression');
  const storage = input.storage ?? 'file';
  if (storage !== 'file' && storage !== 'memory') return invalid('invalid storage type');

  let replicas = input.num_replicas ?? 0;
  if (replicas === 0) replicas = 1;
  if (replicas > MAX_REPLICAS) return invalid(`maximum replicas is ${MAX_REPLICAS}`);
  if (replicas < 0) return jsError('JSReplicasCountCannotBeNegative');
  const orMinusOne = (n: number | undefined): number => (n === undefined || n === 0 || n < -1 ? -1 : n);
  const maxAge = input.max_age ?? 0n;
  if (maxAge < 0n) return invalid('max age can not be negative');
  if (maxAge !== 0n && maxAge < MS100) return invalid('max age needs to be >= 100ms');

  const cfg: StreamConfig = {
    name,
    ...(input.description ? { description: input.description } : {}),
    ...(input.subjects && input.subjects.length > 0 ? { subjects: [...input.subjects] } : {}),
    retention,
    max_consumers: orMinusOne(input.max_consumers),
    max_msgs: orMinusOne(input.max_msgs),
    max_bytes: orMinusOne(input.max_bytes),
    max_age: maxAge,
    max_msgs_per_subject: orMinusOne(input.max_msgs_per_subject),
    max_msg_size: orMinusOne(input.max_msg_size),
    discard,
    storage,
    num_replicas: replicas,
    ...(input.no_ack ? { no_ack: true } : {}),
    duplicate_window: input.duplicate_window ?? 0n,
    ...(input.mirror ? { mirror: source(input.mirror) } : {}),
    ...(input.sources && input.sources.length > 0 ? { sources: input.sources.map(source) } : {}),
    compression,
    ...(input.first_seq ? { first_seq: input.first_seq } : {}),
    ...(input.subject_transform && (input.subject_transform.src || input.subject_transform.dest) ? { subject_transform: { ...input.subject_transform } } : {}),
    ...(input.republish ? { republish: { ...input.republish } } : {}),
    allow_direct: input.allow_direct ?? false,
    mirror_direct: input.mirror_direct ?? false,
    ...(input.discard_new_per_subject ? { discard_new_per_subject: true } : {}),
    sealed: input.sealed ?? false,
    deny_delete: input.deny_delete ?? false,
    deny_purge: input.deny_purge ?? false,
    allow_rollup_hdrs: input.allow_rollup_hdrs ?? false,
    consumer_limits: {
      ...(input.consumer_limits?.inactive_threshold ? { inactive_threshold: input.consumer_limits.inactive_threshold } : {}),
      ...(input.consumer_limits?.max_ack_pending ? { max_ack_pending: input.consumer_limits.max_ack_pending } : {}),
    },
    allow_msg_ttl: input.allow_msg_ttl ?? false,
    ...(input.subject_delete_marker_ttl ? { subject_delete_marker_ttl: input.subject_delete_marker_ttl } : {}),
    ...(input.allow_msg_counter ? { allow_msg_counter: true } : {}),
    ...(input.allow_atomic ? { allow_atomic: true } : {}),
    ...(input.allow_batched ? { allow_batched: true } : {}),
    ...(input.allow_msg_schedules ? { allow_msg_schedules: true } : {}),
    ...(input.persist_mode === 'async' ? { persist_mode: 'async' as const } : {}),
    ...(input.metadata ? { metadata: { ...input.metadata } } : {}),
  };

  if (cfg.duplicate_window === 0n && cfg.mirror === undefined && cfg.sources === undefined) {
    cfg.duplicate_window = cfg.max_age !== 0n && cfg.max_age < DEFAULT_DUPLICATE_WINDOW ? cfg.max_age : DEFAULT_DUPLICATE_WINDOW;
  }
  if (cfg.duplicate_window < 0n) return invalid('duplicates window can not be negative');
  if (cfg.max_age !== 0n && cfg.duplicate_window > cfg.max_age) return invalid('duplicates window can not be larger then max age');
  if (cfg.duplicate_window > 0n && cfg.duplicate_window < MS100) return invalid('duplicates window needs to be >= 100ms');
  if (cfg.deny_purge && cfg.allow_rollup_hdrs) return invalid('roll-ups require the purge permission');
  if (cfg.allow_msg_counter) {
    if (cfg.discard === 'new') return invalid('counter stream cannot use discard new');
    if (cfg.allow_msg_ttl) return invalid('counter stream cannot use message TTLs');
    if (cfg.allow_msg_schedules) return invalid('counter stream cannot use message schedules');
    if (cfg.retention !== 'limits') return invalid('counter stream can only use limits retention');
  }
  if (cfg.discard_new_per_subject) {
    if (cfg.discard !== 'new') return invalid('discard new per subject requires discard new policy to be set');
    if (cfg.max_msgs_per_subject <= 0) return invalid('discard new per subject requires max msgs per subject > 0');
  }
  const sdm = cfg.subject_delete_marker_ttl ?? 0n;
  if (sdm > 0n) {
    if (sdm < SEC) return invalid('subject delete marker TTL must be at least 1 second');
    cfg.allow_msg_ttl = true;
    if (!cfg.allow_rollup_hdrs) {
      cfg.allow_rollup_hdrs = true;
      cfg.deny_purge = false;
    }
  } else if (sdm < 0n) {
    return invalid('subject delete marker TTL must not be negative');
  }
  if (cfg.allow_msg_schedules) {
    if (cfg.discard === 'new') return invalid('message scheduling cannot use discard new');
    if (!cfg.allow_rollup_hdrs) {
      cfg.allow_rollup_hdrs = true;
      cfg.deny_purge = false;
    }
  }
  // Async persist: one server's file store, not with atomic batches (in nats-server's order).
  if (cfg.persist_mode === 'async') {
    if (cfg.storage !== 'file') return invalid('async persist mode is only supported on file storage');
    if (cfg.num_replicas > 1) return invalid('async persist mode is not supported on replicated streams');
    if (cfg.allow_atomic) return invalid('async persist mode is not supported with atomic batch publish');
  }

  if (cfg.mirror !== undefined) {
    const m = cfg.mirror;
    if (cfg.first_seq !== undefined) return jsError('JSMirrorWithFirstSeqErr');
    if (cfg.subjects !== undefined) return jsError('JSMirrorWithSubjectsErr');
    if (cfg.sources !== undefined) return jsError('JSMirrorWithSourcesErr');
    if (cfg.allow_msg_counter) return jsError('JSMirrorWithCountersErr');
    if (cfg.allow_atomic) return jsError('JSMirrorWithAtomicPublishErr');
    if (cfg.allow_batched) return jsError('JSMirrorWithBatchPublishErr');
    if (cfg.allow_msg_schedules) return jsError('JSMirrorWithMsgSchedulesErr');
    const mc = durableConsumerError(m, true);
    if (mc !== null) return mc;
    if (m.filter_subject && m.subject_transforms && m.subject_transforms.length > 0) return jsError('JSMirrorMultipleFiltersNotAllowed');
    if (sdm > 0n) return invalid('subject delete markers forbidden on mirrors');
    for (const t of m.subject_transforms ?? []) {
      if (t.src && !isValidSubject(t.src)) return jsError('JSMirrorInvalidSubjectFilter', { err: `invalid subject ${t.src}` });
      const c = SubjectTransformer.compile(t.src, t.dest || '>');
      if (typeof c === 'string') return jsError('JSMirrorInvalidTransformDestination', { err: c });
    }
    if (m.external === undefined) {
      if (!isValidAssetName(m.name)) return jsError('JSMirrorInvalidStreamName');
      const origin = ctx.stream(m.name);
      if (origin !== undefined) {
        if (cfg.max_msg_size > 0 && origin.max_msg_size > 0 && cfg.max_msg_size < origin.max_msg_size) return jsError('JSMirrorMaxMessageSizeTooBigErr');
        cfg.mirror_direct = origin.allow_direct;
      }
    }
  }
  if (cfg.sources !== undefined && cfg.allow_msg_schedules) return jsError('JSSourceWithMsgSchedulesErr');
  const names = new Set<string>();
  const consumers = new Set<string>();
  for (const src of cfg.sources ?? []) {
    if (!isValidAssetName(src.name)) return jsError('JSSourceInvalidStreamName');
    const iname = `${src.name} ${src.filter_subject ?? ''} ${(src.subject_transforms ?? []).map((t) => `${t.src}>${t.dest}`).join(',')} ${src.external?.api ?? ''} ${src.consumer?.name ?? ''}`;
    if (names.has(iname)) return jsError('JSSourceDuplicateDetected');
    names.add(iname);
    if (src.filter_subject && src.subject_transforms && src.subject_transforms.length > 0) return jsError('JSSourceMultipleFiltersNotAllowed');
    for (const t of src.subject_transforms ?? []) {
      if (t.src && !isValidSubject(t.src)) return jsError('JSSourceInvalidSubjectFilter', { err: `invalid subject ${t.src}` });
      const c = SubjectTransformer.compile(t.src, t.dest || '>');
      if (typeof c === 'string') return jsError('JSSourceInvalidTransformDestination', { err: c });
    }
    const ts = src.subject_transforms ?? [];
    for (let i = 0; i < ts.length; i++) {
      for (let j = 0; j < ts.length; j++) {
        if (i !== j && subjectIsSubset(ts[i]!.src, ts[j]!.src)) return jsError('JSSourceOverlappingSubjectFilters');
      }
    }
    const sc = durableConsumerError(src, false);
    if (sc !== null) return sc;
    if (src.consumer !== undefined) {
      // The same consumer for two sources of one stream (nats-server's composeCName).
      const cname = `${src.name} ${src.external?.api ?? ''} ${src.consumer.name}`;
      if (consumers.has(cname)) return jsError('JSSourceDurableConsumerDuplicateDetected');
      consumers.add(cname);
    }
    const origin = src.external === undefined ? ctx.stream(src.name) : undefined;
    if (origin !== undefined && cfg.max_msg_size > 0 && origin.max_msg_size > 0 && cfg.max_msg_size < origin.max_msg_size) return jsError('JSSourceMaxMessageSizeTooBigErr');
  }
  const cycle = findCycle(cfg, ctx);
  if (cycle !== null) return cycle;

  if (cfg.subjects === undefined) {
    if (cfg.mirror === undefined && cfg.sources === undefined) cfg.subjects = [cfg.name];
  } else {
    const seen = new Set<string>();
    for (let i = 0; i < cfg.subjects.length; i++) {
      const subj = cfg.subjects[i]!;
      if (!isValidSubject(subj)) return invalid('invalid subject');
      if (seen.has(subj)) return invalid('duplicate subjects detected');
      if (subj === '>') {
        if (!cfg.no_ack) return invalid('capturing all subjects requires no-ack to be true');
      }
      if (!cfg.no_ack) {
        for (const ns of ['$JS.>', '$JSC.>', '$NRG.>']) {
          if (subjectsCollide(subj, ns) && !subjectIsSubset(subj, '$JS.EVENT.>')) return invalid('subjects that overlap with jetstream api require no-ack to be true');
        }
        if (subjectsCollide(subj, '$SYS.>') && !subjectIsSubset(subj, '$SYS.ACCOUNT.>')) return invalid('subjects that overlap with system api require no-ack to be true');
      }
      for (const other of cfg.subjects.slice(i + 1)) {
        if (subjectsCollide(other, subj)) return invalid(`subject ${JSON.stringify(subj)} overlaps with ${JSON.stringify(other)}`);
      }
      seen.add(subj);
    }
  }
  if (cfg.subjects === undefined && cfg.sources === undefined && cfg.mirror === undefined) {
    return invalid('stream needs at least one configured subject or be a source/mirror');
  }
  if (cfg.subject_transform !== undefined) {
    const t = cfg.subject_transform;
    if (t.src && !isValidSubject(t.src)) return jsError('JSStreamTransformInvalidSource', { err: `invalid subject ${t.src}` });
    const c = SubjectTransformer.compile(t.src, t.dest);
    if (typeof c === 'string') return jsError('JSStreamTransformInvalidDestination', { err: c });
  }
  if (cfg.republish !== undefined) {
    const r = cfg.republish;
    if (!r.src) r.src = '>';
    for (const subj of cfg.subjects ?? []) {
      if (subjectsCollide(r.dest, subj)) return invalid('stream configuration for republish destination forms a cycle');
    }
    if (!isValidSubject(r.dest) || !isValidSubject(r.src) || typeof SubjectTransformer.compile(r.src, r.dest) === 'string') {
      return invalid(`stream configuration for republish with transform from '${r.src}' to '${r.dest}' not valid`);
    }
  }
  staticMetadata(cfg);
  return cfg;
}

/** nats-server's cycle check over sources and mirrors of streams of this server. */
function findCycle(cfg: StreamConfig, ctx: ResolveContext): JsApiError | null {
  const toVisit: StreamConfig[] = [cfg];
  const visited = new Set<string>();
  const overlaps = (subjects: readonly string[], filter: string | undefined): boolean =>
    filter === undefined || filter === '' || subjects.some((s) => subjectsCollide(s, filter));
  while (toVisit.length > 0) {
    const c = toVisit.shift()!;
    visited.add(c.name);
    for (const src of c.sources ?? []) {
      if (src.external !== undefined) continue;
      if (visited.has(src.name)) {
        if (overlaps(c.subjects ?? [], src.filter_subject)) return invalid('detected cycle');
      } else {
        const o = ctx.stream(src.name);
        if (o !== undefined) toVisit.push(o);
      }
    }
    const m = c.mirror;
    if (m !== undefined && m.external === undefined) {
      if (visited.has(m.name)) return invalid('detected cycle');
      const o = ctx.stream(m.name);
      if (o !== undefined) toVisit.push(o);
    }
  }
  return null;
}

/** nats-server's checks of an update against the config in force (after resolveStreamConfig). */
export function checkStreamUpdate(old: StreamConfig, cfg: StreamConfig): JsApiError | null {
  if (cfg.name !== old.name) return invalid('stream configuration name must match original');
  if (cfg.storage !== old.storage) return invalid('stream configuration update can not change storage type');
  if (cfg.retention !== old.retention && (old.retention === 'workqueue' || cfg.retention === 'workqueue')) {
    return invalid('stream configuration update can not change retention policy to/from workqueue');
  }
  if (!cfg.sealed && old.sealed) return invalid('stream configuration update can not unseal a sealed stream');
  if (!cfg.deny_delete && old.deny_delete) return invalid('stream configuration update can not cancel deny message deletes');
  if (!cfg.deny_purge && old.deny_purge) return invalid('stream configuration update can not cancel deny purge');
  if (cfg.mirror !== undefined && JSON.stringify(cfg.mirror) !== JSON.stringify(old.mirror)) return jsError('JSStreamMirrorNotUpdatableErr');
  if (old.allow_msg_ttl && !cfg.allow_msg_ttl) return invalid('message TTL status can not be disabled');
  if ((cfg.allow_msg_counter === true) !== (old.allow_msg_counter === true)) return invalid('stream configuration update can not change message counter setting');
  if (old.allow_msg_schedules && !cfg.allow_msg_schedules) return invalid('message schedules can not be disabled');
  if (cfg.persist_mode !== old.persist_mode) return invalid('stream configuration update can not change persist mode');
  if (cfg.sealed) {
    cfg.max_age = 0n;
    cfg.discard = 'new';
    cfg.deny_delete = true;
    cfg.deny_purge = true;
    cfg.allow_rollup_hdrs = false;
  }
  return null;
}

/** Whether two stored configs are the same (a create of an existing stream with the same config succeeds). */
export function sameConfig(a: StreamConfig, b: StreamConfig): boolean {
  return canonical(a) === canonical(b);
}

function canonical(c: StreamConfig): string {
  return JSON.stringify(c, (_k, v: unknown) => {
    if (typeof v === 'bigint') return `${v}n`;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(o).sort()) if (o[k] !== undefined) out[k] = o[k];
      return out;
    }
    return v;
  });
}

/** Bytes the config reserves in the account (max_bytes when set). */
export function reservedBytes(c: StreamConfig): number {
  return c.max_bytes > 0 ? c.max_bytes : 0;
}

/** The account limit check of a new (or updated) stream: 10028 / 10047 when it cannot fit. */
export function checkAccountLimits(cfg: StreamConfig, others: Iterable<StreamConfig>, limits: AccountLimits): JsApiError | null {
  const max = cfg.storage === 'memory' ? limits.maxMemory : limits.maxStorage;
  if (max < 0) return null;
  let reserved = reservedBytes(cfg);
  for (const o of others) if (o.storage === cfg.storage && o.name !== cfg.name) reserved += reservedBytes(o);
  if (reserved > max) return cfg.storage === 'memory' ? jsError('JSMemoryResourcesExceededErr') : jsError('JSStorageResourcesExceededErr');
  return null;
}

// ---------------------------------------------------------------------------------------------
// Stored form: the config as the topic config `wharf.jetstream.config` keeps it (Wharf's own
// JSON: nanosecond durations as decimal strings), and the Kafka configs that are views of it.

const BIGINT_FIELDS = ['max_age', 'duplicate_window', 'subject_delete_marker_ttl'] as const;

/** max.message.bytes of a stream topic: a one-record batch of a 64 MB payload (the largest max_payload) with room for its subject and headers. */
export const STREAM_MAX_BATCH_BYTES = 64 * 1024 * 1024 + 64 * 1024;

export function serializeStreamConfig(cfg: StreamConfig): string {
  return JSON.stringify(cfg, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

export function parseStoredStreamConfig(text: string): StreamConfigInput {
  const raw = JSON.parse(text) as Record<string, unknown>;
  for (const f of BIGINT_FIELDS) if (typeof raw[f] === 'string' || typeof raw[f] === 'number') raw[f] = BigInt(raw[f] as string);
  const cl = raw['consumer_limits'] as Record<string, unknown> | undefined;
  if (cl !== undefined && (typeof cl['inactive_threshold'] === 'string' || typeof cl['inactive_threshold'] === 'number')) cl['inactive_threshold'] = BigInt(cl['inactive_threshold'] as string);
  return raw as StreamConfigInput;
}

/** The topic configs of a stream: the stored config and its Kafka views (docs/jetstream.md 1.7). */
export function topicConfigsOf(cfg: StreamConfig): Record<string, string> {
  const maxAgeMs = cfg.max_age > 0n ? cfg.max_age / 1_000_000n : -1n;
  return {
    'wharf.jetstream.config': serializeStreamConfig(cfg),
    'wharf.nats.subjects': (cfg.subjects ?? []).join(','),
    ...(cfg.storage === 'memory' ? { 'wharf.storage': 'memory' } : {}),
    'wharf.max.msgs': String(cfg.max_msgs),
    'retention.ms': String(maxAgeMs <= 0n ? -1n : maxAgeMs),
    'retention.bytes': String(cfg.max_bytes),
    // A mirror keeps the origin's times (only the mirror appends to it); every other stream
    // topic gets the broker's clock for both protocols.
    'message.timestamp.type': cfg.mirror !== undefined ? 'CreateTime' : 'LogAppendTime',
    // A batch of one NATS message of the largest payload (64 MB) must fit.
    'max.message.bytes': String(STREAM_MAX_BATCH_BYTES),
  };
}

/**
 * The config a topic's configs describe: the stored config (when there is one) with the Kafka
 * views applied over it, so that a change made over Kafka (retention.ms, retention.bytes,
 * wharf.max.msgs, wharf.nats.subjects) is a change of the stream. `effective` gives a Kafka
 * config's value, defaults included.
 */
export function configInputOfTopic(name: string, configs: Record<string, string>, effective: (key: string) => string | undefined): StreamConfigInput {
  const stored = configs['wharf.jetstream.config'];
  const input: StreamConfigInput = stored !== undefined && stored !== '' ? parseStoredStreamConfig(stored) : {};
  input.name = name;
  const subjects = configs['wharf.nats.subjects'];
  if (subjects !== undefined) {
    const list = subjects.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    if (list.length > 0 || input.mirror === undefined) input.subjects = list;
  }
  if (configs['wharf.storage'] === 'memory') input.storage = 'memory';
  const ms = Number(effective('retention.ms') ?? '-1');
  input.max_age = ms > 0 ? BigInt(ms) * 1_000_000n : 0n;
  if (input.duplicate_window !== undefined && input.max_age > 0n && input.duplicate_window > input.max_age) input.duplicate_window = input.max_age;
  const bytes = Number(effective('retention.bytes') ?? '-1');
  input.max_bytes = bytes > 0 ? bytes : -1;
  const msgs = Number(configs['wharf.max.msgs'] ?? input.max_msgs ?? -1);
  input.max_msgs = msgs > 0 ? msgs : -1;
  return input;
}
