// NATS message <-> Kafka record (docs/jetstream.md 1.1): key = subject, value = payload,
// headers = the NATS headers in order (duplicates kept, values as sent after the ": "; the
// "NATS/1.0" status line of a publisher's block is not stored), timestamp = append time.
//
// Three parts:
//  - the header scanner: finds the fields of a NATS header block on the Buffer, into a reused
//    scratch array (no allocation per message); values are read as strings only when a check
//    needs one;
//  - the batch builder: writes records straight into a reused scratch buffer as publishes come
//    in (the only copy of a message the publish path makes), then hands the log one batch of
//    exactly its size;
//  - the record reader: records of a stored batch as messages (the header block rebuilt from
//    the record headers), and the light view the index needs on replay and for Kafka appends.
import {
  ATTR_COMPRESSION_MASK,
  BATCH_HEADER_SIZE,
  LOG_OVERHEAD,
  OFFSET_ATTRIBUTES,
  OFFSET_BASE_OFFSET,
  OFFSET_BASE_SEQUENCE,
  OFFSET_BASE_TIMESTAMP,
  OFFSET_BATCH_LENGTH,
  OFFSET_LAST_OFFSET_DELTA,
  OFFSET_LEADER_EPOCH,
  OFFSET_MAGIC,
  OFFSET_MAX_TIMESTAMP,
  OFFSET_PRODUCER_EPOCH,
  OFFSET_PRODUCER_ID,
  OFFSET_RECORDS_COUNT,
  CURRENT_MAGIC,
  ATTR_TIMESTAMP_TYPE,
  batchBaseOffset,
  batchBaseTimestamp,
  batchIsLogAppendTime,
  batchMaxTimestamp,
  batchRecordsCount,
  updateBatchCrc,
  writeInt64,
} from '../records/batch.js';
import { readVarint, varintSize, writeVarint } from '../records/varint.js';

const NATS_LINE = 'NATS/1.0\r\n';
/** Bytes of "NATS/1.0\r\n" + the closing "\r\n" of a header block. */
const BLOCK_OVERHEAD = NATS_LINE.length + 2;

// ---------------------------------------------------------------------------------------------
// Header scanner

/**
 * The fields of one header block: for field i, name at [pos[4i], pos[4i+1]), value at
 * [pos[4i+2], pos[4i+3]) of the message buffer. Reused by every scan: valid until the next.
 */
export class HeaderScan {
  pos = new Int32Array(64);
  count = 0;
  msg: Buffer = Buffer.alloc(0);

  /** Scans msg[0, hdrLen); returns false when the block is not "NATS/1.0..." with CRLF lines. */
  scan(msg: Buffer, hdrLen: number): boolean {
    this.msg = msg;
    this.count = 0;
    if (hdrLen === 0) return true;
    if (hdrLen < 12 || msg[0] !== 0x4e || msg[1] !== 0x41 || msg[2] !== 0x54 || msg[3] !== 0x53) return false;
    let at = msg.indexOf(0x0a, 0);
    if (at < 0 || at >= hdrLen) return false;
    at++;
    const end = hdrLen;
    while (at < end) {
      const nl = msg.indexOf(0x0a, at);
      if (nl < 0 || nl >= end) break;
      let lineEnd = nl;
      if (lineEnd > at && msg[lineEnd - 1] === 0x0d) lineEnd--;
      if (lineEnd === at) break; // the empty line that ends the block
      const colon = msg.indexOf(0x3a, at);
      if (colon > at && colon < lineEnd) {
        let v = colon + 1;
        while (v < lineEnd && (msg[v] === 0x20 || msg[v] === 0x09)) v++;
        let ve = lineEnd;
        while (ve > v && (msg[ve - 1] === 0x20 || msg[ve - 1] === 0x09)) ve--;
        let ne = colon;
        while (ne > at && (msg[ne - 1] === 0x20 || msg[ne - 1] === 0x09)) ne--;
        if (this.count * 4 + 4 > this.pos.length) {
          const bigger = new Int32Array(this.pos.length * 2);
          bigger.set(this.pos);
          this.pos = bigger;
        }
        const i = this.count * 4;
        this.pos[i] = at;
        this.pos[i + 1] = ne;
        this.pos[i + 2] = v;
        this.pos[i + 3] = ve;
        this.count++;
      }
      at = nl + 1;
    }
    return true;
  }

