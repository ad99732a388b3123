// The record cursor of StreamView.readMany reads every batch as readRecords does: offsets (with
// the gaps compaction leaves), timestamps (create time and log-append time), null and non-null
// keys and values, headers (null values, UTF-8 names), compressed sections, and it compares the
// key with a subject in place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchRecordsData, buildRecordBatch, setLogAppendTime } from '../../src/core/records/batch.js';
import { readRecords } from '../../src/core/streams/record-codec.js';
import { RecordCursor } from '../../src/core/streams/record-cursor.js';

function viaCursor(batch: Buffer) {
  const c = new RecordCursor();
  c.reset(batch, batchRecordsData(batch));
  const out = [];
  while (c.next()) out.push({ light: { offset: c.offset, timestamp: c.timestamp, headerCount: c.headerCount, value: c.value() }, whole: c.record() });
  return out;
}

const base = 1_764_800_000_000;
const records = [
  { key: 'orders.1', value: 'one', timestamp: base },
  { key: null, value: 'no key', timestamp: base + 5 },
  { key: 'orders.3', value: null, timestamp: base + 7 },
  { key: 'k\u00e9y', value: Buffer.alloc(300, 7), headers: [{ key: 'Nats-Msg-Id', value: 'abc' }, { key: 'n\u00e4me', value: null }, { key: '', value: 'x' }], timestamp: base + 1_000, offsetDelta: 5 },
  { key: '', value: '', timestamp: base - 3, offsetDelta: 9 },
];

for (const [name, batch] of [
  ['create time', buildRecordBatch({ baseOffset: 41, records })],
  ['log-append time', (() => {
    const b = buildRecordBatch({ baseOffset: 41, records });
    setLogAppendTime(b, 0, base + 60_000);
    return b;
  })()],
] as const) {
  test(`the record cursor reads a batch as readRecords does (${name})`, () => {
    const expected = readRecords(batch, batchRecordsData(batch));
    const got = viaCursor(batch);
    assert.equal(got.length, expected.length);
    assert.equal(got.length, records.length);
    for (let i = 0; i < expected.length; i++) {
      const e = expected[i]!;
      assert.deepEqual(got[i]!.whole, e, `record ${i}`);
      assert.equal(got[i]!.light.offset, e.offset);
      assert.equal(got[i]!.light.timestamp, e.timestamp);
      assert.equal(got[i]!.light.headerCount, e.headers.length);
      assert.deepEqual(got[i]!.light.value, e.value ?? Buffer.alloc(0));
    }
    assert.deepEqual(got.map((r) => r.whole.offset), [41, 42, 43, 46, 50]);
  });
}

test('the record cursor compares the key with a subject in place (null keys count as the subject)', () => {
  const batch = buildRecordBatch({ records });
  const c = new RecordCursor();
  c.reset(batch, batchRecordsData(batch));
  const answers: boolean[][] = [];
  while (c.next()) answers.push([c.keyIsNullOr('orders.1'), c.keyIsNullOr('orders.3'), c.keyIsNullOr('')]);
  assert.deepEqual(answers, [
    [true, false, false],
    [true, true, true],
    [false, true, false],
    [false, false, false],
    [false, false, true],
  ]);
});
