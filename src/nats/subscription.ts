// A NATS client's subscription: the core routing entry plus what the wire needs (the sid,
// the auto-unsubscribe limit) and a delivery that writes MSG/HMSG into the connection.
import type { ReplyBytes, RoutedSubscription } from '../core/routing/router.js';
import type { SubjectPermissions } from '../core/security/subject-permissions.js';
import type { NatsConnection } from './connection.js';

export class NatsSubscription implements RoutedSubscription {
  /** " <sid> " preformatted once: every MSG line to this subscription carries it. */
  readonly sidField: string;
  /** Auto-unsubscribe after this many deliveries; 0 means no limit. */
  max = 0;
  delivered = 0;

  /**
   * @param denyFilter set when the subscription (a wildcard or a queue subscription) overlaps a
   *   subscribe deny entry of its owner: messages on denied subjects are then not delivered, as
   *   nats-server filters them. Null for every subscription of a client without permissions.
   */
  constructor(
    readonly owner: NatsConnection,
    readonly subject: string,
    readonly queue: string | undefined,
    readonly sid: string,
    private readonly denyFilter: SubjectPermissions | null = null,
  ) {
    this.sidField = ` ${sid} `;
  }

  deliver(subject: string, reply: string | undefined, hdrLen: number, buf: Buffer, start: number, end: number): boolean {
    // A filtered message does not count towards the auto-unsubscribe limit, as in nats-server,
    // and is declined: the router then offers a queue group's message to another member.
    if (this.denyFilter !== null && this.denyFilter.deliveryDenied(subject, this.queue)) return false;
    this.delivered++;
    this.owner.sendMessage(this, subject, reply, hdrLen, buf, start, end, null);
    if (this.max > 0 && this.delivered >= this.max) this.owner.removeSubscription(this);
    return true;
  }

  /** deliver() with the reply written from its bytes (a JetStream ack subject: no string). */
  deliverReplyBytes(subject: string, reply: ReplyBytes, hdrLen: number, buf: Buffer, start: number, end: number): boolean {
    if (this.denyFilter !== null && this.denyFilter.deliveryDenied(subject, this.queue)) return false;
    this.delivered++;
    this.owner.sendMessage(this, subject, undefined, hdrLen, buf, start, end, reply);
    if (this.max > 0 && this.delivered >= this.max) this.owner.removeSubscription(this);
    return true;
  }
}
