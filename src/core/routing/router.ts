// Message routing between publishers and subscriptions, independent of any wire format.
// A message is a Buffer holding optional NATS-style headers followed by the payload; the
// header length travels beside it so that receivers that cannot take headers can skip them.
import { Sublist, type Subscription } from './sublist.js';

/** The party that owns subscriptions: one connection, one stream capture, ... */
export interface SubscriptionOwner {
  /** False when the owner must not receive what it publishes itself (NATS echo:false). */
  readonly echo: boolean;
}

export interface RoutedSubscription extends Subscription {
  readonly owner: SubscriptionOwner;
  /**
   * Hands one message to the subscription. `msg` is only valid during the call: a receiver
   * that keeps it must copy it. `hdrLen` is 0 when the message has no headers.
   */
  deliver(subject: string, reply: string | undefined, hdrLen: number, msg: Buffer): void;
}

export interface RouterStats {
  /** Messages published into the router. */
  published: number;
  /** Copies handed to subscriptions. */
  delivered: number;
}

export class Router {
  readonly subscriptions = new Sublist<RoutedSubscription>();
  private published = 0;
  private delivered = 0;

  /**
   * Delivers a message to every matching plain subscription and to one member of each
   * matching queue group. Returns how many subscriptions received it.
   */
  publish(subject: string, reply: string | undefined, hdrLen: number, msg: Buffer, origin: SubscriptionOwner | null): number {
    this.published++;
    const result = this.subscriptions.match(subject);
    let count = 0;
    const skipOrigin = origin !== null && !origin.echo;
    const plain = result.plain;
    for (let i = 0; i < plain.length; i++) {
      const sub = plain[i]!;
      if (skipOrigin && sub.owner === origin) continue;
      sub.deliver(subject, reply, hdrLen, msg);
      count++;
    }
    const queues = result.queues;
    for (let g = 0; g < queues.length; g++) {
      const members = queues[g]!;
      const n = members.length;
      // Random start, then the first eligible member: uniform when nobody is excluded.
      const start = n === 1 ? 0 : Math.floor(Math.random() * n);
      for (let k = 0; k < n; k++) {
        const sub = members[(start + k) % n]!;
        if (skipOrigin && sub.owner === origin) continue;
        sub.deliver(subject, reply, hdrLen, msg);
        count++;
        break;
      }
    }
    this.delivered += count;
    return count;
  }

  stats(): RouterStats {
    return { published: this.published, delivered: this.delivered };
  }
}
