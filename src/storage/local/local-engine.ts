// The local-disk storage engine: everything under one data directory, no external service.
//
//   <dataDir>/topics/<topicId>/topic.json      topic metadata; its presence commits the topic
//   <dataDir>/topics/<topicId>/<partition>/     segments of one partition (partition-store.ts)
//   <dataDir>/topics/<topicId>.deleting/        a dropped topic whose files are being removed
//
// Directories are named by topic id, not name: names can be long and can be reused after a
// delete while the old files are still going away.
import { mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../log.js';
import type { PartitionRef, PartitionStorageSettings, StorageEngine, StoredTopic } from '../engine.js';
import { LogError, StorageCorruptionError } from '../../core/records/errors.js';
import { prepareDataDir } from './data-dir.js';
import { fsyncDir, storageError, writeFileAtomic } from './fs-util.js';
import { LocalPartitionStore } from './partition-store.js';

export interface LocalEngineOptions {
  dataDir: string;
  logger: Logger;
  /** Check CRC-32C of batches read from files (default true; costs ~0.2 ms per MB). */
  verifyReads?: boolean;
}

const TOPIC_FILE = 'topic.json';
const DELETING_SUFFIX = '.deleting';

export class LocalStorageEngine implements StorageEngine {
  readonly kind = 'local';
  private readonly topicsDir: string;
  private readonly log: Logger;
  private closed = false;

  private constructor(
    private readonly opts: LocalEngineOptions,
    private readonly releaseLock: () => Promise<void>,
  ) {
    this.topicsDir = join(opts.dataDir, 'topics');
    this.log = opts.logger.child({ component: 'storage' });
  }

  /** Checks and locks the data directory. Throws a LogError that says what is wrong with it. */
  static async open(opts: LocalEngineOptions): Promise<LocalStorageEngine> {
    const release = await prepareDataDir(opts.dataDir);
    return new LocalStorageEngine(opts, release);
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
      return await LocalPartitionStore.open(ref, dir, settings, { logger: this.opts.logger, verifyReads: this.opts.verifyReads ?? true });
    } catch (e) {
      if (e instanceof LogError) throw e;
      throw storageError(`cannot open partition ${ref.topic}-${ref.partition}`, e);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.releaseLock();
  }
}

function parseTopic(raw: string): StoredTopic {
  const t = JSON.parse(raw) as Partial<StoredTopic>;
  if (typeof t.name !== 'string' || typeof t.topicId !== 'string') throw new Error('missing name or topicId');
  if (typeof t.partitions !== 'number' || !Number.isInteger(t.partitions) || t.partitions < 1) throw new Error('bad partition count');
  const configs: Record<string, string> = {};
  for (const [k, v] of Object.entries(t.configs ?? {})) configs[k] = String(v);
  return { name: t.name, topicId: t.topicId, partitions: t.partitions, configs, createdAt: typeof t.createdAt === 'number' ? t.createdAt : 0 };
}
