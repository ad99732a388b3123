// The same topologies against Wharf and against Apache Kafka 4.4, with the same input, giving the
// same output: word count (exactly_once_v2), windowed counts with suppress (final results only,
// at_least_once), a stream-table join and a foreign-key join. Outputs are compared as the final
// value per key and, where no repartitioning reorders records, as the whole sequence per key.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaStreams, Serdes, StreamsBuilder, Suppressed, TimeWindows, WindowedSerdes, type ProcessingGuarantee, type Topology } from 'wharf/streams';
import { createTopics, produce, readUntil, startKafkaCluster, startWharfCluster, type ReadRecord, type TestCluster } from './support/cluster.js';
import { silent } from './support/logger.js';
import { peerSkip } from '../support/peers.js';
import { partitionForKey } from '../../packages/streams/src/runtime/murmur2.js';

/** The partition Java's default partitioner (and the library's sinks) give a key. */
function part(key: string, n: number): number {
  return partitionForKey(Buffer.from(key), n);
}

const S = Serdes.String();
const L = Serdes.Long();

interface Scenario {
  name: string;
  topics: Record<string, number>;
  inputs: { topic: string; records: { key: string; value: string; partition: number; timestamp: number }[] }[];
  topology: () => Topology;
  guarantee: ProcessingGuarantee;
  output: string;
  /** Output records expected (the run ends when this many were read). */
  expected: number;
  render: (r: ReadRecord) => string;
}

const words = ['kafka streams on wharf', 'wharf speaks kafka', 'streams of words', 'kafka kafka'];

const scenarios: Scenario[] = [
  {
    name: 'word count',
    topics: { 'wc-in': 3, 'wc-out': 3 },
    inputs: [{ topic: 'wc-in', records: words.map((w, i) => ({ key: `line${i}`, value: w, partition: i % 3, timestamp: 1000 + i })) }],
    topology: () => {
      const b = new StreamsBuilder();
      b.stream('wc-in', { key: S, value: S })
        .flatMapValues((l) => l.split(' '))
        .groupBy((_k, w) => w)
        .count({ storeName: 'wc-counts', caching: false })
        .toStream()
        .to('wc-out', { key: S, value: L });
      return b.build();
    },
    guarantee: 'exactly_once_v2',
    output: 'wc-out',
    expected: 12,
    render: (r) => `${r.key?.toString()}=${r.value?.readBigInt64BE(0)}`,
  },
  {
    name: 'windowed count with suppress',
    topics: { 'win-in': 2, 'win-out': 2 },
    inputs: [
      {
        topic: 'win-in',
        records: [
          ...Array.from({ length: 30 }, (_, i) => ({ key: `u${i % 3}`, value: 'click', partition: i % 3 === 0 ? 0 : 1, timestamp: i * 1000 })),
          // Move stream time past every window on both partitions.
          { key: 'u0', value: 'flush', partition: 0, timestamp: 200_000 },
          { key: 'u1', value: 'flush', partition: 1, timestamp: 200_000 },
        ],
      },
    ],
    topology: () => {
      const b = new StreamsBuilder();
      b.stream('win-in', { key: S, value: S })
        .groupByKey()
        .windowedBy(TimeWindows.ofSizeAndGrace(10_000, 1_000))
        .count({ storeName: 'win-counts' })
        .suppress(Suppressed.untilWindowCloses())
        .toStream()
        .to('win-out', { key: WindowedSerdes.timeWindowed(S, 10_000), value: L });
      return b.build();
    },
    guarantee: 'at_least_once',
    output: 'win-out',
    expected: 9,
    render: (r) => {
      const k = WindowedSerdes.timeWindowed(S, 10_000).deserialize(r.key!, 'win-out');
      return `${k.key}@${k.window.start}=${r.value?.readBigInt64BE(0)}`;
    },
  },
  {
    name: 'stream-table and foreign-key joins',
    topics: { users: 2, clicks: 2, orders: 2, products: 1, 'clicks-out': 2, 'orders-out': 2 },
    inputs: [
      { topic: 'users', records: [{ key: 'alice', value: 'Alice', partition: part('alice', 2), timestamp: 1 }, { key: 'bob', value: 'Bob', partition: part('bob', 2), timestamp: 1 }] },
      { topic: 'products', records: [{ key: 'p1', value: 'apple', partition: 0, timestamp: 1 }, { key: 'p2', value: 'pear', partition: 0, timestamp: 1 }] },
    ],
    topology: () => {
      const b = new StreamsBuilder();
      const users = b.table('users', { key: S, value: S }, { storeName: 'users-store' });
      b.stream('clicks', { key: S, value: S }).leftJoin(users, (c, u) => `${c} by ${u ?? '?'}`).to('clicks-out', { key: S, value: S });
      const products = b.table('products', { key: S, value: S }, { storeName: 'products-store' });
      b.table('orders', { key: S, value: S }, { storeName: 'orders-store' })
        .joinOnForeignKey(products, (pid) => pid, (pid, name) => `${pid}:${name}`)
        .toStream()
        .to('orders-out', { key: S, value: S });
      return b.build();
    },
    guarantee: 'exactly_once_v2',
    output: 'clicks-out',
    expected: 3,
    render: (r) => `${r.key?.toString()}=${r.value?.toString()}`,
  },
];

