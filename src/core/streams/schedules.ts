// Message schedules (ADR-51, nats-server 2.12+): a message with `Nats-Schedule` on an
// `allow_msg_schedules` stream is a schedule; when it is due the stream publishes a message to
// its `Nats-Schedule-Target` (a subject of the same stream) with the schedule's payload (or the
// last message of `Nats-Schedule-Source`) and headers, `Nats-Scheduler: <schedule subject>` and
// `Nats-Schedule-Next: purge` (a one-off: the schedule is purged once that message is stored)
// or the next time (a repeating one), plus `Nats-TTL` / `Nats-Rollup` from
// `Nats-Schedule-TTL` / `Nats-Schedule-Rollup`.
//
// This file has the publish checks of those headers, in nats-server's order and with its errors
// (server/stream.go processJetStreamMsg: 10188-10192, 10203, 10212, 10223, 10166), the
// headers of the message a schedule produces, and the table of schedules (one per subject: a
// schedule is stored with `Nats-Rollup: sub`) with the timer that says when the next is due.
// The schedules live in the stream (they are messages), so a restart rebuilds the table from
// the last message of each subject (stream-view.ts).
import { jsError } from './api-errors.js';
import { parseMessageTtl } from './go-duration.js';
import { isTimeZone, nextFire, type NextFire } from './schedule-pattern.js';
import type { HeaderScan } from './record-codec.js';
import { subjectsCollide } from './subject-filter.js';
import { isValidLiteralSubject } from '../routing/subject.js';
import type { JsApiError, StreamConfig } from './types.js';

export const SCHEDULE = 'Nats-Schedule';
export const SCHEDULE_TIME_ZONE = 'Nats-Schedule-Time-Zone';
export const SCHEDULE_TTL = 'Nats-Schedule-TTL';
export const SCHEDULE_ROLLUP = 'Nats-Schedule-Rollup';
export const SCHEDULE_TARGET = 'Nats-Schedule-Target';
export const SCHEDULE_SOURCE = 'Nats-Schedule-Source';
export const SCHEDULER = 'Nats-Scheduler';
export const SCHEDULE_NEXT = 'Nats-Schedule-Next';
export const SCHEDULE_NEXT_PURGE = 'purge';

/** A header as one message's block has it: undefined when absent. */
type Get = (name: string) => string | undefined;

/** The time zone of a schedule: null for none, undefined when invalid (present but empty or unknown). */
function zoneOf(get: Get): string | null | undefined {
  const tz = get(SCHEDULE_TIME_ZONE);
  if (tz === undefined) return null;
  return isTimeZone(tz) ? tz : undefined;
}

/** When a stored schedule fires next, counted from `from` (ms), or null when it is no (valid) schedule. */
export function scheduleOf(get: Get, from: number, now = Date.now()): NextFire | null {
  const pattern = get(SCHEDULE);
  if (pattern === undefined || pattern === '') return null;
  const tz = zoneOf(get);
  if (tz === undefined) return null;
  return nextFire(pattern, tz, from, now);
}

/** What the checks found: `schedule`, the publish is a schedule (and gets `Nats-Rollup: sub` when it has no rollup). */
export interface ScheduleCheck {
  schedule: boolean;
  addRollup: boolean;
}

const NONE: ScheduleCheck = { schedule: false, addRollup: false };

/**
 * The schedule checks of one client publish on `subject` (as stored). `lastIsSchedule` answers
 * whether the last message of a subject is a schedule (true when the subject has none).
 */
