// SASL/OAUTHBEARER through the wire: kafkajs logs in with a JWT signed by a key of the configured
// JWKS file (RS256 and ES256), named by its "sub" claim (proved by an ACL that allows only that
// principal); tokens that are expired, from another issuer or for another audience, signed with
// a key not in the set, unsigned ("none") or signed with a shared secret (HS256) are refused with
// Kafka's {"status":"invalid_token"}; the session ends with the token, after which a request
// without re-authentication closes the connection.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { startBroker, type Broker } from '../../src/index.js';
import { ApiKey } from '../../src/kafka/protocol/messages/index.js';
import { ConnectionClosed, RawKafka } from '../kafka/support/raw-kafka.js';
import { waitFor } from '../support/wait.js';

const { Kafka, logLevel, AclOperationTypes: Op, AclPermissionTypes: Perm, AclResourceTypes: Res, ResourcePatternTypes: Pat } = kafkajs;

const ISSUER = 'https://idp.example';
const AUDIENCE = 'wharf';

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

function jwt(header: Record<string, unknown>, claims: Record<string, unknown>, signWith: (data: Buffer) => Buffer): string {
  const data = `${b64(header)}.${b64(claims)}`;
  return `${data}.${signWith(Buffer.from(data)).toString('base64url')}`;
}

