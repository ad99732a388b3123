// Windowed aggregations through the TopologyTestDriver: tumbling, hopping, sliding and session
// windows with late records inside and outside the grace period, and suppress(untilWindowCloses)
// emitting one final result per window once stream time passes window end + grace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Serdes, SessionWindows, SlidingWindows, StreamsBuilder, Suppressed, TimeWindows, TopologyTestDriver, WindowedSerdes, type Windowed } from 'wharf/streams';

const S = Serdes.String();
const L = Serdes.Long();

function rows(records: { key: Windowed<string> | null; value: number | null; timestamp?: number }[]): string[] {
  return records.map((r) => `${r.key?.key}@${r.key?.window.start}-${r.key?.window.end}=${r.value}`);
}

test('tumbling windows with grace: late records inside grace update, after grace are dropped', () => {
  const b = new StreamsBuilder();
  b.stream('in', { key: S, value: S })
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeAndGrace(10, 5))
    .count({ storeName: 'tw', caching: false })
    .toStream()
    .to('out', { key: WindowedSerdes.timeWindowed(S, 10), value: L });
  const d = new TopologyTestDriver(b.build());
  const i = d.createInputTopic('in', S, S);
  const o = d.createOutputTopic('out', WindowedSerdes.timeWindowed(S, 10), L);
  i.pipeInput('a', 'x', 1); // [0,10)
  i.pipeInput('a', 'x', 12); // [10,20), stream time 12
  i.pipeInput('a', 'x', 8); // late but 10 > 12 - 5: accepted in [0,10)
  i.pipeInput('a', 'x', 16); // stream time 16: [0,10) closes at 15
  i.pipeInput('a', 'x', 9); // 10 <= 16 - 5: dropped
  assert.deepEqual(rows(o.readRecordsToList()), ['a@0-10=1', 'a@10-20=1', 'a@0-10=2', 'a@10-20=2']);
  assert.equal(d.getWindowStore<string, number>('tw').fetch('a', 0), 2);
  assert.deepEqual(d.getWindowStore<string, number>('tw').fetchRange('a', 0, 10), [{ windowStart: 0, value: 2 }, { windowStart: 10, value: 2 }]);
  assert.equal(d.getTimestampedWindowStore<string, number>('tw').fetch('a', 0)?.value, 2);
  d.close();
});

test('hopping windows: a record counts in every window containing it', () => {
  const b = new StreamsBuilder();
  b.stream('in', { key: S, value: S })
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeWithNoGrace(10).advanceBy(5))
    .count({ caching: false })
    .toStream()
    .to('out', { key: WindowedSerdes.timeWindowed(S, 10), value: L });
  const d = new TopologyTestDriver(b.build());
  const i = d.createInputTopic('in', S, S);
  const o = d.createOutputTopic('out', WindowedSerdes.timeWindowed(S, 10), L);
  i.pipeInput('a', 'x', 7); // [0,10) [5,15)
  i.pipeInput('a', 'x', 12); // [5,15) [10,20)
  assert.deepEqual(rows(o.readRecordsToList()), ['a@0-10=1', 'a@5-15=1', 'a@5-15=2', 'a@10-20=1']);
  d.close();
});

test('sliding windows: windows defined by records, left and right windows, early records', () => {
  const b = new StreamsBuilder();
  b.stream('in', { key: S, value: L })
    .groupByKey()
    .windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(10, 100))
    .aggregate(() => 0, (_k, v, agg) => agg + v, { value: L, caching: false })
    .toStream()
    .to('out', { key: WindowedSerdes.timeWindowed(S, 10), value: L });
  const d = new TopologyTestDriver(b.build());
  const i = d.createInputTopic('in', S, L);
  const o = d.createOutputTopic('out', WindowedSerdes.timeWindowed(S, 10), L);
  i.pipeInput('a', 1, 20); // left window [10,20] = 1
  i.pipeInput('a', 2, 25); // prev right [21,31] = 2; left [15,25] = 1+2
  i.pipeInput('a', 4, 40); // [26,36] is empty (no window); prev right exists; left [30,40] = 4; [21,31] untouched
  const got = rows(o.readRecordsToList());
  assert.deepEqual(got, ['a@10-20=1', 'a@21-31=2', 'a@15-25=3', 'a@30-40=4']);
  // An early record (timestamp < time difference) goes to the window [0, 10].
  i.pipeInput('b', 5, 3);
  assert.deepEqual(rows(o.readRecordsToList()), ['b@0-10=5']);
  d.close();
});

