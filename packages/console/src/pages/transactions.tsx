// Transactions and producers: transactional ids with their state, and for open ones their
// partitions and age against the timeout; the producers each partition remembers.
import { api } from '../api.js';
import { usePoll } from '../components/hooks.js';
import { Badge, Card, Empty, ErrorBox, Loading, Table } from '../components/ui.js';
import { formatDuration, formatTimestamp } from '../lib/format.js';
import { href } from '../lib/route.js';

export function TransactionsPage() {
  const { data, error } = usePoll(() => api.transactions(), 3_000);
  if (data === null) return error !== null ? <ErrorBox error={error} /> : <Loading />;
  return (
    <div class="page" data-testid="transactions">
      <ErrorBox error={error} />
      <Card title="Transactions">
        {data.transactions.length === 0 ? (
          <Empty>No transactional producers have registered.</Empty>
        ) : (
          <Table testid="transactions-table">
            <thead>
              <tr>
                <th>Transactional id</th>
                <th>State</th>
                <th class="num">Producer id</th>
                <th class="num">Epoch</th>
                <th>Open for</th>
                <th>Timeout</th>
                <th>Partitions</th>
              </tr>
            </thead>
            <tbody>
              {data.transactions.map((t) => (
                <tr key={t.transactionalId} data-txn={t.transactionalId}>
                  <td>{t.transactionalId}</td>
                  <td>
                    <Badge value={t.state} />
                  </td>
                  <td class="num">{t.producerId}</td>
                  <td class="num">{t.producerEpoch}</td>
                  <td class={t.ageMs !== null && t.ageMs > t.timeoutMs / 2 ? 'warn' : ''}>{t.ageMs === null ? '–' : formatDuration(t.ageMs)}</td>
                  <td>{formatDuration(t.timeoutMs)}</td>
                  <td>
                    {t.partitions.map((p) => (
                      <span key={p.topic}>
                        <a href={href('topics', p.topic)}>{p.topic}</a> [{p.partitions.join(', ')}]{' '}
                      </span>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </Card>
      <Card title="Producers">
        {data.producers.length === 0 ? (
          <Empty>No idempotent or transactional producer state.</Empty>
        ) : (
          <Table testid="producers-table">
            <thead>
              <tr>
                <th>Partition</th>
                <th class="num">Producer id</th>
                <th class="num">Epoch</th>
                <th class="num">Last sequence</th>
                <th>Last write</th>
                <th>Open transaction from</th>
              </tr>
            </thead>
            <tbody>
              {data.producers.map((p) => (
                <tr key={`${p.topic}-${p.partition}-${p.producerId}`}>
                  <td>
                    {p.topic}-{p.partition}
                  </td>
                  <td class="num">{p.producerId}</td>
                  <td class="num">{p.epoch}</td>
                  <td class="num">{p.lastSequence}</td>
                  <td>{formatTimestamp(p.lastTimestamp)}</td>
                  <td>{p.openTransactionOffset === null ? '–' : `offset ${p.openTransactionOffset}`}</td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </Card>
    </div>
  );
}
