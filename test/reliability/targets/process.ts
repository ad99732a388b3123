// A child broker process with its output kept, its exit awaited, and its memory read from /proc:
// what the three targets share.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

export class BrokerProcess {
  private child: ChildProcess | undefined;
  private exitP: Promise<void> = Promise.resolve();
  private out = '';
  private readonly killOnExit = () => this.child?.kill('SIGKILL');

  constructor(private readonly label: string) {
    process.on('exit', this.killOnExit);
  }

  private launchedAt = 0;

  launch(cmd: string, args: string[], env: Record<string, string>, cwd?: string): void {
    this.launchedAt = this.out.length;
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env }, cwd });
    this.child = child;
    const keep = (d: Buffer) => {
      this.out += d.toString();
      if (this.out.length > 256_000) {
        this.launchedAt = Math.max(0, this.launchedAt - 128_000);
        this.out = this.out.slice(-128_000);
      }
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.exitP = new Promise<void>((resolve) => {
      child.once('exit', (code, sig) => {
        this.out += `\n[harness] ${this.label} exited (code ${code}, signal ${sig})\n`;
        resolve();
      });
    });
  }

  running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  pid(): number | undefined {
    return this.running() ? this.child?.pid : undefined;
  }

  signal(sig: NodeJS.Signals): void {
    if (this.running()) this.child!.kill(sig);
  }

  exited(): Promise<void> {
    return this.exitP;
  }

  rss(): number | undefined {
    const pid = this.pid();
    if (pid === undefined) return undefined;
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Number(m[1]) * 1024 : undefined;
    } catch {
      return undefined;
    }
  }

  /** Whether the output since the last launch matches `re`. */
  printedSinceLaunch(re: RegExp): boolean {
    return re.test(this.out.slice(this.launchedAt));
  }

  output(): string {
    return this.out.slice(-6000);
  }

  async stop(): Promise<void> {
    if (this.running()) {
      this.child!.kill('SIGCONT');
      this.child!.kill('SIGTERM');
      const t = setTimeout(() => this.child?.kill('SIGKILL'), 5_000);
      await this.exitP;
      clearTimeout(t);
    }
    process.removeListener('exit', this.killOnExit);
  }
}
