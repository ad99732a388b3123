// /subsz (alias /subscriptionsz): statistics of the subject interest graph and, with subs=1,
// the subscriptions themselves, paged and optionally filtered by the subject of a would-be
// publish (test=), with nats-server's JSON names. As nats-server does, it covers every
// account's subject space (summed statistics, each subscription naming its account) unless
// acc= names one.
import { isValidLiteralSubject, subjectMatches } from '../core/routing/subject.js';
import { NatsSubscription } from '../nats/subscription.js';
import { goTime } from './format.js';
import { subDetail, type SubDetail } from './connz.js';
import { BadRequest, queryBool, queryInt } from './query.js';
import { jsonResponse, type EndpointHandler, type MonitorContext } from './server.js';

/** Default page size of the subscriptions list, as in nats-server. */
export const DEFAULT_SUB_LIST_SIZE = 1024;

export interface Subsz {
  server_id: string;
  now: string;
  num_subscriptions: number;
  num_cache: number;
  num_inserts: number;
  num_removes: number;
  num_matches: number;
  cache_hit_rate: number;
  max_fanout: number;
  avg_fanout: number;
  total: number;
  offset: number;
  limit: number;
  subscriptions_list?: SubDetail[];
}

export interface SubszOptions {
  subs: boolean;
  offset: number;
  limit: number;
  /** Literal subject: list only the subscriptions a publish to it would reach. */
  test: string | undefined;
  /** Only this account's subject space (acc=). */
  account: string | undefined;
}

export function parseSubszQuery(query: URLSearchParams): SubszOptions {
  const subs = queryBool(query, 'subs');
  const offset = queryInt(query, 'offset');
  const limit = queryInt(query, 'limit');
  const test = query.get('test') ?? '';
  if (test !== '' && !isValidLiteralSubject(test)) {
    throw new BadRequest(`invalid test subject, must be valid publish subject: ${test}`);
  }
  return {
    subs,
    offset: Math.max(0, offset),
    limit: limit <= 0 ? DEFAULT_SUB_LIST_SIZE : limit,
    test: test === '' ? undefined : test,
    account: query.get('acc') || undefined,
  };
}

export function subszEndpoint(ctx: MonitorContext): EndpointHandler {
  return (query) => jsonResponse(buildSubsz(ctx, parseSubszQuery(query)));
}

export function buildSubsz(ctx: MonitorContext, opts: SubszOptions): Subsz {
  const accounts = ctx.nats.accounts;
  const names = accounts.names.filter((name) => opts.account === undefined || name === opts.account);
  const sum = { subscriptions: 0, cacheEntries: 0, inserts: 0, removes: 0, matches: 0, cacheHits: 0 };
  const fanout = { entries: 0, max: 0, total: 0 };
  for (const name of names) {
    const sublist = accounts.router(name).subscriptions;
    const stats = sublist.stats();
    sum.subscriptions += stats.subscriptions;
    sum.cacheEntries += stats.cacheEntries;
    sum.inserts += stats.inserts;
    sum.removes += stats.removes;
    sum.matches += stats.matches;
    sum.cacheHits += stats.cacheHits;
    const f = sublist.cacheFanout();
    fanout.entries += f.entries;
    fanout.total += f.total;
    fanout.max = Math.max(fanout.max, f.max);
  }
  const subsz: Subsz = {
    server_id: ctx.nats.serverId,
    now: goTime(new Date()),
    num_subscriptions: sum.subscriptions,
    num_cache: sum.cacheEntries,
    num_inserts: sum.inserts,
    num_removes: sum.removes,
    num_matches: sum.matches,
    cache_hit_rate: sum.matches > 0 ? sum.cacheHits / sum.matches : 0,
    max_fanout: fanout.max,
    avg_fanout: fanout.entries > 0 ? fanout.total / fanout.entries : 0,
    total: 0,
    offset: opts.offset,
    limit: opts.limit,
  };
  if (!opts.subs) return subsz;
  const details: SubDetail[] = [];
  for (const name of names) {
    for (const sub of accounts.router(name).subscriptions.all()) {
      // Only client subscriptions are listed (nats-server skips those without a client).
      if (!(sub instanceof NatsSubscription)) continue;
      if (opts.test !== undefined && !subjectMatches(sub.subject, opts.test)) continue;
      details.push(subDetail(sub, name));
    }
  }
  const start = Math.min(opts.offset, details.length);
  const end = start + Math.min(opts.limit, details.length - start);
  subsz.total = details.length;
  // Omitted when empty, as Go's omitempty does.
  if (end > start) subsz.subscriptions_list = details.slice(start, end);
  return subsz;
}
