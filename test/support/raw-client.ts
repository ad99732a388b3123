// A raw TCP protocol client: send bytes, collect what comes back, tell whether the server closed.
import { connect, type Socket } from 'node:net';
import { LOOPBACK, sleep } from './net.js';

export class RawClient {
  private chunks: Buffer[] = [];
  private size = 0;
  private waiters = new Set<() => void>();
  /** Time (Date.now()) of the last byte received or of the close. */
  lastActivity = Date.now();
  /** The server closed the connection (FIN or reset). */
  closed = false;
  /** Error seen on the socket (ECONNRESET, EPIPE...), if any. */
  error: Error | undefined;

  private constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      this.chunks.push(d);
      this.size += d.length;
      this.lastActivity = Date.now();
      this.wake();
    });
    socket.on('error', (e) => {
      this.error = e;
    });
    socket.on('close', () => {
      this.closed = true;
      this.lastActivity = Date.now();
      this.wake();
    });
    socket.on('end', () => {
      // The server half-closed; close our side too so that 'close' follows.
      socket.end();
    });
  }

  static connect(port: number, host = LOOPBACK, timeoutMs = 5_000): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const sock = connect({ host, port });
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new Error(`connect to ${host}:${port} timed out`));
      }, timeoutMs);
      sock.once('connect', () => {
        clearTimeout(timer);
        resolve(new RawClient(sock));
      });
      sock.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  private wake() {
    for (const w of this.waiters) w();
  }

  /** Waits for the next data/close event or the timeout. */
  private nextEvent(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.waiters.delete(done);
        resolve();
      };
      const t = setTimeout(done, Math.max(0, ms));
      this.waiters.add(done);
    });
  }

  /** Everything received so far. */
  buffer(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.size)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  text(): string {
    return this.buffer().toString('latin1');
  }

  /** Returns what was received so far and clears it. */
  take(): string {
    const s = this.text();
    this.chunks = [];
    this.size = 0;
    return s;
  }

  get received(): number {
    return this.size;
  }

  /** Writes bytes; resolves once handed to the kernel. Writing to a closed socket is not an error here. */
  write(data: string | Buffer): Promise<void> {
    if (this.closed || this.socket.destroyed || !this.socket.writable) return Promise.resolve();
    const buf = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    return new Promise((resolve) => this.socket.write(buf, () => resolve()));
  }

  /** Writes each chunk separately, pausing between them so that they arrive as separate TCP segments. */
  async writeChunks(chunks: (string | Buffer)[], gapMs = 20): Promise<void> {
    for (let i = 0; i < chunks.length; i++) {
      if (i > 0) await sleep(gapMs);
      await this.write(chunks[i]!);
    }
  }

  /** Waits until the received text matches `pattern`; true if it did within timeoutMs. */
  async waitFor(pattern: RegExp | string, timeoutMs = 2_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    const matches = () => (typeof pattern === 'string' ? this.text().includes(pattern) : pattern.test(this.text()));
    while (!matches()) {
      if (this.closed) return matches();
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await this.nextEvent(left);
    }
    return true;
  }

  /** Waits until `condition` holds, re-checked on every data or close event; false on timeout. */
  async waitUntil(condition: () => boolean, timeoutMs = 2_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (this.closed) return condition();
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await this.nextEvent(left);
    }
    return true;
  }

  /** Waits until nothing has arrived for quietMs (or the connection closed), at most maxMs. */
  async waitQuiet(quietMs = 50, maxMs = 2_000): Promise<void> {
    const start = Date.now();
    const deadline = start + maxMs;
    for (;;) {
      if (this.closed) return;
      const now = Date.now();
      const idleSince = Math.max(this.lastActivity, start);
      if (now - idleSince >= quietMs || now >= deadline) return;
      await this.nextEvent(Math.min(quietMs - (now - idleSince), deadline - now));
    }
  }

  /** Waits until the server closes the connection; true if it did within timeoutMs. */
  async waitClosed(timeoutMs = 2_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await this.nextEvent(left);
    }
    return true;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Waits until every client has been quiet for quietMs (or closed), at most maxMs. */
export async function waitAllQuiet(clients: Iterable<RawClient>, quietMs = 50, maxMs = 2_000): Promise<void> {
  const list = [...clients];
  const start = Date.now();
  const deadline = start + maxMs;
  for (;;) {
    const now = Date.now();
    const last = Math.max(start, ...list.filter((c) => !c.closed).map((c) => c.lastActivity));
    if (now - last >= quietMs || now >= deadline || list.every((c) => c.closed)) return;
    await sleep(Math.max(1, Math.min(quietMs - (now - last), deadline - now, 10)));
  }
}
