// The JetStream service of a broker: the stream registry (core/streams, rebuilt from the log)
// and the $JS.API front-end over it, composed in the order recovery needs: streams first, then
// the API subscriptions. The broker starts it after the log and before the NATS listener
// accepts clients, so no publish can race the rebuild (docs/jetstream.md 1.18).
import type { JetStreamOptions } from '../config.js';
import type { Logger } from '../log.js';
import type { Log } from '../core/log/index.js';
import type { Router } from '../core/routing/router.js';
import { StreamRegistry, type StreamRegistryOptions } from '../core/streams/stream-registry.js';
import type { StreamStateStore } from '../core/streams/state-topic.js';
import type { SnapshotStore } from '../core/streams/snapshot-store.js';
import type { AtomicBatchLimits } from '../core/streams/atomic-batch.js';
import type { FastBatchLimits } from '../core/streams/fast-batch.js';
import { GLOBAL_ACCOUNT } from '../core/security/principal.js';
import { UNLIMITED_JETSTREAM, type JetStreamAccountLimits } from '../core/security/nats-users.js';
import type { ApiRoute } from './api-table.js';
import { accountRoutes } from './api/account.js';
import { directRoutes } from './api/direct.js';
import { messageRoutes } from './api/messages.js';
import { streamRoutes } from './api/streams.js';
import { snapshotRoutes } from './api/snapshots.js';
import { batchAbandonedAdvisory, streamAdvisories } from './advisories.js';
import type { ConsumerCounts, JetStreamContext } from './context.js';
import { JetStreamFrontEnd } from './front-end.js';
import { PubAckEncoder } from './pub-ack.js';

/** The nats-server version whose JetStream Wharf implements, and that version's API level (docs/jetstream.md 1.19). */
export const JETSTREAM_VERSION = '2.14.0';
export const JETSTREAM_API_LEVEL = 4;

export interface JetStreamServiceDeps {
  options: JetStreamOptions;
  log: Log;
  /** The router of the account served (the broker's for the global account). */
  router: Router;
  logger: Logger;
  serverName: string;
  /** The NATS account served (default the global account) and its JetStream limits (default unlimited). */
  account?: string;
  accountLimits?: JetStreamAccountLimits;
  /** The stream state store shared by the accounts' registries (else the registry opens its own). */
  state?: StreamStateStore;
  /** The index snapshot store shared by the accounts' registries (else the registry opens its own). */
  snapshotStore?: SnapshotStore;
  /** The accounts with JetStream, for the registry that refuses stream topics of other accounts. */
  accounts?: ReadonlySet<string>;
  /** The origin stream of a source or mirror with an `external` API prefix (jetstream/external-origins.ts). */
  externalOrigin?: StreamRegistryOptions['externalOrigin'];
}

/** Open atomic batches of the server, counted across its accounts' streams (keyed by the options the broker shares). */
const batchInflight = new WeakMap<JetStreamOptions, { count: number }>();

function batchLimitsOf(o: JetStreamOptions): AtomicBatchLimits {
  let inflightTotal = batchInflight.get(o);
  if (inflightTotal === undefined) batchInflight.set(o, (inflightTotal = { count: 0 }));
  return {
    timeoutMs: o.batchTimeout ?? 10_000,
    maxMsgs: o.batchMaxMsgs ?? 1000,
    maxInflightPerStream: o.batchMaxInflightPerStream ?? 50,
    maxInflightTotal: o.batchMaxInflightTotal ?? 1000,
    apiLevel: JETSTREAM_API_LEVEL,
    inflightTotal,
  };
}

/** Open fast batches of the server, counted across its accounts' streams. */
const fastInflight = new WeakMap<JetStreamOptions, { count: number }>();

/**
 * Fast batch limits: the batch timeout is shared with atomic batches; the inflight limits are
 * nats-server's fast batch defaults (1000 per stream, 50 000 in all). nats-server applies
 * max_inflight_per_stream / max_inflight_total to both kinds when set; Wharf's options always
 * hold a value (the atomic defaults), so they stay the atomic batches' only.
 */
