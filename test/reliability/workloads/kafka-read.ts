// Reads every partition of a topic from its start to its high watermark with plain Fetch
// requests, partition by partition (no metadata, no group), so that one partition taken offline
// (after injected damage) does not hide what the others hold: an offline partition is reported
// as such instead of failing the whole read.
import { decodeRecordsAsync } from '../../../src/core/records/batch.js';
import { RawKafkaClient } from '../../kafka/support/groups-raw.js';
import { splitBatches } from '../../support/records.js';

export type PartitionRead = { values: string[] } | { offline: string };

export async function readPartitions(port: number, topic: string, partitions: number): Promise<Map<number, PartitionRead>> {
  const raw = await RawKafkaClient.connect(port);
  const out = new Map<number, PartitionRead>();
  try {
    for (let p = 0; p < partitions; p++) {
      const values: string[] = [];
      let offset = 0n;
      try {
        for (let rounds = 0; rounds < 100_000; rounds++) {
          const f = await raw.request(1, 11, {
            replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
            topics: [{ topic, partitions: [{ partition: p, currentLeaderEpoch: -1, fetchOffset: offset, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
            forgottenTopicsData: [], rackId: '',
          });
          const r = f.responses[0]!.partitions[0]!;
          if (r.errorCode !== 0) throw new Error(`Fetch error code ${r.errorCode}`);
          const before = offset;
          for (const batch of splitBatches(r.records ?? Buffer.alloc(0))) {
            for (const rec of await decodeRecordsAsync(batch)) {
              if (BigInt(rec.offset) < offset) continue;
              values.push(rec.value === null ? '<null>' : rec.value.toString());
              offset = BigInt(rec.offset) + 1n;
            }
          }
          if (offset >= r.highWatermark) break;
          if (offset === before) offset++; // a gap: step over it
        }
        out.set(p, { values });
      } catch (err) {
        out.set(p, { offline: (err as Error).message.split('\n')[0]! });
      }
    }
  } finally {
    await raw.close();
  }
  return out;
}
