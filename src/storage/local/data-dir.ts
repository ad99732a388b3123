// The data directory as a whole: refuses to start on a directory that is not ours or that
// another live broker process is using, and says clearly why.
//
//   <dataDir>/wharf.json        format marker: {"format":"wharf-log","version":1}
//   <dataDir>/.lock             pid of the broker process that owns the directory
//   <dataDir>/topics/<topicId>/ one directory per topic (see local-engine.ts)
import { mkdir, open, readFile, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { LogError } from '../../core/records/errors.js';
import { errnoCode, fsyncDir, writeFileAtomic } from './fs-util.js';

export const FORMAT_FILE = 'wharf.json';
export const LOCK_FILE = '.lock';
const FORMAT = { format: 'wharf-log', version: 1 } as const;

function startError(dataDir: string, what: string, e?: unknown): LogError {
  const detail = e === undefined ? '' : `: ${(e as Error).message ?? String(e)}`;
  return new LogError('KAFKA_STORAGE_ERROR', `data directory ${dataDir}: ${what}${detail}`, e === undefined ? undefined : { cause: e });
}

/** Creates or checks the data directory and takes its lock; returns the function that releases it. */
export async function prepareDataDir(dataDir: string): Promise<() => Promise<void>> {
  try {
    await mkdir(dataDir, { recursive: true });
  } catch (e) {
    throw startError(dataDir, 'cannot be created', e);
  }
  let entries: string[];
  try {
    entries = await readdir(dataDir);
  } catch (e) {
    throw startError(dataDir, errnoCode(e) === 'ENOTDIR' ? 'is not a directory' : 'cannot be read', e);
  }
  if (entries.includes(FORMAT_FILE)) {
    let marker: { format?: unknown; version?: unknown };
    try {
      marker = JSON.parse(await readFile(join(dataDir, FORMAT_FILE), 'utf8')) as typeof marker;
    } catch (e) {
      throw startError(dataDir, `${FORMAT_FILE} is unreadable`, e);
    }
    if (marker.format !== FORMAT.format) throw startError(dataDir, `${FORMAT_FILE} does not describe a Wharf log (format ${JSON.stringify(marker.format)})`);
    if (marker.version !== FORMAT.version) throw startError(dataDir, `storage format version ${String(marker.version)} is not supported (this broker reads version ${FORMAT.version})`);
  } else {
    const foreign = entries.filter((n) => n !== 'lost+found' && n !== LOCK_FILE);
    if (foreign.length > 0) {
      throw startError(dataDir, `is not empty and has no ${FORMAT_FILE}, so it is not a Wharf data directory (found ${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', ...' : ''}); refusing to use it`);
    }
  }
  await takeLock(dataDir);
  if (!entries.includes(FORMAT_FILE)) {
    try {
      await writeFileAtomic(join(dataDir, FORMAT_FILE), JSON.stringify(FORMAT) + '\n', dataDir);
    } catch (e) {
      throw startError(dataDir, 'is not writable', e);
    }
  }
  try {
    await mkdir(join(dataDir, 'topics'), { recursive: true });
  } catch (e) {
    throw startError(dataDir, 'is not writable', e);
  }
  return async () => {
    await unlink(join(dataDir, LOCK_FILE)).catch(() => {});
  };
}

async function takeLock(dataDir: string): Promise<void> {
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, 'wx');
      try {
        await fh.writeFile(`${process.pid}\n`);
        await fh.datasync();
      } finally {
        await fh.close();
      }
      await fsyncDir(dataDir);
      return;
    } catch (e) {
      if (errnoCode(e) !== 'EEXIST') throw startError(dataDir, 'is not writable', e);
    }
    const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && processAlive(owner)) {
      throw startError(dataDir, `is in use by another broker (process ${owner}); stop it first`);
    }
    if (owner === process.pid) throw startError(dataDir, 'is already open in this process');
    // The owner died without cleaning up (a crash): the lock is stale.
    await unlink(path).catch(() => {});
  }
  throw startError(dataDir, 'could not take the lock');
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errnoCode(e) === 'EPERM';
  }
}
