// The consumers half of the JetStream front-end, wired together: the delivery writer and push
// targets (over the Router, owned by the front-end), the consumer and pull routes of the API
// table, and the front-end's subscriptions on `$JS.ACK.>` (acks) and `$JS.FC.>` (flow-control
// answers). The wire is made first (the coordinator needs its push targets when it restores push
// consumers), then the coordinator starts, then the routes and subscriptions are attached.
import type { ConsumerCoordinator, PushSinkFactory } from '../core/coordinators/jetstream/consumer-coordinator.js';
import type { Router, SubscriptionOwner } from '../core/routing/router.js';
import { AckHandler } from './acks.js';
import { consumerRoutes } from './api/consumers.js';
import { pullRoute } from './api/pull.js';
import { consumerAdvisories } from './consumer-advisories.js';
import type { ServerIdentity } from './consumer-json.js';
import { DeliveryWriter } from './deliveries.js';
import type { JetStreamFrontEnd } from './front-end.js';
import type { ApiRoute } from './api-table.js';
import { onFlowControl, pushSinkFactory } from './push.js';
import { ReplyPath } from './reply.js';
import type { CoordinatorEvents, SharedConsumerState } from '../core/coordinators/jetstream/consumer-coordinator.js';
import { startJetStreamConsumers, type ConsumerCoordinator as Coordinator } from '../core/coordinators/jetstream/consumer-coordinator.js';
import type { Log } from '../core/log/index.js';
import type { Logger } from '../log.js';
import { encodeConsumerInfo } from './consumer-json.js';
import type { JetStreamService } from './service.js';

export interface ConsumerWire {
  readonly writer: DeliveryWriter;
  readonly pushSinks: PushSinkFactory;
  readonly events: CoordinatorEvents;
}

/** The pieces the coordinator needs from the wire, owned by `owner` (the front-end). */
export function consumerWire(router: Router, owner: SubscriptionOwner, domain?: string): ConsumerWire {
  const writer = new DeliveryWriter(router, owner);
  return { writer, pushSinks: pushSinkFactory(router, writer), events: consumerAdvisories(new ReplyPath(router, owner), domain) };
}

export interface AttachOptions {
  frontEnd: JetStreamFrontEnd;
  coordinator: ConsumerCoordinator;
  router: Router;
  wire: ConsumerWire;
  server: ServerIdentity;
  strict: boolean;
}

/** The consumer and pull routes of the API table. */
export function consumerApiRoutes(o: Omit<AttachOptions, 'frontEnd'>): ApiRoute[] {
  return [...consumerRoutes({ coordinator: o.coordinator, server: o.server, strict: o.strict }), pullRoute(o.coordinator, o.router, o.wire.writer)];
}

/** Registers the consumer routes and subscribes the ack and flow-control subjects. */
export function attachConsumers(o: AttachOptions): void {
  const fe = o.frontEnd;
  fe.addRoutes(consumerApiRoutes(o));
  subscribeAcks(o);
}

/** The front-end's subscriptions on the ack and flow-control subjects. */
export function subscribeAcks(o: AttachOptions): void {
  const fe = o.frontEnd;
  const acks = new AckHandler(o.coordinator, o.router, o.wire.writer, fe.replies);
  fe.subscribe('$JS.ACK.>', undefined, (s, r, h, m) => acks.onAck(s, r, h, m));
  // Every ack subject is new: while nobody else subscribes below $JS.ACK, the router hands acks
  // to this subscription without a cache lookup (Sublist.addShortcut).
  o.router.subscriptions.addShortcut('$JS.ACK');
  fe.subscribe('$JS.FC.>', undefined, (s, _r, h, m) => onFlowControl(o.coordinator, s, h, m));
}

export interface JetStreamConsumersDeps {
  log: Log;
  /** The router of the service's account. */
  router: Router;
  logger: Logger;
  /** The consumer state shared by the accounts' coordinators. */
  shared?: SharedConsumerState;
}

/** The smaller of two positive limits (0 or negative: none). */
function smaller(a: number, b: number): number {
  if (a <= 0) return b > 0 ? b : 0;
  if (b <= 0) return a;
  return Math.min(a, b);
}

/**
 * The broker's composition of the consumers half: restores the coordinator over the service's
 * streams, then gives the service its counts and routes and subscribes the ack subjects.
 */
export async function startJetStreamConsumerService(js: JetStreamService, deps: JetStreamConsumersDeps): Promise<Coordinator> {
  const ctx = js.context;
  const wire = consumerWire(deps.router, js.frontEnd, ctx.domain);
  const limits = { maxAckPending: smaller(ctx.maxAckPending, ctx.accountLimits.maxAckPending), maxRequestBatch: 0, maxConsumers: Math.max(0, ctx.accountLimits.maxConsumers) };
  const coordinator = await startJetStreamConsumers({
    log: deps.log,
    streams: ctx.streams,
    logger: deps.logger,
    events: wire.events,
    pushSinks: wire.pushSinks,
    limits,
    ...(deps.shared !== undefined ? { shared: deps.shared } : {}),
  });
  const o: AttachOptions = { frontEnd: js.frontEnd, coordinator, router: deps.router, wire, server: { version: ctx.version, level: ctx.apiLevel }, strict: ctx.strict };
  js.attachConsumers(
    {
      count: (stream) => (stream === undefined ? [...coordinator.all()].length : coordinator.count(stream)),
      details: (stream) => coordinator.names(stream).flatMap((n) => {
        const c = coordinator.consumer(stream, n);
        return c === undefined ? [] : [encodeConsumerInfo(c.info(), null)];
      }),
      backup: (stream) => coordinator.exportConsumers(stream),
      restore: (stream, list) => coordinator.importConsumers(stream, list),
      restoreInputs: (stream, list) => coordinator.importConsumerInputs(stream, list),
    },
    consumerApiRoutes(o),
  );
  subscribeAcks(o);
  return coordinator;
}
