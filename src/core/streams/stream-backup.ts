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
import { S2FrameDecoder, S2FrameWriter } from './s2-frames.js';
import type { DeleteRange, LimitEpoch } from './state-topic.js';
import { TarReader, tarEnd, tarEntry } from './tar-archive.js';

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

const reason = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The manifest entry checked, or a BackupFormatError. */
function manifestOf(data: Buffer): StreamBackupManifest {
  let manifest: StreamBackupManifest;
  try {
    manifest = JSON.parse(data.toString('utf8')) as StreamBackupManifest;
  } catch {
    throw new BackupFormatError(`${NOT_OURS}: unreadable ${MANIFEST}`);
  }
  if (manifest.format !== BACKUP_FORMAT) throw new BackupFormatError(NOT_OURS);
  if (manifest.version !== BACKUP_VERSION) throw new BackupFormatError(`Wharf stream snapshot version ${manifest.version} is not supported (this server reads version ${BACKUP_VERSION})`);
  if (!Number.isSafeInteger(manifest.log_start) || !Number.isSafeInteger(manifest.end) || manifest.log_start < 0 || manifest.end < manifest.log_start) {
    throw new BackupFormatError('the snapshot manifest has an invalid log range');
  }
  return {
    ...manifest,
    topic_configs: manifest.topic_configs ?? {},
    deletes: manifest.deletes ?? [],
    limits: manifest.limits ?? [],
    sources: manifest.sources ?? {},
    consumers: manifest.consumers ?? [],
  };
}

/**
 * Reads a snapshot as it arrives (STREAM.RESTORE's chunks): push() gives the log entries of a
 * Wharf snapshot as they complete, after its manifest (set on `manifest` by the push that
 * completes it), so only one entry is held at a time. A nats-server archive is held whole and
 * decoded by end().
 */
export class StreamBackupReader {
  private readonly frames = new S2FrameDecoder();
  private readonly tar = new TarReader();
  private head: Buffer[] = [];
  private headBytes = 0;
  private kind: 'wharf' | 'nats' | null = null;
  private natsParts: Buffer[] = [];
  manifest: StreamBackupManifest | null = null;

  /** The log entries (stored batches) completed by `data`; throws BackupFormatError. */
  push(data: Buffer): Buffer[] {
    let plain: Buffer[];
    try {
      plain = this.frames.push(data);
    } catch (e) {
      throw new BackupFormatError(`${NOT_OURS}: ${reason(e)}`);
    }
    if (this.kind === null) {
      // The first 8 bytes tell a nats-server archive ("NATSARC1") from a tar.
      this.head.push(...plain);
      this.headBytes += plain.reduce((n, b) => n + b.length, 0);
      if (this.headBytes < 8) return [];
      plain = this.head;
      this.head = [];
      this.kind = isNatsArchive(Buffer.concat(plain).subarray(0, 8)) ? 'nats' : 'wharf';
    }
    if (this.kind === 'nats') {
      this.natsParts.push(...plain);
      return [];
    }
    let files;
    try {
      files = this.tar.push(plain.length === 1 ? plain[0]! : Buffer.concat(plain));
    } catch (e) {
      throw new BackupFormatError(`${NOT_OURS}: ${reason(e)}`);
    }
    const out: Buffer[] = [];
    for (const f of files) {
      if (this.manifest === null) {
        if (f.name !== MANIFEST) throw new BackupFormatError(NOT_OURS);
        this.manifest = manifestOf(f.data);
      } else if (f.name.startsWith('log/')) out.push(f.data);
    }
    return out;
  }

  /**
   * At the end of the data: a nats-server archive decoded whole (its backup), or null for a
   * Wharf snapshot, whose entries push() gave already; throws when the snapshot is incomplete.
   */
  end(stream: string): StreamBackup | null {
    try {
      this.frames.end();
    } catch (e) {
      throw new BackupFormatError(`${NOT_OURS}: ${reason(e)}`);
    }
    if (this.kind === 'nats') {
      try {
        return natsArchiveToBackup(Buffer.concat(this.natsParts), stream);
      } catch (e) {
        throw new BackupFormatError(`the nats-server archive cannot be read: ${reason(e)}`);
      }
    }
    if (this.manifest === null) throw new BackupFormatError(`${NOT_OURS}: no ${MANIFEST}`);
    if (!this.tar.complete) throw new BackupFormatError('the snapshot is truncated (the archive has no end)');
    return null;
  }
}

/** Decodes a whole snapshot (Wharf's, or nats-server 2.15's archive); throws BackupFormatError when it is neither. */
export function decodeStreamBackup(data: Buffer, stream: string): StreamBackup {
  const r = new StreamBackupReader();
  const batches = r.push(data);
  const nats = r.end(stream);
  if (nats !== null) return nats;
  return { manifest: r.manifest!, batches };
}
