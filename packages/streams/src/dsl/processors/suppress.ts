// The suppression buffer of KTable.suppress(): the latest change per key, held until its buffer
// time (window end for final results, first update + limit otherwise) is at or before the
// processor's stream time minus the suppression duration. The buffer is a store with a changelog
// (`<applicationId>-<suppress store>-changelog`), so held updates survive a restart; its value
// format is this library's own (see docs/streams.md).
import type { Processor, ProcessorContext } from '../../processor/api.js';
import { Record, type Change } from '../../record.js';
import type { KeyValueStore, Windowed } from '../../state/api.js';
import { StreamsError } from '../../errors.js';
import type { Serde } from '../../serdes.js';
import type { Suppressed } from '../suppressed.js';
import { taskOf } from '../../runtime/task.js';

type Ctx = ProcessorContext<unknown, unknown>;

export interface BufferedChange {
  readonly bufferTime: number;
  readonly timestamp: number;
  readonly newValue: Buffer | null;
  readonly oldValue: Buffer | null;
}

/** [bufferTime 8][timestamp 8][newLen int32 (-1: null)][new][oldLen int32][old] */
export const bufferedChangeSerde: Serde<BufferedChange> = {
  serialize(v) {
    const nl = v.newValue?.length ?? -1;
    const ol = v.oldValue?.length ?? -1;
    const out = Buffer.allocUnsafe(24 + Math.max(0, nl) + Math.max(0, ol));
    out.writeBigInt64BE(BigInt(v.bufferTime), 0);
    out.writeBigInt64BE(BigInt(v.timestamp), 8);
    out.writeInt32BE(nl, 16);
    let at = 20;
    if (v.newValue) at += v.newValue.copy(out, at);
    out.writeInt32BE(ol, at);
    at += 4;
    if (v.oldValue) v.oldValue.copy(out, at);
    return out;
  },
  deserialize(b) {
    const bufferTime = Number(b.readBigInt64BE(0));
    const timestamp = Number(b.readBigInt64BE(8));
    const nl = b.readInt32BE(16);
    let at = 20;
    const newValue = nl < 0 ? null : b.subarray(at, at + nl);
    at += Math.max(0, nl);
    const ol = b.readInt32BE(at);
    at += 4;
    const oldValue = ol < 0 ? null : b.subarray(at, at + ol);
    return { bufferTime, timestamp, newValue, oldValue };
  },
};

function isWindowed(k: unknown): k is Windowed<unknown> {
  return typeof k === 'object' && k !== null && 'window' in k && typeof k.window === 'object' && k.window !== null && 'end' in k.window;
}

export function suppressProcessor<K, V>(storeName: string, suppressed: Suppressed, graceMs: number, valueSerde: Serde<V> | undefined): Processor<K, Change<V>, K, Change<V>> {
  const topicForSerde = storeName;
  let ctx: Ctx;
  let store: KeyValueStore<K, BufferedChange>;
  let serde: Serde<V>;
  let observed = -1;
  // In-memory index by buffer time over the store's content.
  let entries: { key: K; time: number }[] = [];
  let unsorted = false;
  const duration = suppressed.kind === 'untilWindowCloses' ? graceMs : suppressed.timeLimitMs;
  const timeOf = (r: Record<K, Change<V>>): number => {
    if (suppressed.kind === 'untilWindowCloses') {
      const k: unknown = r.key;
      if (!isWindowed(k)) throw new StreamsError('suppress(untilWindowCloses) needs a windowed KTable');
      return k.window.end;
    }
    return r.timestamp;
  };
  const emit = (key: K, b: BufferedChange) => {
    store.delete(key);
    if (b.newValue === null && suppressed.kind === 'untilWindowCloses') return;
    const change: Change<V> = {
      newValue: b.newValue === null ? null : serde.deserialize(b.newValue, topicForSerde),
      oldValue: b.oldValue === null ? null : serde.deserialize(b.oldValue, topicForSerde),
    };
    ctx.forward(new Record(key, change, b.timestamp));
  };
  const evict = () => {
    const expiry = observed - duration;
    if (unsorted) {
      entries.sort((a, b) => a.time - b.time);
      unsorted = false;
    }
    let i = 0;
    for (; i < entries.length; i++) {
      const e = entries[i]!;
      if (e.time > expiry) break;
      const b = store.get(e.key);
      if (b && b.bufferTime === e.time) emit(e.key, b);
    }
    if (i > 0) entries = entries.slice(i);
    if (entries.length > suppressed.buffer.maxRecords) {
      if (suppressed.buffer.whenFull === 'shutDown') throw new StreamsError(`suppression buffer ${storeName} exceeded its max capacity of ${suppressed.buffer.maxRecords} records`);
      while (entries.length > suppressed.buffer.maxRecords) {
        const e = entries.shift()!;
        const b = store.get(e.key);
        if (b) emit(e.key, b);
      }
    }
  };
  return {
    init: (c) => {
      ctx = c;
      serde = taskOf(c).serdeFor(valueSerde, 'value', `suppress ${storeName}`);
      store = c.getKeyValueStore<K, BufferedChange>(storeName);
      for (const kv of store.all()) {
        entries.push({ key: kv.key, time: kv.value.bufferTime });
        unsorted = true;
        observed = Math.max(observed, kv.value.timestamp);
      }
    },
    process: (r) => {
      observed = Math.max(observed, r.timestamp);
      const prev = store.get(r.key);
      const time = suppressed.kind === 'untilTimeLimit' && prev ? prev.bufferTime : timeOf(r);
      const nv = r.value.newValue === null ? null : serde.serialize(r.value.newValue, topicForSerde);
      const ov = prev ? prev.oldValue : r.value.oldValue === null ? null : serde.serialize(r.value.oldValue, topicForSerde);
      store.put(r.key, { bufferTime: time, timestamp: r.timestamp, newValue: nv, oldValue: ov });
      if (!prev || prev.bufferTime !== time) {
        const last = entries[entries.length - 1];
        if (last && last.time > time) unsorted = true;
        entries.push({ key: r.key, time });
      }
      evict();
    },
  };
}
