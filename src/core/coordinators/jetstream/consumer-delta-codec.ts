// The binary form of a consumer-state delta (the `["d", topicId, name, slot]` records of
// `__jetstream_consumers`, consumer-state-store.ts). A delta is written once per consumer per
// group commit and holds a few numbers per delivery and per ack; as JSON, the number-to-text
// conversion of millisecond timestamps was most of its cost. This form holds the same fields as
// the JSON one, and decodes to the same object, so recovery applies both alike: data directories
// whose deltas are JSON (every Wharf before this form, and any delta this encoder declines)
// recover unchanged, and a topic may hold both.
//
// Layout: FORMAT (0x01; a JSON value starts with '{'), inc (uvarint byte length, UTF-8), n
// (uvarint), then sections, each a tag byte and its body, in any order, each at most once:
//   'D' dlv:  uvarint count of deliveries; per delivery zigzag(sseq - previous sseq),
//             zigzag(dseq - previous dseq), uvarint deliveries, zigzag(ts - previous ts)
//   'S' subj: uvarint count; per subject uvarint 0 (the previous one again) or its UTF-8 byte
//             length + 1 followed by the bytes
//   'C' cur:  zigzag cseq, zigzag sseq
//   'A' ack:  uvarint count; zigzag deltas of the sequences
//   'L' all:  zigzag sseq
//   'T' ts:   uvarint count of pairs; zigzag deltas of sseq, zigzag deltas of ts
//   'M' max:  uvarint count; zigzag deltas of the sequences
//   'a' la:   zigzag ms
// Every number is an integer of at most 2^50 in magnitude (differences included): a journal
// holding anything else (a fractional time) is written as JSON instead.
import { LogError } from '../../records/errors.js';

export const DELTA_FORMAT = 0x01;
const LIMIT = 2 ** 50;

/** The fields of a delta, as the JSON form names them (consumer-state-store.ts recordOf). */
export interface DeltaFields {
  inc: string;
  n: number;
  dlv: readonly number[];
  subj: readonly string[];
  cur: readonly [number, number] | null;
  acks: readonly number[];
  ackAll: number;
  ts: readonly number[];
  max: readonly number[];
  lastAck: number;
}

/** Writes deltas into one growing scratch buffer and copies each out at its size. */
export class DeltaEncoder {
  private buf = Buffer.allocUnsafe(4096);
  private pos = 0;
  private ok = true;

  /** The binary delta, or null when a number does not fit the form (then JSON is written). */
  encode(f: DeltaFields): Buffer | null {
    this.pos = 0;
    this.ok = true;
    this.byte(DELTA_FORMAT);
    this.text(f.inc);
    this.uint(f.n);
    if (f.dlv.length > 0) {
      const d = f.dlv;
      this.byte(0x44 /* D */);
      this.uint(Math.floor(d.length / 4));
      let ps = 0;
      let pd = 0;
      let pt = 0;
      for (let i = 0; i + 3 < d.length; i += 4) {
        const sseq = d[i]!;
        const dseq = d[i + 1]!;
        const ts = d[i + 3]!;
        this.int(sseq - ps);
        this.int(dseq - pd);
        this.uint(d[i + 2]!);
        this.int(ts - pt);
        ps = sseq;
        pd = dseq;
        pt = ts;
      }
    }
    if (f.subj.length > 0) {
      this.byte(0x53 /* S */);
      this.uint(f.subj.length);
      let prev: string | null = null;
      for (const s of f.subj) {
        if (s === prev) this.uint(0);
        else {
          const len = Buffer.byteLength(s, 'utf8');
          this.uint(len + 1);
          this.room(len);
          this.pos += this.buf.write(s, this.pos, len, 'utf8');
          prev = s;
        }
      }
    }
    if (f.cur !== null) {
      this.byte(0x43 /* C */);
      this.int(f.cur[0]);
      this.int(f.cur[1]);
    }
    if (f.acks.length > 0) this.list(0x41 /* A */, f.acks);
    if (f.ackAll > 0) {
      this.byte(0x4c /* L */);
      this.int(f.ackAll);
    }
    if (f.ts.length > 0) {
      const t = f.ts;
      this.byte(0x54 /* T */);
      this.uint(Math.floor(t.length / 2));
      let ps = 0;
      let pt = 0;
      for (let i = 0; i + 1 < t.length; i += 2) {
        this.int(t[i]! - ps);
        this.int(t[i + 1]! - pt);
        ps = t[i]!;
        pt = t[i + 1]!;
      }
    }
    if (f.max.length > 0) this.list(0x4d /* M */, f.max);
    if (f.lastAck > 0) {
      this.byte(0x61 /* a */);
      this.int(f.lastAck);
    }
    if (!this.ok) return null;
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }

