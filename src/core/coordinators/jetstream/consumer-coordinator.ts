// The JetStream consumer coordinator: consumers by stream; create, update and delete with
// nats-server's rules (actions, work-queue partitions, max_consumers, names); durable state in
// `__jetstream_consumers` restored on start; inactivity deletes; and the interest and work-queue
// retention of streams, which removes a message only once every consumer that wants it has
// acknowledged it durably (docs/jetstream.md 1.10, 1.11).
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../../log.js';
import type { Log } from '../../log/index.js';
import type { JsApiError, StreamRegistry, StreamView } from '../../streams/types.js';
import { subjectFilter } from '../../streams/subject-filter.js';
import { startTimeMs } from '../../streams/go-duration.js';
import { InternalTopic } from '../internal-topic.js';
import {
  checkConfig,
  checkUpdate,
  configFromRecord,
  configToRecord,
  configsEqual,
  copyRequiredLevel,
  filtersCollide,
  filtersOf,
  isDurable,
  isPush,
  isValidAssetName,
  MAX_NAME_LEN,
  NO_SERVER_LIMITS,
  setStaticMetadata,
  pedanticError,
  withDefaults,
  type ConsumerConfig,
  type ConsumerConfigInput,
  type ConsumerServerLimits,
} from './consumer-config.js';
import { ConsumerErrors as E } from './consumer-errors.js';
import { reconcileWithStream } from './reconcile-state.js';
import { CONSUMER_STATE_TOPIC, ConsumerStateStore, type ConsumerJournal, type ConsumerRecord, type ConsumerSnapshot, type RecoveredConsumer } from './consumer-state-store.js';
import type { ConsumerEvents, ConsumerInfo, PushSink } from './consumer-types.js';
import { Consumer, type ConsumerHost, type ConsumerStart } from './consumer.js';

/** Lifecycle events the front-end turns into advisories, besides the per-message ones. */
export interface CoordinatorEvents extends ConsumerEvents {
  created(stream: string, consumer: string): void;
  deleted(stream: string, consumer: string): void;
  paused(stream: string, consumer: string, paused: boolean, pauseUntil: string | undefined): void;
}

/** Makes the push sink of a push consumer (the front-end's, over the Router). */
export type PushSinkFactory = (stream: StreamView, consumer: Consumer) => PushSink;

export interface ConsumerCoordinatorOptions {
  log: Log;
  streams: StreamRegistry;
  logger: Logger;
  events: CoordinatorEvents;
  pushSinks: PushSinkFactory;
  limits?: ConsumerServerLimits;
  /**
   * The consumer state shared by the coordinators of several accounts (one per account, each over
   * its account's streams): opened and replayed once. A recovered consumer of a stream this
   * coordinator does not serve is left to the others, unless `isStale` says no account has its
   * stream: then its records are dropped.
   */
  shared?: SharedConsumerState;
}

/** `__jetstream_consumers` opened and replayed once, for the coordinators of several accounts. */
export interface SharedConsumerState {
  readonly topic: InternalTopic;
  readonly store: ConsumerStateStore;
  readonly recovered: Awaited<ReturnType<typeof ConsumerStateStore.recover>>;
  /** Whether a topic id is no account's stream (its consumers' records may be dropped). */
  isStale(topicId: string): boolean;
}

/** Opens and replays the consumer state topic once for several coordinators. */
export async function openSharedConsumerState(log: Log, logger: Logger, isStale: (topicId: string) => boolean): Promise<SharedConsumerState> {
  const topic = await InternalTopic.open(log, CONSUMER_STATE_TOPIC, logger);
  const store = new ConsumerStateStore(topic, logger.child({ component: 'jetstream-consumer-state' }));
  const recovered = await ConsumerStateStore.recover(topic, logger.child({ component: 'jetstream-consumers' }));
  return { topic, store, recovered, isStale };
}

export type CreateAction = 'create' | 'update' | '';

/** The config as the durable record keeps it (durations as decimal strings). */
export function encodeConfig(cfg: ConsumerConfig): Record<string, unknown> {
  return configToRecord(cfg);
}