describe('Kafka SASL/OAUTHBEARER', () => {
  let dir: string;
  let broker: Broker;
  let rsa: KeyObject;
  let ec: KeyObject;
  let other: KeyObject;
  const now = () => Math.floor(Date.now() / 1000);
  const claims = (extra: Record<string, unknown> = {}) => ({ sub: 'svc', iss: ISSUER, aud: [AUDIENCE, 'other'], iat: now(), exp: now() + 600, ...extra });
  const rs256 = (c: Record<string, unknown>, key = rsa, kid = 'rsa-1') => jwt({ alg: 'RS256', kid }, c, (d) => sign('sha256', d, key));
  const es256 = (c: Record<string, unknown>) => jwt({ alg: 'ES256', kid: 'ec-1' }, c, (d) => sign('sha256', d, { key: ec, dsaEncoding: 'ieee-p1363' }));
  const port = () => broker.ports.kafkaListeners.SASL_PLAINTEXT!;
  const client = (token: string) =>
    new Kafka({ clientId: 'oauth', brokers: [`127.0.0.1:${port()}`], logLevel: logLevel.NOTHING, retry: { retries: 0 }, sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: token }) } });

  async function produce(token: string, topic = 'oauth-topic'): Promise<string> {
    const p = client(token).producer();
    try {
      await p.connect();
      await p.send({ topic, messages: [{ value: 'v' }] });
      return 'ok';
    } catch (e) {
      return (e as Error).message;
    } finally {
      await p.disconnect();
    }
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wharf-oauth-'));
    const r = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const e = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    rsa = r.privateKey;
    ec = e.privateKey;
    other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const jwks = { keys: [{ ...r.publicKey.export({ format: 'jwk' }), kid: 'rsa-1', use: 'sig', alg: 'RS256' }, { ...e.publicKey.export({ format: 'jwk' }), kid: 'ec-1' }] };
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify(jwks));
    broker = await startBroker({
      host: '127.0.0.1',
      logLevel: 'silent',
      nats: { port: 0 },
      http: { port: -1 },
      storage: { engine: 'memory' },
      kafka: {
        listeners: [
          { name: 'PLAINTEXT', host: '127.0.0.1', port: 0, protocol: 'PLAINTEXT' },
          { name: 'SASL_PLAINTEXT', host: '127.0.0.1', port: 0, protocol: 'SASL_PLAINTEXT' },
        ],
        saslMechanisms: ['OAUTHBEARER'],
        oauthJwksFile: join(dir, 'jwks.json'),
        oauthIssuer: ISSUER,
        oauthAudience: `${AUDIENCE},spare`,
        acls: true,
        superUsers: 'User:ANONYMOUS',
      },
    });
    // Only User:svc may write to the topic: a login that works as another principal would be refused.
    const admin = new Kafka({ clientId: 'oauth-admin', brokers: [`127.0.0.1:${broker.ports.kafkaListeners.PLAINTEXT}`], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'oauth-topic' }] });
    await admin.createAcls({
      acl: [{ resourceType: Res.TOPIC, resourceName: 'oauth-topic', resourcePatternType: Pat.LITERAL, principal: 'User:svc', host: '*', operation: Op.WRITE, permissionType: Perm.ALLOW }],
    });
    await admin.disconnect();
  });

  after(async () => {
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets in a token signed by a key of the JWKS (RS256, ES256) as the principal its sub names', { timeout: 30_000 }, async () => {
    assert.equal(await produce(rs256(claims())), 'ok');
    assert.equal(await produce(es256(claims())), 'ok');
    // The same key, another subject: authenticated, but User:mallory may not write.
    assert.match(await produce(rs256(claims({ sub: 'mallory' }))), /Not authorized to access topics/);
  });

  it('refuses expired, foreign, misaddressed, unsigned, HS256 and foreign-key tokens', { timeout: 60_000 }, async () => {
    // kafkajs does not answer the error challenge: it carries on, and the broker closes the
    // connection on its next request, unauthenticated (as Kafka does). The raw exchange is below.
    const refused = /invalid_token|Closed connection/;
    const header = (alg: string) => ({ alg, kid: 'rsa-1' });
    const tokens: Record<string, string> = {
      expired: rs256(claims({ exp: now() - 120 })),
      'no exp': rs256(claims({ exp: undefined })),
      issuer: rs256(claims({ iss: 'https://evil.example' })),
      audience: rs256(claims({ aud: 'someone-else' })),
      'foreign key': rs256(claims(), other),
      'unknown kid': rs256(claims(), rsa, 'rsa-2'),
      none: `${b64(header('none'))}.${b64(claims())}.`,
      HS256: jwt(header('HS256'), claims(), (d) => createHmac('sha256', 'secret').update(d).digest()),
      tampered: (() => {
        const [h, , s] = rs256(claims()).split('.');
        return `${h}.${b64(claims({ sub: 'admin' }))}.${s}`;
      })(),
    };
    for (const [what, token] of Object.entries(tokens)) assert.match(await produce(token), refused, what);
    const raw = await RawKafka.connect('127.0.0.1', port());
    try {
      await raw.send(ApiKey.SaslHandshake, 1, { mechanism: 'OAUTHBEARER' });
      const first = await raw.send(ApiKey.SaslAuthenticate, 2, { authBytes: Buffer.from(`n,,\u0001auth=Bearer ${tokens.expired}\u0001\u0001`) });
      assert.equal(first.errorCode, 0);
      assert.equal(first.authBytes.toString(), '{"status":"invalid_token"}');
      const ack = await raw.send(ApiKey.SaslAuthenticate, 2, { authBytes: Buffer.from('\u0001') });
      assert.deepEqual([ack.errorCode, ack.errorMessage], [58, '{"status":"invalid_token"}']);
    } finally {
      raw.close();
    }
  });

  it('ends the session with the token: a request after it without re-authentication closes the connection', { timeout: 30_000 }, async () => {
    const raw = await RawKafka.connect('127.0.0.1', port());
    try {
      const hs = await raw.send(ApiKey.SaslHandshake, 1, { mechanism: 'OAUTHBEARER' });
      assert.equal(hs.errorCode, 0);
      const token = rs256(claims({ exp: now() + 2 }));
      const auth = await raw.send(ApiKey.SaslAuthenticate, 2, { authBytes: Buffer.from(`n,,\u0001auth=Bearer ${token}\u0001\u0001`) });
      assert.equal(auth.errorCode, 0);
      const lifetime = Number(auth.sessionLifetimeMs);
      assert.ok(lifetime > 0 && lifetime <= 2_000, `session lifetime ${lifetime}`);
      const md = { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false };
      await raw.send(ApiKey.Metadata, 12, md);
      const end = Date.now() + lifetime;
      await waitFor(() => Date.now() > end, { what: 'the end of the session', timeoutMs: 5_000 });
      await assert.rejects(raw.send(ApiKey.Metadata, 12, md), ConnectionClosed);
    } finally {
      raw.close();
    }
  });
});