function fastBatchLimitsOf(o: JetStreamOptions): FastBatchLimits {
  let inflightTotal = fastInflight.get(o);
  if (inflightTotal === undefined) fastInflight.set(o, (inflightTotal = { count: 0 }));
  return { timeoutMs: o.batchTimeout ?? 10_000, maxInflightPerStream: 1000, maxInflightTotal: 50_000, apiLevel: JETSTREAM_API_LEVEL, inflightTotal };
}

/** The smaller of two limits where -1 (or, for an account, any negative) is unlimited. */
function within(server: number, account: number): number {
  if (account < 0) return server;
  if (server < 0) return account;
  return Math.min(server, account);
}

export class JetStreamService {
  private stopAdvisories: (() => void) | null = null;

  private constructor(
    readonly registry: StreamRegistry,
    readonly frontEnd: JetStreamFrontEnd,
    readonly context: JetStreamContext,
  ) {}

  static async start(deps: JetStreamServiceDeps): Promise<JetStreamService> {
    const o = deps.options;
    const account = deps.account ?? GLOBAL_ACCOUNT;
    const acc = deps.accountLimits ?? UNLIMITED_JETSTREAM;
    const serverLimits = { maxMemory: o.maxMemory, maxStorage: o.maxStorage };
    const limits = { maxMemory: within(o.maxMemory, acc.maxMemory), maxStorage: within(o.maxStorage, acc.maxStorage), maxStreams: acc.maxStreams };
    let frontEnd: JetStreamFrontEnd | null = null;
    const registry = await StreamRegistry.open({
      log: deps.log,
      router: deps.router,
      logger: deps.logger,
      replies: new PubAckEncoder(o.domain),
      limits,
      account,
      snapshotBytes: Math.max(0, o.snapshotBytes),
      snapshots: o.snapshotBytes >= 0,
      batchLimits: batchLimitsOf(o),
      fastBatchLimits: fastBatchLimitsOf(o),
      batchAbandoned: (stream, batch, reason) => {
        if (frontEnd !== null) batchAbandonedAdvisory(frontEnd.replies, stream, batch, reason, o.domain);
      },
      ...(deps.state !== undefined ? { state: deps.state } : {}),
      ...(deps.snapshotStore !== undefined ? { snapshotStore: deps.snapshotStore } : {}),
      ...(deps.accounts !== undefined ? { accounts: deps.accounts } : {}),
      ...(deps.externalOrigin !== undefined ? { externalOrigin: deps.externalOrigin } : {}),
    });
    const context: JetStreamContext = {
      streams: registry,
      serverName: deps.serverName,
      version: JETSTREAM_VERSION,
      apiLevel: JETSTREAM_API_LEVEL,
      strict: o.strict,
      limits,
      account,
      accountLimits: acc,
      serverLimits,
      maxAckPending: o.maxAckPending,
      domain: o.domain,
      storeDir: deps.log.storageLocation,
      stats: () => frontEnd?.stats() ?? { level: JETSTREAM_API_LEVEL, total: 0, errors: 0 },
      consumers: { count: () => 0 },
    };
    const routes: ApiRoute[] = [...accountRoutes(context), ...streamRoutes(context), ...messageRoutes(context), ...directRoutes(context)];
    frontEnd = new JetStreamFrontEnd({ router: deps.router, logger: deps.logger, routes, serverName: deps.serverName, apiLevel: JETSTREAM_API_LEVEL, domain: o.domain, account });
    frontEnd.addRoutes(snapshotRoutes(context, frontEnd, deps.logger));
    const service = new JetStreamService(registry, frontEnd, context);
    service.stopAdvisories = streamAdvisories(registry, frontEnd.replies, o.domain);
    frontEnd.start();
    return service;
  }

  /** The consumers half installs its coordinator's counts and API routes through this. */
  attachConsumers(counts: ConsumerCounts, routes: Iterable<ApiRoute>): void {
    this.context.consumers = counts;
    this.frontEnd.addRoutes(routes);
  }

  async close(): Promise<void> {
    this.stopAdvisories?.();
    await this.frontEnd.close();
    await this.registry.close();
  }
}
