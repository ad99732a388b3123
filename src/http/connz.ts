// /connz: the client connections, open and recently closed, with nats-server's query
// parameters (sort, limit, offset, subs, cid, state, auth), JSON names and 400 answers.
import type { NatsConnection } from '../nats/connection.js';
import type { NatsSubscription } from '../nats/subscription.js';
import { GLOBAL_ACCOUNT } from '../nats/server.js';
import { goDuration, goTime, natsUptime } from './format.js';
import { BadRequest, queryBool, queryInt, queryUint } from './query.js';
import { jsonResponse, type EndpointHandler, type MonitorContext } from './server.js';

/** Default page size of /connz, as in nats-server. */
export const DEFAULT_CONN_LIST_SIZE = 1024;

export type SortOption =
  | 'cid'
  | 'start'
  | 'subs'
  | 'pending'
  | 'msgs_to'
  | 'msgs_from'
  | 'bytes_to'
  | 'bytes_from'
  | 'last'
  | 'idle'
  | 'uptime'
  | 'stop'
  | 'reason'
  | 'rtt';

const SORT_OPTIONS: ReadonlySet<string> = new Set<SortOption>([
  'cid', 'start', 'subs', 'pending', 'msgs_to', 'msgs_from', 'bytes_to', 'bytes_from', 'last', 'idle', 'uptime', 'stop', 'reason', 'rtt',
]);

export type ConnState = 'open' | 'closed' | 'any';

export interface SubDetail {
  account?: string;
  account_tag?: string;
  subject: string;
  qgroup?: string;
  sid: string;
  msgs: number;
  max?: number;
  cid: number;
}

export interface ConnInfo {
  cid: number;
  kind: string;
  type: string;
  ip: string;
  port: number;
  start: string;
  last_activity: string;
  stop?: string;
  reason?: string;
  rtt: string;
  uptime: string;
  idle: string;
  pending_bytes: number;
  in_msgs: number;
  out_msgs: number;
  in_bytes: number;
  out_bytes: number;
  subscriptions: number;
  name?: string;
  lang?: string;
  version?: string;
  authorized_user?: string;
  /** The connection's account, when it is not the global one (with auth=1). */
  account?: string;
  subscriptions_list?: string[];
  subscriptions_list_detail?: SubDetail[];
  name_tag?: string;
}

export interface Connz {
  server_id: string;
  now: string;
  num_connections: number;
  total: number;
  offset: number;
  limit: number;
  /** null when an unknown account was asked for, as nats-server answers. */
  connections: ConnInfo[] | null;
}

export interface ConnzOptions {
  sort: SortOption;
  auth: boolean;
  subs: boolean;
  subsDetail: boolean;
  offset: number;
  limit: number;
  cid: number;
  state: ConnState;
  /** Only connections of this authorized user (see authorizedUser). */
  user: string | undefined;
  /** Only connections of this account (acc=). */
  account: string | undefined;
}

/** Reads the query as nats-server's HandleConnz does, in the same order (so the same error wins). */
export function parseConnzQuery(query: URLSearchParams): ConnzOptions {
  const sort = query.get('sort') ?? '';
  const auth = queryBool(query, 'auth');
  const subsDetail = (query.get('subs') ?? '').toLowerCase() === 'detail';
  const subs = subsDetail ? false : queryBool(query, 'subs');
  const offset = queryInt(query, 'offset');
  const limit = queryInt(query, 'limit');
  const cid = queryUint(query, 'cid');
  const state = parseState(query.get('state') ?? '');
  if (sort !== '' && !SORT_OPTIONS.has(sort)) throw new BadRequest(`invalid sorting option: ${sort}`);
  const sortOpt = (sort === '' ? 'cid' : sort) as SortOption;
  if (sortOpt === 'stop' && state !== 'closed') throw new BadRequest('sort by stop only valid on closed connections');
  if (sortOpt === 'reason' && state !== 'closed') throw new BadRequest('sort by reason only valid on closed connections');
  return {
    sort: sortOpt,
    auth,
    subs,
    subsDetail,
    offset: Math.max(0, offset),
    limit: cid > 0 ? 1 : limit <= 0 ? DEFAULT_CONN_LIST_SIZE : limit,
    cid,
    state,
    user: query.get('user') || undefined,
    account: query.get('acc') || undefined,
  };
}

