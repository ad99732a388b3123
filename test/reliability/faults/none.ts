// The baseline: no fault. A workload that fails here has a bug no fault is needed to show.
import type { Fault } from './fault.js';

export function noFault(): Fault {
  return {
    name: 'none',
    unsupported: () => undefined,
    run: async () => undefined,
    heal: async () => undefined,
    summary: () => '',
  };
}
