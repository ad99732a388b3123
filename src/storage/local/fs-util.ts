// Small file-system helpers whose only job is to make metadata changes crash-safe: a file
// replaced by rename is only durable once the new file's data AND the directory entry are on
// disk, so both get fsynced.
import { constants as fsConstants } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { LogError } from '../../core/records/errors.js';

/** fsyncs a directory so that files created, renamed or removed in it survive a power loss. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, fsConstants.O_RDONLY | fsConstants.O_DIRECTORY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Replaces `path` with `data` atomically: readers and crashes see the old or the new content, never a mix. */
export async function writeFileAtomic(path: string, data: Buffer | string, dir: string): Promise<void> {
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.datasync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  await fsyncDir(dir);
}

export async function unlinkIfExists(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

export function errnoCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** A disk failure as the producer and the operator should see it. */
export function storageError(what: string, e: unknown): LogError {
  const code = errnoCode(e);
  const hint =
    code === 'ENOSPC' ? ' (disk full)' : code === 'EDQUOT' ? ' (disk quota exceeded)' : code === 'EROFS' ? ' (read-only file system)' : code === 'EACCES' || code === 'EPERM' ? ' (permission denied)' : '';
  return new LogError('KAFKA_STORAGE_ERROR', `${what}: ${(e as Error)?.message ?? String(e)}${hint}`, { cause: e });
}
