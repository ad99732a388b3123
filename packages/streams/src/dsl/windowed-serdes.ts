// Serdes of windowed keys on topics, byte-compatible with Java's WindowedSerdes: a time-windowed
// key is [key][start], a session-windowed key [key][end][start]. Sinks partition windowed keys
// by the inner key's bytes (Kafka's WindowedStreamPartitioner), so every window of a key lands
// in the key's partition.
import type { Serde } from '../serdes.js';
import type { Windowed } from '../state/api.js';
import { sessionWindowedKey, sessionWindowedKeyParts, timeWindowedKey, timeWindowedKeyParts } from '../state/key-schema.js';
import { wrapSerde } from '../serde-fallback.js';

export interface WindowedSerde<K> extends Serde<Windowed<K>> {
  /** The inner key's bytes (what sinks partition by). */
  serializeBaseKey(key: Windowed<K>, topic: string): Buffer;
}

export function isWindowedSerde(s: unknown): s is WindowedSerde<unknown> {
  return typeof s === 'object' && s !== null && 'serializeBaseKey' in s && typeof s.serializeBaseKey === 'function';
}

function timeWindowed<K>(inner: Serde<K>, windowSizeMs: number): WindowedSerde<K> {
  return {
    serialize: (w, topic) => timeWindowedKey(inner.serialize(w.key, topic), w.window.start),
    deserialize: (b, topic) => {
      const p = timeWindowedKeyParts(b);
      return { key: inner.deserialize(p.key, topic), window: { start: p.start, end: p.start + windowSizeMs } };
    },
    serializeBaseKey: (w, topic) => inner.serialize(w.key, topic),
  };
}

function sessionWindowed<K>(inner: Serde<K>): WindowedSerde<K> {
  return {
    serialize: (w, topic) => sessionWindowedKey(inner.serialize(w.key, topic), w.window.start, w.window.end),
    deserialize: (b, topic) => {
      const p = sessionWindowedKeyParts(b);
      return { key: inner.deserialize(p.key, topic), window: { start: p.start, end: p.end } };
    },
    serializeBaseKey: (w, topic) => inner.serialize(w.key, topic),
  };
}

export const WindowedSerdes = {
  /** Java's TimeWindowedSerde (the window size gives each window's end when read back). */
  timeWindowed: <K>(inner: Serde<K>, windowSizeMs: number): WindowedSerde<K> => timeWindowed(inner, windowSizeMs),
  sessionWindowed: <K>(inner: Serde<K>): WindowedSerde<K> => sessionWindowed(inner),
} as const;

/** Windowed serde of a possibly unknown inner serde (resolved with the defaults at run time). */
export function windowedSerdeOf<K>(inner: Serde<K> | undefined, session: boolean, windowSizeMs: number): Serde<Windowed<K>> {
  return wrapSerde(inner, 'key', (s) => (session ? sessionWindowed(s) : timeWindowed(s, windowSizeMs)), 'a windowed key');
}
