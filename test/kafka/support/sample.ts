/**
 * Builds sample values for any generated Kafka message at any version, from the generated
 * schema.ts. Values are random (seeded) but valid for that version: fields absent from the
 * version hold their defaults (what a decoder fills in), nulls only where the version allows,
 * tagged fields sometimes left at their default (so they are not written).
 */
import { messageSchemas } from '../../../src/kafka/protocol/messages/schema.js';
import type { FieldSchema, MessageSchema } from '../../../src/kafka/protocol/schema-types.js';

export type Rng = () => number;

/** mulberry32: small, fast, seeded; reproducible failures matter more than quality here. */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const inRange = (r: [number, number] | null | undefined, v: number) => !!r && v >= r[0] && v <= r[1];
const int = (rand: Rng, lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
const STRINGS = ['', 'a', 'topic-1', 'héllo wörld', '日本語', 'x'.repeat(200), 'emoji 🎉'];

function randomInt64(rand: Rng): bigint {
  switch (int(rand, 0, 4)) {
    case 0:
      return -1n;
    case 1:
      return 0x7fffffffffffffffn;
    case 2:
      return -0x8000000000000000n;
    default:
      return BigInt.asIntN(64, (BigInt(int(rand, 0, 0xffffffff)) << 32n) | BigInt(int(rand, 0, 0xffffffff)));
  }
}

function randomBytes(rand: Rng, max: number): Buffer {
  const b = Buffer.alloc(int(rand, 0, max));
  for (let i = 0; i < b.length; i++) b[i] = int(rand, 0, 255);
  return b;
}

export function defaultValue(m: MessageSchema, f: FieldSchema): unknown {
  if (f.def === 'struct') return defaultStruct(m, f.type);
  if (f.def === 'bytes') return Buffer.alloc(0);
  if (Array.isArray(f.def)) return [];
  return f.def;
}

function defaultStruct(m: MessageSchema, name: string): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const f of m.structs[name]!) o[f.prop] = defaultValue(m, f);
  return o;
}

function randomValue(m: MessageSchema, type: string, version: number, rand: Rng, depth: number): unknown {
  if (type.startsWith('[]')) {
    const n = depth > 4 ? 0 : int(rand, 0, 2);
    const a: unknown[] = [];
    for (let i = 0; i < n; i++) a.push(randomValue(m, type.slice(2), version, rand, depth + 1));
    return a;
  }
  switch (type) {
    case 'bool':
      return rand() < 0.5;
    case 'int8':
      return int(rand, -128, 127);
    case 'int16':
      return int(rand, -32768, 32767);
    case 'uint16':
      return int(rand, 0, 65535);
    case 'int32':
      return int(rand, -2147483648, 2147483647);
    case 'uint32':
      return int(rand, 0, 4294967295);
    case 'int64':
      return randomInt64(rand);
    case 'float64':
      return rand() < 0.2 ? 0.5 : (rand() - 0.5) * 1e12;
    case 'string':
      return STRINGS[int(rand, 0, STRINGS.length - 1)]!;
    case 'uuid':
      return Buffer.from(Array.from({ length: 16 }, () => int(rand, 0, 255))).toString('base64url');
    case 'bytes':
    case 'records':
      return randomBytes(rand, 40);
    default:
      return sampleStruct(m, type, version, rand, depth + 1);
  }
}

function sampleStruct(m: MessageSchema, name: string, version: number, rand: Rng, depth: number): Record<string, unknown> {
  const fields = m.structs[name];
  if (!fields) throw new Error(`${m.name}: no struct ${name}`);
  const o: Record<string, unknown> = {};
  for (const f of fields) {
    if (!inRange(f.versions, version)) {
      o[f.prop] = defaultValue(m, f);
      continue;
    }
    if (inRange(f.tagged, version) && rand() < 0.3) {
      o[f.prop] = defaultValue(m, f);
      continue;
    }
    if (inRange(f.nullable, version) && rand() < 0.25) {
      o[f.prop] = null;
      continue;
    }
    o[f.prop] = randomValue(m, f.type, version, rand, depth);
  }
  return o;
}

/** A random valid value of message `name` for `version`. */
export function sampleMessage(name: string, version: number, rand: Rng): Record<string, unknown> {
  const m = messageSchemas[name];
  if (!m) throw new Error(`no schema for ${name}`);
  return sampleStruct(m, name, version, rand, 0);
}

export { messageSchemas };
