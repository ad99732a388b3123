// Shared helpers of the storage and log tests: temp dirs, a silent logger, batch builders.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Logger } from '../../src/log.js';
import { buildRecordBatch, decodeRecords, type RecordInput } from '../../src/core/records/batch.js';
import { splitBatches } from '../support/records.js';
import { openLog, type Log, type LogOptions } from '../../src/core/log/log-manager.js';

export const silentLogger: Logger = pino({ level: 'silent' });

/** A fresh directory under the OS temp dir; removed by the returned cleanup. */
export function tempDir(prefix = 'wharf-storage-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A batch of `count` records whose values are `${prefix}-${i}`. */
export function batchOf(prefix: string, count = 1, extra: Partial<RecordInput> = {}, timestamp = Date.now()): Buffer {
  const records: RecordInput[] = [];
  for (let i = 0; i < count; i++) records.push({ value: `${prefix}-${i}`, timestamp, ...extra });
  return buildRecordBatch({ records, baseTimestamp: timestamp });
}

export function keyed(key: string, value: string | null, timestamp = Date.now()): Buffer {
  return buildRecordBatch({ records: [{ key, value, timestamp }], baseTimestamp: timestamp });
}

export async function openTestLog(dir: string, opts: Partial<LogOptions> = {}): Promise<Log> {
  return openLog({ dataDir: dir, fsync: 'always', fsyncInterval: 1000, logger: silentLogger, maintenanceIntervalMs: 0, ...opts });
}

/** Every record of a partition from `from` to its high watermark, decoded. */
export async function readAll(log: Log, topic: string, partition = 0, from?: number) {
  const p = log.partition(topic, partition);
  let offset = from ?? p.logStartOffset;
  const out: Array<{ offset: number; key: string | null; value: string | null; timestamp: number }> = [];
  while (offset < p.highWatermark) {
    const r = await p.read(offset, 256 * 1024);
    if (r.bytes === 0) break;
    for (const chunk of r.chunks) {
      for (const b of splitBatches(chunk)) {
        for (const rec of decodeRecords(b)) {
          if (rec.offset >= offset) out.push({ offset: rec.offset, key: rec.key?.toString() ?? null, value: rec.value?.toString() ?? null, timestamp: rec.timestamp });
        }
      }
    }
    offset = r.nextOffset;
  }
  return out;
}
