// One instance of the Java read-process-write application (test/kafka/java/ReadProcessWrite.java)
// as a child process: its progress, parsed from whole "COMMITTED n" lines (a line split across two
// reads is never taken for a smaller count), its client restarts, and the tail of its output for
// failure messages.
import { spawn, type ChildProcess } from 'node:child_process';

export interface ReadProcessWriteArgs {
  bootstrap: string;
  input: string;
  output: string;
  group: string;
  /** Also the consumer's client.id, so that the member can be found in a group description. */
  transactionalId: string;
  protocol: 'classic' | 'consumer';
  /** Pause after each committed transaction, in ms. */
  pauseMs: number;
}

export class ReadProcessWriteApp {
  /** Records this instance has committed in total (its count survives its own client restarts). */
  committed = 0;
  /** Times the application recreated its clients after an error. */
  restarts = 0;
  readonly child: ChildProcess;
  private tail = '';
  private partial = '';
  private readonly exited: Promise<void>;

  constructor(classpath: string, a: ReadProcessWriteArgs) {
    const args = ['-cp', classpath, 'ReadProcessWrite', a.bootstrap, a.input, a.output, a.group, a.transactionalId, a.protocol, String(a.pauseMs)];
    const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    this.exited = new Promise((resolve) =>
      child.once('exit', () => {
        process.removeListener('exit', killOnExit);
        resolve();
      }),
    );
    child.stdout!.on('data', (d: Buffer) => this.onStdout(d.toString()));
    child.stderr!.on('data', (d: Buffer) => this.keep(d.toString()));
  }

  private keep(text: string): void {
    this.tail = (this.tail + text).slice(-20_000);
  }

  private onStdout(text: string): void {
    this.keep(text);
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      const m = /^COMMITTED (\d+)\s*$/.exec(line);
      if (m) this.committed = Math.max(this.committed, Number(m[1]));
      else if (line.startsWith('RESTART')) this.restarts++;
    }
  }

  /** The last 20 kB of the application's stdout and stderr. */
  output(): string {
    return this.tail;
  }

  /** SIGKILL, resolved once the process is gone. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}
