// The framing shared by the coordinators' records in Kafka's schemas (coordinator-records.ts and
// the per-kind mappings beside it): as Kafka's CoordinatorRecordSerde, key = int16 record type +
// key struct, value = int16 version + value struct, a tombstone has no value; and Wharf's own
// fields, carried as JSON in one tagged field of a flexible value (Kafka's readers skip a tag
// they do not know).
import type { RawTaggedField } from './protocol/reader.js';
import { Writer } from './protocol/writer.js';

/** The tag of Wharf's extra fields in a flexible value (JSON); far above the tags Kafka uses. */
export const WHARF_TAG = 10_000;

export const num = (v: unknown, dflt: number): number => (typeof v === 'number' ? v : dflt);
export const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export function frame(type: number, write: (w: Writer) => void): Buffer {
  const w = new Writer(64);
  w.int16(type);
  write(w);
  return w.finish();
}

export function valueFrame(version: number, write: (w: Writer) => void): Buffer {
  const w = new Writer(128);
  w.int16(version);
  write(w);
  return w.finish();
}

/** Wharf's fields as the tagged field of a value. */
export const wharfTag = (extra: unknown): RawTaggedField[] => [{ tag: WHARF_TAG, data: Buffer.from(JSON.stringify(extra)) }];

/** Wharf's fields from a value's unknown tagged fields ({} when there are none). */
export function wharfExtra(tags: RawTaggedField[] | undefined): Record<string, unknown> {
  const t = tags?.find((f) => f.tag === WHARF_TAG);
  return t ? (JSON.parse(t.data.toString('utf8')) as Record<string, unknown>) : {};
}

/** Kafka's all-zero topic id: a topic the log does not know (any longer). */
export const ZERO_TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAA';

/** The topic id (Kafka's text form) of a topic by name, or null; given by the broker, which knows the log. */
export type TopicIdOf = (topic: string) => string | null;
