// /jsz: JetStream's monitoring endpoint with nats-server's shape (fixture jsz): usage, API
// statistics, config, limits, stream and consumer totals, and with accounts=true (streams=true,
// consumers=true) the account_details tree of stream and consumer details. An async endpoint
// over the JetStream service (the stream registry of core/streams and the consumer counts the
// consumers half installs); without JetStream it answers as nats-server does with JetStream off.
// With accounts, the totals are over every account with JetStream and account_details lists each
// (`acc=<name>` keeps one), as nats-server's.
import type { JetStreamService } from '../jetstream/service.js';
import type { JetStreamAccounts } from '../jetstream/accounts.js';
import { encodeStreamInfo } from '../jetstream/encode.js';
import { goJsonIndent, goTime, type GoJson } from '../jetstream/json.js';
import type { EndpointHandler, MonitorResponse } from './server.js';

const flag = (q: URLSearchParams, name: string): boolean => {
  const v = q.get(name);
  return v !== null && v !== 'false' && v !== '0';
};

export interface JszDeps {
  /** The global account's JetStream (when there are no accounts), or null. */
  jetstream: JetStreamService | null;
  /** JetStream of every account; when given, /jsz reports each account with JetStream. */
  accounts?: JetStreamAccounts | null;
  serverId: () => string;
}

/** nats-server's reserved_memory/_storage of an account: its limit, or the uint64 of -1 when unlimited. */
function reserved(limit: number, globalOnly: boolean): number | bigint {
  if (globalOnly) return 0;
  return limit < 0 ? 18446744073709551615n : limit;
}

export function jszEndpoint(deps: JszDeps): EndpointHandler {
  return async (q): Promise<MonitorResponse> => {
    const services = deps.accounts != null ? [...deps.accounts.services.values()] : deps.jetstream !== null ? [deps.jetstream] : [];
    const js = services[0] ?? null;
    const now = goTime(Date.now());
    if (deps.accounts == null && js === null) {
      return { status: 200, contentType: 'application/json', body: goJsonIndent({ server_id: deps.serverId(), now, disabled: true, config: {}, memory: 0, storage: 0, reserved_memory: 0, reserved_storage: 0, accounts: 0, ha_assets: 0, api: { total: 0, errors: 0 } }) };
    }
    // Only the global account (no accounts configured): nats-server reports no reservations.
    const globalOnly = services.length === 1 && js !== null && js.context.account === '$G';
    const per = await Promise.all(
      services.map(async (svc) => {
        const streams = svc.context.streams.all();
        await Promise.all(streams.map((s) => s.settled()));
        return { svc, streams, u: svc.context.streams.usage(), api: svc.context.stats() };
      }),
    );
    const sum = (f: (p: (typeof per)[number]) => number): number => per.reduce((n, p) => n + f(p), 0);
    const ctx = js?.context;
    const body: { [key: string]: GoJson | undefined } = {
      memory: sum((p) => p.u.memory),
      storage: sum((p) => p.u.storage),
      reserved_memory: 0,
      reserved_storage: 0,
      accounts: per.length,
      ha_assets: 0,
      api: { level: ctx?.apiLevel ?? 1, total: sum((p) => p.api.total), errors: sum((p) => p.api.errors) },
      server_id: deps.serverId(),
      now,
      config: {
        max_memory: ctx?.serverLimits.maxMemory ?? -1,
        max_storage: ctx?.serverLimits.maxStorage ?? -1,
        store_dir: ctx?.storeDir,
        sync_interval: 0n,
        strict: ctx?.strict ?? true,
        domain: ctx?.domain !== undefined && ctx.domain !== '' ? ctx.domain : undefined,
      },
      limits: { default_max_consumers: 1000 },
      streams: sum((p) => p.u.streams),
      consumers: sum((p) => p.svc.context.consumers.count()),
      messages: sum((p) => p.u.messages),
      bytes: sum((p) => p.u.bytes),
    };
    if (flag(q, 'accounts') || flag(q, 'streams') || flag(q, 'consumers')) {
      const withStreams = flag(q, 'streams') || flag(q, 'consumers');
      const only = q.get('acc');
      body['account_details'] = per
        .filter((p) => only === null || only === '' || p.svc.context.account === only)
        .map(({ svc, streams, u, api }) => {
          const c = svc.context;
          return {
            name: c.account,
            id: c.account,
            memory: u.memory,
            storage: u.storage,
            reserved_memory: reserved(c.accountLimits.maxMemory, globalOnly),
            reserved_storage: reserved(c.accountLimits.maxStorage, globalOnly),
            accounts: 0,
            ha_assets: 0,
            api: { level: 0, total: api.total, errors: api.errors },
            stream_detail: withStreams
              ? streams.map((s) => {
                  const info = encodeStreamInfo(s, { version: c.version, level: c.apiLevel, dynamic: false });
                  return {
                    name: s.name,
                    created: info['created'],
                    cluster: { leader: c.serverName },
                    config: flag(q, 'config') ? info['config'] : undefined,
                    state: info['state'],
                    consumer_detail: flag(q, 'consumers') ? (c.consumers.details?.(s.name) ?? undefined) : undefined,
                  };
                })
              : undefined,
          };
        });
    }
    body['total'] = sum((p) => p.u.streams);
    // Wharf's own figures stay under "wharf" (docs/jetstream.md 1.15).
    body['wharf'] = { omitted_headers: sum((p) => p.svc.context.streams.stats.omittedHeaders), index_bytes: per.reduce((n, p) => n + p.streams.reduce((m, s) => m + s.indexBytes, 0), 0) };
    return { status: 200, contentType: 'application/json', body: goJsonIndent(body) };
  };
}
