// When the append path's fdatasync runs on the event loop instead of libuv's thread pool.
//
// At fsync=always a writer with one append in flight (a JetStream `pub sync`, a KV put, a Kafka
// producer waiting for each acks=all reply) waits after every write for the thread pool's round
// trip: the worker's fdatasync, then its wake-up of the event loop, which on a fast disk costs about
// as much as the fsync itself (strace of 2 000 js pub sync: 2 000 fdatasync, and 2 000 extra
// write()s that are the workers' wake-ups). nats-server calls fsync in the publishing goroutine.
// Wharf does the same when doing so can hold nothing else up for long:
//   - only one partition of the engine has an append group in progress (several partitions
//     appending at once keep their fsyncs in parallel on the pool);
//   - the recent fdatasyncs were fast (a moving average below INLINE_MAX_MS), so the event loop is
//     never held for a slow disk's fsync (a spinning disk's 5-20 ms would stall every connection).
//     An fsync on the pool is timed from the call to its callback: the fsync plus the pool's round
//     trip (a worker to pick it up, the event loop to see it done), which on a busy machine is
//     most of it. Such a time can show that the disk is fast, never that it is slow, so it only
//     ever lowers the average: counted in full, the round trips of a loaded machine kept the
//     average above the limit for good once a few slow fsyncs had sent the syncs to the pool (an
//     e2e run at load 10: 319 of 500 fsyncs on the pool, 834 us median from write to synced,
//     against 258 us inline; docs/storage.md, "One record's latency").
// While an inline fsync runs, nothing else on the event loop runs; what arrives meanwhile waits in
// the sockets' buffers and is read as one batch next, which is where group commit comes from then.
import { fdatasyncSync } from 'node:fs';

/** An inline fdatasync is allowed while the average of recent ones stays below this. */
export const INLINE_MAX_MS = 1;
/** Weight of the newest fsync in the moving average. */
const WEIGHT = 0.2;

export class InlineSyncPolicy {
  private writers = 0;
  private avgMs = 0;

  /** `maxMs`: the average fsync time below which inline syncs are allowed. */
  constructor(private readonly maxMs: number = INLINE_MAX_MS) {}

  /** A partition starts writing append groups. */
  enter(): void {
    this.writers++;
  }

  /** It has written its queue out. */
  leave(): void {
    this.writers--;
  }

  /** Whether the group a partition is writing now may fsync inline. */
  inline(): boolean {
    return this.writers === 1 && this.avgMs < this.maxMs;
  }

  /** Records the duration of an append-path fdatasync made on the event loop. */
  record(ms: number): void {
    this.avgMs = this.avgMs === 0 ? ms : this.avgMs + WEIGHT * (ms - this.avgMs);
  }

  /**
   * Records the time of an append-path fdatasync made on the thread pool, round trip included:
   * an upper bound of the fsync, so it counts only when it is below the average.
   */
  recordPooled(ms: number): void {
    if (ms < this.avgMs) this.record(ms);
  }

  /** fdatasync of `fd` on the event loop, timed. */
  syncInline(fd: number): void {
    const started = performance.now();
    fdatasyncSync(fd);
    this.record(performance.now() - started);
  }
}
