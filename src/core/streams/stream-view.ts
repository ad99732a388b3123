// One JetStream stream over one partition of the log (docs/jetstream.md 1.1-1.9, 1.18): the
// publish path (capture, checks, one batch per event, PubAcks after the append is durable),
// the in-memory view kept in step with the log through the partition's append observer (NATS
// publishes and Kafka appends alike, in offset order, appends in flight included), reads of
// messages, deletes and purges, limits with discard old, per-message TTL and subject delete
// markers, rollups, the fan-out of stored messages to core subscribers in log order, the 2.12
// publish features (the commit of an atomic batch staged by atomic-batch.ts, counter totals of
// counters.ts, schedules of schedules.ts firing into the stream: docs/jetstream.md 1.23-1.25),
// the messages of fast batches (fast-batch.ts keeps the batches; each message is stored as a
// publish and its batch told once it is durable: 1.27), and the rebuild of all of it on start: from the last index snapshot and the log after it, or from the
// whole log when there is none (docs/jetstream.md 1.18).
//
// Sequence n is offset n - 1. The subject index holds every sequence issued, the in-flight
// ones included (the publish checks of the next publish see them); readers are bounded by the
// durable end (`durable`), which the 'appended' event moves.
import type { Logger } from '../../log.js';
import type { LogPartition } from '../log/index.js';
import type { AppendObserver, AppendOptions } from '../log/partition.js';
import { onMicrotask } from '../../util/microtask.js';
import type { Router, SubscriptionOwner } from '../routing/router.js';
import { hasWildcardToken, isValidLiteralSubject } from '../routing/subject.js';
import {
  batchBaseOffset,
  batchIsControl,
  batchIsTransactional,
  batchLastOffsetDelta,
  batchMaxTimestamp,
  batchRecordsCount,
  batchRecordsData,
  batchRecordsDataAsync,
  batchSize,
  canDecodeSync,
  forEachBatch,
} from '../records/batch.js';
import { jsError } from './api-errors.js';
import { AtomicBatches, AtomicCommit, BATCH_ID, defaultAtomicBatchLimits, withHeader, type AtomicBatchLimits, type BatchAbandonReason, type StagedMessage } from './atomic-batch.js';
import { FastBatches, REQUIRED_API_LEVEL, defaultFastBatchLimits, parseFastBatchReply, type FastBatch, type FastBatchLimits, type FastBatchRequest } from './fast-batch.js';
import { COUNTER_SOURCES, CounterValues, aggregateSourced, checkIncrement, counterPayload, counterValueOf, parseCounterSources } from './counters.js';
import { DuplicateWindow } from './dedupe.js';
import { SCHEDULE_NEXT, SCHEDULE_NEXT_PURGE, SCHEDULE_SOURCE, SCHEDULE_TARGET, SCHEDULER, ScheduleTable, checkSchedule, scheduleOf, scheduledMessage } from './schedules.js';
import { parseRfc3339 } from './schedule-pattern.js';
import { headerFields } from './sources.js';
import { eraseFilter } from './erase.js';
import { ExpiryTimer, TtlHeap } from './expiry.js';
import { formatGoDuration, formatGoTime, parseMessageTtl } from './go-duration.js';
import { Outcome, PublishCheck, Rollup, type PublishState } from './publish-checks.js';
import {
  BatchBuilder,
  HeaderScan,
  fillerBatch,
  headerBlockLength,
  headerBlockOf,
  readRecords,
  recordHeader,
  storedSize,
  type ExtraHeader,
  type StreamRecord,
} from './record-codec.js';
import { decodeSnapshot, encodeSnapshot, snapshotsSupported, type StreamSnapshot } from './snapshot-codec.js';
import type { SnapshotStore } from './snapshot-store.js';
import type { DeleteRange, LimitEpoch, StreamStateRecords, StreamStateStore } from './state-topic.js';
import { RecordCursor } from './record-cursor.js';
import { runCache } from './run-cache.js';
import { subjectFilter, subjectsCollide } from './subject-filter.js';
import { SubjectIndex } from './subject-index.js';
import { SubjectTransformer } from './transform.js';
import type {
  JsApiError,
  MessageQuery,
  PurgeRequest,
  RemovalReason,
  StoredMessage,
  StreamConfig,
  StreamConsumerHooks,
  StreamEvent,
  StreamState,
  StreamView,
  SubjectFilter,
} from './types.js';

/** How PubAcks and publish errors are encoded: the front-end's JSON, handed in (core knows no JSON). */
export interface PublishReplies {
  /** `{"stream","seq"[,"duplicate":true]}`; may return a view of a scratch buffer, valid until the next call. */
  ack(stream: string, seq: number, duplicate: boolean): Buffer;
  /** The PubAck of a counter increment: `{"stream","seq","val":"<total>"}`. */
  counterAck(stream: string, seq: number, val: string): Buffer;
  /** The PubAck of an atomic batch's commit: `{"stream","seq","batch","count"}`. */
  batchAck(stream: string, seq: number, batch: string, count: number): Buffer;
  /** `{"error":{...},"stream","seq":0}`. */
  error(stream: string, err: JsApiError): Buffer;
  /** A fast batch's first message, a duplicate: `{"stream","seq","duplicate": true,"batch","count"}`. */
  batchDuplicateAck(stream: string, seq: number, batch: string, count: number): Buffer;
  /** A fast batch's message refused: `{"type":"err","seq":n,"error":{...}}` (fast-batch.ts). */
  batchFlowError(seq: number, err: JsApiError): Buffer;
}

export interface StreamStats {
  /** Kafka record headers NATS could not carry (names with ':' or whitespace, values with CR/LF). */
  omittedHeaders: number;
}

export interface StreamContext {
  router: Router;
  /** The owner replies and republished messages are published as. */
  owner: SubscriptionOwner;
  replies: PublishReplies;
  state: StreamStateStore;
  logger: Logger;
  stats: StreamStats;
  /** Index snapshots (null: none are written or read). */
  snapshots: SnapshotStore | null;
  /** A snapshot is written after this many bytes of batches appended (0: only at a clean close). */
  snapshotBytes: number;
  /** Atomic batch publish limits (shared by the streams of a server: the inflight total); default nats-server's. */
  batchLimits?: AtomicBatchLimits;
  /** An open atomic batch was abandoned (the front-end's BATCH_ABANDONED advisory). */
  batchAbandoned?: (stream: string, batch: string, reason: BatchAbandonReason) => void;
  /** Fast batch publish limits (shared by the streams of a server: the inflight total); default nats-server's. */
  fastBatchLimits?: FastBatchLimits;
}

/** What the last start of a stream did (the snapshot-restart tests count with it; logged too). */
export interface RecoveryStats {
  /** The sequence the loaded snapshot covered, 0 when the whole log was replayed. */
  snapshotSeq: number;
  /** Records decoded from the log by the replay (those the snapshot covered would count too). */
  replayedRecords: number;
  /** Sequences indexed by the replay (after the snapshot). */
  replayedSeqs: number;
}

/** How the stream reads Kafka-produced records whose key is no subject it captures. */
export interface ForeignPolicy {
  /** The subject such records are seen on (wharf.nats.foreign-subject), or null: they are refused. */
  subject: string | null;
}

const READ_CHUNK = 4 * 1024 * 1024;
/** The size at which the publishes of one event are split into several batches (appends). */
const BATCH_SPLIT_BYTES = 1024 * 1024;

/** How this view's batches are handed to the log (appendOwn). */
const BUILT: AppendOptions = { built: true };
const CHECKED: AppendOptions = {};
const FILLER: AppendOptions = { filler: true };
const EMPTY = Buffer.alloc(0);
const NO_EXTRA: readonly ExtraHeader[] = [];

/** True when a record key holds exactly the subject's characters (latin1, as keys are read), without decoding it. */
function keyIsSubject(key: Buffer, subject: string): boolean {
  const n = key.length;
  if (n !== subject.length) return false;
  for (let i = 0; i < n; i++) if (key[i] !== subject.charCodeAt(i)) return false;
  return true;
}
const SEC = 1000;

/** A batch appended and not yet acknowledged. */
interface Inflight {
  buf: Buffer;
  first: number;
  last: number;
  own: boolean;
  /** Own batches: the reply subject of each publish (undefined: none), by position. */
  replies: Array<string | undefined>;
  /** Duplicates of publishes of this batch waiting for it: [reply, seq]. */
  dups: Array<[string, number]>;
  /** Own batches: fan out these messages to core subscribers when acknowledged (publishes held back behind a Kafka append; markers are never fanned out). */
  fanout: Array<{ subject: string; reply: string | undefined; hdrLen: number; msg: Buffer; origin: SubscriptionOwner | null }>;
  /** Foreign batches: their records, indexed at issue time. */
  records: StreamRecord[] | null;
  /** TTLs of own records: [seq, seconds]. */
  ttls: Array<[number, number]>;
  /** Rollups of own records: [seq, kind]. */
  rollups: Array<[number, Rollup]>;
  /** Publishes refused while this batch was the newest in flight: answered once it is durable. */
  refusals?: Array<[string, JsApiError]>;
  /** Schedule streams: what each stored message does to the schedules once durable. */
  schedules?: ScheduleAction[];
  /** Counter streams: the total of each message, by position (its PubAck carries it). */
  vals?: string[];
  /** An atomic batch's append: its last reply is the commit's PubAck, with the batch id and count. */
  batch?: { id: string; count: number };
  /** Messages of fast batches, by position: told to their batch once durable (fast-batch.ts). */
  fast?: Array<FastMessage | undefined>;
}

/** A message of a fast batch in flight: its batch, its place in it and its reply. */
interface FastMessage {
  batch: FastBatch;
  req: FastBatchRequest;
  reply: string;
}

/**
 * How checkAndAdd hands a fast batch message's outcome back instead of answering it: refused
 * (`error`), a duplicate (`duplicateSeq`), or accepted (`tag` recorded in the batch in flight).
 */
class FastOutcome {
  error: JsApiError | null = null;
  duplicateSeq = -1;
  tag: FastMessage | null = null;

  reset(tag: FastMessage): void {
    this.error = null;
    this.duplicateSeq = -1;
    this.tag = tag;
  }

  fail(err: JsApiError): boolean {
    this.error = err;
    return false;
  }

  duplicate(seq: number): boolean {
    this.duplicateSeq = seq;
    return false;
  }
}

/** A message of a schedule stream: a schedule (`at`: when it fires), or another message (maybe one a schedule published). */
interface ScheduleAction {
  seq: number;
  subject: string;
  at?: number;
  scheduler?: string;
  next?: string;
}

/** Records of Kafka batches decoded by the append check, by batch buffer: the observer reads them back. */
const checkedRecords = new WeakMap<Buffer, StreamRecord[]>();

export function rememberCheckedRecords(batch: Buffer, records: StreamRecord[]): void {
  checkedRecords.set(batch, records);
}

/** The records of a batch when they can be had synchronously, else null. */
function recordsSync(batch: Buffer): StreamRecord[] | null {
  const cached = checkedRecords.get(batch);
  if (cached !== undefined) return cached;
  if (!canDecodeSync(batch)) return null;
  return readRecords(batch, batchRecordsData(batch));
}

/**
 * How much of the log one read of a consumer's delivery run takes, at most and at least: a run
 * reads about what its budget of messages needs (the stream's average stored size times the
 * budget), since what it reads past that is read again, and its CRCs checked again, by the next
 * run (a pull of 500 from reads of 1 MiB read every byte ten times).
 */
const READ_MANY_BYTES = 1024 * 1024;
const READ_MANY_MIN_BYTES = 64 * 1024;

/** The batch of `chunks` that holds `offset` (exactly its bytes), or null. */
function batchHolding(chunks: readonly Buffer[], offset: number): Buffer | null {
  for (const chunk of chunks) {
    let found: Buffer | null = null;
    forEachBatch(chunk, (pos, size) => {
      const base = batchBaseOffset(chunk, pos);
      if (offset >= base && offset <= base + batchLastOffsetDelta(chunk, pos)) {
        found = chunk.subarray(pos, pos + size);
        return false;
      }
    });
    if (found !== null) return found;
  }
  return null;
}

/** The record at `offset` of a batch's records (dense unless compacted: looked up by position first). */
function recordIn(records: readonly StreamRecord[], base: number, offset: number): StreamRecord | null {
  const r = records[offset - base];
  if (r !== undefined && r.offset === offset) return r;
  for (const x of records) if (x.offset === offset) return x;
  return null;
}

