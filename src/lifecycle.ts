// The broker's components as a list of modules with start and close: started in order,
// closed in reverse order, both on shutdown and when a later start fails, so that no
// component outlives what it depends on (listeners close before the log they append to) and
// no start-up failure leaves a listener or a locked data directory behind.
import type { Logger } from './log.js';

interface Started {
  readonly name: string;
  close(): Promise<void> | void;
}

export class Lifecycle {
  private readonly started: Started[] = [];
  private closing: Promise<void> | null = null;

  constructor(private readonly logger: Logger) {}

  /**
   * Starts a component and remembers how to close it. When `start` throws, everything started
   * before is closed (in reverse order) and the error is thrown on.
   */
  async start<T>(name: string, start: () => Promise<T> | T, close: (component: T) => Promise<void> | void): Promise<T> {
    if (this.closing) throw new Error(`cannot start ${name}: the broker is closing`);
    let component: T;
    try {
      component = await start();
    } catch (err) {
      await this.close();
      throw err;
    }
    this.started.push({ name, close: () => close(component) });
    return component;
  }

  /** Closes every started component, last started first; a failing close is logged and the others still close. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      while (this.started.length > 0) {
        const c = this.started.pop()!;
        try {
          await c.close();
        } catch (err) {
          this.logger.error({ err, component: c.name }, 'component failed to close');
        }
      }
    })();
    return this.closing;
  }
}
