// Durable state of JetStream consumers: records of the compacted internal topic
// `__jetstream_consumers` (docs/jetstream.md 1.10), written with group commit.
//
// Records (envelope: internal-topic.ts; `inc` names one incarnation of a consumer, so records
// of a deleted consumer are never applied to a new one of the same name):
//   ["consumer", topicId, name]   -> { v, inc, config, created, start }        (null on delete)
//   ["snap", topicId, name]       -> { v, inc, n, dlv:[cseq,sseq], pend:[[sseq,dseq,ts,dc,subject]...],
//                                      exc:[[sseq,dseq,dc]...], ld, la }      (null on delete)
//   ["d", topicId, name, slot]    -> { v, inc, n, dlv:[sseq,dseq,dc,ts,...], cur:[cseq,sseq], ack:[sseq...],
//                                      all:sseq, ts:[sseq,ts,...], max:[sseq...], subj:[...] }
//                                     stored in the binary form of consumer-delta-codec.ts (the
//                                     same fields; JSON deltas of older brokers are read alike)
// A delta is the change of one consumer in one group commit; its slot is n mod DELTA_SLOTS, so
// compaction keeps the topic small without tombstones: a snapshot is written every
// SNAPSHOT_EVERY deltas and replaces the deltas before it, whose slots are reused afterwards.
//
// Group commit: every change is journalled in memory first; the journals of all consumers go to
// the log as one batch per commit (one append, one fsync under the default policy) while the next
// commit's changes accumulate. What waits for durability (an AckSync's confirmation, interest and
// work-queue removals) is released when the batch holding it is acknowledged by the log.
import type { Logger } from '../../../log.js';
import type { InternalKey, InternalRecord, InternalTopic } from '../internal-topic.js';
import { DeltaEncoder, decodeDelta } from './consumer-delta-codec.js';

export const CONSUMER_STATE_TOPIC = '__jetstream_consumers';
export const SNAPSHOT_EVERY = 1024;
export const DELTA_SLOTS = 2 * SNAPSHOT_EVERY;

/** A consumer's state as a snapshot holds it (also what recovery rebuilds). */
export interface ConsumerSnapshot {
  /** Last delivered consumer and stream sequence. */
  delivered: { cseq: number; sseq: number };
  /** [sseq, dseq, ts, deliveries, subject] ascending by sseq. */
  pending: Array<[number, number, number, number, string]>;
  /** [sseq, dseq, deliveries] of messages over max_deliver, ascending. */
  exceeded: Array<[number, number, number]>;
  lastDelivered: number;
  lastAck: number;
}

/** The durable record of a consumer's existence. */
export interface ConsumerRecord {
  inc: string;
  /** The config, as encoded by the coordinator (JSON-safe: durations as strings). */
  config: Record<string, unknown>;
  created: number;
  /** The stream sequence the consumer started at (its cursor when new). */
  start: number;
}

/** What recovery found for one consumer. */
export interface RecoveredConsumer {
  topicId: string;
  name: string;
  record: ConsumerRecord;
  state: ConsumerSnapshot | null;
}

/** The side of a consumer the store talks to. */
export interface JournalOwner {
  /** The full state now, for a snapshot. */
  snapshot(): ConsumerSnapshot;
  /**
   * Called once the changes of a commit are durable, with what it acknowledged; the commit's
   * waiters (AckSync confirmations) are released when the returned promise settles.
   */
  durable(acks: readonly number[], ackAllUpTo: number, deliveredUpTo: number): Promise<void> | void;
}

/** The journal of one durable consumer: its changes since the last commit. */
export class ConsumerJournal {
  /** Flat: sseq, dseq, deliveries, ts per delivery. */
  dlv: number[] = [];
  /** Subjects of the deliveries in `dlv` that were first deliveries (in order), for recovery of retention. */
  subj: string[] = [];
  acks: number[] = [];
  ackAll = 0;
  /** Flat: sseq, ts (NAK with delay, +WPI). */
  ts: number[] = [];
  max: number[] = [];
  cur: [number, number] | null = null;
  /** ms of the last acknowledgement in this commit, 0 if none. */
  lastAck = 0;
  waiters: Array<(ok: boolean) => void> = [];
  snapshotWanted = false;
  /** Number of the last delta written (or covered by a snapshot). */
  n = 0;
  sinceSnapshot = 0;
  dirty = false;
  closed = false;

