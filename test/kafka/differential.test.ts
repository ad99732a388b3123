// Differential test: the same scenario of raw Kafka requests against Apache Kafka 4.4 (single
// KRaft node, auto-create off) and against Wharf, comparing what clients rely on: error codes,
// offsets, watermarks, leader epochs, partition counts, config values and sources, and the
// records read back. All mismatches are reported at once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBroker } from '../support/broker.js';
import { startKafka, type RunningKafka } from '../support/kafka.js';
import { peerSkip } from '../support/peers.js';
import type { Broker } from '../../src/index.js';
import { buildRecordBatch, decodeBatchAsync } from '../../src/core/records/batch.js';
import { splitBatches } from '../support/records.js';
import { ConnectionClosed, RawKafka } from './support/raw-kafka.js';

const T0 = 1_700_000_000_000;

async function batch(records: Array<[string | null, string]>, baseTimestamp = T0, step = 1): Promise<Buffer> {
  return buildRecordBatch({
    baseTimestamp,
    records: records.map(([k, v], i) => ({ key: k === null ? null : Buffer.from(k), value: Buffer.from(v), timestamp: baseTimestamp + i * step })),
  });
}

async function readRecords(records: Buffer | null): Promise<Array<[string, string | null, string | null]>> {
  if (!records || records.length === 0) return [];
  const out: Array<[string, string | null, string | null]> = [];
  for (const b of splitBatches(records)) {
    const d = await decodeBatchAsync(b);
    for (const r of d.records) out.push([String(r.offset), r.key?.toString() ?? null, r.value?.toString() ?? null]);
  }
  return out;
}

type Step = { name: string; run: (c: RawKafka) => Promise<unknown> };

const topic = (name: string, numPartitions = 1, configs: Record<string, string> = {}, replicationFactor = 1) => ({
  name,
  numPartitions,
  replicationFactor,
  assignments: [],
  configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })),
});

async function create(c: RawKafka, t: ReturnType<typeof topic>, validateOnly = false) {
  const r = await c.send(19, 7, { topics: [t], timeoutMs: 10_000, validateOnly });
  const x = r.topics[0]!;
  return x.errorCode === 0 ? [x.errorCode, x.numPartitions, x.replicationFactor] : [x.errorCode];
}

/** Kafka propagates a new topic to its metadata cache asynchronously: wait until it leads every partition. */
async function waitReady(c: RawKafka, name: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const md = await c.send(3, 12, { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    const t = md.topics[0]!;
    if (t.errorCode === 0 && t.partitions.length > 0 && t.partitions.every((p) => p.errorCode === 0 && p.leaderId >= 0)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`topic ${name} never became ready`);
}

async function produce(c: RawKafka, name: string, partition: number, records: Buffer | null, acks = -1, version = 9) {
  const r = await c.send(0, version, { transactionalId: null, acks, timeoutMs: 10_000, topicData: [{ name, partitionData: [{ index: partition, records }] }] });
  const p = r.responses[0]!.partitionResponses[0]!;
  return { errorCode: p.errorCode, baseOffset: String(p.baseOffset), logStartOffset: String(p.logStartOffset), logAppendTimeMs: String(p.logAppendTimeMs) };
}

async function fetch(c: RawKafka, name: string, partition: number, offset: bigint, partitionMaxBytes = 1 << 20) {
  const r = await c.send(1, 11, {
    replicaId: -1,
    maxWaitMs: 50,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic: name, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: offset, logStartOffset: -1n, partitionMaxBytes }] }],
    forgottenTopicsData: [],
    rackId: '',
  });
  const p = r.responses[0]!.partitions[0]!;
  return {
    top: r.errorCode,
    errorCode: p.errorCode,
    hw: String(p.highWatermark),
    lso: String(p.lastStableOffset),
    logStart: String(p.logStartOffset),
    records: await readRecords(p.records),
  };
}

async function listOffset(c: RawKafka, name: string, partition: number, timestamp: bigint, version = 7) {
  const r = await c.send(2, version, { replicaId: -1, isolationLevel: 0, topics: [{ name, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp }] }] });
  const p = r.topics[0]!.partitions[0]!;
  return [p.errorCode, String(p.offset), String(p.timestamp), p.leaderEpoch];
}

async function describeTopicConfigs(c: RawKafka, name: string, keys: string[]) {
  const r = await c.send(32, 4, { resources: [{ resourceType: 2, resourceName: name, configurationKeys: keys }], includeSynonyms: false, includeDocumentation: false });
  const res = r.results[0]!;
  return { errorCode: res.errorCode, configs: res.configs.map((x) => [x.name, x.value, x.configSource, x.configType, x.readOnly]).sort() };
}

