// Starts the reference Apache Kafka 4.4.0 (scripts/peers/install-kafka.sh) as a single-node
// KRaft broker on free loopback ports, for differential tests of the Kafka front-end.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { requirePeer } from './peers.js';

export interface RunningKafka {
  /** host:port of the PLAINTEXT listener. */
  readonly bootstrap: string;
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** Tail of the broker's console log (warnings and errors). */
  output(): string;
  /** Stops the broker and keeps its data directory (for startKafka(properties, { dataDir }) again). */
  stop(): Promise<void>;
  close(): Promise<void>;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 8 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

/**
 * Starts a broker (about 5-10 s on this machine); `properties` are extra server.properties lines.
 * With `dataDir`, the broker restarts on the data of one stopped earlier (on new ports).
 */
export async function startKafka(properties: string[] = [], opts: { dataDir?: string } = {}): Promise<RunningKafka> {
  const start = requirePeer('kafka');
  const stop = join(dirname(start), 'stop-kafka.sh');
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'wharf-kafka-'));
  let bootstrap: string;
  try {
    const { stdout } = await run('bash', [start, dataDir, ...properties], 180_000);
    bootstrap = stdout.trim().split('\n').pop() ?? '';
    if (!/^127\.0\.0\.1:\d+$/.test(bootstrap)) throw new Error(`unexpected output of start-kafka.sh: ${stdout}`);
  } catch (err) {
    await run('bash', [stop, dataDir, '--clean'], 60_000).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const pid = Number(readFileSync(join(dataDir, 'kafka.pid'), 'utf8'));
  const killOnExit = () => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  process.once('exit', killOnExit);
  let closing: Promise<void> | undefined;
  const [host, port] = bootstrap.split(':') as [string, string];
  return {
    bootstrap,
    host,
    port: Number(port),
    dataDir,
    output: () => {
      try {
        return readFileSync(join(dataDir, 'kafka.out'), 'utf8').slice(-8000);
      } catch {
        return '';
      }
    },
    stop() {
      closing ??= (async () => {
        process.removeListener('exit', killOnExit);
        await run('bash', [stop, dataDir], 60_000);
      })();
      return closing;
    },
    close() {
      closing ??= (async () => {
        process.removeListener('exit', killOnExit);
        await run('bash', [stop, dataDir, '--clean'], 60_000);
      })();
      return closing;
    },
  };
}
