// The consumers half of the JetStream front-end, wired together: the delivery writer and push
// targets (over the Router, owned by the front-end), the consumer and pull routes of the API
// table, and the front-end's subscriptions on `$JS.ACK.>` (acks) and `$JS.FC.>` (flow-control
// answers). The broker makes the wire first (the coordinator needs its push targets when it
// restores push consumers), then attaches it to the front-end.
import type { ConsumerCoordinator, PushSinkFactory } from '../core/coordinators/jetstream/consumer-coordinator.js';
import type { Router, SubscriptionOwner } from '../core/routing/router.js';
import { AckHandler } from './acks.js';
import { consumerRoutes } from './api/consumers.js';
import { pullRoute } from './api/pull.js';
import { consumerAdvisories } from './consumer-advisories.js';
import type { ServerIdentity } from './consumer-json.js';
import { DeliveryWriter } from './deliveries.js';
import type { JetStreamFrontEnd } from './front-end.js';
import { onFlowControl, pushSinkFactory } from './push.js';
import { ReplyPath } from './reply.js';
import type { CoordinatorEvents } from '../core/coordinators/jetstream/consumer-coordinator.js';

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

/** Registers the consumer routes and subscribes the ack and flow-control subjects. */
export function attachConsumers(o: AttachOptions): void {
  const fe = o.frontEnd;
  fe.addRoutes([...consumerRoutes({ coordinator: o.coordinator, server: o.server, strict: o.strict }), pullRoute(o.coordinator, o.router, o.wire.writer)]);
  const acks = new AckHandler(o.coordinator, o.router, o.wire.writer, fe.replies);
  fe.subscribe('$JS.ACK.>', undefined, (s, r, h, m) => acks.onAck(s, r, h, m));
  fe.subscribe('$JS.FC.>', undefined, (s) => onFlowControl(o.coordinator, s));
}
