// Starts a reference nats-server (v2.15.2, from scripts/peers) on free loopback ports.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requirePeer } from './peers.js';
import { freePort, LOOPBACK, waitForNatsInfo } from './net.js';

export interface NatsServerOptions {
  /** Contents of a nats-server config file (its own syntax), if any. */
  config?: string;
  /** Extra command-line arguments. */
  args?: string[];
  /** Also open the HTTP monitoring port (default true). */
  monitor?: boolean;
  startTimeoutMs?: number;
  /**
   * Ready when the server logs "Server is ready", not when it greets with INFO: for a TLS
   * handshake_first configuration, whose INFO only comes after a TLS handshake. `info` is then {}.
   */
  readyOnLog?: boolean;
}

export interface RunningNatsServer {
  readonly kind: 'nats-server';
  readonly host: string;
  readonly port: number;
  readonly httpPort: number | undefined;
  readonly info: Record<string, unknown>;
  readonly process: ChildProcess;
  /** Captured stderr/stdout of the server (useful in failure messages). */
  output(): string;
  close(): Promise<void>;
}

export async function startNatsServer(opts: NatsServerOptions = {}): Promise<RunningNatsServer> {
  const bin = requirePeer('nats-server');
  let lastErr: unknown;
  // A free port can be taken between the probe and the bind: retry a few times.
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      return await startOnce(bin, opts);
    } catch (err) {
      lastErr = err;
    }
  }
  throw lastErr;
}

async function startOnce(bin: string, opts: NatsServerOptions): Promise<RunningNatsServer> {
  const port = await freePort();
  const httpPort = opts.monitor === false ? undefined : await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'wharf-nats-server-'));
  const args: string[] = [];
  if (opts.config !== undefined) {
    const file = join(dir, 'server.conf');
    writeFileSync(file, opts.config);
    args.push('-c', file);
  }
  // Flags after -c override the file, so ports always come from here.
  args.push('-a', LOOPBACK, '-p', String(port));
  if (httpPort !== undefined) args.push('-m', String(httpPort));
  args.push(...(opts.args ?? []));
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 64_000) out = out.slice(-32_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited: string | undefined;
  const exitedP = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exited = `nats-server exited (code ${code}, signal ${signal}) before it was ready:\n${out}`;
      resolve();
    });
  });
  // Never leave a server behind when the test process exits without closing it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  let info: Record<string, unknown>;
  try {
    info = opts.readyOnLog === true ? await readyInLog(() => out, opts.startTimeoutMs ?? 10_000, () => exited) : await waitForNatsInfo(port, opts.startTimeoutMs ?? 10_000, () => exited);
  } catch (err) {
    child.kill('SIGKILL');
    await exitedP;
    cleanup();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    kind: 'nats-server',
    host: LOOPBACK,
    port,
    httpPort,
    info,
    process: child,
    output: () => out,
    close() {
      closing ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exitedP;
          clearTimeout(t);
        }
        cleanup();
      })();
      return closing;
    },
  };
}

/** Waits until the server's output says it is ready. */
async function readyInLog(output: () => string, timeoutMs: number, isDead: () => string | undefined): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  while (!output().includes('Server is ready')) {
    const dead = isDead();
    if (dead !== undefined) throw new Error(dead);
    if (Date.now() > deadline) throw new Error(`nats-server not ready within ${timeoutMs} ms:\n${output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {};
}
