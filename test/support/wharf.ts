// Starts a Wharf broker, in-process (startBroker) or as a child process (the CLI).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBroker } from '../../src/index.js';
import { configFromFlags, type OptionsByFlag } from '../../src/config.js';
import { freePort, LOOPBACK, waitForNatsInfo } from './net.js';

/** What the harness needs from startBroker()'s result. */
interface BrokerPorts {
  nats: number;
  http?: number;
  kafka?: number;
}

export interface RunningWharf {
  readonly kind: 'wharf';
  readonly host: string;
  readonly port: number;
  readonly httpPort: number | undefined;
  readonly kafkaPort: number | undefined;
  readonly info: Record<string, unknown>;
  close(): Promise<void>;
}

/**
 * Starts Wharf in this process on free loopback ports (port 0), Kafka off, logging silent,
 * storage in a fresh temporary directory. `opts` override any of these; they are given by flag
 * name in camelCase (kafkaPort, dataDir, maxPayload, ...), as the CLI takes them.
 */
export async function startWharf(opts: OptionsByFlag = {}): Promise<RunningWharf> {
  const dataDir = typeof opts.dataDir === 'string' ? opts.dataDir : mkdtempSync(join(tmpdir(), 'wharf-data-'));
  const ownDir = opts.dataDir === undefined;
  const broker = (await startBroker(
    configFromFlags({
      host: LOOPBACK,
      port: 0,
      httpPort: 0,
      kafkaPort: -1,
      logLevel: 'silent',
      dataDir,
      ...opts,
    }),
  )) as unknown as { ports?: BrokerPorts; close(): Promise<void> };
  const ports = broker.ports;
  if (!ports || typeof ports.nats !== 'number' || ports.nats <= 0) {
    await broker.close();
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    throw new Error('startBroker() returned no NATS port (expected { ports: { nats, http, kafka } }): is the NATS server in src/nats wired into src/broker.ts yet?');
  }
  let info: Record<string, unknown>;
  try {
    info = await waitForNatsInfo(ports.nats, 5_000);
  } catch (err) {
    await broker.close();
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    kind: 'wharf',
    host: LOOPBACK,
    port: ports.nats,
    httpPort: ports.http && ports.http > 0 ? ports.http : undefined,
    kafkaPort: ports.kafka && ports.kafka > 0 ? ports.kafka : undefined,
    info,
    close() {
      closing ??= (async () => {
        await broker.close();
        if (ownDir) rmSync(dataDir, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}

/** Root of the package: the nearest directory above this file that holds package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  throw new Error(`package.json not found above ${fileURLToPath(import.meta.url)}`);
}

export interface WharfProcess {
  readonly port: number;
  readonly httpPort: number;
  readonly process: ChildProcess;
  output(): string;
  close(): Promise<void>;
}

/**
 * Starts the Wharf CLI (`node dist/src/cli/main.js --port P --http-port H --kafka-port -1`)
 * as a child process, for benchmarks and tests that need a separate process.
 */
export async function spawnWharf(extraArgs: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<WharfProcess> {
  const main = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
  const port = await freePort();
  const httpPort = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-data-'));
  const args = [main, '--host', LOOPBACK, '--port', String(port), '--http-port', String(httpPort), '--kafka-port', '-1', '--data-dir', dataDir, ...extraArgs];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 64_000) out = out.slice(-32_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  let exited: string | undefined;
  const exitedP = new Promise<void>((r) =>
    child.on('exit', (code, signal) => {
      exited = `wharf exited (code ${code}, signal ${signal}):\n${out}`;
      r();
    }),
  );
  try {
    await waitForNatsInfo(port, 15_000, () => exited);
  } catch (err) {
    child.kill('SIGKILL');
    await exitedP;
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    port,
    httpPort,
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
        rmSync(dataDir, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}
