// ListTransactions (66): transactional ids, filtered by state, producer id and (v1) by how long
// their transaction has been running, and (v2, KIP-1152) by a regular expression the whole
// transactional id must match (an empty or null one matches all; one that does not compile is
// INVALID_REGULAR_EXPRESSION). Kafka compiles Java regular expressions, Wharf JavaScript ones:
// they agree on the common syntax.
// Authorization, as Kafka: only transactional ids the principal may DESCRIBE are listed.
import { ApiKey } from '../protocol/messages/index.js';
import { transactionalIdResource } from '../authorization.js';
import { ErrorCode, toKafkaError } from '../errors.js';
import { defineHandler } from './types.js';

const STATES = new Set(['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence']);

export const listTransactions = defineHandler(ApiKey.ListTransactions, {
  minVersion: 0,
  maxVersion: 2,
  handle(ctx, req) {
    let pattern: RegExp | null = null;
    const source = req.transactionalIdPattern ?? '';
    if (source !== '') {
      try {
        pattern = new RegExp(`^(?:${source})$`, 'u');
      } catch {
        return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REGULAR_EXPRESSION, unknownStateFilters: [], transactionStates: [] };
      }
    }
    try {
      const tc = ctx.coordinators.transactions;
      const unknown = req.stateFilters.filter((s) => !STATES.has(s));
      const known = req.stateFilters.filter((s) => STATES.has(s));
      const listed =
        unknown.length > 0 && known.length === 0
          ? []
          : tc.list({ states: known, producerIds: req.producerIdFilters.map(Number), durationMs: req.durationFilter !== undefined ? Number(req.durationFilter) : undefined });
      const visible = listed.filter((t) => (pattern === null || pattern.test(t.transactionalId)) && ctx.authorize('DESCRIBE', transactionalIdResource(t.transactionalId), false));
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, unknownStateFilters: unknown, transactionStates: visible.map((t) => ({ transactionalId: t.transactionalId, producerId: BigInt(t.producerId), transactionState: t.state })) };
    } catch (e) {
      return { throttleTimeMs: 0, errorCode: toKafkaError(e).code, unknownStateFilters: [], transactionStates: [] };
    }
  },
});