/** The config of a durable record (the `$lps` resume point is the record's, not the config's). */
export function decodeConfig(v: Record<string, unknown>): ConsumerConfig {
  return configFromRecord(v);
}

/** Sequences an interest-retention sweep looks at per removal pass. */
const SWEEP_CHUNK = 65_536;

function ephemeralName(): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  let s = '';
  for (const b of randomBytes(8)) s += alphabet[b % 62];
  return s;
}

/** The consumers of one stream, with what retention needs. */
class StreamConsumers {
  readonly consumers = new Map<string, Consumer>();
  readonly journals = new Map<string, ConsumerJournal>();
  readonly records = new Map<string, ConsumerRecord>();
  /** Acknowledged sequences waiting for the next removal pass. */
  removable = new Set<number>();
  removal: Promise<void> | null = null;
  constructor(readonly stream: StreamView) {}
}

export class ConsumerCoordinator {
  private readonly byStream = new Map<string, StreamConsumers>();
  private readonly limits: ConsumerServerLimits;
  private readonly log: Logger;
  private unlisten: (() => void) | null = null;
  private closed = false;

  private constructor(
    private readonly opts: ConsumerCoordinatorOptions,
    private readonly topic: InternalTopic,
    private readonly store: ConsumerStateStore,
  ) {
    this.limits = opts.limits ?? NO_SERVER_LIMITS;
    this.log = opts.logger.child({ component: 'jetstream-consumers' });
  }

  /** Opens the coordinator: replays `__jetstream_consumers` and restores the consumers of live streams. */
  static async open(opts: ConsumerCoordinatorOptions): Promise<ConsumerCoordinator> {
    const topic = opts.shared?.topic ?? (await InternalTopic.open(opts.log, CONSUMER_STATE_TOPIC, opts.logger));
    const store = opts.shared?.store ?? new ConsumerStateStore(topic, opts.logger.child({ component: 'jetstream-consumer-state' }));
    const c = new ConsumerCoordinator(opts, topic, store);
    // Every stream gets the hooks at once: interest retention asks them even with no consumer.
    for (const name of opts.streams.names()) {
      const s = opts.streams.get(name);
      if (s !== undefined) c.attach(s);
    }
    await c.recover();
    c.unlisten = opts.streams.onChange((ev) => {
      if (ev.kind === 'created') c.attach(ev.stream);
      else if (ev.kind === 'deleted') void c.streamDeleted(ev.stream);
    });
    return c;
  }

  private async recover(): Promise<void> {
    const shared = this.opts.shared;
    const { consumers, journalNumbers } = shared?.recovered ?? (await ConsumerStateStore.recover(this.topic, this.log));
    const stale: RecoveredConsumer[] = [];
    // Consumers whose saved state was past their stream's end: their new state is made durable
    // before anything is served, so that a second restart cannot bring the old one back.
    const reconciled: ConsumerJournal[] = [];
    for (const rc of consumers) {
      const stream = this.streamByTopicId(rc.topicId);
      if (stream === undefined) {
        // Another account's stream (shared state), or gone.
        if (shared === undefined || shared.isStale(rc.topicId)) stale.push(rc);
        continue;
      }
      const sc = this.attach(stream);
      const config = decodeConfig(rc.record.config);
      const n = journalNumbers.get(`${rc.topicId}\u0000${rc.name}`) ?? 0;
      const { state, start: startSeq, changed } = this.reconcile(stream, rc);
      const start: ConsumerStart = { kind: 'recovered', start: startSeq, state, lpsResume: lpsResumeOf(rc.record) };
      try {
        this.instantiate(sc, rc.name, config, rc.record, start, n);
        const j = sc.journals.get(rc.name);
        if (changed && j !== undefined) reconciled.push(j);
      } catch (err) {
        this.log.error({ err, stream: stream.name, consumer: rc.name }, 'could not restore JetStream consumer');
      }
    }
    if (reconciled.length > 0) await this.store.flush(reconciled);
    for (const rc of stale) {
      // The stream is gone (deleted while the broker was down, or a memory stream): drop the records.
      const j = this.store.journal(rc.topicId, rc.name, rc.record.inc, { snapshot: () => ({ delivered: { cseq: 0, sseq: 0 }, pending: [], exceeded: [], lastDelivered: 0, lastAck: 0 }), durable: () => {} });
      j.n = journalNumbers.get(`${rc.topicId}\u0000${rc.name}`) ?? 0;
      await this.store.deleteConsumer(j).catch((err: unknown) => this.log.warn({ err }, 'could not drop records of a gone consumer'));
    }
    for (const sc of this.byStream.values()) if (sc.stream.config.retention === 'interest') void this.sweep(sc);
  }

