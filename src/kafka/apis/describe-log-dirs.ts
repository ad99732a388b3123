// DescribeLogDirs (35): the broker's log directories and the size of each partition in them
// (kafka-log-dirs.sh, Admin.describeLogDirs). Wharf has one: where its storage engine keeps the
// data (the local engine's data directory; "memory", on no volume, for the memory engine).
// Partitions asked for that do not exist are left out, as Kafka leaves them out; a null topic list means
// every partition. Every replica is current (offset lag 0, no future replica). v4+ adds the
// volume's total and usable bytes (-1 before, as Kafka answers), v5 whether the directory is
// cordoned (never).
// Authorization, as Kafka: DESCRIBE on the cluster, else CLUSTER_AUTHORIZATION_FAILED (v3+ as the
// top-level error) and no directory.
import { statfs } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ApiKey, type DescribeLogDirsResponse } from '../protocol/messages/index.js';
import type { DescribeLogDirsResponseDescribeLogDirsTopic } from '../protocol/messages/describe-log-dirs.js';
import { CLUSTER } from '../authorization.js';
import { ErrorCode } from '../errors.js';
import { defineHandler } from './types.js';

/** Total and usable bytes of the volume holding `dir`, or -1 each when it cannot be told. */
async function volumeBytes(dir: string): Promise<{ total: bigint; usable: bigint }> {
  try {
    const s = await statfs(dir, { bigint: true });
    return { total: s.blocks * s.bsize, usable: s.bavail * s.bsize };
  } catch {
    return { total: -1n, usable: -1n };
  }
}

export const describeLogDirs = defineHandler(ApiKey.DescribeLogDirs, {
  // v0 went with Kafka 4.0; Kafka 4.4 serves 1-5.
  minVersion: 1,
  maxVersion: 5,
  async handle(ctx, req): Promise<DescribeLogDirsResponse> {
    const { log } = ctx;
    if (!ctx.authorize('DESCRIBE', CLUSTER)) return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, results: [] };
    const asked = req.topics ?? log.listTopics().map((t) => ({ topic: t.name, partitions: Array.from({ length: t.partitions }, (_, i) => i) }));
    const topics: DescribeLogDirsResponseDescribeLogDirsTopic[] = [];
    for (const t of asked) {
      const count = log.topicInfo(t.topic)?.partitions ?? 0;
      const partitions = t.partitions
        .filter((p) => p >= 0 && p < count)
        .map((p) => ({ partitionIndex: p, partitionSize: BigInt(log.partition(t.topic, p).sizeBytes), offsetLag: 0n, isFutureKey: false }));
      if (partitions.length > 0) topics.push({ name: t.topic, partitions });
    }
    const location = log.storageLocation;
    const dir = location === 'memory' ? location : resolve(location);
    const volume = ctx.header.apiVersion >= 4 ? await volumeBytes(dir) : { total: -1n, usable: -1n };
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      results: [{ errorCode: ErrorCode.NONE, logDir: dir, topics, totalBytes: volume.total, usableBytes: volume.usable, isCordoned: false }],
    };
  },
});
