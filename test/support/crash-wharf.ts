// A Wharf broker as a child process that a crash test kills (SIGKILL by default) and restarts on
// the same data directory and ports, any number of times: its output kept (the last 20 KB, for
// failure messages), ready when the Kafka port accepts a connection or, without Kafka, when the
// NATS port sends its INFO, and killed when the test process exits. What the Kafka and JetStream
// crash tests (share-crash, txn-crash, consumer-crash) each wrote for themselves before.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort, LOOPBACK, sleep, waitForNatsInfo } from './net.js';
import { repoRoot } from './wharf.js';

export interface CrashWharfOptions {
  /** The Kafka port, kept across restarts; without it Kafka is off and readiness is NATS's INFO. */
  kafkaPort?: number;
  /** The NATS port, kept across restarts; without it a free one is taken at every start. */
  natsPort?: number;
  /** Further CLI flags. */
  args?: string[];
}

export class CrashWharf {
  child: ChildProcess | null = null;
  out = '';

  constructor(
    readonly dataDir: string,
    readonly options: CrashWharfOptions,
  ) {}

  async start(): Promise<void> {
    const main = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
    const { kafkaPort } = this.options;
    const natsPort = this.options.natsPort ?? (await freePort());
    const args = [main, '--host', LOOPBACK, '--port', String(natsPort), '--http-port', '-1', '--kafka-port', String(kafkaPort ?? -1), '--data-dir', this.dataDir, '--log-level', 'warn', ...(this.options.args ?? [])];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (d: Buffer): void => {
      this.out = (this.out + d.toString()).slice(-20_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const kill = (): boolean => child.kill('SIGKILL');
    process.once('exit', kill);
    child.once('exit', () => process.removeListener('exit', kill));
    if (kafkaPort === undefined) {
      await waitForNatsInfo(natsPort, 20_000, () => (child.exitCode !== null ? `wharf exited: ${this.out}` : undefined));
      return;
    }
    const end = Date.now() + 20_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`wharf exited: ${this.out}`);
      const ok = await new Promise<boolean>((resolve) => {
        const s = connect({ host: LOOPBACK, port: kafkaPort }, () => {
          s.destroy();
          resolve(true);
        });
        s.once('error', () => resolve(false));
      });
      if (ok) return;
      if (Date.now() > end) throw new Error(`wharf did not listen: ${this.out}`);
      await sleep(50);
    }
  }

  /** Sends `signal` and waits for the exit; nothing when the broker is not running. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill(signal);
    await exited;
    this.child = null;
  }
}
