// `__share_group_state` in Kafka 4.4's share coordinator records, so that Kafka's
// ShareGroupStateMessageFormatter (kafka-console-consumer --formatter
// org.apache.kafka.tools.consumer.group.share.ShareGroupStateMessageFormatter) reads it:
//   ["sp", group, topicId, partition] -> ShareSnapshot (type 0; value v0): a share-partition's
//                                        start offset, state epoch and state batches
// Wharf writes a whole snapshot on every change (never Kafka's ShareUpdate deltas, type 1; its
// coordinator folds those into snapshots itself). The snapshot epoch and leader epoch, which
// Wharf does not keep, are written as 0, the timestamps as the time of the write. The topic's
// name rides in Wharf's tagged field (a topic deleted since keeps its name); the core names the
// topic id by the log's 32 hex digits, Kafka's records by its 16 bytes.
// A share group's dynamic configs (["gc"]) have no record here (Kafka keeps them in the cluster
// metadata): they stay in the internal topic's private form, which Kafka's share coordinator
// serde skips as an unknown type; so does a group's ["sg"] record of brokers before its move to
// `__consumer_offsets` (ShareGroupMetadata, coordinator-records.ts), until the move deletes it.
import type { DecodedRecord, EncodedRecord, InternalRecord, InternalRecordCodec } from '../core/coordinators/internal-topic.js';
import { Reader } from './protocol/reader.js';
import { RECORD_TYPES } from './protocol/records/index.js';
import { decodeShareSnapshotKey, decodeShareSnapshotValue, encodeShareSnapshotKey, encodeShareSnapshotValue } from './protocol/records/share-snapshot.js';
import { frame, num, str, valueFrame, wharfExtra, wharfTag } from './record-frame.js';

const SHARE = RECORD_TYPES['share-coordinator'];

function encodeSnapshot(groupId: string, topicIdHex: string, partition: number, v: Record<string, unknown> | null): EncodedRecord {
  const key = frame(SHARE.ShareSnapshot.type, (w) => encodeShareSnapshotKey(w, 0, { groupId, topicId: Buffer.from(topicIdHex, 'hex').toString('base64url'), partition }));
  if (v === null) return { key, value: null };
  const now = BigInt(Date.now());
  const batches = Array.isArray(v.batches) ? (v.batches as Array<[number, number, number, number]>) : [];
  const value = valueFrame(0, (w) =>
    encodeShareSnapshotValue(w, 0, {
      snapshotEpoch: 0,
      stateEpoch: num(v.stateEpoch, 0),
      leaderEpoch: 0,
      startOffset: BigInt(num(v.startOffset, 0)),
      createTimestamp: now,
      writeTimestamp: now,
      stateBatches: batches.map(([first, last, state, count]) => ({ firstOffset: BigInt(first), lastOffset: BigInt(last), deliveryState: state, deliveryCount: count })),
      unknownTaggedFields: wharfTag({ topic: str(v.topic) ?? '' }),
    }),
  );
  return { key, value };
}

/** `__share_group_state`: share-partition snapshots in Kafka's schema. */
export const shareGroupStateCodec: InternalRecordCodec = {
  encode(r: InternalRecord): EncodedRecord | null {
    const k = r.key;
    if (k[0] === 'sp' && k.length === 4) return encodeSnapshot(String(k[1]), String(k[2]), Number(k[3]), r.value);
    return null;
  },
  decode(keyBytes: Buffer, valueBytes: Buffer | null): DecodedRecord | null {
    const kr = new Reader(keyBytes);
    if (kr.int16() !== SHARE.ShareSnapshot.type) return null;
    const k = decodeShareSnapshotKey(kr, 0);
    const tuple = ['sp', k.groupId, Buffer.from(k.topicId, 'base64url').toString('hex'), k.partition];
    if (valueBytes === null) return { key: tuple, value: null };
    const vr = new Reader(valueBytes);
    const v = decodeShareSnapshotValue(vr, vr.int16());
    return {
      key: tuple,
      value: {
        v: 1,
        topic: str(wharfExtra(v.unknownTaggedFields).topic) ?? '',
        startOffset: Number(v.startOffset),
        stateEpoch: v.stateEpoch,
        batches: v.stateBatches.map((b) => [Number(b.firstOffset), Number(b.lastOffset), b.deliveryState, b.deliveryCount]),
      },
    };
  },
};