  nameIs(i: number, name: string): boolean {
    const a = this.pos[i * 4]!;
    const b = this.pos[i * 4 + 1]!;
    if (b - a !== name.length) return false;
    for (let k = 0; k < name.length; k++) if (this.msg[a + k] !== name.charCodeAt(k)) return false;
    return true;
  }

  /** The index of the first field named `name` (exact case), or -1. */
  indexOf(name: string): number {
    for (let i = 0; i < this.count; i++) if (this.nameIs(i, name)) return i;
    return -1;
  }

  /** The value of the first field named `name`, or undefined. */
  get(name: string): string | undefined {
    const i = this.indexOf(name);
    return i < 0 ? undefined : this.value(i);
  }

  value(i: number): string {
    return this.msg.toString('latin1', this.pos[i * 4 + 2]!, this.pos[i * 4 + 3]!);
  }

  name(i: number): string {
    return this.msg.toString('latin1', this.pos[i * 4]!, this.pos[i * 4 + 1]!);
  }

  /** Whether any field name starts with "Nats-" (the checks have nothing to do otherwise). */
  hasNatsFields(): boolean {
    for (let i = 0; i < this.count; i++) {
      const a = this.pos[i * 4]!;
      if (this.pos[i * 4 + 1]! - a > 5 && this.msg[a] === 0x4e && this.msg[a + 1] === 0x61 && this.msg[a + 2] === 0x74 && this.msg[a + 3] === 0x73 && this.msg[a + 4] === 0x2d) return true;
    }
    return false;
  }

  /** Length of the header block rebuilt from these fields ("NATS/1.0", "name: value" lines), 0 without fields. */
  blockLength(): number {
    if (this.count === 0) return 0;
    let n = BLOCK_OVERHEAD;
    for (let i = 0; i < this.count; i++) {
      n += this.pos[i * 4 + 1]! - this.pos[i * 4]! + 2 + this.pos[i * 4 + 3]! - this.pos[i * 4 + 2]! + 2;
    }
    return n;
  }
}

/** nats-server's stored size of a message (docs/jetstream.md 1.7): file or memory accounting. */
export function storedSize(memory: boolean, subjectLen: number, hdrLen: number, dataLen: number): number {
  if (memory) return subjectLen + hdrLen + dataLen + 16;
  return hdrLen === 0 ? 22 + subjectLen + dataLen + 8 : 22 + subjectLen + 4 + hdrLen + dataLen + 8;
}

// ---------------------------------------------------------------------------------------------
// Batch builder

/** A header to write that is not taken from the publisher's block (markers, sources, rewrites). */
export type ExtraHeader = readonly [string, string];

export class BatchBuilder {
  private buf: Buffer = Buffer.allocUnsafe(64 * 1024);
  private len = BATCH_HEADER_SIZE;
  private records = 0;
  /** Records given their own time (a mirror keeps the origin's): CreateTime, from the first one. */
  private baseTs = -1;
  private maxTs = -1;

  get count(): number {
    return this.records;
  }

  get bytes(): number {
    return this.len;
  }

  private ensure(n: number): void {
    if (this.buf.length - this.len >= n) return;
    let size = this.buf.length * 2;
    while (size - this.len < n) size *= 2;
    const bigger = Buffer.allocUnsafe(size);
    this.buf.copy(bigger, 0, 0, this.len);
    this.buf = bigger;
  }

