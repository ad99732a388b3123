// When messages of a stream expire: per-message TTLs (Nats-TTL) in a binary min-heap of
// (expiry time, sequence), and max_age from the time of the first live message (records are in
// time order: stream topics use LogAppendTime). One timer per stream, armed for the earliest
// of the two; a TTL expiry or max_age removal is derived again on replay (expired iff its time
// plus its TTL is past), never recorded (docs/jetstream.md 1.8).

export class TtlHeap {
  private times: number[] = [];
  private seqs: number[] = [];

  get size(): number {
    return this.times.length;
  }

  /** Expiry time of the earliest entry, or Infinity. */
  peekTime(): number {
    return this.times.length === 0 ? Infinity : this.times[0]!;
  }

  push(time: number, seq: number): void {
    const t = this.times;
    const s = this.seqs;
    let i = t.length;
    t.push(time);
    s.push(seq);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (t[p]! <= time) break;
      t[i] = t[p]!;
      s[i] = s[p]!;
      i = p;
    }
    t[i] = time;
    s[i] = seq;
  }

  /** Removes the earliest entry and returns its sequence (call only when size > 0). */
  pop(): number {
    const t = this.times;
    const s = this.seqs;
    const seq = s[0]!;
    const lastT = t.pop()!;
    const lastS = s.pop()!;
    if (t.length > 0) {
      let i = 0;
      const n = t.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && t[r]! < t[l]! ? r : l;
        if (t[c]! >= lastT) break;
        t[i] = t[c]!;
        s[i] = s[c]!;
        i = c;
      }
      t[i] = lastT;
      s[i] = lastS;
    }
    return seq;
  }

  /** Drops entries whose sequence is at or after `seq` (a failed append rolled back). */
  dropFrom(seq: number): void {
    const keep: Array<[number, number]> = [];
    for (let i = 0; i < this.times.length; i++) if (this.seqs[i]! < seq) keep.push([this.times[i]!, this.seqs[i]!]);
    this.times = [];
    this.seqs = [];
    for (const [t, s] of keep) this.push(t, s);
  }

  clear(): void {
    this.times = [];
    this.seqs = [];
  }

  /** The heap's arrays for an index snapshot (its own, in heap order). */
  exportEntries(): { times: readonly number[]; seqs: readonly number[] } {
    return { times: this.times, seqs: this.seqs };
  }

  /** Replaces the heap with a snapshot's arrays (in heap order, as exportEntries gave them). */
  importEntries(times: number[], seqs: number[]): void {
    if (times.length !== seqs.length) throw new Error('ttl heap: snapshot arrays differ in length');
    this.times = times;
    this.seqs = seqs;
  }
}

/** A re-armable timer for the next expiry of a stream (unref'd: it never keeps the process alive). */
export class ExpiryTimer {
  private timer: NodeJS.Timeout | null = null;
  private at = Infinity;

  constructor(private readonly fire: () => void) {}

  /** Arms for `time` (ms since the epoch) unless an earlier run is already armed. */
  arm(time: number): void {
    if (!Number.isFinite(time)) return;
    if (this.timer !== null && this.at <= time) return;
    this.cancel();
    this.at = time;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.at = Infinity;
      this.fire();
    }, Math.max(0, time - Date.now()));
    this.timer.unref();
  }

  cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.at = Infinity;
  }
}
