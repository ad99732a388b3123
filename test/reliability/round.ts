// One round: a fresh broker (prepared by the fault), the workload's setup, traffic while the
// fault acts, the fault healed, the checker's read-back, everything torn down. Every step is
// bounded in time, so a stuck broker fails the round instead of hanging the run.
import type { Fault } from './faults/fault.js';
import { emptyOutcome, type Outcome } from './outcome.js';
import { Rng } from './rng.js';
import type { LaunchTweaks, Target } from './targets/target.js';
import { within, type Workload, type WorkloadContext } from './workloads/workload.js';

export interface RoundSpec {
  workload: Workload;
  fault: Fault;
  targetName: string;
  makeTarget: (tweaks: LaunchTweaks) => Promise<Target>;
  seed: number;
  durationMs: number;
  verbose: boolean;
}

export async function runRound(spec: RoundSpec): Promise<Outcome> {
  const out = emptyOutcome(spec.workload.name, spec.fault.name, spec.targetName, spec.seed);
  const t0 = Date.now();
  const rng = new Rng(spec.seed);
  const tweaks: LaunchTweaks = { env: {} };
  let target: Target | undefined;
  let stop = false;
  const log = (line: string) => {
    if (spec.verbose) process.stderr.write(`[reliability] ${spec.workload.name}/${spec.fault.name}/${spec.targetName}#${spec.seed}: ${line}\n`);
  };
  try {
    try {
      await spec.fault.prepare?.(tweaks, rng.fork('prepare'));
    } catch (err) {
      // The machine cannot provide the fault (no mount permission, no C compiler): say so.
      out.skipped = `${spec.fault.name} cannot be prepared here: ${(err as Error).message.split('\n')[0]}`;
      return out;
    }
    target = await spec.makeTarget(tweaks);
    const why = spec.fault.unsupported(target.kind) ?? spec.workload.unsupported(target);
    if (why) {
      out.skipped = why;
      return out;
    }
    await target.start();
    const ctx: WorkloadContext = { target, rng: rng.fork('workload'), stopped: () => stop, log, tag: `${spec.seed.toString(36)}${Date.now().toString(36).slice(-4)}` };
    const fctx = { target, rng: rng.fork('fault'), durationMs: spec.durationMs, stopped: () => stop, log };
    await within(spec.workload.setup(ctx), 60_000, 'workload setup');
    const traffic = spec.workload.run(ctx).catch((e: Error) => void out.violations.push(`workload failed: ${e.message}`));
    const faults = spec.fault.run(fctx).catch((e: Error) => void out.violations.push(`fault failed: ${e.message}`));
    await new Promise((r) => setTimeout(r, spec.durationMs));
    stop = true;
    await within(faults, 120_000, 'the fault loop to end');
    await within(spec.fault.heal(fctx), 120_000, 'healing the fault');
    if (spec.fault.brokerExited?.()) {
      const what = `the broker exited during ${spec.fault.name}`;
      if (target.kind === 'wharf') out.violations.push(what);
      else out.allowed.push(`${what} (the reference's own behaviour; Kafka stops when its only log directory fails)`);
    }
    await within(traffic, 120_000, 'the workload to stop');
    await within(spec.workload.check(ctx, out, spec.fault.destroysData === true), 240_000, 'the checker');
    const s = spec.fault.summary();
    if (s) out.notes.push(s);
    if (!target.running()) out.violations.push(`the broker is not running after the round:\n${target.output()}`);
  } catch (err) {
    out.violations.push(`round failed: ${(err as Error).message}${target ? `\n--- broker output ---\n${target.output().slice(-3000)}` : ''}`);
  } finally {
    stop = true;
    await spec.workload.close().catch(() => undefined);
    await target?.destroy().catch(() => undefined);
    await spec.fault.cleanup?.().catch(() => undefined);
    out.durationMs = Date.now() - t0;
  }
  return out;
}
