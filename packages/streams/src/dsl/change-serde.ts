// The value serde of KTable repartition topics (KTable.groupBy): a Change(new, old) written as
// Java's ChangedSerializer writes it, so the topic reads the same in either implementation:
//   old only: [old][0]   new only: [new][1]   both: [varint newLength][new][old][2]
import type { Change } from '../record.js';
import type { Serde } from '../serdes.js';
import { SerializationError } from '../serdes.js';

function writeVarint(n: number): Buffer {
  let v = (n << 1) ^ (n >> 31);
  const bytes: number[] = [];
  while ((v & ~0x7f) !== 0) {
    bytes.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

function readVarint(b: Buffer): { value: number; size: number } {
  let v = 0;
  let shift = 0;
  let i = 0;
  for (;;) {
    const byte = b[i++];
    if (byte === undefined) throw new SerializationError('truncated varint in a Change');
    v |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) break;
    shift += 7;
  }
  return { value: (v >>> 1) ^ -(v & 1), size: i };
}

export function changeSerde<V>(inner: Serde<V>): Serde<Change<V>> {
  return {
    serialize(c, topic) {
      if (c.newValue !== null && c.oldValue !== null) {
        const n = inner.serialize(c.newValue, topic);
        const o = inner.serialize(c.oldValue, topic);
        return Buffer.concat([writeVarint(n.length), n, o, Buffer.from([2])]);
      }
      if (c.newValue !== null) return Buffer.concat([inner.serialize(c.newValue, topic), Buffer.from([1])]);
      if (c.oldValue !== null) return Buffer.concat([inner.serialize(c.oldValue, topic), Buffer.from([0])]);
      throw new SerializationError('Both old and new values are null in ChangeSerializer, which is not allowed.');
    },
    deserialize(b, topic) {
      const flag = b[b.length - 1];
      const body = b.subarray(0, b.length - 1);
      if (flag === 0) return { newValue: null, oldValue: inner.deserialize(body, topic) };
      if (flag === 1) return { newValue: inner.deserialize(body, topic), oldValue: null };
      if (flag === 2) {
        const { value: n, size } = readVarint(body);
        return { newValue: inner.deserialize(body.subarray(size, size + n), topic), oldValue: inner.deserialize(body.subarray(size + n), topic) };
      }
      throw new SerializationError(`Change of unknown encoding flag ${flag}`);
    },
  };
}