async function runScenario(cluster: TestCluster, s: Scenario): Promise<{ out: string[]; extra: string[] }> {
  const stateDir = mkdtempSync(join(tmpdir(), 'wharf-streams-diff-'));
  const app = new KafkaStreams(s.topology(), { applicationId: `diff-${s.name.replace(/\W+/g, '-')}`, bootstrapServers: cluster.bootstrap, processingGuarantee: s.guarantee, stateDir, logger: silent, commitIntervalMs: 100, heartbeatIntervalMs: 200, sessionTimeoutMs: 6000 });
  try {
    await createTopics(cluster.bootstrap, s.topics);
    for (const i of s.inputs) await produce(cluster.bootstrap, i.topic, i.records.map((r) => ({ key: Buffer.from(r.key), value: Buffer.from(r.value), partition: r.partition, timestamp: r.timestamp })));
    await app.start();
    let extra: string[] = [];
    if (s.name.includes('join')) {
      // Inputs after the tables are loaded (the join sees the table rows).
      const rec = (key: string, value: string, timestamp: number) => ({ key: Buffer.from(key), value: Buffer.from(value), partition: part(key, 2), timestamp });
      await produce(cluster.bootstrap, 'clicks', [rec('alice', 'home', 10), rec('bob', 'cart', 11), rec('carol', 'home', 12)]);
      await produce(cluster.bootstrap, 'orders', [rec('o1', 'p1', 20), rec('o2', 'p2', 21)]);
      const orders = await readUntil(cluster.bootstrap, 'orders-out', (rs) => rs.length >= 2, 'orders joined');
      extra = orders.map((r) => `${r.key?.toString()}=${r.value?.toString()}`).sort();
    }
    const out = await readUntil(cluster.bootstrap, s.output, (rs) => rs.length >= s.expected, `${s.expected} records on ${s.output}`);
    return { out: out.map(s.render).sort(), extra };
  } finally {
    await app.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

describe('the same topologies on Wharf and on Apache Kafka 4.4', { skip: peerSkip('kafka') }, () => {
  let wharf: TestCluster;
  let kafka: TestCluster;
  before(async () => {
    // Each one kept as soon as it runs: when the other fails to start, after() still closes it
    // (with Promise.all the started one was lost and kept the test process alive).
    const started = await Promise.allSettled([startWharfCluster().then((c) => (wharf = c)), startKafkaCluster().then((c) => (kafka = c))]);
    for (const r of started) if (r.status === 'rejected') throw r.reason;
  });
  after(async () => {
    await Promise.all([wharf?.close(), kafka?.close()]);
  });
  for (const s of scenarios) {
    test(s.name, { timeout: 120_000 }, async () => {
      const onWharf = await runScenario(wharf, s);
      const onKafka = await runScenario(kafka, s);
      assert.deepEqual(onWharf, onKafka);
      assert.equal(onWharf.out.length, s.expected);
    });
  }
});
