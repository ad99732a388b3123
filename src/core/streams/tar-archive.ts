// A minimal POSIX ustar archive, the container of a Wharf stream snapshot (stream-backup.ts):
// natscli names the file `stream.tar.s2`, and a tar inside the S2 frames lets an operator list
// and extract a backup with the usual tools (`s2 -d`, `tar tf`). Only regular files with names
// of at most 100 bytes are written and read; entries are produced and read one at a time, so a
// snapshot never has to be whole in memory to be sent or restored.
const BLOCK = 512;
const ZEROS = Buffer.alloc(BLOCK * 2);

function octal(buf: Buffer, value: number, pos: number, width: number): void {
  buf.write(value.toString(8).padStart(width - 1, '0') + '\0', pos, width, 'latin1');
}

/** One entry's header block, data, and the padding to the next block. */
export function tarEntry(name: string, data: Buffer, mtimeMs: number): Buffer[] {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name too long: ${name}`);
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  octal(h, 0o644, 100, 8);
  octal(h, 0, 108, 8);
  octal(h, 0, 116, 8);
  octal(h, data.length, 124, 12);
  octal(h, Math.floor(mtimeMs / 1000), 136, 12);
  h.fill(0x20, 148, 156);
  h.write('0', 156, 1, 'latin1');
  h.write('ustar\0', 257, 6, 'latin1');
  h.write('00', 263, 2, 'latin1');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
  return pad > 0 ? [h, data, ZEROS.subarray(0, pad)] : [h, data];
}

/** The end of an archive: two zero blocks. */
export function tarEnd(): Buffer {
  return ZEROS;
}

export interface TarFile {
  name: string;
  data: Buffer;
}

/** Reads an archive piece by piece: the regular files completed by each push, in order. */
export class TarReader {
  private pending: Buffer = Buffer.alloc(0);
  private finished = false;

  push(input: Buffer): TarFile[] {
    const buf = this.pending.length === 0 ? input : Buffer.concat([this.pending, input]);
    const out: TarFile[] = [];
    let pos = 0;
    while (!this.finished && pos + BLOCK <= buf.length) {
      const h = buf.subarray(pos, pos + BLOCK);
      if (h.every((b) => b === 0)) {
        this.finished = true;
        break;
      }
      let sum = 0;
      for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
      const stated = parseInt(h.toString('latin1', 148, 156).replace(/\0.*$/s, '').trim(), 8);
      if (stated !== sum) throw new Error('tar header checksum mismatch');
      const name = h.toString('utf8', 0, 100).replace(/\0.*$/s, '');
      const size = parseInt(h.toString('latin1', 124, 136).replace(/\0.*$/s, '').trim() || '0', 8);
      const type = h.toString('latin1', 156, 157);
      const next = pos + BLOCK + Math.ceil(size / BLOCK) * BLOCK;
      if (next > buf.length) break;
      if (type === '0' || type === '\0') out.push({ name, data: Buffer.from(buf.subarray(pos + BLOCK, pos + BLOCK + size)) });
      pos = next;
    }
    this.pending = this.finished ? Buffer.alloc(0) : Buffer.from(buf.subarray(pos));
    return out;
  }

  /** Whether the end blocks were read (a complete archive). */
  get complete(): boolean {
    return this.finished;
  }
}

/** The regular files of an archive, in order; throws on a damaged header. */
export function readTar(buf: Buffer): TarFile[] {
  return new TarReader().push(buf);
}
