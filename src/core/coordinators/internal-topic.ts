// A compacted internal topic of the log that a coordinator keeps its state in
// (`__consumer_offsets`, `__transaction_state`, ...). A coordinator speaks in InternalRecords:
//   key:   a tuple whose first element names the record type, e.g. ["o", group, topic, partition]
//   value: an object with a "v" (format version) field, or null: a tombstone that deletes the key
// How they are stored depends on whether the topic has a record codec:
//  - without one (Wharf's own topics: JetStream, streams, security state), as versioned JSON:
//    the key tuple and the value object, JSON-encoded; a coordinator may store a value in a
//    binary form of its own instead (never starting with '{': InternalRecord.encoded), which its
//    replay reads back with the reader it passes, JSON values of the same kind alongside.
//  - with one (the topics Kafka has too), in the codec's schema (Kafka's own record schemas, so
//    Kafka's tools read them), and the records the schema has no type for in Wharf's private
//    form: a key of the int16 PRIVATE_RECORD_TYPE followed by the JSON tuple, a JSON value.
//    Kafka's readers skip a record type they do not know. JSON records found on replay (from a
//    broker before the codec: their key starts with '['), private-form records of a kind the
//    codec maps now (from a broker whose codec did not map it yet), and records the codec reads
//    as an older layout of its own (DecodedRecord.legacy) are read as before and rewritten in
//    the codec's current form once the replay is done (see migrate()).
//    One InternalRecord may be several records in the schema (Kafka splits a KIP-848 member into
//    its metadata, current and target assignment): each under its own key with a complete
//    value of its own, so that compaction, which keeps the newest record of each key, keeps a
//    whole state. The codec decodes each to a part of the InternalRecord (disjoint fields) and
//    the replay merges the parts of one key into the whole record; a part's tombstone deletes it.
// Compaction keeps the newest record of each key, so replaying the topic from its start restores
// the latest state of everything.
// A damaged partition (docs/storage.md "Recovery": corruption before valid batches, or found on
// read) cannot be replayed: the replay then stops, logs it as an error and leaves the topic
// `failure` set, and never throws, so one damaged internal topic does not stop the broker's
// start. The coordinator over it refuses what needs its state (COORDINATOR_NOT_AVAILABLE, or its
// protocol's equivalent) rather than serve a partial one (docs/reliability.md, "Damaged internal
// topics"). A torn tail is truncated by the storage's recovery before the replay and is not a
// failure here. Appends go through the log like any producer's, under the
// broker's durability policy: a coordinator answers its client only once the append is
// acknowledged.
import type { Logger } from '../../log.js';
import { isLogError, type Log, type LogPartition } from '../log/index.js';
import { buildRecordBatch, decodeRecords, batchIsControl, forEachBatch } from '../records/batch.js';
import type { LogError } from '../records/errors.js';
import { CoordinatorError } from './errors.js';

export type InternalKey = ReadonlyArray<string | number>;

export interface InternalRecord {
  key: InternalKey;
  /** null deletes the key (a tombstone). */
  value: Record<string, unknown> | null;
  /**
   * The value's stored bytes in a binary form of the coordinator's own (never starting with
   * '{'), written instead of the JSON of `value` in a topic without a codec; replay() reads it
   * back through the reader the coordinator passes (BinaryValueReader).
   */
  encoded?: Buffer;
}

/** Reads a value a coordinator stored in its own binary form (InternalRecord.encoded) back to the object; throws on bytes it cannot read. */
export type BinaryValueReader = (key: InternalKey, value: Buffer) => Record<string, unknown>;

/** A stored record: key and value bytes (null value: a tombstone). */
export interface EncodedRecord {
  key: Buffer;
  value: Buffer | null;
}

/** A record read by a codec: the whole InternalRecord, or a part of it (`part`). */
export interface DecodedRecord extends InternalRecord {
  /**
   * The record is one of several that encode() wrote for one InternalRecord: its value holds
   * the fields this part carries (no other part carries them), and a replay merges it with
   * the other parts of the same key; a tombstone of any part deletes the record.
   */
  part?: boolean;
  /** Stored in a form the codec no longer writes (an older layout of its schema): rewritten after the replay. */
  legacy?: boolean;
}

/** A topic's record schema (Kafka's, provided by the Kafka front-end: core knows no wire format). */
export interface InternalRecordCodec {
  /**
   * The record in the schema: one record, or several (each under its own key with a complete
   * value of its own, a tombstone for each when the record is deleted); null when the schema
   * has no type for it.
   */
  encode(record: InternalRecord): EncodedRecord | EncodedRecord[] | null;
  /** The record stored as key/value, or null for a type the codec does not know. Throws on bytes it cannot read. */
  decode(key: Buffer, value: Buffer | null): DecodedRecord | null;
}

