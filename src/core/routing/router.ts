// Message routing between publishers and subscriptions, independent of any wire format.
// A message is a Buffer holding optional NATS-style headers followed by the payload; the
// header length travels beside it so that receivers that cannot take headers can skip them.
//
// Two entries: publish() is a client's publish, and applies the subject mappings first, where
// nats-server applies them (in the inbound path of client and leafnode connections, before
// permissions, routing and no-responders: a stream capturing subjects sees the mapped one);
// route() delivers a subject as it is, for the broker's own publishers (stream deliveries,
// advisories, records arriving over Kafka), which nats-server does not map either.
import { Sublist, type Subscription } from './sublist.js';
import { SubjectMapping, type MappingTable, type SubjectMappingOptions } from './subject-mapping.js';

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

export interface RouterOptions extends SubjectMappingOptions {
  /** nats-server's `mappings`: applied to what clients publish (see subject-mapping.ts). */
  readonly mappings?: MappingTable;
}

export class Router {
  readonly subscriptions = new Sublist<RoutedSubscription>();
  private published = 0;
  private delivered = 0;
  /** null when no mapping is configured: publish() then costs one comparison more than route(). */
  private mapping: SubjectMapping | null = null;

  /** Throws SubjectMappingError when `options.mappings` is refused. */
  constructor(options: RouterOptions = {}) {
    if (options.mappings !== undefined) this.setMappings(options.mappings, options);
  }

  /**
   * Replaces the subject mappings (a config reload): the table is validated first and, if it is
   * refused (SubjectMappingError, every problem in nats-server's words), the old one stays.
   * An empty table or null removes them.
   */
  setMappings(table: MappingTable | null, options: SubjectMappingOptions = {}): void {
    this.mapping = table === null || Object.keys(table).length === 0 ? null : SubjectMapping.parse(table, options);
  }

  /** The mappings in force, or null. */
  get mappings(): SubjectMapping | null {
    return this.mapping;
  }

  /**
   * The subject a client's publish on `subject` is routed to (itself when nothing maps it).
   * A weighted mapping draws on every call: a front-end that needs the mapped subject itself
   * (the Nats-Subject of a 503) calls this once and then route(), rather than publish().
   */
  mapSubject(subject: string): string {
    return this.mapping === null ? subject : this.mapping.map(subject);
  }

  /**
   * A client's publish: maps the subject, then routes it (see route()). `subject` and `reply`
   * are byte strings (one char per byte), as the NATS front-end decodes them.
   */
  publish(subject: string, reply: string | undefined, hdrLen: number, msg: Buffer, origin: SubscriptionOwner | null): number {
    const mapping = this.mapping;
    return this.route(mapping === null ? subject : mapping.map(subject), reply, hdrLen, msg, origin);
  }

  /**
   * Delivers a message to every matching plain subscription and to one member of each
   * matching queue group, with no mapping. Returns how many subscriptions received it.
   */
  route(subject: string, reply: string | undefined, hdrLen: number, msg: Buffer, origin: SubscriptionOwner | null): number {
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