  /**
   * A recovered consumer's state and start against its stream's last sequence (reconcile-state.ts):
   * a stream that came back shorter (a torn tail cut at start) reuses the sequences it lost, and
   * a consumer resuming past them would never deliver the messages stored there again.
   */
  private reconcile(stream: StreamView, rc: RecoveredConsumer): { state: ConsumerSnapshot | null; start: number; changed: boolean } {
    const last = stream.lastSeq;
    const start = rc.record.start;
    let state = rc.state;
    let changed = false;
    // An offline stream's last sequence says nothing about what it holds: its consumers keep their state.
    if (!stream.online) return { state, start, changed };
    if (state !== null) {
      const fixed = reconcileWithStream(state, last);
      if (fixed !== null) {
        this.log.warn(
          { stream: stream.name, consumer: rc.name, delivered: state.delivered.sseq, lastSeq: last, resumeAfter: fixed.delivered.sseq },
          `JetStream consumer '${stream.name} > ${rc.name}' delivered sequence ${state.delivered.sseq} past last stream sequence of ${last}: resuming after ${fixed.delivered.sseq}`,
        );
        state = fixed;
        changed = true;
      }
    }
    return { state, start, changed };
  }

  private streamByTopicId(topicId: string): StreamView | undefined {
    for (const name of this.opts.streams.names()) {
      const s = this.opts.streams.get(name);
      if (s !== undefined && s.topicId === topicId) return s;
    }
    return undefined;
  }

  private attach(stream: StreamView): StreamConsumers {
    let sc = this.byStream.get(stream.name);
    if (sc !== undefined && sc.stream === stream) return sc;
    sc = new StreamConsumers(stream);
    this.byStream.set(stream.name, sc);
    const bound = sc;
    stream.setConsumerHooks({
      consumerCount: () => bound.consumers.size,
      interested: (subject) => {
        if (bound.stream.config.retention === 'workqueue') return true;
        for (const c of bound.consumers.values()) if (c.wants(subject)) return true;
        return false;
      },
    });
    return sc;
  }

  private async streamDeleted(stream: StreamView): Promise<void> {
    const sc = this.byStream.get(stream.name);
    if (sc === undefined || sc.stream !== stream) return;
    this.byStream.delete(stream.name);
    for (const [name, c] of sc.consumers) {
      c.close(true);
      const j = sc.journals.get(name);
      if (j !== undefined) await this.store.deleteConsumer(j).catch((err: unknown) => this.log.warn({ err }, 'could not delete consumer records'));
    }
  }

  // ------------------------------------------------------------------ lookups

  /**
   * The error every consumer API request gets while `__jetstream_consumers` is offline (damaged
   * at start, or its partition failed since): nats-server's JSConsumerOfflineReasonErrF. Null
   * while it serves.
   */
  offline(): JsApiError | null {
    const f = this.topic.failure;
    return f === null ? null : E.offlineReason(`${CONSUMER_STATE_TOPIC} is offline (${f.message})`);
  }

  stream(name: string): StreamView | undefined {
    return this.opts.streams.get(name);
  }

  consumer(stream: string, name: string): Consumer | undefined {
    return this.byStream.get(stream)?.consumers.get(name);
  }

  /** Consumer names of a stream, sorted (CONSUMER.NAMES). */
  names(stream: string): string[] {
    const sc = this.byStream.get(stream);
    return sc === undefined ? [] : [...sc.consumers.keys()].sort();
  }

  count(stream: string): number {
    return this.byStream.get(stream)?.consumers.size ?? 0;
  }