/**
 * The key prefix of a record in Wharf's private form in a topic with a codec. Kafka numbers its
 * record types from 0 up (23 in 4.4's group coordinator); the top of the int16 range stays clear.
 */
export const PRIVATE_RECORD_TYPE = 0x7fff;

/** Old-form keys per batch when migrating (each batch holds their tuples' rewrites and the old keys' tombstones). */
const MIGRATION_BATCH = 1000;

export const INTERNAL_TOPIC_CONFIGS: Readonly<Record<string, string>> = Object.freeze({
  'cleanup.policy': 'compact',
  'segment.bytes': String(100 * 1024 * 1024),
  'max.message.bytes': String(16 * 1024 * 1024),
  'min.cleanable.dirty.ratio': '0.5',
});

const READ_CHUNK = 4 * 1024 * 1024;

export class InternalTopic {
  private constructor(
    private readonly log: Log,
    readonly name: string,
    private readonly logger: Logger,
    private readonly codec: InternalRecordCodec | null,
    private readonly migrationBatch: number,
  ) {}

  /**
   * Opens the topic. Like Kafka, it is created (one compacted partition) only when first
   * written to, so a broker without groups or transactions has no internal topics.
   */
  static async open(log: Log, name: string, logger: Logger, codec?: InternalRecordCodec, migrationBatch = MIGRATION_BATCH): Promise<InternalTopic> {
    return new InternalTopic(log, name, logger, codec ?? null, migrationBatch);
  }

  private creating: Promise<void> | null = null;
  /** Why the replay at start could not read the whole topic (its partition is damaged), or null. */
  private replayFailure: LogError | null = null;

  /**
   * Null while the topic's state is whole and writable; otherwise why not: its replay at start
   * met a damaged partition, or the partition went offline since (a failed fsync).
   */
  get failure(): LogError | null {
    if (this.replayFailure !== null) return this.replayFailure;
    return this.log.hasTopic(this.name) ? this.log.partition(this.name, 0).failure : null;
  }

  /** The coordinator error for a topic whose state is not available (null when it is). */
  unavailable(what: string): CoordinatorError | null {
    const f = this.failure;
    if (f === null) return null;
    return new CoordinatorError('COORDINATOR_NOT_AVAILABLE', `the ${what} is not available: its internal topic ${this.name} is offline (${f.message})`);
  }

  /** Creates the topic now if it does not exist (Kafka does on the first FindCoordinator); throws COORDINATOR_NOT_AVAILABLE when it is offline. */
  async ensure(): Promise<void> {
    const f = this.failure;
    if (f !== null) throw new CoordinatorError('COORDINATOR_NOT_AVAILABLE', `internal topic ${this.name} is offline: ${f.message}`);
    await this.writable();
  }

  private async writable(): Promise<LogPartition> {
    if (!this.log.hasTopic(this.name)) {
      this.creating ??= this.log
        .createTopic(this.name, { partitions: 1, configs: { ...INTERNAL_TOPIC_CONFIGS } })
        .then(
          () => undefined,
          (e: unknown) => {
            if (!isLogError(e, 'TOPIC_ALREADY_EXISTS')) throw e;
          },
        )
        .finally(() => {
          this.creating = null;
        });
      await this.creating;
    }
    return this.log.partition(this.name, 0);
  }

  /**
   * Appends records as one batch (so they become visible and durable together). Resolves with
   * the offset of the last record once the append is acknowledged.
   */
  async append(records: readonly InternalRecord[]): Promise<number> {
    if (records.length === 0) return -1;
    const now = Date.now();
    return this.appendEncoded(records.flatMap((r) => this.encode(r)), now);
  }

  private async appendEncoded(records: EncodedRecord[], now: number): Promise<number> {
    const batch = buildRecordBatch({ baseTimestamp: now, records: records.map((r) => ({ key: r.key, value: r.value, timestamp: now })) });
    const out = await (await this.writable()).append(batch);
    return out.lastOffset;
  }