  /**
   * Adds one record: key = `subject` (a byte string), headers = the scanned fields of the
   * publisher's block except `skip` (a field index, -1 for none) followed by `extra`, value =
   * msg[valueStart, valueEnd). Returns the record's offset delta in the batch. `time` gives the
   * record its own timestamp (a mirrored message keeps the origin's): every record of the batch
   * must then have one, and the batch is CreateTime on a topic that keeps it.
   */
  add(subject: string, scan: HeaderScan | null, skip: number, extra: readonly ExtraHeader[], msg: Buffer, valueStart: number, valueEnd: number, time?: number): number {
    const delta = this.records;
    let tsDelta = 0;
    if (time !== undefined) {
      if (this.records === 0) this.baseTs = time;
      tsDelta = time - this.baseTs;
      this.maxTs = Math.max(this.maxTs, time);
    }
    const keyLen = subject.length;
    const valueLen = valueEnd - valueStart;
    let headerCount = extra.length;
    let headersSize = 0;
    if (scan !== null) {
      const p = scan.pos;
      for (let i = 0; i < scan.count; i++) {
        if (i === skip) continue;
        const nl = p[i * 4 + 1]! - p[i * 4]!;
        const vl = p[i * 4 + 3]! - p[i * 4 + 2]!;
        headersSize += varintSize(nl) + nl + varintSize(vl) + vl;
        headerCount++;
      }
    }
    for (const [k, v] of extra) {
      const nl = Buffer.byteLength(k, 'latin1');
      const vl = Buffer.byteLength(v, 'latin1');
      headersSize += varintSize(nl) + nl + varintSize(vl) + vl;
    }
    const body = 1 + varintSize(tsDelta) + varintSize(delta) + varintSize(keyLen) + keyLen + varintSize(valueLen) + valueLen + varintSize(headerCount) + headersSize;
    this.ensure(varintSize(body) + body);
    const b = this.buf;
    let at = writeVarint(b, this.len, body);
    b[at++] = 0; // attributes
    at = writeVarint(b, at, tsDelta); // 0 unless records carry their own times: the append time
    at = writeVarint(b, at, delta);
    at = writeVarint(b, at, keyLen);
    at += b.write(subject, at, 'latin1');
    at = writeVarint(b, at, valueLen);
    at += msg.copy(b, at, valueStart, valueEnd);
    at = writeVarint(b, at, headerCount);
    if (scan !== null) {
      const p = scan.pos;
      const src = scan.msg;
      for (let i = 0; i < scan.count; i++) {
        if (i === skip) continue;
        const ns = p[i * 4]!;
        const ne = p[i * 4 + 1]!;
        const vs = p[i * 4 + 2]!;
        const ve = p[i * 4 + 3]!;
        at = writeVarint(b, at, ne - ns);
        at += src.copy(b, at, ns, ne);
        at = writeVarint(b, at, ve - vs);
        at += src.copy(b, at, vs, ve);
      }
    }
    for (const [k, v] of extra) {
      at = writeVarint(b, at, Buffer.byteLength(k, 'latin1'));
      at += b.write(k, at, 'latin1');
      at = writeVarint(b, at, Buffer.byteLength(v, 'latin1'));
      at += b.write(v, at, 'latin1');
    }
    this.len = at;
    this.records++;
    return delta;
  }

  /**
   * The batch of the records added since the last take (its own buffer, exactly its size: the
   * log keeps it), stamped with `time` (LogAppendTime), no producer. Starts a new batch.
   */
  take(time: number): Buffer {
    const out = Buffer.allocUnsafeSlow(this.len);
    this.buf.copy(out, 0, 0, this.len);
    if (this.baseTs >= 0) frameHeader(out, this.records, this.baseTs, this.maxTs, false);
    else frameHeader(out, this.records, time, time, true);
    this.len = BATCH_HEADER_SIZE;
    this.records = 0;
    this.baseTs = this.maxTs = -1;
    return out;
  }

  /** Drops the records added since the last take. */
  discard(): void {
    this.len = BATCH_HEADER_SIZE;
    this.records = 0;
    this.baseTs = this.maxTs = -1;
  }
}

function frameHeader(out: Buffer, records: number, time: number, maxTime: number, logAppendTime: boolean): void {
  writeInt64(out, OFFSET_BASE_OFFSET, 0);
  out.writeInt32BE(out.length - LOG_OVERHEAD, OFFSET_BATCH_LENGTH);
  out.writeInt32BE(-1, OFFSET_LEADER_EPOCH);
  out.writeInt8(CURRENT_MAGIC, OFFSET_MAGIC);
  out.writeInt16BE(logAppendTime ? ATTR_TIMESTAMP_TYPE : 0, OFFSET_ATTRIBUTES);
  out.writeInt32BE(Math.max(0, records - 1), OFFSET_LAST_OFFSET_DELTA);
  writeInt64(out, OFFSET_BASE_TIMESTAMP, time);
  writeInt64(out, OFFSET_MAX_TIMESTAMP, maxTime);
  writeInt64(out, OFFSET_PRODUCER_ID, -1);
  out.writeInt16BE(-1, OFFSET_PRODUCER_EPOCH);
  out.writeInt32BE(-1, OFFSET_BASE_SEQUENCE);
  out.writeInt32BE(records, OFFSET_RECORDS_COUNT);
  updateBatchCrc(out);
}

