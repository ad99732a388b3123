// kafkajs clients for the Kafka workloads: retries sized to ride out a broker restart, logging
// off, and the partition warning silenced.
import type { Kafka as KafkaType } from 'kafkajs';
import { Kafka, logLevel } from '../../kafka/support/kafkajs.js';

export function kafkaFor(bootstrap: string, clientId: string): KafkaType {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  return new Kafka({
    clientId,
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2_000,
    requestTimeout: 8_000,
    retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 2_000 },
  });
}
