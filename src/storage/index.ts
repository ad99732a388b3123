// The storage engines and the factory the broker picks one with. The log never chooses or
// builds an engine: it is handed one (src/broker.ts calls createStorageEngine with the
// broker's --storage and --data-dir). Adding an engine (PostgreSQL, later) means a folder
// beside local/ and memory/ and a case here; nothing in core/ or the front-ends changes.
import type { Logger } from '../log.js';
import type { StorageEngine, StorageObserver } from './engine.js';
import { LocalStorageEngine } from './local/local-engine.js';
import { MemoryStorageEngine } from './memory/memory-engine.js';
import type { MemoryVolume } from './memory/volume.js';
import type { DamageRecovery } from './local/partition-store.js';

export type { DamageRecovery } from './local/partition-store.js';

export type { StorageEngineKind } from '../config.js';
export type * from './engine.js';
export { DataDirInUseError } from './local/data-dir.js';
export { LocalStorageEngine } from './local/local-engine.js';
export { MemoryStorageEngine } from './memory/memory-engine.js';
export { MemoryVolume } from './memory/volume.js';

export type StorageEngineOptions =
  | {
      kind: 'local';
      logger: Logger;
      /** Directory the engine keeps everything in; created when missing, locked while open. */
      dataDir: string;
      /** Check CRC-32C of batches read from files (default true). */
      verifyReads?: boolean;
      /** Measures fsyncs and group commits (the monitor's metrics). */
      observer?: StorageObserver | null;
      /** Bytes of segment indexes kept in memory across all partitions (default: unbounded). */
      indexMemoryBytes?: number;
      /** An fdatasync may run on the event loop while recent ones average below this (default 1 ms; inline-sync.ts). */
      inlineSyncMaxMs?: number;
      /** Damage followed by valid batches in a user topic: cut it out ('salvage', default) or take the partition offline. */
      damageRecovery?: DamageRecovery;
    }
  | {
      kind: 'memory';
      logger: Logger;
      /** Data of an earlier memory engine to open again (default: a new, empty volume). */
      volume?: MemoryVolume;
      /** Bytes of record batches the engine may hold (default: unlimited). */
      maxBytes?: number;
    };

/**
 * Opens the engine of `opts.kind`. The local engine checks and locks its data directory
 * (throwing DataDirInUseError when another live broker holds it); the memory engine touches
 * no disk.
 */
export async function createStorageEngine(opts: StorageEngineOptions): Promise<StorageEngine> {
  switch (opts.kind) {
    case 'local':
      return LocalStorageEngine.open({ dataDir: opts.dataDir, logger: opts.logger, verifyReads: opts.verifyReads, observer: opts.observer ?? null, indexMemoryBytes: opts.indexMemoryBytes, inlineSyncMaxMs: opts.inlineSyncMaxMs, damageRecovery: opts.damageRecovery });
    case 'memory':
      return MemoryStorageEngine.open({ logger: opts.logger, volume: opts.volume, maxBytes: opts.maxBytes });
  }
}
