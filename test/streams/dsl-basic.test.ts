// The DSL's stateless operators and key-value aggregations through the TopologyTestDriver:
// each test pipes records in and asserts the exact records that come out (keys, values,
// timestamps), including null keys/values, repartitioning and KTable updates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KStream, Serdes, StreamsBuilder, TopologyTestDriver, keyValue } from 'wharf/streams';

const S = Serdes.String();
const L = Serdes.Long();

test('word count (the issue example through the test driver): counts per word, repartitioned by word', () => {
  const builder = new StreamsBuilder();
  builder
    .stream('text-in', { key: S, value: S })
    .flatMapValues((line) => line.toLowerCase().split(/\W+/).filter(Boolean))
    .groupBy((_key, word) => word)
    .count({ storeName: 'word-counts' })
    .toStream()
    .to('counts-out', { key: S, value: L });
  const topology = builder.build();
  const driver = new TopologyTestDriver(topology, { applicationId: 'word-count' });
  const input = driver.createInputTopic('text-in', S, S);
  const output = driver.createOutputTopic('counts-out', S, L);
  input.pipeInput(null, 'Hello Kafka Streams', 1000);
  input.pipeInput(null, 'hello wharf', 2000);
  assert.deepEqual(output.readKeyValuesToList(), [
    { key: 'hello', value: 1 },
    { key: 'kafka', value: 1 },
    { key: 'streams', value: 1 },
    { key: 'hello', value: 2 },
    { key: 'wharf', value: 1 },
  ]);
  // As Java's driver: the plain view of a DSL (timestamped) store answers values, the timestamped one both.
  assert.equal(driver.getKeyValueStore<string, number>('word-counts').get('hello'), 2);
  assert.deepEqual(driver.getKeyValueStore<string, number>('word-counts').range('kafka', 'streams'), [{ key: 'kafka', value: 1 }, { key: 'streams', value: 1 }]);
  assert.equal(driver.getTimestampedKeyValueStore<string, number>('word-counts').get('hello')?.value, 2);
  assert.ok(driver.producedTopicNames().includes('word-count-word-counts-repartition'), driver.producedTopicNames().join(','));
  assert.ok(driver.producedTopicNames().includes('word-count-word-counts-changelog'));
  driver.close();
});

test('stateless operators: filter, filterNot, map, mapValues, flatMap, selectKey, peek, foreach, merge', () => {
  const b = new StreamsBuilder();
  const src = b.stream('in', { key: S, value: S });
  const peeked: string[] = [];
  const seen: string[] = [];
  src.filter((_k, v) => v.startsWith('a')).mapValues((v) => v.toUpperCase()).to('upper', { key: S, value: S });
  src.filterNot((_k, v) => v.startsWith('a')).map((k, v) => keyValue(v, k ?? 'none')).to('swapped', { key: S, value: S });
  src.flatMap((k, v) => [[`${k}-1`, v], [`${k}-2`, v]]).selectKey((k) => `x${k}`).peek((k) => peeked.push(k)).to('flat', { key: S, value: S });
  const merged: KStream<string, string> = src.mapValues((v) => `m:${v}`).merge(src.mapValues((v) => `n:${v}`));
  merged.foreach((_k, v) => seen.push(v));
  const d = new TopologyTestDriver(b.build());
  const i = d.createInputTopic('in', S, S);
  i.pipeInput('k1', 'apple', 5);
  i.pipeInput('k2', 'berry', 6);
  assert.deepEqual(d.createOutputTopic('upper', S, S).readRecordsToList().map((r) => [r.key, r.value, r.timestamp]), [['k1', 'APPLE', 5]]);
  assert.deepEqual(d.createOutputTopic('swapped', S, S).readKeyValuesToList(), [{ key: 'berry', value: 'k2' }]);
  assert.deepEqual(d.createOutputTopic('flat', S, S).readKeyValuesToList().map((r) => r.key), ['xk1-1', 'xk1-2', 'xk2-1', 'xk2-2']);
  assert.deepEqual(peeked, ['xk1-1', 'xk1-2', 'xk2-1', 'xk2-2']);
  assert.deepEqual(seen, ['m:apple', 'n:apple', 'm:berry', 'n:berry']);
  d.close();
});