  /** Every consumer, for /jsz. */
  *all(): IterableIterator<Consumer> {
    for (const sc of this.byStream.values()) yield* sc.consumers.values();
  }

  async info(stream: string, name: string): Promise<ConsumerInfo | null> {
    const c = this.consumer(stream, name);
    if (c === undefined) return null;
    await c.settled();
    return c.isClosed ? null : c.info();
  }

  // ------------------------------------------------------------------ create, update, delete

  /**
   * CONSUMER.CREATE after the front-end's subject checks: `input` is the decoded config (the
   * name fields already reconciled with the subject). Returns the info, or the API error.
   */
  async create(streamName: string, input: ConsumerConfigInput, action: CreateAction, pedantic = false): Promise<{ info: ConsumerInfo; created: boolean } | JsApiError> {
    const stream = this.opts.streams.get(streamName);
    if (stream === undefined) return E.streamNotFound();
    if (input.num_replicas !== undefined && input.num_replicas > 1) return E.replicasNotSupported();
    const sc = this.attach(stream);
    const wanted = isDurable(input) ? input.durable_name! : (input.name ?? '');
    const existing = wanted !== '' ? sc.consumers.get(wanted) : undefined;
    const req: ConsumerConfigInput = { ...input };
    // An existing consumer's pause is not changed by a create (only by CONSUMER.PAUSE).
    if (existing !== undefined) {
      if (existing.config.pause_until !== undefined) req.pause_until = existing.config.pause_until;
      else delete req.pause_until;
    }
    if (pedantic) {
      const refused = pedanticError(req, stream.config, this.limits);
      if (refused !== null) return refused;
    }
    const staticCfg = withDefaults(req, stream.config, this.limits, pedantic);
    setStaticMetadata(staticCfg);
    const err = checkConfig(staticCfg, stream.config, this.limits);
    if (err !== null) return err;
    const cfg = staticCfg;
    if (existing !== undefined) {
      if (action === 'create') {
        const probe: ConsumerConfig = { ...cfg };
        copyRequiredLevel(probe, existing.config);
        if (!configsEqual(probe, existing.config)) return E.alreadyExists();
      }
      if (stream.config.retention === 'workqueue' && !this.partitionUnique(sc, existing.name, filtersOf(cfg))) return E.wqNotUnique();
      const upd = checkUpdate(existing.config, cfg, (s) => this.deliverSubjectHasInterest(s));
      if (upd !== null) return upd;
      if (!configsEqual(cfg, existing.config)) {
        existing.update(cfg);
        await this.persist(sc, existing);
      }
      return { info: existing.info(), created: false };
    }
    if (action === 'update') return E.doesNotExist();
    // The account's max_consumers bounds each stream's consumers, as nats-server applies it.
    const maxc = stream.config.max_consumers;
    const maxAccount = this.limits.maxConsumers ?? 0;
    if (maxc > 0 && sc.consumers.size >= maxc) return E.maxConsumers();
    if (maxAccount > 0 && sc.consumers.size >= maxAccount) return E.maxConsumers();
    if (stream.config.retention === 'workqueue') {
      if (cfg.ack_policy !== 'explicit' && cfg.ack_policy !== 'flow_control') return E.wqRequiresExplicitAck();
      if (cfg.deliver_policy !== 'all') return E.wqNotDeliverAll();
      if (sc.consumers.size > 0) {
        const filters = filtersOf(cfg);
        if (filters.length === 0) return E.wqMultipleUnfiltered();
        if (!this.partitionUnique(sc, wanted, filters)) return E.wqNotUnique();
      }
    }
    let name: string;
    if (isDurable(cfg)) {
      if (cfg.durable_name!.length > MAX_NAME_LEN) return E.nameTooLong(MAX_NAME_LEN);
      name = cfg.durable_name!;
    } else if (cfg.name !== undefined && cfg.name !== '') {
      name = cfg.name;
    } else {
      // A server-chosen name is the consumer's, not part of its config (nats-server answers without it).
      do name = ephemeralName();
      while (sc.consumers.has(name));
    }
    if (!isValidAssetName(name)) return E.badDurableName();
    const { start, lpsResume } = await this.startOf(stream, cfg);
    const record: ConsumerRecord = { inc: ephemeralName() + ephemeralName(), config: encodeConfig(cfg), created: Date.now(), start };
    if (lpsResume !== undefined) record.config = { ...record.config, '$lps': lpsResume };
    const durable = this.isDurableState(stream, cfg);
    if (durable) await this.store.writeConsumer(stream.topicId, name, record);
    if (this.closed) return E.create('JetStream is shutting down');
    // A concurrent create of the same name may have won while the record was written.
    const raced = sc.consumers.get(name);
    if (raced !== undefined) return { info: raced.info(), created: false };
    const c = this.instantiate(sc, name, cfg, record, { kind: 'new', start, lpsResume }, 0, durable);
    this.opts.events.created(stream.name, name);
    if (c.config.pause_until !== undefined && Date.parse(c.config.pause_until) > Date.now()) this.opts.events.paused(stream.name, name, true, c.config.pause_until);
    return { info: c.info(), created: true };
  }

