// The console's NATS page: connections as /connz lists them (the same query parameters: sort,
// state, cid, offset, limit; plus a text filter on name, address, language and subjects),
// subscriptions as /subsz, and slow consumers (the count since start, recent ones from the
// closed-connections ring, and open connections with bytes pending now). It reads only what
// /connz and /subsz read: the NATS server's connection registry and the core's sublist.
// nats-server's monitoring has no per-user view (its per-account views are the system
// account's $SYS.REQ.ACCOUNT.<account>.CONNZ requests); the console follows those: a user with
// DESCRIBE on the cluster (every user when ACLs are off) sees every account, any other user the
// connections and subscriptions of its own NATS account only, and a Kafka-only user none.
import type { NatsConnection } from '../../nats/connection.js';
import { parseConnzQuery } from '../connz.js';
import type { MonitorContext } from '../server.js';
import type { ConsoleAccess } from './access.js';
import { queryNumber, type ApiRoute } from './http.js';
import type { NatsConnectionRow, NatsConnectionsResult, NatsSubscriptionRow, NatsSubscriptionsResult, SlowConsumersResult } from './types.js';

function row(c: NatsConnection, now: number): NatsConnectionRow {
  const until = c.stopTime?.getTime() ?? now;
  const connect = c.connect;
  return {
    cid: c.cid,
    name: typeof connect.name === 'string' ? connect.name : '',
    ip: c.ip,
    port: c.port,
    lang: typeof connect.lang === 'string' ? connect.lang : '',
    version: typeof connect.version === 'string' ? connect.version : '',
    start: c.start.getTime(),
    lastActivity: c.lastActivity.getTime(),
    uptimeMs: until - c.start.getTime(),
    rttMs: c.rtt / 1_000_000,
    pendingBytes: c.pendingBytes,
    inMsgs: c.inMsgs,
    outMsgs: c.outMsgs,
    inBytes: c.inBytes,
    outBytes: c.outBytes,
    subscriptions: c.subscriptions.size,
    subjects: [...c.subscriptions.values()].slice(0, 50).map((s) => s.subject),
    closed: c.closed,
    reason: c.closeReason ?? null,
    stop: c.stopTime?.getTime() ?? null,
  };
}

type SortKey = (r: NatsConnectionRow) => number;
/** /connz's sort options and their directions (ascending for cid, start and uptime). */
const SORTS: Record<string, [SortKey, 1 | -1]> = {
  cid: [(r) => r.cid, 1],
  start: [(r) => r.start, 1],
  subs: [(r) => r.subscriptions, -1],
  pending: [(r) => r.pendingBytes, -1],
  msgs_to: [(r) => r.outMsgs, -1],
  msgs_from: [(r) => r.inMsgs, -1],
  bytes_to: [(r) => r.outBytes, -1],
  bytes_from: [(r) => r.inBytes, -1],
  last: [(r) => r.lastActivity, -1],
  idle: [(r) => -r.lastActivity, -1],
  uptime: [(r) => r.uptimeMs, 1],
  stop: [(r) => r.stop ?? 0, -1],
  rtt: [(r) => r.rttMs, -1],
};

function matches(r: NatsConnectionRow, filter: string): boolean {
  if (filter === '') return true;
  const f = filter.toLowerCase();
  return [r.name, r.ip, `${r.ip}:${r.port}`, r.lang, String(r.cid), ...r.subjects].some((s) => s.toLowerCase().includes(f));
}

/** Which connections the user may see: every one, or those of its NATS account. */
function visibility(access: ConsoleAccess): (c: NatsConnection) => boolean {
  const scope = access.natsAccounts();
  if (scope === 'all') return () => true;
  if (scope === null) return () => false;
  return (c) => c.principal.account === scope;
}

export function natsRoutes(ctx: MonitorContext): ApiRoute[] {
  const nats = ctx.nats;
  return [
    {
      method: 'GET',
      path: '/nats/connections',
      handle: ({ query, access }): NatsConnectionsResult => {
        // /connz's own parser: the same names and the same 400s for bad values.
        const opts = parseConnzQuery(query);
        const visible = visibility(access);
        const now = Date.now();
        const all: NatsConnection[] = [];
        if (opts.state !== 'closed') all.push(...nats.connections.values());
        if (opts.state !== 'open') all.push(...nats.closedConnections);
        const filter = query.get('filter') ?? '';
        let rows = all.filter((c) => visible(c) && (opts.cid === 0 || c.cid === opts.cid)).map((c) => row(c, now)).filter((r) => matches(r, filter));
        const [key, dir] = SORTS[opts.sort] ?? SORTS['cid']!;
        rows = rows.sort((a, b) => dir * (key(a) - key(b)) || a.cid - b.cid);
        if (opts.sort === 'reason') rows.sort((a, b) => (a.reason ?? '').localeCompare(b.reason ?? '') || a.cid - b.cid);
        const limit = queryNumber(query, 'limit', 200, 1, 10_000);
        return { total: rows.length, connections: rows.slice(opts.offset, opts.offset + limit) };
      },
    },
    {
      method: 'GET',
      path: '/nats/subscriptions',
      handle: ({ query, access }): NatsSubscriptionsResult => {
        const visible = visibility(access);
        const filter = (query.get('filter') ?? '').toLowerCase();
        const limit = queryNumber(query, 'limit', 500, 1, 10_000);
        const rows: NatsSubscriptionRow[] = [];
        let total = 0;
        // From the connections, not one router's sublist: every account has its own.
        const visibleSubs = [...nats.connections.values()].filter(visible).flatMap((c) => [...c.subscriptions.values()]);
        for (const s of visibleSubs) {
          if (filter !== '' && !s.subject.toLowerCase().includes(filter) && !(s.queue ?? '').toLowerCase().includes(filter)) continue;
          total++;
          if (rows.length < limit) rows.push({ subject: s.subject, queue: s.queue !== undefined && s.queue !== '' ? s.queue : null, sid: s.sid, cid: s.owner.cid, msgs: s.delivered, max: s.max > 0 ? s.max : null });
        }
        const st = ctx.router.subscriptions.stats();
        return { total, subscriptions: rows, stats: { subscriptions: st.subscriptions, cacheEntries: st.cacheEntries, matches: st.matches, cacheHitRate: st.matches > 0 ? st.cacheHits / st.matches : 0 } };
      },
    },
    {
      method: 'GET',
      path: '/nats/slow-consumers',
      handle: ({ access }): SlowConsumersResult => {
        const visible = visibility(access);
        const now = Date.now();
        const recent = nats.closedConnections.filter((c) => visible(c) && (c.closeReason ?? '').startsWith('Slow Consumer')).slice(-100).reverse().map((c) => row(c, now));
        const pending = [...nats.connections.values()].filter((c) => visible(c) && c.pendingBytes > 0).map((c) => row(c, now)).sort((a, b) => b.pendingBytes - a.pendingBytes).slice(0, 100);
        return { total: nats.slowConsumers, recent, pending };
      },
    },
  ];
}
