// Go's duration and time strings, as JetStream headers carry them: Nats-TTL takes "1s", "1m30s", a bare
// number of seconds or "never" (nats-server's parseMessageTTL), and subject delete markers carry
// the marker TTL as Go formats a time.Duration ("1m0s", "5s", "1h0m0s").

const UNITS: Record<string, number> = { ns: 1e-9, us: 1e-6, 'µs': 1e-6, 'μs': 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** Seconds of a Go duration string, or null when it is not one (Go's time.ParseDuration grammar). */
export function parseGoDurationSeconds(s: string): number | null {
  if (s === '0') return 0;
  const m = /^([0-9]*(?:\.[0-9]*)?(?:ns|us|µs|μs|ms|s|m|h))+$/.test(s);
  if (!m) return null;
  let total = 0;
  const re = /([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)/g;
  for (let x = re.exec(s); x !== null; x = re.exec(s)) {
    if (x[1] === '' || x[1] === '.') return null;
    total += Number(x[1]) * UNITS[x[2]!]!;
  }
  return total;
}

/** The message TTL of a Nats-TTL value in seconds: -1 for "never", null when invalid (nats-server's rules: at least 1 s). */
export function parseMessageTtl(v: string): number | null {
  if (v === 'never') return -1;
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    return n >= 1 ? n : null;
  }
  const secs = parseGoDurationSeconds(v);
  if (secs === null || secs < 1) return null;
  return Math.floor(secs);
}

/** A duration in nanoseconds as Go's time.Duration.String() writes it ("1m0s", "1.5s", "100ms"). */
export function formatGoDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const neg = ns < 0n;
  let u = neg ? -ns : ns;
  if (u < 1_000_000_000n) {
    // Under a second: the largest unit that keeps an integer part.
    const [unit, size] = u < 1000n ? ['ns', 1n] : u < 1_000_000n ? ['µs', 1000n] : ['ms', 1_000_000n];
    return `${neg ? '-' : ''}${fraction(u, size)}${unit}`;
  }
  const h = u / 3_600_000_000_000n;
  u -= h * 3_600_000_000_000n;
  const m = u / 60_000_000_000n;
  u -= m * 60_000_000_000n;
  let out = neg ? '-' : '';
  if (h > 0n) out += `${h}h`;
  if (h > 0n || m > 0n) out += `${m}m`;
  return `${out}${fraction(u, 1_000_000_000n)}s`;
}

function fraction(v: bigint, unit: bigint): string {
  const whole = v / unit;
  let rest = v % unit;
  if (rest === 0n) return String(whole);
  let digits = '';
  let scale = unit / 10n;
  while (rest > 0n && scale > 0n) {
    digits += String(rest / scale);
    rest %= scale;
    scale /= 10n;
  }
  return `${whole}.${digits.replace(/0+$/, '')}`;
}

/**
 * A time as Go's time.Time marshals it in UTC (RFC 3339, the fraction's trailing zeros cut:
 * "2024-05-01T10:00:00.123Z"); 0 is Go's zero time. Wharf's clock has milliseconds.
 */
export function formatGoTime(ms: number): string {
  if (ms === 0) return '0001-01-01T00:00:00Z';
  // Direct gets and advisories stamp times of the same second again and again: the date and
  // time of day are formatted once per second (Date's formatting is a few microseconds).
  if (Number.isInteger(ms) && ms > 0 && ms < MAX_FOUR_DIGIT_YEAR_MS) {
    const sec = Math.floor(ms / 1000);
    if (sec !== lastSecond) {
      lastSecond = sec;
      lastPrefix = new Date(sec * 1000).toISOString().slice(0, 19);
    }
    return lastPrefix + FRACTIONS[ms - sec * 1000]!;
  }
  const iso = new Date(ms).toISOString();
  const frac = iso.slice(20, 23).replace(/0+$/, '');
  return frac.length === 0 ? `${iso.slice(0, 19)}Z` : `${iso.slice(0, 19)}.${frac}Z`;
}

/** 10000-01-01T00:00:00Z: up to there toISOString has four-digit years. */
const MAX_FOUR_DIGIT_YEAR_MS = 253402300800000;
let lastSecond = -1;
let lastPrefix = '';
/** The fraction and zone of each millisecond: "Z", ".001Z", ..., ".1Z", ".12Z", ".123Z". */
const FRACTIONS: readonly string[] = Array.from({ length: 1000 }, (_, i) => {
  const f = String(i).padStart(3, '0').replace(/0+$/, '');
  return f.length === 0 ? 'Z' : `.${f}Z`;
});

/**
 * The first whole millisecond at or after an RFC 3339 instant, or NaN: where a start time
 * (opt_start_time, a direct get's or a source's start_time) begins on a log whose message times
 * are milliseconds. Date.parse drops the digits below the millisecond, so "the stream's last
 * time plus 1 ns" (nats.go's tests ask for that) would still take the message at that time.
 */
export function startTimeMs(iso: string): number {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return NaN;
  const sub = /\.\d{3}(\d+)/.exec(iso);
  return sub !== null && /[1-9]/.test(sub[1]!) ? t + 1 : t;
}
