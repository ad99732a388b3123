// What streams must record that the log cannot derive (docs/jetstream.md 1.5, 1.12, 1.18): the
// explicit deletes (MSG.DELETE, purges by filter) and the cursors of sources, as records of the
// compacted internal topic __jetstream_state, in the JSON format of the other internal topics:
//   ["del", topicId, first] -> {"v":1, "to": last, "erase": bool, "at": the stream's last sequence then,
//                               erase deletes of one message also "subj", "size", "ts": what the
//                               erased record was, so that a replay after the erase counts it
//                               where it was live (per-subject limits) though it is gone from the log}
//   ["src", topicId, origin] -> {"v":1, "seq": last origin sequence appended}
//   ["limits", topicId, from] -> {"v":1, "max_msgs_per_subject": n, "discard_new_per_subject": bool}
// The limit records are the limit epochs (docs/jetstream.md 1.7): the per-subject limit in force
// from sequence `from` on, recorded when it changes, so the replay applies at each sequence the
// limit that was in force when it was appended.
// A delete is acknowledged to the client once its record is durable. When the log start
// offset of the stream passes a range, or the stream is deleted, its records get tombstones so
// that compaction drops them.
import type { Logger } from '../../log.js';
import type { Log } from '../log/index.js';
import { InternalTopic, type InternalRecord } from '../coordinators/internal-topic.js';

export const STATE_TOPIC = '__jetstream_state';

export interface DeleteRange {
  from: number;
  to: number;
  erase: boolean;
  /** The stream's last sequence when the delete was made: where the replay applies it. */
  at: number;
  /** An erased message (from === to): its subject, stored size and time, for the replay. */
  erased?: { subject: string; size: number; time: number };
}

/** The per-subject limit in force from sequence `from` on. */
export interface LimitEpoch {
  from: number;
  perSubject: number;
  discardNewPerSubject: boolean;
}

export interface StreamStateRecords {
  deletes: DeleteRange[];
  /** The limit epochs, in no particular order (empty: the limit never changed). */
  limits: LimitEpoch[];
  /** Last origin sequence appended, by origin stream name. */
  sources: Map<string, number>;
}

export class StreamStateStore {
  private readonly byTopic = new Map<string, StreamStateRecords>();

  private constructor(private readonly topic: InternalTopic) {}

  static async open(log: Log, logger: Logger): Promise<StreamStateStore> {
    const store = new StreamStateStore(await InternalTopic.open(log, STATE_TOPIC, logger));
    await store.topic.replay((key, value) => {
      const [kind, topicId, id] = key;
      if (typeof topicId !== 'string') return;
      const rec = store.records(topicId);
      if (kind === 'del' && typeof id === 'number') {
        rec.deletes = rec.deletes.filter((d) => d.from !== id);
        if (value !== null) {
          const d: DeleteRange = { from: id, to: Number(value['to']), erase: value['erase'] === true, at: Number(value['at']) };
          if (typeof value['subj'] === 'string') d.erased = { subject: value['subj'], size: Number(value['size']), time: Number(value['ts']) };
          rec.deletes.push(d);
        }
      } else if (kind === 'limits' && typeof id === 'number') {
        rec.limits = rec.limits.filter((l) => l.from !== id);
        if (value !== null) rec.limits.push({ from: id, perSubject: Number(value['max_msgs_per_subject']), discardNewPerSubject: value['discard_new_per_subject'] === true });
      } else if (kind === 'src' && typeof id === 'string') {
        if (value === null) rec.sources.delete(id);
        else rec.sources.set(id, Number(value['seq']));
      }
    });
    return store;
  }

  /** The records of a stream's topic (empty for a new one). */
  records(topicId: string): StreamStateRecords {
    let r = this.byTopic.get(topicId);
    if (r === undefined) this.byTopic.set(topicId, (r = { deletes: [], limits: [], sources: new Map() }));
    return r;
  }

  /** Records deletes durably (one batch). */
  async addDeletes(topicId: string, ranges: readonly DeleteRange[]): Promise<void> {
    if (ranges.length === 0) return;
    const rec = this.records(topicId);
    await this.topic.append(
      ranges.map((d) => ({
        key: ['del', topicId, d.from],
        value: { v: 1, to: d.to, erase: d.erase, at: d.at, ...(d.erased !== undefined ? { subj: d.erased.subject, size: d.erased.size, ts: d.erased.time } : {}) },
      })),
    );
    rec.deletes.push(...ranges);
  }

  /** Forgets the delete records wholly below `firstSeq` (the log start passed them). */
  async dropDeletesBelow(topicId: string, firstSeq: number): Promise<void> {
    const rec = this.byTopic.get(topicId);
    if (rec === undefined) return;
    const gone = rec.deletes.filter((d) => d.to < firstSeq);
    if (gone.length === 0) return;
    rec.deletes = rec.deletes.filter((d) => d.to >= firstSeq);
    await this.topic.append(gone.map((d) => ({ key: ['del', topicId, d.from], value: null })));
  }

  /** Records limit epochs durably (one batch): the first change of a stream records the limit before it too. */
  async addLimitEpochs(topicId: string, epochs: readonly LimitEpoch[]): Promise<void> {
    if (epochs.length === 0) return;
    const rec = this.records(topicId);
    await this.topic.append(epochs.map((l) => ({ key: ['limits', topicId, l.from], value: { v: 1, max_msgs_per_subject: l.perSubject, discard_new_per_subject: l.discardNewPerSubject } })));
    for (const l of epochs) {
      rec.limits = rec.limits.filter((x) => x.from !== l.from);
      rec.limits.push(l);
    }
  }

  async setSourceCursor(topicId: string, origin: string, seq: number): Promise<void> {
    this.records(topicId).sources.set(origin, seq);
    await this.topic.append([{ key: ['src', topicId, origin], value: { v: 1, seq } }]);
  }

  /** Tombstones every record of a deleted stream's topic. */
  async forget(topicId: string): Promise<void> {
    const rec = this.byTopic.get(topicId);
    if (rec === undefined) return;
    this.byTopic.delete(topicId);
    const tombstones: InternalRecord[] = [
      ...rec.deletes.map((d): InternalRecord => ({ key: ['del', topicId, d.from], value: null })),
      ...rec.limits.map((l): InternalRecord => ({ key: ['limits', topicId, l.from], value: null })),
      ...[...rec.sources.keys()].map((o): InternalRecord => ({ key: ['src', topicId, o], value: null })),
    ];
    if (tombstones.length > 0) await this.topic.append(tombstones);
  }
}