  constructor(
    readonly store: ConsumerStateStore,
    readonly topicId: string,
    readonly name: string,
    readonly inc: string,
    readonly owner: JournalOwner,
  ) {}

  /** Marks the journal changed: a commit is scheduled. */
  touch(): void {
    if (this.closed) return;
    if (!this.dirty) {
      this.dirty = true;
      this.store.schedule(this);
    }
  }

  /** Calls `fn` once everything journalled so far is durable (false if the commit failed). */
  whenDurable(fn: (ok: boolean) => void): void {
    if (!this.dirty) {
      // Nothing pending in this journal: but the commit in flight may hold earlier changes.
      this.store.afterInFlight(fn);
      return;
    }
    this.waiters.push(fn);
  }
}

interface Flight {
  journal: ConsumerJournal;
  acks: number[];
  ackAll: number;
  delivered: number;
  waiters: Array<(ok: boolean) => void>;
}

export class ConsumerStateStore {
  private readonly dirty: ConsumerJournal[] = [];
  private inFlight: Promise<void> | null = null;
  private scheduled = false;
  /** Released when the commit in flight ends. */
  private flightWaiters: Array<(ok: boolean) => void> = [];
  private closed = false;
  /** Records (configs, deletes) to go first in the next commit, with their waiters. */
  private extra: InternalRecord[] = [];
  private extraWaiters: Array<(ok: boolean) => void> = [];

  private readonly deltas = new DeltaEncoder();
  /**
   * Writes deltas as JSON, as every Wharf before the binary form did (tests write the old
   * format with it, to check that recovery reads both).
   */
  jsonDeltas = false;

  constructor(
    private readonly topic: InternalTopic,
    private readonly logger: Logger,
  ) {}

  journal(topicId: string, name: string, inc: string, owner: JournalOwner): ConsumerJournal {
    return new ConsumerJournal(this, topicId, name, inc, owner);
  }

  /** Writes a consumer's config record (create, update, pause); resolves once durable. */
  writeConsumer(topicId: string, name: string, rec: ConsumerRecord): Promise<void> {
    return this.writeExtra([{ key: ['consumer', topicId, name], value: { v: 1, ...rec } }]);
  }

  /** Deletes a consumer's records; resolves once durable. */
  deleteConsumer(journal: ConsumerJournal): Promise<void> {
    journal.closed = true;
    const recs: InternalRecord[] = [
      { key: ['consumer', journal.topicId, journal.name], value: null },
      { key: ['snap', journal.topicId, journal.name], value: null },
    ];
    const used = Math.min(journal.n + 1, DELTA_SLOTS);
    for (let slot = 0; slot < used; slot++) recs.push({ key: ['d', journal.topicId, journal.name, slot], value: null });
    return this.writeExtra(recs);
  }