async function recordsOf(batch: Buffer): Promise<StreamRecord[]> {
  return readRecords(batch, await batchRecordsDataAsync(batch));
}

export class Stream implements StreamView, AppendObserver, PublishState {
  private cfg: StreamConfig;
  private readonly index = new SubjectIndex();
  private readonly dedupe: DuplicateWindow;
  private readonly builder = new BatchBuilder();
  private readonly scan = new HeaderScan();
  private readonly check = new PublishCheck();
  /** The batch being filled in this event (captured, not yet flushed). */
  private open: Inflight | null = null;
  private readonly inflight: Inflight[] = [];
  private flushScheduled = false;
  private flushingBuf: Buffer | null = null;
  /** Last durable sequence: readers stop here. */
  private durable = 0;
  private lastTime = 0;
  private _lastMsgId = '';
  private readonly ttls = new TtlHeap();
  /**
   * Sequences of subject delete markers (Nats-Marker-Reason) and KV purges (KV-Operation:
   * PURGE): when one of them expires as the last message of its subject, no marker follows
   * (nats-server's isSubjectDeleteMarker), else markers would beget markers every TTL.
   */
  private readonly markers = new Set<number>();
  private readonly timer: ExpiryTimer;
  private readonly listeners = new Set<(ev: StreamEvent) => void>();
  private hooks: StreamConsumerHooks | null = null;
  private transform: SubjectTransformer | null = null;
  private republish: SubjectTransformer | null = null;
  private trimming: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly log: Logger;
  /** Decoded batches recently read, by base offset. */
  private readonly readCache = new Map<number, { base: number; last: number; records: StreamRecord[] }>();
  /** Where Kafka records whose key is no subject of the stream are seen (wharf.nats.foreign-subject). */
  foreign: ForeignPolicy = { subject: null };
  /** What the last recover() did. */
  readonly recovery: RecoveryStats = { snapshotSeq: 0, replayedRecords: 0, replayedSeqs: 0 };
  /** Bytes of batches appended since the last snapshot. */
  private sinceSnapshot = 0;
  /** Whether anything changed since the last snapshot (or the recovery). */
  private changed = false;
  private snapshotting: Promise<void> | null = null;
  /** Sequences deleted with erase whose records may still be in the log (erase.ts). */
  private readonly erasing = new Set<number>();
  private erasePass: Promise<void> | null = null;
  private lastErasePass = 0;
  private eraseAgain = false;
  /** Counter streams: the total of every live message (counters.ts); null otherwise. */
  private readonly counters: CounterValues | null;
  /** Schedule streams: the schedules (schedules.ts); null otherwise. */
  private readonly scheduleTable: ScheduleTable | null;
  /** Open atomic batches (atomic-batch.ts). */
  private readonly batches: AtomicBatches;
  /** Open fast batches (fast-batch.ts). */
  private readonly fastBatches: FastBatches;
  private readonly fastOutcome = new FastOutcome();

  constructor(
    private readonly ctx: StreamContext,
    readonly partition: LogPartition,
    readonly topicId: string,
    config: StreamConfig,
    readonly created: number,
  ) {
    this.cfg = config;
    this.dedupe = new DuplicateWindow(Number(config.duplicate_window / 1_000_000n));
    this.timer = new ExpiryTimer(() => this.expire());
    this.counters = config.allow_msg_counter ? new CounterValues() : null;
    this.scheduleTable = new ScheduleTable((subject, seq, at) => void this.fireSchedule(subject, seq, at));
    this.batches = new AtomicBatches(ctx.batchLimits ?? defaultAtomicBatchLimits(), (id, reason) => ctx.batchAbandoned?.(this.cfg.name, id, reason));
    this.fastBatches = new FastBatches(ctx.fastBatchLimits ?? defaultFastBatchLimits(), {
      send: (reply, body) => ctx.router.route(reply, undefined, 0, body, ctx.owner),
      batchAck: (seq, batch, count) => ctx.replies.batchAck(this.cfg.name, seq, batch, count),
      duplicateAck: (seq, batch, count) => ctx.replies.batchDuplicateAck(this.cfg.name, seq, batch, count),
      error: (err) => ctx.replies.error(this.cfg.name, err),
      flowError: (seq, err) => ctx.replies.batchFlowError(seq, err),
    });
    this.log = ctx.logger.child({ stream: config.name });
    this.compileTransforms();
  }

  get name(): string {
    return this.cfg.name;
  }

  get config(): StreamConfig {
    return this.cfg;
  }

  get online(): boolean {
    return this.partition.online;
  }

  get firstSeq(): number {
    return this.index.first;
  }

  get lastSeq(): number {
    return this.index.last;
  }

  get lastMsgId(): string {
    return this._lastMsgId;
  }

  get messages(): number {
    return this.index.messages;
  }

  get bytes(): number {
    return this.index.bytes;
  }

  private get memory(): boolean {
    return this.cfg.storage === 'memory';
  }

  private compileTransforms(): void {
    const t = this.cfg.subject_transform;
    const ct = t !== undefined && t.dest ? SubjectTransformer.compile(t.src, t.dest) : null;
    this.transform = ct instanceof SubjectTransformer ? ct : null;
    this.storedPattern =
      this.transform !== null && t !== undefined
        ? t.dest
            .split('.')
            .map((tok) => (/^\{\{.*\}\}$/.test(tok) || /^\$\d+$/.test(tok) ? '*' : tok))
            .join('.')
        : null;
    const r = this.cfg.republish;
    const cr = r !== undefined ? SubjectTransformer.compile(r.src, r.dest) : null;
    this.republish = cr instanceof SubjectTransformer ? cr : null;
  }

  // ------------------------------------------------------------------------------------------
  // PublishState (read by the publish checks)

  lastSeqOf(subject: string): number {
    if (!hasWildcardToken(subject)) return this.index.lastOf(subject);
    const f = subjectFilter([subject]);
    let best = 0;
    for (const [s] of this.index.liveSubjects()) if (f === null || f.matches(s)) best = Math.max(best, this.index.lastOf(s));
    return best;
  }

  countOf(subject: string): number {
    return this.index.countOf(subject);
  }

  duplicateOf(id: string): number {
    return this.dedupe.lookup(id, Date.now());
  }

  // ------------------------------------------------------------------------------------------
  // Events

