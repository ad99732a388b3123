// The pull requests waiting on one pull consumer (nats-server's waitQueue): what each still
// wants (messages left of its batch, bytes left of its max_bytes), when it expires, when its next
// idle heartbeat is due, and its priority-group fields. FIFO, bounded by max_waiting; with the
// "prioritized" policy, ordered by priority (0 first) and FIFO within a priority.
import type { PullSink } from './consumer-types.js';

export interface WaitingRequest {
  /** Messages left to deliver. */
  n: number;
  /** Bytes left of max_bytes; 0 when the request set no max_bytes. */
  b: number;
  /** Messages delivered to it so far. */
  d: number;
  /** ms; 0 = no expiry. */
  expires: number;
  /** Idle heartbeat interval, ms; 0 = none. */
  hb: number;
  /** ms: when the next idle heartbeat is due. */
  hbAt: number;
  noWait: boolean;
  group: string | undefined;
  /** Pin id the request carries (pinned_client), or the one assigned to it. */
  pinId: string | undefined;
  minPending: number;
  minAckPending: number;
  priority: number;
  received: number;
  readonly sink: PullSink;
}

export class WaitingQueue {
  private readonly q: WaitingRequest[] = [];

  constructor(
    readonly max: number,
    private readonly prioritized: boolean,
  ) {}

  get length(): number {
    return this.q.length;
  }

  get isFull(): boolean {
    return this.max > 0 && this.q.length >= this.max;
  }

  /** Adds a request; false when the queue is full (409 Exceeded MaxWaiting). */
  add(wr: WaitingRequest): boolean {
    if (this.isFull) return false;
    if (!this.prioritized) {
      this.q.push(wr);
      return true;
    }
    let i = this.q.length;
    while (i > 0 && this.q[i - 1]!.priority > wr.priority) i--;
    this.q.splice(i, 0, wr);
    return true;
  }

  /** The requests in order (for iteration: do not add or remove while iterating). */
  all(): readonly WaitingRequest[] {
    return this.q;
  }

  /**
   * ms: when the last waiting request left (0 = never). A pull consumer is active while a request
   * waits, so its inactive_threshold counts from here (nats-server re-arms its delete timer while
   * requests wait): a client that re-pulls after its request expired keeps the consumer.
   */
  emptiedAt = 0;

  remove(wr: WaitingRequest): void {
    const i = this.q.indexOf(wr);
    if (i < 0) return;
    this.q.splice(i, 1);
    if (this.q.length === 0) this.emptiedAt = Date.now();
  }

  /** Moves a request to the back (of its priority) after it took a message, so requests share a stream fairly. */
  toBack(wr: WaitingRequest): void {
    const i = this.q.indexOf(wr);
    if (i < 0 || this.q.length === 1) return;
    this.q.splice(i, 1);
    this.add(wr);
  }

  clear(): WaitingRequest[] {
    if (this.q.length > 0) this.emptiedAt = Date.now();
    return this.q.splice(0, this.q.length);
  }

  /** Messages all waiting requests still want (batch pending). */
  batchPending(): number {
    let n = 0;
    for (const wr of this.q) n += wr.n;
    return n;
  }
}
