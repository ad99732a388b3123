// The consumer state journal's two delta formats: the binary form (consumer-delta-codec.ts)
// decodes to the object the JSON form holds, a delta it cannot hold (a fractional time) is
// written as JSON, and recovery reads a __jetstream_consumers topic whose deltas are JSON (as
// every Wharf before the binary form wrote them), then JSON followed by binary, to the same
// state: deliveries, delivery counts, acks, NAKs, progress, the ack floor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeltaEncoder, decodeDelta, type DeltaFields } from '../../src/core/coordinators/jetstream/consumer-delta-codec.js';
import { ConsumerCoordinator, openSharedConsumerState } from '../../src/core/coordinators/jetstream/consumer-coordinator.js';
import { CONSUMER_STATE_TOPIC } from '../../src/core/coordinators/jetstream/consumer-state-store.js';
import type { Delivery, PullSink } from '../../src/core/coordinators/jetstream/consumer-types.js';
import { batchIsControl, decodeRecords, forEachBatch } from '../../src/core/records/batch.js';
import type { Log } from '../../src/core/log/index.js';
import { openTestLog, silentLogger, tempDir } from '../storage/helpers.js';
import { FakeRegistry, FakeStream, streamConfig } from './support/fake-stream.js';

/** The JSON value recordOf writes for these fields. */
function jsonOf(f: DeltaFields): Record<string, unknown> {
  const v: Record<string, unknown> = { v: 1, inc: f.inc, n: f.n };
  if (f.dlv.length > 0) v.dlv = f.dlv;
  if (f.subj.length > 0) v.subj = f.subj;
  if (f.cur !== null) v.cur = f.cur;
  if (f.acks.length > 0) v.ack = f.acks;
  if (f.ackAll > 0) v.all = f.ackAll;
  if (f.ts.length > 0) v.ts = f.ts;
  if (f.max.length > 0) v.max = f.max;
  if (f.lastAck > 0) v.la = f.lastAck;
  return JSON.parse(JSON.stringify(v)) as Record<string, unknown>;
}

const now = 1_764_806_400_123;
const fields: DeltaFields[] = [
  { inc: 'a1b2', n: 1, dlv: [1, 1, 1, now, 2, 2, 1, now, 7, 3, 4, now + 9, 5, 4, 2, now - 40], subj: ['orders.1', 'orders.1', 'caf\u00e9.\u00fc', 'orders.1'], cur: null, acks: [], ackAll: 0, ts: [], max: [], lastAck: 0 },
  { inc: 'x', n: 2047, dlv: [], subj: [], cur: [900, 2 ** 40], acks: [9, 3, 12, 1], ackAll: 0, ts: [3, now + 30_000, 1, now - 5], max: [12, 4], lastAck: now + 1 },
  { inc: '', n: 3, dlv: [], subj: [], cur: null, acks: [], ackAll: 77, ts: [], max: [], lastAck: now },
  { inc: 'only-n', n: 4, dlv: [], subj: [], cur: null, acks: [], ackAll: 0, ts: [], max: [], lastAck: 0 },
];

test('a binary delta decodes to the object its JSON form holds, and starts with no "{"', () => {
  const enc = new DeltaEncoder();
  for (const f of fields) {
    const b = enc.encode(f);
    assert.ok(b !== null);
    assert.notEqual(b[0], 0x7b);
    assert.deepEqual(decodeDelta(b), jsonOf(f));
    assert.ok(b.length < Buffer.byteLength(JSON.stringify(jsonOf(f))), 'smaller than its JSON');
  }
  assert.throws(() => decodeDelta(Buffer.from([0x01, 0x00, 0x01, 0x5a])), /unknown section/);
  assert.throws(() => decodeDelta(enc.encode(fields[0]!)!.subarray(0, 12)), /truncated/);
});

test('a delta with a number the binary form cannot hold is left to JSON', () => {
  const enc = new DeltaEncoder();
  assert.equal(enc.encode({ ...fields[1]!, ts: [3, now + 0.5] }), null);
  assert.equal(enc.encode({ ...fields[1]!, acks: [2 ** 52] }), null);
  // The encoder is usable after declining.
  assert.deepEqual(decodeDelta(enc.encode(fields[2]!)!), jsonOf(fields[2]!));
});

class Sink implements PullSink {
  readonly got: Array<{ seq: number; dc: number }> = [];
  size(d: Delivery): number {
    return d.msg.subject.length + d.msg.data.length;
  }
  message(d: Delivery): void {
    this.got.push({ seq: d.msg.seq, dc: d.deliveries });
  }
  status(): void {}
  heartbeat(): void {}
  hasInterest(): boolean {
    return true;
  }
}

