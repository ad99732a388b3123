// $JS.API.INFO: account info with usage, limits and the API statistics, as nats-server answers
// it for the global account of a server without accounts (fixture account-info).
import type { ApiRoute } from '../api-table.js';
import type { JetStreamContext } from '../context.js';

export function accountRoutes(ctx: JetStreamContext): ApiRoute[] {
  return [
    {
      pattern: 'INFO',
      type: 'account_info_response',
      handle(_req, reply) {
        const u = ctx.streams.usage();
        const api = ctx.stats();
        reply.ok({
          memory: u.memory,
          storage: u.storage,
          reserved_memory: 0,
          reserved_storage: 0,
          streams: u.streams,
          consumers: ctx.consumers.count(),
          limits: {
            max_memory: -1,
            max_storage: -1,
            max_streams: -1,
            max_consumers: -1,
            max_ack_pending: -1,
            memory_max_stream_bytes: -1,
            storage_max_stream_bytes: -1,
            max_bytes_required: false,
          },
          domain: ctx.domain !== undefined && ctx.domain !== '' ? ctx.domain : undefined,
          api: { level: api.level, total: api.total, errors: api.errors },
        });
      },
    },
  ];
}
