// A raw NATS client for the JetStream tests: CONNECT with headers and no_responders, SUB,
// PUB/HPUB, MSG/HMSG with the header block kept as received, PING/PONG. No client library in
// between, so a test sees exactly what the server put on the wire (status lines, header order).
import { connect, type Socket } from 'node:net';

const CRLF = '\r\n';

export interface RawMsg {
  subject: string;
  sid: number;
  reply: string | null;
  /** The header block as received, or null for MSG. */
  hdr: string | null;
  payload: Buffer;
}

export class RawNats {
  private buf: Buffer = Buffer.alloc(0);
  private nextSid = 1;
  private readonly subs = new Map<number, RawMsg[]>();
  private pongs: Array<() => void> = [];
  private changed: Array<() => void> = [];
  info: Record<string, unknown> = {};
  errors: string[] = [];

  private constructor(private readonly socket: Socket) {
    socket.on('data', (d: Buffer) => this.onData(d));
  }

  static async open(port: number, name = 'capture'): Promise<RawNats> {
    const socket = connect({ host: '127.0.0.1', port });
    const c = new RawNats(socket);
    await new Promise<void>((resolve, reject) => {
      c.changed.push(resolve);
      socket.once('error', reject);
    });
    const opts = { verbose: false, pedantic: false, headers: true, no_responders: true, protocol: 1, lang: 'wharf-capture', version: '0', name };
    socket.write(`CONNECT ${JSON.stringify(opts)}${CRLF}`);
    await c.flush();
    return c;
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    for (;;) {
      const eol = this.buf.indexOf(CRLF);
      if (eol < 0) break;
      const line = this.buf.subarray(0, eol).toString('utf8');
      const op = line.split(' ', 1)[0] ?? '';
      if (op === 'MSG' || op === 'HMSG') {
        const args = line.split(' ').slice(1);
        const total = Number(args[args.length - 1]);
        const hdrLen = op === 'HMSG' ? Number(args[args.length - 2]) : 0;
        const start = eol + 2;
        if (this.buf.length < start + total + 2) break;
        const body = this.buf.subarray(start, start + total);
        const fixed = op === 'HMSG' ? 4 : 3;
        const msg: RawMsg = {
          subject: args[0]!,
          sid: Number(args[1]),
          reply: args.length > fixed ? args[2]! : null,
          hdr: op === 'HMSG' ? body.subarray(0, hdrLen).toString('utf8') : null,
          payload: Buffer.from(body.subarray(hdrLen)),
        };
        this.buf = this.buf.subarray(start + total + 2);
        this.subs.get(msg.sid)?.push(msg);
        continue;
      }
      this.buf = this.buf.subarray(eol + 2);
      if (op === 'PING') this.socket.write(`PONG${CRLF}`);
      else if (op === 'PONG') this.pongs.shift()?.();
      else if (op === 'INFO') this.info = JSON.parse(line.slice(5)) as Record<string, unknown>;
      else if (op === '-ERR') this.errors.push(line);
    }
    const w = this.changed;
    this.changed = [];
    for (const f of w) f();
  }

  flush(): Promise<void> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no PONG within 10 s')), 10_000);
      this.pongs.push(() => {
        clearTimeout(t);
        resolve();
      });
      this.socket.write(`PING${CRLF}`);
    });
  }

  sub(subject: string): number {
    const sid = this.nextSid++;
    this.subs.set(sid, []);
    this.socket.write(`SUB ${subject} ${sid}${CRLF}`);
    return sid;
  }

  unsub(sid: number): void {
    this.socket.write(`UNSUB ${sid}${CRLF}`);
  }

  messages(sid: number): RawMsg[] {
    return this.subs.get(sid) ?? [];
  }

  pub(subject: string, reply: string | null, payload: Buffer, headers: ReadonlyArray<readonly [string, string]> | null): void {
    const r = reply === null ? '' : ` ${reply}`;
    if (headers === null) {
      this.socket.write(Buffer.concat([Buffer.from(`PUB ${subject}${r} ${payload.length}${CRLF}`), payload, Buffer.from(CRLF)]));
      return;
    }
    const hdr = Buffer.from(`NATS/1.0${CRLF}${headers.map(([k, v]) => `${k}: ${v}${CRLF}`).join('')}${CRLF}`);
    this.socket.write(Buffer.concat([Buffer.from(`HPUB ${subject}${r} ${hdr.length} ${hdr.length + payload.length}${CRLF}`), hdr, payload, Buffer.from(CRLF)]));
  }

  /** Waits until `done()` holds (checked on every read) or `ms` pass; true if it held. */
  async waitFor(done: () => boolean, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 100));
        this.changed.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return true;
  }

  /** A request: subscribes `reply`, publishes, waits for `count` messages (or `ms`); returns them. */
  async request(subject: string, reply: string, payload: Buffer, headers: ReadonlyArray<readonly [string, string]> | null, count: number, ms: number, until?: (m: RawMsg[]) => boolean): Promise<RawMsg[]> {
    const sid = this.sub(reply);
    this.pub(subject, reply, payload, headers);
    const got = this.messages(sid);
    await this.waitFor(() => (until ? until(got) : got.length >= count), ms);
    await this.flush();
    this.unsub(sid);
    return got;
  }

  close(): void {
    this.socket.destroy();
  }

  /** A $JS.API request with a JSON body: the decoded JSON reply (throws when none comes in 5 s). */
  async api(subject: string, body: unknown): Promise<Record<string, unknown>> {
    const [m] = await this.request(subject, `_INBOX.api.${Math.random()}`, Buffer.from(JSON.stringify(body)), null, 1, 5_000);
    if (m === undefined) throw new Error(`no answer on ${subject}`);
    return JSON.parse(m.payload.toString()) as Record<string, unknown>;
  }
}

/** The status code of a header-only reply ("NATS/1.0 404 ..."), or null. */
export function statusOf(m: RawMsg): number | null {
  if (m.hdr === null) return null;
  const s = /^NATS\/1\.0 (\d{3})/.exec(m.hdr);
  return s ? Number(s[1]) : null;
}
