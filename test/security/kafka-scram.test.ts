// SASL/SCRAM-SHA-256 and SCRAM-SHA-512 through the wire: credentials are created and removed
// with AlterUserScramCredentials and listed with DescribeUserScramCredentials (exact error codes,
// over the product codec), kafkajs logs in with them, wrong passwords and unknown users are
// refused with Kafka's message, the credentials survive a restart, and what is stored is neither
// the password nor the salted password; the store's topic cannot be read through the wire.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';
import { startBroker, type Broker } from '../../src/index.js';
import type { BrokerConfig } from '../../src/config.js';
import { saltPassword, scramMechanism } from '../../src/core/security/scram.js';
import { SECURITY_TOPIC } from '../../src/core/security/security-store.js';
import { ApiKey } from '../../src/kafka/protocol/messages/index.js';
import { ErrorCode } from '../../src/kafka/errors.js';
import { RawKafka } from '../kafka/support/raw-kafka.js';
import { ZERO_UUID } from '../../src/kafka/context.js';

const SHA256 = scramMechanism('SCRAM-SHA-256')!;
const SHA512 = scramMechanism('SCRAM-SHA-512')!;

function config(dataDir: string): BrokerConfig {
  return {
    host: '127.0.0.1',
    logLevel: 'silent',
    nats: { port: 0 },
    http: { port: -1 },
    storage: { engine: 'local', dataDir, fsync: 'never' },
    kafka: {
      listeners: [
        { name: 'PLAINTEXT', host: '127.0.0.1', port: 0, protocol: 'PLAINTEXT' },
        { name: 'SASL_PLAINTEXT', host: '127.0.0.1', port: 0, protocol: 'SASL_PLAINTEXT' },
      ],
      saslMechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512'],
    },
  };
}

function client(port: number, sasl?: SASLOptions, extra: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({ clientId: 'scram-test', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 3_000, ...(sasl ? { sasl } : {}), ...extra });
}

async function errorOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'no error';
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}

async function produceOne(k: Kafka, topic: string): Promise<void> {
  const producer = k.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  try {
    await producer.send({ topic, messages: [{ value: 'v' }] });
  } finally {
    await producer.disconnect();
  }
}

function upsertion(name: string, mechanism: typeof SHA256, password: string, iterations = 4096) {
  const salt = randomBytes(16);
  return { name, mechanism: mechanism.code, iterations, salt, saltedPassword: saltPassword(mechanism, password, salt, iterations) };
}

/** Every file under a directory, concatenated (to look for secrets on disk). */
function allBytes(dir: string): Buffer {
  const parts: Buffer[] = [];
  for (const name of readdirSync(dir, { recursive: true })) {
    const path = join(dir, String(name));
    if (statSync(path).isFile()) parts.push(readFileSync(path));
  }
  return Buffer.concat(parts);
}

