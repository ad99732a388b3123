// The server the consumer wire tests run against: Wharf with JetStream. Until the streams half
// (core/streams, the stream API) is merged, the consumers run over the fake streams of
// consumer-harness.ts; afterwards over a whole broker.
import { startConsumerHarness } from './consumer-harness.js';

export interface ConsumerTarget {
  readonly port: number;
  close(): Promise<void>;
}

export async function startConsumerTarget(): Promise<ConsumerTarget> {
  const h = await startConsumerHarness();
  return { port: h.port, close: () => h.close() };
}