function parseState(raw: string): ConnState {
  if (raw === '') return 'open';
  switch (raw.toLowerCase()) {
    case 'open':
      return 'open';
    case 'closed':
      return 'closed';
    case 'any':
    case 'all':
      return 'any';
  }
  throw new BadRequest(`Error decoding state for ${raw}`);
}

export function connzEndpoint(ctx: MonitorContext): EndpointHandler {
  return (query) => jsonResponse(buildConnz(ctx, parseConnzQuery(query)));
}

export function buildConnz(ctx: MonitorContext, opts: ConnzOptions): Connz {
  const { nats } = ctx;
  const now = new Date();
  if (opts.account !== undefined && !nats.accounts.has(opts.account)) {
    // nats-server answers an unknown account with an empty, id-less page.
    return { server_id: '', now: goTime(now), num_connections: 0, total: 0, offset: opts.offset, limit: opts.limit, connections: null };
  }
  const wantOpen = opts.state !== 'closed';
  const wantClosed = opts.state !== 'open';
  // nats-server counts what the state selects, before a cid filter narrows the list.
  const total = (wantOpen ? nats.connections.size : 0) + (wantClosed ? nats.closedConnections.length : 0);
  let selected: NatsConnection[];
  if (opts.cid > 0) {
    const open = wantOpen ? nats.connections.get(opts.cid) : undefined;
    const closed = open === undefined && wantClosed ? nats.closedConnections.find((c) => c.cid === opts.cid) : undefined;
    const found = open ?? closed;
    selected = found === undefined ? [] : [found];
  } else {
    selected = [];
    if (wantOpen) for (const c of nats.connections.values()) selected.push(c);
    if (wantClosed) for (const c of nats.closedConnections) selected.push(c);
  }

  if (opts.account !== undefined) selected = selected.filter((c) => c.principal.account === opts.account);
  if (opts.user !== undefined) selected = selected.filter((c) => authorizedUser(c) === opts.user);
  const rows = selected.map((conn) => ({ conn, info: connInfo(conn, now, opts) }));
  rows.sort(comparator(opts.sort, now));
  const start = Math.min(opts.offset, rows.length);
  const end = start + Math.min(opts.limit, rows.length - start);
  const connections = rows.slice(start, end).map((r) => r.info);
  return {
    server_id: nats.serverId,
    now: goTime(now),
    num_connections: connections.length,
    total,
    offset: opts.offset,
    limit: opts.limit,
    connections,
  };
}

/** The user nats-server reports for a connection (its getRawAuthUser), from CONNECT. */
function authorizedUser(conn: NatsConnection): string | undefined {
  const c = conn.connect;
  if (c.nkey) return c.nkey;
  if (c.user) return c.user;
  if (c.auth_token) return '[REDACTED]';
  return undefined;
}

