// ListTransactions (66): transactional ids, filtered by state, producer id and (v1) by how long
// their transaction has been running.
import type { ListTransactionsRequest, ListTransactionsResponse } from '../protocol/messages/index.js';
import { coordinatorsOf, thrownNumber } from '../coordination.js';
import type { ApiHandler } from './types.js';

const STATES = new Set(['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence']);

export const listTransactions: ApiHandler<ListTransactionsRequest, ListTransactionsResponse> = {
  key: 66,
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, req) {
    try {
      const tc = coordinatorsOf(ctx.broker).transactions;
      const unknown = req.stateFilters.filter((s) => !STATES.has(s));
      const known = req.stateFilters.filter((s) => STATES.has(s));
      const listed =
        unknown.length > 0 && known.length === 0
          ? []
          : tc.list({ states: known, producerIds: req.producerIdFilters.map(Number), durationMs: req.durationFilter !== undefined ? Number(req.durationFilter) : undefined });
      return { throttleTimeMs: 0, errorCode: 0, unknownStateFilters: unknown, transactionStates: listed.map((t) => ({ transactionalId: t.transactionalId, producerId: BigInt(t.producerId), transactionState: t.state })) };
    } catch (e) {
      return { throttleTimeMs: 0, errorCode: thrownNumber(e), unknownStateFilters: [], transactionStates: [] };
    }
  },
};
