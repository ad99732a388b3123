// Per-task metrics (Kafka Streams' task-level metrics, the ones operators look at first):
// records processed and their rate, processing latency per record, consumer lag of the task's
// input partitions, records restored from changelogs.
export class TaskMetrics {
  processed = 0;
  restored = 0;
  lag = 0;
  state = 'restoring';
  private totalLatencyMs = 0;
  private windowStart = Date.now();
  private windowCount = 0;
  private rate = 0;

  constructor(readonly taskId: string) {}

  recordBatch(records: number, elapsedMs: number): void {
    this.processed += records;
    this.totalLatencyMs += elapsedMs;
    this.windowCount += records;
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      this.rate = (this.windowCount * 1000) / (now - this.windowStart);
      this.windowStart = now;
      this.windowCount = 0;
    }
  }

  snapshot(): { taskId: string; state: string; recordsProcessed: number; recordsPerSecond: number; processLatencyAvgMs: number; recordsLag: number; recordsRestored: number } {
    const now = Date.now();
    const rate = now - this.windowStart >= 1000 ? (this.windowCount * 1000) / (now - this.windowStart) : this.rate;
    return {
      taskId: this.taskId,
      state: this.state,
      recordsProcessed: this.processed,
      recordsPerSecond: rate,
      processLatencyAvgMs: this.processed === 0 ? 0 : this.totalLatencyMs / this.processed,
      recordsLag: this.lag,
      recordsRestored: this.restored,
    };
  }
}
