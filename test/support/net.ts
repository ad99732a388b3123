// Small networking helpers for tests: free loopback ports and waiting for a listener.
import { createServer, connect } from 'node:net';

export const LOOPBACK = '127.0.0.1';

/** A TCP port that was free on 127.0.0.1 a moment ago (the caller binds it soon after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, LOOPBACK, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no port'))));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Waits until a NATS server on host:port accepts a connection and sends its INFO line.
 * Returns the parsed INFO. Throws after timeoutMs, or earlier when isDead() says so.
 */
export async function waitForNatsInfo(
  port: number,
  timeoutMs = 10_000,
  isDead: () => string | undefined = () => undefined,
  host = LOOPBACK,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    const dead = isDead();
    if (dead) throw new Error(dead);
    try {
      return await readInfoOnce(host, port, Math.min(2_000, deadline - Date.now()));
    } catch (err) {
      lastError = (err as Error).message;
      await sleep(50);
    }
  }
  throw new Error(`no NATS INFO from ${host}:${port} within ${timeoutMs} ms: ${lastError}`);
}

function readInfoOnce(host: string, port: number, timeoutMs: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port });
    let buf = '';
    const timer = setTimeout(() => finish(new Error('timeout waiting for INFO')), timeoutMs);
    function finish(err: Error | null, info?: Record<string, unknown>) {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(info!);
    }
    sock.on('error', (e) => finish(e));
    sock.on('close', () => finish(new Error('closed before INFO')));
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      const nl = buf.indexOf('\r\n');
      if (nl < 0) return;
      const line = buf.slice(0, nl);
      if (!line.startsWith('INFO ')) return finish(new Error(`expected INFO, got ${JSON.stringify(line.slice(0, 80))}`));
      try {
        finish(null, JSON.parse(line.slice(5)) as Record<string, unknown>);
      } catch (e) {
        finish(e as Error);
      }
    });
  });
}
