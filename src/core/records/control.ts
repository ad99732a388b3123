// Control records: the records of batches with the control attribute, whose key names a control
// type. The ones Wharf writes and reads are transaction markers: a COMMIT or ABORT appended to
// each partition of a transaction when it ends, which read_committed consumers use to drop
// aborted records and which are never handed to applications. A marker's value carries the
// coordinator epoch, so that a zombie coordinator's late marker can be fenced.
//
//   key:   int16 version (0), int16 type
//   value: int16 version (0), int32 coordinatorEpoch      (transaction markers)
import { batchIsControl, buildRecordBatch, decodeRecords, type DecodedRecord } from './batch.js';
import { LogError } from './errors.js';

export const ControlRecordType = {
  Abort: 0,
  Commit: 1,
  LeaderChange: 2,
  SnapshotHeader: 3,
  SnapshotFooter: 4,
  KRaftVersion: 5,
  KRaftVoters: 6,
} as const;
export type ControlRecordType = (typeof ControlRecordType)[keyof typeof ControlRecordType];

export interface TxnMarker {
  commit: boolean;
  coordinatorEpoch: number;
}

const KEY_SIZE = 4;
const MARKER_VALUE_SIZE = 6;

export function encodeControlKey(type: ControlRecordType): Buffer {
  const b = Buffer.alloc(KEY_SIZE);
  b.writeInt16BE(0, 0);
  b.writeInt16BE(type, 2);
  return b;
}

/** The control type named by a control record's key. */
export function controlRecordType(record: Pick<DecodedRecord, 'key'>): number {
  const key = record.key;
  if (key === null || key.length < KEY_SIZE) throw new LogError('CORRUPT_MESSAGE', 'control record: key shorter than 4 bytes');
  const version = key.readInt16BE(0);
  if (version !== 0) throw new LogError('CORRUPT_MESSAGE', `control record: unsupported key version ${version}`);
  return key.readInt16BE(2);
}

/** Decodes a COMMIT/ABORT marker record. */
export function decodeTxnMarker(record: Pick<DecodedRecord, 'key' | 'value'>): TxnMarker {
  const type = controlRecordType(record);
  if (type !== ControlRecordType.Abort && type !== ControlRecordType.Commit) {
    throw new LogError('CORRUPT_MESSAGE', `control record: type ${type} is not a transaction marker`);
  }
  const v = record.value;
  if (v === null || v.length < MARKER_VALUE_SIZE) throw new LogError('CORRUPT_MESSAGE', 'transaction marker: value shorter than 6 bytes');
  const version = v.readInt16BE(0);
  if (version !== 0) throw new LogError('CORRUPT_MESSAGE', `transaction marker: unsupported value version ${version}`);
  return { commit: type === ControlRecordType.Commit, coordinatorEpoch: v.readInt32BE(2) };
}

/**
 * The transaction marker a stored batch holds, or null when it is not a control batch or holds
 * another control record. Throws LogError when a control batch cannot be read.
 */
export function batchTxnMarker(batch: Buffer): TxnMarker | null {
  if (!batchIsControl(batch)) return null;
  const record = decodeRecords(batch)[0];
  if (!record) return null;
  const type = controlRecordType(record);
  if (type !== ControlRecordType.Abort && type !== ControlRecordType.Commit) return null;
  return decodeTxnMarker(record);
}

/** A control batch holding one COMMIT or ABORT marker that ends a producer's transaction. */
export function buildTxnMarkerBatch(opts: {
  marker: TxnMarker;
  producerId: number;
  producerEpoch: number;
  baseOffset?: number;
  partitionLeaderEpoch?: number;
  /** Default: now. */
  timestamp?: number;
}): Buffer {
  const value = Buffer.alloc(MARKER_VALUE_SIZE);
  value.writeInt16BE(0, 0);
  value.writeInt32BE(opts.marker.coordinatorEpoch, 2);
  const key = encodeControlKey(opts.marker.commit ? ControlRecordType.Commit : ControlRecordType.Abort);
  return buildRecordBatch({
    records: [{ key, value }],
    baseOffset: opts.baseOffset ?? 0,
    partitionLeaderEpoch: opts.partitionLeaderEpoch ?? -1,
    baseTimestamp: opts.timestamp ?? Date.now(),
    transactional: true,
    control: true,
    producerId: opts.producerId,
    producerEpoch: opts.producerEpoch,
    baseSequence: -1,
  });
}
