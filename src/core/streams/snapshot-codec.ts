// The binary encoding of a stream's index snapshot (docs/jetstream.md 1.18, step 2): what a
// StreamView holds that the log does not (the subject index pages, the DeletedSet, the TTL heap,
// the markers, the duplicate window, last_ts and the last Nats-Msg-Id) at one sequence, so that
// a restart replays only the log after it. Versioned, little-endian, typed arrays copied as
// they are (a 1 M-message stream is about 20 MB: 16 pages of 65 536 x 20 bytes); the whole
// encoding carries a CRC-32C, checked before anything is decoded, so a torn or mixed snapshot
// is refused and the replay starts from the log instead.
import { endianness } from 'node:os';
import { crc32c } from '../records/crc32c.js';
import type { DeletedSetPage } from './deleted-set.js';
import type { IndexPage, SubjectIndexState } from './subject-index.js';

const MAGIC = 0x5353_4a57; // "WJSS" read as little-endian u32
const VERSION = 1;

export interface StreamSnapshot {
  /** The stream's last sequence the snapshot covers: the replay goes on from offset `seq`. */
  seq: number;
  index: SubjectIndexState;
  ttlTimes: number[];
  ttlSeqs: number[];
  markers: number[];
  /** The duplicate window, oldest first: [id, seq, time]. */
  dedupe: Array<[string, number, number]>;
  lastTime: number;
  lastMsgId: string;
}

/** Whether this machine can write and read the encoding (typed arrays are copied as they are). */
export const snapshotsSupported = endianness() === 'LE';

class Writer {
  buf = Buffer.allocUnsafe(64 * 1024);
  pos = 0;
  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let len = this.buf.length * 2;
    while (len < this.pos + n) len *= 2;
    const b = Buffer.allocUnsafe(len);
    this.buf.copy(b, 0, 0, this.pos);
    this.buf = b;
  }
  u32(v: number): void {
    this.room(4);
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }
  f64(v: number): void {
    this.room(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }
  str(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.u32(n);
    this.room(n);
    this.buf.write(s, this.pos, 'utf8');
    this.pos += n;
  }
  bytes(a: Uint8Array | Uint32Array | Float64Array): void {
    const b = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    this.room(b.length);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }
}

class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}
  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Error('index snapshot: truncated');
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }
  str(): string {
    const n = this.u32();
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
  /** Copies into a new, aligned array. */
  into<A extends Uint8Array | Uint32Array | Float64Array>(a: A): A {
    this.need(a.byteLength);
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).set(this.buf.subarray(this.pos, this.pos + a.byteLength));
    this.pos += a.byteLength;
    return a;
  }
  get done(): boolean {
    return this.pos === this.buf.length;
  }
}

/** Encodes a snapshot: [magic, version, crc32c of the rest, length of the rest] then the body. */
export function encodeSnapshot(s: StreamSnapshot): Buffer {
  const w = new Writer();
  w.u32(MAGIC);
  w.u32(VERSION);
  w.u32(0); // crc, filled in below
  w.u32(0); // body length
  const ix = s.index;
  w.f64(s.seq);
  w.f64(ix.first);
  w.f64(ix.last);
  w.f64(ix.live);
  w.f64(ix.liveBytes);
  w.f64(ix.subjectsLive);
  w.f64(s.lastTime);
  w.str(s.lastMsgId);
  w.u32(ix.names.length);
  for (let id = 0; id < ix.names.length; id++) {
    w.str(ix.names[id]!);
    w.f64(ix.firsts[id]!);
    w.f64(ix.lasts[id]!);
    w.f64(ix.counts[id]!);
  }
  w.u32(ix.freeIds.length);
  for (const id of ix.freeIds) w.u32(id);
  w.u32(ix.pages.length);
  for (const p of ix.pages) {
    w.u32(p.no);
    w.u32(p.subject.length);
    w.bytes(p.subject);
    w.bytes(p.size);
    w.bytes(p.next);
    w.bytes(p.time);
  }
  w.u32(ix.deleted.length);
  for (const d of ix.deleted) {
    w.u32(d.no);
    w.u32(d.count);
    w.u32(d.bits.length);
    w.bytes(d.bits);
  }
  w.u32(s.ttlTimes.length);
  for (let i = 0; i < s.ttlTimes.length; i++) {
    w.f64(s.ttlTimes[i]!);
    w.f64(s.ttlSeqs[i]!);
  }
  w.u32(s.markers.length);
  for (const m of s.markers) w.f64(m);
  w.u32(s.dedupe.length);
  for (const [id, seq, time] of s.dedupe) {
    w.str(id);
    w.f64(seq);
    w.f64(time);
  }
  const out = w.buf.subarray(0, w.pos);
  const body = out.subarray(16);
  out.writeUInt32LE(crc32c(body) >>> 0, 8);
  out.writeUInt32LE(body.length, 12);
  return Buffer.from(out);
}