  /**
   * Whether a consumer's state goes to __jetstream_consumers: every consumer of a file stream
   * that does not ask for memory storage, ephemeral ones included. nats-server keeps ephemeral
   * consumers of file streams on disk as well, and clients rely on it: a plain (not ordered)
   * consume or push subscription carries on over a server restart with the same consumer (it
   * is deleted after its inactive_threshold as before). Ordered consumers, KV watchers and object
   * reads ask for mem_storage and stay in memory.
   */
  private isDurableState(stream: StreamView, cfg: ConsumerConfig): boolean {
    return stream.config.storage === 'file' && cfg.mem_storage !== true;
  }

  private instantiate(sc: StreamConsumers, name: string, cfg: ConsumerConfig, record: ConsumerRecord, start: ConsumerStart, journalN: number, durable = this.isDurableState(sc.stream, cfg)): Consumer {
    const self = this;
    let journal: ConsumerJournal | null = null;
    let consumer: Consumer | null = null;
    const host: ConsumerHost = {
      stream: sc.stream,
      events: this.opts.events,
      logger: this.log,
      get journal() {
        return journal;
      },
      acked: (c, seqs) => self.acked(sc, c, seqs),
      inactive: (c) => void self.delete(sc.stream.name, c.name, 'inactive'),
    };
    consumer = new Consumer(host, name, cfg, record.created, start);
    if (durable) {
      const owner = consumer;
      journal = this.store.journal(sc.stream.topicId, name, record.inc, owner);
      journal.n = journalN;
      // A restored consumer's first commit is a snapshot: the deltas after its last snapshot are
      // not counted any more, and their slots must not be reused before a snapshot covers them.
      if (start.kind === 'recovered') journal.snapshotWanted = true;
    }
    sc.consumers.set(name, consumer);
    sc.records.set(name, record);
    if (journal !== null) sc.journals.set(name, journal);
    if (isPush(cfg)) consumer.bindPush(this.opts.pushSinks(sc.stream, consumer));
    return consumer;
  }

  /** Where a new consumer starts (nats-server's selectStartingSeqNo). */
  private async startOf(stream: StreamView, cfg: ConsumerConfig): Promise<{ start: number; lpsResume?: number }> {
    const st = stream.state();
    const first = stream.firstSeq;
    const last = stream.lastSeq;
    const filters = filtersOf(cfg);
    let seq: number;
    let lpsResume: number | undefined;
    if ((cfg.opt_start_seq ?? 0) > 0) seq = cfg.opt_start_seq!;
    else if (cfg.deliver_policy === 'all') seq = first;
    else if (cfg.deliver_policy === 'last') {
      if (filters.length === 0) seq = last;
      else {
        seq = 0;
        for (const f of filters) seq = Math.max(seq, stream.lastSeqOf(f));
        if (seq === 0) seq = last + 1;
      }
    } else if (cfg.deliver_policy === 'last_per_subject') {
      if (stream.config.max_msgs_per_subject === 1) seq = first;
      else {
        const seqs = stream.lastSeqs(subjectFilter(filters));
        lpsResume = last;
        seq = seqs.length === 0 ? last : seqs[0]!;
        if (seqs.length === 0) lpsResume = undefined;
      }
    } else if (cfg.deliver_policy === 'by_start_time') {
      const t = startTimeMs(cfg.opt_start_time ?? '');
      seq = await stream.seqForTime(Number.isFinite(t) ? t : 0);
    } else {
      seq = last + 1;
    }
    if (st.first_seq === 0 && st.last_seq === 0 && (cfg.opt_start_seq ?? 0) === 0) seq = 1;
    else if (seq > last && (cfg.opt_start_seq ?? 0) === 0) seq = last + 1;
    else if (seq < first) seq = first;
    if (seq <= 0) seq = 1;
    return lpsResume === undefined ? { start: seq } : { start: seq, lpsResume };
  }

