// An in-process broker for tests: loopback, free ports, Kafka off, silent, and its storage in a
// fresh temporary directory that is removed when the broker closes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type Broker } from '../../src/index.js';
import { configFromFlags, type OptionsByFlag } from '../../src/config.js';

/** `opts` are given by flag name in camelCase (kafkaPort, dataDir, fsync, ...), as the CLI takes them. */
export async function startTestBroker(opts: OptionsByFlag = {}): Promise<Broker> {
  const dataDir = typeof opts.dataDir === 'string' ? opts.dataDir : mkdtempSync(join(tmpdir(), 'wharf-test-'));
  const broker = await startBroker(configFromFlags({ host: '127.0.0.1', port: 0, httpPort: -1, kafkaPort: -1, logLevel: 'silent', ...opts, dataDir }));
  if (opts.dataDir !== undefined) return broker;
  const close = broker.close.bind(broker);
  return Object.assign(broker, {
    close: async () => {
      await close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}
