// Fetch responses borrow pooled read buffers (src/util/buffer-pool.ts, KafkaConnection's slot
// lease): a buffer may go back to the pool only once the socket has written the response that
// references it. The test makes a client that does not read, so that its Fetch responses wait in
// the socket's queue, then makes a second client read other data through the same pool, then
// lets the first client read: every batch it gets must be its own topic's, with a valid CRC. A
// buffer released when the response was encoded instead of when it was written is overwritten
// by the second client's reads while still queued, and the first client reads the other
// topic's bytes. Also the pool alone: bounded, each lease released once, big reads unpooled.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import type { Broker } from '../../src/index.js';
import { batchCrcValid, batchSize, buildRecordBatch } from '../../src/core/records/batch.js';
import { decodeResponseFrame, encodeRequestFrame } from '../../src/kafka/protocol/codec.js';
import { FrameSplitter } from '../../src/kafka/protocol/frame.js';
import type { FetchResponse } from '../../src/kafka/protocol/messages/index.js';
import { BufferPool } from '../../src/util/buffer-pool.js';
import { startTestBroker } from '../support/broker.js';
import { waitFor } from '../support/wait.js';

const VALUE_BYTES = 200 * 1024;
const BATCHES = 60; // 12 MB per topic: more than loopback's socket buffers take for a client that does not read
const FETCH_VERSION = 11;

function fetchFrame(correlationId: number, topic: string, offset: number): Buffer[] | Buffer {
  return encodeRequestFrame({ apiKey: 1, apiVersion: FETCH_VERSION, correlationId, clientId: 'read-buffers' } as never, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: BigInt(offset), logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [],
    rackId: '',
  } as never);
}

/** A raw client whose reading can be held back; collects Fetch answers in order. */
class HeldClient {
  readonly answers: FetchResponse[] = [];
  private readonly splitter = new FrameSplitter();
  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => this.splitter.push(d, (frame) => this.answers.push(decodeResponseFrame(frame, 1 as never, FETCH_VERSION).body as FetchResponse)));
  }
  static open(port: number): Promise<HeldClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port }, () => resolve(new HeldClient(s)));
      s.once('error', reject);
    });
  }
  send(frame: Buffer[] | Buffer): void {
    for (const b of Array.isArray(frame) ? frame : [frame]) this.socket.write(b);
  }
}

/** Every batch of a Fetch answer's records: CRC valid, value bytes all `fill`. */
function checkBatches(records: Buffer, fill: number, where: string): number {
  let n = 0;
  const other = Buffer.alloc(64, fill === 0x41 ? 0x42 : 0x41);
  assert.equal(records.indexOf(other), -1, `${where}: the records hold the other topic's bytes`);
  for (let p = 0; p + 61 <= records.length; ) {
    const size = batchSize(records, p);
    if (p + size > records.length) break; // a partial last batch is allowed in a Fetch answer
    assert.ok(batchCrcValid(records, p, size), `${where}: batch at ${p} has a bad CRC`);
    n++;
    p += size;
  }
  return n;
}

describe('Fetch read buffers', () => {
  let broker: Broker;
  before(async () => {
    // No hot tail: every read goes to the segment files, through the pooled buffers.
    broker = await startTestBroker({ kafkaPort: 0, fsync: 'never', hotTailBytes: 0 });
    for (const [topic, fill] of [['rb-a', 'A'], ['rb-b', 'B']] as const) {
      await broker.log.createTopic(topic);
      const p = broker.log.partition(topic, 0);
      for (let i = 0; i < BATCHES; i++) await p.append(buildRecordBatch({ records: [{ value: Buffer.alloc(VALUE_BYTES, fill) }] }));
    }
  });
  after(async () => {
    await broker.close();
  });

  test('a response keeps its buffers until the socket has written it, while other fetches reuse the pool', async () => {
    const held = await HeldClient.open(broker.ports.kafka);
    const reader = await HeldClient.open(broker.ports.kafka);
    try {
      held.socket.pause();
      // 12 fetches of about 1 MB each (5 batches from each offset), pipelined, none read yet.
      const heldFetches = 12;
      for (let i = 0; i < heldFetches; i++) held.send(fetchFrame(i + 1, 'rb-a', i * 5));
      // The other client reads the whole of rb-b meanwhile, one fetch at a time, through the pool.
      let offset = 0;
      let corr = 1;
      while (offset < BATCHES) {
        const before = reader.answers.length;
        reader.send(fetchFrame(corr++, 'rb-b', offset));
        await waitFor(() => reader.answers.length > before, { what: `the reader's fetch at ${offset}` });
        const part = reader.answers[before]!.responses[0]!.partitions[0]!;
        assert.equal(part.errorCode, 0);
        const n = checkBatches(part.records!, 0x42, `rb-b from ${offset}`);
        assert.ok(n > 0, 'the reader got whole batches');
        offset += n;
      }
      held.socket.resume();
      await waitFor(() => held.answers.length === heldFetches, { what: 'the held client read its answers' });
      for (let i = 0; i < heldFetches; i++) {
        const part = held.answers[i]!.responses[0]!.partitions[0]!;
        assert.equal(part.errorCode, 0);
        assert.ok(checkBatches(part.records!, 0x41, `rb-a answer ${i}`) > 0);
      }
    } finally {
      held.socket.destroy();
      reader.socket.destroy();
    }
  });
});

describe('BufferPool', () => {
  test('buffers return on release, once, up to the pool bound; big and late requests are unpooled', () => {
    const pool = new BufferPool(1024, 2);
    const a = pool.lease();
    const x = a.alloc(100);
    const y = a.alloc(1024);
    const z = a.alloc(600);
    assert.deepEqual([x.length, y.length, z.length], [100, 1024, 600]);
    assert.equal(pool.freeCount, 0, 'nothing is free while the lease holds its buffers');
    a.release();
    assert.equal(pool.freeCount, 2, 'three returned, two kept (the bound)');
    a.release();
    assert.equal(pool.freeCount, 2, 'a second release returns nothing');
    assert.equal(a.alloc(10).length, 10, 'after release: a buffer of its own');
    assert.equal(pool.freeCount, 2);
    const b = pool.lease();
    const reused = b.alloc(50);
    assert.equal(pool.freeCount, 1, 'a free buffer is reused');
    assert.equal(b.alloc(4096).length, 4096, 'bigger than the pool size: unpooled');
    assert.equal(pool.freeCount, 1);
    assert.notEqual(reused.buffer, b.alloc(50).buffer, 'two allocations of one lease never share a buffer');
    b.release();
    assert.equal(pool.freeCount, 2);
  });
});
