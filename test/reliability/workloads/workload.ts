// What a workload is to the harness: it sets up its topics or streams, generates traffic until
// the fault window closes (recording what it attempted and what the broker acknowledged), and
// then, with the broker healed, reads everything back and fills in the round's outcome.
import type { Outcome } from '../outcome.js';
import type { Rng } from '../rng.js';
import type { Target } from '../targets/target.js';

export interface WorkloadContext {
  target: Target;
  rng: Rng;
  /** True once the traffic window is over. */
  stopped(): boolean;
  log(line: string): void;
  /** A short unique suffix for names (topics, streams, groups) of this round. */
  tag: string;
}

export interface Workload {
  readonly name: string;
  /** Why the workload cannot run against this target, or undefined. */
  unsupported(target: Target): string | undefined;
  setup(ctx: WorkloadContext): Promise<void>;
  /** Generates traffic until ctx.stopped(); errors of single operations are recorded, not thrown. */
  run(ctx: WorkloadContext): Promise<void>;
  /** Reads back and checks; `destroysData`: the fault destroyed acknowledged bytes (losses allowed). */
  check(ctx: WorkloadContext, out: Outcome, destroysData: boolean): Promise<void>;
  close(): Promise<void>;
}

/** Port of a host:port address. */
export function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(':') + 1));
}

/** Races a promise against a timeout, rejecting with `what` when it runs out. */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`${what}: no answer in ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Retries `fn` until it succeeds or `ms` pass (the broker may still be recovering). */
export async function retrying<T>(fn: () => Promise<T>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return await fn();
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`${what}: ${last instanceof Error ? last.message : String(last)}`);
}