  private writeExtra(recs: InternalRecord[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.extra.push(...recs);
      this.extraWaiters.push((ok) => (ok ? resolve() : reject(new Error('consumer state could not be written'))));
      this.kick();
    });
  }

  schedule(j: ConsumerJournal): void {
    this.dirty.push(j);
    this.kick();
  }

  /** `fn` runs when the commit in flight ends (in a microtask when none is). */
  afterInFlight(fn: (ok: boolean) => void): void {
    if (this.inFlight === null) {
      queueMicrotask(() => fn(true));
      return;
    }
    this.flightWaiters.push(fn);
  }

  private kick(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    // Everything journalled during this event loop turn goes into one commit.
    setImmediate(() => {
      this.scheduled = false;
      void this.commit();
    });
  }

  /** Waits until everything journalled so far is durable. */
  async drain(): Promise<void> {
    while (this.inFlight !== null || this.dirty.length > 0 || this.extra.length > 0 || this.scheduled) {
      if (this.inFlight !== null) await this.inFlight;
      else await new Promise<void>((r) => setImmediate(r));
      if (this.inFlight === null && !this.scheduled && (this.dirty.length > 0 || this.extra.length > 0)) await this.commit();
    }
  }

  private async commit(): Promise<void> {
    if (this.inFlight !== null) {
      // One commit at a time: the next one starts when this one is done.
      await this.inFlight;
      if (this.inFlight !== null) return;
    }
    if (this.dirty.length === 0 && this.extra.length === 0) return;
    const records: InternalRecord[] = this.extra;
    const extraWaiters = this.extraWaiters;
    this.extra = [];
    this.extraWaiters = [];
    const flights: Flight[] = [];
    for (const j of this.dirty.splice(0, this.dirty.length)) {
      j.dirty = false;
      if (j.closed) {
        for (const w of j.waiters.splice(0, j.waiters.length)) w(false);
        continue;
      }
      records.push(this.recordOf(j));
      flights.push({ journal: j, acks: j.max.length > 0 ? [...j.acks, ...j.max] : j.acks, ackAll: j.ackAll, delivered: j.cur?.[1] ?? 0, waiters: j.waiters });
      j.dlv = [];
      j.subj = [];
      j.acks = [];
      j.ackAll = 0;
      j.ts = [];
      j.max = [];
      j.cur = null;
      j.lastAck = 0;
      j.waiters = [];
    }
    let ok = true;
    const run = (async () => {
      try {
        await this.topic.append(records);
      } catch (err) {
        ok = false;
        this.logger.error({ err }, 'JetStream consumer state commit failed');
        // The in-memory state is the truth: the next commit writes it whole.
        for (const f of flights) {
          f.journal.snapshotWanted = true;
          f.journal.touch();
        }
      }
    })();
    this.inFlight = run;
    await run;
    this.inFlight = null;
    const after = this.flightWaiters;
    this.flightWaiters = [];
    for (const w of extraWaiters) w(ok);
    const settled: Array<Promise<void>> = [];
    for (const f of flights) {
      const done = ok && !f.journal.closed ? f.journal.owner.durable(f.acks, f.ackAll, f.delivered) : undefined;
      if (done instanceof Promise) {
        settled.push(
          done.then(
            () => f.waiters.forEach((w) => w(ok)),
            () => f.waiters.forEach((w) => w(false)),
          ),
        );
      } else {
        for (const w of f.waiters) w(ok);
      }
    }
    if (settled.length > 0) void Promise.all(settled).then(() => after.forEach((w) => w(ok)));
    else for (const w of after) w(ok);
    if (this.dirty.length > 0 || this.extra.length > 0) this.kick();
  }

  private recordOf(j: ConsumerJournal): InternalRecord {
    j.n++;
    j.sinceSnapshot++;
    if (j.snapshotWanted || j.sinceSnapshot >= SNAPSHOT_EVERY) {
      j.snapshotWanted = false;
      j.sinceSnapshot = 0;
      const s = j.owner.snapshot();
      return {
        key: ['snap', j.topicId, j.name],
        value: { v: 1, inc: j.inc, n: j.n, dlv: [s.delivered.cseq, s.delivered.sseq], pend: s.pending, exc: s.exceeded, ld: s.lastDelivered, la: s.lastAck },
      };
    }
    const value: Record<string, unknown> = { v: 1, inc: j.inc, n: j.n };
    if (j.dlv.length > 0) value.dlv = j.dlv;
    if (j.subj.length > 0) value.subj = j.subj;
    if (j.cur !== null) value.cur = j.cur;
    if (j.acks.length > 0) value.ack = j.acks;
    if (j.ackAll > 0) value.all = j.ackAll;
    if (j.ts.length > 0) value.ts = j.ts;
    if (j.max.length > 0) value.max = j.max;
    if (j.lastAck > 0) value.la = j.lastAck;
    const key = ['d', j.topicId, j.name, j.n % DELTA_SLOTS];
    // The binary form (consumer-delta-codec.ts) unless switched off or a number does not fit it.
    const encoded = this.jsonDeltas ? null : this.deltas.encode({ inc: j.inc, n: j.n, dlv: j.dlv, subj: j.subj, cur: j.cur, acks: j.acks, ackAll: j.ackAll, ts: j.ts, max: j.max, lastAck: j.lastAck });
    return encoded === null ? { key, value } : { key, value, encoded };
  }

  /** Writes a snapshot of every open journal and waits for it (clean close). */
  /** Snapshots `journals` and drains the commits, leaving the store open (it is shared by several coordinators). */
  async flush(journals: Iterable<ConsumerJournal>): Promise<void> {
    for (const j of journals) {
      if (j.closed) continue;
      j.snapshotWanted = true;
      j.touch();
    }
    await this.drain();
  }

  async close(journals: Iterable<ConsumerJournal>): Promise<void> {
    for (const j of journals) {
      if (j.closed) continue;
      j.snapshotWanted = true;
      j.touch();
    }
    await this.drain();
    this.closed = true;
  }

  /** Replays the topic: the live consumers and their state. */
  static async recover(topic: InternalTopic, logger: Logger): Promise<{ consumers: RecoveredConsumer[]; journalNumbers: Map<string, number> }> {
    const configs = new Map<string, { topicId: string; name: string; value: Record<string, unknown> }>();
    const snaps = new Map<string, Record<string, unknown>>();
    const deltas = new Map<string, Record<string, unknown>[]>();
    const keyOf = (k: InternalKey): string => `${String(k[1])}\u0000${String(k[2])}`;
    await topic.replay((key, value) => {
      const kind = key[0];
      if (key.length < 3) return;
      const k = keyOf(key);
      if (kind === 'consumer') {
        if (value === null) configs.delete(k);
        else configs.set(k, { topicId: String(key[1]), name: String(key[2]), value });
      } else if (kind === 'snap') {
        if (value === null) snaps.delete(k);
        else snaps.set(k, value);
      } else if (kind === 'd' && value !== null) {
        let list = deltas.get(k);
        if (list === undefined) deltas.set(k, (list = []));
        list.push(value);
      }
    }, readBinaryValue);
    const out: RecoveredConsumer[] = [];
    if (topic.failure !== null) {
      // A partial replay could restore a consumer at an old position (redelivering what was
      // acknowledged) or without its newest config: none is restored, and the consumer API
      // answers "consumer is offline" until the topic is repaired (consumer-coordinator.ts).
      logger.error({ err: topic.failure, consumersRead: configs.size }, 'JetStream consumers not restored: __jetstream_consumers is damaged');
      return { consumers: out, journalNumbers: new Map() };
    }
    const journalNumbers = new Map<string, number>();
    for (const [k, c] of configs) {
      const v = c.value;
      const inc = typeof v.inc === 'string' ? v.inc : '';
      const config = typeof v.config === 'object' && v.config !== null ? (v.config as Record<string, unknown>) : null;
      if (config === null) {
        logger.warn({ consumer: c.name }, 'skipping a JetStream consumer record without config');
        continue;
      }
      const record: ConsumerRecord = { inc, config, created: Number(v.created ?? 0), start: Number(v.start ?? 1) };
      const snap = snaps.get(k);
      let state: ConsumerSnapshot | null = null;
      let upTo = 0;
      if (snap !== undefined && snap.inc === inc) {
        state = snapshotFrom(snap);
        upTo = Number(snap.n ?? 0);
      }
      const list = (deltas.get(k) ?? []).filter((d) => d.inc === inc && Number(d.n ?? 0) > upTo).sort((a, b) => Number(a.n) - Number(b.n));
      let last = upTo;
      for (const d of list) {
        state ??= { delivered: { cseq: 0, sseq: record.start - 1 }, pending: [], exceeded: [], lastDelivered: 0, lastAck: 0 };
        applyDelta(state, d);
        last = Number(d.n);
      }
      journalNumbers.set(k, last);
      out.push({ topicId: c.topicId, name: c.name, record, state });
    }
    return { consumers: out, journalNumbers };
  }
}

