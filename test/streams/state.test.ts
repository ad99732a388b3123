// State over Wharf: stores are restored from their changelogs before a task processes (in memory:
// the whole changelog, by consumer position past the last transaction marker; LMDB: from its
// checkpoint, nothing to replay after a clean close), committed repartition records are purged
// with DeleteRecords, the reset tool makes the application start over, and a record that cannot
// be deserialized stops the application with an error naming it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin } from '@platformatic/kafka';
import { KafkaStreams, RecordSerdeError, Serdes, StreamsBuilder, resetApplication } from 'wharf/streams';
import { createTopics, produce, readUntil, startWharfCluster, type TestCluster } from './support/cluster.js';
import { countingApp } from './support/counting-app.js';
import { silent } from './support/logger.js';
import { waitFor } from '../support/wait.js';

const KEYS = 10;

function inputs(from: number, to: number) {
  return Array.from({ length: to - from }, (_, i) => ({ key: Buffer.from(`k${(from + i) % KEYS}`), value: Buffer.from(String(from + i)) }));
}

async function counts(app: KafkaStreams): Promise<Map<string, number>> {
  const all = await app.store<string, number>('counts').all();
  return new Map(all.map((e) => [e.key, e.value]));
}

async function earliest(cluster: TestCluster, topic: string, partitions: number): Promise<number[]> {
  const admin = new Admin({ clientId: 'probe', bootstrapBrokers: [cluster.bootstrap] });
  try {
    const res = await admin.listOffsets({ topics: [{ name: topic, partitions: Array.from({ length: partitions }, (_, partitionIndex) => ({ partitionIndex, timestamp: -2n })) }] });
    return res[0]!.partitions.map((p) => Number(p.offset));
  } finally {
    await admin.close();
  }
}

for (const [storeType, guarantee] of [['inMemory', 'exactly_once_v2'], ['persistent', 'exactly_once_v2'], ['persistent', 'at_least_once']] as const) {
  test(`restore after restart: ${storeType} store, ${guarantee}`, { timeout: 120_000 }, async () => {
    const cluster = await startWharfCluster();
    const stateDir = mkdtempSync(join(tmpdir(), 'wharf-streams-state-'));
    const apps: KafkaStreams[] = [];
    try {
      await createTopics(cluster.bootstrap, { input: 2, echo: 2, counts: 2 });
      await produce(cluster.bootstrap, 'input', inputs(0, 500));
      const first = countingApp({ bootstrap: cluster.bootstrap, stateDir, applicationId: `restore-${storeType}-${guarantee}`, storeType, guarantee, logger: silent });
      apps.push(first);
      await first.start();
      await waitFor(async () => [...(await counts(first)).values()].reduce((a, b) => a + b, 0) === 500, { what: '500 inputs counted' });
      await first.close();
      const second = countingApp({ bootstrap: cluster.bootstrap, stateDir, applicationId: `restore-${storeType}-${guarantee}`, storeType, guarantee, logger: silent });
      apps.push(second);
      await second.start();
      // RUNNING means restored: the counts are there before any new input.
      assert.deepEqual([...(await counts(second)).entries()].sort(), Array.from({ length: KEYS }, (_, k) => [`k${k}`, 50]).sort());
      const restored = second.metrics().reduce((n, m) => n + m.recordsRestored, 0);
      if (storeType === 'inMemory') assert.ok(restored >= KEYS, `in-memory stores replay their changelog (${restored} records)`);
      else assert.equal(restored, 0, 'LMDB stores start from their checkpoint');
      await produce(cluster.bootstrap, 'input', inputs(500, 700));
      await waitFor(async () => [...(await counts(second)).values()].every((n) => n === 70), { what: 'counts continue from the restored state', detail: () => JSON.stringify(second.metrics()) });
      await second.close();
    } finally {
      for (const a of apps) await a.close();
      rmSync(stateDir, { recursive: true, force: true });
      await cluster.close();
    }
  });
}

