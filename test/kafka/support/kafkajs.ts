// kafkajs 2.2.4 helpers for the wire tests: a client on a Wharf broker, and a plain fetch
// through kafkajs's own broker connection (its consumer needs consumer groups, which have
// their own issue; its Broker.fetch speaks the Fetch protocol directly).
import { createRequire } from 'node:module';
import type { Kafka as KafkaType } from 'kafkajs';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const kafkajs = require('kafkajs') as typeof import('kafkajs');
export const { Kafka, logLevel, CompressionTypes } = kafkajs;

export function kafkaClient(port: number, clientId = 'wharf-test'): KafkaType {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  return new Kafka({ clientId, brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 50 } });
}

export interface FetchedRecord {
  offset: string;
  key: string | null;
  value: string | null;
  timestamp: string;
  headers: Record<string, string>;
}

export interface FetchedPartition {
  errorCode: number;
  highWatermark: string;
  lastStableOffset: string;
  lastStartOffset?: string;
  records: FetchedRecord[];
}

/** kafkajs's internal cluster/broker objects, for raw Fetch and other direct requests. */
export interface RawKafkajs {
  fetch(opts: { topic: string; partition: number; offset: number | string; maxWaitTime?: number; minBytes?: number; maxBytes?: number; partitionMaxBytes?: number; isolationLevel?: number }): Promise<FetchedPartition>;
  close(): Promise<void>;
}

export async function rawKafkajs(kafka: KafkaType): Promise<RawKafkajs> {
  const sym = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster')!;
  const cluster = (kafka as unknown as Record<symbol, (o: object) => any>)[sym]!({});
  await cluster.connect();
  await cluster.refreshMetadata();
  const broker = await cluster.findBroker({ nodeId: String(cluster.brokerPool.metadata.brokers[0].nodeId) });
  return {
    async fetch({ topic, partition, offset, maxWaitTime = 0, minBytes = 1, maxBytes = 10 * 1024 * 1024, partitionMaxBytes = 1024 * 1024, isolationLevel = 1 }) {
      const res = await broker.fetch({
        maxWaitTime,
        minBytes,
        maxBytes,
        isolationLevel,
        topics: [{ topic, partitions: [{ partition, fetchOffset: String(offset), maxBytes: partitionMaxBytes }] }],
      });
      const p = res.responses[0].partitions[0];
      return {
        errorCode: p.errorCode,
        highWatermark: p.highWatermark,
        lastStableOffset: p.lastStableOffset,
        records: (p.messages as any[]).map((m) => ({
          offset: m.offset,
          key: m.key === null ? null : m.key.toString(),
          value: m.value === null ? null : m.value.toString(),
          timestamp: m.timestamp,
          headers: Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)])),
        })),
      };
    },
    close: () => cluster.disconnect(),
  };
}