/** A batch without records that takes `count` offsets (a mirror's filler for sequences the origin lacks). */
export function fillerBatch(count: number, time: number): Buffer {
  const out = Buffer.allocUnsafeSlow(BATCH_HEADER_SIZE);
  frameHeader(out, 0, time, time, true);
  out.writeInt32BE(count - 1, OFFSET_LAST_OFFSET_DELTA);
  updateBatchCrc(out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Record reader

/** One record of a stored batch as the streams see it. Buffers are views into the batch. */
export interface StreamRecord {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  /** Header names (UTF-8) and values, in order. */
  headers: Array<[string, Buffer | null]>;
}

/**
 * The records of a batch from its (decompressed) records section. `data` is the records
 * section (batch bytes after the header, or their decompression).
 */
export function readRecords(batch: Buffer, data: Buffer): StreamRecord[] {
  const base = batchBaseOffset(batch);
  const baseTs = batchBaseTimestamp(batch);
  const lat = batchIsLogAppendTime(batch);
  const maxTs = batchMaxTimestamp(batch);
  const n = batchRecordsCount(batch);
  const out: StreamRecord[] = [];
  const c = { pos: 0 };
  const bytes = (): Buffer | null => {
    const len = readVarint(data, c);
    if (len < 0) return null;
    const v = data.subarray(c.pos, c.pos + len);
    c.pos += len;
    return v;
  };
  for (let i = 0; i < n && c.pos < data.length; i++) {
    const len = readVarint(data, c);
    const end = c.pos + len;
    c.pos++; // attributes
    const tsDelta = readVarint(data, c);
    const offDelta = readVarint(data, c);
    const key = bytes();
    const value = bytes();
    const hc = readVarint(data, c);
    const headers: Array<[string, Buffer | null]> = [];
    for (let h = 0; h < hc; h++) {
      const k = bytes();
      headers.push([k === null ? '' : k.toString('utf8'), bytes()]);
    }
    c.pos = end;
    out.push({ offset: base + offDelta, timestamp: lat ? maxTs : baseTs + tsDelta, key, value, headers });
  }
  return out;
}

/** Whether a Kafka header can be a NATS header: name without ':' or whitespace, value without CR or LF. */
export function natsHeaderOk(name: string, value: Buffer | null): boolean {
  if (name.length === 0 || /[:\s]/.test(name)) return false;
  if (value !== null && (value.includes(0x0d) || value.includes(0x0a))) return false;
  return true;
}

/**
 * The NATS header block of a record's headers (empty when it has none), plus how many were
 * left out because NATS cannot carry them. `extra` fields are appended (Kafka-Key).
 */
export function headerBlockOf(headers: ReadonlyArray<readonly [string, Buffer | null]>, extra: readonly ExtraHeader[] = []): { hdr: Buffer; omitted: number } {
  let omitted = 0;
  const kept: Array<readonly [string, Buffer | null]> = [];
  for (const h of headers) {
    if (natsHeaderOk(h[0], h[1])) kept.push(h);
    else omitted++;
  }
  if (kept.length === 0 && extra.length === 0) return { hdr: EMPTY, omitted };
  let size = BLOCK_OVERHEAD;
  for (const [k, v] of kept) size += Buffer.byteLength(k, 'latin1') + 2 + (v?.length ?? 0) + 2;
  for (const [k, v] of extra) size += k.length + 2 + Buffer.byteLength(v, 'latin1') + 2;
  const out = Buffer.allocUnsafe(size);
  let at = out.write(NATS_LINE, 0, 'latin1');
  for (const [k, v] of kept) {
    at += out.write(k, at, 'latin1');
    out[at++] = 0x3a;
    out[at++] = 0x20;
    if (v !== null) at += v.copy(out, at);
    out[at++] = 0x0d;
    out[at++] = 0x0a;
  }
  for (const [k, v] of extra) {
    at += out.write(`${k}: ${v}\r\n`, at, 'latin1');
  }
  out[at++] = 0x0d;
  out[at++] = 0x0a;
  return { hdr: out, omitted };
}

const EMPTY = Buffer.alloc(0);

/** The value of the first header named `name` of a record, as a byte string, or undefined. */
export function recordHeader(r: StreamRecord, name: string): string | undefined {
  for (const [k, v] of r.headers) if (k === name) return v === null ? '' : v.toString('latin1');
  return undefined;
}

/** Length of the header block headerBlockOf would build (for the size accounting), without building it. */
export function headerBlockLength(headers: ReadonlyArray<readonly [string, Buffer | null]>): number {
  let size = 0;
  let any = false;
  for (const [k, v] of headers) {
    if (!natsHeaderOk(k, v)) continue;
    any = true;
    size += Buffer.byteLength(k, 'latin1') + 2 + (v?.length ?? 0) + 2;
  }
  return any ? size + BLOCK_OVERHEAD : 0;
}

export { ATTR_COMPRESSION_MASK };
