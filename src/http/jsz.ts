// /jsz: JetStream's monitoring endpoint with nats-server's shape (fixture jsz): usage, API
// statistics, config, limits, stream and consumer totals, and with accounts=true (streams=true,
// consumers=true) the account_details tree of stream and consumer details. An async endpoint
// over the JetStream service (the stream registry of core/streams and the consumer counts the
// consumers half installs); without JetStream it answers as nats-server does with JetStream off.
import type { JetStreamService } from '../jetstream/service.js';
import { encodeStreamInfo } from '../jetstream/encode.js';
import { goJsonIndent, goTime, type GoJson } from '../jetstream/json.js';
import type { EndpointHandler, MonitorResponse } from './server.js';

const flag = (q: URLSearchParams, name: string): boolean => {
  const v = q.get(name);
  return v !== null && v !== 'false' && v !== '0';
};

export interface JszDeps {
  jetstream: JetStreamService | null;
  serverId: () => string;
}

export function jszEndpoint(deps: JszDeps): EndpointHandler {
  return async (q): Promise<MonitorResponse> => {
    const js = deps.jetstream;
    const now = goTime(Date.now());
    if (js === null) {
      return { status: 200, contentType: 'application/json', body: goJsonIndent({ server_id: deps.serverId(), now, disabled: true, config: {}, memory: 0, storage: 0, reserved_memory: 0, reserved_storage: 0, accounts: 0, ha_assets: 0, api: { total: 0, errors: 0 } }) };
    }
    const ctx = js.context;
    const streams = ctx.streams.all();
    await Promise.all(streams.map((s) => s.settled()));
    const u = ctx.streams.usage();
    const api = ctx.stats();
    const body: { [key: string]: GoJson | undefined } = {
      memory: u.memory,
      storage: u.storage,
      reserved_memory: 0,
      reserved_storage: 0,
      accounts: 1,
      ha_assets: 0,
      api: { level: api.level, total: api.total, errors: api.errors },
      server_id: deps.serverId(),
      now,
      config: {
        max_memory: ctx.limits.maxMemory,
        max_storage: ctx.limits.maxStorage,
        store_dir: ctx.storeDir,
        sync_interval: 0n,
        strict: ctx.strict,
        domain: ctx.domain !== undefined && ctx.domain !== '' ? ctx.domain : undefined,
      },
      limits: { default_max_consumers: 1000 },
      streams: u.streams,
      consumers: ctx.consumers.count(),
      messages: u.messages,
      bytes: u.bytes,
    };
    if (flag(q, 'accounts') || flag(q, 'streams') || flag(q, 'consumers')) {
      const withStreams = flag(q, 'streams') || flag(q, 'consumers');
      body['account_details'] = [
        {
          name: '$G',
          id: '$G',
          memory: u.memory,
          storage: u.storage,
          reserved_memory: 0,
          reserved_storage: 0,
          accounts: 0,
          ha_assets: 0,
          api: { level: 0, total: api.total, errors: api.errors },
          stream_detail: withStreams
            ? streams.map((s) => {
                const info = encodeStreamInfo(s, { version: ctx.version, level: ctx.apiLevel, dynamic: false });
                return {
                  name: s.name,
                  created: info['created'],
                  cluster: { leader: ctx.serverName },
                  config: flag(q, 'config') ? info['config'] : undefined,
                  state: info['state'],
                  consumer_detail: flag(q, 'consumers') ? (ctx.consumers.details?.(s.name) ?? undefined) : undefined,
                };
              })
            : undefined,
        },
      ];
    }
    body['total'] = u.streams;
    // Wharf's own figures stay under "wharf" (docs/jetstream.md 1.15).
    body['wharf'] = { omitted_headers: ctx.streams.stats.omittedHeaders, index_bytes: streams.reduce((n, s) => n + s.indexBytes, 0) };
    return { status: 200, contentType: 'application/json', body: goJsonIndent(body) };
  };
}