  private encode(r: InternalRecord): EncodedRecord[] {
    const json = (): Buffer | null => (r.value === null ? null : Buffer.from(JSON.stringify(r.value)));
    if (this.codec === null) return [{ key: Buffer.from(JSON.stringify(r.key)), value: r.value !== null && r.encoded !== undefined ? r.encoded : json() }];
    const kafka = this.codec.encode(r);
    if (kafka !== null) return Array.isArray(kafka) ? kafka : [kafka];
    const k = Buffer.from(JSON.stringify(r.key));
    const key = Buffer.allocUnsafe(2 + k.length);
    key.writeInt16BE(PRIVATE_RECORD_TYPE, 0);
    k.copy(key, 2);
    return [{ key, value: json() }];
  }

  /**
   * The record stored as key/value; `legacy` when it is in a form the topic no longer writes:
   * JSON in a topic that has a codec now, or the private form of a kind the codec maps.
   */
  private decode(key: Buffer, value: Buffer | null, binary: BinaryValueReader | undefined): { record: DecodedRecord | null; legacy: boolean } {
    const parse = (k: Buffer): InternalRecord | null => {
      const tuple = JSON.parse(k.toString('utf8')) as unknown;
      if (!Array.isArray(tuple)) return null;
      return { key: tuple as InternalKey, value: value === null ? null : (JSON.parse(value.toString('utf8')) as Record<string, unknown>) };
    };
    if (this.codec === null) {
      if (binary !== undefined && value !== null && value.length > 0 && value[0] !== 0x7b /* '{' */) {
        const tuple = JSON.parse(key.toString('utf8')) as unknown;
        if (!Array.isArray(tuple)) return { record: null, legacy: false };
        return { record: { key: tuple as InternalKey, value: binary(tuple as InternalKey, value) }, legacy: false };
      }
      return { record: parse(key), legacy: false };
    }
    if (key.length > 0 && key[0] === 0x5b /* '[' */) return { record: parse(key), legacy: true };
    if (key.length >= 2 && key.readInt16BE(0) === PRIVATE_RECORD_TYPE) {
      const record = parse(key.subarray(2));
      return { record, legacy: record !== null && this.codec.encode({ key: record.key, value: null }) !== null };
    }
    const record = this.codec.decode(key, value);
    return { record, legacy: record?.legacy === true };
  }

  /**
   * Calls `fn` with every record from the start of the topic, in offset order. `binary` reads
   * the values a coordinator stored in its own binary form (topics without a codec only). When
   * the partition is damaged (offline at open, or found corrupt while read) it stops there, sets
   * `failure` and resolves with the records read so far: the caller checks `failure`.
   */
  async replay(fn: (key: InternalKey, value: Record<string, unknown> | null, offset: number, timestamp: number) => void, binary?: BinaryValueReader): Promise<number> {
    if (!this.log.hasTopic(this.name)) return 0;
    const part = this.log.partition(this.name, 0);
    const offlineAtOpen = part.failure;
    if (offlineAtOpen !== null) {
      this.markOffline(offlineAtOpen, 0);
      return 0;
    }
    let count = 0;
    try {
      return await this.replayFrom(part, fn, (n) => (count = n), binary);
    } catch (e) {
      // Corruption found on read takes the partition offline (the storage does): the state is
      // incomplete, so the coordinator must not serve it. Any other error is a bug: rethrown.
      const failure = part.failure;
      if (failure === null) throw e;
      this.markOffline(failure, count);
      return count;
    }
  }

  private markOffline(failure: LogError, recordsRead: number): void {
    this.replayFailure = failure;
    this.logger.error(
      { topic: this.name, recordsRead, err: failure },
      `internal topic ${this.name} is damaged and offline: its coordinator refuses requests until an operator repairs the partition (docs/reliability.md, "Damaged internal topics")`,
    );
  }

