// SASL re-authentication on one connection (KIP-368, `connections.max.reauth.ms`), through the
// wire with the product codec: SaslAuthenticate tells the client its session's lifetime; the
// client re-authenticates on the same connection (SaslHandshake + SaslAuthenticate again) as the
// same user and goes on past the first session's end; re-authenticating as another user is
// refused (Kafka's "Cannot change principals during re-authentication") and closes the
// connection; a connection that lets its session end without re-authenticating is closed at its
// next request.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker, type Broker } from '../../src/index.js';
import { ApiKey } from '../../src/kafka/protocol/messages/index.js';
import { ErrorCode } from '../../src/kafka/errors.js';
import { ConnectionClosed, RawKafka } from '../kafka/support/raw-kafka.js';
import { waitFor } from '../support/wait.js';

const REAUTH_MS = 3_000;
const METADATA = { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false };

describe('SASL re-authentication (connections.max.reauth.ms)', () => {
  let broker: Broker;

  before(async () => {
    broker = await startBroker({
      host: '127.0.0.1',
      logLevel: 'silent',
      nats: { port: 0 },
      http: { port: -1 },
      storage: { engine: 'memory' },
      kafka: {
        listeners: [{ name: 'SASL_PLAINTEXT', host: '127.0.0.1', port: 0, protocol: 'SASL_PLAINTEXT' }],
        saslMechanisms: ['PLAIN'],
        plainUsers: { alice: 'alice-pw', bob: 'bob-pw' },
        reauthMs: REAUTH_MS,
      },
    });
  });

  after(() => broker.close());

  const port = (): number => broker.ports.kafkaListeners.SASL_PLAINTEXT!;

  /** SaslHandshake v1 + SaslAuthenticate v2 with PLAIN; returns SaslAuthenticate's answer. */
  async function login(raw: RawKafka, user: string, password: string) {
    const hs = await raw.send(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
    assert.equal(hs.errorCode, ErrorCode.NONE);
    return raw.send(ApiKey.SaslAuthenticate, 2, { authBytes: Buffer.from(`\u0000${user}\u0000${password}`) });
  }

  it('a client that re-authenticates as itself goes on past its first session', { timeout: 30_000 }, async () => {
    const raw = await RawKafka.connect('127.0.0.1', port());
    try {
      const first = await login(raw, 'alice', 'alice-pw');
      assert.equal(first.errorCode, ErrorCode.NONE);
      const lifetime = Number(first.sessionLifetimeMs);
      assert.ok(lifetime > 0 && lifetime <= REAUTH_MS, `session lifetime ${lifetime}`);
      const firstEnd = Date.now() + lifetime;
      await raw.send(ApiKey.Metadata, 12, METADATA);
      // Half-way through the session, as clients do before it ends, re-authenticate.
      await waitFor(() => Date.now() > firstEnd - lifetime / 2, { what: 'half of the first session', timeoutMs: 10_000 });
      const again = await login(raw, 'alice', 'alice-pw');
      assert.equal(again.errorCode, ErrorCode.NONE, 're-authentication as the same user');
      const secondEnd = Date.now() + Number(again.sessionLifetimeMs);
      assert.ok(secondEnd > firstEnd, 'the new session ends later');
      // Past the first session's end (before the second's), the connection still serves.
      await waitFor(() => Date.now() > firstEnd + 100, { what: 'the end of the first session', timeoutMs: 10_000 });
      assert.ok(Date.now() < secondEnd, 'still inside the second session (a loaded machine would show here)');
      const md = await raw.send(ApiKey.Metadata, 12, METADATA);
      assert.ok(Array.isArray(md.brokers) && md.brokers.length === 1, 'answered after the first session ended');
    } finally {
      raw.close();
    }
  });

  it('re-authenticating as another user is refused and closes the connection', { timeout: 30_000 }, async () => {
    const raw = await RawKafka.connect('127.0.0.1', port());
    try {
      assert.equal((await login(raw, 'alice', 'alice-pw')).errorCode, ErrorCode.NONE);
      const other = await login(raw, 'bob', 'bob-pw');
      assert.equal(other.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
      assert.match(other.errorMessage ?? '', /Cannot change principals during re-authentication/);
      await assert.rejects(raw.send(ApiKey.Metadata, 12, METADATA), ConnectionClosed);
    } finally {
      raw.close();
    }
  });

  it('a session left to end without re-authentication closes the connection at the next request', { timeout: 30_000 }, async () => {
    const raw = await RawKafka.connect('127.0.0.1', port());
    try {
      const auth = await login(raw, 'bob', 'bob-pw');
      assert.equal(auth.errorCode, ErrorCode.NONE);
      const end = Date.now() + Number(auth.sessionLifetimeMs);
      await waitFor(() => Date.now() > end + 100, { what: 'the end of the session', timeoutMs: 10_000 });
      await assert.rejects(raw.send(ApiKey.Metadata, 12, METADATA), ConnectionClosed);
    } finally {
      raw.close();
    }
  });
});
