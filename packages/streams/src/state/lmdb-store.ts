// The persistent engine: one LMDB environment per task directory (`<stateDir>/<applicationId>/
// <taskId>/`), a named database per store and one for the changelog checkpoints. LMDB (the
// `lmdb` package ships prebuilt binaries) keeps keys in byte order like RocksDB, so window and
// session scans work as in memory. Writes are buffered until the store flushes (each commit)
// and then written in one LMDB transaction, together with the checkpoint when one is given.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Database, RootDatabase } from 'lmdb';
import { bytesKey, type BytesStore } from './bytes-store.js';

type LmdbModule = typeof import('lmdb');

let lmdb: LmdbModule | null = null;

/** Loads the native module once (before the first persistent store is opened). */
export async function loadLmdb(): Promise<void> {
  lmdb ??= await import('lmdb');
}

interface Env {
  readonly root: RootDatabase<Buffer, Buffer>;
  readonly checkpoints: Database<Buffer, Buffer>;
  refs: number;
}

const envs = new Map<string, Env>();

/** Keys get a leading byte: LMDB has no empty keys, and the order stays the keys' byte order. */
const PREFIX = Buffer.from([1]);

function storeKey(k: Buffer): Buffer {
  return Buffer.concat([PREFIX, k]);
}

function openEnv(dir: string): Env {
  const existing = envs.get(dir);
  if (existing) {
    existing.refs++;
    return existing;
  }
  if (!lmdb) throw new Error('the LMDB engine is not loaded (call loadLmdb() first)');
  mkdirSync(dir, { recursive: true });
  const root = lmdb.open<Buffer, Buffer>({ path: join(dir, 'lmdb'), encoding: 'binary', keyEncoding: 'binary', compression: false, maxDbs: 64, noSubdir: false });
  const checkpoints = root.openDB<Buffer, Buffer>({ name: '__checkpoints', encoding: 'binary', keyEncoding: 'binary' });
  const env: Env = { root, checkpoints, refs: 1 };
  envs.set(dir, env);
  return env;
}

export class LmdbBytesStore implements BytesStore {
  readonly persistent = true;
  private readonly env: Env;
  private readonly db: Database<Buffer, Buffer>;
  private readonly pending = new Map<string, { key: Buffer; value: Buffer | null }>();
  private pendingCheckpoint: Map<string, number> | null = null;
  private closed = false;

  constructor(
    readonly dir: string,
    readonly name: string,
  ) {
    this.env = openEnv(dir);
    this.db = this.env.root.openDB<Buffer, Buffer>({ name: `store:${name}`, encoding: 'binary', keyEncoding: 'binary' });
  }

  get(key: Buffer): Buffer | undefined {
    const p = this.pending.get(bytesKey(key));
    if (p) return p.value ?? undefined;
    return this.db.get(storeKey(key));
  }

  put(key: Buffer, value: Buffer): void {
    this.pending.set(bytesKey(key), { key, value });
  }

  delete(key: Buffer): void {
    this.pending.set(bytesKey(key), { key, value: null });
  }

  *range(from: Buffer | null, to: Buffer | null): Iterable<[Buffer, Buffer]> {
    this.flush();
    const opts: { start?: Buffer; end?: Buffer } = { start: from ? storeKey(from) : PREFIX };
    opts.end = to ? storeKey(to) : Buffer.from([2]);
    for (const { key, value } of this.db.getRange(opts)) yield [Buffer.from(key.subarray(1)), Buffer.from(value)];
  }

  count(): number {
    this.flush();
    return this.db.getCount();
  }

  flush(): void {
    if (this.pending.size === 0 && !this.pendingCheckpoint) return;
    const entries = [...this.pending.values()];
    this.pending.clear();
    const cp = this.pendingCheckpoint;
    this.pendingCheckpoint = null;
    this.env.root.transactionSync(() => {
      for (const e of entries) {
        if (e.value === null) this.db.removeSync(storeKey(e.key));
        else this.db.putSync(storeKey(e.key), e.value);
      }
      if (cp) this.writeCheckpointNow(cp);
    });
  }

  private writeCheckpointNow(cp: Map<string, number>): void {
    const key = Buffer.from(this.name, 'utf8');
    if (cp.size === 0) this.env.checkpoints.removeSync(key);
    else this.env.checkpoints.putSync(key, Buffer.from(JSON.stringify(Object.fromEntries(cp)), 'utf8'));
  }

  readCheckpoint(): Map<string, number> {
    const b = this.env.checkpoints.get(Buffer.from(this.name, 'utf8'));
    if (!b) return new Map();
    const parsed: unknown = JSON.parse(Buffer.from(b).toString('utf8'));
    const out = new Map<string, number>();
    if (typeof parsed === 'object' && parsed !== null) for (const [k, v] of Object.entries(parsed)) if (typeof v === 'number') out.set(k, v);
    return out;
  }

  /** Written with the next flush (atomically with the data it describes). */
  writeCheckpoint(offsets: Map<string, number>): void {
    this.pendingCheckpoint = new Map(offsets);
    this.flush();
  }

  wipe(): void {
    this.pending.clear();
    this.pendingCheckpoint = null;
    this.env.root.transactionSync(() => {
      this.db.clearSync();
      this.writeCheckpointNow(new Map());
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.flush();
    this.env.refs--;
    if (this.env.refs === 0) {
      envs.delete(this.dir);
      void this.env.root.close();
    }
  }
}