  private partitionUnique(sc: StreamConsumers, name: string, filters: readonly string[]): boolean {
    for (const [n, c] of sc.consumers) {
      if (n === name) continue;
      const other = c.filters;
      if (other.length === 0) return false;
      if (filtersCollide(filters, other)) return false;
    }
    return true;
  }

  private deliverSubjectHasInterest(subject: string): boolean {
    for (const sc of this.byStream.values()) {
      for (const c of sc.consumers.values()) {
        if (c.config.deliver_subject === subject && c.info().push_bound === true) return true;
      }
    }
    return false;
  }

  private async persist(sc: StreamConsumers, c: Consumer): Promise<void> {
    const rec = sc.records.get(c.name);
    const j = sc.journals.get(c.name);
    if (rec === undefined || j === undefined) return;
    const lps = rec.config['$lps'];
    rec.config = encodeConfig(c.config);
    if (lps !== undefined) rec.config['$lps'] = lps;
    await this.store.writeConsumer(sc.stream.topicId, c.name, rec);
  }

  // ------------------------------------------------------------------ snapshots (STREAM.SNAPSHOT / RESTORE)

  /**
   * The consumers of a stream as a snapshot holds them (core/streams/stream-backup.ts): every
   * consumer whose state is durable (mem_storage ones are not, as nats-server leaves them out),
   * with its config record and its state once its pending commits are durable.
   */
  async exportConsumers(stream: string): Promise<ConsumerBackup[]> {
    const sc = this.byStream.get(stream);
    if (sc === undefined) return [];
    const out: ConsumerBackup[] = [];
    for (const name of [...sc.consumers.keys()].sort()) {
      const c = sc.consumers.get(name)!;
      const rec = sc.records.get(name);
      if (rec === undefined || !sc.journals.has(name)) continue;
      await c.settled();
      if (c.isClosed) continue;
      out.push({ name, config: rec.config, created: rec.created, start: rec.start, state: c.snapshot() });
    }
    return out;
  }

  /**
   * Recreates a restored stream's consumers with their state (delivered, ack floor, pending
   * acks, redeliveries), durably, before the restore is answered. Entries that do not decode
   * are skipped with a warning.
   */
  async importConsumers(stream: string, list: readonly unknown[]): Promise<number> {
    const s = this.opts.streams.get(stream);
    if (s === undefined) return 0;
    const sc = this.attach(s);
    const journals: ConsumerJournal[] = [];
    let n = 0;
    for (const raw of list) {
      const b = consumerBackupOf(raw);
      if (b === null || sc.consumers.has(b.name)) {
        this.log.warn({ stream, consumer: (raw as { name?: unknown } | null)?.name }, 'a consumer of the snapshot is not usable: not restored');
        continue;
      }
      const record: ConsumerRecord = { inc: ephemeralName() + ephemeralName(), config: b.config, created: b.created, start: b.start };
      let cfg: ConsumerConfig;
      try {
        cfg = decodeConfig(b.config);
      } catch (err) {
        this.log.warn({ err, stream, consumer: b.name }, 'a consumer of the snapshot has an unreadable config: not restored');
        continue;
      }
      const durable = this.isDurableState(s, cfg);
      if (durable) await this.store.writeConsumer(s.topicId, b.name, record);
      this.instantiate(sc, b.name, cfg, record, { kind: 'recovered', start: b.start, state: b.state, lpsResume: lpsResumeOf(record) }, 0, durable);
      const j = sc.journals.get(b.name);
      if (j !== undefined) journals.push(j);
      this.opts.events.created(stream, b.name);
      n++;
    }
    // Each restored consumer's first commit is a snapshot of the state it was given.
    await this.store.flush(journals);
    return n;
  }

