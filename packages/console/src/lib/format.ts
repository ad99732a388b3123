// Formatting for people: sizes, counts, durations, rates and timestamps, the way the console
// shows them everywhere (DOM-free, unit-tested).

const SIZE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 0 B, 512 B, 1.5 KiB, 12 MiB (three significant digits). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '–';
  let v = n;
  let i = 0;
  while (v >= 1024 && i < SIZE_UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${Math.round(v)} B` : `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${SIZE_UNITS[i]}`;
}

/** 1234567 -> "1,234,567". */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '–';
  return Math.round(n).toLocaleString('en-US');
}

/** A rate per second with a short unit: 0, 12.5, 1.2k, 3.4M. */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond < 0) return '–';
  if (perSecond === 0) return '0';
  if (perSecond < 10) return perSecond.toFixed(1);
  if (perSecond < 1_000) return perSecond.toFixed(0);
  if (perSecond < 1_000_000) return `${(perSecond / 1_000).toFixed(perSecond < 10_000 ? 2 : 1)}k`;
  return `${(perSecond / 1_000_000).toFixed(2)}M`;
}

/** A duration in ms: "850 ms", "12 s", "3m 20s", "5h 2m", "3d 4h". */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '–';
  if (ms < 0) ms = 0;
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  const s = Math.floor(ms / 1_000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** A timestamp (ms) as local "YYYY-MM-DD HH:mm:ss.SSS". */
export function formatTimestamp(ms: number, tzOffsetMinutes = new Date(ms).getTimezoneOffset()): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  const d = new Date(ms - tzOffsetMinutes * 60_000);
  return d.toISOString().replace('T', ' ').replace('Z', '');
}

/** A retention in ms as Kafka configs mean it: -1 is forever. */
export function formatRetention(ms: number, bytes: number): string {
  const time = ms < 0 ? 'forever' : formatDuration(ms);
  return bytes < 0 ? time : `${time} / ${formatBytes(bytes)}`;
}
