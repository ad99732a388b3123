// Value formats of nats-server's monitoring JSON, which Go's encoding/json and time package
// define: timestamps as RFC 3339 with the fraction's trailing zeros trimmed, durations either
// as Go's time.Duration.String() ("1.5ms", "1h2m3s") or as nats-server's own uptime form
// ("3d4h5m6s", whole seconds, with days and years).

/** A timestamp as Go marshals a time.Time in UTC (RFC3339Nano: "…T20:22:08.75Z"). */
export function goTime(date: Date): string {
  const iso = date.toISOString(); // always YYYY-MM-DDTHH:mm:ss.sssZ
  const fraction = iso.slice(20, 23).replace(/0+$/, '');
  return fraction.length === 0 ? `${iso.slice(0, 19)}Z` : `${iso.slice(0, 20)}${fraction}Z`;
}

/** "123" with `digits` implied decimals, trailing zeros trimmed: (1500, 3) → "1.5". */
function fixedPoint(value: number, digits: number): string {
  const scale = 10 ** digits;
  const whole = Math.floor(value / scale);
  const fraction = String(value % scale).padStart(digits, '0').replace(/0+$/, '');
  return fraction.length === 0 ? String(whole) : `${whole}.${fraction}`;
}

/** A duration in nanoseconds as Go's time.Duration.String() writes it. */
export function goDuration(nanos: number): string {
  let ns = Math.round(nanos);
  if (ns === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  ns = Math.abs(ns);
  if (ns < 1_000) return `${sign}${ns}ns`;
  if (ns < 1_000_000) return `${sign}${fixedPoint(ns, 3)}µs`;
  if (ns < 1_000_000_000) return `${sign}${fixedPoint(ns, 6)}ms`;
  const totalSeconds = Math.floor(ns / 1_000_000_000);
  const seconds = `${fixedPoint((totalSeconds % 60) * 1_000_000_000 + (ns % 1_000_000_000), 9)}s`;
  const totalMinutes = Math.floor(totalSeconds / 60);
  if (totalMinutes === 0) return `${sign}${seconds}`;
  const hours = Math.floor(totalMinutes / 60);
  const minutes = `${totalMinutes % 60}m`;
  return hours === 0 ? `${sign}${minutes}${seconds}` : `${sign}${hours}h${minutes}${seconds}`;
}

/** nats-server's uptime form (its myUptime): whole seconds, "5s", "2m5s", "1h0m5s", "3d1h0m5s", "1y2d…". */
export function natsUptime(ms: number): string {
  const secs = Math.max(0, Math.floor(ms / 1_000));
  const mins = Math.floor(secs / 60);
  const hrs = Math.floor(mins / 60);
  const days = Math.floor(hrs / 24);
  const years = Math.floor(days / 365);
  if (years > 0) return `${years}y${days % 365}d${hrs % 24}h${mins % 60}m${secs % 60}s`;
  if (days > 0) return `${days}d${hrs % 24}h${mins % 60}m${secs % 60}s`;
  if (hrs > 0) return `${hrs}h${mins % 60}m${secs % 60}s`;
  if (mins > 0) return `${mins}m${secs % 60}s`;
  return `${secs}s`;
}

/** Milliseconds as nanoseconds, the unit of a time.Duration that Go marshals as a number. */
export function msToNanos(ms: number): number {
  return Math.round(ms * 1_000_000);
}
