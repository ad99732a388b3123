// /varz: general information about the server, its limits and its counters, with the fields,
// JSON names and JSON types of nats-server's Varz. prometheus-nats-exporter turns every numeric
// top-level field into a gauge, so every numeric field nats-server emits is emitted here too.
import { availableParallelism } from 'node:os';
import { NATS_COMPAT_VERSION } from '../nats/server.js';
import { goTime, msToNanos, natsUptime } from './format.js';
import { jsonResponse, type EndpointHandler, type MonitorContext } from './server.js';

/** Connection counts by kind, the shape of slow_consumer_stats and stale_connection_stats. */
export interface KindCounts {
  clients: number;
  routes: number;
  gateways: number;
  leafs: number;
}

export interface Varz {
  server_id: string;
  server_name: string;
  version: string;
  proto: number;
  go: string;
  host: string;
  port: number;
  auth_required?: boolean;
  max_connections: number;
  max_subscriptions?: number;
  /** Nanoseconds (a Go time.Duration marshals as an integer). */
  ping_interval: number;
  ping_max: number;
  http_host: string;
  http_port: number;
  http_base_path: string;
  https_port: number;
  /** Seconds. */
  auth_timeout: number;
  max_control_line: number;
  max_payload: number;
  max_pending: number;
  cluster: Record<string, never>;
  gateway: Record<string, never>;
  leaf: Record<string, never>;
  mqtt: Record<string, never>;
  websocket: Record<string, never>;
  jetstream: Record<string, never>;
  /** Seconds. */
  tls_timeout: number;
  /** Nanoseconds. */
  write_deadline: number;
  start: string;
  now: string;
  uptime: string;
  mem: number;
  cores: number;
  gomaxprocs: number;
  cpu: number;
  connections: number;
  total_connections: number;
  routes: number;
  remotes: number;
  leafnodes: number;
  in_msgs: number;
  in_bytes: number;
  in_client_msgs: number;
  in_client_bytes: number;
  out_msgs: number;
  out_bytes: number;
  out_client_msgs: number;
  out_client_bytes: number;
  slow_consumers: number;
  stale_connections: number;
  stalled_clients: number;
  subscriptions: number;
  http_req_stats: Record<string, number>;
  config_load_time: string;
  config_digest: string;
  slow_consumer_stats: KindCounts;
  stale_connection_stats: KindCounts;
  disk_io_wait_stats: { waiters: number; waits: number; wait_time: number; max_wait_time: number };
}

/** Process CPU use in percent, averaged over the time since the previous sample (at least 1 s). */
export class CpuSampler {
  private at = process.hrtime.bigint();
  private usage = process.cpuUsage();
  private percent = 0;
  private sampled = false;

  read(): number {
    const now = process.hrtime.bigint();
    const elapsedUs = Number(now - this.at) / 1_000;
    if (this.sampled && elapsedUs < 1_000_000) return this.percent;
    const usage = process.cpuUsage();
    const busyUs = usage.user - this.usage.user + (usage.system - this.usage.system);
    this.percent = elapsedUs > 0 ? Math.round((busyUs / elapsedUs) * 10_000) / 100 : 0;
    this.at = now;
    this.usage = usage;
    this.sampled = true;
    return this.percent;
  }
}

export function varzEndpoint(ctx: MonitorContext): EndpointHandler {
  const cpu = new CpuSampler();
  return () => jsonResponse(buildVarz(ctx, cpu.read()));
}

export function buildVarz(ctx: MonitorContext, cpuPercent: number): Varz {
  const nats = ctx.nats;
  const o = nats.options;
  const now = new Date();
  const totals = nats.totals();
  const stale = nats.staleConnections;
  const kindCounts = (clients: number): KindCounts => ({ clients, routes: 0, gateways: 0, leafs: 0 });
  const varz: Varz = {
    server_id: nats.serverId,
    server_name: nats.serverName,
    version: NATS_COMPAT_VERSION,
    proto: 1,
    go: `node${process.versions.node}`,
    host: o.host,
    port: nats.port,
    ...(nats.authenticator !== null ? { auth_required: true } : {}),
    max_connections: o.maxConnections,
    ...(o.maxSubscriptions > 0 ? { max_subscriptions: o.maxSubscriptions } : {}),
    ping_interval: msToNanos(o.pingInterval),
    ping_max: o.maxPingsOut,
    http_host: ctx.options.host,
    http_port: ctx.httpPort,
    http_base_path: '',
    https_port: 0,
    auth_timeout: o.authTimeout / 1_000,
    max_control_line: o.maxControlLine,
    max_payload: o.maxPayload,
    max_pending: o.maxPending,
    cluster: {},
    gateway: {},
    leaf: {},
    mqtt: {},
    websocket: {},
    jetstream: {},
    tls_timeout: 0, // no TLS listener yet
    write_deadline: msToNanos(o.writeDeadline),
    start: goTime(ctx.startedAt),
    now: goTime(now),
    uptime: natsUptime(now.getTime() - ctx.startedAt.getTime()),
    mem: process.memoryUsage.rss(),
    cores: availableParallelism(),
    gomaxprocs: 1, // one event loop runs the data path
    cpu: cpuPercent,
    connections: nats.connections.size,
    total_connections: totals.totalConnections,
    routes: 0,
    remotes: 0,
    leafnodes: 0,
    in_msgs: totals.inMsgs,
    in_bytes: totals.inBytes,
    in_client_msgs: totals.inMsgs,
    in_client_bytes: totals.inBytes,
    out_msgs: totals.outMsgs,
    out_bytes: totals.outBytes,
    out_client_msgs: totals.outMsgs,
    out_client_bytes: totals.outBytes,
    slow_consumers: nats.slowConsumers,
    stale_connections: stale,
    stalled_clients: nats.stalls,
    subscriptions: ctx.router.subscriptions.size,
    http_req_stats: Object.fromEntries(ctx.httpReqStats),
    config_load_time: goTime(ctx.configLoadedAt?.() ?? ctx.startedAt),
    config_digest: '',
    slow_consumer_stats: kindCounts(nats.slowConsumers),
    stale_connection_stats: kindCounts(stale),
    disk_io_wait_stats: { waiters: 0, waits: 0, wait_time: 0, max_wait_time: 0 },
  };
  return varz;
}
