// JetStream per NATS account, as nats-server serves it: every account with JetStream gets its
// own service (stream registry, $JS.API front-end, consumer coordinator) on its own Router, so
// each account has its own $JS.API.> namespace, its own streams (two accounts may each have a
// stream ORDERS: topics ORDERS and A.ORDERS, core/streams/account-topics.ts), acks, deliveries
// and advisories, and a user of one account never reaches another's. An account without
// JetStream gets a front-end that answers every API request with 10039 "JetStream not enabled
// for account". Which accounts have JetStream (broker.ts): the global account (as before; unlike
// nats-server, also with accounts configured) and the accounts whose block says `jetstream` (or
// whose JWT enables it), as nats-server decides.
//
// The services share the internal topics: one `__jetstream_state` store and one `__jetstream_snapshots` store for the registries and
// one replay of `__jetstream_consumers` for the coordinators (all keyed by topic id), so a
// consumer of an account's stream comes back after a restart with its account.
import type { JetStreamOptions } from '../config.js';
import type { Logger } from '../log.js';
import type { Log } from '../core/log/index.js';
import type { Router } from '../core/routing/router.js';
import type { ConsumerCoordinator } from '../core/coordinators/index.js';
import { openSharedConsumerState, type SharedConsumerState } from '../core/coordinators/jetstream/consumer-coordinator.js';
import { isTopicAccountName } from '../core/streams/account-topics.js';
import { StreamStateStore } from '../core/streams/state-topic.js';
import { SnapshotStore } from '../core/streams/snapshot-store.js';
import type { JetStreamAccountLimits } from '../core/security/nats-users.js';
import { GLOBAL_ACCOUNT } from '../core/security/principal.js';
import type { ApiRoute } from './api-table.js';
import { disabledRoutes } from './api/disabled.js';
import { startJetStreamConsumerService } from './consumer-service.js';
import { JetStreamFrontEnd } from './front-end.js';
import { JETSTREAM_API_LEVEL, JetStreamService } from './service.js';
import { externalOrigins, type AccountRouting } from './external-origins.js';

export interface JetStreamAccountSpec {
  readonly name: string;
  readonly router: Router;
  /** Whether the account has JetStream. */
  readonly enabled: boolean;
  /** Its limits (absent: unlimited). */
  readonly limits?: JetStreamAccountLimits;
  /**
   * Whether a service import of the account takes $JS.API.INFO (the JetStream API of another
   * account): an account without JetStream then gets no 10039 answers at all, its other $JS.API
   * requests have no responders, as nats-server skips its responder when that import shadows it.
   */
  readonly apiImported?: boolean;
}

export interface JetStreamAccountsDeps {
  options: JetStreamOptions;
  log: Log;
  logger: Logger;
  serverName: string;
  accounts: readonly JetStreamAccountSpec[];
  /** The accounts' imports, for mirrors and sources with `external` API prefixes (absent: none reach another account). */
  routing?: AccountRouting;
}

export class JetStreamAccountsError extends Error {
  override name = 'JetStreamAccountsError';
}

/** Subjects an account without JetStream answers when no account has JetStream to copy the routes of. */
const FALLBACK_ROUTES: ApiRoute[] = [
  { pattern: 'INFO', type: 'account_info_response', handle: () => {} },
  { pattern: 'DIRECT.GET.*', type: 'direct_get', concurrent: true, handle: () => {} },
  { pattern: 'DIRECT.GET.*.>', type: 'direct_get', concurrent: true, handle: () => {} },
  { pattern: 'CONSUMER.MSG.NEXT.*.*', type: 'consumer_getnext', concurrent: true, handle: () => {} },
  { pattern: '>', type: 'api_response', handle: () => {} },
];

export class JetStreamAccounts {
  /** The services by account name, in configuration order (the global account first when it has one). */
  readonly services = new Map<string, JetStreamService>();
  readonly coordinators = new Map<string, ConsumerCoordinator>();
  private readonly disabled: JetStreamFrontEnd[] = [];
  private shared: SharedConsumerState | null = null;