  /**
   * Recreates consumers given as the API takes their configs (a nats-server snapshot's), with
   * their state: the configs get the defaults of a create, then they are imported as above.
   */
  async importConsumerInputs(stream: string, list: ReadonlyArray<{ name: string; input: ConsumerConfigInput; state: ConsumerSnapshot }>): Promise<number> {
    const s = this.opts.streams.get(stream);
    if (s === undefined) return 0;
    const backups: ConsumerBackup[] = [];
    for (const c of list) {
      const cfg = withDefaults(c.input, s.config, this.limits);
      setStaticMetadata(cfg);
      const err = checkConfig(cfg, s.config, this.limits);
      if (err !== null) {
        this.log.warn({ stream, consumer: c.name, error: err.description }, 'a consumer of the snapshot is not valid here: not restored');
        continue;
      }
      backups.push({ name: c.name, config: encodeConfig(cfg), created: Date.now(), start: c.state.delivered.sseq + 1, state: c.state });
    }
    return this.importConsumers(stream, backups);
  }

  /** CONSUMER.DELETE (and inactivity). False when there is no such consumer. */
  async delete(stream: string, name: string, _why: 'api' | 'inactive' = 'api'): Promise<boolean> {
    const sc = this.byStream.get(stream);
    const c = sc?.consumers.get(name);
    if (sc === undefined || c === undefined) return false;
    sc.consumers.delete(name);
    sc.records.delete(name);
    c.close(true);
    const j = sc.journals.get(name);
    sc.journals.delete(name);
    if (j !== undefined) await this.store.deleteConsumer(j);
    this.opts.events.deleted(stream, name);
    if (sc.stream.config.retention === 'interest') await this.sweep(sc);
    return true;
  }

  /** CONSUMER.PAUSE: `until` an RFC 3339 time, or undefined to resume. */
  async pause(stream: string, name: string, until: string | undefined): Promise<{ paused: boolean; until: string | undefined; remainingNs: bigint } | null> {
    const sc = this.byStream.get(stream);
    const c = sc?.consumers.get(name);
    if (sc === undefined || c === undefined) return null;
    const when = until !== undefined && Date.parse(until) > Date.now() ? until : until;
    const paused = c.pause(when);
    await this.persist(sc, c);
    const remaining = paused ? BigInt(Date.parse(when!) - Date.now()) * 1_000_000n : 0n;
    this.opts.events.paused(stream, name, paused, c.config.pause_until);
    return { paused, until: c.config.pause_until, remainingNs: remaining };
  }

  // ------------------------------------------------------------------ retention

  /**
   * Durable acknowledgements of `c`: messages every interested consumer has acknowledged leave
   * the stream. Resolves once they are removed (an AckSync is confirmed after that).
   */
  private acked(sc: StreamConsumers, _c: Consumer, seqs: readonly number[]): Promise<void> {
    if (sc.stream.config.retention === 'limits' || seqs.length === 0) return Promise.resolve();
    for (const s of seqs) sc.removable.add(s);
    return this.runRemoval(sc);
  }

  private runRemoval(sc: StreamConsumers): Promise<void> {
    sc.removal ??= (async () => {
      await Promise.resolve();
      try {
        while (sc.removable.size > 0) {
          const candidates = [...sc.removable].sort((a, b) => a - b);
          sc.removable.clear();
          const out: number[] = [];
          for (const seq of candidates) if (this.allDone(sc, seq)) out.push(seq);
          if (out.length > 0) await sc.stream.removeAcked(out);
        }
      } catch (err) {
        this.log.warn({ err, stream: sc.stream.name }, 'could not remove acknowledged messages');
      } finally {
        sc.removal = null;
      }
    })();
    return sc.removal;
  }

