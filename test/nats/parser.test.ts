import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NatsParser, type ParserHandler, type ProtocolError } from '../../src/nats/parser.js';

/** Records every callback as a line, so a whole parse can be compared at once. */
class Recorder implements ParserHandler {
  events: string[] = [];
  auth = false;
  maxPayload = 1024 * 1024;
  awaitingAuth() {
    return this.auth;
  }
  onConnect(json: string) {
    this.events.push(`CONNECT ${json}`);
    return true;
  }
  onPublishHeader(_s: string, size: number) {
    if (size > this.maxPayload) {
      this.events.push('MAXPAYLOAD');
      return false;
    }
    return true;
  }
  onPublish(subject: string, reply: string | undefined, hdrLen: number, buf: Buffer, start: number, end: number) {
    this.events.push(`PUB ${subject} ${reply ?? '-'} ${hdrLen} ${buf.toString('latin1', start, end)}`);
  }
  onSubscribe(subject: string, queue: string | undefined, sid: string) {
    this.events.push(`SUB ${subject} ${queue ?? '-'} ${sid}`);
  }
  onUnsubscribe(sid: string, max: number) {
    this.events.push(`UNSUB ${sid} ${max}`);
  }
  onPing() {
    this.events.push('PING');
  }
  onPong() {
    this.events.push('PONG');
  }
  onOk() {
    this.events.push('+OK');
  }
  onErr(text: string) {
    this.events.push(`-ERR ${text}`);
  }
  onInfo(json: string) {
    this.events.push(`INFO ${json}`);
  }
  onProtocolError(error: ProtocolError) {
    this.events.push(`ERROR ${error}`);
  }
}

function parseAll(chunks: (string | Buffer)[], setup?: (r: Recorder) => void): string[] {
  const r = new Recorder();
  setup?.(r);
  const p = new NatsParser(r, 4096);
  for (const c of chunks) p.parse(typeof c === 'string' ? Buffer.from(c, 'latin1') : c);
  return r.events;
}

const STREAM =
  'CONNECT {"verbose":false}\r\nSUB foo 1\r\nsub bar q 2\r\nPUB foo 5\r\nhello\r\npub foo reply 0\r\n\r\n' +
  'HPUB foo 12 17\r\nNATS/1.0\r\n\r\nworld\r\nUNSUB 1 10\r\nunsub 2\r\nPING\r\nPONG\r\n+OK\r\nPUB\tfoo\t\t3\nabc\r\n';
const EXPECTED = [
  'CONNECT {"verbose":false}',
  'SUB foo - 1',
  'SUB bar q 2',
  'PUB foo - 0 hello',
  'PUB foo reply 0 ',
  'PUB foo - 12 NATS/1.0\r\n\r\nworld',
  'UNSUB 1 10',
  'UNSUB 2 -1',
  'PING',
  'PONG',
  '+OK',
  'PUB foo - 0 abc',
];

test('parses every operation, any case, CRLF or LF, spaces or tabs', () => {
  assert.deepEqual(parseAll([STREAM]), EXPECTED);
});

test('the same stream split at every byte position parses identically', () => {
  for (let i = 1; i < STREAM.length; i++) {
    assert.deepEqual(parseAll([STREAM.slice(0, i), STREAM.slice(i)]), EXPECTED, `split at ${i}`);
  }
});

test('the stream fed one byte at a time parses identically', () => {
  assert.deepEqual(parseAll(STREAM.split('')), EXPECTED);
});

test('protocol errors', () => {
  assert.deepEqual(parseAll(['FOO bar\r\n']), ['ERROR unknown-operation']);
  assert.deepEqual(parseAll(['X']), ['ERROR unknown-operation'], 'refused before the newline arrives');
  assert.deepEqual(parseAll(['\r\n']), ['ERROR unknown-operation']);
  assert.deepEqual(parseAll(['MSG foo 1 1\r\n']), ['ERROR unknown-operation']);
  assert.deepEqual(parseAll(['PUB foo\r\n']), ['ERROR bad-arguments']);
  assert.deepEqual(parseAll(['PUB foo -1\r\n']), ['ERROR bad-arguments']);
  assert.deepEqual(parseAll(['PUB foo 1234567890\r\n']), ['ERROR bad-arguments']);
  assert.deepEqual(parseAll(['HPUB foo 10 5\r\n']), ['ERROR bad-arguments']);
  assert.deepEqual(parseAll(['PUB foo 2\r\nabc\r\n']), ['ERROR unknown-operation']);
  assert.deepEqual(parseAll(['SUB foo\r\n']), ['ERROR bad-arguments']);
  assert.deepEqual(parseAll(['SUB a b c d\r\n']), ['ERROR bad-arguments']);
  assert.deepEqual(parseAll([`SUB ${'x'.repeat(5000)} 1\r\n`]), ['ERROR max-control-line']);
  assert.deepEqual(parseAll([`SUB ${'x'.repeat(5000)}`]), ['ERROR max-control-line'], 'partial line over the limit');
  assert.deepEqual(parseAll(['PUB foo 2000000\r\n']), ['MAXPAYLOAD']);
  assert.deepEqual(parseAll(['PING\r\n'], (r) => (r.auth = true)), ['ERROR auth-violation']);
  assert.deepEqual(parseAll(['CONNECT {}\r\n'], (r) => (r.auth = true)), ['CONNECT {}']);
});

test('nothing is parsed after an error', () => {
  assert.deepEqual(parseAll(['BAD\r\nPING\r\n', 'PING\r\n']), ['ERROR unknown-operation']);
});

test('a payload split across many reads is reassembled', () => {
  const payload = Buffer.alloc(100_000, 7);
  const frame = Buffer.concat([Buffer.from('PUB big 100000\r\n'), payload, Buffer.from('\r\nPING\r\n')]);
  const chunks: Buffer[] = [];
  for (let i = 0; i < frame.length; i += 4093) chunks.push(frame.subarray(i, i + 4093));
  const events = parseAll(chunks);
  assert.equal(events.length, 2);
  assert.equal(events[0], `PUB big - 0 ${payload.toString('latin1')}`);
  assert.equal(events[1], 'PING');
});
