// Topics: every topic with partitions, records, size, retention and the NATS subjects it
// captures; create one (name, partitions, configs) when the user may. Internal topics are hidden
// unless asked for; topics the user may not describe are not listed by the API.
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { usePoll } from '../components/hooks.js';
import { useSession } from '../components/session.js';
import { Card, Empty, ErrorBox, Loading, Table } from '../components/ui.js';
import { formatBytes, formatCount, formatRetention } from '../lib/format.js';
import { href } from '../lib/route.js';

function parseConfigs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    const i = t.indexOf('=');
    if (i <= 0) throw new Error(`"${t}" is not name=value`);
    out[t.slice(0, i).trim()] = t.slice(i + 1).trim();
  }
  return out;
}

function CreateTopic(props: { onCreated: (name: string) => void }) {
  const [name, setName] = useState('');
  const [partitions, setPartitions] = useState('1');
  const [configs, setConfigs] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      await api.createTopic({ name: name.trim(), partitions: Number(partitions), configs: parseConfigs(configs) });
      setError(null);
      setName('');
      props.onCreated(name.trim());
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="form" onSubmit={submit} data-testid="create-topic">
      <label>
        Name
        <input value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder="orders" required name="topic-name" />
      </label>
      <label>
        Partitions
        <input type="number" min="1" value={partitions} onInput={(e) => setPartitions(e.currentTarget.value)} name="topic-partitions" />
      </label>
      <label class="wide">
        Configs (one name=value a line)
        <textarea rows={2} value={configs} onInput={(e) => setConfigs(e.currentTarget.value)} placeholder={'retention.ms=86400000\ncleanup.policy=compact'} name="topic-configs" />
      </label>
      <button type="submit" disabled={busy}>
        Create topic
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

export function TopicsPage() {
  const [internal, setInternal] = useState(false);
  const [filter, setFilter] = useState('');
  const [showCreate, setShowCreate] = useState(false);
  const { data, error, reload } = usePoll(() => api.topics(), 5_000);
  // CREATE on the cluster; a user allowed to create only some names (ACLs on topic names) uses the API.
  const mayCreate = useSession()?.rights?.createTopics === true;
  const rows = (data ?? []).filter((t) => (internal || !t.internal) && t.name.toLowerCase().includes(filter.toLowerCase()));
  return (
    <div class="page" data-testid="topics">
      <Card
        title="Topics"
        actions={
          <>
            <input class="filter" placeholder="Filter" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
            <label class="check">
              <input type="checkbox" checked={internal} onChange={(e) => setInternal(e.currentTarget.checked)} /> internal
            </label>
            {mayCreate && <button onClick={() => setShowCreate(!showCreate)}>{showCreate ? 'Close' : 'New topic'}</button>}
          </>
        }
      >
        {showCreate && mayCreate && (
          <CreateTopic
            onCreated={(n) => {
              setShowCreate(false);
              reload();
              location.hash = href('topics', n);
            }}
          />
        )}
        <ErrorBox error={error} />
        {data === null ? (
          <Loading />
        ) : rows.length === 0 ? (
          <Empty>No topics yet. Produce to one with any Kafka client, or create one here.</Empty>
        ) : (
          <Table testid="topics-table">
            <thead>
              <tr>
                <th>Name</th>
                <th class="num">Partitions</th>
                <th class="num">Records</th>
                <th class="num">Size</th>
                <th>Retention</th>
                <th>NATS</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((t) => (
                <tr key={t.name} data-topic={t.name}>
                  <td>
                    <a href={href('topics', t.name)}>{t.name}</a>
                    {t.internal && <span class="badge muted">internal</span>}
                    {t.cleanupPolicy.includes('compact') && <span class="badge">compacted</span>}
                  </td>
                  <td class="num">{t.partitions}</td>
                  <td class="num">{formatCount(t.messages)}</td>
                  <td class="num">{formatBytes(t.sizeBytes)}</td>
                  <td>{formatRetention(t.retentionMs, t.retentionBytes)}</td>
                  <td>
                    {t.stream !== null && (
                      <a class="badge info" href={href('jetstream')}>
                        stream {t.stream}
                      </a>
                    )}
                    {t.natsSubjects.length > 0 && <code>{t.natsSubjects.join(', ')}</code>}
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </Card>
    </div>
  );
}
