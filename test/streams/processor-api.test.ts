// The Processor API and the runtime pieces under the DSL, through the TopologyTestDriver:
// punctuations on stream time and on wall-clock time, stores connected to processors, async
// mappers that keep per-key order, topology.describe(), serde failures naming the record's
// topic/partition/offset, and the deserialization handler (fail or log and continue).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PunctuationType, Record, RecordSerdeError, Serdes, Stores, StreamsBuilder, Topology, TopologyTestDriver, type Processor, type ProcessorContext, type KeyValueStore, type WindowStore } from 'wharf/streams';

const S = Serdes.String();
const L = Serdes.Long();

test('Processor API: a store, stream-time and wall-clock punctuations, forwarding to a sink', () => {
  const punctuations: string[] = [];
  const topology = new Topology()
    .addSource('src', 'in', { keySerde: S, valueSerde: L })
    .addProcessor(
      'sum',
      (): Processor<string, number, string, number> => {
        let ctx: ProcessorContext<string, number>;
        let store: KeyValueStore<string, number>;
        return {
          init(c) {
            ctx = c;
            store = c.getKeyValueStore<string, number>('sums');
            c.schedule(10, PunctuationType.STREAM_TIME, (t) => {
              punctuations.push(`stream@${t}`);
              for (const { key, value } of store.all()) ctx.forward(new Record(key, value, t));
            });
            c.schedule(1000, PunctuationType.WALL_CLOCK_TIME, (t) => punctuations.push(`wall@${t}`));
          },
          process(r) {
            store.put(r.key, (store.get(r.key) ?? 0) + r.value);
          },
        };
      },
      'src',
    )
    .addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('sums'), S, L), 'sum')
    .addSink('sink', 'out', { keySerde: S, valueSerde: L }, 'sum');
  const d = new TopologyTestDriver(topology, { initialWallClockTimeMs: 0 });
  const i = d.createInputTopic('in', S, L);
  const o = d.createOutputTopic('out', S, L);
  i.pipeInput('a', 1, 3); // stream time 3: the first punctuation (aligned to 0) fires
  i.pipeInput('a', 2, 7);
  i.pipeInput('b', 5, 12); // crosses 10
  i.pipeInput('b', 1, 35); // crosses 20 and 30: one punctuation (missed ones are skipped)
  assert.deepEqual(punctuations, ['stream@3', 'stream@12', 'stream@35']);
  assert.deepEqual(o.readKeyValuesToList(), [
    { key: 'a', value: 1 },
    { key: 'a', value: 3 },
    { key: 'b', value: 5 },
    { key: 'a', value: 3 },
    { key: 'b', value: 6 },
  ]);
  d.advanceWallClockTime(999);
  assert.equal(punctuations.length, 3);
  d.advanceWallClockTime(1);
  assert.deepEqual(punctuations.slice(3), ['wall@1000']);
  d.close();
});

test('mapValuesAsync: concurrent across keys, in order within a key', { timeout: 30_000 }, async () => {
  const b = new StreamsBuilder();
  const started: string[] = [];
  // a1 finishes only once b1 has (a gate, not a clock): b1 must run while a1 is pending
  // (concurrency across keys; a sequential runtime never opens the gate and the test times out),
  // and a2, which does not wait, finishes before a1: per-key order must still hold.
  let openGate!: () => void;
  const gate = new Promise<void>((r) => (openGate = r));
  b.stream('in', { key: S, value: L })
    .mapValuesAsync(async (v, k) => {
      started.push(`${k}${v}`);
      if (k === 'a' && v === 1) await gate;
      if (k === 'b') setImmediate(openGate);
      return v * 10;
    })
    .to('out', { key: S, value: L });
  const d = new TopologyTestDriver(b.build());
  const i = d.createInputTopic('in', S, L);
  i.pipeInput('a', 1, 1);
  i.pipeInput('a', 2, 2);
  i.pipeInput('b', 1, 3);
  await d.settle();
  const out = d.createOutputTopic('out', S, L).readKeyValuesToList();
  assert.deepEqual(out.filter((r) => r.key === 'a').map((r) => r.value), [10, 20]);
  assert.deepEqual(out.filter((r) => r.key === 'b').map((r) => r.value), [10]);
  // b ran while a's first call was still pending (concurrency across keys).
  assert.ok(out.findIndex((r) => r.key === 'b') < out.findIndex((r) => r.key === 'a'), JSON.stringify(out));
  d.close();
});

