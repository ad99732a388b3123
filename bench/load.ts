// Load of the machine during one measurement: the 1-minute load average at the start of each
// run, the busy share of all cores (/proc/stat) and how much of it was this benchmark's own
// processes, so that a reader can tell a slow figure from a busy machine. Our own CPU is this
// process, the children it reaped (cutime/cstime) and the long-lived processes registered with
// `own()` that are not reaped by us (Kafka's JVM is re-parented when start-kafka.sh exits;
// brokers are stopped after the rows that use them).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import type { RowLoad } from './report.js';

let ticksPerSecond = 0;
function hz(): number {
  if (!ticksPerSecond) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Busy and total jiffies of all cores. */
function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** Fields 14..17 of /proc/PID/stat (utime, stime, cutime, cstime) in seconds, or undefined when gone. */
function procTimes(pid: number | 'self'): { own: number; children: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may contain spaces: fields start after the last ')'.
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // f[0] is field 3 (state): utime is field 14 -> f[11].
    return { own: (Number(f[11]) + Number(f[12])) / hz(), children: (Number(f[13]) + Number(f[14])) / hz() };
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds (user + system) a live process has used so far, from /proc/PID/stat, or undefined
 * when it is gone: the difference over a run, divided by the messages it moved, is the broker's
 * CPU time per message.
 */
export function cpuSeconds(pid: number): number | undefined {
  return procTimes(pid)?.own;
}

interface Owned {
  /** CPU seconds when the current measurement began (or 0 when it started during it). */
  base: number;
  last: number;
}

const owned = new Map<number, Owned>();
let active: { t0: number; machine: { busy: number; total: number }; self: number; children: number; released: number; load1: number[] } | undefined;

/**
 * Counts a process that this benchmark runs but will not reap itself (or not before the
 * measurement ends) as our own load. Registered during a measurement, all its CPU counts.
 */
export function own(pid: number): void {
  const t = procTimes(pid)?.own ?? 0;
  owned.set(pid, { base: active ? 0 : t, last: t });
}

/** Call before stopping an owned process: its last CPU figure is kept for the measurement. */
export function release(pid: number): void {
  const o = owned.get(pid);
  if (!o) return;
  const t = procTimes(pid)?.own ?? o.last;
  if (active) active.released += Math.max(0, t - o.base);
  owned.delete(pid);
}

/** Starts a measurement's load record. */
export function begin(): void {
  for (const [pid, o] of owned) o.base = o.last = procTimes(pid)?.own ?? o.last;
  const self = procTimes('self')!;
  active = { t0: performance.now(), machine: machineTicks(), self: self.own, children: self.children, released: 0, load1: [] };
}

/** Records the load average at the start of a run. */
export function mark(): void {
  active?.load1.push(round1(loadavg()[0]!));
  for (const [pid, o] of owned) o.last = procTimes(pid)?.own ?? o.last;
}

/** Ends the record: load average samples, busy share of the machine and our part of it. */
export function end(): RowLoad {
  const a = active;
  if (!a) throw new Error('load.end() without begin()');
  active = undefined;
  const seconds = (performance.now() - a.t0) / 1000;
  const m = machineTicks();
  const self = procTimes('self')!;
  let ours = self.own - a.self + (self.children - a.children) + a.released;
  for (const [pid, o] of owned) {
    o.last = procTimes(pid)?.own ?? o.last;
    ours += Math.max(0, o.last - o.base);
  }
  const dt = m.total - a.machine.total;
  const busyPct = dt > 0 ? ((m.busy - a.machine.busy) / dt) * 100 : 0;
  const oursPct = seconds > 0 ? (ours / (seconds * cpus().length)) * 100 : 0;
  return { load1: [...a.load1, round1(loadavg()[0]!)], busyPct: round1(busyPct), oursPct: round1(Math.min(oursPct, 100)), seconds: round1(seconds) };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
