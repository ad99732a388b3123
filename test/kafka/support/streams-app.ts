// One instance of the Java Kafka Streams 4.4 word count (test/kafka/java/StreamsWordCount.java,
// group.protocol=streams) as a child process, and where its jars are: its state changes and
// active tasks parsed from whole stdout lines, a clean close (its stdin closed) or a crash
// (SIGKILL), and the tail of its output for failure messages.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { peersDir } from '../../support/peers.js';

/** The Kafka Streams 4.4.0 classpath scripts/compat/kstreams-setup.sh prepares, or null. */
export function streams44Classpath(): string | null {
  const file = join(peersDir(), 'kstreams-4.4.0', 'classpath.txt');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : null;
}

export interface StreamsAppArgs {
  bootstrap: string;
  applicationId: string;
  stateDir: string;
  input: string;
  output: string;
  /** Its client.id: the group's members show it as `<name>-StreamThread-1-consumer`. */
  name: string;
}

export class StreamsApp {
  /** Every state the application reported, in order (CREATED is never reported). */
  readonly states: string[] = [];
  /** The active tasks it last reported (`<subtopology>_<partition>`). */
  tasks: string[] = [];
  fatal: string | null = null;
  closed = false;
  readonly child: ChildProcess;
  private tail = '';
  private partial = '';
  private readonly exited: Promise<void>;

  constructor(classpath: string, a: StreamsAppArgs) {
    const log4j = join(peersDir(), 'kstreams-4.4.0', 'log4j2.properties');
    const args = [`-Dlog4j2.configurationFile=${log4j}`, '-Xmx384m', '-cp', classpath, 'StreamsWordCount', a.bootstrap, a.applicationId, a.stateDir, a.input, a.output, a.name];
    const child = spawn('java', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    this.exited = new Promise((resolve) =>
      child.once('exit', () => {
        process.removeListener('exit', killOnExit);
        resolve();
      }),
    );
    child.stdin!.on('error', () => undefined);
    child.stdout!.on('data', (d: Buffer) => this.onStdout(d.toString()));
    child.stderr!.on('data', (d: Buffer) => this.keep(d.toString()));
  }

  get state(): string {
    return this.states.at(-1) ?? 'CREATED';
  }

  private keep(text: string): void {
    this.tail = (this.tail + text).slice(-20_000);
  }

  private onStdout(text: string): void {
    this.keep(text);
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      const m = /^(STATE|TASKS|FATAL|CLOSED) ?(.*)$/.exec(line.trimEnd());
      if (!m) continue;
      if (m[1] === 'STATE') this.states.push(m[2]!);
      else if (m[1] === 'TASKS') this.tasks = m[2] ? m[2].split(',') : [];
      else if (m[1] === 'FATAL') this.fatal = m[2]!;
      else this.closed = true;
    }
  }

  /** The last 20 kB of the application's stdout and stderr. */
  output(): string {
    return this.tail;
  }

  /** A clean close: stdin closed, Kafka Streams closes (leaving the group), the JVM exits. */
  async close(): Promise<void> {
    this.child.stdin!.end();
    await this.exited;
  }

  /** A crash: SIGKILL, nothing closed, the group learns of it by the session timeout. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}
