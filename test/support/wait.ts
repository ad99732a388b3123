// Waiting on state instead of the clock: poll a condition until it holds, and throw, naming what
// was awaited and what was last seen, when it does not within the limit. A test that waits this
// way is as fast as the machine allows and fails with a reason instead of asserting too early
// (a fixed sleep) or going on silently after a wait that ran out.
import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  /** What is awaited, for the message on timeout ("three members in the group"). */
  what: string;
  /** Give up after this long (default 15 s: generous, since the machine may be loaded). */
  timeoutMs?: number;
  /** Pause between polls (default 20 ms). */
  intervalMs?: number;
  /** Extra context for the timeout message (logs of a child process, say), computed only then. */
  detail?: () => string;
}

/** Thrown when a wait runs out; the message says what was awaited and what was last seen. */
export class WaitTimeout extends Error {
  override name = 'WaitTimeout';
}

/** Polls `condition` until it returns true; throws WaitTimeout after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, opts: WaitOptions): Promise<void> {
  await poll(condition, (ok) => ok, opts, false);
}

/**
 * Polls `read` until `accept` holds for its value and returns that value; throws WaitTimeout after
 * `timeoutMs` with the last value read (as JSON) in the message. Errors from `read` propagate.
 */
export function waitForValue<T>(read: () => T | Promise<T>, accept: (value: T) => boolean, opts: WaitOptions): Promise<T> {
  return poll(read, accept, opts, true);
}

async function poll<T>(read: () => T | Promise<T>, accept: (value: T) => boolean, opts: WaitOptions, showLast: boolean): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() >= deadline) {
      const last = showLast ? ` (last seen: ${describe(value)})` : '';
      const detail = opts.detail ? `\n${opts.detail()}` : '';
      throw new WaitTimeout(`timed out after ${timeoutMs} ms waiting for ${opts.what}${last}${detail}`);
    }
    await sleep(opts.intervalMs ?? 20);
  }
}

function describe(value: unknown): string {
  try {
    const s = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
    if (s === undefined) return String(value);
    return s.length > 500 ? `${s.slice(0, 500)}…` : s;
  } catch {
    return String(value);
  }
}
