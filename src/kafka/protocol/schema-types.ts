/**
 * Types of the generated messages/schema.ts: a data description of every generated struct.
 * Version ranges are inclusive [lo, hi], clamped to the message's valid versions.
 */
export interface FieldSchema {
  /** Property name in the generated TypeScript types. */
  prop: string;
  /** Kafka type: a primitive name, a struct name, or []elem. */
  type: string;
  versions: [number, number];
  nullable: [number, number] | null;
  tagged: [number, number] | null;
  tag: number | null;
  /** Default value; 'struct' for a default struct, 'bytes' for empty bytes. */
  def: unknown;
  /** Per-field override of the message's flexible versions. */
  flexible?: [number, number];
}

export interface MessageSchema {
  name: string;
  type: string;
  apiKey: number | null;
  valid: [number, number];
  flexible: [number, number] | null;
  /** Structs by Kafka name; the message itself is under its own name. */
  structs: Record<string, FieldSchema[]>;
}
