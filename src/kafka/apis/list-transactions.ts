// ListTransactions (66): transactional ids, filtered by state, producer id and (v1) by how long
// their transaction has been running.
// Authorization, as Kafka: only transactional ids the principal may DESCRIBE are listed.
import { ApiKey } from '../protocol/messages/index.js';
import { transactionalIdResource } from '../authorization.js';
import { ErrorCode, toKafkaError } from '../errors.js';
import { defineHandler } from './types.js';

const STATES = new Set(['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence']);

export const listTransactions = defineHandler(ApiKey.ListTransactions, {
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, req) {
    try {
      const tc = ctx.coordinators.transactions;
      const unknown = req.stateFilters.filter((s) => !STATES.has(s));
      const known = req.stateFilters.filter((s) => STATES.has(s));
      const listed =
        unknown.length > 0 && known.length === 0
          ? []
          : tc.list({ states: known, producerIds: req.producerIdFilters.map(Number), durationMs: req.durationFilter !== undefined ? Number(req.durationFilter) : undefined });
      const visible = listed.filter((t) => ctx.authorize('DESCRIBE', transactionalIdResource(t.transactionalId)));
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, unknownStateFilters: unknown, transactionStates: visible.map((t) => ({ transactionalId: t.transactionalId, producerId: BigInt(t.producerId), transactionState: t.state })) };
    } catch (e) {
      return { throttleTimeMs: 0, errorCode: toKafkaError(e).code, unknownStateFilters: [], transactionStates: [] };
    }
  },
});
