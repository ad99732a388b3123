// The streams of the broker: every one-partition topic whose configs say it is a stream
// (`wharf.jetstream.config`, or `wharf.nats.subjects` set over Kafka), by name, with its
// captures in the Router and its append check and observer on its partition (docs/jetstream.md
// 1.1-1.3). Topic creation, config changes and deletion go through the log, whichever protocol
// asked: the registry follows them through the log's topic hooks, so a stream deleted over NATS
// is a topic deleted for Kafka and the other way round, and a retention config altered over
// Kafka is a changed stream limit.
//
// Recovery (docs/jetstream.md 1.18): open() loads the stream topics and rebuilds each stream
// from its last index snapshot and its log, before the NATS listener accepts clients; close()
// writes a snapshot of every file stream.
//
// A registry serves one NATS account (account-topics.ts): it keeps the streams of the topics
// that name its account, by stream name (topic `A.S` is stream S of account A), captures in that
// account's Router, and ignores the topics of other accounts. Registries of several accounts
// share one state store (`__jetstream_state`) and one snapshot store (`__jetstream_snapshots`),
// both keyed by topic id.
import type { Logger } from '../../log.js';
import { LogError, isLogError, type Log, type TopicInfo } from '../log/index.js';
import type { PartitionAppendCheck } from '../log/partition.js';
import { viewOf, type CaptureEntry, type Router, type SubscriptionOwner } from '../routing/router.js';
import { isValidLiteralSubject } from '../routing/subject.js';
import { batchIsControl, batchIsTransactional, batchRecordsDataAsync, forEachBatch } from '../records/batch.js';
import { jsError } from './api-errors.js';
import { readRecords, storedSize, headerBlockLength, recordHeader, type StreamRecord } from './record-codec.js';
import type { StreamBackup, StreamBackupManifest } from './stream-backup.js';
import { BackupAppender } from './backup-appender.js';
import { SnapshotStore } from './snapshot-store.js';
import { StreamStateStore } from './state-topic.js';
import { GLOBAL_ACCOUNT } from '../security/principal.js';
import { accountConfigs, accountOfTopic, streamOfTopic, topicOfStream } from './account-topics.js';
import {
  checkAccountLimits,
  checkStreamUpdate,
  configInputOfTopic,
  resolveStreamConfig,
  sameConfig,
  topicConfigsOf,
} from './stream-config.js';
import { subjectsCollide } from './subject-filter.js';
import { Stream, rememberCheckedRecords, type PublishReplies, type StreamStats } from './stream-view.js';
import { StreamSourcing } from './sources.js';
import type { AtomicBatchLimits, BatchAbandonReason } from './atomic-batch.js';
import type { FastBatchLimits } from './fast-batch.js';
import type { AccountLimits, ExternalStream, JsApiError, StreamSource, StreamConfig, StreamConfigInput, StreamRegistry as StreamRegistryApi, StreamRegistryEvent, StreamView } from './types.js';

/** A restore in progress (StreamRegistry.beginRestore). */
export interface RestoreHandle {
  /** Appends one log entry of the snapshot (stored batches in offset order). */
  append(entry: Buffer): Promise<void>;
  /** Completes the restore: the stream, or the error (after which nothing of it is left). */
  finish(): Promise<StreamView | JsApiError>;
  /** Gives up: the topic and its records are deleted. */
  abort(): Promise<void>;
}

export interface StreamRegistryOptions {
  log: Log;
  router: Router;
  logger: Logger;
  /** The PubAck encoding (the JetStream front-end's JSON). */
  replies: PublishReplies;
  limits: AccountLimits;
  /** The NATS account whose streams this registry keeps (default the global account). */
  account?: string;
  /** The state store, when registries of several accounts share it (else the registry opens its own). */
  state?: StreamStateStore;
  /** The snapshot store, when registries of several accounts share it (else the registry opens its own). */
  snapshotStore?: SnapshotStore;
  /**
   * Accounts that have JetStream: a stream topic naming another account is refused when created
   * or altered over Kafka. Given to one registry only (the broker's first).
   */
  accounts?: ReadonlySet<string>;
  /** Bytes appended to a stream between two index snapshots (0: snapshots only at a clean close; default 64 MiB). */
  snapshotBytes?: number;
  /** Index snapshots on (default); off: every start replays each stream's whole log. */
  snapshots?: boolean;
  /** Atomic batch publish limits, shared by the streams (default nats-server's). */
  batchLimits?: AtomicBatchLimits;
  /** Fast batch publish limits, shared by the streams (default nats-server's). */
  fastBatchLimits?: FastBatchLimits;
  /**
   * The origin of a source or mirror with an `external` API prefix (another account's stream,
   * reached through this account's imports); absent: such sources find none.
   */
  externalOrigin?: (name: string, external: ExternalStream) => Stream | undefined;
  /** An open atomic batch of a stream was abandoned (for the BATCH_ABANDONED advisory). */
  batchAbandoned?: (stream: string, batch: string, reason: BatchAbandonReason) => void;
}

