// Serdes: how keys and values become bytes on topics and in stores. The built-in ones write the
// same bytes as Java's org.apache.kafka.common.serialization serdes (String is UTF-8, Long is 8
// bytes big-endian, Integer 4, Double IEEE 754 big-endian, ...), so that a TypeScript and a Java
// Kafka Streams application can read each other's topics and changelogs.
//
// A serde is never called with null: a null key or value (a tombstone) stays null on the wire,
// as Java's serdes map null to null.

/** Turns values of type T into bytes and back. `topic` is the topic the bytes are for. */
export interface Serde<T> {
  serialize(data: T, topic: string): Buffer;
  deserialize(data: Buffer, topic: string): T;
}

/** Thrown by a built-in serde on bytes it cannot read (the runtime adds topic/partition/offset). */
export class SerializationError extends Error {
  override name = 'SerializationError';
}

function fixedSize(name: string, data: Buffer, size: number): void {
  if (data.length !== size) throw new SerializationError(`Size of data received by ${name} is not ${size}`);
}

const stringSerde: Serde<string> = {
  serialize: (s) => Buffer.from(s, 'utf8'),
  deserialize: (b) => b.toString('utf8'),
};

const longSerde: Serde<number> = {
  serialize(n) {
    if (!Number.isSafeInteger(n)) throw new SerializationError(`LongSerializer: ${n} is not a safe integer (use Serdes.BigLong() for 64-bit values)`);
    const b = Buffer.allocUnsafe(8);
    b.writeBigInt64BE(BigInt(n));
    return b;
  },
  deserialize(b) {
    fixedSize('LongDeserializer', b, 8);
    const hi = b.readInt32BE(0);
    const lo = b.readUInt32BE(4);
    // Exact while |value| < 2^53; beyond that the nearest double, as Number(bigint) would give.
    return hi * 0x1_0000_0000 + lo;
  },
};

const bigLongSerde: Serde<bigint> = {
  serialize(n) {
    const b = Buffer.allocUnsafe(8);
    b.writeBigInt64BE(n);
    return b;
  },
  deserialize(b) {
    fixedSize('LongDeserializer', b, 8);
    return b.readBigInt64BE(0);
  },
};

const integerSerde: Serde<number> = {
  serialize(n) {
    if (!Number.isInteger(n) || n < -0x8000_0000 || n > 0x7fff_ffff) throw new SerializationError(`IntegerSerializer: ${n} is not a 32-bit integer`);
    const b = Buffer.allocUnsafe(4);
    b.writeInt32BE(n);
    return b;
  },
  deserialize(b) {
    fixedSize('IntegerDeserializer', b, 4);
    return b.readInt32BE(0);
  },
};

const shortSerde: Serde<number> = {
  serialize(n) {
    if (!Number.isInteger(n) || n < -0x8000 || n > 0x7fff) throw new SerializationError(`ShortSerializer: ${n} is not a 16-bit integer`);
    const b = Buffer.allocUnsafe(2);
    b.writeInt16BE(n);
    return b;
  },
  deserialize(b) {
    fixedSize('ShortDeserializer', b, 2);
    return b.readInt16BE(0);
  },
};

const doubleSerde: Serde<number> = {
  serialize(n) {
    const b = Buffer.allocUnsafe(8);
    b.writeDoubleBE(n);
    return b;
  },
  deserialize(b) {
    fixedSize('DoubleDeserializer', b, 8);
    return b.readDoubleBE(0);
  },
};

const floatSerde: Serde<number> = {
  serialize(n) {
    const b = Buffer.allocUnsafe(4);
    b.writeFloatBE(n);
    return b;
  },
  deserialize(b) {
    fixedSize('FloatDeserializer', b, 4);
    return b.readFloatBE(0);
  },
};

const booleanSerde: Serde<boolean> = {
  serialize: (v) => Buffer.from([v ? 1 : 0]),
  deserialize(b) {
    fixedSize('BooleanDeserializer', b, 1);
    if (b[0] === 1) return true;
    if (b[0] === 0) return false;
    throw new SerializationError('Unexpected byte received by BooleanDeserializer: ' + b[0]);
  },
};

const byteArraySerde: Serde<Buffer> = {
  serialize: (b) => b,
  deserialize: (b) => b,
};

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const uuidSerde: Serde<string> = {
  serialize(s) {
    if (!UUID_RE.test(s)) throw new SerializationError(`UUIDSerializer: ${JSON.stringify(s)} is not a UUID`);
    return Buffer.from(s, 'utf8');
  },
  deserialize(b) {
    const s = b.toString('utf8');
    if (!UUID_RE.test(s)) throw new SerializationError(`UUIDDeserializer: ${JSON.stringify(s)} is not a UUID`);
    return s;
  },
};

const voidSerde: Serde<null> = {
  serialize: () => {
    throw new SerializationError('VoidSerializer: only null is accepted');
  },
  deserialize: () => {
    throw new SerializationError('VoidDeserializer: data should be null');
  },
};

/** The built-in serdes, named as Java's Serdes factory methods. */
export const Serdes = {
  String: (): Serde<string> => stringSerde,
  /** Java's LongSerde: 8 bytes big-endian, read as a JavaScript number (exact below 2^53). */
  Long: (): Serde<number> => longSerde,
  /** Java's LongSerde with the full 64-bit range, as bigint. */
  BigLong: (): Serde<bigint> => bigLongSerde,
  Integer: (): Serde<number> => integerSerde,
  Short: (): Serde<number> => shortSerde,
  Double: (): Serde<number> => doubleSerde,
  Float: (): Serde<number> => floatSerde,
  Boolean: (): Serde<boolean> => booleanSerde,
  ByteArray: (): Serde<Buffer> => byteArraySerde,
  /** Java's BytesSerde: the same bytes as ByteArray. */
  Bytes: (): Serde<Buffer> => byteArraySerde,
  UUID: (): Serde<string> => uuidSerde,
  Void: (): Serde<null> => voidSerde,
  /** UTF-8 JSON text (JSON.stringify / JSON.parse); T is what your code puts in. */
  JSON: <T>(): Serde<T> => ({
    serialize: (v: T) => Buffer.from(JSON.stringify(v), 'utf8'),
    deserialize(b: Buffer): T {
      try {
        return JSON.parse(b.toString('utf8')) as T;
      } catch (err) {
        throw new SerializationError(`JSON deserializer: ${(err as Error).message}`);
      }
    },
  }),
  /** A user serde from two functions. */
  from: <T>(serialize: (data: T, topic: string) => Buffer, deserialize: (data: Buffer, topic: string) => T): Serde<T> => ({ serialize, deserialize }),
} as const;
