// CPU time per message of a broker process, beside every rate (issue 15): the broker's user +
// system time (utime+stime of /proc/PID/stat) over one run of a load tool, divided by the
// messages the rate counts. Rates on a shared machine swing with what the clients get of the
// cores; the work the broker does per message does not, so this is the steadier comparison.
import * as load from './load.js';
import type { RowDef } from './pairs.js';

/** The companion row of a rate row: `<key>Cpu`, µs of broker CPU per message, out of the chart. */
export function cpuRow(rate: RowDef, per = 'message'): RowDef {
  return { key: `${rate.key}Cpu`, label: `${rate.label}: broker CPU per ${per}`, short: `${rate.short ?? rate.label}: CPU/msg`, unit: `µs CPU/${per === 'message' ? 'msg' : per}`, higherIsBetter: false, chart: false };
}

/** CPU seconds the process has used so far; throws when it is gone (the run would be meaningless). */
export function brokerCpuSeconds(pid: number): number {
  const t = load.cpuSeconds(pid);
  if (t === undefined) throw new Error(`broker process ${pid} is gone`);
  return t;
}

/**
 * Runs `run` and returns its result with the broker's CPU µs per message over it, `messages`
 * being what the rate counts (from the result: delivered, published, requests).
 */
export async function withBrokerCpu<T>(pid: number, run: () => Promise<T>, messages: (result: T) => number): Promise<{ result: T; cpuPerMsg: number }> {
  const c0 = brokerCpuSeconds(pid);
  const result = await run();
  const c1 = brokerCpuSeconds(pid);
  return { result, cpuPerMsg: ((c1 - c0) / messages(result)) * 1e6 };
}
