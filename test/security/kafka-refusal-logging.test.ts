// Kafka authentication refusals are logged once each and touch no other client: a wrong
// password, an unknown user, a mechanism that is not enabled and a request before SASL
// authentication each leave exactly one warning in the broker's log (the refusal; the close that
// follows it is not a second warning), while a producer authenticated on the same listener keeps
// producing between them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { connect as tcpConnect } from 'node:net';
import { Kafka, logLevel, type Producer, type SASLOptions } from 'kafkajs';
import { pino } from 'pino';
import { startBroker, type Broker } from '../../src/index.js';
import { waitFor } from '../support/wait.js';

interface LogRecord {
  level: number;
  msg: string;
  reason?: string;
}

const sasl = (username: string, password: string): SASLOptions => ({ mechanism: 'plain', username, password });

/** A Metadata v1 request for every topic: not ApiVersions or SASL, so refused before authentication. */
function metadataFrame(): Buffer {
  const clientId = Buffer.from('raw');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length + 4);
  let o = body.writeInt16BE(3, 0);
  o = body.writeInt16BE(1, o);
  o = body.writeInt32BE(7, o);
  o = body.writeInt16BE(clientId.length, o);
  o += clientId.copy(body, o);
  body.writeInt32BE(-1, o);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length, 0);
  return Buffer.concat([size, body]);
}

function sendAndWaitClose(port: number, frame: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const sock = tcpConnect({ port, host: '127.0.0.1' });
    sock.on('connect', () => sock.write(frame));
    sock.on('error', () => undefined);
    sock.on('close', () => resolve());
  });
}

describe('Kafka refusals: logged once each, no other client affected', () => {
  let broker: Broker;
  let port: number;
  let producer: Producer;
  const logs: LogRecord[] = [];
  const warnings = () => logs.filter((l) => l.level === 40);

  before(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) logs.push(JSON.parse(line) as LogRecord);
        done();
      },
    });
    broker = await startBroker(
      {
        host: '127.0.0.1',
        logLevel: 'warn',
        nats: { port: 0 },
        http: { port: -1 },
        storage: { engine: 'memory' },
        kafka: { listeners: [{ name: 'SASL_PLAINTEXT', host: '127.0.0.1', port: 0, protocol: 'SASL_PLAINTEXT' }], saslMechanisms: ['PLAIN'], plainUsers: { alice: 'alice-secret' } },
      },
      pino({ level: 'warn' }, sink),
    );
    port = broker.ports.kafkaListeners.SASL_PLAINTEXT!;
    producer = new Kafka({ clientId: 'bystander', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, sasl: sasl('alice', 'alice-secret') }).producer({ allowAutoTopicCreation: true });
    await producer.connect();
    await producer.send({ topic: 'bystander', messages: [{ value: 'first' }] });
  });

  after(async () => {
    await producer?.disconnect();
    await broker?.close();
  });

  const attempts: [string, () => Promise<unknown>][] = [
    ['a wrong password', () => new Kafka({ clientId: 'x', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 0 }, sasl: sasl('alice', 'nope') }).admin().connect()],
    ['an unknown user', () => new Kafka({ clientId: 'x', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 0 }, sasl: sasl('mallory', 'x') }).admin().connect()],
    ['a mechanism not enabled', () => new Kafka({ clientId: 'x', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 0 }, sasl: { mechanism: 'scram-sha-256', username: 'alice', password: 'alice-secret' } }).admin().connect()],
    ['a request before SaslAuthenticate', () => sendAndWaitClose(port, metadataFrame())],
  ];
  for (const [what, attempt] of attempts) {
    it(`${what}: refused, one warning, the authenticated producer goes on`, { timeout: 30_000 }, async () => {
      const before = warnings().length;
      await attempt().then(
        () => {
          if (!what.includes('before')) assert.fail(`${what} was let in`);
        },
        () => undefined,
      );
      await waitFor(() => warnings().length > before, { what: `a warning for ${what}` });
      // The producer on the same listener is not affected.
      await producer.send({ topic: 'bystander', messages: [{ value: what }] });
      const got = warnings().slice(before);
      assert.equal(got.length, 1, `one warning for ${what}: ${JSON.stringify(got)}`);
    });
  }
});
