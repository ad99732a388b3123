// The log bytes of recent consumer delivery runs, kept for the next run of the same stream.
//
// A delivery run (Stream.readMany) reads at least 64 KiB of the log and usually stops at its
// budget (a pull request's batch) well inside what it read; the next run of the same consumer
// starts where it stopped and read those bytes again: measured on `nats bench js ordered`, 674
// reads of 64 KiB for 100,000 messages of 128 B (about 2.5 times the stored bytes), each a new
// buffer outside the JavaScript heap, and external memory is what starts V8's full collections.
// A run that starts inside the bytes the stream's last run read takes them instead.
//
// The bytes are stored batches up to the durable end when they were read, which never change
// (deletes, purges and erasures leave the offsets' records unlive in the stream's index, which
// the runs check; only appends in flight are ever truncated, and runs never read those). Entries
// are kept per stream, the oldest given up once all of them hold more than the limit, so many
// streams do not pin many megabytes.
export interface RunBytes {
  /** First and next offset the chunks cover: [from, next). */
  from: number;
  next: number;
  chunks: Buffer[];
  bytes: number;
}

export class RunCache {
  /** By owner, in the order last used (a Map keeps insertion order). */
  private readonly entries = new Map<object, RunBytes>();
  private held = 0;

  constructor(private readonly limit: number) {}

  /** The owner's last run's bytes when they cover `offset`, else null. */
  get(owner: object, offset: number): RunBytes | null {
    const e = this.entries.get(owner);
    if (e === undefined || offset < e.from || offset >= e.next) return null;
    return e;
  }

  /** Keeps what a run of `owner` read, in place of its previous run's. */
  put(owner: object, run: RunBytes): void {
    this.drop(owner);
    if (run.bytes > this.limit) return;
    this.entries.set(owner, run);
    this.held += run.bytes;
    for (const [o, e] of this.entries) {
      if (this.held <= this.limit) break;
      this.entries.delete(o);
      this.held -= e.bytes;
    }
  }

  drop(owner: object): void {
    const e = this.entries.get(owner);
    if (e === undefined) return;
    this.entries.delete(owner);
    this.held -= e.bytes;
  }

  /** Bytes held (for tests). */
  get bytes(): number {
    return this.held;
  }
}

/** The process's cache: 8 MiB in all (eight runs of the largest size). */
export const runCache = new RunCache(8 * 1024 * 1024);
