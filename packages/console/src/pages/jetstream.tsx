// JetStream: streams (a stream is a topic: its messages can be browsed on the topic's page),
// consumers with pending and ack-pending counts, KV buckets and a bucket's keys.
import { api } from '../api.js';
import { usePoll } from '../components/hooks.js';
import { Card, Empty, ErrorBox, Loading, Table } from '../components/ui.js';
import { formatBytes, formatCount, formatTimestamp } from '../lib/format.js';
import { href } from '../lib/route.js';
import { preview } from '../lib/value.js';

function Bucket(props: { bucket: string }) {
  const { data, error } = usePoll(() => api.kvKeys(props.bucket), 5_000, [props.bucket]);
  return (
    <Card title={`KV bucket ${props.bucket}`} actions={<a href={href('jetstream')}>close</a>} testid="kv-keys">
      <ErrorBox error={error} />
      {data === null ? (
        <Loading />
      ) : data.keys.length === 0 ? (
        <Empty>No keys.</Empty>
      ) : (
        <Table>
          <thead>
            <tr>
              <th>Key</th>
              <th class="num">Revision</th>
              <th>Value</th>
              <th>Updated</th>
            </tr>
          </thead>
          <tbody>
            {data.keys.map((k) => (
              <tr key={k.key}>
                <td>
                  <code>{k.key}</code>
                </td>
                <td class="num">{k.revision}</td>
                <td>{k.operation === 'PUT' ? preview(k.value) : <span class="badge muted">{k.operation}</span>}</td>
                <td>{formatTimestamp(k.timestamp)}</td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
      {data?.truncated === true && <p class="hint">The bucket holds more records than one listing reads.</p>}
    </Card>
  );
}

export function JetStreamPage(props: { bucket: string | null }) {
  const { data, error } = usePoll(() => api.jetstream(), 3_000);
  if (data === null) return error !== null ? <ErrorBox error={error} /> : <Loading />;
  if (!data.enabled) return <Empty>JetStream is switched off (--jetstream false).</Empty>;
  return (
    <div class="page" data-testid="jetstream">
      <ErrorBox error={error} />
      {props.bucket !== null && <Bucket bucket={props.bucket} />}
      <Card title="Streams">
        {data.streams.length === 0 ? (
          <Empty>No streams. Create one with `nats stream add` or any JetStream client.</Empty>
        ) : (
          <Table testid="streams-table">
            <thead>
              <tr>
                <th>Stream</th>
                <th>Subjects</th>
                <th>Storage</th>
                <th>Retention</th>
                <th class="num">Messages</th>
                <th class="num">Bytes</th>
                <th class="num">First seq</th>
                <th class="num">Last seq</th>
                <th class="num">Consumers</th>
              </tr>
            </thead>
            <tbody>
              {data.streams.map((s) => (
                <tr key={s.name} data-stream={s.name}>
                  <td>
                    <a href={href('topics', s.topic)}>{s.name}</a>
                  </td>
                  <td>
                    <code>{s.subjects.join(', ')}</code>
                  </td>
                  <td>{s.storage}</td>
                  <td>{s.retention}</td>
                  <td class="num">{formatCount(s.messages)}</td>
                  <td class="num">{formatBytes(s.bytes)}</td>
                  <td class="num">{s.firstSeq}</td>
                  <td class="num">{s.lastSeq}</td>
                  <td class="num">{s.consumers}</td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </Card>
      <Card title="Consumers">
        {data.consumers.length === 0 ? (
          <Empty>No consumers.</Empty>
        ) : (
          <Table testid="consumers-table">
            <thead>
              <tr>
                <th>Stream</th>
                <th>Consumer</th>
                <th>Filter</th>
                <th>Ack</th>
                <th class="num">Pending</th>
                <th class="num">Ack pending</th>
                <th class="num">Redelivered</th>
                <th class="num">Waiting pulls</th>
                <th class="num">Last delivered</th>
              </tr>
            </thead>
            <tbody>
              {data.consumers.map((c) => (
                <tr key={`${c.stream}/${c.name}`}>
                  <td>{c.stream}</td>
                  <td>
                    {c.name}
                    {c.durable ? '' : ' (ephemeral)'}
                  </td>
                  <td>{c.filter !== '' ? <code>{c.filter}</code> : <span class="muted">all</span>}</td>
                  <td>{c.ackPolicy}</td>
                  <td class="num">{formatCount(c.pending)}</td>
                  <td class="num">{formatCount(c.ackPending)}</td>
                  <td class="num">{formatCount(c.redelivered)}</td>
                  <td class="num">{c.waiting}</td>
                  <td class="num">{c.lastDeliveredSeq}</td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </Card>
      <Card title="KV buckets">
        {data.buckets.length === 0 ? (
          <Empty>No KV buckets.</Empty>
        ) : (
          <Table testid="buckets-table">
            <thead>
              <tr>
                <th>Bucket</th>
                <th class="num">Values</th>
                <th class="num">Bytes</th>
                <th class="num">History</th>
              </tr>
            </thead>
            <tbody>
              {data.buckets.map((b) => (
                <tr key={b.bucket}>
                  <td>
                    <a href={href('jetstream', 'kv', b.bucket)}>{b.bucket}</a>
                  </td>
                  <td class="num">{formatCount(b.values)}</td>
                  <td class="num">{formatBytes(b.bytes)}</td>
                  <td class="num">{b.history}</td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </Card>
    </div>
  );
}
