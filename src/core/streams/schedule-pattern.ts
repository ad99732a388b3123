// The patterns of `Nats-Schedule` (ADR-51, nats-server 2.12+) and when they fire next:
// `@at <RFC 3339 time>` (once), `@every <Go duration of at least 1 s>` (repeating), a cron
// expression of six fields (seconds, minutes, hours, day of month, month, day of week; `*`,
// `?`, lists, ranges, steps, month and day names) and its shorthands (`@yearly`, `@annually`,
// `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`), optionally in the IANA time zone of
// `Nats-Schedule-Time-Zone` (cron only). The rules are nats-server's (server/scheduler.go
// parseMsgSchedule, cron.go): a repeating schedule whose next time has passed (after a restart)
// skips ahead and fires once, a cron search gives up after five years.
import { parseGoDurationSeconds } from './go-duration.js';

export interface NextFire {
  /** ms since the epoch. */
  at: number;
  repeat: boolean;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Go's time.Parse(time.RFC3339, s) in ms, or null. */
export function parseRfc3339(s: string): number | null {
  const m = RFC3339.exec(s);
  if (m === null) return null;
  const [mo, d, h, mi, se] = [Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59) return null;
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : t;
}

/** Whether a time zone name is one the runtime knows (Go's time.LoadLocation). */
export function isTimeZone(tz: string): boolean {
  if (tz === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Rounds ms to the nearest second, halves away from zero (Go's Time.Round(time.Second)). */
function roundSecond(ms: number): number {
  return Math.floor((ms + 500) / 1000) * 1000;
}

/**
 * When `pattern` fires next after `from` (ms), in time zone `tz` (null: UTC), or null when the
 * pattern is not valid. `now` is the clock for the skip-ahead rule.
 */
export function nextFire(pattern: string, tz: string | null, from: number, now = Date.now()): NextFire | null {
  if (pattern === '') return null;
  if (pattern.startsWith('@at ')) {
    if (tz !== null) return null;
    const t = parseRfc3339(pattern.slice(4));
    return t === null ? null : { at: t, repeat: false };
  }
  if (pattern.startsWith('@every ')) {
    if (tz !== null) return null;
    const secs = parseGoDurationSeconds(pattern.slice(7));
    if (secs === null || secs < 1) return null;
    const ms = secs * 1000;
    let next = roundSecond(from) + ms;
    if (next < now) next = roundSecond(now) + ms;
    return { at: next, repeat: true };
  }
  const cron = SHORTHANDS[pattern] ?? pattern;
  const spec = parseCron(cron);
  if (spec === null) return null;
  let next = cronNext(spec, tz, from);
  if (next === null) return null;
  if (next < now) {
    next = cronNext(spec, tz, roundSecond(now));
    if (next === null) return null;
  }
  return { at: next, repeat: true };
}

const SHORTHANDS: Record<string, string> = {
  '@yearly': '0 0 0 1 1 *',
  '@annually': '0 0 0 1 1 *',
  '@monthly': '0 0 0 1 * *',
  '@weekly': '0 0 0 * * 0',
  '@daily': '0 0 0 * * *',
  '@midnight': '0 0 0 * * *',
  '@hourly': '0 0 * * * *',
};

interface CronSpec {
  second: Set<number>;
  minute: Set<number>;
  hour: Set<number>;
  dom: Set<number>;
  month: Set<number>;
  dow: Set<number>;
  /** Day of month or day of week was `*`/`?`: both must match; else either. */
  dayStar: boolean;
}

const MONTHS: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DAYS: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

function parseNumber(s: string, names?: Record<string, number>): number | null {
  const named = names?.[s.toLowerCase()];
  if (named !== undefined) return named;
  return /^\+?\d+$/.test(s) ? Number(s) : null;
}

/** One field: comma-separated ranges `a`, `a-b`, `*`, `?`, each with an optional `/step`. `star`: whether it is unrestricted. */
function parseField(field: string, min: number, max: number, names?: Record<string, number>): { values: Set<number>; star: boolean } | null {
  const values = new Set<number>();
  let star = false;
  const parts = field.split(',').filter((p) => p !== '');
  if (parts.length === 0) return null;
  for (const part of parts) {
    const slash = part.split('/');
    if (slash.length > 2) return null;
    const dash = slash[0]!.split('-');
    let lo: number;
    let hi: number;
    let partStar = false;
    if (dash[0] === '*' || dash[0] === '?') {
      if (dash.length > 1) return null;
      lo = min;
      hi = max;
      partStar = true;
    } else {
      if (dash.length > 2) return null;
      const a = parseNumber(dash[0]!, names);
      if (a === null) return null;
      lo = a;
      hi = a;
      if (dash.length === 2) {
        const b = parseNumber(dash[1]!, names);
        if (b === null) return null;
        hi = b;
      }
    }
    let step = 1;
    if (slash.length === 2) {
      const s = parseNumber(slash[1]!);
      if (s === null) return null;
      step = s;
      if (dash.length === 1) hi = max;
      if (step > 1) partStar = false;
    }
    if (lo < min || hi > max || lo > hi || step === 0) return null;
    for (let v = lo; v <= hi; v += step) values.add(v);
    if (partStar) star = true;
  }
  return { values, star };
}

function parseCron(pattern: string): CronSpec | null {
  const f = pattern.trim().split(/\s+/);
  if (f.length !== 6) return null;
  const second = parseField(f[0]!, 0, 59);
  const minute = parseField(f[1]!, 0, 59);
  const hour = parseField(f[2]!, 0, 23);
  const dom = parseField(f[3]!, 1, 31);
  const month = parseField(f[4]!, 1, 12, MONTHS);
  const dow = parseField(f[5]!, 0, 6, DAYS);
  if (!second || !minute || !hour || !dom || !month || !dow) return null;
  return { second: second.values, minute: minute.values, hour: hour.values, dom: dom.values, month: month.values, dow: dow.values, dayStar: dom.star || dow.star };
}

/** The offset of `tz` from UTC at instant `ms`, in ms (local = utc + offset). */
function zoneOffset(tz: string, ms: number): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(new Date(ms));
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value ?? '0');
  const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return local - Math.floor(ms / 1000) * 1000;
}

/**
 * The first time after `from` (whole seconds) matching the spec, searched in the wall clock of
 * the zone (a naive clock kept in a UTC Date), then turned back into an instant.
 */
function cronNext(spec: CronSpec, tz: string | null, from: number): number | null {
  const offset = tz === null ? 0 : zoneOffset(tz, from);
  const t = new Date(Math.floor((from + offset) / 1000) * 1000 + 1000);
  const limit = t.getUTCFullYear() + 5;
  const dayMatches = (): boolean => {
    const d = spec.dom.has(t.getUTCDate());
    const w = spec.dow.has(t.getUTCDay());
    return spec.dayStar ? d && w : d || w;
  };
  for (;;) {
    if (t.getUTCFullYear() > limit) return null;
    if (!spec.month.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!dayMatches()) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!spec.hour.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
      continue;
    }
    if (!spec.minute.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
      continue;
    }
    if (!spec.second.has(t.getUTCSeconds())) {
      t.setUTCSeconds(t.getUTCSeconds() + 1, 0);
      continue;
    }
    break;
  }
  const wall = t.getTime();
  if (tz === null) return wall;
  // Back to an instant: the offset at the result (twice, for a DST change in between).
  let at = wall - zoneOffset(tz, wall - offset);
  at = wall - zoneOffset(tz, at);
  return at;
}