  private list(tag: number, xs: readonly number[]): void {
    this.byte(tag);
    this.uint(xs.length);
    let prev = 0;
    for (const x of xs) {
      this.int(x - prev);
      prev = x;
    }
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  private byte(b: number): void {
    this.room(1);
    this.buf[this.pos++] = b;
  }

  private text(s: string): void {
    const len = Buffer.byteLength(s, 'utf8');
    this.uint(len);
    this.room(len);
    this.pos += this.buf.write(s, this.pos, len, 'utf8');
  }

  /** A signed integer, zigzag-mapped. */
  private int(n: number): void {
    // (Checked before the mapping: twice a half-integer is an integer.)
    if (!Number.isInteger(n)) this.ok = false;
    else this.uint(n >= 0 ? n * 2 : -n * 2 - 1);
  }

  private uint(n: number): void {
    if (!(Number.isInteger(n) && n >= 0 && n <= 2 * LIMIT)) {
      this.ok = false;
      return;
    }
    this.room(8);
    const b = this.buf;
    while (n >= 128) {
      b[this.pos++] = (n % 128) | 0x80;
      n = Math.floor(n / 128);
    }
    b[this.pos++] = n;
  }
}

/** Reads a binary delta back to the object its JSON form holds ({ v, inc, n, dlv, subj, cur, ack, all, ts, max, la }). */
export function decodeDelta(buf: Buffer): Record<string, unknown> {
  let pos = 0;
  const fail = (what: string): never => {
    throw new LogError('CORRUPT_MESSAGE', `consumer delta: ${what}`);
  };
  const uint = (): number => {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      if (pos >= buf.length) fail('truncated');
      const b = buf[pos++]!;
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return result;
      mul *= 128;
    }
    return fail('varint too long');
  };
  const int = (): number => {
    const z = uint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  };
  const bytes = (len: number): string => {
    if (pos + len > buf.length) fail('truncated text');
    const s = buf.toString('utf8', pos, pos + len);
    pos += len;
    return s;
  };
  if (buf.length === 0 || buf[pos++] !== DELTA_FORMAT) fail('unknown format');
  const out: Record<string, unknown> = { v: 1 };
  out.inc = bytes(uint());
  out.n = uint();
  const seen = new Set<number>();
  while (pos < buf.length) {
    const tag = buf[pos++]!;
    if (seen.has(tag)) fail(`section ${tag} twice`);
    seen.add(tag);
    switch (tag) {
      case 0x44: {
        const n = uint();
        const dlv: number[] = [];
        let ps = 0;
        let pd = 0;
        let pt = 0;
        for (let i = 0; i < n; i++) {
          ps += int();
          pd += int();
          const dc = uint();
          pt += int();
          dlv.push(ps, pd, dc, pt);
        }
        out.dlv = dlv;
        break;
      }
      case 0x53: {
        const n = uint();
        const subj: string[] = [];
        let prev = '';
        for (let i = 0; i < n; i++) {
          const l = uint();
          if (l === 0) {
            if (i === 0) fail('no previous subject');
          } else prev = bytes(l - 1);
          subj.push(prev);
        }
        out.subj = subj;
        break;
      }
      case 0x43:
        out.cur = [int(), int()];
        break;
      case 0x4c:
        out.all = int();
        break;
      case 0x61:
        out.la = int();
        break;
      case 0x54: {
        const n = uint();
        const ts: number[] = [];
        let ps = 0;
        let pt = 0;
        for (let i = 0; i < n; i++) {
          ps += int();
          pt += int();
          ts.push(ps, pt);
        }
        out.ts = ts;
        break;
      }
      case 0x41:
      case 0x4d: {
        const n = uint();
        const xs: number[] = [];
        let prev = 0;
        for (let i = 0; i < n; i++) xs.push((prev += int()));
        out[tag === 0x41 ? 'ack' : 'max'] = xs;
        break;
      }
      default:
        fail(`unknown section ${tag}`);
    }
  }
  return out;
}