class Capture implements CaptureEntry {
  readonly queue = undefined;
  constructor(
    readonly subject: string,
    private readonly stream: Stream,
  ) {}
  /** The stream checks and stores the message from a view of the range; what it keeps past the call it copies (stream-view.ts). */
  capture(subject: string, reply: string | undefined, hdrLen: number, buf: Buffer, start: number, end: number, origin: SubscriptionOwner | null): boolean {
    return this.stream.capture(subject, reply, hdrLen, viewOf(buf, start, end), origin);
  }
}

const isStreamTopic = (configs: Record<string, string>): boolean => configs['wharf.jetstream.config'] !== undefined || configs['wharf.nats.subjects'] !== undefined;

export class StreamRegistry implements StreamRegistryApi {
  private readonly streams = new Map<string, Stream>();
  private readonly captures = new Map<string, Capture[]>();
  private readonly sourcing = new Map<string, StreamSourcing>();
  private readonly listeners = new Set<(ev: StreamRegistryEvent) => void>();
  private readonly owner: SubscriptionOwner = { echo: true };
  readonly stats: StreamStats = { omittedHeaders: 0 };
  private removeHooks: (() => void) | null = null;
  /** Streams being restored (STREAM.RESTORE): their topic exists, the stream is attached once the data is in. */
  private readonly restoring = new Set<string>();
  /** A create or update in progress through this registry: its topic hook must not re-derive the config. */
  private pending: StreamConfig | null = null;
  private readonly log: Logger;
  readonly account: string;

  private constructor(
    private readonly opts: StreamRegistryOptions,
    private readonly state: StreamStateStore,
    private readonly snapshots: SnapshotStore | null,
  ) {
    this.account = opts.account ?? GLOBAL_ACCOUNT;
    this.log = opts.logger.child(this.account === GLOBAL_ACCOUNT ? { component: 'streams' } : { component: 'streams', account: this.account });
  }

  /** The topic of one of this account's streams. */
  topicOf(stream: string): string {
    return topicOfStream(this.account, stream);
  }

  /** The stream name of a topic, when the topic is one of this account's (by its configs and name). */
  private streamNameOf(topic: string, configs: Readonly<Record<string, string>>): string | null {
    if (accountOfTopic(configs) !== this.account) return null;
    return streamOfTopic(this.account, topic);
  }

  /** Loads every stream topic and rebuilds its stream from the log, then follows topic changes. */
  static async open(opts: StreamRegistryOptions): Promise<StreamRegistry> {
    const started = Date.now();
    const state = opts.state ?? (await StreamStateStore.open(opts.log, opts.logger));
    const snapshots = opts.snapshots === false ? null : (opts.snapshotStore ?? (await SnapshotStore.open(opts.log, opts.logger)));
    const reg = new StreamRegistry(opts, state, snapshots);
    for (const t of opts.log.listTopics()) {
      if (t.internal || !isStreamTopic(t.configs) || accountOfTopic(t.configs) !== reg.account) continue;
      if (reg.streamNameOf(t.name, t.configs) === null) {
        reg.log.error({ topic: t.name }, `stream topic of account ${reg.account} not named ${reg.account}.<stream>: not a stream`);
        continue;
      }
      const cfg = reg.deriveConfig(t);
      if ('err_code' in cfg) {
        reg.log.error({ topic: t.name, error: cfg.description }, 'stream topic with an unusable config: not a stream');
        continue;
      }
      if (t.partitions !== 1) {
        reg.log.error({ topic: t.name }, 'stream topic with several partitions: not a stream');
        continue;
      }
      const stream = reg.attach(t, cfg);
      try {
        await stream.recover(state.records(t.topicId));
      } catch (err) {
        // Corruption found while the stream's log is read takes its partition offline (the
        // storage does); the stream then serves nothing from it, and the broker starts.
        if (stream.online) throw err;
        reg.log.error({ stream: stream.name, err }, 'stream is offline: its partition is damaged');
      }
    }
    snapshots?.releaseLoaded();
    for (const s of reg.streams.values()) reg.startSourcing(s);
    reg.removeHooks = opts.log.addTopicHooks({
      validate: (name, configs, partitions, existing) => reg.validateTopic(name, configs, partitions, existing),
      created: (info) => reg.topicCreated(info),
      altered: (info) => reg.topicAltered(info),
      deleted: (info) => reg.topicDeleted(info),
    });
    reg.log.info({ streams: reg.streams.size, ms: Date.now() - started }, 'streams recovered');
    return reg;
  }

