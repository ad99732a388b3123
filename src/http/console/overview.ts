// GET /console/api/overview: the first page of the console. Version, uptime, listeners,
// connections per protocol, cumulative traffic counters (the app samples them for its rates
// and live chart), storage used, health (offline partitions), and the counts the overview
// links from (topics, groups, streams, transactions, slow consumers).
import { CpuSampler } from '../varz.js';
import { listenerInfos } from '../urls.js';
import type { MonitorContext } from '../server.js';
import type { Overview, TrafficTotals } from './types.js';

export function overviewHandler(ctx: MonitorContext): () => Overview {
  const cpu = new CpuSampler();
  return () => {
    const { nats, log, coordinators } = ctx;
    const kafka = ctx.kafka ?? null;
    const now = Date.now();
    const t = nats.totals();
    const totals: TrafficTotals = {
      natsMsgsIn: t.inMsgs,
      natsMsgsOut: t.outMsgs,
      natsBytesIn: t.inBytes,
      natsBytesOut: t.outBytes,
      kafkaBytesIn: kafka?.stats.bytesIn ?? 0,
      kafkaBytesOut: kafka?.stats.bytesOut ?? 0,
      kafkaRequests: kafka?.stats.requests ?? 0,
      logBytesIn: 0,
      logRecordsIn: 0,
      logBytesOut: 0,
      logRecordsOut: 0,
    };
    let usedBytes = 0;
    let partitions = 0;
    let topics = 0;
    const offline: string[] = [];
    for (const info of log.listTopics()) {
      if (!info.internal) topics++;
      for (let i = 0; i < info.partitions; i++) {
        let p;
        try {
          p = log.partition(info.name, i);
        } catch {
          offline.push(`${info.name}-${i}`);
          continue;
        }
        partitions++;
        if (!p.online) offline.push(`${info.name}-${i}`);
        usedBytes += p.sizeBytes;
        if (info.internal) continue;
        totals.logBytesIn += p.traffic.appendedBytes;
        totals.logRecordsIn += p.highWatermark;
        totals.logBytesOut += p.traffic.readBytes;
        totals.logRecordsOut += p.traffic.readOffsets;
      }
    }
    const mem = process.memoryUsage();
    const opts = ctx.nats.options;
    return {
      version: ctx.version ?? '',
      serverId: nats.serverId,
      serverName: nats.serverName,
      clusterId: log.clusterId,
      startedAt: ctx.startedAt.getTime(),
      now,
      uptimeMs: now - ctx.startedAt.getTime(),
      listeners: listenerInfos({
        nats: { host: opts.host, port: nats.port },
        kafka: kafka === null ? [] : kafka.addresses,
        http: { host: ctx.options.host, port: ctx.httpPort, tls: ctx.options.tls },
      }),
      connections: { nats: nats.connections.size, kafka: kafka?.connectionCount ?? 0 },
      totals,
      storage: { engine: ctx.storageEngine ?? '', location: log.storageLocation, usedBytes, topics, partitions, fsync: ctx.fsyncPolicy ?? '' },
      health: { status: offline.length === 0 ? 'ok' : 'degraded', offlinePartitions: offline },
      counts: {
        topics,
        groups: coordinators?.groups.listGroups().length ?? 0,
        streams: ctx.jetstream?.context.streams.all().length ?? 0,
        openTransactions: coordinators?.transactions.list({ states: ['Ongoing', 'PrepareCommit', 'PrepareAbort'] }).length ?? 0,
        slowConsumers: nats.slowConsumers,
        subscriptions: ctx.router.subscriptions.size,
      },
      process: { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, cpuPercent: cpu.read() },
      jetstream: ctx.jetstream != null,
    };
  };
}
