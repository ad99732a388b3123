// Produce (0): appends each partition's record batch to the log as the producer sent it (the
// log validates sizes, magic and CRC, stamps offsets in place), and answers once the appends
// are acknowledged under the durability policy. acks=0 gets no response at all; if one of its
// partitions failed the connection is closed, as Kafka does, so that the producer notices.
//
// Versions 0-2 are advertised because librdkafka before 2.11.1 needs Produce v0 in the list
// (KAFKA-18659), but, as in Kafka 4, a request that really uses them closes the connection:
// Kafka 4.0 removed them (and their message formats, magic 0 and 1) from the protocol.
//
// Authorization, as Kafka: a request carrying transactional batches needs WRITE on its
// transactional id (else every partition gets TRANSACTIONAL_ID_AUTHORIZATION_FAILED), and each
// topic needs WRITE (else TOPIC_AUTHORIZATION_FAILED), checked before the topic's existence is.
// Kafka's Produce never creates topics; Wharf's does when auto.create.topics.enable is on and
// the principal may CREATE it (on the cluster or the topic), else the topic is unknown.
//
// A partition of a JetStream stream topic has an append check (PartitionAppendCheck): it runs
// after the producer-state check, in the producer's turn, and may refuse the batch.
//
// Appends of pipelined requests of one connection are issued in request order (produceTurn),
// so one producer's batches land in the order it sent them even when topics get auto-created.
//
// v12 is transactions v2 (KIP-890 part 2): a transactional batch adds its partition to the
// producer's transaction (the partitions of one request in one step). v13 names topics by id
// (UNKNOWN_TOPIC_ID for an id no topic has; such a topic is never auto-created).
//
// Control batches (transaction markers) are the coordinator's: a client's is refused with
// INVALID_RECORD, as Kafka's LogValidator refuses control records of origin Client (after the
// transaction check, before the sequence check; a corrupt one is CORRUPT_MESSAGE first).
import type { AppendOutcome } from '../../core/log/index.js';
import { validateTopicName } from '../../core/log/index.js';
import {
  BATCH_HEADER_SIZE,
  CURRENT_MAGIC,
  LOG_OVERHEAD,
  OFFSET_MAGIC,
  batchBaseSequence,
  batchCompression,
  batchCrcValid,
  batchIsControl,
  batchIsTransactional,
  batchLastOffsetDelta,
  batchMagic,
  batchProducerEpoch,
  batchProducerId,
  batchSize,
  stampLeaderEpoch,
} from '../../core/records/batch.js';
import { CompressionType } from '../../core/records/compression.js';
import type { ProduceResponsePartitionProduceResponse, ProduceResponseTopicProduceResponse } from '../protocol/messages/produce.js';
import { ApiKey, type ProduceRequest } from '../protocol/messages/index.js';
import { CLUSTER, topicResource, transactionalIdResource } from '../authorization.js';
import { LEADER_EPOCH, type ProducerBatch, type TransactionalWrite } from '../context.js';
import { ErrorCode, KafkaApiError, toKafkaError } from '../errors.js';
import { autoCreateTopic, partitionCount, partitionOf, topicNameById } from './topics.js';
import { defineHandler, type RequestContext } from './types.js';

/**
 * Kafka's checks of a v3+ Produce partition before the log sees it: exactly one batch, magic
 * 2, and no zstd before v7. Throws KafkaApiError.
 */
function precheck(records: Buffer | null, version: number): void {
  if (records === null || records.length < LOG_OVERHEAD) {
    throw new KafkaApiError(ErrorCode.INVALID_RECORD, `Produce requests with version ${version} must have at least one record batch per partition`);
  }
  if (records.length <= OFFSET_MAGIC) throw new KafkaApiError(ErrorCode.CORRUPT_MESSAGE, 'record batch header is truncated');
  if (batchMagic(records) !== CURRENT_MAGIC) {
    throw new KafkaApiError(ErrorCode.INVALID_RECORD, `Produce requests with version ${version} are only allowed to contain record batches with magic version 2`);
  }
  const size = batchSize(records);
  if (size < records.length && size >= BATCH_HEADER_SIZE) {
    throw new KafkaApiError(ErrorCode.INVALID_RECORD, `Produce requests with version ${version} are only allowed to contain exactly one record batch per partition`);
  }
  if (version < 7 && records.length >= BATCH_HEADER_SIZE && batchCompression(records) === CompressionType.Zstd) {
    throw new KafkaApiError(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `Produce requests with version ${version} cannot use ZStandard compression (v7 or newer is needed)`);
  }
}

/** A client's control batch: Kafka's refusal (CORRUPT_MESSAGE first if its CRC is wrong). */
function controlBatchError(batch: Buffer, topic: string, partition: number): KafkaApiError {
  if (batch.length < BATCH_HEADER_SIZE || batchSize(batch) !== batch.length || !batchCrcValid(batch)) {
    return new KafkaApiError(ErrorCode.CORRUPT_MESSAGE, `Record batch for partition ${topic}-${partition} is corrupt (CRC mismatch)`);
  }
  return new KafkaApiError(ErrorCode.INVALID_RECORD, `Clients are not allowed to write control records in topic partition ${topic}-${partition}`);
}