function connInfo(conn: NatsConnection, now: Date, opts: ConnzOptions): ConnInfo {
  // A closed connection is reported as it was when it closed.
  const until = conn.closed && conn.stopTime !== undefined ? conn.stopTime : now;
  const info: ConnInfo = {
    cid: conn.cid,
    kind: 'Client',
    type: 'nats',
    ip: conn.ip,
    port: conn.port,
    start: goTime(conn.start),
    last_activity: goTime(conn.lastActivity),
    ...(conn.closed && conn.stopTime !== undefined ? { stop: goTime(conn.stopTime) } : {}),
    ...(conn.closed && conn.closeReason !== undefined ? { reason: conn.closeReason } : {}),
    rtt: goDuration(conn.rtt),
    uptime: natsUptime(until.getTime() - conn.start.getTime()),
    idle: natsUptime(until.getTime() - conn.lastActivity.getTime()),
    pending_bytes: conn.pendingBytes,
    in_msgs: conn.inMsgs,
    out_msgs: conn.outMsgs,
    in_bytes: conn.inBytes,
    out_bytes: conn.outBytes,
    subscriptions: conn.subscriptions.size,
  };
  // CONNECT's name, lang and version are omitted when empty, as nats-server does.
  if (typeof conn.connect.name === 'string' && conn.connect.name !== '') info.name = conn.connect.name;
  if (typeof conn.connect.lang === 'string' && conn.connect.lang !== '') info.lang = conn.connect.lang;
  if (typeof conn.connect.version === 'string' && conn.connect.version !== '') info.version = conn.connect.version;
  // With auth=1 nats-server names the user and, when it is not the global one, the account.
  if (opts.auth) {
    const user = authorizedUser(conn);
    if (user !== undefined) info.authorized_user = user;
    if (conn.principal.account !== GLOBAL_ACCOUNT) info.account = conn.principal.account;
  }
  if (conn.subscriptions.size > 0) {
    if (opts.subsDetail) info.subscriptions_list_detail = [...conn.subscriptions.values()].map((s) => subDetail(s, undefined));
    else if (opts.subs) info.subscriptions_list = [...conn.subscriptions.values()].map((s) => s.subject);
  }
  // And the name tag of an open connection's account.
  if (opts.auth && !conn.closed) info.name_tag = conn.principal.account;
  return info;
}

/** One subscription as nats-server's SubDetail; /subsz adds the account. */
export function subDetail(sub: NatsSubscription, account: string | undefined): SubDetail {
  return {
    ...(account !== undefined ? { account, account_tag: account } : {}),
    subject: sub.subject,
    ...(sub.queue !== undefined && sub.queue !== '' ? { qgroup: sub.queue } : {}),
    sid: sub.sid,
    msgs: sub.delivered,
    ...(sub.max > 0 ? { max: sub.max } : {}),
    cid: sub.owner.cid,
  };
}

interface Row {
  conn: NatsConnection;
  info: ConnInfo;
}

/**
 * The order of each sort option, as nats-server sorts: ascending by cid/start, uptime and
 * reason, descending by everything else. Ties keep cid order.
 */
function comparator(sort: SortOption, now: Date): (a: Row, b: Row) => number {
  const byCid = (a: Row, b: Row) => a.conn.cid - b.conn.cid;
  const desc = (key: (c: NatsConnection) => number) => (a: Row, b: Row) => key(b.conn) - key(a.conn) || byCid(a, b);
  const asc = (key: (c: NatsConnection) => number) => (a: Row, b: Row) => key(a.conn) - key(b.conn) || byCid(a, b);
  switch (sort) {
    case 'cid':
    case 'start':
      return byCid;
    case 'subs':
      return desc((c) => c.subscriptions.size);
    case 'pending':
      return desc((c) => c.pendingBytes);
    case 'msgs_to':
      return desc((c) => c.outMsgs);
    case 'msgs_from':
      return desc((c) => c.inMsgs);
    case 'bytes_to':
      return desc((c) => c.outBytes);
    case 'bytes_from':
      return desc((c) => c.inBytes);
    case 'last':
      return desc((c) => c.lastActivity.getTime());
    case 'idle':
      return desc((c) => now.getTime() - c.lastActivity.getTime());
    case 'uptime':
      return asc((c) => (c.stopTime ?? now).getTime() - c.start.getTime());
    case 'stop':
      return desc((c) => c.stopTime?.getTime() ?? 0);
    case 'reason':
      return (a, b) => compareStrings(a.conn.closeReason ?? '', b.conn.closeReason ?? '') || byCid(a, b);
    case 'rtt':
      return desc((c) => c.rtt);
  }
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
