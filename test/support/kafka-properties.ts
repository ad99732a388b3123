// Starts the reference Apache Kafka 4.4 (scripts/peers) on a server.properties file written by the
// caller, listeners and all, for comparisons in which Wharf reads the same file (--kafka-config).
// test/support/kafka.ts starts Kafka with the peers' script, which owns the listeners; this one
// formats the log directory the file names and runs kafka.Kafka with the file itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { requirePeer } from './peers.js';
import { waitFor } from './wait.js';

export interface KafkaOnProperties {
  /** Tail of the broker's output (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

/** Formats and starts a KRaft broker from `file` (its log.dirs must be fresh); `cwd` is where it runs. */
export async function startKafkaOnProperties(file: string, cwd: string): Promise<KafkaOnProperties> {
  const home = dirname(dirname(requirePeer('kafka')));
  const cp = readFileSync(join(home, 'classpath.txt'), 'utf8').trim();
  const jvm = ['-Xms128m', '-Xmx512m', `-Dlog4j2.configurationFile=${join(home, 'config', 'log4j2.yaml')}`, '-cp', cp];
  const java = (args: string[]) =>
    new Promise<string>((resolve, reject) => {
      const c = spawn('java', [...jvm, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      c.stdout.on('data', (d: Buffer) => (out += d.toString()));
      c.stderr.on('data', (d: Buffer) => (out += d.toString()));
      c.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`java ${args.join(' ')}: ${out}`))));
    });
  const id = (await java(['kafka.tools.StorageTool', 'random-uuid'])).trim().split('\n').pop()!;
  await java(['kafka.tools.StorageTool', 'format', '-t', id, '-c', file]);
  let out = '';
  const child: ChildProcess = spawn('java', [...jvm, 'kafka.Kafka', file], { stdio: ['ignore', 'pipe', 'pipe'], cwd });
  child.stdout!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  child.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  await waitFor(() => out.includes('Kafka Server started') || child.exitCode !== null, { what: 'Kafka 4.4 started', timeoutMs: 180_000, detail: () => out.slice(-3000) });
  if (child.exitCode !== null) throw new Error(`Kafka exited: ${out.slice(-3000)}`);
  return {
    output: () => out.slice(-8000),
    async stop() {
      process.removeListener('exit', kill);
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(t);
    },
  };
}
