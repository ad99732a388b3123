// A NATS client's subscription: the core routing entry plus what the wire needs (the sid,
// the auto-unsubscribe limit) and a delivery that writes MSG/HMSG into the connection.
import type { RoutedSubscription } from '../core/routing/router.js';
import type { NatsConnection } from './connection.js';

export class NatsSubscription implements RoutedSubscription {
  /** " <sid> " preformatted once: every MSG line to this subscription carries it. */
  readonly sidField: string;
  /** Auto-unsubscribe after this many deliveries; 0 means no limit. */
  max = 0;
  delivered = 0;

  constructor(
    readonly owner: NatsConnection,
    readonly subject: string,
    readonly queue: string | undefined,
    readonly sid: string,
  ) {
    this.sidField = ` ${sid} `;
  }

  deliver(subject: string, reply: string | undefined, hdrLen: number, msg: Buffer): void {
    this.delivered++;
    this.owner.sendMessage(this, subject, reply, hdrLen, msg);
    if (this.max > 0 && this.delivered >= this.max) this.owner.removeSubscription(this);
  }
}
