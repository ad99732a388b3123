// The record codec of `__consumer_offsets` as brokers before Kafka's member, assignment, streams
// and share group records wrote it: offsets and classic groups in Kafka's schema, a KIP-848
// group as ConsumerGroupMetadata (type 3) with its assignment epoch in Wharf's tag, everything
// else left to the internal topic's private form. Given to the coordinators, it makes a data
// directory in that old form (the migration tests).
import type { EncodedRecord, InternalRecord, InternalRecordCodec } from '../../../src/core/coordinators/internal-topic.js';
import { consumerOffsetsCodec } from '../../../src/kafka/coordinator-records.js';
import { encodeConsumerGroupMetadataKey, encodeConsumerGroupMetadataValue } from '../../../src/kafka/protocol/records/consumer-group-metadata.js';
import { frame, valueFrame, wharfTag } from '../../../src/kafka/record-frame.js';

export const oldConsumerOffsetsCodec: InternalRecordCodec = {
  encode(r: InternalRecord): EncodedRecord | EncodedRecord[] | null {
    if (r.key[0] === 'o' || r.key[0] === 'g') return consumerOffsetsCodec.encode(r);
    if (r.key[0] !== 'cg') return null;
    const key = frame(3, (w) => encodeConsumerGroupMetadataKey(w, 0, { groupId: String(r.key[1]) }));
    const v = r.value;
    if (v === null) return { key, value: null };
    const extra = { assignmentEpoch: v.assignmentEpoch, assignor: v.assignor, metadata: v.metadata };
    return { key, value: valueFrame(0, (w) => encodeConsumerGroupMetadataValue(w, 0, { epoch: Number(v.epoch), unknownTaggedFields: wharfTag(extra) })) };
  },
  decode: (k, v) => consumerOffsetsCodec.decode(k, v),
};
