// The library against Wharf over the wire: the word-count example as written (exactly_once_v2,
// a state directory, interactive queries), at_least_once, internal topics named and configured
// as Kafka Streams does, and a missing source topic failing start() with a clear error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin } from '@platformatic/kafka';
import { StreamsBuilder, KafkaStreams, Serdes, MissingSourceTopicError } from 'wharf/streams';
import { createTopics, produce, readUntil, startWharfCluster, latestByKey } from './support/cluster.js';
import { silent } from './support/logger.js';

test('word count as in the issue, exactly_once_v2 on Wharf: counts, internal topics, interactive queries', async () => {
  const cluster = await startWharfCluster();
  const stateDir = mkdtempSync(join(tmpdir(), 'wharf-streams-'));
  let app: KafkaStreams | null = null;
  try {
    await createTopics(cluster.bootstrap, { 'text-in': 2, 'counts-out': 2 });
    const lines = ['the quick brown fox', 'jumps over the lazy dog', 'The End', 'fox and dog'];
    await produce(cluster.bootstrap, 'text-in', lines.map((l, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(l) })));

    const builder = new StreamsBuilder();
    builder.stream('text-in', { key: Serdes.String(), value: Serdes.String() })
      .flatMapValues((line) => line.toLowerCase().split(/\W+/).filter(Boolean))
      .groupBy((_key, word) => word)
      .count({ storeName: 'word-counts' })
      .toStream()
      .to('counts-out', { key: Serdes.String(), value: Serdes.Long() });
    app = new KafkaStreams(builder.build(), {
      applicationId: 'word-count', bootstrapServers: cluster.bootstrap,
      processingGuarantee: 'exactly_once_v2', stateDir, logger: silent,
      heartbeatIntervalMs: 200, sessionTimeoutMs: 6000,
    });
    await app.start();
    const expected: Record<string, number> = { the: 3, quick: 1, brown: 1, fox: 2, jumps: 1, over: 1, lazy: 1, dog: 2, end: 1, and: 1 };
    const out = await readUntil(cluster.bootstrap, 'counts-out', (rs) => {
      const m = latestByKey(rs, (b) => Number(b.readBigInt64BE(0)));
      return Object.entries(expected).every(([k, v]) => m.get(k) === v);
    }, 'final word counts on counts-out');
    assert.ok(out.every((r) => r.value?.length === 8), 'counts are 8-byte longs');
    const counts = app.store<string, number>('word-counts');
    assert.equal(await counts.get('the'), 3);
    const untyped = app.store('word-counts');   // as the issue writes it, without type arguments
    assert.equal(await untyped.get('the'), 3);
    assert.equal(await counts.get('kafka'), undefined);
    assert.equal((await counts.all()).length, Object.keys(expected).length);

    const admin = new Admin({ clientId: 't', bootstrapBrokers: [cluster.bootstrap] });
    try {
      const topics = await admin.listTopics();
      assert.ok(topics.includes('word-count-word-counts-repartition'), topics.join(','));
      assert.ok(topics.includes('word-count-word-counts-changelog'), topics.join(','));
      const meta = await admin.metadata({ topics: ['word-count-word-counts-repartition', 'word-count-word-counts-changelog'] });
      assert.equal(meta.topics.get('word-count-word-counts-repartition')?.partitionsCount, 2);
      assert.equal(meta.topics.get('word-count-word-counts-changelog')?.partitionsCount, 2);
      const configs = await admin.describeConfigs({ resources: [{ resourceType: 2, resourceName: 'word-count-word-counts-changelog', configurationKeys: ['cleanup.policy'] }, { resourceType: 2, resourceName: 'word-count-word-counts-repartition', configurationKeys: ['cleanup.policy'] }] });
      const policy = (t: string) => configs.find((c) => c.resourceName === t)?.configs.find((c) => c.name === 'cleanup.policy')?.value;
      assert.equal(policy('word-count-word-counts-changelog'), 'compact');
      assert.equal(policy('word-count-word-counts-repartition'), 'delete');
    } finally {
      await admin.close();
    }
    await app.close();
    assert.equal(app.currentState(), 'NOT_RUNNING');
  } finally {
    await app?.close();
    rmSync(stateDir, { recursive: true, force: true });
    await cluster.close();
  }
});

test('a missing source topic fails start() naming the topic', async () => {
  const cluster = await startWharfCluster();
  const stateDir = mkdtempSync(join(tmpdir(), 'wharf-streams-'));
  try {
    const b = new StreamsBuilder();
    b.stream('no-such-topic', { key: Serdes.String(), value: Serdes.String() }).to('out');
    const app = new KafkaStreams(b.build(), { applicationId: 'missing', bootstrapServers: cluster.bootstrap, stateDir, logger: silent });
    await assert.rejects(app.start(), (err: unknown) => err instanceof MissingSourceTopicError && err.topics.includes('no-such-topic') && /no-such-topic/.test(err.message));
    assert.equal(app.currentState(), 'ERROR');
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
    await cluster.close();
  }
});
