// Waiting for a restarted broker: its port accepts a connection (and, for NATS, sends INFO).
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

function probe(port: number, wantInfo: boolean, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.on('error', () => done(false));
    sock.on('connect', () => {
      if (!wantInfo) done(true);
    });
    sock.on('data', (d) => {
      if (d.toString('latin1').startsWith('INFO ')) done(true);
    });
  });
}

/** Polls until the port serves; throws with `why()` (the broker's output) after `timeoutMs`. */
export async function waitForPort(port: number, wantInfo: boolean, timeoutMs: number, dead: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const d = dead();
    if (d !== undefined) throw new Error(d);
    if (await probe(port, wantInfo, 1_000)) return;
    await sleep(50);
  }
  throw new Error(`port ${port} did not serve within ${timeoutMs} ms`);
}
