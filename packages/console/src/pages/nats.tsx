// NATS: connections as /connz shows them (sort by any of its keys, open or closed, filter by
// name, address, language or subject), subscriptions as /subsz, and slow consumers.
import { useState } from 'preact/hooks';
import { api, type NatsConnectionRow } from '../api.js';
import { usePoll } from '../components/hooks.js';
import { Card, Empty, ErrorBox, Loading, Table } from '../components/ui.js';
import { formatBytes, formatCount, formatDuration } from '../lib/format.js';
import { href } from '../lib/route.js';

const SORTS = ['cid', 'start', 'subs', 'pending', 'msgs_to', 'msgs_from', 'bytes_to', 'bytes_from', 'last', 'idle', 'uptime', 'rtt'];

function ConnectionsTable(props: { rows: NatsConnectionRow[]; closed?: boolean }) {
  return (
    <Table testid="connections-table">
      <thead>
        <tr>
          <th class="num">CID</th>
          <th>Name</th>
          <th>Address</th>
          <th>Client</th>
          <th class="num">Subs</th>
          <th class="num">Msgs in</th>
          <th class="num">Msgs out</th>
          <th class="num">Bytes in</th>
          <th class="num">Bytes out</th>
          <th class="num">Pending</th>
          <th class="num">RTT</th>
          <th>Uptime</th>
          {props.closed === true && <th>Reason</th>}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((c) => (
          <tr key={c.cid} data-cid={c.cid}>
            <td class="num">{c.cid}</td>
            <td>{c.name}</td>
            <td>
              {c.ip}:{c.port}
            </td>
            <td>{[c.lang, c.version].filter((x) => x !== '').join(' ')}</td>
            <td class="num" title={c.subjects.join('\n')}>
              {c.subscriptions}
            </td>
            <td class="num">{formatCount(c.inMsgs)}</td>
            <td class="num">{formatCount(c.outMsgs)}</td>
            <td class="num">{formatBytes(c.inBytes)}</td>
            <td class="num">{formatBytes(c.outBytes)}</td>
            <td class="num">{formatBytes(c.pendingBytes)}</td>
            <td class="num">{c.rttMs > 0 ? `${c.rttMs.toFixed(2)} ms` : '–'}</td>
            <td>{formatDuration(c.uptimeMs)}</td>
            {props.closed === true && <td>{c.reason ?? ''}</td>}
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

function Connections() {
  const [sort, setSort] = useState('cid');
  const [state, setState] = useState('open');
  const [filter, setFilter] = useState('');
  const { data, error } = usePoll(() => api.natsConnections({ sort, state, filter }), 3_000, [sort, state, filter]);
  return (
    <Card
      title={`Connections${data !== null ? ` (${data.total})` : ''}`}
      actions={
        <>
          <input class="filter" placeholder="Filter name, address, subject" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} name="conn-filter" />
          <select value={state} onChange={(e) => setState(e.currentTarget.value)} name="conn-state">
            <option value="open">open</option>
            <option value="closed">closed</option>
            <option value="any">any</option>
          </select>
          <select value={sort} onChange={(e) => setSort(e.currentTarget.value)} name="conn-sort">
            {[...SORTS, ...(state === 'closed' ? ['stop', 'reason'] : [])].map((s) => (
              <option key={s} value={s}>
                sort: {s}
              </option>
            ))}
          </select>
        </>
      }
    >
      <ErrorBox error={error} />
      {data === null ? <Loading /> : data.connections.length === 0 ? <Empty>No connections.</Empty> : <ConnectionsTable rows={data.connections} closed={state !== 'open'} />}
    </Card>
  );
}

function Subscriptions() {
  const [filter, setFilter] = useState('');
  const { data, error } = usePoll(() => api.natsSubscriptions(filter), 3_000, [filter]);
  return (
    <Card title={`Subscriptions${data !== null ? ` (${data.total})` : ''}`} actions={<input class="filter" placeholder="Filter subject or queue" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />}>
      <ErrorBox error={error} />
      {data !== null && (
        <p class="hint">
          {formatCount(data.stats.subscriptions)} in the interest graph (JetStream and captures included) · {formatCount(data.stats.cacheEntries)} cached subjects · hit rate {(data.stats.cacheHitRate * 100).toFixed(1)}%
        </p>
      )}
      {data === null ? (
        <Loading />
      ) : data.subscriptions.length === 0 ? (
        <Empty>No client subscriptions.</Empty>
      ) : (
        <Table testid="subscriptions-table">
          <thead>
            <tr>
              <th>Subject</th>
              <th>Queue</th>
              <th class="num">SID</th>
              <th class="num">CID</th>
              <th class="num">Msgs</th>
              <th class="num">Max</th>
            </tr>
          </thead>
          <tbody>
            {data.subscriptions.map((s) => (
              <tr key={`${s.cid}-${s.sid}`}>
                <td>
                  <code>{s.subject}</code>
                </td>
                <td>{s.queue ?? ''}</td>
                <td class="num">{s.sid}</td>
                <td class="num">{s.cid}</td>
                <td class="num">{formatCount(s.msgs)}</td>
                <td class="num">{s.max ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </Card>
  );
}

function SlowConsumers() {
  const { data, error } = usePoll(() => api.slowConsumers(), 3_000);
  return (
    <Card title="Slow consumers">
      <ErrorBox error={error} />
      {data === null ? (
        <Loading />
      ) : (
        <>
          <p class="summary">
            <strong data-testid="slow-total">{formatCount(data.total)}</strong> client{data.total === 1 ? '' : 's'} cut off as slow consumers since start
          </p>
          <h3>Falling behind now (bytes pending)</h3>
          {data.pending.length === 0 ? <Empty>Nobody has bytes pending.</Empty> : <ConnectionsTable rows={data.pending} />}
          <h3>Recently cut off</h3>
          {data.recent.length === 0 ? <Empty>None.</Empty> : <ConnectionsTable rows={data.recent} closed />}
        </>
      )}
    </Card>
  );
}

export function NatsPage(props: { tab: string }) {
  return (
    <div class="page" data-testid="nats">
      <nav class="tabs">
        <a class={props.tab === 'connections' ? 'on' : ''} href={href('nats', 'connections')}>
          Connections
        </a>
        <a class={props.tab === 'subscriptions' ? 'on' : ''} href={href('nats', 'subscriptions')}>
          Subscriptions
        </a>
        <a class={props.tab === 'slow' ? 'on' : ''} href={href('nats', 'slow')}>
          Slow consumers
        </a>
      </nav>
      {props.tab === 'subscriptions' ? <Subscriptions /> : props.tab === 'slow' ? <SlowConsumers /> : <Connections />}
    </div>
  );
}
