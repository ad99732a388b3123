// Shared helpers of the storage and log tests: temp dirs, a silent logger, batch builders, and
// the engine harness that runs a suite against every storage engine (as nats-server runs its
// store tests over every store): engineTest() registers one test per engine, each on a fresh
// place (a data directory for 'local', a memory volume for 'memory') that the test may close
// and open again as a broker restart would.
import { test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Logger } from '../../src/log.js';
import { buildRecordBatch, decodeRecords, type RecordInput } from '../../src/core/records/batch.js';
import { splitBatches } from '../support/records.js';
import { openLog, type Log, type LogOptions } from '../../src/core/log/log-manager.js';
import { createStorageEngine, MemoryVolume, type DamageRecovery, type StorageEngine, type StorageEngineKind as StorageKind } from '../../src/storage/index.js';
import { LocalPartitionStore } from '../../src/storage/local/partition-store.js';
import { MemoryPartitionStore } from '../../src/storage/memory/partition-store.js';
import type { PartitionStore } from '../../src/storage/engine.js';

export const silentLogger: Logger = pino({ level: 'silent' });

/** Every engine the storage and log suites run against. */
export const ENGINES: readonly StorageKind[] = ['local', 'memory'];

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

export type TestLogOptions = Partial<Omit<LogOptions, 'engine'>>;

function logOptions(engine: StorageEngine, opts: TestLogOptions): LogOptions {
  return { engine, fsync: 'always', fsyncInterval: 1000, logger: silentLogger, maintenanceIntervalMs: 0, ...opts };
}

/** A log on the local engine in `dir` (the default engine of the broker). */
export async function openTestLog(dir: string, opts: TestLogOptions = {}, engine: { damageRecovery?: DamageRecovery; logger?: Logger } = {}): Promise<Log> {
  return openLog(logOptions(await createStorageEngine({ kind: 'local', dataDir: dir, logger: engine.logger ?? silentLogger, damageRecovery: engine.damageRecovery }), opts));
}

/** Where one test's data lives, for one engine; open it as often as the test likes (one at a time). */
export interface TestPlace {
  readonly kind: StorageKind;
  /** The local engine's data directory (for 'memory' an empty directory that nothing uses). */
  readonly dir: string;
  /** The memory engine's data (unused for 'local'). */
  readonly volume: MemoryVolume;
  openEngine(extra?: { maxBytes?: number }): Promise<StorageEngine>;
  open(opts?: TestLogOptions): Promise<Log>;
}

export function testPlace(kind: StorageKind, dir: string): TestPlace {
  const volume = new MemoryVolume();
  const openEngine = (extra: { maxBytes?: number } = {}): Promise<StorageEngine> =>
    kind === 'local' ? createStorageEngine({ kind, dataDir: dir, logger: silentLogger }) : createStorageEngine({ kind, volume, logger: silentLogger, ...extra });
  return {
    kind,
    dir,
    volume,
    openEngine,
    open: async (opts = {}) => openLog(logOptions(await openEngine(), opts)),
  };
}

/**
 * Registers `name` once per engine in `engines` (default: all), each run on a fresh place
 * that is removed afterwards.
 */
export function engineTest(name: string, fn: (place: TestPlace) => Promise<void>, options: { engines?: readonly StorageKind[]; timeout?: number } = {}): void {
  for (const kind of options.engines ?? ENGINES) {
    test(`${name} [${kind}]`, { timeout: options.timeout }, async () => {
      const { dir, cleanup } = tempDir(`wharf-${kind}-`);
      try {
        await fn(testPlace(kind, dir));
      } finally {
        cleanup();
      }
    });
  }
}

/** Units of storage (segments, memory units) a partition store holds. */
export function unitCount(store: PartitionStore | null): number {
  if (store instanceof LocalPartitionStore) return store.segmentCount;
  if (store instanceof MemoryPartitionStore) return store.unitCount;
  throw new Error(`unknown partition store ${String(store)}`);
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