  private constructor() {}

  static async start(deps: JetStreamAccountsDeps): Promise<JetStreamAccounts> {
    const out = new JetStreamAccounts();
    try {
      await out.open(deps);
    } catch (e) {
      await out.close();
      throw e;
    }
    return out;
  }

  private async open(deps: JetStreamAccountsDeps): Promise<void> {
    const enabled = deps.accounts.filter((a) => a.enabled);
    for (const a of enabled) {
      if (!isTopicAccountName(a.name)) throw new JetStreamAccountsError(`account ${JSON.stringify(a.name)} has JetStream, but its streams' topics would be named ${a.name}.<stream>: an account with JetStream needs a name of letters, digits, '_' and '-' (Kafka topic characters)`);
    }
    const state = await StreamStateStore.open(deps.log, deps.logger);
    // One snapshot store for every account's streams too (unless snapshots are off).
    const snapshotStore = deps.options.snapshotBytes >= 0 ? await SnapshotStore.open(deps.log, deps.logger) : undefined;
    const names = new Set(enabled.map((a) => a.name));
    let first = true;
    const routing: AccountRouting = deps.routing ?? { resolveService: (account, subject) => ({ account, subject }), streamReaches: (from, _s, to) => from === to };
    const stream = (account: string, name: string) => this.services.get(account)?.registry.get(name);
    for (const a of enabled) {
      const service = await JetStreamService.start({
        options: deps.options,
        log: deps.log,
        router: a.router,
        logger: deps.logger,
        serverName: deps.serverName,
        account: a.name,
        ...(a.limits !== undefined ? { accountLimits: a.limits } : {}),
        state,
        ...(snapshotStore !== undefined ? { snapshotStore } : {}),
        ...(first ? { accounts: names } : {}),
        externalOrigin: externalOrigins(a.name, { routing, domain: deps.options.domain, stream }),
      });
      first = false;
      this.services.set(a.name, service);
    }
    const services = [...this.services.values()];
    this.shared = await openSharedConsumerState(deps.log, deps.logger, (topicId) => !services.some((s) => s.registry.all().some((st) => st.topicId === topicId)));
    for (const a of enabled) {
      const service = this.services.get(a.name)!;
      this.coordinators.set(a.name, await startJetStreamConsumerService(service, { log: deps.log, router: a.router, logger: deps.logger, shared: this.shared }));
    }
    const template = services[0]?.frontEnd.routes() ?? FALLBACK_ROUTES;
    for (const a of deps.accounts) {
      if (a.enabled || a.apiImported === true) continue;
      const fe = new JetStreamFrontEnd({
        router: a.router,
        logger: deps.logger,
        routes: disabledRoutes(template),
        serverName: deps.serverName,
        apiLevel: JETSTREAM_API_LEVEL,
        ...(deps.options.domain !== undefined ? { domain: deps.options.domain } : {}),
        account: a.name,
        unclaimed: true,
      });
      fe.start();
      this.disabled.push(fe);
    }
  }

  /** The service of an account, if it has JetStream. */
  get(account: string): JetStreamService | undefined {
    return this.services.get(account);
  }

  /** The global account's service (null when the global account has no JetStream). */
  get global(): JetStreamService | null {
    return this.services.get(GLOBAL_ACCOUNT) ?? null;
  }

  /** Tells every waiting pull request of every account that the server shuts down; how many were told. */
  signalShutdown(): number {
    let n = 0;
    for (const c of this.coordinators.values()) n += c.signalShutdown();
    return n;
  }

  /** Closes the front-ends, then the consumers (their last snapshots), then the streams. */
  async close(): Promise<void> {
    for (const fe of this.disabled) await fe.close();
    this.disabled.length = 0;
    for (const c of this.coordinators.values()) await c.close();
    this.coordinators.clear();
    await this.shared?.store.close([]);
    this.shared = null;
    for (const s of this.services.values()) await s.close();
    this.services.clear();
  }
}
