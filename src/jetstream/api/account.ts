// $JS.API.INFO: account info with usage, limits and the API statistics, as nats-server answers
// it (fixture account-info): per account, with the account's own JetStream limits (-1 where
// unlimited, all of them for the global account of a server without accounts). An account whose
// JWT gives tiered_limits has them under `tiers` (its tier, with the same usage: every stream of
// one server is R1) and zeros as its own limits, as nats-server v2.15.2 answers.
import type { JetStreamAccountLimits } from '../../core/security/nats-users.js';
import type { ApiRoute } from '../api-table.js';
import type { JetStreamContext } from '../context.js';

/** An account's limits in nats-server's JSON (JetStreamAccountLimits). */
export function limitsJson(l: JetStreamAccountLimits): { [key: string]: number | boolean } {
  return {
    max_memory: l.maxMemory,
    max_storage: l.maxStorage,
    max_streams: l.maxStreams,
    max_consumers: l.maxConsumers,
    max_ack_pending: l.maxAckPending,
    memory_max_stream_bytes: l.memoryMaxStreamBytes,
    storage_max_stream_bytes: l.storageMaxStreamBytes,
    max_bytes_required: l.maxBytesRequired,
  };
}

/** The account's own limits nats-server reports when they are given by tier. */
const NO_LIMITS: JetStreamAccountLimits = { maxMemory: 0, maxStorage: 0, maxStreams: 0, maxConsumers: 0, maxAckPending: 0, memoryMaxStreamBytes: 0, storageMaxStreamBytes: 0, maxBytesRequired: false };

export function accountRoutes(ctx: JetStreamContext): ApiRoute[] {
  return [
    {
      pattern: 'INFO',
      type: 'account_info_response',
      handle(_req, reply) {
        const u = ctx.streams.usage();
        const api = ctx.stats();
        const usage = { memory: u.memory, storage: u.storage, reserved_memory: 0, reserved_storage: 0, streams: u.streams, consumers: ctx.consumers.count() };
        const tier = ctx.accountLimits.tier;
        reply.ok({
          ...usage,
          limits: limitsJson(tier !== undefined ? NO_LIMITS : ctx.accountLimits),
          domain: ctx.domain !== undefined && ctx.domain !== '' ? ctx.domain : undefined,
          api: { level: api.level, total: api.total, errors: api.errors },
          ...(tier !== undefined ? { tiers: { [tier]: { ...usage, limits: limitsJson(ctx.accountLimits) } } } : {}),
        });
      },
    },
  ];
}
