// The overview: what the broker is and does right now. Identity and uptime, where to connect,
// connections per protocol, live message and byte rates (sampled from the broker's counters
// every two seconds into a chart), storage used, health, and links to the other pages.
import { useMemo, useRef, useState } from 'preact/hooks';
import { api, type Overview } from '../api.js';
import { LiveChart } from '../components/chart.js';
import { usePoll } from '../components/hooks.js';
import { Badge, Card, ErrorBox, Loading, Stat, Table } from '../components/ui.js';
import { formatBytes, formatCount, formatDuration, formatRate } from '../lib/format.js';
import { RateSeries } from '../lib/rates.js';
import { href } from '../lib/route.js';

const SAMPLE_MS = 2_000;

/** The counters the chart and the rate tiles follow, in this order. */
function counters(o: Overview): number[] {
  const t = o.totals;
  return [t.natsMsgsIn + t.logRecordsIn, t.natsMsgsOut + t.logRecordsOut, t.natsBytesIn + t.kafkaBytesIn, t.natsBytesOut + t.kafkaBytesOut];
}

export function OverviewPage() {
  const series = useRef(new RateSeries(150));
  const [rates, setRates] = useState<number[] | null>(null);
  const [columns, setColumns] = useState<number[][]>([[], [], []]);
  const { data: o, error } = usePoll(async () => {
    const v = await api.overview();
    const r = series.current.push(v.now, counters(v));
    if (r !== null) {
      setRates(r);
      setColumns(series.current.columns(2));
    }
    return v;
  }, SAMPLE_MS);
  const bytesColumns = useMemo(() => [columns[0] ?? [], ...series.current.columns(4).slice(3)], [columns]);

  if (o === null) return error !== null ? <ErrorBox error={error} /> : <Loading />;
  return (
    <div class="page" data-testid="overview">
      <ErrorBox error={error} />
      <div class="stats">
        <Stat label="Version" value={`wharf ${o.version}`} sub={`up ${formatDuration(o.uptimeMs)}`} testid="version" />
        <Stat label="Health" value={<Badge value={o.health.status} />} sub={o.health.offlinePartitions.length > 0 ? `offline: ${o.health.offlinePartitions.join(', ')}` : 'all partitions online'} testid="health" />
        <Stat label="NATS connections" value={formatCount(o.connections.nats)} sub={`${formatCount(o.counts.subscriptions)} subscriptions`} testid="nats-connections" href={href('nats')} />
        <Stat label="Kafka connections" value={formatCount(o.connections.kafka)} sub={`${formatCount(o.totals.kafkaRequests)} requests`} testid="kafka-connections" />
        <Stat label="Messages in /s" value={rates === null ? '…' : formatRate(rates[0]!)} sub="NATS publishes + records appended" testid="rate-in" />
        <Stat label="Messages out /s" value={rates === null ? '…' : formatRate(rates[1]!)} sub="NATS deliveries + records read" testid="rate-out" />
        <Stat label="Bytes in /s" value={rates === null ? '…' : formatBytes(rates[2]!)} sub="both protocols, on the wire" />
        <Stat label="Bytes out /s" value={rates === null ? '…' : formatBytes(rates[3]!)} sub="both protocols, on the wire" />
      </div>
      <Card title="Messages per second" testid="rates-card">
        <LiveChart
          testid="rates-chart"
          series={[
            { label: 'in', color: '#2563eb', format: formatRate },
            { label: 'out', color: '#16a34a', format: formatRate },
          ]}
          data={columns}
        />
      </Card>
      <Card title="Bytes per second">
        <LiveChart
          series={[
            { label: 'in', color: '#7c3aed', format: (v) => formatBytes(v) },
            { label: 'out', color: '#ea580c', format: (v) => formatBytes(v) },
          ]}
          data={bytesColumns}
          height={160}
        />
      </Card>
      <div class="grid2">
        <Card title="Connect">
          <Table testid="listeners">
            <thead>
              <tr>
                <th>Protocol</th>
                <th>Address</th>
                <th>Bound to</th>
              </tr>
            </thead>
            <tbody>
              {o.listeners.map((l) => (
                <tr key={`${l.protocol}-${l.port}`}>
                  <td>
                    {l.protocol === 'http' ? 'Monitoring' : l.protocol === 'nats' ? 'NATS' : 'Kafka'}
                    {l.security !== null && l.security !== 'PLAINTEXT' && <span class="muted"> {l.security}</span>}
                  </td>
                  <td>
                    <code>{l.url}</code>
                  </td>
                  <td>
                    {l.host}:{l.port}
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
          <p class="hint">
            Server <code>{o.serverName}</code>, cluster id <code>{o.clusterId}</code>
          </p>
        </Card>
        <Card title="Storage">
          <div class="stats compact">
            <Stat label="Used" value={formatBytes(o.storage.usedBytes)} testid="storage-used" />
            <Stat label="Topics" value={formatCount(o.counts.topics)} sub={`${formatCount(o.storage.partitions)} partitions`} href={href('topics')} testid="topic-count" />
            <Stat label="Consumer groups" value={formatCount(o.counts.groups)} href={href('groups')} testid="group-count" />
            <Stat label="Streams" value={formatCount(o.counts.streams)} href={href('jetstream')} />
            <Stat label="Open transactions" value={formatCount(o.counts.openTransactions)} href={href('transactions')} />
            <Stat label="Slow consumers" value={formatCount(o.counts.slowConsumers)} href={href('nats', 'slow')} />
          </div>
          <p class="hint">
            Engine <code>{o.storage.engine}</code> at <code>{o.storage.location}</code>, fsync <code>{o.storage.fsync}</code>; process {formatBytes(o.process.rssBytes)} RSS, {o.process.cpuPercent}% CPU
          </p>
        </Card>
      </div>
    </div>
  );
}
