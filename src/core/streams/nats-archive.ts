// nats-server's stream snapshot archive (2.15, "NATSARC1"; server/archive, stream_backup.go),
// read so that a backup taken from nats-server (`stream.arc.s2` in natscli's backup directory)
// can be restored into Wharf. After the S2 frames the archive is the magic "NATSARC1", then
// entries of uvarint name length, zigzag varint timestamp (ns), uvarint sequence, uvarint header
// size, uvarint payload size, the name, and the payload (header block then body):
//   state.json          the stream state at the snapshot (first_seq, last_seq, ...)
//   consumers/<name>    one consumer: its config and state fields in one JSON object
//   <subject>           a message: sequence, time, NATS header block and body
//   ""                  the end (all sizes and the sequence 0)
// The messages become Kafka record batches at their offsets (sequence − 1), one batch per run of
// messages stored in the same millisecond, stamped with that time as LogAppendTime (Wharf keeps
// milliseconds; the nanoseconds below are dropped), so the restore of stream-backup.ts appends
// them as it appends Wharf's own. Missing sequences become deleted sequences (fillers).
import { BatchBuilder, type ExtraHeader } from './record-codec.js';
import { BACKUP_FORMAT, BACKUP_VERSION, type StreamBackup } from './stream-backup.js';

export const NATS_ARCHIVE_MAGIC = 'NATSARC1';

class Cursor {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  uvarint(): bigint {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (this.pos >= this.buf.length || shift > 63n) throw new Error('truncated nats-server archive');
      const b = this.buf[this.pos++]!;
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return v;
    }
  }

  varint(): bigint {
    const u = this.uvarint();
    return u & 1n ? -((u >> 1n) + 1n) : u >> 1n;
  }

  take(n: number): Buffer {
    if (this.pos + n > this.buf.length) throw new Error('truncated nats-server archive');
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}

/** The header fields of a NATS header block ("NATS/1.0\r\nK: V\r\n...\r\n\r\n"), in order. */
function headerFields(hdr: Buffer): ExtraHeader[] {
  if (hdr.length === 0) return [];
  const out: ExtraHeader[] = [];
  const lines = hdr.toString('latin1').split('\r\n');
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!;
    const c = l.indexOf(':');
    if (l.length === 0 || c <= 0) continue;
    out.push([l.slice(0, c).trim(), l.slice(c + 1).trim()]);
  }
  return out;
}

/** Whether decoded snapshot bytes are a nats-server archive. */
export function isNatsArchive(plain: Buffer): boolean {
  return plain.length >= 8 && plain.toString('latin1', 0, 8) === NATS_ARCHIVE_MAGIC;
}

/** A nats-server archive as a restorable backup; its consumers as nats-server wrote them (JSON objects). */
export function natsArchiveToBackup(plain: Buffer, stream: string): StreamBackup & { natsConsumers: Array<Record<string, unknown>> } {
  const c = new Cursor(plain);
  if (c.take(8).toString('latin1') !== NATS_ARCHIVE_MAGIC) throw new Error('not a nats-server archive');
  let state: Record<string, unknown> | null = null;
  const consumers: Array<Record<string, unknown>> = [];
  const batches: Buffer[] = [];
  const builder = new BatchBuilder();
  let run: { first: number; next: number; time: number } | null = null;
  const close = (): void => {
    if (run === null) return;
    // A LogAppendTime batch of the run's time (take stamps it), at the run's first offset.
    const b = builder.take(run.time);
    b.writeBigInt64BE(BigInt(run.first - 1), 0);
    batches.push(b);
    run = null;
  };
  let ended = false;
  let lastSeq = 0;
  while (c.pos < plain.length) {
    const nameLen = Number(c.uvarint());
    const ts = c.varint();
    const seq = Number(c.uvarint());
    const hdrSize = Number(c.uvarint());
    const payloadSize = Number(c.uvarint());
    const name = c.take(nameLen).toString('utf8');
    const payload = c.take(hdrSize + payloadSize);
    if (seq === 0) {
      if (name === '' && hdrSize === 0 && payloadSize === 0) {
        ended = true;
        break;
      }
      const json = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
      if (name === 'state.json') state = json;
      else if (name.startsWith('consumers/')) consumers.push(json);
      continue;
    }
    if (state === null) throw new Error('nats-server archive without state.json first');
    if (seq <= lastSeq) throw new Error(`nats-server archive: message sequence ${seq} out of order`);
    const time = Number(ts / 1_000_000n);
    if (run !== null && (run.next !== seq || run.time !== time || builder.count >= 1000)) close();
    if (run === null) run = { first: seq, next: seq, time };
    builder.add(name, null, -1, headerFields(payload.subarray(0, hdrSize)), Buffer.from(payload.subarray(hdrSize)), 0, payloadSize);
    run.next = seq + 1;
    lastSeq = seq;
  }
  close();
  if (state === null) throw new Error('nats-server archive without state.json');
  if (!ended) throw new Error('nats-server archive is truncated (no end marker)');
  const firstSeq = Number(state['first_seq'] ?? 0);
  const last = Math.max(Number(state['last_seq'] ?? 0), lastSeq);
  const logStart = firstSeq > 0 ? firstSeq - 1 : last;
  return {
    manifest: {
      format: BACKUP_FORMAT,
      version: BACKUP_VERSION,
      stream,
      taken: Date.now(),
      topic_configs: {},
      log_start: Math.min(logStart, last),
      end: last,
      deletes: [],
      limits: [],
      sources: {},
      consumers: [],
    },
    batches: batches.length > 0 ? [Buffer.concat(batches)] : [],
    natsConsumers: consumers,
  };
}
