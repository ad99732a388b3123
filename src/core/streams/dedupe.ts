// The duplicate window of a stream: Nats-Msg-Id -> sequence for the ids seen within
// duplicate_window (docs/jetstream.md 1.3). A Map plus a queue of (time, id) in append order,
// trimmed on each insert and when asked; ids of appends still in flight are in it too (their
// sequence is known when the publish is taken), so a retry of an in-flight publish is a
// duplicate of it. Records appended over Kafka with a Nats-Msg-Id header are registered the
// same way; rebuilt on start from the records of the last window.

interface Entry {
  seq: number;
  time: number;
}

export class DuplicateWindow {
  private readonly byId = new Map<string, Entry>();
  private ids: string[] = [];
  private head = 0;

  /** @param windowMs the window; 0 keeps nothing. */
  constructor(private windowMs: number) {}

  setWindow(ms: number): void {
    this.windowMs = ms;
  }

  get size(): number {
    return this.byId.size;
  }

  /** The sequence of an id seen within the window, or 0. */
  lookup(id: string, now: number): number {
    const e = this.byId.get(id);
    if (e === undefined) return 0;
    if (now - e.time >= this.windowMs) return 0;
    return e.seq;
  }

  add(id: string, seq: number, time: number): void {
    if (this.windowMs <= 0) return;
    if (!this.byId.has(id)) this.ids.push(id);
    this.byId.set(id, { seq, time });
    this.trim(time);
  }

  /** Drops ids older than the window. */
  trim(now: number): void {
    while (this.head < this.ids.length) {
      const id = this.ids[this.head]!;
      const e = this.byId.get(id);
      if (e !== undefined && now - e.time < this.windowMs) break;
      this.byId.delete(id);
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.ids.length) {
      this.ids = this.ids.slice(this.head);
      this.head = 0;
    }
  }

  /** Forgets the ids of sequences at and after `seq` (a failed append rolled back). */
  dropFrom(seq: number): void {
    for (const [id, e] of this.byId) if (e.seq >= seq) this.byId.delete(id);
  }

  /** The ids in the window, oldest first, for an index snapshot. */
  *entries(): IterableIterator<[string, number, number]> {
    for (let i = this.head; i < this.ids.length; i++) {
      const id = this.ids[i]!;
      const e = this.byId.get(id);
      if (e !== undefined) yield [id, e.seq, e.time];
    }
  }

  clear(): void {
    this.byId.clear();
    this.ids = [];
    this.head = 0;
  }
}
