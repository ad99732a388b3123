// Consumer groups: every group with its type, state, members, total lag and the age of its
// oldest unconsumed record; and one group's page: members and their assignments, committed
// offsets and lag per partition, offset reset for an empty group, delete.
import { useState } from 'preact/hooks';
import { api, type GroupDetail, type ResetTo } from '../api.js';
import { usePoll } from '../components/hooks.js';
import { NotAllowed } from '../components/session.js';
import { Badge, Card, confirmAction, Empty, ErrorBox, Loading, Table } from '../components/ui.js';
import { formatCount, formatDuration } from '../lib/format.js';
import { href } from '../lib/route.js';

export function GroupsPage() {
  const { data, error } = usePoll(() => api.groups(), 3_000);
  return (
    <div class="page" data-testid="groups">
      <Card title="Consumer groups">
        <ErrorBox error={error} />
        {data === null ? (
          <Loading />
        ) : data.length === 0 ? (
          <Empty>No consumer groups. Kafka consumers with a group.id appear here.</Empty>
        ) : (
          <Table testid="groups-table">
            <thead>
              <tr>
                <th>Group</th>
                <th>Type</th>
                <th>State</th>
                <th class="num">Members</th>
                <th class="num">Lag</th>
                <th class="num">Oldest unconsumed</th>
                <th>Topics</th>
              </tr>
            </thead>
            <tbody>
              {data.map((g) => (
                <tr key={g.groupId} data-group={g.groupId}>
                  <td>
                    <a href={href('groups', g.groupId)}>{g.groupId}</a>
                  </td>
                  <td>{g.type}</td>
                  <td>
                    <Badge value={g.state} />
                  </td>
                  <td class="num">{g.members}</td>
                  <td class="num" data-testid="group-lag">
                    {formatCount(g.lag)}
                  </td>
                  <td class="num">{g.lag === 0 ? '–' : formatDuration(g.maxLagMs)}</td>
                  <td>{g.topics.join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </Card>
    </div>
  );
}

function ResetForm(props: { group: GroupDetail; onDone: () => void }) {
  const g = props.group;
  const topics = [...new Set(g.offsets.map((o) => o.topic))];
  const [to, setTo] = useState<ResetTo>('earliest');
  const [topic, setTopic] = useState('');
  const [offset, setOffset] = useState('0');
  const [time, setTime] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const empty = g.members === 0;
  return (
    <Card title="Reset offsets" testid="reset">
      {!empty && <p class="hint">The group has members: stop its consumers first. Offsets can be reset only for an empty group.</p>}
      <form
        class="toolbar"
        onSubmit={async (e) => {
          e.preventDefault();
          if (!confirmAction(`Reset the offsets of ${g.groupId} to ${to}?`)) return;
          try {
            const r = await api.resetOffsets(g.groupId, {
              to,
              ...(topic !== '' ? { topic } : {}),
              ...(to === 'offset' ? { offset: Number(offset) } : {}),
              ...(to === 'timestamp' ? { timestamp: new Date(time).getTime() } : {}),
            });
            const failed = r.offsets.filter((o) => o.error !== null);
            setMessage(failed.length === 0 ? `reset ${r.offsets.length} partition${r.offsets.length === 1 ? '' : 's'}` : `failed: ${failed.map((f) => `${f.topic}-${f.partition} ${f.error}`).join(', ')}`);
            setError(null);
            props.onDone();
          } catch (err) {
            setError(err instanceof Error ? err.message : String(err));
            setMessage(null);
          }
        }}
      >
        <label>
          To
          <select value={to} onChange={(e) => setTo(e.currentTarget.value as ResetTo)} name="reset-to">
            <option value="earliest">earliest</option>
            <option value="latest">latest</option>
            <option value="timestamp">time</option>
            <option value="offset">offset</option>
          </select>
        </label>
        <label>
          Topic
          <select value={topic} onChange={(e) => setTopic(e.currentTarget.value)} name="reset-topic">
            <option value="">all its topics</option>
            {topics.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        {to === 'offset' && (
          <label>
            Offset
            <input type="number" min="0" value={offset} onInput={(e) => setOffset(e.currentTarget.value)} name="reset-offset" />
          </label>
        )}
        {to === 'timestamp' && (
          <label>
            Time
            <input type="datetime-local" step="1" value={time} onInput={(e) => setTime(e.currentTarget.value)} name="reset-time" />
          </label>
        )}
        <button type="submit" disabled={!empty}>
          Reset
        </button>
      </form>
      {message !== null && (
        <p class="ok" data-testid="reset-result">
          {message}
        </p>
      )}
      <ErrorBox error={error} />
    </Card>
  );
}

export function GroupPage(props: { id: string }) {
  const { data: g, error, reload } = usePoll(() => api.group(props.id), 3_000, [props.id]);
  const [actionError, setActionError] = useState<string | null>(null);
  if (g === null) return error !== null ? <ErrorBox error={error} /> : <Loading />;
  return (
    <div class="page" data-testid="group">
      <div class="title-row">
        <h1>
          <a href={href('groups')}>Groups</a> / {g.groupId}
        </h1>
        {g.access.delete && (
          <button
            class="danger"
            disabled={g.members > 0}
            onClick={async () => {
              if (!confirmAction(`Delete group ${g.groupId} and its committed offsets?`)) return;
              try {
                await api.deleteGroup(g.groupId);
                location.hash = href('groups');
              } catch (e) {
                setActionError(e instanceof Error ? e.message : String(e));
              }
            }}
          >
            Delete group
          </button>
        )}
      </div>
      <ErrorBox error={actionError ?? error} />
      <p class="summary">
        <Badge value={g.state} /> {g.type} group{g.protocol !== '' ? `, assignor ${g.protocol}` : ''} · {g.members} member{g.members === 1 ? '' : 's'} · lag <strong data-testid="total-lag">{formatCount(g.lag)}</strong> records
        {g.lag > 0 && <>, oldest unconsumed {formatDuration(g.maxLagMs)} old</>}
      </p>
      <Card title="Lag per partition">
        {g.offsets.length === 0 ? (
          <Empty>No committed offsets and no assigned partitions.</Empty>
        ) : (
          <Table testid="lag-table">
            <thead>
              <tr>
                <th>Topic</th>
                <th class="num">Partition</th>
                <th class="num">Committed</th>
                <th class="num">Log end</th>
                <th class="num">Lag</th>
                <th class="num">Lag (time)</th>
                <th>Member</th>
              </tr>
            </thead>
            <tbody>
              {g.offsets.map((o) => (
                <tr key={`${o.topic}-${o.partition}`} data-partition={`${o.topic}-${o.partition}`}>
                  <td>
                    <a href={href('topics', o.topic)}>{o.topic}</a>
                  </td>
                  <td class="num">{o.partition}</td>
                  <td class="num" data-testid="committed" title={o.committed === null ? 'nothing committed yet: the member started from its auto.offset.reset position' : undefined}>
                    {o.committed ?? '–'}
                  </td>
                  <td class="num">{o.logEndOffset}</td>
                  <td class="num" data-testid="lag">
                    {o.lag === null ? '–' : formatCount(o.lag)}
                  </td>
                  <td class="num">{o.lag === null || o.lag === 0 ? '–' : formatDuration(o.lagMs)}</td>
                  <td class="truncate">{o.owner ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </Card>
      <Card title="Members">
        {g.membersDetail.length === 0 ? (
          <Empty>No members: the group is empty.</Empty>
        ) : (
          <Table testid="members-table">
            <thead>
              <tr>
                <th>Member</th>
                <th>Client</th>
                <th>Host</th>
                <th>Assignment</th>
              </tr>
            </thead>
            <tbody>
              {g.membersDetail.map((m) => (
                <tr key={m.memberId}>
                  <td class="truncate">{m.instanceId ?? m.memberId}</td>
                  <td>{m.clientId}</td>
                  <td>{m.clientHost}</td>
                  <td>{m.assignment.map((a) => `${a.topic} [${a.partitions.join(', ')}]`).join('; ')}</td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </Card>
      {g.access.read ? (
        <ResetForm group={g} onDone={reload} />
      ) : (
        <Card title="Reset offsets">
          <NotAllowed what={`reset the offsets of group ${g.groupId} (READ on the group)`} />
        </Card>
      )}
    </div>
  );
}
