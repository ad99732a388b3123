// The server the consumer wire tests run against: a whole Wharf broker (JetStream on, Kafka
// off, fresh data directory), or nats-server v2.15.2 with -js as the control where a test
// compares the two.
import { startWharf } from '../../support/wharf.js';
import { startNatsServer } from '../../support/nats-server.js';
import type { OptionsByFlag } from '../../../src/config.js';

export interface ConsumerTarget {
  readonly kind: 'wharf' | 'nats-server';
  readonly port: number;
  close(): Promise<void>;
}

export async function startConsumerTarget(opts: OptionsByFlag = {}): Promise<ConsumerTarget> {
  const w = await startWharf(opts);
  return { kind: 'wharf', port: w.port, close: () => w.close() };
}

export async function startReferenceTarget(): Promise<ConsumerTarget> {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const store = mkdtempSync(join(tmpdir(), 'wharf-ref-js-'));
  const s = await startNatsServer({ args: ['-js', '-sd', store] });
  return {
    kind: 'nats-server',
    port: s.port,
    async close() {
      await s.close();
      rmSync(store, { recursive: true, force: true });
    },
  };
}
