// /accountz and /accstatz: nats-server's account endpoints, answered for the one account Wharf
// has, the global account $G (no accounts are configured yet and there is no system account,
// so `system_account` is omitted as Go's omitempty does). The shapes were read off nats-server
// v2.15.2: /accountz lists the accounts, ?acc=$G gives its detail (an unknown account is a 400
// "Account X does not exist"); /accstatz lists the accounts with connections (all with
// unused=true, or those named by accounts=a,b), with traffic sent and received.
import { GLOBAL_ACCOUNT } from '../nats/server.js';
import { goTime } from './format.js';
import { BadRequest, queryBool } from './query.js';
import { jsonResponse, type EndpointHandler, type MonitorContext } from './server.js';

interface DataStats {
  msgs: number;
  bytes: number;
}

interface MsgBytes extends DataStats {
  gateways: DataStats;
  routes: DataStats;
  leafs: DataStats;
}

export interface AccountStat {
  acc: string;
  name: string;
  conns: number;
  leafnodes: number;
  total_conns: number;
  num_subscriptions: number;
  sent: MsgBytes;
  received: MsgBytes;
  slow_consumers: number;
}

const none = (): DataStats => ({ msgs: 0, bytes: 0 });
const msgBytes = (msgs: number, bytes: number): MsgBytes => ({ msgs, bytes, gateways: none(), routes: none(), leafs: none() });

export function accountzEndpoint(ctx: MonitorContext): EndpointHandler {
  return (query) => {
    const acc = query.get('acc') ?? '';
    const base = { server_id: ctx.nats.serverId, now: goTime(new Date()) };
    if (acc === '') return jsonResponse({ ...base, accounts: [GLOBAL_ACCOUNT] });
    if (acc !== GLOBAL_ACCOUNT) throw new BadRequest(`Account ${acc} does not exist`);
    const stats = ctx.router.subscriptions.stats();
    const fanout = ctx.router.subscriptions.cacheFanout();
    return jsonResponse({
      ...base,
      account_detail: {
        account_name: GLOBAL_ACCOUNT,
        update_time: goTime(ctx.startedAt),
        expired: false,
        complete: true,
        jetstream_enabled: ctx.jetstream != null,
        leafnode_connections: 0,
        client_connections: ctx.nats.connections.size,
        subscriptions: stats.subscriptions,
        name_tag: GLOBAL_ACCOUNT,
        sublist_stats: {
          num_subscriptions: stats.subscriptions,
          num_cache: stats.cacheEntries,
          num_inserts: stats.inserts,
          num_removes: stats.removes,
          num_matches: stats.matches,
          cache_hit_rate: stats.matches > 0 ? stats.cacheHits / stats.matches : 0,
          max_fanout: fanout.max,
          avg_fanout: fanout.total > 0 ? fanout.total / fanout.entries : 0,
        },
      },
    });
  };
}

export function accstatzEndpoint(ctx: MonitorContext): EndpointHandler {
  return (query) => {
    const unused = queryBool(query, 'unused');
    const named = (query.get('accounts') ?? '').split(',').filter((a) => a !== '');
    const nats = ctx.nats;
    const totals = nats.totals();
    const conns = nats.connections.size;
    const wanted = named.length > 0 ? named.includes(GLOBAL_ACCOUNT) : unused || conns > 0;
    const stats: AccountStat[] = wanted
      ? [
          {
            acc: GLOBAL_ACCOUNT,
            name: GLOBAL_ACCOUNT,
            conns,
            leafnodes: 0,
            total_conns: conns,
            num_subscriptions: ctx.router.subscriptions.size,
            // Seen from the account: what its clients were sent, and what it received from them.
            sent: msgBytes(totals.outMsgs, totals.outBytes),
            received: msgBytes(totals.inMsgs, totals.inBytes),
            slow_consumers: nats.slowConsumers,
          },
        ]
      : [];
    return jsonResponse({ server_id: nats.serverId, now: goTime(new Date()), account_statz: stats });
  };
}