/** Decodes a snapshot; throws on a wrong magic, version, length or CRC (the caller replays the log instead). */
export function decodeSnapshot(buf: Buffer): StreamSnapshot {
  if (buf.length < 16 || buf.readUInt32LE(0) !== MAGIC) throw new Error('index snapshot: not a snapshot');
  if (buf.readUInt32LE(4) !== VERSION) throw new Error(`index snapshot: version ${buf.readUInt32LE(4)} unknown`);
  const body = buf.subarray(16);
  if (body.length !== buf.readUInt32LE(12)) throw new Error('index snapshot: length mismatch');
  if ((crc32c(body) >>> 0) !== buf.readUInt32LE(8)) throw new Error('index snapshot: CRC mismatch');
  const r = new Reader(body);
  const seq = r.f64();
  const first = r.f64();
  const last = r.f64();
  const live = r.f64();
  const liveBytes = r.f64();
  const subjectsLive = r.f64();
  const lastTime = r.f64();
  const lastMsgId = r.str();
  const nNames = r.u32();
  const names: string[] = [];
  const firsts: number[] = [];
  const lasts: number[] = [];
  const counts: number[] = [];
  for (let id = 0; id < nNames; id++) {
    names.push(r.str());
    firsts.push(r.f64());
    lasts.push(r.f64());
    counts.push(r.f64());
  }
  const freeIds: number[] = [];
  for (let n = r.u32(); n > 0; n--) freeIds.push(r.u32());
  const pages: IndexPage[] = [];
  for (let n = r.u32(); n > 0; n--) {
    const no = r.u32();
    const len = r.u32();
    pages.push({ no, subject: r.into(new Uint32Array(len)), size: r.into(new Uint32Array(len)), next: r.into(new Uint32Array(len)), time: r.into(new Float64Array(len)) });
  }
  const deleted: DeletedSetPage[] = [];
  for (let n = r.u32(); n > 0; n--) {
    const no = r.u32();
    const count = r.u32();
    deleted.push({ no, count, bits: r.into(new Uint8Array(r.u32())) });
  }
  const ttlTimes: number[] = [];
  const ttlSeqs: number[] = [];
  for (let n = r.u32(); n > 0; n--) {
    ttlTimes.push(r.f64());
    ttlSeqs.push(r.f64());
  }
  const markers: number[] = [];
  for (let n = r.u32(); n > 0; n--) markers.push(r.f64());
  const dedupe: Array<[string, number, number]> = [];
  for (let n = r.u32(); n > 0; n--) dedupe.push([r.str(), r.f64(), r.f64()]);
  if (!r.done) throw new Error('index snapshot: trailing bytes');
  return {
    seq,
    index: { first, last, live, liveBytes, subjectsLive, names, firsts, lasts, counts, freeIds, pages, deleted },
    ttlTimes,
    ttlSeqs,
    markers,
    dedupe,
    lastTime,
    lastMsgId,
  };
}