test('describe() prints sub-topologies, nodes, stores and topics in Kafka Streams form', () => {
  const builder = new StreamsBuilder();
  builder
    .stream('streams-plaintext-input', { key: S, value: S })
    .flatMapValues((v) => v.toLowerCase().split(' '))
    .groupBy((_k, v) => v)
    .count({ storeName: 'counts-store' })
    .toStream()
    .to('streams-wordcount-output', { key: S, value: L });
  const text = builder.build().describe().toString();
  assert.equal(
    text,
    [
      'Topologies:',
      '   Sub-topology: 0',
      '    Source: KSTREAM-SOURCE-0000000000 (topics: [streams-plaintext-input])',
      '      --> KSTREAM-FLATMAPVALUES-0000000001',
      '    Processor: KSTREAM-FLATMAPVALUES-0000000001 (stores: [])',
      '      --> KSTREAM-KEY-SELECT-0000000002',
      '      <-- KSTREAM-SOURCE-0000000000',
      '    Processor: KSTREAM-KEY-SELECT-0000000002 (stores: [])',
      '      --> counts-store-repartition-filter',
      '      <-- KSTREAM-FLATMAPVALUES-0000000001',
      '    Processor: counts-store-repartition-filter (stores: [])',
      '      --> counts-store-repartition-sink',
      '      <-- KSTREAM-KEY-SELECT-0000000002',
      '    Sink: counts-store-repartition-sink (topic: counts-store-repartition)',
      '      <-- counts-store-repartition-filter',
      '',
      '  Sub-topology: 1',
      '    Source: counts-store-repartition-source (topics: [counts-store-repartition])',
      '      --> KSTREAM-AGGREGATE-0000000003',
      '    Processor: KSTREAM-AGGREGATE-0000000003 (stores: [counts-store])',
      '      --> KTABLE-TOSTREAM-0000000007',
      '      <-- counts-store-repartition-source',
      '    Processor: KTABLE-TOSTREAM-0000000007 (stores: [])',
      '      --> KSTREAM-SINK-0000000008',
      '      <-- KSTREAM-AGGREGATE-0000000003',
      '    Sink: KSTREAM-SINK-0000000008 (topic: streams-wordcount-output)',
      '      <-- KTABLE-TOSTREAM-0000000007',
      '',
      '',
    ].join('\n'),
  );
});

test('serde failures name topic, partition and offset; logAndContinue skips the record', () => {
  const b = new StreamsBuilder();
  b.stream('in', { key: S, value: L }).to('out', { key: S, value: L });
  const failing = new TopologyTestDriver(b.build());
  const raw = failing.createInputTopic('in', S, Serdes.ByteArray());
  raw.pipeInput('k', L.serialize(1, 'in'), 1);
  assert.throws(
    () => raw.pipeInput('k', Buffer.from([1, 2, 3]), 2),
    (err: unknown) => err instanceof RecordSerdeError && err.topic === 'in' && err.partition === 0 && err.offset === 1 && /value of the record in in-0 at offset 1/.test(err.message) && /not 8/.test(err.message),
  );
  failing.close();
  const b2 = new StreamsBuilder();
  b2.stream('in', { key: S, value: L }).to('out', { key: S, value: L });
  const skipped: string[] = [];
  const d = new TopologyTestDriver(b2.build(), { deserializationHandler: 'logAndContinue', logger: { debug() {}, info() {}, warn: (m) => skipped.push(m), error() {} } });
  const i = d.createInputTopic('in', S, Serdes.ByteArray());
  i.pipeInput('bad', Buffer.from([1]), 1);
  i.pipeInput('good', L.serialize(7, 'in'), 2);
  assert.deepEqual(d.createOutputTopic('out', S, L).readKeyValuesToList(), [{ key: 'good', value: 7 }]);
  assert.equal(skipped.length, 1);
  assert.match(skipped[0]!, /in-0 at offset 0/);
  d.close();
});

test('scans of a cached store see its unflushed writes and deletes, in key order, without flushing', () => {
  const seen: string[] = [];
  const topology = new Topology()
    .addSource('src', 'in', { keySerde: S, valueSerde: L })
    .addProcessor(
      'scan',
      (): Processor<string, number, string, number> => {
        let kv: KeyValueStore<string, number>;
        let win: WindowStore<string, number>;
        return {
          init(c) {
            kv = c.getKeyValueStore<string, number>('kv');
            win = c.getWindowStore<string, number>('win');
          },
          process(r) {
            // The engine holds what earlier commits flushed; this record's writes are only cached.
            if (r.value < 0) kv.delete(r.key);
            else kv.put(r.key, r.value);
            win.put(r.key, r.value, 100);
            seen.push(`${kv.all().map((e) => `${e.key}=${e.value}`).join(',')}|${kv.range('b', 'c').map((e) => e.key).join(',')}|${win.fetchRange(r.key, 0, 200).map((e) => e.value).join(',')}|${kv.approximateNumEntries()}`);
          },
        };
      },
      'src',
    )
    .addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('kv'), S, L).withCachingEnabled(), 'scan')
    .addStateStore(Stores.windowStoreBuilder(Stores.inMemoryWindowStore('win', 1000, 10), S, L).withCachingEnabled(), 'scan');
  const d = new TopologyTestDriver(topology);
  const input = d.createInputTopic('in', S, L);
  input.pipeInput('c', 3, 0);
  input.pipeInput('a', 1, 1);
  input.pipeInput('b', 2, 2);
  input.pipeInput('a', -1, 3);
  input.pipeInput('c', 30, 4);
  d.close();
  assert.deepEqual(seen, [
    'c=3|c|3|1',
    'a=1,c=3|c|1|2',
    'a=1,b=2,c=3|b,c|2|3',
    'b=2,c=3|b,c|-1|2',
    'b=2,c=30|b,c|30|2',
  ]);
});
