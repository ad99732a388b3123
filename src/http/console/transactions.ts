// The console's transactions and producers: every transactional id the coordinator knows with
// its state, and for those in progress their partitions and age (how long the transaction has
// been open, against its timeout); and the idempotent and transactional producers each
// partition remembers (epoch, last sequence, an open transaction's first offset). Read from the
// transaction coordinator and the producer-state manager, as DescribeTransactions and
// DescribeProducers read them, with their checks: a transactional id is shown with DESCRIBE on
// it (its partitions with DESCRIBE on their topics), a partition's producers with READ on the topic.
import type { Coordinators } from '../../core/coordinators/index.js';
import { topic, transactionalId, type ConsoleAccess } from './access.js';
import type { ApiRoute } from './http.js';
import type { ProducerRow, TransactionRow, TransactionsResult } from './types.js';

const OPEN = new Set(['Ongoing', 'PrepareCommit', 'PrepareAbort']);

export function transactionsView(c: Coordinators | null, access: ConsoleAccess, now = Date.now()): TransactionsResult {
  if (c === null) return { transactions: [], producers: [] };
  const visible = c.transactions.list().filter((t) => access.may('DESCRIBE', transactionalId(t.transactionalId)));
  const transactions: TransactionRow[] = visible.map((t) => {
    const d = c.transactions.describe(t.transactionalId);
    const open = OPEN.has(d.state) && d.startTimestamp >= 0;
    return {
      transactionalId: t.transactionalId,
      producerId: d.producerId,
      producerEpoch: d.producerEpoch,
      state: d.state,
      startedAt: open ? d.startTimestamp : null,
      ageMs: open ? now - d.startTimestamp : null,
      timeoutMs: d.timeoutMs,
      partitions: d.partitions.filter((p) => access.may('DESCRIBE', topic(p.topic))),
    };
  });
  // Open transactions first, oldest first; then the others by id.
  transactions.sort((a, b) => (b.ageMs ?? -1) - (a.ageMs ?? -1) || (a.transactionalId < b.transactionalId ? -1 : 1));
  const producers: ProducerRow[] = [];
  for (const { partition, state } of c.producers.all()) {
    if (partition.topic.name.startsWith('__') || !access.may('READ', topic(partition.topic.name))) continue;
    for (const p of state.activeProducers()) {
      producers.push({
        topic: partition.topic.name,
        partition: partition.index,
        producerId: p.producerId,
        epoch: p.epoch,
        lastSequence: p.lastSequence,
        lastTimestamp: p.lastTimestamp,
        openTransactionOffset: p.txnStartOffset >= 0 ? p.txnStartOffset : null,
      });
    }
  }
  producers.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition || a.producerId - b.producerId));
  return { transactions, producers: producers.slice(0, 2_000) };
}

export function transactionRoutes(c: Coordinators | null): ApiRoute[] {
  return [{ method: 'GET', path: '/transactions', handle: ({ access }) => transactionsView(c, access) }];
}
