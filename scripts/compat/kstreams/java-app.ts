// One unmodified Java Kafka Streams application (or driver) of the kstreams suite as a child
// process: started with the suite's classpath and logging, its output kept to a file and in
// memory (logging stays on while the JVM shuts down, so Kafka Streams' close is seen), markers waited for (the lines Kafka's system tests wait for in the application's
// stdout), and stopped as the system tests stop them: SIGTERM and a wait for a clean exit, or
// SIGKILL for a crash. Each JVM gets a temporary directory of its case (java.io.tmpdir): the
// demos keep their state in Kafka Streams' default state.dir, ${java.io.tmpdir}/kafka-streams,
// which would otherwise outlive the run in /tmp and hand the next run (a fresh broker) state and
// checkpoints of an earlier one.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface JavaRuntime {
  /** The libs/classpath.txt of the resolved jars. */
  classpath: string;
  /** log4j2.properties for the applications. */
  log4j: string;
}

export class JavaApp {
  private out = '';
  private readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private waiters: Array<() => void> = [];

  constructor(
    readonly name: string,
    rt: JavaRuntime,
    mainClass: string,
    args: string[],
    readonly logFile: string,
    heapMb = 384,
  ) {
    const tmp = join(dirname(logFile), 'jvm-tmp');
    mkdirSync(tmp, { recursive: true });
    this.child = spawn('java', [`-Xmx${heapMb}m`, `-Djava.io.tmpdir=${tmp}`, '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', `-Dlog4j2.configurationFile=${rt.log4j}`, '-Dlog4j2.shutdownHookEnabled=false', '-cp', rt.classpath, mainClass, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer) => {
      const s = d.toString();
      this.out += s;
      if (this.out.length > 4_000_000) this.out = this.out.slice(-2_000_000);
      appendFileSync(logFile, s);
      for (const w of this.waiters.splice(0)) w();
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => {
      for (const w of this.waiters.splice(0)) w();
      resolve({ code, signal });
    }));
  }

  output(): string {
    return this.out;
  }

  running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits until the output matches `marker` (from `from` on); false on timeout or exit. */
  async waitFor(marker: RegExp, timeoutMs: number, from = 0): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (marker.test(this.out.slice(from))) return true;
      if (!this.running() || Date.now() >= deadline) return false;
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(1_000, Math.max(1, deadline - Date.now())));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Waits for the process to exit by itself; null on timeout. */
  async waitExit(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | null> {
    let t: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((r) => (t = setTimeout(() => r(null), timeoutMs)));
    const r = await Promise.race([this.exited, timeout]);
    clearTimeout(t);
    return r;
  }

  /** A clean stop (SIGTERM: the application's shutdown hook closes Kafka Streams), SIGKILL after `graceMs`. */
  async stop(graceMs = 60_000): Promise<{ code: number | null; signal: NodeJS.Signals | null; clean: boolean }> {
    if (!this.running()) return { ...(await this.exited), clean: true };
    this.child.kill('SIGTERM');
    const r = await this.waitExit(graceMs);
    if (r) return { ...r, clean: true };
    this.child.kill('SIGKILL');
    return { ...(await this.exited), clean: false };
  }

  /** A crash: SIGKILL, as the system tests' hard shutdown. */
  async kill(): Promise<void> {
    if (this.running()) this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** The runtime of a prepared directory (kstreams-setup.sh). */
export function javaRuntime(dir: string, classpath: string): JavaRuntime {
  return { classpath, log4j: join(dir, 'log4j2.properties') };
}