/**
 * Kafka applies config changes through its metadata log: a describe right after an alter may
 * still see the old values. Poll until `ready` holds (Wharf answers at once).
 */
async function describeWhen(c: RawKafka, name: string, keys: string[], ready: (v: Map<string, string | null>) => boolean) {
  let d = await describeTopicConfigs(c, name, keys);
  for (let i = 0; i < 50 && !ready(new Map(d.configs.map((x) => [x[0] as string, x[1] as string | null]))); i++) {
    await new Promise((r) => setTimeout(r, 100));
    d = await describeTopicConfigs(c, name, keys);
  }
  return d;
}

async function incAlter(c: RawKafka, name: string, configs: Array<{ name: string; configOperation: number; value: string | null }>) {
  const r = await c.send(44, 1, { resources: [{ resourceType: 2, resourceName: name, configs }], validateOnly: false });
  return r.responses[0]!.errorCode;
}

const STEPS: Step[] = [
  { name: 'create d1 (2 partitions)', run: async (c) => [await create(c, topic('d1', 2)), await waitReady(c, 'd1')] },
  { name: 'create d1 again', run: (c) => create(c, topic('d1', 2)) },
  { name: 'create invalid name', run: (c) => create(c, topic('bad/name')) },
  { name: 'create name of 250 chars', run: (c) => create(c, topic('x'.repeat(250))) },
  { name: 'create with replication factor 3', run: (c) => create(c, topic('rf3', 1, {}, 3)) },
  { name: 'create with 0 partitions', run: (c) => create(c, topic('p0', 0)) },
  { name: 'create with a bad config value', run: (c) => create(c, topic('badcfg', 1, { 'retention.ms': 'soon' })) },
  { name: 'create with an unknown config', run: (c) => create(c, topic('unkcfg', 1, { 'no.such.config': '1' })) },
  { name: 'create validate-only', run: async (c) => [await create(c, topic('dry', 3), true), (await c.send(3, 12, { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'dry' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false })).topics[0]!.errorCode] },
  {
    name: 'create small (max.message.bytes=200)',
    run: async (c) => [await create(c, topic('small', 1, { 'max.message.bytes': '200' })), await waitReady(c, 'small')],
  },
  {
    name: 'metadata of d1 and a missing topic, auto-create off',
    run: async (c) => {
      const md = await c.send(3, 12, {
        topics: [
          { topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'd1' },
          { topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'missing' },
        ],
        allowAutoTopicCreation: true,
        includeTopicAuthorizedOperations: false,
      });
      return md.topics.map((t) => [t.name, t.errorCode, t.isInternal, t.partitions.map((p) => [p.partitionIndex, p.errorCode, p.leaderEpoch, p.replicaNodes.length, p.isrNodes.length])]);
    },
  },
  { name: 'produce 3 records to d1-0', run: async (c) => produce(c, 'd1', 0, await batch([['a', '1'], [null, '2'], ['c', '3']])) },
  { name: 'produce 2 more to d1-0', run: async (c) => produce(c, 'd1', 0, await batch([['d', '4'], ['e', '5']], T0 + 10)) },
  { name: 'produce 1 to d1-1 (v3)', run: async (c) => produce(c, 'd1', 1, await batch([['x', 'y']], T0 + 5), -1, 3) },
  { name: 'produce to a missing partition', run: async (c) => produce(c, 'd1', 7, await batch([[null, 'x']])) },
  { name: 'produce to a missing topic', run: async (c) => produce(c, 'nope', 0, await batch([[null, 'x']])) },
  {
    name: 'produce a batch with a bad CRC',
    run: async (c) => {
      const b = await batch([[null, 'x']]);
      b[b.length - 1] ^= 0xff;
      return produce(c, 'd1', 0, b);
    },
  },
  {
    name: 'produce magic 1',
    run: async (c) => {
      const b = await batch([[null, 'x']]);
      b[16] = 1;
      return produce(c, 'd1', 0, b);
    },
  },
  { name: 'produce two batches in one partition', run: async (c) => produce(c, 'd1', 0, Buffer.concat([await batch([[null, 'x']]), await batch([[null, 'y']])])) },
  { name: 'produce with acks=2', run: async (c) => produce(c, 'd1', 0, await batch([[null, 'x']]), 2) },
  { name: 'produce over max.message.bytes', run: async (c) => produce(c, 'small', 0, await batch([[null, 'z'.repeat(400)]])) },
  { name: 'fetch d1-0 from 0', run: (c) => fetch(c, 'd1', 0, 0n) },
  { name: 'fetch d1-0 from 4 (inside the second batch)', run: (c) => fetch(c, 'd1', 0, 4n) },
  { name: 'fetch d1-0 at the high watermark', run: (c) => fetch(c, 'd1', 0, 5n) },
  { name: 'fetch d1-0 with a 1-byte partition limit', run: (c) => fetch(c, 'd1', 0, 0n, 1) },
  { name: 'fetch past the high watermark', run: (c) => fetch(c, 'd1', 0, 99n) },
  { name: 'fetch a missing partition', run: (c) => fetch(c, 'd1', 9, 0n) },
  { name: 'fetch a missing topic', run: (c) => fetch(c, 'nope', 0, 0n) },
  { name: 'list offsets latest', run: (c) => listOffset(c, 'd1', 0, -1n) },
  { name: 'list offsets earliest', run: (c) => listOffset(c, 'd1', 0, -2n) },
  { name: 'list offsets max timestamp', run: (c) => listOffset(c, 'd1', 0, -3n) },
  { name: 'list offsets by time (between records)', run: (c) => listOffset(c, 'd1', 0, BigInt(T0 + 1)) },
  { name: 'list offsets by time (second batch)', run: (c) => listOffset(c, 'd1', 0, BigInt(T0 + 3)) },
  { name: 'list offsets by time (after everything)', run: (c) => listOffset(c, 'd1', 0, BigInt(T0 + 100_000)) },
  { name: 'list offsets earliest-local (v8)', run: (c) => listOffset(c, 'd1', 0, -4n, 8) },
  { name: 'list offsets of a missing partition', run: (c) => listOffset(c, 'd1', 5, -1n) },
  {
    name: 'offset for leader epoch 0',
    run: async (c) => {
      const r = await c.send(23, 4, { replicaId: -1, topics: [{ topic: 'd1', partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] }] });
      const p = r.topics[0]!.partitions[0]!;
      return [p.errorCode, p.leaderEpoch, String(p.endOffset)];
    },
  },
  {
    name: 'offset for leader epoch with a future current epoch',
    run: async (c) => {
      const r = await c.send(23, 4, { replicaId: -1, topics: [{ topic: 'd1', partitions: [{ partition: 0, currentLeaderEpoch: 7, leaderEpoch: 0 }] }] });
      return r.topics[0]!.partitions[0]!.errorCode;
    },
  },
  {
    name: 'delete records before 2, past the end, and all of d1-1',
    run: async (c) => {
      const r = await c.send(21, 2, {
        timeoutMs: 10_000,
        topics: [
          {
            name: 'd1',
            partitions: [
              { partitionIndex: 0, offset: 2n },
              { partitionIndex: 1, offset: -1n },
            ],
          },
        ],
      });
      const bad = await c.send(21, 2, { timeoutMs: 10_000, topics: [{ name: 'd1', partitions: [{ partitionIndex: 0, offset: 99n }] }] });
      const parts = [...r.topics[0]!.partitions].sort((a, b) => a.partitionIndex - b.partitionIndex);
      return [...parts.map((p) => [p.partitionIndex, p.errorCode, String(p.lowWatermark)]), bad.topics[0]!.partitions[0]!.errorCode];
    },
  },
  { name: 'list offsets earliest after delete', run: (c) => listOffset(c, 'd1', 0, -2n) },
  { name: 'fetch below the log start offset', run: (c) => fetch(c, 'd1', 0, 1n) },
  {
    name: 'create partitions: fewer, same, more, missing topic',
    run: async (c) => {
      const out = [];
      for (const [name, count] of [
        ['d1', 1],
        ['d1', 2],
        ['d1', 3],
        ['nope', 2],
      ] as const) {
        const r = await c.send(37, 3, { topics: [{ name, count, assignments: null }], timeoutMs: 10_000, validateOnly: false });
        out.push(r.results[0]!.errorCode);
      }
      return out;
    },
  },
  { name: 'describe configs of d1', run: (c) => describeTopicConfigs(c, 'd1', ['retention.ms', 'cleanup.policy', 'max.message.bytes', 'segment.bytes', 'min.cleanable.dirty.ratio']) },
  { name: 'describe configs of small', run: (c) => describeTopicConfigs(c, 'small', ['max.message.bytes']) },
  { name: 'describe configs of a missing topic', run: async (c) => (await describeTopicConfigs(c, 'nope', ['retention.ms'])).errorCode },
  { name: 'incremental alter: set retention.ms', run: (c) => incAlter(c, 'd1', [{ name: 'retention.ms', configOperation: 0, value: '1000' }]) },
  { name: 'incremental alter: append to a non-list config', run: (c) => incAlter(c, 'd1', [{ name: 'retention.ms', configOperation: 2, value: '5' }]) },
  { name: 'incremental alter: append to cleanup.policy', run: (c) => incAlter(c, 'd1', [{ name: 'cleanup.policy', configOperation: 2, value: 'compact' }]) },
  { name: 'incremental alter: bad value', run: (c) => incAlter(c, 'd1', [{ name: 'segment.bytes', configOperation: 0, value: '12' }]) },
  { name: 'incremental alter: missing topic', run: (c) => incAlter(c, 'nope', [{ name: 'retention.ms', configOperation: 0, value: '1' }]) },
  { name: 'describe configs after alter', run: (c) => describeWhen(c, 'd1', ['retention.ms', 'cleanup.policy'], (v) => v.get('retention.ms') === '1000' && v.get('cleanup.policy') === 'delete,compact') },
  {
    name: 'legacy alter configs (replaces the set)',
    run: async (c) => {
      const r = await c.send(33, 2, { resources: [{ resourceType: 2, resourceName: 'd1', configs: [{ name: 'segment.ms', value: '600000' }] }], validateOnly: false });
      return [r.responses[0]!.errorCode, await describeWhen(c, 'd1', ['retention.ms', 'cleanup.policy', 'segment.ms'], (v) => v.get('segment.ms') === '600000')];
    },
  },
  {
    name: 'delete topics: d1, then again',
    run: async (c) => {
      const a = await c.send(20, 6, { topics: [{ name: 'd1', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], timeoutMs: 10_000 });
      const b = await c.send(20, 6, { topics: [{ name: 'd1', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], timeoutMs: 10_000 });
      return [a.responses[0]!.errorCode, b.responses[0]!.errorCode];
    },
  },
];

/** What one step gave on one broker: its answer, the broker closing the connection, or a harness error. */
type Outcome = { answer: unknown } | { closedByBroker: string } | { harnessError: string };

async function runAll(host: string, port: number): Promise<Map<string, Outcome>> {
  let c = await RawKafka.connect(host, port);
  const out = new Map<string, Outcome>();
  try {
    for (const s of STEPS) {
      // A step that made the broker close the connection is recorded as such; go on on a new one.
      if (c.closed) c = await RawKafka.connect(host, port);
      try {
        out.set(s.name, { answer: JSON.parse(JSON.stringify(await s.run(c)) ?? 'null') });
      } catch (e) {
        // Anything but the broker closing the connection (a timeout, a response the codec cannot
        // decode, a bug in the step) means the step observed nothing: it can never agree.
        out.set(s.name, e instanceof ConnectionClosed ? { closedByBroker: e.message } : { harnessError: e instanceof Error ? e.message : String(e) });
      }
    }
  } finally {
    c.close();
  }
  return out;
}

describe('differential: Apache Kafka 4.4 vs Wharf', { skip: peerSkip('kafka') }, () => {
  let kafka: RunningKafka;
  let wharf: Broker;

  before(async () => {
    [kafka, wharf] = await Promise.all([
      startKafka(['auto.create.topics.enable=false', 'num.partitions=1']),
      startTestBroker({ kafkaPort: 0, autoCreateTopics: false, fsync: 'never' }),
    ]);
  });

  after(async () => {
    await Promise.allSettled([kafka?.close(), wharf?.close()]);
  });

  test(`${STEPS.length} scenario steps answer the same`, async () => {
    const expected = await runAll(kafka.host, kafka.port);
    const actual = await runAll('127.0.0.1', wharf.ports.kafka);
    const diffs: string[] = [];
    for (const s of STEPS) {
      const want = expected.get(s.name);
      const got = actual.get(s.name);
      const harness = [want, got].some((o) => o === undefined || 'harnessError' in o);
      let same = false;
      try {
        assert.deepStrictEqual(got, want);
        same = true;
      } catch {
        // reported below
      }
      if (harness || !same) diffs.push(`${s.name}${harness ? ' (the step failed in the harness: no answer to compare)' : ''}:\n  kafka: ${JSON.stringify(want)}\n  wharf: ${JSON.stringify(got)}`);
    }
    assert.equal(diffs.length, 0, `${diffs.length} of ${STEPS.length} steps differ:\n${diffs.join('\n')}`);
  });
});
