// Consumer group lag, the figure operators watch first: per committed partition, how many
// records the group has not consumed (log end offset - committed offset, as
// kafka-consumer-groups.sh reports it) and how old the oldest of them is (now - the timestamp
// of the first record at or after the committed offset). Shared by /metrics and the console.
// The timestamp costs one read of one batch per lagging partition; it is cached by offset, so a
// group that does not move costs nothing on the next scrape.
import type { Coordinators } from '../core/coordinators/index.js';
import type { Log, LogPartition } from '../core/log/index.js';
import { recordBatch } from '../core/log/index.js';

export interface PartitionLag {
  topic: string;
  partition: number;
  /** The committed offset (the next record the group will read). */
  committed: number;
  logStartOffset: number;
  logEndOffset: number;
  /** Records behind the log end. */
  lag: number;
  /** Age of the oldest unconsumed record in ms (0 when caught up, null when it cannot be read). */
  lagMs: number | null;
  /** Timestamp of the oldest unconsumed record, or null. */
  oldestUnconsumedTimestamp: number | null;
}

const MAX_CACHED = 10_000;

export class LagReader {
  /** "topic\0partition\0offset" -> timestamp of the first record at or after that offset. */
  private readonly timestamps = new Map<string, number>();

  constructor(
    private readonly log: Log,
    private readonly coordinators: Coordinators | null,
  ) {}

  /** Group ids with committed offsets or members. */
  groups(): string[] {
    if (this.coordinators === null) return [];
    return this.coordinators.groups.listGroups().map((g) => g.groupId);
  }

  /** The lag of every partition the group has committed an offset for. */
  async ofGroup(groupId: string, now = Date.now()): Promise<PartitionLag[]> {
    if (this.coordinators === null) return [];
    const fetched = this.coordinators.groups.fetchOffsets({ groupId, partitions: null, requireStable: false });
    const out: PartitionLag[] = [];
    for (const o of fetched.offsets) {
      if (o.error !== null || o.offset < 0) continue;
      let part: LogPartition;
      try {
        part = this.log.partition(o.topic, o.partition);
      } catch {
        continue; // the topic was deleted: nothing to lag behind
      }
      const end = part.highWatermark;
      const start = part.logStartOffset;
      const lag = Math.max(0, end - Math.max(o.offset, start));
      let ts: number | null = null;
      if (lag > 0) ts = await this.timestampAt(part, Math.max(o.offset, start));
      out.push({
        topic: o.topic,
        partition: o.partition,
        committed: o.offset,
        logStartOffset: start,
        logEndOffset: end,
        lag,
        lagMs: lag === 0 ? 0 : ts === null ? null : Math.max(0, now - ts),
        oldestUnconsumedTimestamp: ts,
      });
    }
    out.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
    return out;
  }

  /** Timestamp of the first record at or after `offset`, or null when none can be read. */
  async timestampAt(part: LogPartition, offset: number): Promise<number | null> {
    const key = `${part.topic.name}\u0000${part.index}\u0000${offset}`;
    const cached = this.timestamps.get(key);
    if (cached !== undefined) return cached;
    let found: number | null = null;
    try {
      let at = offset;
      // Control batches (transaction markers) carry no records to age: step over a few.
      for (let tries = 0; tries < 8 && found === null && at < part.highWatermark; tries++) {
        const r = await part.read(at, 1);
        if (r.chunks.length === 0) break;
        const buf = r.chunks.length === 1 ? r.chunks[0]! : Buffer.concat(r.chunks);
        const size = recordBatch.batchSize(buf, 0);
        const batch = buf.subarray(0, size);
        if (!recordBatch.batchIsControl(batch)) {
          const records = await recordBatch.decodeRecordsAsync(batch);
          const rec = records.find((x) => x.offset >= offset);
          if (rec !== undefined) found = rec.timestamp;
        }
        at = Math.max(r.nextOffset, recordBatch.batchLastOffset(batch) + 1);
      }
    } catch {
      return null;
    }
    if (found !== null) {
      if (this.timestamps.size >= MAX_CACHED) this.timestamps.clear();
      this.timestamps.set(key, found);
    }
    return found;
  }
}