  private allDone(sc: StreamConsumers, seq: number): boolean {
    const subject = sc.stream.subjectOf(seq);
    if (subject === null) return false;
    if (sc.stream.config.retention === 'workqueue') {
      // A work queue keeps what no consumer took yet.
      let taker = false;
      for (const c of sc.consumers.values()) {
        if (!c.wants(subject)) continue;
        taker = true;
        if (!c.doneWith(seq, subject)) return false;
      }
      return taker;
    }
    for (const c of sc.consumers.values()) if (!c.doneWith(seq, subject)) return false;
    return true;
  }

  /** Interest streams: removes every message no consumer needs any more (after a consumer is deleted, on start). */
  private async sweep(sc: StreamConsumers): Promise<void> {
    const st = sc.stream;
    // In chunks, so a large stream never holds one huge candidate set.
    for (let from = st.firstSeq; from <= st.lastSeq; from += SWEEP_CHUNK) {
      const to = Math.min(st.lastSeq, from + SWEEP_CHUNK - 1);
      for (let seq = Math.max(from, st.firstSeq); seq <= to; seq++) if (st.subjectOf(seq) !== null) sc.removable.add(seq);
      await this.runRemoval(sc);
    }
  }

  /** Clean close: snapshots of every durable consumer, then the consumers stop. */
  /** Tells every waiting pull request that the server shuts down (Consumer.signalShutdown); returns how many were told. */
  signalShutdown(): number {
    let n = 0;
    for (const c of this.all()) n += c.signalShutdown();
    return n;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unlisten?.();
    const journals: ConsumerJournal[] = [];
    for (const sc of this.byStream.values()) {
      for (const c of sc.consumers.values()) c.close(false);
      journals.push(...sc.journals.values());
    }
    if (this.opts.shared !== undefined) await this.store.flush(journals);
    else await this.store.close(journals);
  }
}

/** One consumer in a stream snapshot. */
export interface ConsumerBackup {
  name: string;
  /** The config as the coordinator encodes it in its records (encodeConfig). */
  config: Record<string, unknown>;
  created: number;
  start: number;
  state: ConsumerSnapshot;
}

/** A snapshot's consumer entry, checked, or null. */
function consumerBackupOf(v: unknown): ConsumerBackup | null {
  if (v === null || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  const st = o['state'] as Record<string, unknown> | undefined;
  if (typeof o['name'] !== 'string' || !isValidAssetName(o['name']) || o['config'] === null || typeof o['config'] !== 'object') return null;
  if (st === undefined || st === null || typeof st !== 'object') return null;
  const delivered = st['delivered'] as { cseq?: unknown; sseq?: unknown } | undefined;
  if (delivered === undefined || typeof delivered.cseq !== 'number' || typeof delivered.sseq !== 'number') return null;
  if (!Array.isArray(st['pending']) || !Array.isArray(st['exceeded'])) return null;
  return {
    name: o['name'],
    config: o['config'] as Record<string, unknown>,
    created: Number(o['created'] ?? Date.now()),
    start: Number(o['start'] ?? 1),
    state: {
      delivered: { cseq: delivered.cseq, sseq: delivered.sseq },
      pending: st['pending'] as ConsumerSnapshot['pending'],
      exceeded: st['exceeded'] as ConsumerSnapshot['exceeded'],
      lastDelivered: Number(st['lastDelivered'] ?? 0),
      lastAck: Number(st['lastAck'] ?? 0),
    },
  };
}

function lpsResumeOf(rec: ConsumerRecord): number | undefined {
  const v = rec.config['$lps'];
  return typeof v === 'number' ? v : undefined;
}

/**
 * Restores the JetStream consumers from `__jetstream_consumers` once the streams exist (their
 * state refers to streams by topic id), before the NATS listener accepts clients.
 */
export function startJetStreamConsumers(opts: ConsumerCoordinatorOptions): Promise<ConsumerCoordinator> {
  return ConsumerCoordinator.open(opts);
}
