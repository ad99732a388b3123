// The local-disk storage engine: everything under one data directory, no external service.
//
//   <dataDir>/metadata.json                    broker-wide metadata (cluster id), replaced atomically
//   <dataDir>/topics/<topicId>/topic.json      topic metadata; its presence commits the topic
//   <dataDir>/topics/<topicId>/<partition>/     segments of one partition (partition-store.ts)
//   <dataDir>/topics/<topicId>.deleting/        a dropped topic whose files are being removed
//
// Directories are named by topic id, not name: names can be long and can be reused after a
// delete while the old files are still going away.
//
// Before metadata.json existed, the Kafka front-end kept the cluster id in
// <dataDir>/kafka/cluster.json (written without fsync); open() adopts that id once, so that a
// data directory keeps its cluster id across the upgrade. The old file is left as it was.
import { mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../log.js';
import type { EngineMemory, PartitionRef, PartitionStorageSettings, StorageEngine, StorageObserver, StoredTopic } from '../engine.js';
import { LogError, StorageCorruptionError } from '../../core/records/errors.js';
import { Mutex } from '../../util/mutex.js';
import { prepareDataDir } from './data-dir.js';
import { errnoCode, fsyncDir, storageError, writeFileAtomic } from './fs-util.js';
import { LocalPartitionStore, type DamageRecovery } from './partition-store.js';
import { IndexBudget } from './index-budget.js';
import { InlineSyncPolicy } from './inline-sync.js';

export interface LocalEngineOptions {
  dataDir: string;
  logger: Logger;
  /** Check CRC-32C of batches read from files (default true; costs ~0.2 ms per MB). */
  verifyReads?: boolean;
  /** Measures fsyncs and group commits of the append path (the monitor's metrics). */
  observer?: StorageObserver | null;
  /** Bytes of segment indexes kept in memory across all partitions (default: unbounded). */
  indexMemoryBytes?: number;
  /** An fdatasync may run on the event loop while recent ones average below this (default INLINE_MAX_MS). */
  inlineSyncMaxMs?: number;
  /** What recovery does with damaged batches of user topics (default 'salvage'; partition-store.ts). */
  damageRecovery?: DamageRecovery;
}

const TOPIC_FILE = 'topic.json';
const DELETING_SUFFIX = '.deleting';
const METADATA_FILE = 'metadata.json';
/** Where the Kafka front-end kept the cluster id before the engine did. */
const LEGACY_CLUSTER_FILE = join('kafka', 'cluster.json');

export class LocalStorageEngine implements StorageEngine {
  readonly kind = 'local';
  private readonly topicsDir: string;
  private readonly log: Logger;
  private readonly metadataLock = new Mutex();
  private closed = false;
  private readonly indexBudget: IndexBudget;
  private readonly inlineSync: InlineSyncPolicy;

  private constructor(
    private readonly opts: LocalEngineOptions,
    private readonly releaseLock: () => Promise<void>,
  ) {
    this.topicsDir = join(opts.dataDir, 'topics');
    this.log = opts.logger.child({ component: 'storage' });
    this.indexBudget = new IndexBudget(opts.indexMemoryBytes ?? Infinity);
    this.inlineSync = new InlineSyncPolicy(opts.inlineSyncMaxMs);
  }

  memory(): EngineMemory {
    return { indexBytes: this.indexBudget.bytes, indexLimit: this.indexBudget.maxBytes };
  }

  /** Checks and locks the data directory. Throws a LogError that says what is wrong with it. */
  static async open(opts: LocalEngineOptions): Promise<LocalStorageEngine> {
    const release = await prepareDataDir(opts.dataDir);
    const engine = new LocalStorageEngine(opts, release);
    try {
      await engine.adoptLegacyClusterId();
    } catch (e) {
      await engine.close();
      throw e;
    }
    return engine;
  }

  private async adoptLegacyClusterId(): Promise<void> {
    if ((await this.loadMetadata()).clusterId !== undefined) return;
    const file = join(this.opts.dataDir, LEGACY_CLUSTER_FILE);
    let raw: string;
    try {
      raw = await readFile(file, 'utf8');
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return;
      throw storageError(`cannot read ${file}`, e);
    }
    let clusterId: unknown;
    try {
      clusterId = (JSON.parse(raw) as { clusterId?: unknown }).clusterId;
    } catch {
      clusterId = undefined;
    }
    // An unreadable old file (it was written without fsync) cannot be adopted: a new id it is.
    if (typeof clusterId !== 'string' || clusterId.length === 0) {
      this.log.warn({ file }, 'ignoring an unreadable cluster id file');
      return;
    }
    await this.putMetadata('clusterId', clusterId, { onlyIfAbsent: true });
    this.log.info({ file, clusterId }, 'adopted the cluster id of this data directory');
  }

  get location(): string {
    return this.opts.dataDir;
  }

  get dataDir(): string {
    return this.opts.dataDir;
  }

  private topicDir(topicId: string): string {
    if (!/^[A-Za-z0-9_-]+$/.test(topicId)) throw new LogError('INVALID_TOPIC_EXCEPTION', `invalid topic id ${JSON.stringify(topicId)}`);
    return join(this.topicsDir, topicId);
  }

  partitionDir(ref: PartitionRef): string {
    return join(this.topicDir(ref.topicId), String(ref.partition));
  }

  async loadTopics(): Promise<StoredTopic[]> {
    const out: StoredTopic[] = [];
    for (const name of await readdir(this.topicsDir)) {
      const dir = join(this.topicsDir, name);
      if (name.endsWith(DELETING_SUFFIX)) {
        // Finish a delete that a stop interrupted.
        await rm(dir, { recursive: true, force: true });
        continue;
      }
      let raw: string;
      try {
        raw = await readFile(join(dir, TOPIC_FILE), 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT' && (await stat(dir)).isDirectory()) {
          // A create that never committed (its topic.json is written last).
          this.log.warn({ dir }, 'removing an uncommitted topic directory');
          await rm(dir, { recursive: true, force: true });
          continue;
        }
        throw new StorageCorruptionError(`unreadable topic metadata in ${dir}: ${(e as Error).message}`, dir);
      }
      let topic: StoredTopic;
      try {
        topic = parseTopic(raw);
      } catch (e) {
        throw new StorageCorruptionError(`corrupt topic metadata ${join(dir, TOPIC_FILE)}: ${(e as Error).message}`, join(dir, TOPIC_FILE));
      }
      if (topic.topicId !== name) throw new StorageCorruptionError(`topic metadata in ${dir} names topic id ${topic.topicId}`, dir);
      // Partition directories beyond the committed count come from an interrupted CreatePartitions.
      for (const entry of await readdir(dir)) {
        if (/^\d+$/.test(entry) && Number(entry) >= topic.partitions) {
          this.log.warn({ topic: topic.name, partition: Number(entry) }, 'removing an uncommitted partition directory');
          await rm(join(dir, entry), { recursive: true, force: true });
        }
      }
      out.push(topic);
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async putTopic(topic: StoredTopic): Promise<void> {
    const dir = this.topicDir(topic.topicId);
    try {
      await mkdir(dir, { recursive: true });
      await writeFileAtomic(join(dir, TOPIC_FILE), JSON.stringify(topic, null, 2) + '\n', dir);
      await fsyncDir(this.topicsDir);
    } catch (e) {
      throw storageError(`cannot write metadata of topic ${topic.name}`, e);
    }
  }

  async dropTopic(topic: StoredTopic): Promise<void> {
    const dir = this.topicDir(topic.topicId);
    const doomed = dir + DELETING_SUFFIX;
    try {
      // The rename is the commit point of the delete; removing the files can take a while.
      await rename(dir, doomed);
      await fsyncDir(this.topicsDir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw storageError(`cannot delete topic ${topic.name}`, e);
    }
    await rm(doomed, { recursive: true, force: true }).catch((e: unknown) => this.log.warn({ err: e, dir: doomed }, 'could not remove deleted topic files'));
  }

  async openPartition(ref: PartitionRef, settings: PartitionStorageSettings, create: boolean): Promise<LocalPartitionStore> {
    if (this.closed) throw new LogError('NOT_LEADER_OR_FOLLOWER', 'storage engine is closed');
    const dir = this.partitionDir(ref);
    if (create) {
      try {
        await mkdir(dir, { recursive: true });
        await fsyncDir(join(dir, '..'));
      } catch (e) {
        throw storageError(`cannot create partition ${ref.topic}-${ref.partition}`, e);
      }
    } else {
      try {
        if (!(await stat(dir)).isDirectory()) throw new Error('not a directory');
      } catch {
        throw new StorageCorruptionError(`partition directory ${dir} of ${ref.topic}-${ref.partition} is missing`, dir);
      }
    }
    try {
      return await LocalPartitionStore.open(ref, dir, settings, { logger: this.opts.logger, verifyReads: this.opts.verifyReads ?? true, observer: this.opts.observer ?? null, indexBudget: this.indexBudget, inlineSync: this.inlineSync, damageRecovery: this.opts.damageRecovery ?? 'salvage' });
    } catch (e) {
      if (e instanceof LogError) throw e;
      throw storageError(`cannot open partition ${ref.topic}-${ref.partition}`, e);
    }
  }

  async loadMetadata(): Promise<Record<string, string>> {
    const file = join(this.opts.dataDir, METADATA_FILE);
    let raw: string;
    try {
      raw = await readFile(file, 'utf8');
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return {};
      throw storageError(`cannot read ${file}`, e);
    }
    try {
      return parseMetadata(raw);
    } catch (e) {
      throw new StorageCorruptionError(`corrupt broker metadata ${file}: ${(e as Error).message}`, file);
    }
  }

  putMetadata(key: string, value: string, opts: { onlyIfAbsent?: boolean } = {}): Promise<string> {
    return this.metadataLock.run(async () => {
      const meta = await this.loadMetadata();
      const current = meta[key];
      if (current !== undefined && (opts.onlyIfAbsent || current === value)) return current;
      meta[key] = value;
      try {
        await writeFileAtomic(join(this.opts.dataDir, METADATA_FILE), JSON.stringify(meta, null, 2) + '\n', this.opts.dataDir);
      } catch (e) {
        throw storageError('cannot write broker metadata', e);
      }
      return value;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.releaseLock();
  }
}

function parseMetadata(raw: string): Record<string, string> {
  const parsed: unknown = JSON.parse(raw);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (typeof v !== 'string') throw new Error(`value of ${k} is not a string`);
    out[k] = v;
  }
  return out;
}

function parseTopic(raw: string): StoredTopic {
  const t = JSON.parse(raw) as Partial<StoredTopic>;
  if (typeof t.name !== 'string' || typeof t.topicId !== 'string') throw new Error('missing name or topicId');
  if (typeof t.partitions !== 'number' || !Number.isInteger(t.partitions) || t.partitions < 1) throw new Error('bad partition count');
  const configs: Record<string, string> = {};
  for (const [k, v] of Object.entries(t.configs ?? {})) configs[k] = String(v);
  return { name: t.name, topicId: t.topicId, partitions: t.partitions, configs, createdAt: typeof t.createdAt === 'number' ? t.createdAt : 0 };
}
