// DeleteTopics (20): deletes topics and their data, by name or (v6) by topic id.
import type { DeleteTopicsRequest, DeleteTopicsResponse } from '../protocol/messages/index.js';
import type { DeleteTopicsResponseDeletableTopicResult } from '../protocol/messages/delete-topics.js';
import { topicIdToWire, ZERO_UUID } from '../context.js';
import { ErrorCode, KafkaApiError, toKafkaError } from '../errors.js';
import { topicIdOf, topicNameById } from './topics.js';
import type { ApiHandler } from './types.js';

export const deleteTopics: ApiHandler<DeleteTopicsRequest, DeleteTopicsResponse> = {
  key: 20,
  minVersion: 1,
  maxVersion: 6,
  exclusive: true,
  async handle(ctx, req) {
    const { broker, header } = ctx;
    const asked = header.apiVersion >= 6 ? (req.topics ?? []).map((t) => ({ name: t.name, topicId: t.topicId })) : (req.topicNames ?? []).map((name) => ({ name, topicId: ZERO_UUID }));
    const responses: DeleteTopicsResponseDeletableTopicResult[] = [];
    for (const a of asked) {
      const out: DeleteTopicsResponseDeletableTopicResult = { name: a.name, topicId: a.topicId, errorCode: ErrorCode.NONE, errorMessage: null };
      responses.push(out);
      try {
        let name = a.name;
        if (name === null) {
          name = a.topicId === ZERO_UUID ? null : topicNameById(broker, a.topicId);
          if (name === null) throw new KafkaApiError(ErrorCode.UNKNOWN_TOPIC_ID, `unknown topic id ${a.topicId}`);
          out.name = name;
        }
        const hex = topicIdOf(broker, name);
        if (hex === null) throw new KafkaApiError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.');
        out.topicId = topicIdToWire(hex);
        await broker.log.deleteTopic(name);
      } catch (e) {
        const err = toKafkaError(e);
        if (err.unexpected) broker.logger.error({ err: e, topic: a.name }, 'delete topic failed');
        out.errorCode = err.code;
        out.errorMessage = err.message;
      }
    }
    return { throttleTimeMs: 0, responses };
  },
};
