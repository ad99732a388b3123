// Wharf's stream snapshot format: what STREAM.SNAPSHOT sends and STREAM.RESTORE takes
// (docs/jetstream.md 1.22). nats-server sends its filestore's blocks; Wharf's stream is a topic
// of its log, so Wharf sends what the stream is made of there, and the clients (natscli's
// `stream backup` writing `stream.tar.s2`) only need the container to be an S2 stream:
//
//   S2 frames (s2-frames.ts) of a ustar archive (tar-archive.ts) holding, in order,
//     wharf-snapshot.json            the manifest: format and version, the stream, its topic's
//                                    configs, the log range [log_start, end), the state records
//                                    that the log cannot derive (explicit deletes with the
//                                    sequence they were made at, limit epochs, source cursors)
//                                    and the consumers (their durable records and state, as
//                                    the consumer coordinator encodes them)
//     log/<20-digit offset>.batches  the topic's stored Kafka record batches from that offset,
//                                    byte for byte (base offsets, times, headers, producer ids,
//                                    compression as stored), one entry per read of the log
//
// A restore appends those batches at the same offsets (fillers for the offsets between them),
// records the same state records, and rebuilds the stream from its log as a restart does, so
// sequences, subjects, headers, times and deleted sequences come back as they were, for NATS
// and for Kafka readers. A nats-server 2.15 snapshot ("NATSARC1" archive) is read too
// (nats-archive.ts); older nats-server snapshots (a tar of filestore blocks) are refused.
import { isNatsArchive, natsArchiveToBackup } from './nats-archive.js';
import { decodeS2Frames, S2FrameWriter } from './s2-frames.js';
import type { DeleteRange, LimitEpoch } from './state-topic.js';
import { readTar, tarEnd, tarEntry } from './tar-archive.js';

export const BACKUP_FORMAT = 'wharf-jetstream-snapshot';
export const BACKUP_VERSION = 1;
const MANIFEST = 'wharf-snapshot.json';

export interface StreamBackupManifest {
  format: string;
  version: number;
  stream: string;
  /** When the snapshot was taken (ms since the epoch). */
  taken: number;
  /** The configs set on the stream's topic. */
  topic_configs: Record<string, string>;
  /** The log start offset (first sequence − 1) and the end (last sequence) at the snapshot. */
  log_start: number;
  end: number;
  deletes: DeleteRange[];
  limits: LimitEpoch[];
  sources: Record<string, number>;
  /** The consumers, in the consumer coordinator's encoding (core/coordinators/jetstream). */
  consumers: unknown[];
}

/** A decoded snapshot: the manifest and the stored batches, in offset order. */
export interface StreamBackup {
  manifest: StreamBackupManifest;
  batches: Buffer[];
  /** A nats-server snapshot's consumers, as nats-server wrote them (config and state fields in one object). */
  natsConsumers?: Array<Record<string, unknown>>;
}

/** The bytes of a snapshot (S2 frames), produced as the stored batches are read. */
export async function* encodeStreamBackup(manifest: StreamBackupManifest, batches: AsyncIterable<{ offset: number; data: Buffer }>): AsyncGenerator<Buffer> {
  const frames = new S2FrameWriter();
  const json = Buffer.from(JSON.stringify(manifest), 'utf8');
  yield Buffer.concat(frames.encode(Buffer.concat(tarEntry(MANIFEST, json, manifest.taken))));
  for await (const b of batches) {
    yield Buffer.concat(frames.encode(Buffer.concat(tarEntry(`log/${String(b.offset).padStart(20, '0')}.batches`, b.data, manifest.taken))));
  }
  yield Buffer.concat([...frames.encode(tarEnd()), ...frames.finish()]);
}

/** Why a snapshot cannot be restored into Wharf: the restore's error text. */
export class BackupFormatError extends Error {}

const NOT_OURS = 'the snapshot is neither a Wharf stream snapshot nor a nats-server 2.15 archive';

/** Decodes a snapshot (Wharf's, or nats-server 2.15's archive); throws BackupFormatError when it is neither. */
export function decodeStreamBackup(data: Buffer, stream: string): StreamBackup {
  const reason = (e: unknown): string => (e instanceof Error ? e.message : String(e));
  let plain: Buffer;
  let files;
  try {
    plain = decodeS2Frames(data);
  } catch (e) {
    throw new BackupFormatError(`${NOT_OURS}: ${reason(e)}`);
  }
  if (isNatsArchive(plain)) {
    try {
      return natsArchiveToBackup(plain, stream);
    } catch (e) {
      throw new BackupFormatError(`the nats-server archive cannot be read: ${reason(e)}`);
    }
  }
  try {
    files = readTar(plain);
  } catch (e) {
    throw new BackupFormatError(`${NOT_OURS}: ${reason(e)}`);
  }
  const first = files[0];
  if (first === undefined || first.name !== MANIFEST) throw new BackupFormatError(NOT_OURS);
  let manifest: StreamBackupManifest;
  try {
    manifest = JSON.parse(first.data.toString('utf8')) as StreamBackupManifest;
  } catch {
    throw new BackupFormatError(`${NOT_OURS}: unreadable ${MANIFEST}`);
  }
  if (manifest.format !== BACKUP_FORMAT) throw new BackupFormatError(NOT_OURS);
  if (manifest.version !== BACKUP_VERSION) throw new BackupFormatError(`Wharf stream snapshot version ${manifest.version} is not supported (this server reads version ${BACKUP_VERSION})`);
  if (!Number.isSafeInteger(manifest.log_start) || !Number.isSafeInteger(manifest.end) || manifest.log_start < 0 || manifest.end < manifest.log_start) {
    throw new BackupFormatError('the snapshot manifest has an invalid log range');
  }
  const batches: Buffer[] = [];
  for (const f of files.slice(1)) {
    if (!f.name.startsWith('log/')) continue;
    batches.push(f.data);
  }
  return {
    manifest: {
      ...manifest,
      topic_configs: manifest.topic_configs ?? {},
      deletes: manifest.deletes ?? [],
      limits: manifest.limits ?? [],
      sources: manifest.sources ?? {},
      consumers: manifest.consumers ?? [],
    },
    batches,
  };
}
