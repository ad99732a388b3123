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

  /** Records the duration of an append-path fdatasync (inline or not). */
  record(ms: number): void {
    this.avgMs = this.avgMs === 0 ? ms : this.avgMs + WEIGHT * (ms - this.avgMs);
  }

  /** fdatasync of `fd` on the event loop, timed. */
  syncInline(fd: number): void {
    const started = performance.now();
    fdatasyncSync(fd);
    this.record(performance.now() - started);
  }
}
