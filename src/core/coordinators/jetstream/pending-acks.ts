// A consumer's acknowledgement state: the messages delivered and not acknowledged yet (with the
// consumer sequence of their first delivery and the time of their last one), how often each was
// delivered, the queue of messages due for redelivery, the messages that reached max_deliver,
// and the ack floor derived from them.
//
// Deliveries go out in ascending stream sequence (a redelivery keeps its entry), so the Map of
// pending entries is in ascending key order by construction: the lowest unresolved message is
// the Map's first key, and the ack floor (everything at or below it is acknowledged) is found
// without scanning. Entries are plain numbers in parallel fields of one object per pending
// message, bounded by max_ack_pending.

export interface PendingEntry {
  /** Consumer sequence of the first delivery (nats-server keeps it across redeliveries). */
  dseq: number;
  /** ms: time of the last delivery (or what a NAK delay or +WPI set), the start of its ack wait. */
  ts: number;
  /** The message's subject (interned by the stream's subject index): retention decisions need it. */
  subject: string;
}

export class PendingAcks {
  /** sseq -> entry, in ascending sseq. */
  readonly pending = new Map<number, PendingEntry>();
  /** sseq -> times delivered, only for messages delivered more than once and not acknowledged. */
  readonly deliveries = new Map<number, number>();
  /** Messages that reached max_deliver: not pending any more, not acknowledged either (sseq -> dseq). */
  readonly exceeded = new Map<number, number>();
  /** Sequences due for redelivery, ascending. */
  private rdq: number[] = [];
  private readonly rdqSet = new Set<number>();

  /** Times `sseq` was delivered (1 if it never was redelivered). */
  deliveryCount(sseq: number): number {
    return this.deliveries.get(sseq) ?? 1;
  }

  /** Records a delivery; returns the delivery count including this one. */
  delivered(sseq: number, dseq: number, now: number, subject: string, tracked: boolean): number {
    const p = this.pending.get(sseq);
    if (p !== undefined) {
      p.ts = now;
      const n = (this.deliveries.get(sseq) ?? 1) + 1;
      this.deliveries.set(sseq, n);
      return n;
    }
    if (tracked) this.pending.set(sseq, { dseq, ts: now, subject });
    return 1;
  }

  /** Restores an entry (recovery); entries must come in ascending sseq. */
  restore(sseq: number, dseq: number, ts: number, subject: string, count: number): void {
    this.pending.set(sseq, { dseq, ts, subject });
    if (count > 1) this.deliveries.set(sseq, count);
  }

  /** Removes one acknowledged (or terminated) message; false when it was not pending. */
  ack(sseq: number): boolean {
    const had = this.pending.delete(sseq);
    this.deliveries.delete(sseq);
    this.dequeue(sseq);
    if (!had) return this.exceeded.delete(sseq);
    return true;
  }

  /** AckAll: removes every pending message at or below sseq; returns the sequences removed. */
  ackUpTo(sseq: number, out: number[]): void {
    for (const seq of this.pending.keys()) {
      if (seq > sseq) break;
      out.push(seq);
    }
    for (const seq of out) {
      this.pending.delete(seq);
      this.deliveries.delete(seq);
      this.dequeue(seq);
    }
    for (const seq of this.exceeded.keys()) {
      if (seq > sseq) break;
      this.exceeded.delete(seq);
    }
  }

  /** A message that reached max_deliver: it leaves pending and blocks the ack floor until acknowledged. */
  exceed(sseq: number): void {
    const p = this.pending.get(sseq);
    if (p === undefined) return;
    this.pending.delete(sseq);
    this.dequeue(sseq);
    this.exceeded.set(sseq, p.dseq);
  }

  /** Drops what a purge or another removal took out of the stream (below `firstSeq`, or the given ones). */
  dropBelow(firstSeq: number): number {
    let n = 0;
    for (const seq of this.pending.keys()) {
      if (seq >= firstSeq) break;
      this.pending.delete(seq);
      this.deliveries.delete(seq);
      this.dequeue(seq);
      n++;
    }
    for (const seq of this.exceeded.keys()) {
      if (seq >= firstSeq) break;
      this.exceeded.delete(seq);
      this.deliveries.delete(seq);
    }
    return n;
  }

  /** Forgets everything (consumer reset). */
  clear(): void {
    this.pending.clear();
    this.deliveries.clear();
    this.exceeded.clear();
    this.rdq = [];
    this.rdqSet.clear();
  }

  // ---- redelivery queue

  get hasRedeliveries(): boolean {
    return this.rdq.length > 0;
  }

  queued(sseq: number): boolean {
    return this.rdqSet.has(sseq);
  }

  /** Queues sequences for redelivery, keeping the queue ascending. */
  enqueue(sseq: number): void {
    if (this.rdqSet.has(sseq)) return;
    this.rdqSet.add(sseq);
    const q = this.rdq;
    if (q.length === 0 || q[q.length - 1]! < sseq) {
      q.push(sseq);
      return;
    }
    let lo = 0;
    let hi = q.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (q[mid]! < sseq) lo = mid + 1;
      else hi = mid;
    }
    q.splice(lo, 0, sseq);
  }

  /** The next sequence due for redelivery, removed from the queue; 0 when none. */
  nextRedelivery(): number {
    const seq = this.rdq.shift();
    if (seq === undefined) return 0;
    this.rdqSet.delete(seq);
    return seq;
  }

  /** Puts a sequence back at the head (a redelivery that found no receiver). */
  requeue(sseq: number): void {
    this.enqueue(sseq);
  }

  private dequeue(sseq: number): void {
    if (!this.rdqSet.delete(sseq)) return;
    const i = this.rdq.indexOf(sseq);
    if (i >= 0) this.rdq.splice(i, 1);
  }

  /** The lowest unresolved message (pending or over max_deliver), or null: its sseq and first dseq. */
  lowestUnresolved(): { sseq: number; dseq: number } | null {
    let best: { sseq: number; dseq: number } | null = null;
    for (const [sseq, p] of this.pending) {
      best = { sseq, dseq: p.dseq };
      break;
    }
    for (const [sseq, dseq] of this.exceeded) {
      if (best === null || sseq < best.sseq) best = { sseq, dseq };
      break;
    }
    return best;
  }

  /** Messages delivered more than once and not acknowledged (num_redelivered). */
  get redelivered(): number {
    return this.deliveries.size;
  }
}