export function checkSchedule(cfg: StreamConfig, scan: HeaderScan | null, subject: string, lastIsSchedule: (subject: string) => boolean): ScheduleCheck | JsApiError {
  if (scan === null || scan.count === 0) return NONE;
  const get = (name: string): string | undefined => scan.get(name);
  let out = NONE;
  // A time zone header that is empty or unknown is refused even without a schedule (nats-server reads it first).
  const tz = zoneOf(get);
  if (tz === undefined) return cfg.allow_msg_schedules ? jsError('JSMessageSchedulesTimeZoneInvalidErr') : jsError('JSMessageSchedulesDisabledErr');
  const pattern = get(SCHEDULE);
  if (pattern !== undefined && pattern !== '') {
    if (nextFire(pattern, tz, Date.now()) === null) return cfg.allow_msg_schedules ? jsError('JSMessageSchedulesPatternInvalidErr') : jsError('JSMessageSchedulesDisabledErr');
    if (!cfg.allow_msg_schedules) return jsError('JSMessageSchedulesDisabledErr');
    const ttl = get(SCHEDULE_TTL);
    if (ttl !== undefined && ttl !== '' && parseMessageTtl(ttl) === null) return jsError('JSMessageSchedulesTTLInvalidErr');
    const rollup = get(SCHEDULE_ROLLUP);
    if (rollup !== undefined && rollup !== '' && rollup !== 'sub') return jsError('JSMessageSchedulesRollupInvalidErr');
    if (ttl !== undefined && ttl !== '' && !cfg.allow_msg_ttl) return jsError('JSMessageTTLDisabledErr');
    const target = get(SCHEDULE_TARGET) ?? '';
    if (target === '' || !isValidLiteralSubject(target) || target === subject) return jsError('JSMessageSchedulesTargetInvalidErr');
    const source = get(SCHEDULE_SOURCE) ?? '';
    if (source !== '' && (source === target || source === subject || !isValidLiteralSubject(source))) return jsError('JSMessageSchedulesSourceInvalidErr');
    const subjects = cfg.subjects ?? [];
    if (!subjects.some((s) => subjectsCollide(s, target))) return jsError('JSMessageSchedulesTargetInvalidErr');
    if (source !== '' && !subjects.some((s) => subjectsCollide(s, source))) return jsError('JSMessageSchedulesSourceInvalidErr');
    const own = get('Nats-Rollup');
    if (own !== undefined && own !== '' && own !== 'sub') return jsError('JSMessageSchedulesRollupInvalidErr');
    out = { schedule: true, addRollup: own === undefined || own === '' };
  }
  const next = get(SCHEDULE_NEXT);
  if (next !== undefined && next !== '') {
    // A client may only send Nats-Schedule-Next to purge a schedule, naming it in Nats-Scheduler.
    if (next !== SCHEDULE_NEXT_PURGE) return jsError('JSMessageSchedulesSchedulerInvalidErr');
    const scheduler = get(SCHEDULER) ?? '';
    if (scheduler === '' || scheduler === subject || !isValidLiteralSubject(scheduler)) return jsError('JSMessageSchedulesSchedulerInvalidErr');
    if (!cfg.allow_msg_schedules) return jsError('JSMessageSchedulesDisabledErr');
    if (!lastIsSchedule(scheduler)) return jsError('JSMessageSchedulesSchedulerInvalidErr');
  } else if (get(SCHEDULER) !== undefined && get(SCHEDULER) !== '') {
    return jsError('JSMessageSchedulesSchedulerInvalidErr');
  }
  return out;
}

/** A header block without the headers a scheduled message must not carry over. */
function keepHeader(name: string): boolean {
  return !name.startsWith('Nats-Schedule') && name !== SCHEDULER && !name.startsWith('Nats-Expected-') && name !== 'Nats-Msg-Id' && name !== 'Nats-TTL' && name !== 'Nats-Rollup';
}

/**
 * The message a due schedule publishes: header block and payload. `schedule` is the stored
 * schedule's header fields, `content` the fields and payload it sends (its own, or the source's
 * last message), `next` the following time of a repeating schedule (null: a one-off).
 */
export function scheduledMessage(scheduleSubject: string, schedule: Array<[string, string]>, content: { headers: Array<[string, string]>; data: Buffer }, next: number | null): Buffer {
  const get = (n: string): string | undefined => schedule.find(([k]) => k === n)?.[1];
  const fields = content.headers.filter(([k]) => keepHeader(k));
  fields.push([SCHEDULER, scheduleSubject]);
  fields.push([SCHEDULE_NEXT, next === null ? SCHEDULE_NEXT_PURGE : formatRfc3339Nano(next)]);
  const ttl = get(SCHEDULE_TTL);
  if (ttl !== undefined && ttl !== '') fields.push(['Nats-TTL', ttl]);
  const rollup = get(SCHEDULE_ROLLUP);
  if (rollup !== undefined && rollup !== '') fields.push(['Nats-Rollup', rollup]);
  const hdr = Buffer.from(`NATS/1.0\r\n${fields.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`, 'latin1');
  return Buffer.concat([hdr, content.data]);
}

