// Byte compatibility with Java Kafka Streams 4.3.1: the same topologies run in Java's and in this
// library's TopologyTestDriver on the same input; describe() must print the same text and every
// topic (outputs, repartition topics, changelogs of key-value, window and session stores) must
// receive the same records, byte for byte, with the same timestamps.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { KTable, Serdes, SessionWindows, StreamsBuilder, TimeWindows, TopologyTestDriver, WindowedSerdes, keyValue, type Topology } from 'wharf/streams';
import { javaSkip } from '../kafka/support/java.js';
import { compileStreamsApp } from './support/java-streams.js';

const S = Serdes.String();
const L = Serdes.Long();

type Input = [string | null, string | null, number];

const scenarios: Record<string, { topology: () => Topology; input: Input[] }> = {
  wordcount: {
    topology: () => {
      const b = new StreamsBuilder();
      b.stream('in', { key: S, value: S })
        .flatMapValues((v) => v.toLowerCase().split(' '))
        .groupBy((_k, v) => v, { key: S, value: S })
        .count({ storeName: 'counts', key: S, value: L, caching: false })
        .toStream()
        .to('out', { key: S, value: L });
      return b.build();
    },
    input: [['a', 'Hello Kafka', 1000], [null, 'hello wharf hello', 2000], ['b', 'kafka', 1500]],
  },
  windowed: {
    topology: () => {
      const b = new StreamsBuilder();
      b.stream('in', { key: S, value: S })
        .groupByKey({ key: S, value: S })
        .windowedBy(TimeWindows.ofSizeAndGrace(10_000, 0))
        .count({ storeName: 'wcounts', key: S, value: L, caching: false })
        .toStream()
        .to('out', { key: WindowedSerdes.timeWindowed(S, 10_000), value: L });
      return b.build();
    },
    input: [['u1', 'x', 1000], ['u2', 'x', 4000], ['u1', 'x', 9000], ['u1', 'x', 12000], ['u2', 'x', 25000], ['u1', 'x', 3000]],
  },
  session: {
    topology: () => {
      const b = new StreamsBuilder();
      b.stream('in', { key: S, value: S })
        .groupByKey({ key: S, value: S })
        .windowedBy(SessionWindows.ofInactivityGapAndGrace(5_000, 60_000))
        .count({ storeName: 'scounts', key: S, value: L, caching: false })
        .toStream()
        .to('out', { key: WindowedSerdes.sessionWindowed(S), value: L });
      return b.build();
    },
    input: [['u1', 'x', 1000], ['u1', 'x', 4000], ['u2', 'x', 5000], ['u1', 'x', 20000], ['u1', 'x', 12000], ['u1', 'x', 16000]],
  },
  tablegroup: {
    topology: () => {
      const b = new StreamsBuilder();
      const users: KTable<string, string> = b.table('in', { key: S, value: S }, { storeName: 'users', key: S, value: S, caching: false });
      users
        .groupBy((k, v) => keyValue(v, k), { key: S, value: S })
        .count({ storeName: 'per-region', key: S, value: L, caching: false })
        .toStream()
        .to('out', { key: S, value: L });
      return b.build();
    },
    input: [['alice', 'eu', 1], ['bob', 'eu', 2], ['alice', 'us', 3], ['bob', null, 4], ['carol', 'us', 5]],
  },
  serdes: {
    topology: () => {
      const b = new StreamsBuilder();
      const s = b.stream('in', { key: S, value: S });
      s.mapValues((v) => Number(v)).to('longs', { key: S, value: Serdes.Long() });
      s.mapValues((v) => Number(v)).to('ints', { key: S, value: Serdes.Integer() });
      s.mapValues((v) => Number(v) / 4).to('doubles', { key: S, value: Serdes.Double() });
      s.mapValues((v) => Number(v) / 2).to('floats', { key: S, value: Serdes.Float() });
      s.mapValues((v) => Number(v)).to('shorts', { key: S, value: Serdes.Short() });
      s.mapValues((v) => Number(v) % 2 === 0).to('booleans', { key: S, value: Serdes.Boolean() });
      return b.build();
    },
    input: [['k', '0', 1], ['k', '-1', 2], ['k', '1234', 3], ['ü', '-32768', 4], ['k', '32767', 5]],
  },
};

function hex(b: Buffer | null): string {
  if (b === null) return '-';
  return b.length === 0 ? '.' : b.toString('hex');
}

function runTypeScript(name: string): { describe: string; records: string[] } {
  const s = scenarios[name]!;
  const topology = s.topology();
  const d = new TopologyTestDriver(topology, { applicationId: 'compat', cacheMaxBytes: 0 });
  const input = d.createInputTopic('in', S, S);
  for (const [k, v, ts] of s.input) input.pipeInput(k, v, ts);
  const records: string[] = [];
  for (const topic of d.producedTopicNames().sort()) {
    const out = d.createOutputTopic(topic, Serdes.ByteArray(), Serdes.ByteArray());
    for (const r of out.readRecordsToList()) records.push(`${topic}\t${hex(r.key)}\t${hex(r.value)}\t${r.timestamp}`);
  }
  d.close();
  return { describe: topology.describe().toString(), records };
}

describe('byte compatibility with Java Kafka Streams 4.3.1', { skip: javaSkip() }, () => {
  let java: { classpath: string; classes: string } | undefined;
  const runJava = (name: string): { describe: string; records: string[] } => {
    java ??= compileStreamsApp('StreamsCompat');
    const stdin = scenarios[name]!.input.map(([k, v, ts]) => `${k ?? '-'}\t${v ?? '-'}\t${ts}`).join('\n') + '\n';
    const out = execFileSync('java', ['-cp', java.classpath, 'StreamsCompat', name], { input: stdin, encoding: 'utf8', timeout: 120_000 });
    const [, rest = ''] = out.split('DESCRIBE\n');
    const [desc = '', recs = ''] = rest.split('END\n');
    return { describe: desc, records: recs.split('\n').filter(Boolean) };
  };
  for (const name of Object.keys(scenarios)) {
    test(name, { timeout: 300_000 }, () => {
      const j = runJava(name);
      const t = runTypeScript(name);
      assert.equal(t.describe, j.describe, 'describe()');
      assert.ok(j.records.length > 0);
      assert.deepEqual(t.records, j.records, 'records of every topic');
    });
  }
  test('cleanup', () => {
    if (java) rmSync(java.classes, { recursive: true, force: true });
  });
});