  onChange(listener: (ev: StreamEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(ev: StreamEvent): void {
    if (ev.kind === 'removed') {
      this.counters?.removed(ev.firstSeq, ev.seqs);
      this.scheduleTable?.removed(ev.firstSeq, ev.seqs);
    }
    for (const l of this.listeners) {
      try {
        l(ev);
      } catch (err) {
        this.log.error({ err }, 'stream listener failed');
      }
    }
  }

  setConsumerHooks(hooks: StreamConsumerHooks | null): void {
    this.hooks = hooks;
  }

  // ------------------------------------------------------------------------------------------
  // The publish path

  capture(subject: string, reply: string | undefined, hdrLen: number, msg: Buffer, origin: SubscriptionOwner | null): boolean {
    if (this.closed) return false;
    const scan = hdrLen > 0 ? this.scan : null;
    if (scan !== null && !scan.scan(msg, hdrLen)) {
      this.replyError(reply, jsError('JSStreamGeneralErrorF', { err: 'malformed message headers' }));
      return false;
    }
    // A fast batch is named by its reply (`...$FI`), before any atomic batch header (nats-server's order).
    if (reply !== undefined && reply.endsWith('.$FI')) {
      const req = parseFastBatchReply(reply);
      if (req !== null) return this.captureFastMessage(req, subject, reply, hdrLen, msg, scan, origin);
    }
    if (scan !== null && scan.hasNatsFields()) {
      const batchId = scan.get(BATCH_ID);
      if (batchId !== undefined && batchId !== '') return this.captureBatchMessage(batchId, subject, reply, hdrLen, msg);
    }
    return this.checkAndAdd(subject, reply, hdrLen, msg, scan, origin, null);
  }

  /**
   * Runs the publish checks of one message and, when it passes, adds it to this event's batch.
   * `atomic`: a message of an atomic batch being committed (commitAtomic): never split from the
   * others, no reply of its own, and the batch rules checked on top.
   */
  private checkAndAdd(
    subject: string,
    reply: string | undefined,
    hdrLen: number,
    msg: Buffer,
    scan: HeaderScan | null,
    origin: SubscriptionOwner | null,
    atomic: AtomicCommit | null,
    scheduled = false,
    fast: FastOutcome | null = null,
  ): boolean {
    const cfg = this.cfg;
    const stored = this.transform !== null ? (this.transform.apply(subject) ?? subject) : subject;
    if (atomic !== null) {
      const err = atomic.before(scan, stored);
      if (err !== null) return atomic.fail(err);
    }
    const storedHdr = scan === null ? 0 : scan.blockLength();
    let dataLen = msg.length - hdrLen;
    let size = storedSize(this.memory, stored.length, storedHdr, dataLen);
    const check = this.check;
    // Counter increments are checked first (after sealed), as nats-server does.
    const incr = cfg.sealed ? null : checkIncrement(cfg, scan, dataLen);
    if (incr !== null && typeof incr !== 'bigint') {
      return this.refuse(atomic, reply, incr, fast);
    }
    // Schedule headers (not on the messages schedules publish themselves).
    let schedule: { schedule: boolean; addRollup: boolean } | null = null;
    if (!scheduled && !cfg.sealed && scan !== null && scan.hasNatsFields()) {
      const r = checkSchedule(cfg, scan, stored, (s) => this.index.lastOf(s) === 0 || this.scheduleTable!.has(s));
      if ('err_code' in r) {
        return this.refuse(atomic, reply, r, fast);
      }
      schedule = r;
    }
    const outcome = check.run(this, subject, scan, storedHdr, dataLen, size);
    if (outcome === Outcome.Error) {
      if (atomic !== null) return atomic.fail(check.error!);
      if (fast !== null) return fast.fail(check.error!);
      this.replyRefusal(reply, check.error!);
      return false;
    }
    if (outcome === Outcome.Duplicate) {
      // A message id seen before, in the window or earlier in the batch, refuses the batch.
      if (atomic !== null) return atomic.fail(jsError('JSAtomicPublishContainsDuplicateMessageErr'));
      if (fast !== null) return fast.duplicate(check.duplicateSeq);
      this.replyDuplicate(reply, check.duplicateSeq);
      return false;
    }
    // A counter stream: the new total is the payload stored.
    let value = msg;
    let valueStart = hdrLen;
    let total: bigint | null = null;
    if (cfg.allow_msg_counter && this.counters !== null) {
      if (incr === null) {
        return this.refuse(atomic, reply, jsError('JSMessageIncrMissingErr'), fast);
      }
      const prev = this.counters.at(this.index.lastOf(stored));
      if (prev === null || prev === undefined) {
        return this.refuse(atomic, reply, jsError('JSMessageCounterBrokenErr'), fast);
      }
      total = prev + incr;
      value = counterPayload(total);
      valueStart = 0;
      dataLen = value.length;
      size = storedSize(this.memory, stored.length, storedHdr, dataLen);
      if (cfg.max_msg_size >= 0 && (storedHdr > cfg.max_msg_size || dataLen > cfg.max_msg_size - storedHdr)) {
        return this.refuse(atomic, reply, jsError('JSStreamMessageExceedsMaximumErr'), fast);
      }
    }
    if (atomic !== null) {
      const err = atomic.after(scan, stored, check.rollup);
      if (err !== null) return atomic.fail(err);
    }
    // Accepted: the record goes into this event's batch; its sequence is known now. A batch
    // that would pass BATCH_SPLIT_BYTES is handed to the log first and a new one begun (never
    // within an atomic batch: it is one append).
    const now = Date.now();
    const topicMax = this.partition.topic.settings.maxMessageBytes;
    if (msg.length + stored.length + 128 > topicMax || (atomic !== null && this.builder.bytes + msg.length + stored.length + 64 > topicMax)) {
      // One record (or one atomic batch) of this size does not fit a batch of the topic (its max.message.bytes, set over Kafka).
      return this.refuse(atomic, reply, jsError('JSStreamMessageExceedsMaximumErr'), fast);
    }
    const split = Math.min(BATCH_SPLIT_BYTES, topicMax - 1024);
    if (atomic === null && this.open !== null && this.builder.count > 0 && this.builder.bytes + msg.length + stored.length + 64 > split) {
      const full = this.open;
      this.open = null;
      full.buf = this.builder.take(now);
      this.appendOwn(full);
    }
    let batch = this.open;
    if (batch === null) {
      batch = this.open = { buf: EMPTY, first: this.index.last + 1, last: this.index.last, own: true, replies: [], dups: [], fanout: [], records: null, ttls: [], rollups: [] };
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        onMicrotask(this.flush);
      }
    }
    let skip = -1;
    let extra: readonly ExtraHeader[] = NO_EXTRA;
    let addedHdr = 0;
    if (schedule !== null && schedule.addRollup) {
      // A schedule replaces the subject's earlier schedule: stored with Nats-Rollup: sub.
      extra = [['Nats-Rollup', 'sub']];
      addedHdr = 'Nats-Rollup: sub\r\n'.length;
      check.rollup = Rollup.Subject;
    }
    if (check.ttlField >= 0 && check.ttl > 0 && scan !== null && String(check.ttl) !== scan.value(check.ttlField)) {
      // The TTL floor: the stored header carries the raised TTL in seconds (docs/jetstream.md 1.8).
      const raised = parseMessageTtl(scan.value(check.ttlField));
      if (raised !== null && raised < check.ttl) {
        skip = check.ttlField;
        extra = [...extra, ['Nats-TTL', String(check.ttl)]];
      }
    }
    this.builder.add(stored, scan, skip, extra, value, valueStart, value.length);
    const seq = this.index.last + 1;
    if (cfg.allow_msg_schedules && scan !== null) {
      const get = (n: string): string | undefined => scan.get(n);
      const fire = schedule?.schedule === true ? scheduleOf(get, now) : null;
      (batch.schedules ??= []).push(fire !== null ? { seq, subject: stored, at: fire.at } : { seq, subject: stored, scheduler: get(SCHEDULER), next: get(SCHEDULE_NEXT) });
    } else if (cfg.allow_msg_schedules) {
      (batch.schedules ??= []).push({ seq, subject: stored });
    }
    if (total !== null) {
      this.counters!.set(seq, total);
      (batch.vals ??= [])[batch.replies.length] = total.toString();
    }
    const finalSize = skip >= 0 || addedHdr > 0 ? storedSize(this.memory, stored.length, storedHdr + addedHdr - (skip >= 0 ? scan!.value(skip).length - String(check.ttl).length : 0), dataLen) : size;
    this.index.add(seq, stored, finalSize, now);
    batch.last = seq;
    if (fast !== null) (batch.fast ??= [])[batch.replies.length] = fast.tag!;
    batch.replies.push(cfg.no_ack || atomic !== null || fast !== null ? undefined : reply);
    if (check.msgId !== undefined) this.dedupe.add(check.msgId, seq, now);
    this._lastMsgId = check.msgId ?? '';
    if (check.ttl > 0) batch.ttls.push([seq, check.ttl]);
    if (check.rollup !== Rollup.None) batch.rollups.push([seq, check.rollup]);
    if ((check.ttl !== 0 || check.rollup !== Rollup.None) && scan !== null && (scan.get('Nats-Marker-Reason') !== undefined || scan.get('KV-Operation') === 'PURGE')) this.markers.add(seq);
    // Messages of an atomic batch reached core subscribers when they were published.
    if (atomic !== null) return true;
    // Core subscribers get the message now, unless an earlier Kafka append is still in flight:
    // then after it, in log order (docs/jetstream.md 1.4).
    if (this.foreignInflight()) {
      batch.fanout.push({ subject, reply, hdrLen, msg: Buffer.from(msg), origin });
      return true;
    }
    return false;
  }

  // ------------------------------------------------------------------------------------------
  // Atomic batch publish (atomic-batch.ts stages; the commit is here)

  /** One message of an atomic batch: staged (an empty reply), committed, or refused. Core subscribers get it now. */
  private captureBatchMessage(batchId: string, subject: string, reply: string | undefined, hdrLen: number, msg: Buffer): boolean {
    const cfg = this.cfg;
    const scan = this.scan;
    if (cfg.sealed) {
      this.replyError(reply, jsError('JSStreamSealedErr'));
      return false;
    }
    const dataLen = msg.length - hdrLen;
    if (cfg.max_msg_size >= 0 && (hdrLen > cfg.max_msg_size || dataLen > cfg.max_msg_size - hdrLen)) {
      this.replyError(reply, jsError('JSStreamMessageExceedsMaximumErr'));
      return false;
    }
    if (!cfg.allow_atomic) {
      this.replyError(reply, jsError('JSAtomicPublishDisabledErr'));
      return false;
    }
    const step = this.batches.step(batchId, subject, scan, hdrLen, msg);
    if (step.kind === 'refused') {
      this.replyError(reply, step.error);
      return false;
    }
    if (step.kind === 'staged') {
      // nats-server answers each staged message with an empty message ("persisted, not committed").
      if (reply !== undefined && !cfg.no_ack) this.ctx.router.route(reply, undefined, 0, EMPTY, this.ctx.owner);
      return false;
    }
    this.commitAtomic(step.id, step.msgs, reply);
    return false;
  }

  /**
   * Checks every message of a committed batch against the stream as the batch's earlier
   * messages leave it, and appends them as one batch of the log (one append: all of it is
   * stored, or none), or refuses the whole batch with the first message's error.
   */
  private commitAtomic(id: string, msgs: StagedMessage[], reply: string | undefined): void {
    // What this event captured before goes first, in its own append.
    if (this.open !== null && this.builder.count > 0) this.flush();
    const mark = { last: this.index.last, lastMsgId: this._lastMsgId };
    const commit = new AtomicCommit();
    for (let k = 0; k < msgs.length; k++) {
      const m = msgs[k]!;
      commit.position = k;
      const scan = m.hdrLen > 0 ? this.scan : null;
      if (scan !== null) scan.scan(m.msg, m.hdrLen);
      this.checkAndAdd(m.subject, undefined, m.hdrLen, m.msg, scan, null, commit);
      if (commit.error !== null) {
        this.rollbackTo(mark.last, mark.lastMsgId);
        this.replyRefusal(reply, commit.error);
        return;
      }
    }
    const batch = this.open!;
    this.open = null;
    batch.replies[batch.replies.length - 1] = this.cfg.no_ack ? undefined : reply;
    batch.batch = { id, count: msgs.length };
    batch.buf = this.builder.take(Date.now());
    this.appendOwn(batch);
  }

  /** Undoes what checkAndAdd did for the messages after `last` (a refused atomic batch: none of it was handed to the log). */
  private rollbackTo(last: number, lastMsgId: string): void {
    this.builder.discard();
    this.open = null;
    const from = last + 1;
    this.index.truncate(from);
    this.dedupe.dropFrom(from);
    this.counters?.dropFrom(from);
    for (const s of this.markers) if (s >= from) this.markers.delete(s);
    this._lastMsgId = lastMsgId;
  }

  // ------------------------------------------------------------------------------------------
  // Fast batch publish (fast-batch.ts keeps the batches; each message is stored as a publish)

  /**
   * One message of a fast batch (its reply ends in `.$FI`): refused before the batch, answered
   * by the batch alone (a ping, a gap, the end of batch), or checked and stored as a publish
   * whose outcome the batch is told (its PubAck is the batch's: flow acks, then the commit's).
   */
  private captureFastMessage(req: FastBatchRequest | 'invalid', subject: string, reply: string, hdrLen: number, msg: Buffer, scan: HeaderScan | null, origin: SubscriptionOwner | null): boolean {
    const cfg = this.cfg;
    if (cfg.sealed) {
      this.replyError(reply, jsError('JSStreamSealedErr'));
      return false;
    }
    const dataLen = msg.length - hdrLen;
    if (cfg.max_msg_size >= 0 && (hdrLen > cfg.max_msg_size || dataLen > cfg.max_msg_size - hdrLen)) {
      this.replyError(reply, jsError('JSStreamMessageExceedsMaximumErr'));
      return false;
    }
    if (!cfg.allow_batched) {
      this.replyError(reply, jsError('JSBatchPublishDisabledErr'));
      return false;
    }
    if (req === 'invalid') {
      this.replyError(reply, jsError('JSBatchPublishInvalidPatternErr'));
      return false;
    }
    const step = this.fastBatches.begin(req, reply, scan?.get(REQUIRED_API_LEVEL), !cfg.no_ack);
    if (step.kind === 'error') {
      this.replyError(reply, step.error);
      return false;
    }
    if (step.kind === 'done') return false;
    let m = msg;
    let h = hdrLen;
    let sc = scan;
    if (step.stripLevel) {
      // The required level is checked, never stored.
      const w = withHeader(msg, hdrLen, REQUIRED_API_LEVEL, null);
      m = w.msg;
      h = w.hdrLen;
      sc = h > 0 ? this.scan : null;
      if (sc !== null) sc.scan(m, h);
    }
    const out = this.fastOutcome;
    out.reset({ batch: step.batch, req, reply });
    const held = this.checkAndAdd(subject, reply, h, m, sc, origin, null, false, out);
    if (out.error !== null || out.duplicateSeq >= 0) {
      this.fastBatches.refused(step.batch, req, reply, out.error, out.duplicateSeq);
    } else {
      this.fastBatches.accepted(step.batch);
    }
    out.tag = null;
    return held;
  }

  private foreignInflight(): boolean {
    for (let i = 0; i < this.inflight.length; i++) if (!this.inflight[i]!.own || this.inflight[i]!.fanout.length > 0) return true;
    return false;
  }

  /** Refuses a publish: the atomic or fast batch it belongs to fails, or the publisher gets the error. Returns false. */
  private refuse(atomic: AtomicCommit | null, reply: string | undefined, err: JsApiError, fast: FastOutcome | null = null): boolean {
    if (atomic !== null) return atomic.fail(err);
    if (fast !== null) return fast.fail(err);
    this.replyError(reply, err);
    return false;
  }

  private replyError(reply: string | undefined, err: JsApiError): void {
    if (reply === undefined || this.cfg.no_ack) return;
    this.ctx.router.route(reply, undefined, 0, this.ctx.replies.error(this.cfg.name, err), this.ctx.owner);
  }

  /**
   * A refused publish (an expected last sequence that does not match, a discard-new limit) may
   * have been refused because of messages still in flight, which readers do not see yet. Its
   * answer waits for the newest batch in flight, so that a client that reads after the refusal
   * sees what it was refused against (a KV update refused, then a get returning the revision it
   * expected, is not linearizable).
   */
  private replyRefusal(reply: string | undefined, err: JsApiError): void {
    if (reply === undefined || this.cfg.no_ack) return;
    const holder = this.open ?? this.inflight[this.inflight.length - 1];
    if (holder === undefined) this.replyError(reply, err);
    else (holder.refusals ??= []).push([reply, err]);
  }

  /**
   * `failure`: the batch they waited for failed, so what they were refused against may never
   * have happened: they get the store's error (an unknown outcome), not the refusal.
   */
  private answerRefusals(entry: Inflight, failure?: JsApiError): void {
    if (entry.refusals === undefined) return;
    for (const [r, e] of entry.refusals) this.ctx.router.route(r, undefined, 0, this.ctx.replies.error(this.cfg.name, failure ?? e), this.ctx.owner);
    entry.refusals = undefined;
  }

  private replyDuplicate(reply: string | undefined, seq: number): void {
    if (reply === undefined || this.cfg.no_ack) return;
    if (seq <= this.durable) {
      this.ctx.router.route(reply, undefined, 0, this.ctx.replies.ack(this.cfg.name, seq, true), this.ctx.owner);
      return;
    }
    // The original is still in flight: answer when it is durable.
    const holder = this.open !== null && seq >= this.open.first ? this.open : this.inflight.find((b) => b.own && seq >= b.first && seq <= b.last);
    if (holder !== undefined) holder.dups.push([reply, seq]);
  }

  /** Hands this event's batch to the log (the end-of-event microtask). */
  private readonly flush = (): void => {
    this.flushScheduled = false;
    const batch = this.open;
    if (batch === null || this.builder.count === 0) return;
    this.open = null;
    batch.buf = this.builder.take(Date.now());
    this.appendOwn(batch);
  };

  /**
   * Hands one of this view's batches to the log. Publishes (the default) were framed by the
   * BatchBuilder within the size checks of checkAndAdd, so the log does not check them again;
   * appendInternal's records (markers, sourced messages) are checked as before.
   */
  private appendOwn(batch: Inflight, opts: AppendOptions = BUILT): void {
    this.inflight.push(batch);
    this.flushingBuf = batch.buf;
    let p: Promise<unknown>;
    try {
      p = this.partition.append(batch.buf, opts);
    } finally {
      this.flushingBuf = null;
    }
    p.catch(() => {
      /* failures arrive through the observer (failed) */
    });
  }

  // ------------------------------------------------------------------------------------------
  // AppendObserver: every append of the partition, ours and Kafka's, in offset order

  beforeAppend(batches: Buffer): void {
    if (batches === this.flushingBuf) return;
    // A Kafka append: what this event captured so far goes first, so predicted sequences hold.
    if (this.open !== null && this.builder.count > 0) this.flush();
  }

  issued(batches: Buffer, base: number, last: number): void {
    const own = this.inflight.find((b) => b.buf === batches);
    if (own !== undefined) {
      if (base + 1 !== own.first || last + 1 !== own.last) {
        this.log.error({ expected: [own.first, own.last], got: [base + 1, last + 1] }, 'stream sequences out of step with the log');
      }
      // The log has stamped its LogAppendTime into the batch (a mirror's topic keeps the origin's
      // times instead): the index takes the time the messages are stored with, which MSG.GET,
      // last_ts and a restart's replay see, so a start time and max_age agree with them.
      if (this.cfg.mirror === undefined) {
        const t = batchMaxTimestamp(batches);
        if (t > 0) this.index.retime(own.first, own.last, t);
      }
      return;
    }
    // A Kafka (or other foreign) append: index its records now, so checks see them.
    const entry: Inflight = { buf: batches, first: base + 1, last: last + 1, own: false, replies: [], dups: [], fanout: [], records: null, ttls: [], rollups: [] };
    this.indexForeign(batches, base, last, entry);
    this.inflight.push(entry);
  }

  private indexForeign(batches: Buffer, base: number, last: number, entry: Inflight): void {
    let next = base;
    const now = Date.now();
    const records: StreamRecord[] = [];
    const single = batchSize(batches) === batches.length;
    forEachBatch(batches, (pos, size) => {
      const batch = single ? batches : batches.subarray(pos, pos + size);
      const bBase = next;
      const bLast = bBase + batchLastOffsetDelta(batch);
      if (batchIsControl(batch) || batchRecordsCount(batch) === 0) {
        this.gap(bBase + 1, bLast + 1, now);
        next = bLast + 1;
        return;
      }
      const recs = recordsSync(batch);
      if (recs === null) {
        this.log.warn({ offset: bBase }, 'a batch that cannot be decoded here: its offsets are no messages for NATS');
        this.gap(bBase + 1, bLast + 1, now);
        next = bLast + 1;
        return;
      }
      // Offsets as the engine will stamp them (the batch's own base is not stamped yet).
      let expect = bBase;
      for (const r of recs) {
        const off = r.offset - batchBaseOffset(batch) + bBase;
        if (off > expect) this.gap(expect + 1, off, now);
        const rec: StreamRecord = { ...r, offset: off, timestamp: now };
        records.push(rec);
        this.indexRecord(rec);
        expect = off + 1;
      }
      if (expect <= bLast) this.gap(expect + 1, bLast + 1, now);
      next = bLast + 1;
    });
    entry.records = records;
  }

  private gap(from: number, to: number, time: number): void {
    if (to < from) return;
    this.index.addGap(from, to, time);
  }

  /** The subject a record is a message on, or null (a foreign record with no foreign subject). */
  private subjectOfRecord(r: StreamRecord): string | null {
    if (r.key !== null) {
      const s = r.key.toString('latin1');
      // Sourced messages keep whatever subject their source gave them (the Kafka check refuses
      // the Nats-Stream-Source header from producers).
      if (isValidLiteralSubject(s) && (this.captures(s) || recordHeader(r, 'Nats-Stream-Source') !== undefined)) return s;
    }
    return this.foreign.subject;
  }

  /** Whether a literal subject is one of the stream's subjects (any subject for sources and mirrors). */
  captures(subject: string): boolean {
    const subjects = this.cfg.subjects;
    if (subjects === undefined || subjects.length === 0) return true;
    for (const s of subjects) if (subjectsCollide(s, subject)) return true;
    // With a subject transform, messages are stored on the transform's destination.
    if (this.storedPattern !== null && subjectsCollide(this.storedPattern, subject)) return true;
    return false;
  }

  /** The subjects a subject transform stores messages on, as a wildcard subject, or null. */
  private storedPattern: string | null = null;

  /** Adds a stored record to the index (replay and Kafka appends). */
  private indexRecord(r: StreamRecord): void {
    const seq = r.offset + 1;
    const subject = this.subjectOfRecord(r);
    if (subject === null) {
      this.gap(seq, seq, r.timestamp);
      return;
    }
    const extraLen = r.key === null || subject === r.key.toString('latin1') ? 0 : `Kafka-Key: ${r.key.toString('base64')}\r\n`.length;
    let hdrLen = headerBlockLength(r.headers);
    if (extraLen > 0) hdrLen = (hdrLen === 0 ? 12 : hdrLen) + extraLen;
    const size = storedSize(this.memory, subject.length, hdrLen, r.value?.length ?? 0);
    this.index.add(seq, subject, size, r.timestamp);
    this.lastTime = Math.max(this.lastTime, r.timestamp);
    if (r.headers.length > 0 && (recordHeader(r, 'Nats-Marker-Reason') !== undefined || recordHeader(r, 'KV-Operation') === 'PURGE')) this.markers.add(seq);
    if (this.counters !== null) {
      this.counters.set(seq, counterValueOf(r.value));
      this.counters.setSources(seq, parseCounterSources(recordHeader(r, COUNTER_SOURCES)));
    }
    const id = recordHeader(r, 'Nats-Msg-Id');
    this._lastMsgId = id ?? '';
    if (id !== undefined && id !== '') this.dedupe.add(id, seq, r.timestamp);
  }

  acknowledged(batches: Buffer, base: number, last: number): void {
    const i = this.inflight.findIndex((b) => b.buf === batches);
    if (i < 0) return;
    const entry = this.inflight[i]!;
    this.inflight.splice(i, 1);
    const time = batchMaxTimestamp(batches);
    this.durable = Math.max(this.durable, last + 1);
    // A filler or a batch of control records holds no message: last_ts stays.
    if (batchRecordsCount(batches) > 0 && !batchIsControl(batches)) this.lastTime = Math.max(this.lastTime, time);
    if (entry.own) {
      this.afterOwnDurable(entry, time);
    } else {
      this.afterForeignDurable(entry);
    }
    this.answerRefusals(entry);
    this.emit({ kind: 'appended', first: base + 1, last: last + 1 });
    this.applyRetention(entry);
    this.armExpiry();
    this.changed = true;
    // An erase waiting for its unit of storage to roll: look again, at most once a second.
    if (this.erasing.size > 0 && this.erasePass === null && Date.now() - this.lastErasePass >= 1000) this.scheduleErase();
    this.sinceSnapshot += batches.length;
    if (this.ctx.snapshotBytes > 0 && this.sinceSnapshot >= this.ctx.snapshotBytes) this.snapshotInBackground();
  }

  private afterOwnDurable(entry: Inflight, time: number): void {
    // Limits and rollups first (they are part of the append), then the PubAcks, then the event.
    for (const [seq, kind] of entry.rollups) this.applyRollup(seq, kind);
    for (const [seq, ttl] of entry.ttls) this.ttls.push(time + ttl * SEC, seq);
    this.enforceLimits(entry.first, entry.last);
    const router = this.ctx.router;
    const name = this.cfg.name;
    const batch = entry.batch;
    const fast = entry.fast;
    for (let k = 0; k < entry.replies.length; k++) {
      const reply = entry.replies[k];
      if (reply === undefined) {
        const f = fast?.[k];
        if (f !== undefined) this.fastBatches.persisted(f.batch, f.req, f.reply, entry.first + k);
        continue;
      }
      const val = entry.vals?.[k];
      const ack =
        batch !== undefined
          ? this.ctx.replies.batchAck(name, entry.first + k, batch.id, batch.count)
          : val !== undefined
            ? this.ctx.replies.counterAck(name, entry.first + k, val)
            : this.ctx.replies.ack(name, entry.first + k, false);
      router.route(reply, undefined, 0, ack, this.ctx.owner);
    }
    for (const [reply, seq] of entry.dups) router.route(reply, undefined, 0, this.ctx.replies.ack(name, seq, true), this.ctx.owner);
    if (entry.schedules !== undefined) this.applySchedules(entry.schedules);
    for (const f of entry.fanout) router.fanout(f.subject, f.reply, f.hdrLen, f.msg, f.origin);
    if (this.republish !== null) void this.republishRange(entry.first, entry.last);
  }

  private afterForeignDurable(entry: Inflight): void {
    const records = entry.records ?? [];
    for (const r of records) {
      const seq = r.offset + 1;
      if (!this.index.isLive(seq)) continue;
      const ttl = recordHeader(r, 'Nats-TTL');
      if (ttl !== undefined && this.cfg.allow_msg_ttl) {
        const secs = parseMessageTtl(ttl);
        if (secs !== null && secs > 0) this.ttls.push(r.timestamp + secs * SEC, seq);
      }
      const rollup = recordHeader(r, 'Nats-Rollup');
      if (rollup === 'sub') this.applyRollup(seq, Rollup.Subject);
      else if (rollup === 'all') this.applyRollup(seq, Rollup.All);
    }
    this.enforceLimits(entry.first, entry.last);
    // Kafka records reach core NATS subscribers once durable, on their subject (docs/jetstream.md 1.4).
    for (const r of records) {
      const seq = r.offset + 1;
      const subject = this.subjectOfRecord(r);
      if (subject === null) continue;
      const m = this.messageOf(r, seq, subject);
      this.fanoutStored(m);
    }
    if (this.republish !== null) void this.republishRange(entry.first, entry.last);
  }

  /** Delivers a stored message to core subscribers (Kafka records, held-back publishes). */
  private fanoutStored(m: StoredMessage): void {
    const msg = m.hdr.length === 0 ? m.data : Buffer.concat([m.hdr, m.data]);
    this.ctx.router.fanout(m.subject, undefined, m.hdr.length, msg, null);
  }

  failed(end: number, error: unknown): void {
    const from = end + 1;
    const err = jsError('JSStreamStoreFailedF', { err: error instanceof Error ? error.message : String(error) });
    for (const b of this.inflight.splice(0)) {
      this.answerRefusals(b, err);
      if (!b.own) continue;
      for (const r of b.replies) if (r !== undefined) this.ctx.router.route(r, undefined, 0, this.ctx.replies.error(this.cfg.name, err), this.ctx.owner);
      for (const f of b.fast ?? []) if (f !== undefined) this.fastBatches.failed(f.batch, f.reply, err);
      for (const [r] of b.dups) this.ctx.router.route(r, undefined, 0, this.ctx.replies.error(this.cfg.name, err), this.ctx.owner);
    }
    if (this.open !== null) {
      this.answerRefusals(this.open, err);
      // What this event captured was numbered after the failed appends: refuse it too.
      for (const r of this.open.replies) if (r !== undefined) this.ctx.router.route(r, undefined, 0, this.ctx.replies.error(this.cfg.name, err), this.ctx.owner);
      for (const f of this.open.fast ?? []) if (f !== undefined) this.fastBatches.failed(f.batch, f.reply, err);
      this.open = null;
      this.builder.discard();
    }
    this.index.truncate(from);
    this.dedupe.dropFrom(from);
    this.counters?.dropFrom(from);
    this.scheduleTable?.resetInflight();
    this.ttls.dropFrom(from);
    for (const s of this.markers) if (s >= from) this.markers.delete(s);
    this.durable = Math.min(this.durable, end);
    this.log.error({ err: error, end }, 'append to the stream failed');
  }

  /** The log start offset moved (DeleteRecords over Kafka, or this stream's own trims): the prefix is gone. */
  trimmed(logStartOffset: number): void {
    if (logStartOffset + 1 > this.index.first) this.removePrefix(logStartOffset + 1, 'purge');
  }

  // ------------------------------------------------------------------------------------------
  // Limits, rollups, retention, expiry

  private applyRollup(seq: number, kind: Rollup): void {
    if (kind === Rollup.All) {
      this.removePrefix(seq, 'rollup');
      return;
    }
    const subject = this.index.subjectOf(seq);
    if (subject === null) return;
    const removed: number[] = [];
    for (let s = this.index.firstOf(subject); s !== 0 && s < seq; s = this.index.nextOfSubject(s)) removed.push(s);
    this.removeSeqs(removed, 'rollup');
  }

  /**
   * max_msgs, max_bytes (discard old: the oldest go) and max_msgs_per_subject. After an append
   * only the subjects of the appended sequences [from, to] can be over their limit, so only those
   * are looked at (a pass over every subject per append made KV puts quadratic); a config change
   * and a restart check every subject.
   */
  private enforceLimits(from = 0, to = -1): void {
    const cfg = this.cfg;
    const perSubject = cfg.max_msgs_per_subject;
    if (perSubject > 0 && !cfg.discard_new_per_subject) {
      const over: number[] = [];
      const trim = (subject: string, count: number) => {
        // Messages still in flight do not count: the newest durable ones stay readable until
        // their replacements are durable (KV gets saw no value between a put and its PubAck).
        let n = count - this.inflightOfSubject(subject) - perSubject;
        if (n <= 0) return;
        for (let s = this.index.firstOf(subject); n > 0 && s !== 0; s = this.index.nextOfSubject(s), n--) over.push(s);
      };
      if (to < from) {
        for (const [subject, count] of this.index.liveSubjects()) trim(subject, count);
      } else if (from === to) {
        const subject = this.index.subjectOf(from);
        if (subject !== null) trim(subject, this.index.countOf(subject));
      } else {
        const seen = new Set<string>();
        for (let q = from; q <= to; q++) {
          const subject = this.index.subjectOf(q);
          if (subject === null || seen.has(subject)) continue;
          seen.add(subject);
          trim(subject, this.index.countOf(subject));
        }
      }
      if (over.length > 0) this.removeSeqs(over.sort((a, b) => a - b), 'limits');
    }
    if (cfg.discard === 'old') {
      const overMsgs = cfg.max_msgs > 0 ? this.index.messages - cfg.max_msgs : 0;
      const overBytes = cfg.max_bytes > 0 ? this.index.bytes - cfg.max_bytes : 0;
      if (overMsgs > 0 || overBytes > 0) {
        let s = this.index.first;
        let msgs = 0;
        let bytes = 0;
        while (s <= this.durable && (msgs < overMsgs || bytes < overBytes)) {
          if (this.index.isLive(s)) {
            msgs++;
            bytes += this.index.sizeOf(s);
          }
          s++;
        }
        this.removePrefix(s, 'limits');
      }
    }
  }

  /** Messages of `subject` issued but not yet durable (the in-flight window is a few batches). */
  private inflightOfSubject(subject: string): number {
    let n = 0;
    for (let s = this.durable + 1; s <= this.index.last; s++) if (this.index.subjectOf(s) === subject) n++;
    return n;
  }

  /** Interest retention: a message no consumer needs is not kept. */
  private applyRetention(entry: Inflight): void {
    if (this.cfg.retention !== 'interest') return;
    const drop: number[] = [];
    for (let s = entry.first; s <= entry.last; s++) {
      const subject = this.index.subjectOf(s);
      if (subject !== null && (this.hooks === null || !this.hooks.interested(subject, s))) drop.push(s);
    }
    if (drop.length > 0) this.removeSeqs(drop, 'ack');
  }

  /** Removes live sequences (not recorded: derived on replay, or recorded by the caller). A prefix moves the log start. */
  private removeSeqs(seqs: readonly number[], reason: RemovalReason): void {
    const gone: number[] = [];
    for (const s of seqs) if (this.index.remove(s)) gone.push(s);
    if (gone.length === 0) return;
    this.afterRemoval(reason, gone);
  }

  /** Everything below `seq` leaves (DeleteRecords follows, in the background). */
  private removePrefix(seq: number, reason: RemovalReason): number {
    const n = this.index.advanceFirst(seq);
    if (n === 0 && seq <= this.index.first) return 0;
    this.afterRemoval(reason, []);
    return n;
  }

  private afterRemoval(reason: RemovalReason, seqs: number[]): void {
    this.changed = true;
    // A leading run of deleted sequences is a prefix: move the first sequence past it.
    let first = this.index.first;
    while (first <= this.index.last && !this.index.isLive(first) && first <= this.durable) first++;
    if (first > this.index.first) this.index.advanceFirst(first);
    const newFirst = this.index.first;
    if (this.markers.size > 0) for (const s of this.markers) if (s < newFirst || !this.index.isLive(s)) this.markers.delete(s);
    this.emit({ kind: 'removed', reason, firstSeq: newFirst, seqs: seqs.filter((s) => s >= newFirst) });
    this.scheduleTrim();
  }

  /** Moves the log start offset to the first sequence (durable DeleteRecords), serialized. */
  private scheduleTrim(): Promise<void> {
    this.trimming = this.trimming.then(async () => {
      const target = Math.min(this.index.first - 1, this.durable);
      if (this.closed || target <= this.partition.logStartOffset) return;
      try {
        await this.partition.deleteRecordsBefore(target);
        await this.ctx.state.dropDeletesBelow(this.topicId, target + 1);
      } catch (err) {
        if (!this.closed) this.log.warn({ err }, 'moving the log start offset failed');
      }
    });
    return this.trimming;
  }

  private armExpiry(): void {
    let next = this.ttls.peekTime();
    const maxAgeMs = Number(this.cfg.max_age / 1_000_000n);
    if (maxAgeMs > 0) {
      const first = this.index.nextLive(this.index.first, null);
      if (first !== 0) next = Math.min(next, this.index.timeOf(first) + maxAgeMs);
    }
    this.timer.arm(next);
  }

  private expire(now = Date.now()): void {
    if (this.closed) return;
    const markers: string[] = [];
    const maxAgeMs = Number(this.cfg.max_age / 1_000_000n);
    const expired: number[] = [];
    while (this.ttls.size > 0 && this.ttls.peekTime() <= now) {
      const seq = this.ttls.pop();
      if (this.index.isLive(seq)) expired.push(seq);
    }
    if (maxAgeMs > 0) {
      for (let s = this.index.first; s <= this.durable; s++) {
        if (!this.index.isLive(s)) continue;
        if (this.index.timeOf(s) + maxAgeMs > now) break;
        expired.push(s);
      }
    }
    if (expired.length > 0) {
      expired.sort((a, b) => a - b);
      const sdm = this.cfg.subject_delete_marker_ttl ?? 0n;
      // A marker (or KV purge) that expires leaves no marker behind.
      const subjects = sdm > 0n ? expired.filter((s) => !this.markers.has(s)).map((s) => this.index.subjectOf(s)) : [];
      for (const s of expired) this.markers.delete(s);
      this.removeSeqs(expired, 'ttl');
      for (const subject of subjects) if (subject !== null && this.index.countOf(subject) === 0 && !markers.includes(subject)) markers.push(subject);
    }
    if (markers.length > 0) this.appendMarkers(markers);
    this.armExpiry();
  }

  /** Subject delete markers (docs/jetstream.md 1.8): ordinary records with the marker headers, never fanned out to core subscribers. */
  private appendMarkers(subjects: readonly string[]): void {
    const ttl = this.cfg.subject_delete_marker_ttl ?? 0n;
    const headers: ExtraHeader[] = [
      ['Nats-Marker-Reason', 'MaxAge'],
      ['Nats-TTL', formatGoDuration(ttl)],
      ['Nats-Rollup', 'sub'],
    ];
    this.appendInternal(subjects.map((s) => ({ subject: s, headers, data: EMPTY })), Number(ttl / 1_000_000_000n));
  }

  /**
   * Appends records the stream makes itself (markers, sourced and mirrored messages): indexed
   * like publishes, never fanned out to core subscribers, no PubAck.
   */
  appendInternal(msgs: ReadonlyArray<{ subject: string; headers: readonly ExtraHeader[]; data: Buffer; time?: number }>, ttlSeconds = 0): { first: number; last: number } {
    if (this.open !== null) this.flush();
    const now = Date.now();
    const first = this.index.last + 1;
    const entry: Inflight = { buf: EMPTY, first, last: first - 1, own: true, replies: [], dups: [], fanout: [], records: null, ttls: [], rollups: [] };
    for (const original of msgs) {
      let m = original;
      let counted: { total: bigint; sources: ReturnType<typeof parseCounterSources> } | null = null;
      if (this.counters !== null && m.headers.some(([k]) => k === 'Nats-Stream-Source')) {
        // A counter sourced into a counter stream adds the origin's change (counters.ts).
        const prev = this.counters.at(this.index.lastOf(m.subject)) ?? 0n;
        const agg = aggregateSourced(m.subject, m.headers, m.data, prev ?? 0n, this.counters.sourcesAt(this.index.lastOf(m.subject)));
        if (agg !== null) {
          m = { ...m, headers: agg.headers, data: agg.data };
          counted = { total: agg.total, sources: agg.sources };
        }
      }
      this.builder.add(m.subject, null, -1, m.headers, m.data, 0, m.data.length, m.time);
      let hdrLen = 0;
      if (m.headers.length > 0) {
        hdrLen = 12;
        for (const [k, v] of m.headers) hdrLen += k.length + 2 + Buffer.byteLength(v, 'latin1') + 2;
      }
      const seq = ++entry.last;
      this.index.add(seq, m.subject, storedSize(this.memory, m.subject.length, hdrLen, m.data.length), m.time ?? now);
      if (this.counters !== null) {
        this.counters.set(seq, counted !== null ? counted.total : counterValueOf(m.data));
        this.counters.setSources(seq, counted !== null ? counted.sources : null);
      }
      entry.replies.push(undefined);
      if (ttlSeconds > 0) entry.ttls.push([seq, ttlSeconds]);
      const rollup = m.headers.find(([k]) => k === 'Nats-Rollup')?.[1];
      if (rollup === 'sub') entry.rollups.push([seq, Rollup.Subject]);
      const id = m.headers.find(([k]) => k === 'Nats-Msg-Id')?.[1];
      if (id !== undefined) this.dedupe.add(id, seq, now);
      if (m.headers.some(([k, v]) => k === 'Nats-Marker-Reason' || (k === 'KV-Operation' && v === 'PURGE'))) this.markers.add(seq);
      this._lastMsgId = id ?? '';
    }
    entry.buf = this.builder.take(now);
    this.appendOwn(entry, CHECKED);
    return { first, last: entry.last };
  }

  /** Appends a filler taking `count` sequences that are no messages (a mirror's gap, first_seq). */
  appendFiller(count: number): void {
    if (count <= 0) return;
    if (this.open !== null) this.flush();
    const now = Date.now();
    const first = this.index.last + 1;
    const entry: Inflight = { buf: fillerBatch(count, now), first, last: first + count - 1, own: true, replies: [], dups: [], fanout: [], records: null, ttls: [], rollups: [] };
    this.index.addGap(first, entry.last, now);
    this.appendOwn(entry, FILLER);
  }

  /** Resolves once everything appended so far is acknowledged (or failed). */
  async settled(): Promise<void> {
    if (this.open !== null) this.flush();
    const target = this.index.last;
    while (this.durable < target && this.inflight.length > 0 && !this.closed) {
      await new Promise<void>((resolve) => {
        const off = this.onChange(() => {
          off();
          resolve();
        });
        setTimeout(() => {
          off();
          resolve();
        }, 50).unref();
      });
    }
  }

  private async republishRange(first: number, last: number): Promise<void> {
    const t = this.republish;
    const r = this.cfg.republish;
    if (t === null || r === undefined) return;
    let prev = first - 1;
    while (prev > 0 && prev >= this.index.first && !this.index.isLive(prev)) prev--;
    for (let s = first; s <= last; s++) {
      const m = await this.get(s);
      if (m === null) continue;
      const dest = t.apply(m.subject);
      if (dest === null) continue;
      const fields: ExtraHeader[] = [
        ['Nats-Stream', this.cfg.name],
        ['Nats-Subject', m.subject],
        ['Nats-Sequence', String(s)],
        ['Nats-Time-Stamp', formatGoTime(m.time)],
        ['Nats-Last-Sequence', String(this.lastSeqOfSubjectBefore(m.subject, s))],
      ];
      if (r.headers_only) fields.push(['Nats-Msg-Size', String(m.data.length)]);
      const hdr = mergeHeaders(m.hdr, fields);
      const data = r.headers_only ? EMPTY : m.data;
      this.ctx.router.route(dest, undefined, hdr.length, Buffer.concat([hdr, data]), this.ctx.owner);
      prev = s;
    }
  }

  private lastSeqOfSubjectBefore(subject: string, seq: number): number {
    let last = 0;
    for (let s = this.index.firstOf(subject); s !== 0 && s < seq; s = this.index.nextOfSubject(s)) last = s;
    return last;
  }

  // ------------------------------------------------------------------------------------------
  // Reads

  state(): StreamState {
    const ix = this.index;
    let messages = ix.messages;
    let bytes = ix.bytes;
    // Appends still in flight are not in the state readers see, nor are subjects that only
    // they have (a mirror's first copies may be in flight when its STREAM.CREATE is answered).
    let numSubjects = ix.numSubjects;
    let inflight: Map<string, number> | null = null;
    for (let s = this.durable + 1; s <= ix.last; s++) {
      if (ix.isLive(s)) {
        messages--;
        bytes -= ix.sizeOf(s);
        const subject = ix.subjectOf(s);
        if (subject !== null) {
          inflight ??= new Map();
          inflight.set(subject, (inflight.get(subject) ?? 0) + 1);
        }
      }
    }
    if (inflight !== null) for (const [subject, n] of inflight) if (ix.countOf(subject) <= n) numSubjects--;
    const last = Math.min(ix.last, this.durable);
    const empty = ix.first === 1 && last === 0;
    const firstLive = ix.nextLive(ix.first, null);
    const firstTs = firstLive !== 0 && firstLive <= last ? ix.timeOf(firstLive) : 0;
    let numDeleted = 0;
    if (last >= ix.first) numDeleted = last - ix.first + 1 - messages;
    return {
      messages,
      bytes,
      first_seq: empty ? 0 : ix.first,
      first_ts: firstTs,
      last_seq: last,
      last_ts: last > 0 ? this.lastTime : 0,
      num_subjects: Math.max(0, numSubjects),
      num_deleted: Math.max(0, numDeleted),
      consumer_count: this.hooks?.consumerCount() ?? 0,
    };
  }

  /** The sequence up to which messages are durable and readable. */
  get durableSeq(): number {
    return this.durable;
  }

  async get(seq: number): Promise<StoredMessage | null> {
    if (seq < 1 || seq > this.durable || !this.index.isLive(seq)) return null;
    let r = this.recordNow(seq - 1);
    if (r === undefined) r = await this.recordRead(seq - 1);
    if (r === null) return null;
    // The index knows the subject (readMany takes it from there too): decoding the key and
    // checking it against the stream's subjects again cost a split per get.
    const subject = this.index.subjectOf(seq) ?? this.subjectOfRecord(r);
    if (subject === null) return null;
    return this.messageOf(r, seq, subject);
  }

  private messageOf(r: StreamRecord, seq: number, subject: string): StoredMessage {
    // The delivery path: no string or array per message unless the key is not the subject.
    const extra: readonly ExtraHeader[] = r.key !== null && !keyIsSubject(r.key, subject) ? [['Kafka-Key', r.key.toString('base64')]] : NO_EXTRA;
    if (r.headers.length === 0 && extra.length === 0) return { seq, subject, hdr: EMPTY, data: r.value ?? EMPTY, time: r.timestamp };
    const { hdr, omitted } = headerBlockOf(r.headers, extra);
    if (omitted > 0) this.ctx.stats.omittedHeaders += omitted;
    return { seq, subject, hdr, data: r.value ?? EMPTY, time: r.timestamp };
  }

  private async recordAt(offset: number): Promise<StreamRecord | null> {
    const now = this.recordNow(offset);
    return now !== undefined ? now : this.recordRead(offset);
  }

  /**
   * The record at `offset` when it can be had without waiting: from the read cache, or from the
   * partition's hot tail in a batch that decodes synchronously. Undefined when the log must be
   * read (a KV get of a recent key then costs no promise on the way down).
   */
  private recordNow(offset: number): StreamRecord | null | undefined {
    for (const c of this.readCache.values()) {
      if (offset >= c.base && offset <= c.last) return recordIn(c.records, c.base, offset);
    }
    let res;
    try {
      res = this.partition.readCached(offset, 1, { maxOffset: this.durable });
    } catch {
      return null;
    }
    if (res === null) return undefined;
    const batch = batchHolding(res.chunks, offset);
    if (batch === null) return null;
    if (batchIsControl(batch) || batchRecordsCount(batch) === 0) return null;
    const records = recordsSync(batch);
    if (records === null) return undefined;
    return this.cacheRecords(batch, records, offset);
  }

  private async recordRead(offset: number): Promise<StreamRecord | null> {
    let res;
    try {
      res = await this.partition.read(offset, 1, { maxOffset: this.durable });
    } catch {
      return null;
    }
    const batch = batchHolding(res.chunks, offset);
    if (batch === null) return null;
    if (batchIsControl(batch) || batchRecordsCount(batch) === 0) return null;
    const records = recordsSync(batch) ?? (await recordsOf(batch));
    return this.cacheRecords(batch, records, offset);
  }

  private cacheRecords(batch: Buffer, records: StreamRecord[], offset: number): StreamRecord | null {
    const base = batchBaseOffset(batch);
    if (this.readCache.size >= 16) this.readCache.delete(this.readCache.keys().next().value!);
    this.readCache.set(base, { base, last: base + batchLastOffsetDelta(batch), records });
    return recordIn(records, base, offset);
  }

  nextSeq(seq: number, filter: SubjectFilter | null): number {
    const s = this.index.nextLive(seq, filter);
    return s !== 0 && s <= this.durable ? s : 0;
  }

  async next(seq: number, filter: SubjectFilter | null): Promise<StoredMessage | null> {
    for (let s = this.nextSeq(seq, filter); s !== 0; s = this.nextSeq(s + 1, filter)) {
      const m = await this.get(s);
      if (m !== null) return m;
    }
    return null;
  }

  lastSeqOfDurable(subject: string): number {
    let s = this.lastSeqOf(subject);
    if (s <= this.durable) return s;
    // The last one is in flight: the last durable one of the subject.
    const f = subjectFilter([subject]);
    for (s = this.durable; s >= this.index.first; s--) {
      const subj = this.index.subjectOf(s);
      if (subj !== null && (f === null || f.matches(subj))) return s;
    }
    return 0;
  }

  async last(subject: string): Promise<StoredMessage | null> {
    const s = this.lastSeqOfDurable(subject);
    return s === 0 ? null : this.get(s);
  }

  lastSeqs(filter: SubjectFilter | null): number[] {
    const out: number[] = [];
    for (const [subject] of this.index.liveSubjects()) {
      if (filter !== null && !filter.matches(subject)) continue;
      const s = this.lastSeqOfDurable(subject);
      if (s > 0) out.push(s);
    }
    return out.sort((a, b) => a - b);
  }

  async readMany(seq: number, filter: SubjectFilter | null, max: number, fn: (m: StoredMessage) => boolean): Promise<number> {
    let taken = 0;
    const cur = new RecordCursor();
    let s = this.nextSeq(seq, filter);
    while (s !== 0 && taken < max) {
      // The bytes the stream's last run read when they hold `s` (run-cache.ts), else a read.
      let res = runCache.get(this, s - 1);
      if (res === null) {
        let read;
        try {
          read = await this.partition.read(s - 1, this.runBytes(max - taken), { maxOffset: this.durable });
        } catch {
          return taken;
        }
        if (read.bytes === 0) break;
        res = { from: s - 1, next: read.nextOffset, chunks: read.chunks, bytes: read.bytes };
        runCache.put(this, res);
      }
      let lastSeen = s - 1;
      let stop = false;
      for (const chunk of res.chunks) {
        const batches: Buffer[] = [];
        forEachBatch(chunk, (pos, size) => {
          // Batches wholly before `s` (earlier runs took them) are not looked at again.
          if (batchBaseOffset(chunk, pos) + batchLastOffsetDelta(chunk, pos) + 1 >= s) batches.push(chunk.subarray(pos, pos + size));
        });
        for (const b of batches) {
          const lastOfBatch = batchBaseOffset(b) + batchLastOffsetDelta(b) + 1;
          if (batchIsControl(b) || batchRecordsCount(b) === 0) {
            lastSeen = Math.max(lastSeen, lastOfBatch);
            continue;
          }
          // The batch's records in place (one cursor, no object per record), unless the append
          // check decoded them already.
          const cached = checkedRecords.get(b);
          let records: StreamRecord[] | null = null;
          if (cached !== undefined) records = cached;
          else if (canDecodeSync(b)) cur.reset(b, batchRecordsData(b));
          else cur.reset(b, await batchRecordsDataAsync(b));
          for (let i = 0; records === null ? cur.next() : i < records.length; i++) {
            const r = records === null ? null : records[i]!;
            const rs = (r === null ? cur.offset : r.offset) + 1;
            if (rs < s) continue;
            if (rs > this.durable) {
              stop = true;
              break;
            }
            lastSeen = rs;
            // (null for a sequence that is not live: one index lookup instead of two.)
            const subject = this.index.subjectOf(rs);
            if (subject === null || (filter !== null && !filter.matches(subject))) continue;
            let m: StoredMessage;
            if (r !== null) m = this.messageOf(r, rs, subject);
            else if (cur.headerCount === 0 && cur.keyIsNullOr(subject)) m = { seq: rs, subject, hdr: EMPTY, data: cur.value(), time: cur.timestamp };
            else m = this.messageOf(cur.record(), rs, subject);
            if (!fn(m)) {
              stop = true;
              break;
            }
            if (++taken >= max) {
              stop = true;
              break;
            }
          }
          if (stop) break;
          lastSeen = Math.max(lastSeen, lastOfBatch);
        }
        if (stop) break;
      }
      if (stop) break;
      const next = this.nextSeq(lastSeen + 1, filter);
      if (next <= s) break;
      s = next;
    }
    return taken;
  }

  /** Bytes of log a delivery run of `n` messages reads (READ_MANY_MIN_BYTES..READ_MANY_BYTES). */
  private runBytes(n: number): number {
    const msgs = this.index.messages;
    const avg = msgs > 0 ? this.index.bytes / msgs : 0;
    // Records carry some more than NATS's accounting (record and batch framing): a quarter more.
    return Math.min(READ_MANY_BYTES, Math.max(READ_MANY_MIN_BYTES, Math.ceil(n * avg * 1.25)));
  }

  count(fromSeq: number, filter: SubjectFilter | null, lastPerSubject: boolean): number {
    let n = this.index.count(fromSeq, filter, lastPerSubject);
    if (!lastPerSubject) {
      for (let s = Math.max(fromSeq, this.durable + 1); s <= this.index.last; s++) {
        const subj = this.index.subjectOf(s);
        if (subj !== null && (filter === null || filter.matches(subj))) n--;
      }
    }
    return Math.max(0, n);
  }

  subjectOf(seq: number): string | null {
    return seq <= this.durable ? this.index.subjectOf(seq) : null;
  }

  sizeOf(seq: number): number {
    return seq <= this.durable ? this.index.sizeOf(seq) : 0;
  }

  async seqForTime(timeMs: number): Promise<number> {
    for (let s = this.index.first; s <= this.durable; s++) {
      if (this.index.isLive(s) && this.index.timeOf(s) >= timeMs) return s;
    }
    return this.durable + 1;
  }

  subjects(filter: string): Map<string, number> {
    const f = subjectFilter([filter]);
    const out = new Map<string, number>();
    for (const [s, c] of this.index.liveSubjects()) if (f === null || f.matches(s)) out.set(s, c);
    return out;
  }

  deleted(): number[] {
    return this.index.deletedList().filter((s) => s <= this.durable);
  }

  /** The message a MSG.GET / DIRECT.GET names (seq, last_by_subj, next_by_subj), or null. */
  async find(q: MessageQuery): Promise<StoredMessage | null> {
    if (q.last_by_subj !== undefined && q.last_by_subj !== '') return this.last(q.last_by_subj);
    const seq = q.seq ?? 0;
    if (q.next_by_subj !== undefined && q.next_by_subj !== '') return this.next(Math.max(seq, 1), subjectFilter([q.next_by_subj]));
    return this.get(seq);
  }

  // ------------------------------------------------------------------------------------------
  // Deletes and purges

  async delete(seq: number, erase: boolean): Promise<boolean> {
    await this.settled();
    if (!this.index.isLive(seq) || seq > this.durable) return false;
    const at = this.durable;
    if (seq === this.index.first) {
      // A prefix: the log start moves, nothing to record.
      this.index.remove(seq);
      this.afterRemoval('delete', [seq]);
      await this.trimming;
      return true;
    }
    const erased = erase ? { subject: this.index.subjectOf(seq)!, size: this.index.sizeOf(seq), time: this.index.timeOf(seq) } : undefined;
    await this.ctx.state.addDeletes(this.topicId, [{ from: seq, to: seq, erase, at, ...(erased !== undefined ? { erased } : {}) }]);
    this.index.remove(seq);
    this.afterRemoval('delete', [seq]);
    if (erase) {
      this.erasing.add(seq);
      this.scheduleErase();
    }
    return true;
  }

  /** Starts a pass that erases the pending deleted records from the log, unless one runs. */
  private scheduleErase(): void {
    if (this.erasing.size === 0 || this.closed) return;
    if (this.erasePass !== null) {
      // Asked while a pass runs (a new delete): one more pass after it.
      this.eraseAgain = true;
      return;
    }
    this.lastErasePass = Date.now();
    this.eraseAgain = false;
    this.erasePass = this.runErase()
      .catch((err: unknown) => {
        if (!this.closed) this.log.warn({ err }, 'erasing deleted messages from the log failed');
      })
      .finally(() => {
        this.erasePass = null;
        if (this.eraseAgain) this.scheduleErase();
      });
  }

  /** Has the engine rewrite the sealed storage holding the pending erased records (erase.ts). */
  private async runErase(): Promise<void> {
    for (const s of this.erasing) if (s < this.index.first) this.erasing.delete(s);
    if (this.erasing.size === 0) return;
    const offsets = [...this.erasing].map((s) => s - 1).sort((a, b) => a - b);
    const filter = eraseFilter(offsets);
    const r = await this.partition.rewriteSealed(offsets[0]!, this.durable, filter);
    for (const o of offsets) if (o < r.rewrittenUpTo) this.erasing.delete(o + 1);
    if (filter.erased() > 0) this.log.info({ erased: filter.erased(), pending: this.erasing.size }, 'deleted messages erased from the log');
    if (filter.undecodable() > 0) this.log.warn({ records: filter.undecodable() }, 'deleted messages in batches of an unknown compression cannot be erased');
  }

  /** Sequences deleted with erase that are not yet erased from the log (tests, monitoring). */
  get pendingErases(): number {
    return this.erasing.size;
  }

  async purge(req: PurgeRequest): Promise<number> {
    await this.settled();
    const ix = this.index;
    const last = this.durable;
    const filter = req.filter !== undefined && req.filter !== '' && req.filter !== '>' ? subjectFilter([req.filter]) : null;
    let victims: number[] = [];
    if (filter === null) {
      // Everything below a sequence: a prefix (DeleteRecords).
      let upTo = last + 1;
      if (req.seq !== undefined && req.seq > 0) upTo = Math.min(req.seq, last + 1);
      else if (req.keep !== undefined && req.keep > 0) {
        let kept = 0;
        let s = last;
        for (; s >= ix.first && kept < req.keep; s--) if (ix.isLive(s)) kept++;
        upTo = kept < req.keep ? ix.first : s + 1;
      }
      let n = 0;
      for (let s = ix.first; s < upTo; s++) if (ix.isLive(s)) n++;
      if (upTo > ix.first) {
        ix.advanceFirst(upTo);
        this.afterRemoval('purge', []);
        await this.trimming;
      }
      return n;
    }
    const keep = req.keep ?? 0;
    for (const [subject] of [...ix.liveSubjects()]) {
      if (!filter.matches(subject)) continue;
      const seqs: number[] = [];
      for (let s = ix.firstOf(subject); s !== 0 && s <= last; s = ix.nextOfSubject(s)) seqs.push(s);
      let chosen = seqs;
      if (req.seq !== undefined && req.seq > 0) chosen = chosen.filter((s) => s < req.seq!);
      if (keep > 0) chosen = chosen.slice(0, Math.max(0, chosen.length - keep));
      victims.push(...chosen);
    }
    if (victims.length === 0) return 0;
    victims.sort((a, b) => a - b);
    // A prefix needs no record; the rest is recorded as ranges.
    let prefixEnd = ix.first;
    let vi = 0;
    while (prefixEnd <= last && (vi < victims.length ? victims[vi] === prefixEnd || !ix.isLive(prefixEnd) : false)) {
      if (victims[vi] === prefixEnd) vi++;
      prefixEnd++;
    }
    const recorded = victims.slice(vi);
    if (recorded.length > 0) await this.ctx.state.addDeletes(this.topicId, ranges(recorded, false, last));
    victims = victims.filter((s) => ix.isLive(s));
    for (const s of victims) ix.remove(s);
    this.afterRemoval('purge', victims);
    return victims.length;
  }

  async removeAcked(seqs: readonly number[]): Promise<void> {
    const live = seqs.filter((s) => this.index.isLive(s) && s <= this.durable).sort((a, b) => a - b);
    if (live.length === 0) return;
    for (const s of live) this.index.remove(s);
    this.afterRemoval('ack', live);
    await this.trimming;
  }

  // ------------------------------------------------------------------------------------------
  // Config, recovery, close

  /** Applies a new config (already checked); limits take effect at once. */
  reconfigure(cfg: StreamConfig): void {
    const before = this.cfg;
    this.cfg = cfg;
    if (!cfg.allow_atomic) this.batches.clear();
    if (!cfg.allow_batched) this.fastBatches.clear();
    if (!this.memory && (before.max_msgs_per_subject !== cfg.max_msgs_per_subject || (before.discard_new_per_subject === true) !== (cfg.discard_new_per_subject === true))) this.recordLimitEpoch(before, cfg);
    this.dedupe.setWindow(Number(cfg.duplicate_window / 1_000_000n));
    this.compileTransforms();
    this.enforceLimits();
    this.armExpiry();
    this.emit({ kind: 'updated', config: cfg });
  }

  /**
   * Records that the per-subject limit changed (docs/jetstream.md 1.7): from the next durable
   * sequence on (what is in flight is trimmed under the new limit when it lands), and, at the
   * first change, the limit every sequence before had. In the background: the config change is
   * committed by the topic's metadata; a crash before this record is durable replays with the
   * new limit, as before limit epochs existed.
   */
  private recordLimitEpoch(before: StreamConfig, after: StreamConfig): void {
    const epochs: LimitEpoch[] = [];
    if (this.ctx.state.records(this.topicId).limits.length === 0) epochs.push({ from: 1, perSubject: before.max_msgs_per_subject, discardNewPerSubject: before.discard_new_per_subject === true });
    epochs.push({ from: this.durable + 1, perSubject: after.max_msgs_per_subject, discardNewPerSubject: after.discard_new_per_subject === true });
    void this.ctx.state.addLimitEpochs(this.topicId, epochs).catch((err: unknown) => this.log.warn({ err }, 'recording the limit change failed'));
  }

  /**
   * Rebuilds the in-memory view from the log (docs/jetstream.md 1.18): every record from the
   * log start, with rollups, per-subject limits and explicit deletes applied in sequence order,
   * then the limits and expiries against the current clock. Installs the append observer.
   */
  async recover(records: StreamStateRecords): Promise<void> {
    const started = Date.now();
    const p = this.partition;
    const start = p.logStartOffset;
    const end = p.highWatermark;
    this.index.reset(start + 1);
    this.durable = end;
    const snap = await this.loadSnapshot(start, end);
    let replayed = 0;
    const deletes: DeleteRange[] = [...records.deletes].sort((a, b) => a.at - b.at);
    let di = 0;
    const applyDeletes = (upTo: number): void => {
      while (di < deletes.length && deletes[di]!.at <= upTo) {
        const d = deletes[di++]!;
        for (let s = Math.max(d.from, this.index.first); s <= d.to; s++) if (s <= this.index.last) this.index.remove(s);
      }
    };
    // The per-subject limit in force at each sequence: the recorded epochs, else today's config.
    const epochs: LimitEpoch[] = [...records.limits].sort((a, b) => a.from - b.from);
    let ei = 0;
    let perSubject = this.cfg.max_msgs_per_subject;
    let discardNewPerSubject = this.cfg.discard_new_per_subject === true;
    const trimSubject = (subject: string): void => {
      while (this.index.countOf(subject) > perSubject) this.index.remove(this.index.firstOf(subject));
    };
    /** Enters the epochs that start at or before `seq`; a lowered limit trims every subject, as reconfigure() did. */
    const enterEpochs = (seq: number, trim: boolean): void => {
      while (ei < epochs.length && epochs[ei]!.from <= seq) {
        const e = epochs[ei++]!;
        perSubject = e.perSubject;
        discardNewPerSubject = e.discardNewPerSubject;
        if (trim && perSubject > 0 && !discardNewPerSubject) for (const [subject] of [...this.index.liveSubjects()]) trimSubject(subject);
      }
    };
    // Erased messages are gone from the log, but were live until their delete: indexed where
    // they were (per-subject limits count them), then deleted at `at` like any delete.
    const erasedAt = new Map<number, { subject: string; size: number; time: number }>();
    for (const d of deletes) if (d.erased !== undefined) erasedAt.set(d.from, d.erased);
    const fill = (from: number, to: number, time: number): void => {
      let s = from;
      while (s <= to) {
        const e = erasedAt.get(s);
        if (e !== undefined && s === this.index.last + 1) {
          enterEpochs(s, true);
          this.index.add(s, e.subject, e.size, e.time);
          if (perSubject > 0 && !discardNewPerSubject) trimSubject(e.subject);
          applyDeletes(s);
          s++;
          continue;
        }
        let t = s;
        while (t < to && !erasedAt.has(t + 1)) t++;
        this.gap(s, t, time);
        s = t + 1;
      }
    };
    const now = Date.now();
    let offset = start;
    if (snap !== null) enterEpochs(snap.seq, false);
    if (snap !== null) {
      // The snapshot holds everything up to its sequence, the deletes made until then included;
      // a delete made at that sequence after the snapshot is applied now (removing is idempotent).
      offset = snap.seq;
      applyDeletes(snap.seq);
    }
    const fromSeq = this.index.last;
    while (offset < end) {
      const r = await p.read(offset, READ_CHUNK, { maxOffset: end });
      if (r.bytes === 0) break;
      for (const chunk of r.chunks) {
        const batches: Buffer[] = [];
        forEachBatch(chunk, (pos, size) => {
          batches.push(chunk.subarray(pos, pos + size));
        });
        for (const batch of batches) {
          const base = batchBaseOffset(batch);
          const last = base + batchLastOffsetDelta(batch);
          if (last < this.index.first - 1) continue;
          if (base > this.index.last) fill(this.index.last + 1, base, batchMaxTimestamp(batch));
          if (batchIsControl(batch) || batchRecordsCount(batch) === 0 || batchIsTransactional(batch)) {
            fill(Math.max(this.index.last + 1, base + 1), last + 1, batchMaxTimestamp(batch));
            applyDeletes(this.index.last);
            continue;
          }
          const recs = await recordsOf(batch);
          replayed += recs.length;
          for (const rec of recs) {
            const seq = rec.offset + 1;
            if (seq <= this.index.last) continue;
            if (seq > this.index.last + 1) fill(this.index.last + 1, seq - 1, rec.timestamp);
            enterEpochs(seq, true);
            this.indexRecord(rec);
            if (!this.index.isLive(seq)) {
              applyDeletes(seq);
              continue;
            }
            const ttl = recordHeader(rec, 'Nats-TTL');
            if (ttl !== undefined && this.cfg.allow_msg_ttl) {
              const secs = parseMessageTtl(ttl);
              if (secs !== null && secs > 0) this.ttls.push(rec.timestamp + secs * SEC, seq);
            }
            const rollup = recordHeader(rec, 'Nats-Rollup');
            if (rollup === 'all') this.index.advanceFirst(seq);
            else if (rollup === 'sub') {
              const subject = this.index.subjectOf(seq)!;
              for (let s = this.index.firstOf(subject); s !== 0 && s < seq; s = this.index.nextOfSubject(s)) this.index.remove(s);
            }
            if (perSubject > 0 && !discardNewPerSubject) trimSubject(this.index.subjectOf(seq)!);
            applyDeletes(seq);
          }
          if (last + 1 > this.index.last) fill(this.index.last + 1, last + 1, batchMaxTimestamp(batch));
        }
      }
      offset = r.nextOffset;
    }
    applyDeletes(Number.MAX_SAFE_INTEGER);
    enterEpochs(Number.MAX_SAFE_INTEGER, true);
    if (this.index.last < end) fill(this.index.last + 1, end, now);
    this.dedupe.trim(now);
    let lastMsg = end;
    while (lastMsg > 0 && lastMsg >= this.index.first && this.index.subjectOfAny(lastMsg) === null) lastMsg--;
    this.lastTime = lastMsg > 0 ? this.index.timeOf(lastMsg) : 0;
    p.setAppendObserver(this);
    // Limits and expiries against the current clock; prefixes move the log start.
    let first = this.index.first;
    while (first <= this.index.last && !this.index.isLive(first)) first++;
    if (first > this.index.first) this.index.advanceFirst(first);
    this.enforceLimits();
    this.expire(now);
    if (this.counters !== null) await this.loadCounters();
    if (this.cfg.allow_msg_schedules) await this.loadSchedules();
    this.recovery.snapshotSeq = snap?.seq ?? 0;
    this.recovery.replayedRecords = replayed;
    this.recovery.replayedSeqs = Math.max(0, this.index.last - fromSeq);
    this.changed ||= snap === null || this.recovery.replayedSeqs > 0;
    this.log.info({ snapshot_seq: this.recovery.snapshotSeq, replayed_records: replayed, replayed_seqs: this.recovery.replayedSeqs, last_seq: this.index.last, ms: Date.now() - started }, 'stream recovered');
    if (this.index.first - 1 > p.logStartOffset) await this.scheduleTrim();
    for (const d of deletes) if (d.erase) for (let s = Math.max(d.from, this.index.first); s <= d.to; s++) this.erasing.add(s);
    this.scheduleErase();
  }

  /** Rebuilds the schedules from the last message of each subject (a schedule is the last of its subject: Nats-Rollup: sub). */
  private async loadSchedules(): Promise<void> {
    for (const [subject] of [...this.index.liveSubjects()]) {
      const m = await this.last(subject);
      if (m === null || m.hdr.length === 0) continue;
      const fields = headerFields(m.hdr);
      const fire = scheduleOf((n) => fields.find(([k]) => k === n)?.[1], m.time);
      if (fire !== null) this.scheduleTable!.add(m.seq, subject, fire.at);
    }
  }

  /** What the durable messages of a schedule stream do: add schedules, cancel them, purge a one-off that fired, move a repeating one on. */
  private applySchedules(actions: ScheduleAction[]): void {
    const table = this.scheduleTable!;
    for (const a of actions) {
      if (a.at !== undefined) {
        table.add(a.seq, a.subject, a.at);
        continue;
      }
      if (a.scheduler === undefined || a.scheduler === '') {
        // Another message on a schedule's subject ends the schedule.
        table.removeSubject(a.subject);
        continue;
      }
      if (a.next === SCHEDULE_NEXT_PURGE) {
        const scheduler = a.scheduler;
        void this.purge({ filter: scheduler }).catch((err: unknown) => this.log.error({ err, scheduler }, 'purging a fired schedule failed'));
      } else if (a.next !== undefined) {
        const at = parseRfc3339(a.next);
        if (at !== null) table.update(a.scheduler, at);
      }
    }
  }

  /** A schedule is due: publishes its message to its target, as a message of this stream. */
  private async fireSchedule(subject: string, seq: number, at: number): Promise<void> {
    const table = this.scheduleTable!;
    try {
      const m = await this.get(seq);
      if (this.closed) return;
      if (m === null) return table.failed(subject);
      const fields = headerFields(m.hdr).map(([k, v]) => [k, v] as [string, string]);
      const get = (n: string): string | undefined => fields.find(([k]) => k === n)?.[1];
      const fire = scheduleOf(get, at);
      const target = get(SCHEDULE_TARGET);
      if (fire === null || target === undefined || target === '') return table.failed(subject);
      let content = { headers: fields, data: m.data };
      const source = get(SCHEDULE_SOURCE);
      if (source !== undefined && source !== '') {
        const s = await this.last(source);
        if (s !== null) content = { headers: headerFields(s.hdr).map(([k, v]) => [k, v] as [string, string]), data: s.data };
      }
      if (this.closed) return;
      const msg = scheduledMessage(subject, fields, content, fire.repeat ? fire.at : null);
      const hdrLen = msg.indexOf('\r\n\r\n') + 4;
      const before = this.index.last;
      this.scan.scan(msg, hdrLen);
      this.checkAndAdd(target, undefined, hdrLen, msg, this.scan, null, null, true);
      if (this.index.last === before) table.retry(subject);
    } catch (err) {
      this.log.error({ err, subject }, 'a due schedule could not publish');
      table.retry(subject);
    }
  }

  /** Reads the total of every live message of a counter stream (a snapshot's sequences were not replayed). */
  private async loadCounters(): Promise<void> {
    const counters = this.counters!;
    counters.clear();
    for (let seq = this.index.first; seq <= this.durable; ) {
      const m = await this.next(seq, null);
      if (m === null) break;
      counters.set(m.seq, counterValueOf(m.data));
      if (m.hdr.length > 0) counters.setSources(m.seq, parseCounterSources(headerFields(m.hdr).find(([k]) => k === COUNTER_SOURCES)?.[1]));
      seq = m.seq + 1;
    }
  }

  /**
   * Loads the newest usable index snapshot into the view, or returns null (the whole log is
   * replayed then). Usable: it decodes (CRC), covers no sequence past the log's end, and the
   * record at its last sequence is still the one it indexed (same time): a log that lost its
   * tail in a crash and was appended to again is replayed in full.
   */
  private async loadSnapshot(start: number, end: number): Promise<StreamSnapshot | null> {
    const store = this.ctx.snapshots;
    if (store === null || this.memory || !snapshotsSupported) return null;
    for (const cand of store.take(this.topicId)) {
      let snap: StreamSnapshot;
      try {
        snap = decodeSnapshot(cand.data);
      } catch (err) {
        this.log.warn({ err, epoch: cand.epoch }, 'index snapshot unusable: trying an older one or the log');
        continue;
      }
      if (snap.seq > end || snap.seq < start || snap.index.last !== snap.seq) {
        this.log.warn({ epoch: cand.epoch, snapshot_seq: snap.seq, log_start: start, log_end: end }, 'index snapshot does not fit the log: not used');
        continue;
      }
      this.index.importState(snap.index);
      // Storage recovery may have cut damaged batches out of the log after this snapshot was
      // taken (docs/storage.md, "Recovery"): a snapshot that holds any of their sequences as
      // messages describes a log that no longer exists, so the log is replayed instead.
      if (this.holdsLost(snap.seq)) {
        this.log.warn({ epoch: cand.epoch, snapshot_seq: snap.seq }, 'index snapshot holds messages the storage lost to damage: not used');
        this.index.reset(start + 1);
        continue;
      }
      if (snap.seq > start && this.index.subjectOfAny(snap.seq) !== null) {
        const rec = await this.recordAt(snap.seq - 1);
        if (rec === null || rec.timestamp !== this.index.timeOf(snap.seq)) {
          this.log.warn({ epoch: cand.epoch, snapshot_seq: snap.seq }, 'index snapshot does not match the log at its last sequence: not used');
          this.index.reset(start + 1);
          continue;
        }
      }
      this.readCache.clear();
      if (start + 1 > this.index.first) this.index.advanceFirst(start + 1);
      this.ttls.importEntries(snap.ttlTimes, snap.ttlSeqs);
      for (const m of snap.markers) this.markers.add(m);
      for (const [id, seq, time] of snap.dedupe) this.dedupe.add(id, seq, time);
      this.lastTime = snap.lastTime;
      this._lastMsgId = snap.lastMsgId;
      return snap;
    }
    return null;
  }

  /** Whether the index holds a live message at a sequence up to `upTo` that the storage lost to damage. */
  private holdsLost(upTo: number): boolean {
    for (const r of this.partition.lostRanges) {
      for (let seq = Math.max(r.from + 1, this.index.first), end = Math.min(r.to + 1, upTo); seq <= end; seq++) if (this.index.isLive(seq)) return true;
    }
    return false;
  }

  /** The view as a snapshot, or null while appends are in flight (the index is ahead of the log then). */
  private takeSnapshot(): StreamSnapshot | null {
    if (this.open !== null || this.inflight.length > 0 || this.index.last !== this.durable) return null;
    const ttl = this.ttls.exportEntries();
    return {
      seq: this.index.last,
      index: this.index.exportState(),
      ttlTimes: [...ttl.times],
      ttlSeqs: [...ttl.seqs],
      markers: [...this.markers],
      dedupe: [...this.dedupe.entries()],
      lastTime: this.lastTime,
      lastMsgId: this._lastMsgId,
    };
  }

  /** Writes a snapshot now if nothing is in flight and none is being written (appends trigger it). */
  private snapshotInBackground(): void {
    if (this.snapshotting !== null) return;
    void this.writeSnapshot();
  }

  /**
   * Encodes the view (synchronously, so it is one consistent state) and writes it to the
   * snapshot topic. Resolves when it is durable, or at once when there is nothing to write.
   */
  async writeSnapshot(): Promise<void> {
    const store = this.ctx.snapshots;
    if (store === null || this.memory || !snapshotsSupported || this.closed) return;
    if (this.snapshotting !== null) await this.snapshotting;
    if (!this.changed) return;
    const snap = this.takeSnapshot();
    if (snap === null) return;
    const data = encodeSnapshot(snap);
    this.sinceSnapshot = 0;
    this.changed = false;
    const started = Date.now();
    this.snapshotting = store
      .write(this.topicId, data)
      .then(
        (epoch) => this.log.info({ snapshot_seq: snap.seq, epoch, bytes: data.length, ms: Date.now() - started }, 'index snapshot written'),
        (err: unknown) => {
          this.changed = true;
          if (!this.closed) this.log.warn({ err }, 'writing the index snapshot failed');
        },
      )
      .finally(() => {
        this.snapshotting = null;
      });
    await this.snapshotting;
  }

  /** Starts the view of a new, empty topic (nothing to replay) and installs the append observer. */
  startEmpty(): void {
    const p = this.partition;
    this.index.reset(p.logStartOffset + 1);
    if (p.highWatermark > p.logStartOffset) this.gap(p.logStartOffset + 1, p.highWatermark, Date.now());
    this.durable = p.highWatermark;
    p.setAppendObserver(this);
  }

  /** Starts a new stream's topic at `first_seq` (a filler, then DeleteRecords past it). */
  async initFirstSeq(firstSeq: number): Promise<void> {
    if (firstSeq <= 1) return;
    this.appendFiller(firstSeq - 1);
    await this.settled();
    this.index.advanceFirst(firstSeq);
    await this.scheduleTrim();
  }

  /** Stops the stream: no more captures, timers off, the observer removed. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.timer.cancel();
    this.batches.clear();
    this.fastBatches.clear();
    this.scheduleTable?.stop();
    this.partition.setAppendObserver(null);
    runCache.drop(this);
    this.emit({ kind: 'deleted' });
    this.listeners.clear();
  }

  /** Progress of this stream's sources and mirror (core/streams/sources.ts keeps it). */
  readonly sourcing = { cursors: new Map<string, number>(), active: new Map<string, number>(), lags: new Map<string, number>(), errors: new Map<string, JsApiError>() };

  /** The last origin sequence appended from `origin` (0 before the first). */
  sourceCursor(origin: string): number {
    return this.sourcing.cursors.get(origin) ?? 0;
  }

  /** Nanoseconds since the source from `origin` was last active. */
  sourceActiveNanos(origin: string): bigint {
    const t = this.sourcing.active.get(origin);
    return t === undefined ? 0n : BigInt(Math.max(0, Date.now() - t)) * 1_000_000n;
  }

  /** Memory held by the stream's index structures (monitoring). */
  get indexBytes(): number {
    return this.index.memoryBytes;
  }

}

/** Contiguous ranges of ascending sequences, as delete records. */
function ranges(seqs: readonly number[], erase: boolean, at: number): DeleteRange[] {
  const out: DeleteRange[] = [];
  for (const s of seqs) {
    const last = out[out.length - 1];
    if (last !== undefined && last.to + 1 === s) last.to = s;
    else out.push({ from: s, to: s, erase, at });
  }
  return out;
}

/** A header block with `fields` added after the stored ones (republish). */
function mergeHeaders(hdr: Buffer, fields: readonly ExtraHeader[]): Buffer {
  let s = hdr.length > 0 ? hdr.toString('latin1', 0, hdr.length - 2) : 'NATS/1.0\r\n';
  for (const [k, v] of fields) s += `${k}: ${v}\r\n`;
  return Buffer.from(`${s}\r\n`, 'latin1');
}
