// Where index snapshots live (docs/jetstream.md 1.18, step 2): the compacted internal topic
// __jetstream_snapshots. A snapshot is cut into chunks of at most 1 MiB (no record passes the
// default max.message.bytes), each a record
//   key   ["snap", topicId, epoch, chunk]   (JSON, as the other internal topics' keys)
//   value [u32 LE: number of chunks of the epoch] [the chunk's bytes]
// appended one batch per chunk. A snapshot counts only when every chunk of its epoch is there
// and the joined bytes pass the codec's CRC; the previous epoch's keys get tombstones only
// after the new epoch's last chunk is durable. So a crash in the middle of a write leaves the
// previous snapshot whole (or, for the first, none: a full replay), never half of one; the
// leftovers of an interrupted epoch are tombstoned by the next write.
//
// Test hook: WHARF_TEST_SNAPSHOT_KILL_AFTER_CHUNK=n makes the process SIGKILL itself once chunk
// n (0-based) of a snapshot with more than n + 1 chunks is durable (the crash test of a half
// written snapshot); it is read once, at load, and does nothing when unset.
import type { Logger } from '../../log.js';
import { isLogError, type Log, type LogPartition } from '../log/index.js';
import { INTERNAL_TOPIC_CONFIGS } from '../coordinators/internal-topic.js';
import { batchIsControl, buildRecordBatch, decodeRecords, forEachBatch } from '../records/batch.js';

export const SNAPSHOT_TOPIC = '__jetstream_snapshots';
const CHUNK_BYTES = 1024 * 1024;
const READ_CHUNK = 4 * 1024 * 1024;

const killAfter = ((): number => {
  const v = process.env['WHARF_TEST_SNAPSHOT_KILL_AFTER_CHUNK'];
  return v === undefined || v === '' ? -1 : Number(v);
})();

interface Epoch {
  chunks: number;
  parts: Map<number, Buffer>;
}

export class SnapshotStore {
  /** Chunks read at start, by topic id and epoch (released once the stream has loaded its snapshot). */
  private readonly loaded = new Map<string, Map<number, Epoch>>();
  /** The keys present per topic id: epoch -> chunk numbers (what a later write tombstones). */
  private readonly keys = new Map<string, Map<number, Set<number>>>();
  private creating: Promise<void> | null = null;
  private readonly log: Logger;

  private constructor(
    private readonly logManager: Log,
    logger: Logger,
  ) {
    this.log = logger.child({ component: 'stream-snapshots' });
  }

  /** Reads the topic (if it exists): every chunk still there, by topic and epoch. */
  static async open(log: Log, logger: Logger): Promise<SnapshotStore> {
    const store = new SnapshotStore(log, logger);
    if (!log.hasTopic(SNAPSHOT_TOPIC)) return store;
    const part = log.partition(SNAPSHOT_TOPIC, 0);
    try {
      await store.readAll(part);
    } catch (e) {
      if (part.failure === null) throw e;
    }
    if (part.failure !== null) {
      // Snapshots only shorten a start: without them every stream is rebuilt from its log.
      store.loaded.clear();
      store.keys.clear();
      logger.error({ topic: SNAPSHOT_TOPIC, err: part.failure }, `internal topic ${SNAPSHOT_TOPIC} is damaged and offline: streams are rebuilt from their logs, and no new snapshot can be written until it is repaired`);
    }
    return store;
  }

  private async readAll(part: LogPartition): Promise<void> {
    const store = this;
    const end = part.highWatermark;
    let offset = part.logStartOffset;
    while (offset < end) {
      const r = await part.read(offset, READ_CHUNK, { maxOffset: end });
      if (r.bytes === 0) break;
      for (const chunk of r.chunks) {
        forEachBatch(chunk, (pos, size) => {
          const batch = chunk.subarray(pos, pos + size);
          if (batchIsControl(batch)) return;
          for (const rec of decodeRecords(batch)) {
            if (rec.offset < offset || rec.key === null) continue;
            let key: unknown;
            try {
              key = JSON.parse(rec.key.toString('utf8'));
            } catch {
              continue;
            }
            if (!Array.isArray(key) || key[0] !== 'snap' || typeof key[1] !== 'string' || typeof key[2] !== 'number' || typeof key[3] !== 'number') continue;
            store.note(key[1], key[2], key[3], rec.value === null || rec.value.length < 4 ? null : Buffer.from(rec.value));
          }
        });
      }
      offset = r.nextOffset;
    }
  }

