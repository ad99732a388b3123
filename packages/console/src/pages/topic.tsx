// One topic: its partitions (start and end offsets, size), its configs (edit, or return one to
// its default), the message browser (a partition read from the beginning, the end, an offset or
// a time, or followed live; key, value and headers as JSON, text or hex) and a producer. Actions
// the user may not take (its `access` on the topic) are not offered.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiFailure, type BrowseFrom, type BrowsedRecord, type TopicDetail } from '../api.js';
import { usePoll } from '../components/hooks.js';
import { NotAllowed } from '../components/session.js';
import { Card, confirmAction, Empty, ErrorBox, Loading, Table } from '../components/ui.js';
import { formatBytes, formatCount, formatRetention, formatTimestamp } from '../lib/format.js';
import { href } from '../lib/route.js';
import { bestView, base64ToBytes, preview, render, type ValueView } from '../lib/value.js';

const TABS: Array<[string, string]> = [
  ['messages', 'Messages'],
  ['produce', 'Produce'],
  ['partitions', 'Partitions'],
  ['configs', 'Configs'],
];
const MAX_ROWS = 500;

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function ValueBlock(props: { label: string; b64: string | null; testid?: string }) {
  const initial: ValueView = props.b64 === null ? 'text' : bestView(base64ToBytes(props.b64));
  const [view, setView] = useState<ValueView>(initial);
  return (
    <div class="value-block">
      <div class="value-head">
        <strong>{props.label}</strong>
        {props.b64 !== null && (
          <span class="seg">
            {(['json', 'text', 'hex'] as const).map((v) => (
              <button key={v} class={view === v ? 'on' : ''} onClick={() => setView(v)} type="button">
                {v}
              </button>
            ))}
          </span>
        )}
        {props.b64 !== null && <span class="muted">{base64ToBytes(props.b64).length} bytes</span>}
      </div>
      <pre data-testid={props.testid}>{render(props.b64, view)}</pre>
    </div>
  );
}

function RecordRow(props: { r: BrowsedRecord; showPartition: boolean }) {
  const [open, setOpen] = useState(false);
  const r = props.r;
  return (
    <>
      <tr class="clickable" onClick={() => setOpen(!open)} data-offset={r.offset}>
        {props.showPartition && <td class="num">{r.partition}</td>}
        <td class="num">{r.offset}</td>
        <td class="nowrap">{formatTimestamp(r.timestamp)}</td>
        <td>{r.subject !== null ? <code>{r.subject}</code> : <span class="cell-key">{preview(r.key, 30)}</span>}</td>
        <td class="cell-value">{preview(r.value)}</td>
        <td class="num">{r.headers.length > 0 ? r.headers.length : ''}</td>
      </tr>
      {open && (
        <tr class="detail">
          <td colSpan={props.showPartition ? 6 : 5}>
            <div class="record-detail" data-testid="record-detail">
              {r.subject !== null && (
                <p>
                  NATS subject <code>{r.subject}</code>
                </p>
              )}
              <ValueBlock label="Key" b64={r.key} />
              <ValueBlock label="Value" b64={r.value} testid="record-value" />
              {r.headers.length > 0 && (
                <Table>
                  <thead>
                    <tr>
                      <th>Header</th>
                      <th>Value</th>
                    </tr>
                  </thead>
                  <tbody>
                    {r.headers.map((h, i) => (
                      <tr key={i}>
                        <td>
                          <code>{h.key}</code>
                        </td>
                        <td>{preview(h.value, 200)}</td>
                      </tr>
                    ))}
                  </tbody>
                </Table>
              )}
              <p class="muted">
                timestamp {r.timestamp} ({formatTimestamp(r.timestamp)}){r.transactional ? ', transactional' : ''}
              </p>
            </div>
          </td>
        </tr>
      )}
    </>
  );
}

