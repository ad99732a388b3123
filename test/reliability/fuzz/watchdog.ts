// A watchdog for an async fuzz target (jetstream-api): Jazzer.js runs libFuzzer in a thread of
// its own that waits, for each input, on the promise the target returns; if that promise never
// settles, libFuzzer waits forever (its -timeout alarm did not end the 2 December run), so the
// run looks idle with no clue which input or which await it is stuck on. The target tells the
// watchdog when an input begins, which await it is at, and when it ends; a timer (unref'd: it
// never keeps a process alive) writes to stderr, synchronously, once per stall:
//   - an input pending longer than `afterMs`: its number, the await it is at, how long, the
//     input itself (hex) and the event loop's active resources;
//   - no input pending and none started for longer than `afterMs` after the last one settled:
//     the target is not what waits (the bridge between libFuzzer and the event loop is).
// With `traceEveryMs`, it also writes a line of counts now and then (WHARF_FUZZ_TRACE=1).
// `onIdle` is called once when no input has been pending or started for `idleMs` after the last
// one settled: libFuzzer calls inputs back to back, so that means it has finished (after its
// last run, or in a merge's inner process, which prints no "Done" line), and the target can let
// go of what keeps the event loop alive (the jetstream-api target closes its broker; an input
// that came after all would start it again).
import { writeSync } from 'node:fs';

export interface WatchdogOptions {
  afterMs: number;
  traceEveryMs?: number;
  write?: (line: string) => void;
  /** What is shown of an input on a stall (the target knows its own format). */
  describe?: (input: Buffer) => string;
  idleMs?: number;
  onIdle?: () => void;
}

interface Pending {
  n: number;
  input: Buffer;
  stage: string;
  startedAt: number;
  stageAt: number;
  reported: boolean;
}

export class FuzzWatchdog {
  private started = 0;
  private settled = 0;
  private current: Pending | undefined;
  private lastSettledAt = Date.now();
  private idleReported = false;
  private idleHandled = false;
  private lastTraceAt = Date.now();
  private readonly timer: NodeJS.Timeout;
  private readonly write: (line: string) => void;
  /** Every stall report made, for tests (and for a post-mortem in the debugger). */
  readonly reports: string[] = [];

  constructor(private readonly opts: WatchdogOptions) {
    this.write = opts.write ?? ((line) => void writeSync(2, `${line}\n`));
    this.timer = setInterval(() => this.check(), Math.max(50, Math.min(1_000, opts.afterMs / 4)));
    this.timer.unref();
  }

  begin(input: Buffer): void {
    const now = Date.now();
    this.started++;
    this.current = { n: this.started, input: Buffer.from(input), stage: 'begin', startedAt: now, stageAt: now, reported: false };
    this.idleReported = false;
    this.idleHandled = false;
  }

  stage(name: string): void {
    if (this.current) {
      this.current.stage = name;
      this.current.stageAt = Date.now();
    }
  }

  end(): void {
    this.settled++;
    this.current = undefined;
    this.lastSettledAt = Date.now();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  get counts(): { started: number; settled: number } {
    return { started: this.started, settled: this.settled };
  }

  private report(line: string): void {
    this.reports.push(line);
    this.write(line);
  }

  check(now = Date.now()): void {
    const c = this.current;
    if (c && !c.reported && now - c.startedAt > this.opts.afterMs) {
      c.reported = true;
      const shown = this.opts.describe ? this.opts.describe(c.input) : c.input.toString('hex');
      this.report(
        `WATCHDOG: input #${c.n} pending for ${now - c.startedAt} ms, at "${c.stage}" for ${now - c.stageAt} ms` +
          ` (${this.settled} settled before it): ${shown}; input hex ${c.input.toString('hex')}; active: ${process.getActiveResourcesInfo().join(',')}`,
      );
    }
    if (!c && this.started > 0 && !this.idleReported && now - this.lastSettledAt > this.opts.afterMs) {
      this.idleReported = true;
      this.report(`WATCHDOG: no input for ${now - this.lastSettledAt} ms after input #${this.settled} settled: the target is not waiting, its caller is; active: ${process.getActiveResourcesInfo().join(',')}`);
    }
    if (!c && this.started > 0 && this.opts.onIdle && !this.idleHandled && now - this.lastSettledAt > (this.opts.idleMs ?? this.opts.afterMs)) {
      this.idleHandled = true;
      this.opts.onIdle();
    }
    if (this.opts.traceEveryMs && now - this.lastTraceAt >= this.opts.traceEveryMs) {
      this.lastTraceAt = now;
      this.write(`WATCHDOG: ${this.started} inputs started, ${this.settled} settled${c ? `, #${c.n} at "${c.stage}"` : ''}; rss ${Math.round(process.memoryUsage.rss() / 1048576)} MB`);
    }
  }
}