  private note(topicId: string, epoch: number, chunk: number, value: Buffer | null): void {
    let keys = this.keys.get(topicId);
    if (keys === undefined) this.keys.set(topicId, (keys = new Map()));
    let loaded = this.loaded.get(topicId);
    if (loaded === undefined) this.loaded.set(topicId, (loaded = new Map()));
    if (value === null) {
      keys.get(epoch)?.delete(chunk);
      if (keys.get(epoch)?.size === 0) keys.delete(epoch);
      loaded.get(epoch)?.parts.delete(chunk);
      if (loaded.get(epoch)?.parts.size === 0) loaded.delete(epoch);
      return;
    }
    let k = keys.get(epoch);
    if (k === undefined) keys.set(epoch, (k = new Set()));
    k.add(chunk);
    let e = loaded.get(epoch);
    if (e === undefined) loaded.set(epoch, (e = { chunks: value.readUInt32LE(0), parts: new Map() }));
    e.parts.set(chunk, value.subarray(4));
  }

  /**
   * The bytes of each complete epoch of a topic, newest first (the caller decodes them in turn
   * and takes the first that passes the codec's checks). Releases what was read for the topic.
   */
  take(topicId: string): Array<{ epoch: number; data: Buffer }> {
    const loaded = this.loaded.get(topicId);
    this.loaded.delete(topicId);
    if (loaded === undefined) return [];
    const out: Array<{ epoch: number; data: Buffer }> = [];
    for (const [epoch, e] of [...loaded].sort((a, b) => b[0] - a[0])) {
      if (e.parts.size !== e.chunks) continue;
      const parts: Buffer[] = [];
      for (let c = 0; c < e.chunks; c++) {
        const p = e.parts.get(c);
        if (p === undefined) break;
        parts.push(p);
      }
      if (parts.length === e.chunks) out.push({ epoch, data: Buffer.concat(parts) });
    }
    return out;
  }

  /** Forgets the chunks read at start that no stream took (their topics are no streams). */
  releaseLoaded(): void {
    this.loaded.clear();
  }

  private async writable(): Promise<LogPartition> {
    if (!this.logManager.hasTopic(SNAPSHOT_TOPIC)) {
      this.creating ??= this.logManager
        .createTopic(SNAPSHOT_TOPIC, { partitions: 1, configs: { ...INTERNAL_TOPIC_CONFIGS } })
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
    return this.logManager.partition(SNAPSHOT_TOPIC, 0);
  }

  /**
   * Writes a snapshot of a topic's stream as a new epoch, then tombstones every other epoch of
   * the topic (the previous snapshot, leftovers of an interrupted write). Resolves with the
   * epoch once all of it is durable.
   */
  async write(topicId: string, data: Buffer): Promise<number> {
    const part = await this.writable();
    let keys = this.keys.get(topicId);
    if (keys === undefined) this.keys.set(topicId, (keys = new Map()));
    const epoch = Math.max(0, ...keys.keys()) + 1;
    const chunks = Math.max(1, Math.ceil(data.length / CHUNK_BYTES));
    const written = new Set<number>();
    keys.set(epoch, written);
    for (let c = 0; c < chunks; c++) {
      const body = data.subarray(c * CHUNK_BYTES, Math.min(data.length, (c + 1) * CHUNK_BYTES));
      const value = Buffer.allocUnsafe(4 + body.length);
      value.writeUInt32LE(chunks, 0);
      body.copy(value, 4);
      const now = Date.now();
      await part.append(buildRecordBatch({ baseTimestamp: now, records: [{ key: JSON.stringify(['snap', topicId, epoch, c]), value, timestamp: now }] }));
      written.add(c);
      if (killAfter >= 0 && c === killAfter && chunks > killAfter + 1) process.kill(process.pid, 'SIGKILL');
    }
    await this.tombstone(topicId, (e) => e !== epoch);
    return epoch;
  }

  /** Tombstones every key of a topic's epochs that `which` selects (all of them: a deleted stream). */
  async tombstone(topicId: string, which: (epoch: number) => boolean = () => true): Promise<void> {
    const keys = this.keys.get(topicId);
    if (keys === undefined) return;
    const records: Array<{ key: string; value: null; timestamp: number }> = [];
    const now = Date.now();
    for (const [epoch, chunks] of [...keys]) {
      if (!which(epoch)) continue;
      for (const c of chunks) records.push({ key: JSON.stringify(['snap', topicId, epoch, c]), value: null, timestamp: now });
      keys.delete(epoch);
    }
    if (keys.size === 0) this.keys.delete(topicId);
    if (records.length === 0) return;
    const part = await this.writable();
    await part.append(buildRecordBatch({ baseTimestamp: now, records }));
  }

  /** A stream's topic was deleted: its snapshots go. */
  async forget(topicId: string): Promise<void> {
    this.loaded.delete(topicId);
    try {
      await this.tombstone(topicId);
    } catch (err) {
      this.log.warn({ err, topicId }, 'tombstoning the snapshots of a deleted stream failed');
    }
  }
}
