// DeleteRecords (21): moves a partition's log start offset forward (-1: to the high watermark)
// and answers with the new low watermark.
// Authorization, as Kafka: DELETE on each topic, else TOPIC_AUTHORIZATION_FAILED.
import { ApiKey } from '../protocol/messages/index.js';
import type { DeleteRecordsResponseDeleteRecordsTopicResult, DeleteRecordsResponseDeleteRecordsPartitionResult } from '../protocol/messages/delete-records.js';
import { authorizedTopics } from '../authorization.js';
import { ErrorCode, KafkaApiError, toKafkaError } from '../errors.js';
import { partitionOf } from './topics.js';
import { defineHandler } from './types.js';

export const deleteRecords = defineHandler(ApiKey.DeleteRecords, {
  minVersion: 0,
  maxVersion: 2,
  exclusive: true,
  async handle(ctx, req) {
    const { log } = ctx;
    const deletable = authorizedTopics(ctx, 'DELETE', req.topics.map((t) => t.name));
    const topics: DeleteRecordsResponseDeleteRecordsTopicResult[] = [];
    for (const t of req.topics) {
      const partitions: DeleteRecordsResponseDeleteRecordsPartitionResult[] = [];
      topics.push({ name: t.name, partitions });
      for (const rp of t.partitions) {
        const out: DeleteRecordsResponseDeleteRecordsPartitionResult = { partitionIndex: rp.partitionIndex, lowWatermark: -1n, errorCode: ErrorCode.NONE };
        partitions.push(out);
        try {
          if (!deletable.has(t.name)) throw new KafkaApiError(ErrorCode.TOPIC_AUTHORIZATION_FAILED, `Not authorized to delete records of topic ${t.name}`);
          const p = partitionOf(log, t.name, rp.partitionIndex);
          if (rp.offset < -1n || rp.offset > BigInt(Number.MAX_SAFE_INTEGER)) {
            throw new KafkaApiError(ErrorCode.OFFSET_OUT_OF_RANGE, `offset ${rp.offset} is out of range`);
          }
          out.lowWatermark = BigInt(await p.deleteRecordsBefore(Number(rp.offset)));
        } catch (e) {
          const err = toKafkaError(e);
          if (err.unexpected) ctx.logger.error({ err: e, topic: t.name }, 'delete records failed');
          out.errorCode = err.code;
        }
      }
    }
    return { throttleTimeMs: 0, topics };
  },
});
