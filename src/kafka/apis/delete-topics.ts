// DeleteTopics (20): deletes topics and their data, by name or (v6) by topic id.
//
// Authorization, as Kafka: DELETE on each topic, else TOPIC_AUTHORIZATION_FAILED; a topic named
// by id also needs DESCRIBE, else its name is withheld (the id is not secret).
import { ApiKey } from '../protocol/messages/index.js';
import type { DeleteTopicsResponseDeletableTopicResult } from '../protocol/messages/delete-topics.js';
import { topicResource } from '../authorization.js';
import { topicIdToWire, ZERO_UUID } from '../context.js';
import { ErrorCode, KafkaApiError, toKafkaError } from '../errors.js';
import { topicNameById } from './topics.js';
import { defineHandler } from './types.js';

export const deleteTopics = defineHandler(ApiKey.DeleteTopics, {
  minVersion: 1,
  maxVersion: 6,
  exclusive: true,
  async handle(ctx, req) {
    const { log, header } = ctx;
    const asked = header.apiVersion >= 6 ? (req.topics ?? []).map((t) => ({ name: t.name, topicId: t.topicId })) : (req.topicNames ?? []).map((name) => ({ name, topicId: ZERO_UUID }));
    const responses: DeleteTopicsResponseDeletableTopicResult[] = [];
    for (const a of asked) {
      const out: DeleteTopicsResponseDeletableTopicResult = { name: a.name, topicId: a.topicId, errorCode: ErrorCode.NONE, errorMessage: null };
      responses.push(out);
      try {
        let name = a.name;
        if (name === null) {
          name = a.topicId === ZERO_UUID ? null : topicNameById(log, a.topicId);
          if (name === null) throw new KafkaApiError(ErrorCode.UNKNOWN_TOPIC_ID, `unknown topic id ${a.topicId}`);
          if (!ctx.authorize('DESCRIBE', topicResource(name))) throw new KafkaApiError(ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Topic authorization failed.');
          out.name = name;
        }
        if (!ctx.authorize('DELETE', topicResource(name))) throw new KafkaApiError(ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Topic authorization failed.');
        const info = log.topicInfo(name);
        if (info === null) throw new KafkaApiError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.');
        out.topicId = topicIdToWire(info.topicId);
        await log.deleteTopic(name);
      } catch (e) {
        const err = toKafkaError(e);
        if (err.unexpected) ctx.logger.error({ err: e, topic: a.name }, 'delete topic failed');
        out.errorCode = err.code;
        out.errorMessage = err.message;
      }
    }
    return { throttleTimeMs: 0, responses };
  },
});