test('split/branch: first matching branch wins, default branch, named branches; branch map keys', () => {
  const b = new StreamsBuilder();
  const branches = b
    .stream('in', { key: S, value: Serdes.Integer() })
    .split({ name: 'sp-' })
    .branch((_k, v) => v < 0, { name: 'neg' })
    .branch((_k, v) => v === 0, { name: 'zero', withFunction: (s) => s.mapValues((v) => v + 100) })
    .defaultBranch({ name: 'pos' });
  assert.deepEqual(Object.keys(branches).sort(), ['sp-neg', 'sp-pos', 'sp-zero']);
  branches['sp-neg']!.to('neg', { key: S, value: Serdes.Integer() });
  branches['sp-zero']!.to('zero', { key: S, value: Serdes.Integer() });
  branches['sp-pos']!.to('pos', { key: S, value: Serdes.Integer() });
  const d = new TopologyTestDriver(b.build());
  const i = d.createInputTopic('in', S, Serdes.Integer());
  for (const v of [-1, 0, 3, -5, 0]) i.pipeInput('k', v, 1);
  assert.deepEqual(d.createOutputTopic('neg', S, Serdes.Integer()).readValuesToList(), [-1, -5]);
  assert.deepEqual(d.createOutputTopic('zero', S, Serdes.Integer()).readValuesToList(), [100, 100]);
  assert.deepEqual(d.createOutputTopic('pos', S, Serdes.Integer()).readValuesToList(), [3]);
  d.close();
});

test('reduce and aggregate: null keys and values are skipped, aggregate timestamp is the max', () => {
  const b = new StreamsBuilder();
  const s = b.stream('in', { key: S, value: L });
  s.groupByKey().reduce((a, v) => a + v, { storeName: 'sum', caching: false }).toStream().to('sum', { key: S, value: L });
  s.groupByKey()
    .aggregate(() => '', (_k, v, agg) => `${agg}${v}`, { storeName: 'concat', value: S })
    .toStream()
    .to('concat', { key: S, value: S });
  const d = new TopologyTestDriver(b.build());
  const i = d.createInputTopic('in', S, L);
  i.pipeInput('a', 1, 10);
  i.pipeInput(null, 5, 11);
  i.pipeInput('a', null, 12);
  i.pipeInput('a', 2, 8);
  i.pipeInput('b', 3, 20);
  assert.deepEqual(d.createOutputTopic('sum', S, L).readRecordsToList().map((r) => [r.key, r.value, r.timestamp]), [['a', 1, 10], ['a', 3, 10], ['b', 3, 20]]);
  assert.deepEqual(d.createOutputTopic('concat', S, S).readValuesToList(), ['1', '12', '3']);
  d.close();
});

test('KTable: source table, filter, mapValues, toStream tombstones; groupBy count subtracts old rows', () => {
  const b = new StreamsBuilder();
  const users = b.table('users', { key: S, value: S }, { storeName: 'users-store' });
  users.filter((_k, v) => v !== 'banned').mapValues((v) => v.length).toStream().to('lengths', { key: S, value: Serdes.Integer() });
  // users by region: value is the region; count users per region.
  users.groupBy((k, region) => keyValue(region, k)).count({ storeName: 'per-region' }).toStream().to('regions', { key: S, value: L });
  const d = new TopologyTestDriver(b.build());
  const i = d.createInputTopic('users', S, S);
  i.pipeInput('alice', 'eu', 1);
  i.pipeInput('bob', 'eu', 2);
  i.pipeInput('alice', 'us', 3);
  i.pipeInput('bob', 'banned', 4);
  i.pipeInput('bob', null, 5);
  assert.deepEqual(d.createOutputTopic('lengths', S, Serdes.Integer()).readKeyValuesToList(), [
    { key: 'alice', value: 2 },
    { key: 'bob', value: 2 },
    { key: 'alice', value: 2 },
    { key: 'bob', value: null },
    { key: 'bob', value: null },
  ]);
  assert.deepEqual(d.createOutputTopic('regions', S, L).readKeyValuesToList(), [
    { key: 'eu', value: 1 },
    { key: 'eu', value: 2 },
    { key: 'eu', value: 1 },
    { key: 'us', value: 1 },
    { key: 'eu', value: 0 },
    { key: 'banned', value: 1 },
    { key: 'banned', value: 0 },
  ]);
  d.close();
});
