// A compacted internal topic of the log that a coordinator keeps its state in
// (`__consumer_offsets`, `__transaction_state`). Records are Wharf's own format, versioned JSON:
//   key:   JSON array whose first element names the record type, e.g. ["o", group, topic, partition]
//   value: JSON object with a "v" (format version) field, or null: a tombstone that deletes the key
// Compaction keeps the newest record of each key, so replaying the topic from its start restores
// the latest state of everything. Appends go through the log like any producer's, under the
// broker's durability policy: a coordinator answers its client only once the append is
// acknowledged.
import type { Logger } from '../../log.js';
import { isLogError, type Log, type LogPartition } from '../log/index.js';
import { buildRecordBatch, decodeRecords, batchIsControl, forEachBatch } from '../records/batch.js';

export type InternalKey = ReadonlyArray<string | number>;

export interface InternalRecord {
  key: InternalKey;
  /** null deletes the key (a tombstone). */
  value: Record<string, unknown> | null;
}

export const INTERNAL_TOPIC_CONFIGS: Readonly<Record<string, string>> = Object.freeze({
  'cleanup.policy': 'compact',
  'segment.bytes': String(100 * 1024 * 1024),
  'max.message.bytes': String(16 * 1024 * 1024),
  'min.cleanable.dirty.ratio': '0.5',
});

const READ_CHUNK = 4 * 1024 * 1024;

export class InternalTopic {
  private constructor(
    private readonly log: Log,
    readonly name: string,
    private readonly logger: Logger,
  ) {}

  /**
   * Opens the topic. Like Kafka, it is created (one compacted partition) only when first
   * written to, so a broker without groups or transactions has no internal topics.
   */
  static async open(log: Log, name: string, logger: Logger): Promise<InternalTopic> {
    return new InternalTopic(log, name, logger);
  }

  private creating: Promise<void> | null = null;

  /** Creates the topic now if it does not exist (Kafka does on the first FindCoordinator). */
  async ensure(): Promise<void> {
    await this.writable();
  }

  private async writable(): Promise<LogPartition> {
    if (!this.log.hasTopic(this.name)) {
      this.creating ??= this.log
        .createTopic(this.name, { partitions: 1, configs: { ...INTERNAL_TOPIC_CONFIGS } })
        .then(
          () => undefined,
          (e: unknown) => {
            if (!isLogError(e, 'TOPIC_ALREADY_EXISTS')) throw e;
          },
        )
        .finally(() => {
          this.creating = null;
        });
      await this.creating;
    }
    return this.log.partition(this.name, 0);
  }

  /**
   * Appends records as one batch (so they become visible and durable together). Resolves with
   * the offset of the last record once the append is acknowledged.
   */
  async append(records: readonly InternalRecord[]): Promise<number> {
    if (records.length === 0) return -1;
    const now = Date.now();
    const batch = buildRecordBatch({
      baseTimestamp: now,
      records: records.map((r) => ({
        key: JSON.stringify(r.key),
        value: r.value === null ? null : JSON.stringify(r.value),
        timestamp: now,
      })),
    });
    const out = await (await this.writable()).append(batch);
    return out.lastOffset;
  }

  /** Calls `fn` with every record from the start of the topic, in offset order. */
  async replay(fn: (key: InternalKey, value: Record<string, unknown> | null, offset: number, timestamp: number) => void): Promise<number> {
    if (!this.log.hasTopic(this.name)) return 0;
    const part = this.log.partition(this.name, 0);
    const end = part.highWatermark;
    let offset = part.logStartOffset;
    let count = 0;
    while (offset < end) {
      const r = await part.read(offset, READ_CHUNK, { maxOffset: end });
      if (r.bytes === 0) break;
      for (const chunk of r.chunks) {
        forEachBatch(chunk, (pos, size) => {
          const batch = chunk.subarray(pos, pos + size);
          if (batchIsControl(batch)) return;
          for (const rec of decodeRecords(batch)) {
            if (rec.offset < offset || rec.key === null) continue;
            let key: InternalKey;
            let value: Record<string, unknown> | null;
            try {
              key = JSON.parse(rec.key.toString('utf8')) as InternalKey;
              value = rec.value === null ? null : (JSON.parse(rec.value.toString('utf8')) as Record<string, unknown>);
            } catch (e) {
              this.logger.warn({ topic: this.name, offset: rec.offset, err: e }, 'skipping unreadable internal record');
              continue;
            }
            if (!Array.isArray(key)) continue;
            fn(key, value, rec.offset, rec.timestamp);
            count++;
          }
        });
      }
      offset = r.nextOffset;
    }
    return count;
  }
}