function Browser(props: { topic: TopicDetail }) {
  const t = props.topic;
  const [partition, setPartition] = useState(0);
  const [from, setFrom] = useState<BrowseFrom>('beginning');
  const [offset, setOffset] = useState('0');
  const [time, setTime] = useState('');
  const [limit, setLimit] = useState('50');
  const [records, setRecords] = useState<BrowsedRecord[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState(false);
  const next = useRef(0);

  const load = async () => {
    setError(null);
    try {
      const q = { from, limit: Number(limit), ...(from === 'offset' ? { offset: Number(offset) } : {}), ...(from === 'timestamp' ? { timestamp: time === '' ? 0 : new Date(time).getTime() } : {}) };
      const res = await api.browse(t.name, partition, q);
      setRecords(res.records);
      next.current = res.nextOffset;
    } catch (e) {
      setError(errorText(e));
    }
  };

  useEffect(() => {
    void load();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [t.name, partition]);

  // Live tail: long-poll from the next offset and append what arrives.
  useEffect(() => {
    if (!live) return;
    const abort = new AbortController();
    const run = async () => {
      if (records === null) {
        const res = await api.browse(t.name, partition, { from: 'end', limit: 20 });
        setRecords(res.records);
        next.current = res.nextOffset;
      }
      while (!abort.signal.aborted) {
        try {
          const res = await api.browse(t.name, partition, { from: 'offset', offset: next.current, limit: 100, wait: 10_000 }, abort.signal);
          next.current = res.nextOffset;
          if (res.records.length > 0) setRecords((old) => [...(old ?? []), ...res.records].slice(-MAX_ROWS));
        } catch (e) {
          if (abort.signal.aborted) return;
          setError(errorText(e));
          await new Promise((r) => setTimeout(r, 2_000));
        }
      }
    };
    void run();
    return () => abort.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [live, t.name, partition]);

  return (
    <Card title="Messages" testid="browser">
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setLive(false);
          void load();
        }}
      >
        <label>
          Partition
          <select value={partition} onChange={(e) => setPartition(Number(e.currentTarget.value))} name="partition">
            {t.partitionDetails.map((p) => (
              <option key={p.partition} value={p.partition}>
                {p.partition} ({formatCount(p.logEndOffset - p.logStartOffset)})
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <select value={from} onChange={(e) => setFrom(e.currentTarget.value as BrowseFrom)} name="from">
            <option value="beginning">beginning</option>
            <option value="end">end (latest)</option>
            <option value="offset">offset</option>
            <option value="timestamp">time</option>
          </select>
        </label>
        {from === 'offset' && (
          <label>
            Offset
            <input type="number" min="0" value={offset} onInput={(e) => setOffset(e.currentTarget.value)} name="offset" />
          </label>
        )}
        {from === 'timestamp' && (
          <label>
            Time
            <input type="datetime-local" step="1" value={time} onInput={(e) => setTime(e.currentTarget.value)} name="time" />
          </label>
        )}
        <label>
          Limit
          <input type="number" min="1" max="500" value={limit} onInput={(e) => setLimit(e.currentTarget.value)} name="limit" />
        </label>
        <button type="submit">Read</button>
        <label class="check">
          <input type="checkbox" checked={live} onChange={(e) => setLive(e.currentTarget.checked)} name="live" /> Live tail
        </label>
      </form>
      <ErrorBox error={error} />
      {records === null ? (
        <Loading />
      ) : records.length === 0 ? (
        <Empty>No records here{live ? ' yet: waiting for new ones' : ''}.</Empty>
      ) : (
        <Table testid="records">
          <thead>
            <tr>
              <th class="num">Offset</th>
              <th>Timestamp</th>
              <th>Key / subject</th>
              <th>Value</th>
              <th class="num">Headers</th>
            </tr>
          </thead>
          <tbody>
            {records.map((r) => (
              <RecordRow key={`${r.partition}-${r.offset}`} r={r} showPartition={false} />
            ))}
          </tbody>
        </Table>
      )}
    </Card>
  );
}

function Producer(props: { topic: TopicDetail; onProduced: () => void }) {
  const t = props.topic;
  const [partition, setPartition] = useState('');
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [headers, setHeaders] = useState('');
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      const hs = headers
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '')
        .map((l) => {
          const i = l.indexOf(':');
          return i < 0 ? { key: l, value: null } : { key: l.slice(0, i).trim(), value: l.slice(i + 1).trim() };
        });
      const r = await api.produce(t.name, { ...(partition !== '' ? { partition: Number(partition) } : {}), key: key === '' ? null : key, value, headers: hs, encoding: 'text' });
      setResult(`written to partition ${r.partition} at offset ${r.offset}`);
      setError(null);
      props.onProduced();
    } catch (err) {
      setError(errorText(err));
      setResult(null);
    }
  };
  return (
    <Card title="Produce a message" testid="producer">
      <form class="form" onSubmit={submit}>
        <label>
          Partition
          <select value={partition} onChange={(e) => setPartition(e.currentTarget.value)} name="produce-partition">
            <option value="">by key</option>
            {t.partitionDetails.map((p) => (
              <option key={p.partition} value={String(p.partition)}>
                {p.partition}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t.natsSubjects.length > 0 ? 'Key (the NATS subject)' : 'Key'}
          <input value={key} onInput={(e) => setKey(e.currentTarget.value)} placeholder={t.natsSubjects[0] ?? 'optional'} name="produce-key" />
        </label>
        <label class="wide">
          Value
          <textarea rows={4} value={value} onInput={(e) => setValue(e.currentTarget.value)} placeholder='{"id": 1}' name="produce-value" />
        </label>
        <label class="wide">
          Headers (one name: value a line)
          <textarea rows={2} value={headers} onInput={(e) => setHeaders(e.currentTarget.value)} name="produce-headers" />
        </label>
        <button type="submit">Produce</button>
      </form>
      {result !== null && (
        <p class="ok" data-testid="produce-result">
          {result}
        </p>
      )}
      <ErrorBox error={error} />
    </Card>
  );
}

function Partitions(props: { topic: TopicDetail; onChange: () => void }) {
  const t = props.topic;
  const [total, setTotal] = useState(String(t.partitions + 1));
  const [error, setError] = useState<string | null>(null);
  return (
    <Card title="Partitions" testid="partitions">
      <Table testid="partitions-table">
        <thead>
          <tr>
            <th class="num">Partition</th>
            <th class="num">Start offset</th>
            <th class="num">End offset</th>
            <th class="num">Last stable</th>
            <th class="num">Records</th>
            <th class="num">Size</th>
            <th>State</th>
          </tr>
        </thead>
        <tbody>
          {t.partitionDetails.map((p) => (
            <tr key={p.partition}>
              <td class="num">{p.partition}</td>
              <td class="num">{p.logStartOffset}</td>
              <td class="num">{p.logEndOffset}</td>
              <td class="num">{p.lastStableOffset}</td>
              <td class="num">{formatCount(p.logEndOffset - p.logStartOffset)}</td>
              <td class="num">{formatBytes(p.sizeBytes)}</td>
              <td>
                {p.online ? 'online' : <span class="badge bad">{p.error ?? 'offline'}</span>}
                {p.lostRanges.length > 0 ? (
                  <span class="badge info" title="offsets storage recovery cut out as damaged (docs/storage.md, Recovery)">
                    lost to damage: {p.lostRanges.map((r) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`)).join(', ')}
                  </span>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </Table>
      {t.access.alter && (
        <form
          class="toolbar"
          onSubmit={async (e) => {
            e.preventDefault();
            try {
              await api.addPartitions(t.name, Number(total));
              setError(null);
              props.onChange();
            } catch (err) {
              setError(errorText(err));
            }
          }}
        >
          <label>
            New total
            <input type="number" min={t.partitions + 1} value={total} onInput={(e) => setTotal(e.currentTarget.value)} />
          </label>
          <button type="submit">Add partitions</button>
        </form>
      )}
      <ErrorBox error={error} />
    </Card>
  );
}

function Configs(props: { topic: TopicDetail; onChange: () => void }) {
  const t = props.topic;
  const [editing, setEditing] = useState<string | null>(null);
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | null>(null);
  const save = async (name: string, value: string | null) => {
    try {
      await api.alterConfigs(t.name, { changes: { [name]: value } });
      setEditing(null);
      setError(null);
      props.onChange();
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <Card title="Configs" testid="configs">
      <ErrorBox error={error} />
      {!t.access.describeConfigs && <NotAllowed what={`see the configs of topic ${t.name}`} />}
      <Table testid="configs-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Value</th>
            <th>Source</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {t.configs.map((c) => (
            <tr key={c.name} data-config={c.name}>
              <td>
                <code>{c.name}</code>
              </td>
              <td>
                {editing === c.name ? (
                  <form
                    class="inline"
                    onSubmit={(e) => {
                      e.preventDefault();
                      void save(c.name, draft);
                    }}
                  >
                    <input value={draft} onInput={(e) => setDraft(e.currentTarget.value)} name="config-value" />
                    <button type="submit">Save</button>
                    <button type="button" onClick={() => setEditing(null)}>
                      Cancel
                    </button>
                  </form>
                ) : (
                  <span class={c.isDefault ? 'muted' : ''}>{c.value}</span>
                )}
              </td>
              <td data-testid="config-source">{c.isDefault ? <span class="muted">default</span> : <span class="badge info">set on the topic</span>}</td>
              <td class="nowrap">
                {editing !== c.name && t.access.alterConfigs && (
                  <button
                    class="small"
                    onClick={() => {
                      setEditing(c.name);
                      setDraft(c.value);
                    }}
                  >
                    Edit
                  </button>
                )}
                {!c.isDefault && editing !== c.name && t.access.alterConfigs && (
                  <button class="small" onClick={() => void save(c.name, null)}>
                    Default
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </Table>
    </Card>
  );
}

export function TopicPage(props: { name: string; tab: string }) {
  const { data: t, error, reload } = usePoll(() => api.topic(props.name), 5_000, [props.name]);
  const [actionError, setActionError] = useState<string | null>(null);
  if (t === null) return error !== null ? <ErrorBox error={error} /> : <Loading />;
  const del = async () => {
    if (!confirmAction(`Delete topic ${t.name} and all its records?`)) return;
    try {
      await api.deleteTopic(t.name);
      location.hash = href('topics');
    } catch (e) {
      setActionError(e instanceof ApiFailure ? e.message : errorText(e));
    }
  };
  return (
    <div class="page" data-testid="topic">
      <div class="title-row">
        <h1>
          <a href={href('topics')}>Topics</a> / {t.name}
        </h1>
        {!t.internal && t.access.delete && (
          <button class="danger" onClick={() => void del()}>
            Delete topic
          </button>
        )}
      </div>
      <ErrorBox error={actionError ?? error} />
      <p class="summary">
        {t.partitions} partition{t.partitions === 1 ? '' : 's'} · {formatCount(t.messages)} records · {formatBytes(t.sizeBytes)} · retention {formatRetention(t.retentionMs, t.retentionBytes)} · {t.cleanupPolicy}
        {t.natsSubjects.length > 0 && (
          <>
            {' '}
            · captures NATS <code>{t.natsSubjects.join(', ')}</code>
          </>
        )}
        {t.stream !== null && <> · JetStream stream {t.stream}</>}
      </p>
      <nav class="tabs">
        {TABS.filter(([id]) => id !== 'produce' || t.access.write).map(([id, label]) => (
          <a key={id} class={props.tab === id ? 'on' : ''} href={href('topics', t.name, id)}>
            {label}
          </a>
        ))}
      </nav>
      {props.tab === 'messages' && (t.access.read ? <Browser topic={t} /> : <NotAllowed what={`read topic ${t.name}`} />)}
      {props.tab === 'produce' && (t.access.write ? <Producer topic={t} onProduced={reload} /> : <NotAllowed what={`produce to topic ${t.name}`} />)}
      {props.tab === 'partitions' && <Partitions topic={t} onChange={reload} />}
      {props.tab === 'configs' && <Configs topic={t} onChange={reload} />}
    </div>
  );
}