test('session windows: records within the gap merge, a bridging record merges two sessions, late records', () => {
  // Without grace a record 10 ms behind stream time 20 is already late for a 5 ms gap.
  {
    const b = new StreamsBuilder();
    b.stream('in', { key: S, value: S }).groupByKey().windowedBy(SessionWindows.ofInactivityGapWithNoGrace(5)).count({ caching: false }).toStream().to('out', { key: WindowedSerdes.sessionWindowed(S), value: L });
    const d = new TopologyTestDriver(b.build());
    const i = d.createInputTopic('in', S, S);
    const o = d.createOutputTopic('out', WindowedSerdes.sessionWindowed(S), L);
    i.pipeInput('a', 'x', 20);
    i.pipeInput('a', 'x', 10);
    assert.deepEqual(rows(o.readRecordsToList()), ['a@20-20=1']);
    d.close();
  }
  const b = new StreamsBuilder();
  b.stream('in', { key: S, value: S })
    .groupByKey()
    .windowedBy(SessionWindows.ofInactivityGapAndGrace(5, 20))
    .count({ storeName: 'sessions', caching: false })
    .toStream()
    .to('out', { key: WindowedSerdes.sessionWindowed(S), value: L });
  const d = new TopologyTestDriver(b.build());
  const i = d.createInputTopic('in', S, S);
  const o = d.createOutputTopic('out', WindowedSerdes.sessionWindowed(S), L);
  i.pipeInput('a', 'x', 0);
  i.pipeInput('a', 'x', 3); // merges [0,0] into [0,3]
  i.pipeInput('a', 'x', 20); // new session [20,20]
  i.pipeInput('a', 'x', 10); // 10-5=5 > 3 and 10+5=15 < 20: a new session [10,10] (within grace: 10 >= 20-20-5)
  i.pipeInput('a', 'x', 14); // within 5 of 10 and of ... 20-14=6 > 5: merges with [10,10] only
  assert.deepEqual(rows(o.readRecordsToList()), ['a@0-0=1', 'a@0-0=null', 'a@0-3=2', 'a@20-20=1', 'a@10-10=1', 'a@10-10=null', 'a@10-14=2']);
  i.pipeInput('a', 'x', 17); // merges [10,14] and [20,20]
  assert.deepEqual(rows(o.readRecordsToList()), ['a@10-14=null', 'a@20-20=null', 'a@10-20=4']);
  i.pipeInput('a', 'x', 100);
  i.pipeInput('a', 'x', 2); // its session would end at 3 < 100 - 20 - 5: dropped
  assert.deepEqual(rows(o.readRecordsToList()), ['a@100-100=1']);
  // Retention is gap + grace (25 ms): at stream time 100 only the newest session is kept.
  assert.deepEqual(d.getSessionStore<string, number>('sessions').fetch('a').map((s) => [s.key.window.start, s.key.window.end, s.value]), [[100, 100, 1]]);
  d.close();
});

test('suppress(untilWindowCloses): one final result per window after end + grace', () => {
  const b = new StreamsBuilder();
  b.stream('in', { key: S, value: S })
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeAndGrace(10, 2))
    .count()
    .suppress(Suppressed.untilWindowCloses())
    .toStream()
    .to('out', { key: WindowedSerdes.timeWindowed(S, 10), value: L });
  const d = new TopologyTestDriver(b.build());
  const i = d.createInputTopic('in', S, S);
  const o = d.createOutputTopic('out', WindowedSerdes.timeWindowed(S, 10), L);
  i.pipeInput('a', 'x', 1);
  i.pipeInput('a', 'x', 5);
  i.pipeInput('b', 'x', 9);
  i.pipeInput('a', 'x', 11); // stream time 11 < 10 + 2: nothing final yet
  assert.equal(o.getQueueSize(), 0);
  i.pipeInput('a', 'x', 12); // 12 >= 12: window [0,10) closes
  assert.deepEqual(rows(o.readRecordsToList()).sort(), ['a@0-10=2', 'b@0-10=1']);
  i.pipeInput('a', 'x', 3); // late: dropped by the aggregation, nothing emitted
  i.pipeInput('c', 'x', 30); // closes [10,20)
  assert.deepEqual(rows(o.readRecordsToList()), ['a@10-20=2']);
  d.close();
});

test('suppress(untilTimeLimit): the latest value of a key once the limit passed in stream time', () => {
  const b = new StreamsBuilder();
  b.table('in', { key: S, value: S })
    .suppress(Suppressed.untilTimeLimit(10))
    .toStream()
    .to('out', { key: S, value: S });
  const d = new TopologyTestDriver(b.build());
  const i = d.createInputTopic('in', S, S);
  const o = d.createOutputTopic('out', S, S);
  i.pipeInput('k', 'v1', 0);
  i.pipeInput('k', 'v2', 5);
  assert.equal(o.getQueueSize(), 0);
  i.pipeInput('other', 'x', 10); // 0 <= 10 - 10: k emits its latest value
  assert.deepEqual(o.readKeyValuesToList(), [{ key: 'k', value: 'v2' }]);
  d.close();
});
