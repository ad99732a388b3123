/**
 * Control batches: batches with the control attribute, holding one record whose key names a
 * control type. The ones Wharf writes are transaction markers (COMMIT/ABORT) appended when a
 * transaction ends; consumers in read_committed use them to drop aborted records and they are
 * never handed to applications. The marker's value carries the coordinator epoch, so that a
 * zombie coordinator's late marker can be fenced.
 *
 *   key:   int16 version (0), int16 type
 *   value: int16 version (0), int32 coordinatorEpoch      (transaction markers)
 */
import { KafkaCodecError } from '../protocol/errors.js';
import { CompressionType } from './compression.js';
import { encodeRecordBatch, type KafkaRecord } from './batch.js';

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

export interface EndTxnMarker {
  type: typeof ControlRecordType.Abort | typeof ControlRecordType.Commit;
  coordinatorEpoch: number;
}

export function encodeControlKey(type: ControlRecordType): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt16BE(0, 0);
  b.writeInt16BE(type, 2);
  return b;
}

/** The control type of a record in a control batch. */
export function controlRecordType(record: Pick<KafkaRecord, 'key'>): number {
  const key = record.key;
  if (key === null || key.length < 4) throw new KafkaCodecError('control record: key shorter than 4 bytes');
  const version = key.readInt16BE(0);
  if (version !== 0) throw new KafkaCodecError(`control record: unsupported key version ${version}`);
  return key.readInt16BE(2);
}

/** Decodes a COMMIT/ABORT marker record. */
export function decodeEndTxnMarker(record: Pick<KafkaRecord, 'key' | 'value'>): EndTxnMarker {
  const type = controlRecordType(record);
  if (type !== ControlRecordType.Abort && type !== ControlRecordType.Commit) {
    throw new KafkaCodecError(`control record: type ${type} is not a transaction marker`);
  }
  const v = record.value;
  if (v === null || v.length < 6) throw new KafkaCodecError('transaction marker: value shorter than 6 bytes');
  const version = v.readInt16BE(0);
  if (version !== 0) throw new KafkaCodecError(`transaction marker: unsupported value version ${version}`);
  return { type, coordinatorEpoch: v.readInt32BE(2) };
}

export function encodeEndTxnMarkerValue(coordinatorEpoch: number): Buffer {
  const b = Buffer.alloc(6);
  b.writeInt16BE(0, 0);
  b.writeInt32BE(coordinatorEpoch, 2);
  return b;
}

/** A control batch holding one COMMIT or ABORT marker for a producer's transaction. */
export function encodeEndTxnMarkerBatch(opts: {
  marker: EndTxnMarker;
  producerId: bigint;
  producerEpoch: number;
  baseOffset?: bigint;
  partitionLeaderEpoch?: number;
  timestamp?: bigint;
}): Promise<Buffer> {
  const ts = opts.timestamp ?? BigInt(Date.now());
  return encodeRecordBatch({
    records: [{ key: encodeControlKey(opts.marker.type), value: encodeEndTxnMarkerValue(opts.marker.coordinatorEpoch) }],
    baseOffset: opts.baseOffset ?? 0n,
    partitionLeaderEpoch: opts.partitionLeaderEpoch ?? -1,
    compression: CompressionType.None,
    transactional: true,
    control: true,
    baseTimestamp: ts,
    maxTimestamp: ts,
    producerId: opts.producerId,
    producerEpoch: opts.producerEpoch,
    baseSequence: -1,
  });
}