test('repartition records are purged after commit; the reset tool starts the application over', { timeout: 120_000 }, async () => {
  const cluster = await startWharfCluster();
  const stateDir = mkdtempSync(join(tmpdir(), 'wharf-streams-reset-'));
  const appId = 'purge-reset';
  const apps: KafkaStreams[] = [];
  const build = () => {
    const b = new StreamsBuilder();
    b.stream('lines', { key: Serdes.String(), value: Serdes.String() })
      .flatMapValues((l) => l.split(' '))
      .groupBy((_k, w) => w)
      .count({ storeName: 'counts', storeType: 'inMemory' })
      .toStream()
      .to('word-counts', { key: Serdes.String(), value: Serdes.Long() });
    const app = new KafkaStreams(b.build(), { applicationId: appId, bootstrapServers: cluster.bootstrap, processingGuarantee: 'at_least_once', stateDir, commitIntervalMs: 100, repartitionPurgeIntervalMs: 100, logger: silent, heartbeatIntervalMs: 200 });
    apps.push(app);
    return app;
  };
  try {
    await createTopics(cluster.bootstrap, { lines: 2, 'word-counts': 2 });
    await produce(cluster.bootstrap, 'lines', Array.from({ length: 100 }, (_, i) => ({ key: Buffer.from(`l${i}`), value: Buffer.from('a b c') })));
    const app = build();
    await app.start();
    await waitFor(async () => (await app.store<string, number>('counts').get('a')) === 100, { what: 'a counted 100 times' });
    await waitFor(async () => (await earliest(cluster, `${appId}-counts-repartition`, 2)).reduce((a, b) => a + b, 0) > 0, { what: 'DeleteRecords moved the repartition topic start' });
    await app.close();
    const report = await resetApplication({ applicationId: appId, bootstrapServers: cluster.bootstrap, inputTopics: ['lines'], stateDir });
    assert.deepEqual(report.deletedTopics, [`${appId}-counts-changelog`, `${appId}-counts-repartition`]);
    assert.deepEqual(report.offsets.map((o) => o.offset), [0, 0]);
    const again = build();
    await again.start();
    // Counted from scratch: 100, not 200 (the changelog is gone, the input is read again).
    await waitFor(async () => (await again.store<string, number>('counts').get('a')) === 100, { what: 'recounted from the start' });
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await again.store<string, number>('counts').get('a'), 100);
    await again.close();
  } finally {
    for (const a of apps) await a.close();
    rmSync(stateDir, { recursive: true, force: true });
    await cluster.close();
  }
});

test('a record that cannot be deserialized stops the application with an error naming it', { timeout: 60_000 }, async () => {
  const cluster = await startWharfCluster();
  const stateDir = mkdtempSync(join(tmpdir(), 'wharf-streams-poison-'));
  let app: KafkaStreams | null = null;
  try {
    await createTopics(cluster.bootstrap, { nums: 1, doubled: 1 });
    await produce(cluster.bootstrap, 'nums', [{ key: Buffer.from('a'), value: Serdes.Long().serialize(2, 'nums'), partition: 0 }, { key: Buffer.from('b'), value: Buffer.from('oops'), partition: 0 }]);
    const b = new StreamsBuilder();
    b.stream('nums', { key: Serdes.String(), value: Serdes.Long() }).mapValues((v) => v * 2).to('doubled', { key: Serdes.String(), value: Serdes.Long() });
    app = new KafkaStreams(b.build(), { applicationId: 'poison', bootstrapServers: cluster.bootstrap, stateDir, logger: silent });
    const failed = new Promise<unknown>((resolve) => app?.once('error', resolve));
    await app.start().catch(() => undefined);
    const err = await failed;
    assert.ok(err instanceof RecordSerdeError, String(err));
    assert.equal(err.topic, 'nums');
    assert.equal(err.partition, 0);
    assert.equal(err.offset, 1);
    const stopped = app;
    await waitFor(() => stopped.currentState() === 'ERROR', { what: 'state ERROR' });
  } finally {
    await app?.close();
    rmSync(stateDir, { recursive: true, force: true });
    await cluster.close();
  }
});

test('logAndContinue skips a record that cannot be deserialized, logs it, and processes the rest', { timeout: 60_000 }, async () => {
  const cluster = await startWharfCluster();
  const stateDir = mkdtempSync(join(tmpdir(), 'wharf-streams-skip-'));
  const warnings: string[] = [];
  let app: KafkaStreams | null = null;
  try {
    await createTopics(cluster.bootstrap, { nums: 1, doubled: 1 });
    await produce(cluster.bootstrap, 'nums', [
      { key: Buffer.from('a'), value: Serdes.Long().serialize(2, 'nums'), partition: 0 },
      { key: Buffer.from('b'), value: Buffer.from('oops'), partition: 0 },
      { key: Buffer.from('c'), value: Serdes.Long().serialize(5, 'nums'), partition: 0 },
    ]);
    const b = new StreamsBuilder();
    b.stream('nums', { key: Serdes.String(), value: Serdes.Long() }).mapValues((v) => v * 2).to('doubled', { key: Serdes.String(), value: Serdes.Long() });
    app = new KafkaStreams(b.build(), { applicationId: 'skip', bootstrapServers: cluster.bootstrap, stateDir, deserializationExceptionHandler: 'logAndContinue', logger: { ...silent, warn: (m: string) => warnings.push(m) } });
    await app.start();
    const out = await readUntil(cluster.bootstrap, 'doubled', (rs) => rs.length >= 2, 'two doubled records');
    assert.deepEqual(out.map((r) => [r.key?.toString(), Number(r.value?.readBigInt64BE(0))]), [['a', 4], ['c', 10]]);
    assert.ok(warnings.some((w) => /nums/.test(w) && /offset 1\b/.test(w)), warnings.join('\n'));
    assert.equal(app.currentState(), 'RUNNING');
  } finally {
    await app?.close();
    rmSync(stateDir, { recursive: true, force: true });
    await cluster.close();
  }
});
