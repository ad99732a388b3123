// The data directory as a whole: refuses to start on a directory that is not ours or that
// another live broker is using, and says clearly why.
//
//   <dataDir>/wharf.json        format marker: {"format":"wharf-log","version":1}
//   <dataDir>/.lock             locked by the broker that owns the directory (holds its pid, for people)
//   <dataDir>/metadata.json     broker-wide metadata: the cluster id (see local-engine.ts)
//   <dataDir>/topics/<topicId>/ one directory per topic (see local-engine.ts)
//
// The lock is a kernel advisory lock on .lock (an open-file-description lock on Linux, flock
// on BSD and macOS), held as long as the broker keeps the file open. The kernel releases it
// when the process dies however it dies, so a crash never leaves a lock behind: a .lock file
// left by a dead broker is just a file. A PID file cannot do this: in a container the broker
// is PID 1 of its namespace every time, and after a reboot its old PID belongs to someone else.
import { closeSync, ftruncateSync, openSync, readFileSync, realpathSync, writeSync } from 'node:fs';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { tryLock } from 'fs-native-extensions';
import { LogError } from '../../core/records/errors.js';
import { errnoCode, writeFileAtomic } from './fs-util.js';

export const FORMAT_FILE = 'wharf.json';
export const LOCK_FILE = '.lock';
const FORMAT = { format: 'wharf-log', version: 1 } as const;

/** Thrown when another live broker holds the data directory: the CLI exits 2 with its message. */
export class DataDirInUseError extends LogError {
  override name = 'DataDirInUseError';
  constructor(
    readonly dataDir: string,
    detail: string,
  ) {
    super('KAFKA_STORAGE_ERROR', `data directory ${dataDir}: ${detail}`);
  }
}

function startError(dataDir: string, what: string, e?: unknown): LogError {
  const detail = e === undefined ? '' : `: ${e instanceof Error ? e.message : String(e)}`;
  return new LogError('KAFKA_STORAGE_ERROR', `data directory ${dataDir}: ${what}${detail}`, e === undefined ? undefined : { cause: e });
}

/** Directories this process holds, by real path: a second open in the same process gets a clearer message. */
const heldHere = new Set<string>();

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
  const release = takeLock(dataDir);
  try {
    if (!entries.includes(FORMAT_FILE)) await writeFileAtomic(join(dataDir, FORMAT_FILE), JSON.stringify(FORMAT) + '\n', dataDir);
    await mkdir(join(dataDir, 'topics'), { recursive: true });
  } catch (e) {
    release();
    throw startError(dataDir, 'is not writable', e);
  }
  return async () => release();
}

/**
 * Locks <dataDir>/.lock for as long as the returned function has not been called. The file
 * stays when the lock is released: removing it would let a broker that opened the old file
 * and one that created a new one both believe they hold the lock.
 */
function takeLock(dataDir: string): () => void {
  const real = realpathSync(dataDir);
  if (heldHere.has(real)) throw new DataDirInUseError(dataDir, 'is already open in this process (close the other broker or log on it first)');
  const path = join(dataDir, LOCK_FILE);
  let fd: number;
  try {
    fd = openSync(path, 'a+', 0o644);
  } catch (e) {
    throw startError(dataDir, 'is not writable', e);
  }
  let granted: boolean;
  try {
    granted = tryLock(fd);
  } catch (e) {
    closeSync(fd);
    throw startError(dataDir, `cannot lock ${LOCK_FILE}`, e);
  }
  if (!granted) {
    closeSync(fd);
    const owner = readFileSync(path, 'utf8').trim();
    const who = /^\d+$/.test(owner) ? ` (process ${owner}, as it wrote in ${LOCK_FILE})` : '';
    throw new DataDirInUseError(dataDir, `is in use by another running broker${who}; stop it first or use another data directory`);
  }
  try {
    // For people and tools only: the lock, not this number, says who owns the directory.
    ftruncateSync(fd, 0);
    writeSync(fd, `${process.pid}\n`);
  } catch (e) {
    closeSync(fd);
    throw startError(dataDir, 'is not writable', e);
  }
  heldHere.add(real);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    heldHere.delete(real);
    closeSync(fd); // closing the only descriptor of the open releases the lock
  };
}