  private async replayFrom(
    part: LogPartition,
    fn: (key: InternalKey, value: Record<string, unknown> | null, offset: number, timestamp: number) => void,
    progress: (count: number) => void,
    binary: BinaryValueReader | undefined,
  ): Promise<number> {
    const end = part.highWatermark;
    let offset = part.logStartOffset;
    let count = 0;
    // The stored keys of records in a form no longer written, with the tuple each holds and
    // whether the newest record of the key is live: those are rewritten after the replay.
    const legacy = new Map<string, { key: InternalKey; id: string; live: boolean }>();
    // The parts read so far of each record the codec splits, merged (by tuple).
    const parts = new Map<string, Record<string, unknown>>();
    // The newest state of each tuple that has a record in a legacy form (null: deleted): what the migration writes.
    const legacyFinal = new Map<string, Record<string, unknown> | null>();
    // The old form's stored key each tuple's state last came from (none once set in the codec's form).
    const legacyOwner = new Map<string, string>();
    while (offset < end) {
      const r = await part.read(offset, READ_CHUNK, { maxOffset: end });
      if (r.bytes === 0) break;
      for (const chunk of r.chunks) {
        forEachBatch(chunk, (pos, size) => {
          const batch = chunk.subarray(pos, pos + size);
          if (batchIsControl(batch)) return;
          for (const rec of decodeRecords(batch)) {
            if (rec.offset < offset || rec.key === null) continue;
            let d: { record: DecodedRecord | null; legacy: boolean };
            try {
              d = this.decode(rec.key, rec.value, binary);
            } catch (e) {
              this.logger.warn({ topic: this.name, offset: rec.offset, err: e }, 'skipping unreadable internal record');
              continue;
            }
            if (d.record === null) {
              this.logger.debug({ topic: this.name, offset: rec.offset }, 'skipping a record of a type Wharf does not keep');
              continue;
            }
            // The tuple's identity, needed only for parts and around legacy records (legacyFinal
            // holds every tuple that had one): a replay of a migrated topic stringifies no key.
            const tracked = d.record.part === true || d.legacy || legacyFinal.size > 0;
            const id = tracked ? JSON.stringify(d.record.key) : '';
            const stored = d.legacy || legacy.size > 0 ? rec.key.toString('latin1') : '';
            if (d.legacy) {
              legacy.set(stored, { key: d.record.key, id, live: d.record.value !== null });
              // The tombstone of an old form's key deletes the tuple only if its state came from
              // that key: not once it came in another form (the migration's own tombstones).
              if (d.record.value === null && legacyOwner.get(id) !== stored) continue;
              if (d.record.value === null) legacyOwner.delete(id);
              else legacyOwner.set(id, stored);
            } else if (legacy.size > 0) {
              legacy.delete(stored); // the key's newest record is in the codec's form
              legacyOwner.delete(id);
            }
            let value = d.record.value;
            if (d.record.part === true) {
              if (value === null) parts.delete(id);
              else parts.set(id, (value = { ...(parts.get(id) ?? legacyFinal.get(id) ?? {}), ...value }));
            } else if (tracked && parts.has(id)) {
              if (value === null) parts.delete(id);
              else parts.set(id, value);
            }
            if (d.legacy || (tracked && legacyFinal.has(id))) legacyFinal.set(id, value);
            fn(d.record.key, value, rec.offset, rec.timestamp);
            progress(++count);
          }
        });
      }
      offset = r.nextOffset;
    }
    await this.migrate(legacy, legacyFinal);
    return count;
  }

  /**
   * Rewrites the live records in a legacy form (JSON, or the private form of a kind the codec
   * maps now, or an older layout of the codec's) found by a replay in the codec's form: per
   * batch, the record re-encoded (one or several records) and the old key's tombstone (so
   * compaction drops the old record).
   * A batch is appended whole or not at all, so a crash in between leaves each key either still
   * in its old form (rewritten on the next start) or rewritten; a replay reads both forms to the
   * same state. The state in memory already holds these records: only their bytes change.
   */
  private async migrate(legacy: Map<string, { key: InternalKey; id: string; live: boolean }>, state: Map<string, Record<string, unknown> | null>): Promise<void> {
    // A stored key whose newest record is a tombstone is left to compaction. A live one is
    // deleted and its tuple written in the codec's form as the replay left it (the newest
    // state, whichever form it came in; nothing when the tuple is gone).
    const live: Array<[string, InternalRecord | null]> = [];
    for (const [k, r] of legacy) {
      if (!r.live) continue;
      const value = state.get(r.id) ?? null;
      live.push([k, value === null ? null : { key: r.key, value }]);
    }
    if (live.length === 0) return;
    const started = Date.now();
    for (let i = 0; i < live.length; i += this.migrationBatch) {
      const batch: EncodedRecord[] = [];
      for (const [k, r] of live.slice(i, i + this.migrationBatch)) {
        const old = Buffer.from(k, 'latin1');
        const rewritten = r === null ? [] : this.encode(r);
        batch.push(...rewritten);
        // After the rewrite, so that a replay has the tuple's new form when it reads the old
        // key's tombstone (which then deletes only that copy); none when the key is the same.
        if (!rewritten.some((e) => e.key.equals(old))) batch.push({ key: old, value: null });
      }
      await this.appendEncoded(batch, Date.now());
    }
    this.logger.info({ topic: this.name, records: live.length, ms: Date.now() - started }, "rewrote Wharf's JSON records in Kafka's record schemas (and private ones of kinds it maps now)");
  }
}
