// Bad input on the Kafka port: each kind closes only its own connection, is logged once, and
// never stops the broker from serving a well-behaved client (kafkajs) at the same time.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Producer } from 'kafkajs';
import { startBroker, type Broker } from '../../src/index.js';
import { encodeRequestFrame, decodeResponseFrame } from '../../src/kafka/protocol/codec.js';
import { RawClient } from '../support/raw-client.js';
import { waitFor } from '../support/wait.js';
import { kafkaClient } from './support/kafkajs.js';

function frame(apiKey: number, apiVersion: number, correlationId: number, body: object): Buffer {
  return encodeRequestFrame({ apiKey, apiVersion, correlationId, clientId: 'raw' } as never, body as never);
}

function sized(body: Buffer): Buffer {
  const out = Buffer.alloc(4 + body.length);
  out.writeInt32BE(body.length, 0);
  body.copy(out, 4);
  return out;
}

/** Reads one response frame (without its size) from a raw client. */
async function readFrame(c: RawClient, timeoutMs = 2_000): Promise<Buffer> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const buf = c.buffer();
    if (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) return buf.subarray(4, 4 + buf.readInt32BE(0));
    if (Date.now() > deadline || c.closed) throw new Error(`no response frame (have ${buf.length} bytes, closed=${c.closed}) ${JSON.stringify(lastLines.slice(-3))}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let lastLines: unknown[] = [];
describe('malformed input on the Kafka port', () => {
  let broker: Broker;
  let dataDir: string;
  const lines: Array<{ msg?: string; reason?: string; conn?: number }> = [];
  lastLines = lines;
  let producer: Producer;
  let sent = 0;
  let sendFailures = 0;
  let keepSending = true;
  let sender: Promise<void>;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'wharf-test-'));
    const stream = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l));
        cb();
      },
    });
    broker = await startBroker({ host: '127.0.0.1', nats: { port: 0 }, http: { port: -1 }, kafka: { port: 0, maxFrameBytes: 1024 * 1024 }, storage: { fsync: 'never', dataDir } }, pino({ level: 'warn' }, stream));
    producer = kafkaClient(broker.ports.kafka).producer();
    await producer.connect();
    // A well-behaved client keeps producing while the bad ones come and go.
    sender = (async () => {
      while (keepSending) {
        try {
          await producer.send({ topic: 'steady', messages: [{ value: `m${sent}` }] });
          sent++;
        } catch {
          sendFailures++;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
  });

  after(async () => {
    keepSending = false;
    await sender;
    await producer.disconnect();
    await broker.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const closes = (): number => lines.filter((l) => l.msg === 'closing kafka connection').length;

  async function expectClosed(name: string, bytes: Buffer | string, opts: { timeoutMs?: number } = {}): Promise<void> {
    const before = closes();
    const c = await RawClient.connect(broker.ports.kafka);
    await c.write(bytes);
    assert.ok(await c.waitClosed(opts.timeoutMs ?? 3_000), `${name}: connection should be closed`);
    await waitFor(() => closes() > before, { what: `${name}: the close to be logged`, timeoutMs: 5_000, intervalMs: 5 });
    assert.equal(closes() - before, 1, `${name}: logged once`);
  }

  test('valid ApiVersions on a raw connection; a too-new version gets UNSUPPORTED_VERSION in v0 with the full list', async () => {
    const c = await RawClient.connect(broker.ports.kafka);
    await c.write(frame(18, 3, 7, { clientSoftwareName: 'raw', clientSoftwareVersion: '1.0' }));
    const ok = decodeResponseFrame(await readFrame(c), 18, 3);
    assert.equal(ok.header.correlationId, 7);
    assert.equal(ok.body.errorCode, 0);
    c.take();
    // ApiVersions v99: the header (v2: client id, empty tagged fields) is readable, the body is not.
    const h = Buffer.alloc(8 + 2 + 3 + 1 + 4);
    h.writeInt16BE(18, 0);
    h.writeInt16BE(99, 2);
    h.writeInt32BE(8, 4);
    h.writeInt16BE(3, 8);
    h.write('raw', 10);
    await c.write(sized(h));
    const res = decodeResponseFrame(await readFrame(c), 18, 0);
    assert.equal(res.header.correlationId, 8);
    assert.equal(res.body.errorCode, 35);
    assert.deepEqual(res.body.apiKeys, ok.body.apiKeys);
    assert.ok(res.body.apiKeys.some((k) => k.apiKey === 0 && k.minVersion === 0 && k.maxVersion === 13));
    assert.equal(c.closed, false);
    c.close();
  });

  test('a size prefix over the frame limit', () => expectClosed('huge', Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3])));

  test('a negative size prefix', () => expectClosed('negative', Buffer.from([0xff, 0xff, 0xff, 0xfe, 0, 0])));

  test('an unknown API key', () => {
    const h = Buffer.alloc(10);
    h.writeInt16BE(999, 0);
    h.writeInt16BE(0, 2);
    h.writeInt32BE(1, 4);
    h.writeInt16BE(-1, 8);
    return expectClosed('unknown api', sized(h));
  });

  test('a known API at a version the codec knows but the broker does not advertise (FindCoordinator v6, share groups)', () =>
    expectClosed('find coordinator v6', frame(10, 6, 1, { keyType: 2, coordinatorKeys: ['g:AAAAAAAAAAAAAAAAAAAAAA:0'] })));

  test('a version Kafka 4 removed but still advertises for librdkafka (Produce v2), as Kafka 4.4 does', () => {
    // Produce v2: acks, timeout, no topics (the v3 layout without the transactional id).
    const h = Buffer.alloc(8 + 2 + 3 + 2 + 4 + 4);
    h.writeInt16BE(0, 0);
    h.writeInt16BE(2, 2);
    h.writeInt32BE(1, 4);
    h.writeInt16BE(3, 8);
    h.write('raw', 10);
    h.writeInt16BE(1, 13);
    h.writeInt32BE(5_000, 15);
    h.writeInt32BE(0, 19);
    return expectClosed('produce v2', sized(h));
  });

  test('a version Kafka 4 removed (DescribeConfigs v0)', () => {
    const h = Buffer.alloc(8 + 2 + 3 + 4);
    h.writeInt16BE(32, 0);
    h.writeInt16BE(0, 2);
    h.writeInt32BE(1, 4);
    h.writeInt16BE(3, 8);
    h.write('raw', 10);
    h.writeInt32BE(0, 13);
    return expectClosed('describe configs v0', sized(h));
  });

  test('a truncated request (array length with no elements)', () => {
    const full = frame(3, 1, 1, { topics: [{ name: 'x' }] });
    const body = full.subarray(4, full.length - 3); // cut the topic name short
    return expectClosed('truncated', sized(body));
  });

  test('a frame whose length lies: the next request is read as its tail and fails', async () => {
    const before = closes();
    const c = await RawClient.connect(broker.ports.kafka);
    const real = frame(3, 1, 1, { topics: null });
    const lying = Buffer.from(real);
    lying.writeInt32BE(real.length - 4 + 20, 0); // claims 20 bytes more than it has
    await c.write(lying);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(c.closed, false, 'waits for the bytes the size promised');
    assert.equal(c.received, 0);
    await c.write(Buffer.concat([frame(18, 0, 2, {}), frame(18, 0, 3, {})]));
    assert.ok(await c.waitClosed(3_000), 'closed once the frame proved malformed');
    assert.equal(closes() - before, 1);
  });

  test('an HTTP request on the Kafka port', async () => {
    await expectClosed('http', 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
    assert.ok(lines.some((l) => l.reason === 'HTTP request on the Kafka port'));
  });

  test('garbage bytes', () => expectClosed('garbage', Buffer.from('00000010deadbeefcafebabe0102030405060708', 'hex')));

  test('a request with bytes left over after its body is answered, as Apache Kafka does', async () => {
    // librdkafka 2.15 sends Metadata v12 with 3 bytes more than the version defines.
    const full = frame(18, 0, 1, {});
    const body = Buffer.concat([full.subarray(4), Buffer.from([1, 2, 3])]);
    const c = await RawClient.connect(broker.ports.kafka);
    await c.write(sized(body));
    const res = decodeResponseFrame(await readFrame(c, 5_000), 18, 0);
    assert.equal(res.header.correlationId, 1);
    assert.equal(res.body.errorCode, 0, 'an ApiVersions response came back');
    c.close();
  });

  test('many bad connections at once; the steady producer never failed', async () => {
    const bad = await Promise.all(Array.from({ length: 50 }, () => RawClient.connect(broker.ports.kafka)));
    await Promise.all(bad.map((c, i) => c.write(i % 2 === 0 ? 'GET / HTTP/1.0\r\n\r\n' : Buffer.from([0, 0, 0, 4, 0xff, 0xff, 0xff, 0xff]))));
    for (const c of bad) assert.ok(await c.waitClosed(3_000));
    const s = sent;
    await waitFor(() => sent >= s + 5 || sendFailures > 0, { what: 'the producer to send five more times', timeoutMs: 30_000 });
    assert.ok(sent >= s + 5, 'the producer still makes progress');
    assert.equal(sendFailures, 0);
  });
});
