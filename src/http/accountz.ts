// /accountz and /accstatz: nats-server's account endpoints, for the accounts the NATS port
// serves: the global account $G and the configured ones (there is no system account, so
// `system_account` is omitted as Go's omitempty does). The shapes were read off nats-server
// v2.15.2: /accountz lists the accounts, ?acc=NAME gives one's detail (an unknown account is a
// 400 "Account X does not exist"); /accstatz lists the accounts with connections (all with
// unused=true, or those named by accounts=a,b), with traffic sent and received. With $G alone
// the traffic is the server's since start; with several accounts it is what each account's
// open connections have sent and received (the broker keeps no per-account total of closed ones).
import { GLOBAL_ACCOUNT, type NatsServer } from '../nats/server.js';
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

/** The open connections of each account, by name. */
function connectionsByAccount(nats: NatsServer): Map<string, Array<{ inMsgs: number; inBytes: number; outMsgs: number; outBytes: number }>> {
  const out = new Map<string, Array<{ inMsgs: number; inBytes: number; outMsgs: number; outBytes: number }>>();
  for (const c of nats.connections.values()) {
    const name = c.principal.account;
    let list = out.get(name);
    if (list === undefined) out.set(name, (list = []));
    list.push(c);
  }
  return out;
}

export function accountzEndpoint(ctx: MonitorContext): EndpointHandler {
  return (query) => {
    const acc = query.get('acc') ?? '';
    const base = { server_id: ctx.nats.serverId, now: goTime(new Date()) };
    const accounts = ctx.nats.accounts;
    if (acc === '') return jsonResponse({ ...base, accounts: [...accounts.names].sort() });
    if (!accounts.has(acc)) throw new BadRequest(`Account ${acc} does not exist`);
    const router = accounts.router(acc);
    const stats = router.subscriptions.stats();
    const fanout = router.subscriptions.cacheFanout();
    return jsonResponse({
      ...base,
      account_detail: {
        account_name: acc,
        update_time: goTime(ctx.startedAt),
        expired: false,
        complete: true,
        jetstream_enabled: ctx.jetstreamAccounts != null ? ctx.jetstreamAccounts.get(acc) !== undefined : acc === GLOBAL_ACCOUNT && ctx.jetstream != null,
        leafnode_connections: 0,
        client_connections: connectionsByAccount(ctx.nats).get(acc)?.length ?? 0,
        subscriptions: stats.subscriptions,
        name_tag: acc,
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
    const names = [...nats.accounts.names].sort();
    const byAccount = connectionsByAccount(nats);
    const single = names.length === 1;
    const stats: AccountStat[] = [];
    for (const name of names) {
      const conns = byAccount.get(name) ?? [];
      const wanted = named.length > 0 ? named.includes(name) : unused || conns.length > 0;
      if (!wanted) continue;
      let t = { inMsgs: 0, inBytes: 0, outMsgs: 0, outBytes: 0 };
      if (single) t = nats.totals();
      else for (const c of conns) t = { inMsgs: t.inMsgs + c.inMsgs, inBytes: t.inBytes + c.inBytes, outMsgs: t.outMsgs + c.outMsgs, outBytes: t.outBytes + c.outBytes };
      stats.push({
        acc: name,
        name,
        conns: conns.length,
        leafnodes: 0,
        total_conns: conns.length,
        num_subscriptions: nats.accounts.router(name).subscriptions.size,
        // Seen from the account: what its clients were sent, and what it received from them.
        sent: msgBytes(t.outMsgs, t.outBytes),
        received: msgBytes(t.inMsgs, t.inBytes),
        // Slow consumers are counted per server, not per account: all of them go to $G.
        slow_consumers: name === GLOBAL_ACCOUNT ? nats.slowConsumers : 0,
      });
    }
    return jsonResponse({ server_id: nats.serverId, now: goTime(new Date()), account_statz: stats });
  };
}