describe('Kafka SASL/SCRAM', () => {
  let dataDir: string;
  let broker: Broker;
  let admin: RawKafka;
  const aliceUp = upsertion('alice', SHA256, 'alice-pw');
  const scram = (mechanism: 'scram-sha-256' | 'scram-sha-512', username: string, password: string): SASLOptions => ({ mechanism, username, password });

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'wharf-scram-'));
    broker = await startBroker(config(dataDir));
    admin = await RawKafka.connect('127.0.0.1', broker.ports.kafkaListeners.PLAINTEXT!);
  });

  after(async () => {
    admin?.close();
    await broker?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates credentials with AlterUserScramCredentials and describes them without secrets', async () => {
    const r = await admin.send(ApiKey.AlterUserScramCredentials, 0, {
      deletions: [],
      upsertions: [aliceUp, upsertion('alice', SHA512, 'alice-pw-512', 8192), upsertion('bob', SHA512, 'bob-pw')],
    });
    assert.deepEqual(r.results.map((x) => [x.user, x.errorCode]), [['alice', 0], ['bob', 0]]);
    const d = await admin.send(ApiKey.DescribeUserScramCredentials, 0, { users: null });
    assert.equal(d.errorCode, 0);
    assert.deepEqual(
      d.results.map((x) => [x.user, x.errorCode, x.credentialInfos.map((c) => [c.mechanism, c.iterations])]),
      [['alice', 0, [[1, 4096], [2, 8192]]], ['bob', 0, [[2, 4096]]]],
    );
  });

  it("answers Kafka's errors for bad alterations and descriptions", async () => {
    const r = await admin.send(ApiKey.AlterUserScramCredentials, 0, {
      deletions: [{ name: 'nobody', mechanism: 1 }, { name: 'twice', mechanism: 1 }],
      upsertions: [
        upsertion('few', SHA256, 'x', 1024),
        upsertion('many', SHA256, 'x', 20_000),
        { ...upsertion('unknown-mech', SHA256, 'x'), mechanism: 0 },
        upsertion('twice', SHA256, 'x'),
        upsertion('', SHA256, 'x'),
      ],
    });
    const byUser = Object.fromEntries(r.results.map((x) => [x.user, x.errorCode]));
    assert.deepEqual(byUser, {
      nobody: ErrorCode.RESOURCE_NOT_FOUND,
      // The deletion's own error comes first (Kafka's answer).
      twice: ErrorCode.RESOURCE_NOT_FOUND,
      few: ErrorCode.UNACCEPTABLE_CREDENTIAL,
      many: ErrorCode.UNACCEPTABLE_CREDENTIAL,
      'unknown-mech': ErrorCode.UNSUPPORTED_SASL_MECHANISM,
      '': ErrorCode.UNACCEPTABLE_CREDENTIAL,
    });
    // None of the refused users got a credential.
    const d = await admin.send(ApiKey.DescribeUserScramCredentials, 0, { users: [{ name: 'few' }, { name: 'alice' }, { name: 'alice' }] });
    assert.deepEqual(d.results.map((x) => [x.user, x.errorCode]), [['few', ErrorCode.RESOURCE_NOT_FOUND], ['alice', ErrorCode.DUPLICATE_RESOURCE]]);
  });

  it('lets kafkajs in with SCRAM-SHA-256 and SCRAM-SHA-512', { timeout: 30_000 }, async () => {
    const port = broker.ports.kafkaListeners.SASL_PLAINTEXT!;
    await produceOne(client(port, scram('scram-sha-256', 'alice', 'alice-pw')), 'scram-256');
    await produceOne(client(port, scram('scram-sha-512', 'alice', 'alice-pw-512')), 'scram-512');
    await produceOne(client(port, scram('scram-sha-512', 'bob', 'bob-pw')), 'scram-512');
    assert.ok(broker.log.hasTopic('scram-256') && broker.log.hasTopic('scram-512'));
  });

  it("refuses a wrong password, an unknown user and a mechanism's credential used for the other, with Kafka's message", { timeout: 30_000 }, async () => {
    const port = broker.ports.kafkaListeners.SASL_PLAINTEXT!;
    const expected = /KafkaJSSASLAuthenticationError.*Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256/;
    assert.match(await errorOf(produceOne(client(port, scram('scram-sha-256', 'alice', 'wrong')), 'x')), expected);
    assert.match(await errorOf(produceOne(client(port, scram('scram-sha-256', 'mallory', 'alice-pw')), 'x')), expected);
    // bob has a SCRAM-SHA-512 credential only.
    assert.match(await errorOf(produceOne(client(port, scram('scram-sha-256', 'bob', 'bob-pw')), 'x')), expected);
    assert.match(await errorOf(produceOne(client(port, scram('scram-sha-512', 'alice', 'alice-pw')), 'x')), /SCRAM-SHA-512/);
    // PLAIN is not enabled on this listener.
    assert.match(await errorOf(produceOne(client(port, { mechanism: 'plain', username: 'alice', password: 'alice-pw' }), 'x')), /does not support the requested SASL mechanism/);
    assert.equal(broker.log.hasTopic('x'), false);
  });

  it('hides the store: its topic is neither listed, readable nor writable through the wire', async () => {
    const md = await admin.send(ApiKey.Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    assert.equal(md.topics.some((t) => t.name === SECURITY_TOPIC), false);
    const named = await admin.send(ApiKey.Metadata, 12, { topics: [{ name: SECURITY_TOPIC, topicId: ZERO_UUID }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    assert.equal(named.topics[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    const f = await admin.send(ApiKey.Fetch, 4, {
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0,
      topics: [{ topic: SECURITY_TOPIC, partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }],
    });
    assert.equal(f.responses[0]!.partitions[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  });

  it('keeps the credentials across a restart, storing neither passwords nor salted passwords', { timeout: 30_000 }, async () => {
    admin.close();
    await broker.close();
    const bytes = allBytes(dataDir);
    for (const secret of ['alice-pw', 'alice-pw-512', 'bob-pw']) assert.equal(bytes.includes(Buffer.from(secret)), false, `${secret} on disk`);
    assert.equal(bytes.includes(aliceUp.saltedPassword), false, 'salted password on disk');
    assert.equal(bytes.includes(Buffer.from(aliceUp.saltedPassword.toString('base64'))), false, 'salted password on disk (base64)');
    // The salt is there: the store is not empty.
    assert.equal(bytes.includes(Buffer.from(aliceUp.salt.toString('base64'))), true);
    broker = await startBroker(config(dataDir));
    admin = await RawKafka.connect('127.0.0.1', broker.ports.kafkaListeners.PLAINTEXT!);
    await produceOne(client(broker.ports.kafkaListeners.SASL_PLAINTEXT!, scram('scram-sha-256', 'alice', 'alice-pw')), 'after-restart');
    // Deleting a credential takes effect at once, and durably.
    const r = await admin.send(ApiKey.AlterUserScramCredentials, 0, { deletions: [{ name: 'alice', mechanism: 1 }], upsertions: [] });
    assert.deepEqual(r.results.map((x) => [x.user, x.errorCode]), [['alice', 0]]);
    assert.match(await errorOf(produceOne(client(broker.ports.kafkaListeners.SASL_PLAINTEXT!, scram('scram-sha-256', 'alice', 'alice-pw')), 'x')), /invalid credentials/);
    const d = await admin.send(ApiKey.DescribeUserScramCredentials, 0, { users: [{ name: 'alice' }] });
    assert.deepEqual(d.results[0]!.credentialInfos.map((c) => c.mechanism), [2]);
  });
});