/** Go's time.RFC3339Nano of a UTC time in ms ("2026-12-03T08:00:01Z", "…:01.5Z": trailing zeros dropped). */
export function formatRfc3339Nano(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.replace(/\.(\d*?)0*Z$/, (_m, d: string) => (d === '' ? 'Z' : `.${d}Z`));
}

interface Entry {
  seq: number;
  at: number;
}

/** The schedules of one stream, one per subject, and the timer of the next due one. */
export class ScheduleTable {
  private readonly bySubject = new Map<string, Entry>();
  private readonly subjectBySeq = new Map<number, string>();
  /** Schedules whose message was published and not yet stored: not fired again meanwhile. */
  private readonly inflight = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private timerAt = 0;
  private stopped = false;

  constructor(private readonly due: (subject: string, seq: number, at: number) => void) {}

  get size(): number {
    return this.bySubject.size;
  }

  has(subject: string): boolean {
    return this.bySubject.has(subject);
  }

  add(seq: number, subject: string, at: number): void {
    const old = this.bySubject.get(subject);
    if (old !== undefined) this.subjectBySeq.delete(old.seq);
    this.bySubject.set(subject, { seq, at });
    this.subjectBySeq.set(seq, subject);
    this.inflight.delete(subject);
    this.arm();
  }

  /** A repeating schedule fired: it is due again at `at`. */
  update(subject: string, at: number): void {
    const e = this.bySubject.get(subject);
    if (e === undefined) return;
    e.at = at;
    this.inflight.delete(subject);
    this.arm();
  }

  removeSubject(subject: string): void {
    const e = this.bySubject.get(subject);
    if (e === undefined) return;
    this.bySubject.delete(subject);
    this.subjectBySeq.delete(e.seq);
    this.inflight.delete(subject);
  }

  /** Messages left the stream: the schedules among them are gone. */
  removed(first: number, seqs: readonly number[]): void {
    for (const s of seqs) {
      const subj = this.subjectBySeq.get(s);
      if (subj !== undefined) this.removeSubject(subj);
    }
    for (const [subj, e] of [...this.bySubject]) if (e.seq < first) this.removeSubject(subj);
  }

  /** Forgets schedules at and after `seq` (an append rolled back). */
  dropFrom(seq: number): void {
    for (const [subj, e] of [...this.bySubject]) if (e.seq >= seq) this.removeSubject(subj);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    if (this.stopped) return;
    let next = Number.POSITIVE_INFINITY;
    for (const [subj, e] of this.bySubject) if (!this.inflight.has(subj) && e.at < next) next = e.at;
    if (next === Number.POSITIVE_INFINITY) return;
    // nats-server fires no sooner than 250 ms from now, so that schedules do not slow ingest.
    const fireAt = Math.max(next, Date.now() + 250);
    if (this.timer !== null && this.timerAt <= fireAt) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timerAt = fireAt;
    this.timer = setTimeout(() => this.run(), fireAt - Date.now());
    this.timer.unref();
  }

  private run(): void {
    this.timer = null;
    const now = Date.now();
    const ready = [...this.bySubject].filter(([subj, e]) => e.at <= now && !this.inflight.has(subj)).sort((a, b) => a[1].seq - b[1].seq);
    for (const [subj, e] of ready) {
      this.inflight.add(subj);
      this.due(subj, e.seq, e.at);
    }
    this.arm();
  }

  /** A due schedule could not publish (its message gone, invalid): dropped. */
  failed(subject: string): void {
    this.removeSubject(subject);
    this.arm();
  }

  /** Appends failed: nothing published is pending any more. */
  resetInflight(): void {
    this.inflight.clear();
    this.arm();
  }

  /** A due schedule's message was refused or failed to store: tried again at the next run. */
  retry(subject: string): void {
    this.inflight.delete(subject);
    const e = this.bySubject.get(subject);
    if (e !== undefined) e.at = Math.max(e.at, Date.now() + 1000);
    this.arm();
  }
}