/**
 * The log keeps appended buffers in memory (hot tail). A batch that is a small view of a large
 * socket read would pin the whole read, so such batches are copied once into their own buffer.
 */
function ownBuffer(records: Buffer): Buffer {
  if (records.byteLength * 2 >= records.buffer.byteLength) return records;
  const copy = Buffer.allocUnsafeSlow(records.length);
  records.copy(copy);
  return copy;
}

function errorResponse(index: number, code: number, message: string | null): ProduceResponsePartitionProduceResponse {
  return { index, errorCode: code, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, recordErrors: [], errorMessage: message };
}

function okResponse(index: number, o: AppendOutcome): ProduceResponsePartitionProduceResponse {
  return {
    index,
    errorCode: ErrorCode.NONE,
    baseOffset: BigInt(o.baseOffset),
    logAppendTimeMs: BigInt(o.logAppendTime),
    logStartOffset: BigInt(o.logStartOffset),
    recordErrors: [],
    errorMessage: null,
  };
}

/**
 * The partitions of a v12+ request's transactional batches that may be written (topic writable
 * and known, partition in range), for one AddPartitions step before the batches are checked.
 */
function transactionalWrite(ctx: RequestContext, req: ProduceRequest, topicName: (td: ProduceRequest['topicData'][number]) => string | null): TransactionalWrite | null {
  let write: TransactionalWrite | null = null;
  for (const td of req.topicData) {
    const name = topicName(td);
    if (name === null || !ctx.log.hasTopic(name) || !ctx.authorize('WRITE', topicResource(name), false)) continue;
    const count = partitionCount(ctx.log, name);
    for (const pd of td.partitionData) {
      const r = pd.records;
      if (r === null || r.length < BATCH_HEADER_SIZE || batchMagic(r) !== CURRENT_MAGIC || !batchIsTransactional(r) || batchProducerId(r) < 0) continue;
      if (pd.index < 0 || pd.index >= count) continue;
      write ??= { transactionalId: req.transactionalId ?? '', producerId: batchProducerId(r), producerEpoch: batchProducerEpoch(r), partitions: [] };
      if (batchProducerId(r) === write.producerId && batchProducerEpoch(r) === write.producerEpoch) write.partitions.push({ topic: name, partition: pd.index });
    }
  }
  return write;
}

/** Whether any partition of the request carries a transactional batch (Kafka's hasTransactionalRecords). */
function hasTransactionalRecords(req: ProduceRequest): boolean {
  for (const td of req.topicData) {
    for (const pd of td.partitionData) {
      const r = pd.records;
      if (r !== null && r.length >= BATCH_HEADER_SIZE && batchMagic(r) === CURRENT_MAGIC && batchIsTransactional(r)) return true;
    }
  }
  return false;
}

/** Whether `name` may be created by this request (auto-creation). */
function mayCreate(ctx: RequestContext, name: string): boolean {
  return ctx.authorize('CREATE', CLUSTER, false) || ctx.authorize('CREATE', topicResource(name));
}

