// What a fault is to the harness: something done to the broker while a workload runs (and
// possibly before the broker starts: its environment, where its data lives), healed before the
// checker reads everything back. Each fault draws its schedule from the round's seed.
import type { Rng } from '../rng.js';
import type { LaunchTweaks, Target, TargetKind } from '../targets/target.js';

export interface FaultContext {
  target: Target;
  rng: Rng;
  /** How long the workload runs: the fault acts within this window. */
  durationMs: number;
  /** Set when the workload's window is over: a fault loop stops its next disruption. */
  stopped(): boolean;
  log(line: string): void;
}

export interface Fault {
  readonly name: string;
  /** Why this fault cannot be applied to a target of this kind, or undefined when it can. */
  unsupported(kind: TargetKind): string | undefined;
  /** Before the broker's first start: set its environment or data location. */
  prepare?(tweaks: LaunchTweaks, rng: Rng): Promise<void>;
  /** During the workload: disrupt (and heal) until ctx.stopped(). */
  run(ctx: FaultContext): Promise<void>;
  /** After the workload: leave the broker serving, whatever state the last disruption left. */
  heal(ctx: FaultContext): Promise<void>;
  /** After the round: undo what prepare() set up (unmount a tmpfs). */
  cleanup?(): Promise<void>;
  /**
   * The fault destroys bytes the broker had acknowledged (a bit flip in a sealed segment): lost
   * records are then allowed, corrupt ones served never are.
   */
  readonly destroysData?: boolean;
  /** Counters of what the fault did (kills, pauses, files changed), for the notes. */
  summary(): string;
  /** The broker exited by itself during the fault (heal() restarted it): a failure for Wharf. */
  brokerExited?(): boolean;
}

/** Sleeps up to `ms`, returning early when `stopped()` turns true. */
export async function nap(ms: number, stopped: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end && !stopped()) await new Promise((r) => setTimeout(r, Math.min(50, end - Date.now())));
}

/** Kills the broker with SIGKILL (after SIGCONT, so a paused one dies too) and waits for its exit. */
export async function killHard(target: Target): Promise<void> {
  if (!target.running()) return;
  target.signal('SIGKILL');
  target.signal('SIGCONT');
  await target.exited();
}

/** Restarts the broker if it is not running. */
export async function ensureRunning(target: Target): Promise<void> {
  if (!target.running()) await target.start();
}