function nums(v: unknown): number[] {
  return Array.isArray(v) ? v.map((x) => Number(x)) : [];
}

function snapshotFrom(v: Record<string, unknown>): ConsumerSnapshot {
  const dlv = nums(v.dlv);
  const pending: ConsumerSnapshot['pending'] = [];
  for (const p of Array.isArray(v.pend) ? (v.pend as unknown[]) : []) {
    if (!Array.isArray(p)) continue;
    pending.push([Number(p[0]), Number(p[1]), Number(p[2]), Number(p[3] ?? 1), String(p[4] ?? '')]);
  }
  const exceeded: ConsumerSnapshot['exceeded'] = [];
  for (const p of Array.isArray(v.exc) ? (v.exc as unknown[]) : []) {
    if (Array.isArray(p)) exceeded.push([Number(p[0]), Number(p[1]), Number(p[2] ?? 1)]);
  }
  return {
    delivered: { cseq: dlv[0] ?? 0, sseq: dlv[1] ?? 0 },
    pending,
    exceeded,
    lastDelivered: Number(v.ld ?? 0),
    lastAck: Number(v.la ?? 0),
  };
}

/** Applies one delta to a state being recovered (deltas come in commit order). */
function applyDelta(s: ConsumerSnapshot, d: Record<string, unknown>): void {
  const pend = new Map<number, [number, number, number, number, string]>();
  for (const p of s.pending) pend.set(p[0], p);
  const exc = new Map<number, [number, number, number]>();
  for (const e of s.exceeded) exc.set(e[0], e);
  const dlv = nums(d.dlv);
  const subj = Array.isArray(d.subj) ? (d.subj as unknown[]).map(String) : [];
  let si = 0;
  for (let i = 0; i + 3 < dlv.length; i += 4) {
    const sseq = dlv[i]!;
    const dseq = dlv[i + 1]!;
    const dc = dlv[i + 2]!;
    const ts = dlv[i + 3]!;
    const p = pend.get(sseq);
    if (p !== undefined) {
      p[2] = ts;
      p[3] = dc;
    } else {
      pend.set(sseq, [sseq, dseq, ts, dc, subj[si++] ?? '']);
    }
    if (dseq > s.delivered.cseq) s.delivered.cseq = dseq;
    if (sseq > s.delivered.sseq) s.delivered.sseq = sseq;
    if (ts > s.lastDelivered) s.lastDelivered = ts;
  }
  const cur = nums(d.cur);
  if (cur.length === 2) {
    if (cur[0]! > s.delivered.cseq) s.delivered.cseq = cur[0]!;
    if (cur[1]! > s.delivered.sseq) s.delivered.sseq = cur[1]!;
  }
  const ts = nums(d.ts);
  for (let i = 0; i + 1 < ts.length; i += 2) {
    const p = pend.get(ts[i]!);
    if (p !== undefined) p[2] = ts[i + 1]!;
  }
  for (const sseq of nums(d.max)) {
    const p = pend.get(sseq);
    if (p !== undefined) {
      pend.delete(sseq);
      exc.set(sseq, [sseq, p[1], p[3]]);
    }
  }
  for (const sseq of nums(d.ack)) {
    pend.delete(sseq);
    exc.delete(sseq);
  }
  const la = Number(d.la ?? 0);
  if (la > s.lastAck) s.lastAck = la;
  const all = Number(d.all ?? 0);
  if (all > 0) {
    for (const k of [...pend.keys()]) if (k <= all) pend.delete(k);
    for (const k of [...exc.keys()]) if (k <= all) exc.delete(k);
  }
  s.pending = [...pend.values()].sort((a, b) => a[0] - b[0]);
  s.exceeded = [...exc.values()].sort((a, b) => a[0] - b[0]);
}

/** The values of `__jetstream_consumers` stored in binary: deltas only (consumer-delta-codec.ts). */
function readBinaryValue(key: InternalKey, value: Buffer): Record<string, unknown> {
  if (key[0] !== 'd') throw new Error(`a binary value under a ${String(key[0])} key`);
  return decodeDelta(value);
}