export const produce = defineHandler(ApiKey.Produce, {
  minVersion: 3,
  advertisedMinVersion: 0,
  maxVersion: 13,
  async handle(ctx, req) {
    const { log, header, producerState } = ctx;
    const version = header.apiVersion;
    const byId = version >= 13;
    const topicName = (td: ProduceRequest['topicData'][number]): string | null => (byId ? topicNameById(log, td.topicId ?? '') : (td.name ?? ''));
    const topicResponse = (td: ProduceRequest['topicData'][number], partitionResponses: ProduceResponsePartitionProduceResponse[]): ProduceResponseTopicProduceResponse =>
      byId ? { topicId: td.topicId, partitionResponses } : { name: td.name ?? '', partitionResponses };
    const acks = req.acks;
    const responses: ProduceResponseTopicProduceResponse[] = [];
    const pending: Promise<void>[] = [];
    let failures = 0;
    const fail = (parts: ProduceResponsePartitionProduceResponse[], index: number, e: unknown): void => {
      const err = toKafkaError(e);
      if (err.unexpected) ctx.logger.error({ err: e }, 'produce failed');
      parts.push(errorResponse(index, err.code, err.message));
      failures++;
    };

    if (hasTransactionalRecords(req) && (req.transactionalId === null || req.transactionalId === undefined || !ctx.authorize('WRITE', transactionalIdResource(req.transactionalId)))) {
      const denied = new KafkaApiError(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'Transactional Id authorization failed.');
      for (const td of req.topicData) {
        const parts: ProduceResponsePartitionProduceResponse[] = [];
        responses.push(topicResponse(td, parts));
        for (const pd of td.partitionData) fail(parts, pd.index, denied);
      }
      if (acks === 0) {
        ctx.closeAfter(`acks=0 produce failed on ${failures} partition(s)`);
        return null;
      }
      return { responses, throttleTimeMs: 0 };
    }

    const turn = ctx.conn.produceTurn();
    try {
      if (turn.ready) await turn.ready;
      if (version >= 12 && req.transactionalId) {
        const write = transactionalWrite(ctx, req, topicName);
        if (write !== null && write.partitions.length > 0) await producerState.addToTransaction(write);
      }
      for (const td of req.topicData) {
        const resolved = topicName(td);
        const name = resolved ?? '';
        const parts: ProduceResponsePartitionProduceResponse[] = [];
        responses.push(topicResponse(td, parts));
        let topicError: unknown = null;
        if (resolved === null) {
          topicError = new KafkaApiError(ErrorCode.UNKNOWN_TOPIC_ID, `unknown topic id ${td.topicId}`);
        } else if (!ctx.authorize('WRITE', topicResource(name))) {
          topicError = new KafkaApiError(ErrorCode.TOPIC_AUTHORIZATION_FAILED, `Not authorized to write to topic ${name}`);
        } else if (acks !== 0 && acks !== 1 && acks !== -1) {
          topicError = new KafkaApiError(ErrorCode.INVALID_REQUIRED_ACKS, `acks must be -1, 0 or 1, got ${acks}`);
        } else if (!log.hasTopic(name)) {
          try {
            validateTopicName(name);
            if (!mayCreate(ctx, name) || !(await autoCreateTopic(ctx, name))) {
              topicError = new KafkaApiError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `This server does not host this topic: ${name}`);
            }
          } catch (e) {
            topicError = e;
          }
        }
        for (const pd of td.partitionData) {
          if (topicError !== null) {
            fail(parts, pd.index, topicError);
            continue;
          }
          try {
            const partition = partitionOf(log, name, pd.index);
            precheck(pd.records, version);
            const batch = ownBuffer(pd.records!); // the log owns it once appended
            const control = batch.length >= BATCH_HEADER_SIZE && batchIsControl(batch);
            let producer: ProducerBatch | null = null;
            if (batch.length >= BATCH_HEADER_SIZE && batchProducerId(batch) >= 0) {
              producer = {
                topic: name,
                partition: pd.index,
                transactionalId: req.transactionalId ?? null,
                producerId: batchProducerId(batch),
                producerEpoch: batchProducerEpoch(batch),
                baseSequence: batchBaseSequence(batch),
                lastOffsetDelta: batchLastOffsetDelta(batch),
                transactional: batchIsTransactional(batch),
                control,
                produceVersion: version,
              };
              const c = producerState.check(producer);
              const decision = c instanceof Promise ? await c : c;
              if (decision.action === 'reject') throw new KafkaApiError(decision.errorCode, decision.message);
              if (decision.action === 'refuse-control') throw controlBatchError(batch, name, pd.index);
              if (decision.action === 'duplicate') {
                parts.push(okResponse(pd.index, decision.outcome));
                continue;
              }
            } else if (control) {
              throw controlBatchError(batch, name, pd.index);
            }
            // A topic that is a JetStream stream checks what may be appended to it (record keys
            // must be subjects it captures, discard-new limits): docs/jetstream.md 1.1, 1.7.
            const appendCheck = partition.appendCheck;
            if (appendCheck !== null) {
              const c = appendCheck.check(batch);
              const refused = c instanceof Promise ? await c : c;
              if (refused !== null) {
                if (producer) producerState.failed(producer, refused);
                throw refused;
              }
            }
            // Kafka stamps the leader's epoch into every batch it appends (outside the CRC).
            stampLeaderEpoch(batch, 0, LEADER_EPOCH);
            const slot = parts.length;
            parts.push(errorResponse(pd.index, ErrorCode.UNKNOWN_SERVER_ERROR, null));
            const checked = producer;
            pending.push(
              partition.append(batch).then(
                (outcome) => {
                  parts[slot] = okResponse(pd.index, outcome);
                },
                (e: unknown) => {
                  if (checked) producerState.failed(checked, e);
                  const err = toKafkaError(e);
                  if (err.unexpected) ctx.logger.error({ err: e, topic: name, partition: pd.index }, 'append failed');
                  parts[slot] = errorResponse(pd.index, err.code, err.message);
                  failures++;
                },
              ),
            );
          } catch (e) {
            fail(parts, pd.index, e);
          }
        }
      }
    } finally {
      turn.done();
    }
    await Promise.all(pending);
    if (acks === 0) {
      if (failures > 0) ctx.closeAfter(`acks=0 produce failed on ${failures} partition(s)`);
      return null;
    }
    return { responses, throttleTimeMs: 0 };
  },
});
