// Byte layouts of windowed keys, as Java Kafka Streams writes them in window and session stores
// and their changelogs (WindowKeySchema, SessionKeySchema), and on topics (TimeWindowedSerializer,
// SessionWindowedSerializer): a changelog restored by either implementation reads the same.
//
//   window store key:   [key bytes][window start: int64 BE][sequence number: int32 BE]
//   session store key:  [key bytes][session end: int64 BE][session start: int64 BE]
//   time-windowed key on a topic:    [key bytes][window start: int64 BE]
//   session-windowed key on a topic: [key bytes][session end: int64 BE][session start: int64 BE]

export function windowStoreKey(key: Buffer, start: number, seq: number): Buffer {
  const out = Buffer.allocUnsafe(key.length + 12);
  key.copy(out, 0);
  out.writeBigInt64BE(BigInt(start), key.length);
  out.writeInt32BE(seq | 0, key.length + 8);
  return out;
}

export function windowStoreKeyParts(stored: Buffer): { key: Buffer; start: number; seq: number } {
  const n = stored.length - 12;
  return { key: stored.subarray(0, n), start: Number(stored.readBigInt64BE(n)), seq: stored.readInt32BE(n + 8) };
}

export function sessionStoreKey(key: Buffer, start: number, end: number): Buffer {
  const out = Buffer.allocUnsafe(key.length + 16);
  key.copy(out, 0);
  out.writeBigInt64BE(BigInt(end), key.length);
  out.writeBigInt64BE(BigInt(start), key.length + 8);
  return out;
}

export function sessionStoreKeyParts(stored: Buffer): { key: Buffer; start: number; end: number } {
  const n = stored.length - 16;
  return { key: stored.subarray(0, n), end: Number(stored.readBigInt64BE(n)), start: Number(stored.readBigInt64BE(n + 8)) };
}

export function timeWindowedKey(key: Buffer, start: number): Buffer {
  const out = Buffer.allocUnsafe(key.length + 8);
  key.copy(out, 0);
  out.writeBigInt64BE(BigInt(start), key.length);
  return out;
}

export function timeWindowedKeyParts(bytes: Buffer): { key: Buffer; start: number } {
  const n = bytes.length - 8;
  if (n < 0) throw new Error(`a time-windowed key needs at least 8 bytes, got ${bytes.length}`);
  return { key: bytes.subarray(0, n), start: Number(bytes.readBigInt64BE(n)) };
}

export const sessionWindowedKey = sessionStoreKey;
export const sessionWindowedKeyParts = sessionStoreKeyParts;

/** [8-byte timestamp][value]: a timestamped store's value, as Java's ValueAndTimestampSerializer. */
export function withTimestamp(value: Buffer, timestamp: number): Buffer {
  const out = Buffer.allocUnsafe(value.length + 8);
  out.writeBigInt64BE(BigInt(timestamp), 0);
  value.copy(out, 8);
  return out;
}

export function timestampOf(stored: Buffer): number {
  return Number(stored.readBigInt64BE(0));
}

export function rawValueOf(stored: Buffer): Buffer {
  return stored.subarray(8);
}
