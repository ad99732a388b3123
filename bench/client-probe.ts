// A probe of the Kafka requests a process sends through @platformatic/kafka, for explaining
// latency figures (docs/streams.md, Performance): loaded before an application with
// `node --import ./dist/bench/client-probe.js app.js`, it listens to the client's diagnostics
// channel of requests (plt:kafka:connections:api) and, when the process exits, writes to
// $WHARF_PROBE_OUT (%p: the process id) one JSON object: per API key and client id the request count, total, p50, p99
// and max duration, the error count, and a timeline of the requests slower than
// $WHARF_PROBE_SLOW_MS (default 500 ms). It changes nothing in the client.
//
//   WHARF_BENCH_NODE_FLAGS="--import $PWD/dist/bench/client-probe.js" WHARF_PROBE_OUT=/tmp/probe.json \
//     node dist/bench/streams.js --pairs 1 --sides ts --brokers kafka --topologies wordcount --guarantees exactly_once_v2
import { channel as simpleChannel, tracingChannel } from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';

interface RequestContext {
  operationId: bigint;
  apiKey: number;
  apiVersion: number;
  connection?: { ownerId?: number };
  error?: unknown;
}

const API_NAMES: Record<number, string> = {
  0: 'Produce', 1: 'Fetch', 2: 'ListOffsets', 3: 'Metadata', 8: 'OffsetCommit', 9: 'OffsetFetch', 10: 'FindCoordinator',
  11: 'JoinGroup', 12: 'Heartbeat', 13: 'LeaveGroup', 14: 'SyncGroup', 18: 'ApiVersions', 19: 'CreateTopics', 21: 'DeleteRecords',
  22: 'InitProducerId', 24: 'AddPartitionsToTxn', 25: 'AddOffsetsToTxn', 26: 'EndTxn', 28: 'TxnOffsetCommit', 32: 'DescribeConfigs',
};

const out = process.env.WHARF_PROBE_OUT?.replace('%p', String(process.pid));
/** Client ids by client instance (a connection names its owner by instance id). */
const clients = new Map<number, string>();
const slowMs = Number(process.env.WHARF_PROBE_SLOW_MS ?? 500);
const t0 = performance.now();
const started = new Map<bigint, number>();
const durations = new Map<string, number[]>();
const errors = new Map<string, number>();
const slow: Array<{ atMs: number; api: string; client: string; ms: number; error?: string }> = [];

function clientOf(c: RequestContext): string {
  return clients.get(c.connection?.ownerId ?? -1) ?? '?';
}

function keyOf(c: RequestContext): string {
  return `${API_NAMES[c.apiKey] ?? c.apiKey} v${c.apiVersion} ${clientOf(c)}`;
}

function finish(c: RequestContext): void {
  const begin = started.get(c.operationId);
  if (begin === undefined) return;
  started.delete(c.operationId);
  const now = performance.now();
  const ms = now - begin;
  const key = keyOf(c);
  let list = durations.get(key);
  if (!list) durations.set(key, (list = []));
  list.push(ms);
  const error = c.error === undefined ? undefined : String((c.error as Error).message ?? c.error).slice(0, 200);
  if (error !== undefined) errors.set(key, (errors.get(key) ?? 0) + 1);
  if (ms >= slowMs) slow.push({ atMs: Math.round(begin - t0), api: key, client: clientOf(c), ms: Math.round(ms), ...(error !== undefined ? { error } : {}) });
}

if (out) {
  simpleChannel('plt:kafka:instances').subscribe((m) => {
    const { type, instance } = m as { type: string; instance: { instanceId?: number; clientId?: string } };
    if (type !== 'connection' && instance.instanceId !== undefined) clients.set(instance.instanceId, `${type}:${instance.clientId ?? '?'}`);
  });
  const channel = tracingChannel<unknown, RequestContext>('plt:kafka:connections:api');
  channel.subscribe({
    start: (c) => void started.set(c.operationId, performance.now()),
    end: () => undefined,
    asyncStart: () => undefined,
    asyncEnd: (c) => finish(c),
    error: (c) => finish(c),
  });
  process.on('exit', () => {
    const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;
    const requests = [...durations.entries()].sort().map(([key, xs]) => {
      const s = [...xs].sort((a, b) => a - b);
      return { key, count: s.length, totalMs: Math.round(s.reduce((a, b) => a + b, 0)), p50Ms: +pct(s, 50).toFixed(1), p99Ms: +pct(s, 99).toFixed(1), maxMs: +(s[s.length - 1] ?? NaN).toFixed(1), errors: errors.get(key) ?? 0 };
    });
    writeFileSync(out, JSON.stringify({ pid: process.pid, argv: process.argv.slice(2), runMs: Math.round(performance.now() - t0), requests, slow }, null, 1));
  });
}
