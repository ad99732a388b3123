// The in-memory storage engine (`--storage memory`): the whole engine contract with nothing on
// disk, for tests and for applications that embed the broker and want no files. Its data is a
// MemoryVolume: by default a fresh one that goes away with the engine's process; given one,
// a new engine (a restarted log, a restarted broker in the same process) finds what an earlier
// engine on that volume stored. Memory is bounded by what the topics hold (retention applies
// as on disk) and, optionally, by `maxBytes`, past which appends fail as on a full disk.
import type { Logger } from '../../log.js';
import type { PartitionRef, PartitionStorageSettings, StorageEngine, StoredTopic } from '../engine.js';
import { LogError, StorageCorruptionError } from '../../core/records/errors.js';
import { MemoryPartitionStore } from './partition-store.js';
import { MemoryPartitionData, MemoryVolume, partitionKey } from './volume.js';

export interface MemoryEngineOptions {
  logger: Logger;
  /** The data to open (default: a new, empty volume). One engine at a time may have it open. */
  volume?: MemoryVolume;
  /** Bytes of record batches the volume may hold (default: no limit besides retention). */
  maxBytes?: number;
}

function copyTopic(t: StoredTopic): StoredTopic {
  return { ...t, configs: { ...t.configs } };
}

export class MemoryStorageEngine implements StorageEngine {
  readonly kind = 'memory';
  readonly location = 'memory';
  readonly volume: MemoryVolume;
  private readonly maxBytes: number;
  private readonly stores = new Set<MemoryPartitionStore>();
  private closed = false;

  private constructor(opts: MemoryEngineOptions, volume: MemoryVolume) {
    this.volume = volume;
    this.maxBytes = opts.maxBytes ?? Infinity;
    opts.logger.child({ component: 'storage' }).debug({ topics: volume.topics.size, bytes: volume.bytes }, 'memory engine opened');
  }

  /** Opens `opts.volume` (or a new one). Throws when another engine has that volume open. */
  static open(opts: MemoryEngineOptions): MemoryStorageEngine {
    const volume = opts.volume ?? new MemoryVolume();
    if (volume.inUse) throw new LogError('KAFKA_STORAGE_ERROR', 'memory volume: is already open in another engine (close that log or broker first)');
    if (opts.maxBytes !== undefined && !(opts.maxBytes >= 0)) throw new LogError('INVALID_CONFIG', `memory engine: maxBytes must be >= 0, got ${opts.maxBytes}`);
    volume.inUse = true;
    return new MemoryStorageEngine(opts, volume);
  }

  private check(): void {
    if (this.closed) throw new LogError('NOT_LEADER_OR_FOLLOWER', 'storage engine is closed');
  }

  async loadTopics(): Promise<StoredTopic[]> {
    this.check();
    // Partitions that no committed topic accounts for come from a create that did not finish.
    for (const [key, data] of this.volume.partitions) {
      const cut = key.lastIndexOf('/');
      const topic = this.volume.topics.get(key.slice(0, cut));
      if (!data.open && (!topic || Number(key.slice(cut + 1)) >= topic.partitions)) this.forget(key, data);
    }
    return [...this.volume.topics.values()].map(copyTopic).sort((a, b) => a.name.localeCompare(b.name));
  }

  async putTopic(topic: StoredTopic): Promise<void> {
    this.check();
    this.volume.topics.set(topic.topicId, copyTopic(topic));
  }

  async dropTopic(topic: StoredTopic): Promise<void> {
    this.check();
    this.volume.topics.delete(topic.topicId);
    const prefix = `${topic.topicId}/`;
    for (const [key, data] of this.volume.partitions) if (key.startsWith(prefix)) this.forget(key, data);
  }

  private forget(key: string, data: MemoryPartitionData): void {
    for (const u of data.units) this.volume.account(-u.size);
    this.volume.partitions.delete(key);
  }

  async openPartition(ref: PartitionRef, settings: PartitionStorageSettings, create: boolean): Promise<MemoryPartitionStore> {
    this.check();
    const key = partitionKey(ref.topicId, ref.partition);
    let data = this.volume.partitions.get(key);
    if (!data) {
      if (!create) throw new StorageCorruptionError(`partition ${ref.topic}-${ref.partition} is missing from the memory volume`, key);
      data = new MemoryPartitionData(Date.now());
      this.volume.partitions.set(key, data);
    } else if (data.open) {
      throw new LogError('KAFKA_STORAGE_ERROR', `partition ${ref.topic}-${ref.partition} is already open`);
    }
    const store = new MemoryPartitionStore(ref, data, settings, this.volume, { maxBytes: this.maxBytes }, () => this.stores.delete(store));
    this.stores.add(store);
    return store;
  }

  async loadMetadata(): Promise<Record<string, string>> {
    this.check();
    return Object.fromEntries(this.volume.metadata);
  }

  async putMetadata(key: string, value: string, opts: { onlyIfAbsent?: boolean } = {}): Promise<string> {
    this.check();
    const current = this.volume.metadata.get(key);
    if (current !== undefined && opts.onlyIfAbsent) return current;
    this.volume.metadata.set(key, value);
    return value;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Stores a failed open left behind must not keep their partitions from the next engine.
    await Promise.all([...this.stores].map((s) => s.close()));
    this.volume.inUse = false;
  }
}