async function until(what: string, cond: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const noEvents = { created: () => {}, deleted: () => {}, paused: () => {}, nak: () => {}, terminated: () => {}, maxDeliveries: () => {}, pinned: () => {}, unpinned: () => {} };

async function open(log: Log, reg: FakeRegistry, jsonDeltas: boolean): Promise<ConsumerCoordinator> {
  const shared = await openSharedConsumerState(log, silentLogger, () => false);
  shared.store.jsonDeltas = jsonDeltas;
  return ConsumerCoordinator.open({ log, streams: reg, logger: silentLogger, events: noEvents, shared, pushSinks: () => { throw new Error('no push'); } });
}

/** The first byte of every delta value in the topic, in order. */
async function deltaFormats(log: Log): Promise<string> {
  const p = log.partition(CONSUMER_STATE_TOPIC, 0);
  const r = await p.read(p.logStartOffset, 16 * 1024 * 1024, { maxOffset: p.highWatermark });
  let out = '';
  for (const chunk of r.chunks) {
    forEachBatch(chunk, (pos, size) => {
      const b = chunk.subarray(pos, pos + size);
      if (batchIsControl(b)) return;
      for (const rec of decodeRecords(b)) {
        if (rec.key?.toString().startsWith('["d"') && rec.value !== null) out += rec.value[0] === 0x7b ? 'j' : 'b';
      }
    });
  }
  return out;
}

const pull = (batch: number, sink: Sink) => ({ batch, maxBytes: 0, expires: 3_000_000_000n, noWait: false, heartbeat: 0n, sink });

async function confirmedAck(c: NonNullable<ReturnType<ConsumerCoordinator['consumer']>>, seq: number, verb: Parameters<typeof c.ack>[3] = { kind: 'ack' }): Promise<void> {
  let ok = false;
  c.ack(seq, seq, 1, verb, (v) => (ok = v));
  await until(`confirmation of ${seq}`, () => ok);
}

test('recovery reads JSON deltas (older brokers), then JSON and binary deltas in one topic, to the same state', async () => {
  const { dir, cleanup } = tempDir('wharf-journal-');
  let log = await openTestLog(dir);
  try {
    const reg = new FakeRegistry();
    const s = reg.add(new FakeStream(streamConfig('FMT')));
    for (let i = 1; i <= 10; i++) s.append(`fmt.${i % 3}`, `m${i}`);
    // Phase 1: the old format only.
    let co = await open(log, reg, true);
    assert.ok(!('err_code' in (await co.create('FMT', { durable_name: 'D', ack_policy: 'explicit', ack_wait: 60_000_000_000n }, ''))));
    let c = co.consumer('FMT', 'D')!;
    const a = new Sink();
    c.pull(pull(6, a));
    await until('six deliveries', () => a.got.length === 6);
    await confirmedAck(c, 1);
    await confirmedAck(c, 3);
    await c.settled();
    assert.match(await deltaFormats(log), /^j+$/, 'phase 1 wrote JSON deltas only');
    for (const cc of co.all()) cc.close(false); // a crash: no snapshot
    await log.close();

    // Phase 2: recovered from JSON deltas by the binary-writing build; it adds binary deltas.
    log = await openTestLog(dir);
    co = await open(log, reg, false);
    c = co.consumer('FMT', 'D')!;
    let info = c.info();
    assert.deepEqual([info.delivered.stream_seq, info.ack_floor.stream_seq, info.num_ack_pending, info.num_pending], [6, 1, 4, 4]);
    await confirmedAck(c, 2);
    await confirmedAck(c, 4, { kind: 'progress' }); // a new ack-wait start: the delta's ts section
    await confirmedAck(c, 5, { kind: 'nak' }); // queued for redelivery: the next pull's first, with dc 2
    const b = new Sink();
    c.pull(pull(3, b));
    await until('a redelivery and two new', () => b.got.length === 3);
    assert.deepEqual(b.got, [{ seq: 5, dc: 2 }, { seq: 7, dc: 1 }, { seq: 8, dc: 1 }]);
    await confirmedAck(c, 7);
    await c.settled();
    assert.match(await deltaFormats(log), /^j+b+$/, 'phase 2 appended binary deltas after the JSON ones');
    info = c.info();
    const expected = [info.delivered.stream_seq, info.delivered.consumer_seq, info.ack_floor.stream_seq, info.num_ack_pending, info.num_redelivered, info.num_pending];
    assert.deepEqual(expected, [8, 9, 3, 4, 1, 2]);
    for (const cc of co.all()) cc.close(false);
    await log.close();

    // Phase 3: both formats replayed give the state phase 2 had, and the same redeliveries.
    log = await openTestLog(dir);
    co = await open(log, reg, false);
    c = co.consumer('FMT', 'D')!;
    info = c.info();
    assert.deepEqual([info.delivered.stream_seq, info.delivered.consumer_seq, info.ack_floor.stream_seq, info.num_ack_pending, info.num_redelivered, info.num_pending], expected);
    await co.close();
  } finally {
    await log.close();
    cleanup();
  }
});
