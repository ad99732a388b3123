// An in-process broker for tests: loopback, free ports, Kafka off, silent, and its storage in a
// fresh temporary directory that is removed when the broker closes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type Broker } from '../../src/index.js';
import type { BrokerOptions } from '../../src/config.js';

export async function startTestBroker(opts: Partial<BrokerOptions> = {}): Promise<Broker> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'wharf-test-'));
  const broker = await startBroker({ host: '127.0.0.1', port: 0, httpPort: -1, kafkaPort: -1, logLevel: 'silent', ...opts, dataDir });
  if (opts.dataDir !== undefined) return broker;
  const close = broker.close.bind(broker);
  return Object.assign(broker, {
    close: async () => {
      await close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}
