// /metrics through the wire: the exposition parses with a Prometheus text-format parser, names
// follow Prometheus's conventions, and the values follow real traffic from real clients: NATS
// publishes and deliveries, Kafka produce and fetch per partition, request latencies per Kafka
// API, fsyncs and group commits, consumer-group lag in records and seconds.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { Kafka, logLevel } from 'kafkajs';
import { connect } from 'nats';
import type { Broker } from '../../src/index.js';
import { startTestBroker } from '../support/broker.js';
import { waitFor } from '../support/wait.js';
import { parseExposition, type Family } from '../support/prom-text.js';

/** Scrapes /metrics; the text must parse with parse-prometheus-text-format and with the strict reader. */
async function scrape(broker: Broker): Promise<Map<string, Family>> {
  const res = await fetch(`http://127.0.0.1:${broker.ports.http}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  const families = parsePrometheusTextFormat(text);
  const strict = parseExposition(text);
  assert.deepEqual(families.map((f) => f.name).sort(), [...strict.keys()].sort(), 'both parsers see the same families');
  return strict;
}

/** The value of the family's sample `name` (default: the family's own) whose labels include `labels`. */
function value(m: Map<string, Family>, family: string, labels: Record<string, string> = {}, series = family): number {
  const f = m.get(family);
  assert.ok(f, `${family} is exported`);
  const sample = f.samples.find((s) => s.name === series && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  assert.ok(sample, `${series}${JSON.stringify(labels)} has a sample`);
  return sample.value;
}

const count = (m: Map<string, Family>, family: string, labels: Record<string, string> = {}): number => value(m, family, labels, `${family}_count`);

describe('/metrics', () => {
  let broker: Broker;
  let kafka: Kafka;

  before(async () => {
    broker = await startTestBroker({ kafkaPort: 0, httpPort: 0, groupInitialRebalanceDelay: 0 });
    kafka = new Kafka({ brokers: [`127.0.0.1:${broker.ports.kafka}`], logLevel: logLevel.NOTHING });
  });
  after(() => broker.close());

  it('parses, and every family follows the naming conventions', async () => {
    const m = await scrape(broker);
    for (const f of m.values()) {
      assert.match(f.name, /^[a-z_][a-z0-9_]*$/, f.name);
      assert.ok(f.help.length > 0, `${f.name} has help`);
      if (f.type === 'counter') assert.match(f.name, /_total$/, `${f.name}: counters end in _total`);
      if (f.name.startsWith('wharf_') && /seconds|bytes/.test(f.name)) assert.match(f.name, /_(seconds|bytes)(_total|_bucket|_sum|_count)?$/, `${f.name}: units as suffixes`);
    }
    for (const name of ['process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes', 'wharf_info']) assert.ok(m.has(name), name);
  });

  it('NATS messages and bytes follow publishes and deliveries', async () => {
    const before = await scrape(broker);
    const inBefore = value(before, 'wharf_messages_received_total', { protocol: 'nats' });
    const outBefore = value(before, 'wharf_messages_sent_total', { protocol: 'nats' });
    const bytesBefore = value(before, 'wharf_received_bytes_total', { protocol: 'nats' });
    const nc = await connect({ servers: `127.0.0.1:${broker.ports.nats}` });
    let delivered = 0;
    nc.subscribe('metrics.>', { callback: () => delivered++ });
    for (let i = 0; i < 25; i++) nc.publish(`metrics.${i}`, new Uint8Array(10));
    await nc.flush();
    await waitFor(() => delivered === 25, { what: '25 deliveries' });
    const after = await scrape(broker);
    assert.equal(value(after, 'wharf_messages_received_total', { protocol: 'nats' }) - inBefore, 25);
    assert.equal(value(after, 'wharf_messages_sent_total', { protocol: 'nats' }) - outBefore, 25);
    assert.equal(value(after, 'wharf_received_bytes_total', { protocol: 'nats' }) - bytesBefore, 250);
    assert.equal(value(after, 'wharf_connections', { protocol: 'nats' }), 1);
    await nc.close();
  });

  it('Kafka produce and fetch move the per-partition counters, request latencies and fsyncs', async () => {
    const before = await scrape(broker);
    const fsyncsBefore = count(before, 'wharf_storage_fsync_duration_seconds');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'metered', numPartitions: 2 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < 4; i++) await producer.send({ topic: 'metered', messages: Array.from({ length: 10 }, (_, j) => ({ value: `v${i}-${j}`, partition: 1 })) });
    await producer.disconnect();

    const mid = await scrape(broker);
    assert.equal(value(mid, 'wharf_partition_log_end_offset', { topic: 'metered', partition: '1' }), 40);
    assert.equal(value(mid, 'wharf_partition_log_end_offset', { topic: 'metered', partition: '0' }), 0);
    assert.ok(value(mid, 'wharf_partition_appended_bytes_total', { topic: 'metered', partition: '1' }) > 40 * 4);
    assert.ok(value(mid, 'wharf_partition_size_bytes', { topic: 'metered', partition: '1' }) > 0);
    assert.equal(count(mid, 'wharf_kafka_request_duration_seconds', { api: 'Produce' }), 4, 'four Produce requests observed');
    assert.equal(value(mid, 'wharf_kafka_request_duration_seconds', { api: 'Produce', le: '+Inf' }, 'wharf_kafka_request_duration_seconds_bucket'), 4);
    assert.ok(count(mid, 'wharf_storage_fsync_duration_seconds') >= fsyncsBefore + 4, 'fsync=always: one fsync per group commit at least');
    assert.ok(count(mid, 'wharf_storage_group_commit_appends') >= 4);
    assert.ok(value(mid, 'wharf_received_bytes_total', { protocol: 'kafka' }) > 0);

    // A consumer group reads 15 of the 40 records and commits: lag 25, and an age in seconds.
    const consumer = kafka.consumer({ groupId: 'metered-group' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'metered', fromBeginning: true });
    let read = 0;
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        read++;
        if (Number(message.offset) === 14) await consumer.commitOffsets([{ topic, partition, offset: '15' }]);
      },
    });
    await waitFor(() => read >= 40, { what: 'the consumer read the topic', timeoutMs: 30_000 });
    await consumer.disconnect();
    const after = await scrape(broker);
    assert.ok(value(after, 'wharf_partition_read_records_total', { topic: 'metered', partition: '1' }) >= 40, 'Fetch read the partition');
    assert.ok(value(after, 'wharf_partition_read_bytes_total', { topic: 'metered', partition: '1' }) > 0);
    const labels = { group: 'metered-group', topic: 'metered', partition: '1' };
    assert.equal(value(after, 'wharf_consumer_group_committed_offset', labels), 15);
    assert.equal(value(after, 'wharf_consumer_group_lag', labels), 25);
    assert.ok(value(after, 'wharf_consumer_group_lag_seconds', labels) >= 0);
    assert.ok(count(after, 'wharf_kafka_request_duration_seconds', { api: 'Fetch' }) > 0, 'Fetch latencies');
  });

  it('lag in seconds is the age of the oldest unconsumed record', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'aged', numPartitions: 1 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    const old = Date.now() - 120_000;
    await producer.send({ topic: 'aged', messages: [{ value: 'a', timestamp: String(old - 1000) }, { value: 'b', timestamp: String(old) }, { value: 'c' }] });
    await producer.disconnect();
    // Committed as an admin tool commits (the console's reset of an empty group).
    const reset = await fetch(`http://127.0.0.1:${broker.ports.http}/console/api/groups/aged-group/reset`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to: 'offset', topic: 'aged', offset: 1 }) });
    assert.equal(reset.status, 200, await reset.text());
    const m = await scrape(broker);
    const labels = { group: 'aged-group', topic: 'aged', partition: '0' };
    assert.equal(value(m, 'wharf_consumer_group_lag', labels), 2);
    const age = value(m, 'wharf_consumer_group_lag_seconds', labels);
    assert.ok(age >= 120 && age < 180, `age of record 1 (written 120 s ago): ${age}`);
  });

  it('escapes label values: a group id with a quote, a backslash and a line feed reads back whole', async () => {
    const groupId = 'odd "group" \\ with\nline';
    const reset = await fetch(`http://127.0.0.1:${broker.ports.http}/console/api/groups/${encodeURIComponent(groupId)}/reset`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to: 'offset', topic: 'aged', offset: 2 }) });
    assert.equal(reset.status, 200, await reset.text());
    const m = await scrape(broker);
    assert.equal(value(m, 'wharf_consumer_group_lag', { group: groupId, topic: 'aged', partition: '0' }), 1);
    assert.equal(value(m, 'wharf_consumer_group_members', { group: groupId }), 0);
  });
});
