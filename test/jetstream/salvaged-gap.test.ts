// A stream whose segment was damaged while the broker was down (issue 16, reliability
// jetstream / bit-flip: every round used to lose the whole stream, since a stream is one
// partition and damage followed by valid batches took it offline; nats-server drops only the
// damaged block's messages). Storage recovery now cuts only the damaged batch out
// (docs/storage.md, "Recovery"); the stream rebuilt from the log must count its sequences as
// deleted (num_deleted, deleted_details; first_seq when the gap is at the start), answer a get of
// one with 10037, and a durable consumer must deliver every other message, with num_pending
// exact. The broker is stopped cleanly, so the stream's index snapshot taken at the close still
// holds the lost message: it must not be used.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nats from 'nats';
import type { Broker } from '../../src/index.js';
import { startTestBroker } from '../support/broker.js';
import { partitionDir } from '../support/data-dir.js';

const sc = nats.StringCodec();
const COUNT = 40;

/** Flips a bit inside the records of the batch holding sequence `seq` (offset seq - 1) and removes the index, as after a crash. */
function damageSeq(dataDir: string, topic: string, seq: number): void {
  const dir = partitionDir(dataDir, topic);
  const segs = readdirSync(dir).filter((n) => n.endsWith('.log')).sort();
  const file = join(dir, segs[segs.length - 1]!);
  const bytes = readFileSync(file);
  let pos = 0;
  while (pos < bytes.length) {
    const base = Number(bytes.readBigInt64BE(pos));
    const size = 12 + bytes.readInt32BE(pos + 8);
    const last = base + bytes.readInt32BE(pos + 23);
    if (base <= seq - 1 && seq - 1 <= last) {
      assert.equal(base, last, 'one message per batch');
      bytes[pos + size - 3]! ^= 0x20;
      writeFileSync(file, bytes);
      const index = file.replace(/\.log$/, '.index');
      if (existsSync(index)) unlinkSync(index);
      return;
    }
    pos += size;
  }
  throw new Error(`no batch holds sequence ${seq}`);
}

function metrics(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
}

test('a damaged batch in the middle and at the start of streams: the rest is served, the lost sequences are deleted, consumers deliver every other message', { timeout: 90_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-salvage-js-'));
  let broker: Broker | null = null;
  let nc: nats.NatsConnection | null = null;
  try {
    broker = await startTestBroker({ dataDir, httpPort: 0 });
    nc = await nats.connect({ port: broker.ports.nats });
    const jsm = await nc.jetstreamManager();
    const js = nc.jetstream();
    await jsm.streams.add({ name: 'S', subjects: ['s.>'] });
    await jsm.streams.add({ name: 'T', subjects: ['t.>'] });
    // One publish at a time: one batch per message.
    for (let i = 1; i <= COUNT; i++) await js.publish(`s.${i % 3}`, sc.encode(`m${i}`));
    for (let i = 1; i <= 10; i++) await js.publish('t.x', sc.encode(`t${i}`));
    await jsm.consumers.add('S', { durable_name: 'C', ack_policy: nats.AckPolicy.Explicit });
    const c = await js.consumers.get('S', 'C');
    for await (const m of await c.fetch({ max_messages: 5, expires: 2_000 })) await m.ackAck();
    await nc.close();
    nc = null;
    await broker.close();
    broker = null;

    damageSeq(dataDir, 'S', 20);
    damageSeq(dataDir, 'T', 1);

    broker = await startTestBroker({ dataDir, httpPort: 0 });
    nc = await nats.connect({ port: broker.ports.nats });
    const jsm2 = await nc.jetstreamManager();
    const js2 = nc.jetstream();
    const info = await jsm2.streams.info('S', { deleted_details: true });
    assert.equal(info.state.messages, COUNT - 1);
    assert.equal(info.state.first_seq, 1);
    assert.equal(info.state.last_seq, COUNT);
    assert.equal(info.state.num_deleted, 1);
    assert.deepEqual(info.state.deleted, [20]);
    await assert.rejects(jsm2.streams.getMessage('S', { seq: 20 }), (e: unknown) => (e as { api_error?: { err_code?: number } }).api_error?.err_code === 10037);
    assert.equal(sc.decode((await jsm2.streams.getMessage('S', { seq: 21 })).data), 'm21');

    const t = await jsm2.streams.info('T', { deleted_details: true });
    assert.equal(t.state.messages, 9);
    assert.equal(t.state.first_seq, 2, 'a gap at the start moves first_seq');
    assert.equal(t.state.num_deleted ?? 0, 0);

    // The consumer: 5 acknowledged before, 34 pending (the lost one is not counted), all delivered.
    const ci = await jsm2.consumers.info('S', 'C');
    assert.equal(ci.num_pending, COUNT - 5 - 1);
    const c2 = await js2.consumers.get('S', 'C');
    const got: number[] = [];
    while (got.length < COUNT - 6) {
      const before = got.length;
      for await (const m of await c2.fetch({ max_messages: COUNT, expires: 2_000 })) {
        got.push(m.seq);
        await m.ackAck();
      }
      if (got.length === before) break;
    }
    assert.deepEqual(got, Array.from({ length: COUNT - 5 }, (_, i) => i + 6).filter((s) => s !== 20));
    assert.equal((await jsm2.consumers.info('S', 'C')).num_pending, 0);
    // New messages follow the old end.
    assert.equal((await js2.publish('s.new', sc.encode('new'))).seq, COUNT + 1);

    const text = await metrics(broker.ports.http!);
    assert.match(text, /wharf_log_salvaged_lost_offsets_total\{topic="S"\} 1\b/);
    assert.match(text, /wharf_log_salvaged_ranges_total\{topic="T"\} 1\b/);
  } finally {
    await nc?.close().catch(() => {});
    await broker?.close().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  }
});
