// The workloads, faults and targets by name, with the timings of the short and the long form.
import { clockJumpFault } from './faults/clock-jump.js';
import { corruptFault } from './faults/corrupt.js';
import { diskFullFault } from './faults/disk-full.js';
import type { Fault } from './faults/fault.js';
import { killFault } from './faults/kill.js';
import { noFault } from './faults/none.js';
import { pauseFault } from './faults/pause.js';
import { powerLossFault } from './faults/power-loss.js';
import { slowFsyncFault } from './faults/slow-fsync.js';
import { kafkaTarget } from './targets/kafka.js';
import { natsServerTarget } from './targets/nats-server.js';
import type { LaunchTweaks, Target } from './targets/target.js';
import { wharfTarget } from './targets/wharf.js';
import { crossProtocolWorkload } from './workloads/cross-protocol.js';
import { jetstreamWorkload } from './workloads/jetstream.js';
import { kafkaQueueWorkload } from './workloads/kafka-queue.js';
import { kafkaRpwWorkload } from './workloads/kafka-rpw.js';
import { kafkaTxnWorkload } from './workloads/kafka-txn.js';
import { kvWorkload } from './workloads/kv.js';
import { natsCoreWorkload } from './workloads/nats-core.js';
import type { Workload } from './workloads/workload.js';

export const WORKLOADS: Record<string, () => Workload> = {
  'kafka-queue': kafkaQueueWorkload,
  'kafka-txn': kafkaTxnWorkload,
  'kafka-rpw': kafkaRpwWorkload,
  'nats-core': natsCoreWorkload,
  jetstream: jetstreamWorkload,
  kv: kvWorkload,
  'cross-protocol': crossProtocolWorkload,
};

/** Faults scaled to the round's window: a few disruptions per round. */
export function faultsFor(durationMs: number): Record<string, () => Fault> {
  const every = Math.max(1_000, Math.floor(durationMs / 3));
  return {
    none: noFault,
    'kill-9': () => killFault(every),
    pause: () => pauseFault(Math.min(8_000, Math.max(1_500, Math.floor(durationMs / 4)))),
    'disk-full': () => diskFullFault(96, Math.max(1_000, Math.floor(durationMs / 4))),
    'torn-tail': () => corruptFault('torn-tail', every),
    'bit-flip': () => corruptFault('bit-flip', every),
    index: () => corruptFault('index', every),
    'power-loss': () => powerLossFault(every),
    'clock-jump': () => clockJumpFault(every, 7_200),
    'slow-fsync': () => slowFsyncFault(40),
  };
}

export const TARGETS: Record<string, (tweaks: LaunchTweaks) => Promise<Target>> = {
  wharf: (t) => wharfTarget(t),
  kafka: (t) => kafkaTarget(t),
  'nats-server': (t) => natsServerTarget(t),
};