  private limitsCtx() {
    return { stream: (n: string) => this.streams.get(n)?.config, limits: this.opts.limits };
  }

  private deriveConfig(t: TopicInfo): StreamConfig | JsApiError {
    const effective = (key: string): string | undefined => t.configs[key] ?? this.opts.log.describeTopic(t.name).effectiveConfigs.find((c) => c.name === key)?.value;
    return resolveStreamConfig(configInputOfTopic(this.streamNameOf(t.name, t.configs) ?? t.name, t.configs, effective), this.limitsCtx());
  }

  private emit(ev: StreamRegistryEvent): void {
    for (const l of this.listeners) {
      try {
        l(ev);
      } catch (err) {
        this.log.error({ err }, 'stream registry listener failed');
      }
    }
  }

  onChange(listener: (ev: StreamRegistryEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(name: string): Stream | undefined {
    return this.streams.get(name);
  }

  all(): Stream[] {
    return [...this.streams.values()];
  }

  names(subjectFilter?: string): string[] {
    const out: string[] = [];
    for (const s of this.streams.values()) {
      if (subjectFilter !== undefined && subjectFilter !== '' && !(s.config.subjects ?? []).some((x) => subjectsCollide(x, subjectFilter))) continue;
      out.push(s.name);
    }
    return out.sort();
  }

  capturing(subject: string): Stream | undefined {
    const m = this.opts.router.captures.match(subject).plain[0];
    if (m === undefined) return undefined;
    for (const [name, caps] of this.captures) if (caps.includes(m as Capture)) return this.streams.get(name);
    return undefined;
  }

  /** The stream whose subjects collide with one of `subjects`, other than `except`. */
  private overlapping(subjects: readonly string[], except: string): Stream | undefined {
    for (const s of this.streams.values()) {
      if (s.name === except) continue;
      for (const a of s.config.subjects ?? []) for (const b of subjects) if (subjectsCollide(a, b)) return s;
    }
    return undefined;
  }

  // ------------------------------------------------------------------------------------------
  // The API

  async create(input: StreamConfigInput): Promise<{ stream: StreamView; created: boolean } | JsApiError> {
    const cfg = resolveStreamConfig(input, this.limitsCtx());
    if ('err_code' in cfg) return cfg;
    if (cfg.num_replicas > 1) return jsError('JSStreamReplicasNotSupportedErr');
    const existing = this.streams.get(cfg.name);
    if (existing !== undefined) {
      if (sameConfig(existing.config, cfg)) return { stream: existing, created: false };
      return jsError('JSStreamNameExistErr');
    }
    const topic = this.topicOf(cfg.name);
    if (this.opts.log.hasTopic(topic)) {
      const t = this.opts.log.topicInfo(topic)!;
      if (t.partitions !== 1) return jsError('JSStreamInvalidConfigF', { err: `topic ${topic} has ${t.partitions} partitions: a JetStream stream needs a one-partition topic` });
      return jsError('JSStreamNameExistErr');
    }
    if (this.overlapping(cfg.subjects ?? [], cfg.name) !== undefined) return jsError('JSStreamSubjectOverlapErr');
    const maxStreams = this.opts.limits.maxStreams ?? -1;
    if (maxStreams > 0 && this.streams.size >= maxStreams) return jsError('JSMaximumStreamsLimitErr');
    const limits = checkAccountLimits(cfg, this.all().map((s) => s.config), this.opts.limits);
    if (limits !== null) return limits;
    this.pending = cfg;
    try {
      await this.opts.log.createTopic(topic, { partitions: 1, configs: { ...topicConfigsOf(cfg), ...accountConfigs(this.account) } });
    } catch (e) {
      return jsError('JSStreamCreateErrF', { err: e instanceof Error ? e.message : String(e) });
    } finally {
      this.pending = null;
    }
    const stream = this.streams.get(cfg.name)!;
    if (cfg.first_seq !== undefined && cfg.first_seq > 1) await stream.initFirstSeq(cfg.first_seq);
    return { stream, created: true };
  }

  async update(input: StreamConfigInput): Promise<StreamView | JsApiError> {
    const name = input.name ?? '';
    const stream = this.streams.get(name);
    if (stream === undefined) return jsError('JSStreamNotFoundErr');
    const cfg = resolveStreamConfig(input, this.limitsCtx());
    if ('err_code' in cfg) return cfg;
    if (cfg.num_replicas > 1) return jsError('JSStreamReplicasNotSupportedErr');
    const bad = checkStreamUpdate(stream.config, cfg);
    if (bad !== null) return bad;
    if (this.overlapping(cfg.subjects ?? [], cfg.name) !== undefined) return jsError('JSStreamSubjectOverlapErr');
    const limits = checkAccountLimits(cfg, this.all().map((s) => s.config), this.opts.limits);
    if (limits !== null) return limits;
    this.pending = cfg;
    try {
      await this.opts.log.alterTopicConfigs(this.topicOf(name), topicConfigsOf(cfg));
    } catch (e) {
      return jsError('JSStreamUpdateErrF', { err: e instanceof Error ? e.message : String(e) });
    } finally {
      this.pending = null;
    }
    return this.streams.get(name)!;
  }

  /**
   * What a snapshot of a stream holds besides its consumers (stream-backup.ts), as of now: the
   * manifest fields and a reader of the stored batches up to the current end. Null when there is
   * no such stream.
   */
  async backupSource(name: string): Promise<{ manifest: Omit<StreamBackupManifest, 'format' | 'version' | 'consumers'>; batches: () => AsyncIterable<{ offset: number; data: Buffer }> } | null> {
    const s = this.streams.get(name);
    if (s === undefined) return null;
    await s.settled();
    const topic = this.topicOf(name);
    const info = this.opts.log.topicInfo(topic);
    if (info === null) return null;
    const partition = this.opts.log.partition(topic, 0);
    const logStart = partition.logStartOffset;
    const end = Math.max(logStart, s.durableSeq);
    const rec = this.state.records(s.topicId);
    const manifest = {
      stream: name,
      taken: Date.now(),
      topic_configs: { ...info.configs },
      log_start: logStart,
      end,
      deletes: rec.deletes.filter((d) => d.to > logStart).map((d) => ({ ...d })),
      limits: rec.limits.map((l) => ({ ...l })),
      sources: Object.fromEntries(rec.sources),
    };
    async function* batches(): AsyncGenerator<{ offset: number; data: Buffer }> {
      let offset = logStart;
      while (offset < end) {
        const r = await partition.read(offset, 1024 * 1024, { maxOffset: end });
        if (r.chunks.length === 0 || r.nextOffset <= offset) break;
        yield { offset, data: Buffer.concat(r.chunks) };
        offset = r.nextOffset;
      }
    }
    return { manifest, batches };
  }

  /**
   * STREAM.RESTORE once the snapshot is received: a new stream under `input`'s config whose topic
   * gets the snapshot's stored batches at their offsets and its state records, then is rebuilt
   * from its log as on a restart (stream-backup.ts). Whole or nothing: on any failure the topic
   * is deleted again. The stream is not visible to NATS (no captures, not listed) and Kafka
   * producers are refused until it is complete.
   */
  /**
   * The checks of a restore request before the snapshot is sent (nats-server's order: the
   * config, the account's limits, then the name): the config to restore under, or the error.
   */
  restoreCheck(input: StreamConfigInput): StreamConfig | JsApiError {
    const cfg = resolveStreamConfig(input, this.limitsCtx());
    if ('err_code' in cfg) return cfg;
    if (cfg.num_replicas > 1) return jsError('JSStreamReplicasNotSupportedErr');
    const maxStreams = this.opts.limits.maxStreams ?? -1;
    if (maxStreams > 0 && this.streams.size >= maxStreams) return jsError('JSMaximumStreamsLimitErr');
    const limits = checkAccountLimits(cfg, this.all().map((s) => s.config), this.opts.limits);
    if (limits !== null) return limits;
    if (this.streams.has(cfg.name) || this.restoring.has(cfg.name) || this.opts.log.hasTopic(this.topicOf(cfg.name))) return jsError('JSStreamNameExistRestoreFailedErr');
    return cfg;
  }

  /** A whole decoded snapshot restored (a nats-server archive, tests): beginRestore, every entry, finish. */
  async restore(input: StreamConfigInput, backup: StreamBackup): Promise<StreamView | JsApiError> {
    const h = await this.beginRestore(input, backup.manifest);
    if ('err_code' in h) return h;
    try {
      for (const entry of backup.batches) await h.append(entry);
    } catch (e) {
      await h.abort();
      return jsError('JSStreamRestoreErrF', { err: e instanceof Error ? e.message : String(e) });
    }
    return h.finish();
  }

  /**
   * Starts a restore once the snapshot's manifest is known: checks the config, creates the
   * topic (not yet a stream: no captures, not listed, Kafka producers refused) and returns the
   * handle that appends the snapshot's log entries as they arrive, then finishes (state records,
   * the rebuild from the log, the stream attached) or aborts (the topic and records deleted).
   */
  async beginRestore(input: StreamConfigInput, m: StreamBackupManifest): Promise<RestoreHandle | JsApiError> {
    const checked = this.restoreCheck(input);
    if ('err_code' in checked) return checked.err_code === 10130 ? checked : jsError('JSStreamRestoreErrF', { err: checked.description });
    const cfg = checked;
    const topic = this.topicOf(cfg.name);
    if (this.overlapping(cfg.subjects ?? [], cfg.name) !== undefined) return jsError('JSStreamRestoreErrF', { err: jsError('JSStreamSubjectOverlapErr').description });
    // The snapshot's topic configs, except what the stream config and the account decide.
    const kept: Record<string, string> = {};
    for (const [k, v] of Object.entries(m.topic_configs)) if (!k.startsWith('wharf.jetstream.') && !['wharf.nats.subjects', 'wharf.nats.account', 'wharf.storage'].includes(k)) kept[k] = v;
    const configs = { ...kept, ...topicConfigsOf(cfg), ...accountConfigs(this.account) };
    this.restoring.add(cfg.name);
    this.pending = cfg;
    try {
      await this.opts.log.createTopic(topic, { partitions: 1, configs });
    } catch (e) {
      this.restoring.delete(cfg.name);
      return jsError('JSStreamRestoreErrF', { err: e instanceof Error ? e.message : String(e) });
    } finally {
      this.pending = null;
    }
    const t = this.opts.log.topicInfo(topic)!;
    const partition = this.opts.log.partition(topic, 0);
    partition.setAppendCheck({ check: () => new LogError('POLICY_VIOLATION', `stream ${cfg.name} is being restored`) });
    const appender = new BackupAppender(partition, m.log_start, m.end);
    let done = false;
    const abort = async (e: unknown): Promise<void> => {
      if (done) return;
      done = true;
      this.log.warn({ err: e, stream: cfg.name }, 'restore failed: the partly restored stream is removed');
      await this.discardRestore(cfg.name, topic, t.topicId);
    };
    return {
      append: async (entry) => {
        if (done) throw new Error('the restore has ended');
        try {
          await appender.entry(entry);
        } catch (e) {
          await abort(e);
          throw e;
        }
      },
      abort: () => abort(new Error('abandoned')),
      finish: async () => {
        if (done) return jsError('JSStreamRestoreErrF', { err: 'the restore has ended' });
        try {
          await appender.end();
          if (m.deletes.length > 0) await this.state.addDeletes(t.topicId, m.deletes);
          if (m.limits.length > 0) await this.state.addLimitEpochs(t.topicId, m.limits);
          for (const [origin, seq] of Object.entries(m.sources)) await this.state.setSourceCursor(t.topicId, origin, seq);
          const stream = this.attach(t, cfg);
          await stream.recover(this.state.records(t.topicId));
          done = true;
          this.restoring.delete(cfg.name);
          this.startSourcing(stream);
          for (const other of this.sourcing.values()) other.poke(stream.name);
          this.emit({ kind: 'created', stream });
          return stream;
        } catch (e) {
          await abort(e);
          return jsError('JSStreamRestoreErrF', { err: e instanceof Error ? e.message : String(e) });
        }
      },
    };
  }

  /** Removes what a failed restore made: the topic and the state records. */
  private async discardRestore(name: string, topic: string, topicId: string): Promise<void> {
    const s = this.streams.get(name);
    if (s !== undefined && s.topicId === topicId) {
      this.streams.delete(name);
      this.detachCaptures(name);
      s.close();
    }
    try {
      await this.opts.log.deleteTopic(topic);
    } catch (err) {
      if (!isLogError(err, 'UNKNOWN_TOPIC_OR_PARTITION')) this.log.error({ err, stream: name }, 'removing a failed restore failed');
    }
    this.restoring.delete(name);
    await this.state.forget(topicId).catch(() => {});
  }

  async delete(name: string): Promise<boolean> {
    if (!this.streams.has(name)) return false;
    try {
      await this.opts.log.deleteTopic(this.topicOf(name));
    } catch (e) {
      if (isLogError(e, 'UNKNOWN_TOPIC_OR_PARTITION')) return false;
      throw e;
    }
    return true;
  }

  // ------------------------------------------------------------------------------------------
  // Topic hooks: the log tells the registry about every topic change, whoever made it

  private validateTopic(name: string, configs: Record<string, string>, partitions: number, existing: TopicInfo | null): void {
    const own = streamOfTopic(this.account, name);
    const stream = own !== null && existing !== null && accountOfTopic(existing.configs) === this.account ? this.streams.get(own) : undefined;
    if (!isStreamTopic(configs)) {
      if (stream !== undefined) throw new LogError('INVALID_CONFIG', `topic ${name} is a JetStream stream: its wharf.jetstream.config and wharf.nats.subjects cannot be removed`);
      return;
    }
    const account = accountOfTopic(configs);
    if (stream !== undefined && account !== this.account) throw new LogError('INVALID_CONFIG', `topic ${name} is a JetStream stream of account ${this.account}: its wharf.nats.account cannot change`);
    if (this.opts.accounts !== undefined && !this.opts.accounts.has(account)) throw new LogError('INVALID_CONFIG', `topic ${name}: account ${account} (wharf.nats.account) has no JetStream`);
    if (account !== this.account) return;
    if (own === null) throw new LogError('INVALID_CONFIG', `topic ${name}: a stream topic of account ${account} is named ${account}.<stream>`);
    if (partitions !== 1) throw new LogError('INVALID_CONFIG', `topic ${name} has ${partitions} partitions: a JetStream stream (wharf.nats.subjects) needs a one-partition topic`);
    if ((configs['cleanup.policy'] ?? '').includes('compact')) throw new LogError('INVALID_CONFIG', `topic ${name} is a JetStream stream: it enforces its own limits and cannot be compacted`);
    if (this.pending !== null && this.pending.name === own) return;
    const effective = (key: string): string | undefined =>
      configs[key] ?? (existing !== null ? this.opts.log.describeTopic(name).effectiveConfigs.find((c) => c.name === key)?.value : this.opts.log.defaults.topicDefaults?.[key]) ?? defaultKafka(key);
    const cfg = resolveStreamConfig(configInputOfTopic(own, configs, effective), this.limitsCtx());
    if ('err_code' in cfg) throw new LogError('INVALID_CONFIG', `topic ${name} as a stream: ${cfg.description}`);
    if (configs['message.timestamp.type'] === 'CreateTime' && cfg.mirror === undefined) {
      throw new LogError('INVALID_CONFIG', `topic ${name} is a JetStream stream: it takes the broker's clock (message.timestamp.type LogAppendTime); only a mirror keeps its origin's times`);
    }
    const other = this.overlapping(cfg.subjects ?? [], own);
    if (other !== undefined) throw new LogError('INVALID_CONFIG', `topic ${name}: wharf.nats.subjects overlap with stream ${other.name}`);
    if (stream !== undefined) {
      const bad = checkStreamUpdate(stream.config, cfg);
      if (bad !== null) throw new LogError('INVALID_CONFIG', `topic ${name} as a stream: ${bad.description}`);
    }
  }

  private topicCreated(info: TopicInfo): void {
    if (info.internal || !isStreamTopic(info.configs)) return;
    const own = this.streamNameOf(info.name, info.configs);
    if (own === null || this.restoring.has(own)) return;
    const cfg = this.pending !== null && this.pending.name === own ? this.pending : this.deriveConfig(info);
    if ('err_code' in cfg) return;
    const stream = this.attach(info, cfg);
    stream.startEmpty();
    this.startSourcing(stream);
    for (const other of this.sourcing.values()) other.poke(stream.name);
    this.emit({ kind: 'created', stream });
  }

  /** Starts the readers of a stream's sources and mirror, if it has any. */
  private startSourcing(stream: Stream): void {
    this.sourcing.get(stream.name)?.stop();
    this.sourcing.delete(stream.name);
    const cfg = stream.config;
    if (cfg.mirror === undefined && (cfg.sources === undefined || cfg.sources.length === 0)) return;
    const lookup = (src: StreamSource): Stream | undefined => (src.external === undefined ? this.streams.get(src.name) : this.opts.externalOrigin?.(src.name, src.external));
    const sourcing = new StreamSourcing(stream, lookup, this.state, this.opts.logger, { router: this.opts.router, owner: this.owner });
    this.sourcing.set(stream.name, sourcing);
    sourcing.start();
  }

  private topicAltered(info: TopicInfo): void {
    const own = this.streamNameOf(info.name, info.configs);
    if (own === null) return;
    const stream = this.streams.get(own);
    if (stream === undefined) {
      // Configs set over Kafka on an existing topic make it a stream.
      if (isStreamTopic(info.configs) && info.partitions === 1) {
        const cfg = this.deriveConfig(info);
        if ('err_code' in cfg) return;
        const s = this.attach(info, cfg);
        void s.recover(this.state.records(info.topicId)).then(() => this.emit({ kind: 'created', stream: s }));
      }
      return;
    }
    const cfg = this.pending !== null && this.pending.name === own ? this.pending : this.deriveConfig(info);
    if ('err_code' in cfg) return;
    const before = JSON.stringify([stream.config.mirror, stream.config.sources]);
    this.detachCaptures(own);
    stream.reconfigure(cfg);
    this.attachCaptures(stream);
    if (JSON.stringify([cfg.mirror, cfg.sources]) !== before) this.startSourcing(stream);
    this.emit({ kind: 'updated', stream });
  }

  private topicDeleted(info: TopicInfo): void {
    const own = streamOfTopic(this.account, info.name);
    const stream = own === null ? undefined : this.streams.get(own);
    if (own === null || stream === undefined || stream.topicId !== info.topicId) return;
    this.streams.delete(own);
    this.detachCaptures(own);
    this.sourcing.get(own)?.stop();
    this.sourcing.delete(own);
    stream.close();
    void this.state.forget(info.topicId).catch((err: unknown) => this.log.warn({ err }, 'forgetting the state records of a deleted stream failed'));
    void this.snapshots?.forget(info.topicId);
    this.emit({ kind: 'deleted', stream });
  }

  // ------------------------------------------------------------------------------------------
  // Wiring a stream to its partition and to the Router

  private attach(t: TopicInfo, cfg: StreamConfig): Stream {
    const partition = this.opts.log.partition(t.name, 0);
    const stream = new Stream(
      {
        router: this.opts.router,
        owner: this.owner,
        replies: this.opts.replies,
        state: this.state,
        logger: this.opts.logger,
        stats: this.stats,
        snapshots: this.snapshots,
        snapshotBytes: this.opts.snapshotBytes ?? 64 * 1024 * 1024,
        ...(this.opts.batchLimits !== undefined ? { batchLimits: this.opts.batchLimits } : {}),
        ...(this.opts.fastBatchLimits !== undefined ? { fastBatchLimits: this.opts.fastBatchLimits } : {}),
        ...(this.opts.batchAbandoned !== undefined ? { batchAbandoned: this.opts.batchAbandoned } : {}),
      },
      partition,
      t.topicId,
      cfg,
      this.createdOf(t),
    );
    const foreign = t.configs['wharf.nats.foreign-subject'];
    stream.foreign = { subject: foreign !== undefined && foreign !== '' ? foreign : null };
    partition.setAppendCheck(this.appendCheck(stream));
    this.streams.set(cfg.name, stream);
    this.attachCaptures(stream);
    return stream;
  }

  private createdOf(t: TopicInfo): number {
    return t.createdAt;
  }

  private attachCaptures(stream: Stream): void {
    const caps: Capture[] = [];
    for (const subject of stream.config.subjects ?? []) {
      const c = new Capture(subject, stream);
      if (this.opts.router.captures.insert(c)) caps.push(c);
    }
    this.captures.set(stream.name, caps);
  }

  private detachCaptures(name: string): void {
    for (const c of this.captures.get(name) ?? []) this.opts.router.captures.remove(c);
    this.captures.delete(name);
  }

  /**
   * The check of Kafka producers' batches on a stream topic (docs/jetstream.md 1.1, 1.7): keys
   * must be subjects the stream captures (unless wharf.nats.foreign-subject says where else
   * such records are seen), no transactions, max_msg_size per record, discard-new limits. The
   * decoded records are kept for the append observer.
   */
  private appendCheck(stream: Stream): PartitionAppendCheck {
    return {
      check: async (batch: Buffer): Promise<LogError | null> => {
        const cfg = stream.config;
        if (cfg.sealed) return new LogError('POLICY_VIOLATION', `stream ${cfg.name} is sealed`);
        if (cfg.mirror !== undefined) return new LogError('POLICY_VIOLATION', `stream ${cfg.name} is a mirror of ${cfg.mirror.name}: only the mirror appends to it`);
        let error: LogError | null = null;
        const batches: Buffer[] = [];
        forEachBatch(batch, (pos, size) => {
          batches.push(batch.subarray(pos, pos + size));
        });
        const all: StreamRecord[] = [];
        for (const b of batches) {
          if (batchIsControl(b)) continue;
          if (batchIsTransactional(b)) return new LogError('INVALID_RECORD', `stream ${cfg.name}: transactional records are not supported on a stream topic`);
          const recs = readRecords(b, await batchRecordsDataAsync(b));
          all.push(...recs);
        }
        let msgs = 0;
        let bytes = 0;
        const perSubject = new Map<string, number>();
        for (const r of all) {
          const key = r.key === null ? null : r.key.toString('latin1');
          const subject = key !== null && isValidLiteralSubject(key) && stream.captures(key) ? key : stream.foreign.subject;
          if (subject === null) {
            error = new LogError('INVALID_RECORD', `record key is not a subject of stream ${cfg.name}`);
            break;
          }
          const hdrLen = headerBlockLength(r.headers);
          const dataLen = r.value?.length ?? 0;
          if (cfg.max_msg_size >= 0 && hdrLen + dataLen > cfg.max_msg_size) {
            error = new LogError('INVALID_RECORD', `message size exceeds maximum allowed (max_msg_size ${cfg.max_msg_size} of stream ${cfg.name})`);
            break;
          }
          if (recordHeader(r, 'Nats-Stream-Source') !== undefined) {
            error = new LogError('INVALID_RECORD', `stream ${cfg.name}: the Nats-Stream-Source header is not allowed`);
            break;
          }
          if (recordHeader(r, 'Nats-TTL') !== undefined && !cfg.allow_msg_ttl) {
            error = new LogError('INVALID_RECORD', `stream ${cfg.name}: per-message TTL is disabled`);
            break;
          }
          msgs++;
          bytes += storedSize(cfg.storage === 'memory', subject.length, hdrLen, dataLen);
          perSubject.set(subject, (perSubject.get(subject) ?? 0) + 1);
        }
        if (error === null && cfg.discard === 'new') {
          if (cfg.max_msgs > 0 && stream.messages + msgs > cfg.max_msgs) error = new LogError('POLICY_VIOLATION', `stream ${cfg.name}: maximum messages exceeded`);
          else if (cfg.max_bytes > 0 && stream.bytes + bytes > cfg.max_bytes) error = new LogError('POLICY_VIOLATION', `stream ${cfg.name}: maximum bytes exceeded`);
          else if (cfg.discard_new_per_subject && cfg.max_msgs_per_subject > 0) {
            for (const [s, n] of perSubject) {
              if (stream.countOf(s) + n > cfg.max_msgs_per_subject) {
                error = new LogError('POLICY_VIOLATION', `stream ${cfg.name}: maximum messages per subject exceeded`);
                break;
              }
            }
          }
        }
        if (error === null) {
          // Kept for the observer, which indexes the records when the append is issued.
          if (batches.length === 1) rememberCheckedRecords(batch, all);
        }
        return error;
      },
    };
  }

  /** Totals for account info and /jsz. */
  usage(): { memory: number; storage: number; streams: number; messages: number; bytes: number } {
    let memory = 0;
    let storage = 0;
    let messages = 0;
    for (const s of this.streams.values()) {
      const st = s.state();
      if (s.config.storage === 'memory') memory += st.bytes;
      else storage += st.bytes;
      messages += st.messages;
    }
    return { memory, storage, streams: this.streams.size, messages, bytes: memory + storage };
  }

  /** Stops following topics and closes every stream (the log closes after this). */
  async close(): Promise<void> {
    this.removeHooks?.();
    this.removeHooks = null;
    for (const s of this.sourcing.values()) s.stop();
    this.sourcing.clear();
    for (const s of this.streams.values()) {
      await s.settled().catch(() => {});
      this.detachCaptures(s.name);
      await s.writeSnapshot().catch((err: unknown) => this.log.warn({ err, stream: s.name }, 'writing the index snapshot at close failed'));
      s.close();
    }
    this.streams.clear();
  }
}

/** Kafka's defaults of the retention configs a new topic's stream view reads. */
function defaultKafka(key: string): string | undefined {
  if (key === 'retention.ms') return '604800000';
  if (key === 'retention.bytes') return '-1';
  return undefined;
}
