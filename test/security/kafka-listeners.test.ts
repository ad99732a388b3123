// Several Kafka listeners at once (PLAINTEXT, SASL_PLAINTEXT, SSL with client certificates,
// SASL_SSL), through kafkajs: each listener advertises itself in Metadata, SASL/PLAIN lets the
// configured users in and keeps the rest out with Kafka's errors, TLS listeners refuse plaintext
// clients and untrusted certificates, a request before authentication closes the connection, and
// a TLS client's principal comes from its certificate through ssl.principal.mapping.rules.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';
import { startBroker, type Broker } from '../../src/index.js';
import { mapPrincipalName, parseMappingRules, rfc2253 } from '../../src/core/security/ssl-principal.js';
import { makeTestCerts, PKCS12_PASSWORD, type TestCerts } from '../support/certs.js';

const USERS = { alice: 'alice-secret', bob: 'bob-secret' };

function client(port: number, extra: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({ clientId: 'security-test', brokers: [`localhost:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 3_000, ...extra });
}

async function describeBrokers(k: Kafka): Promise<{ host: string; port: number }[]> {
  const admin = k.admin();
  await admin.connect();
  try {
    return (await admin.describeCluster()).brokers.map((b) => ({ host: b.host, port: b.port }));
  } finally {
    await admin.disconnect();
  }
}

async function errorOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'no error';
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}

/** Sends one frame and reports whether the server closed the connection without answering. */
function closedWithoutAnswer(port: number, frame: Buffer, tls?: { ca: Buffer }): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = tls ? tlsConnect({ port, host: '127.0.0.1', ca: tls.ca, servername: 'localhost' }) : tcpConnect({ port, host: '127.0.0.1' });
    let answered = false;
    sock.on(tls ? 'secureConnect' : 'connect', () => sock.write(frame));
    sock.on('data', () => (answered = true));
    sock.on('error', () => undefined);
    sock.on('close', () => resolve(!answered));
    setTimeout(() => {
      sock.destroy();
      resolve(false);
    }, 5_000).unref();
  });
}

/** A Metadata v1 request for every topic (a request other than ApiVersions/SASL). */
function metadataFrame(): Buffer {
  const clientId = Buffer.from('raw');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length + 4);
  let o = 0;
  o = body.writeInt16BE(3, o); // Metadata
  o = body.writeInt16BE(1, o);
  o = body.writeInt32BE(7, o);
  o = body.writeInt16BE(clientId.length, o);
  o += clientId.copy(body, o);
  body.writeInt32BE(-1, o); // all topics
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length, 0);
  return Buffer.concat([size, body]);
}

describe('Kafka listeners with SASL and TLS', () => {
  let certs: TestCerts;
  let broker: Broker;
  let ca: Buffer;
  let ports: Record<string, number>;
  const sasl = (username: string, password: string): SASLOptions => ({ mechanism: 'plain', username, password });

  before(async () => {
    certs = makeTestCerts();
    ca = readFileSync(certs.caCert);
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
          { name: 'SSL', host: '127.0.0.1', port: 0, protocol: 'SSL' },
          { name: 'SASL_SSL', host: '127.0.0.1', port: 0, protocol: 'SASL_SSL', advertisedHost: 'localhost' },
        ],
        plainUsers: USERS,
        sslKeystore: certs.serverP12,
        sslKeystoreType: 'PKCS12',
        sslKeystorePassword: PKCS12_PASSWORD,
        sslTruststore: certs.caCert,
        sslClientAuth: 'requested',
        sslPrincipalMappingRules: 'RULE:^CN=([^,]*),O=Acme$/$1/L,RULE:^CN=localhost$/server/',
      },
    });
    ports = broker.ports.kafkaListeners;
  });

  after(async () => {
    await broker?.close();
    certs?.remove();
  });

  it('opens every listener and each advertises its own port in Metadata', { timeout: 30_000 }, async () => {
    assert.deepEqual(Object.keys(ports).sort(), ['PLAINTEXT', 'SASL_PLAINTEXT', 'SASL_SSL', 'SSL']);
    assert.deepEqual(await describeBrokers(client(ports.PLAINTEXT!)), [{ host: '127.0.0.1', port: ports.PLAINTEXT }]);
    assert.deepEqual(await describeBrokers(client(ports.SASL_PLAINTEXT!, { sasl: sasl('alice', USERS.alice) })), [{ host: '127.0.0.1', port: ports.SASL_PLAINTEXT }]);
    assert.deepEqual(await describeBrokers(client(ports.SSL!, { ssl: { ca: [ca] } })), [{ host: '127.0.0.1', port: ports.SSL }]);
    assert.deepEqual(await describeBrokers(client(ports.SASL_SSL!, { ssl: { ca: [ca] }, sasl: sasl('bob', USERS.bob) })), [{ host: 'localhost', port: ports.SASL_SSL }]);
  });

  it('a SASL/PLAIN user produces and consumes; the same records are seen on every listener', { timeout: 30_000 }, async () => {
    const k = client(ports.SASL_SSL!, { ssl: { ca: [ca] }, sasl: sasl('alice', USERS.alice) });
    const producer = k.producer();
    await producer.connect();
    await producer.send({ topic: 'secured', messages: [{ value: 'one' }, { value: 'two' }] });
    await producer.disconnect();
    const admin = client(ports.PLAINTEXT!).admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets('secured');
    await admin.disconnect();
    assert.equal(offsets[0]!.high, '2');
  });

  it('refuses a wrong password, an unknown user and a mechanism that is not enabled, with Kafka\'s errors', { timeout: 30_000 }, async () => {
    const wrong = await errorOf(describeBrokers(client(ports.SASL_PLAINTEXT!, { sasl: sasl('alice', 'nope') })));
    assert.match(wrong, /KafkaJSSASLAuthenticationError.*Authentication failed: Invalid username or password/);
    const unknown = await errorOf(describeBrokers(client(ports.SASL_PLAINTEXT!, { sasl: sasl('mallory', 'x') })));
    assert.match(unknown, /Invalid username or password/);
    const mechanism = await errorOf(describeBrokers(client(ports.SASL_PLAINTEXT!, { sasl: { mechanism: 'scram-sha-256', username: 'alice', password: USERS.alice } })));
    assert.match(mechanism, /KafkaJSProtocolError: The broker does not support the requested SASL mechanism/);
  });

  it('closes a connection whose first request is not ApiVersions or SASL (a request before authentication)', { timeout: 20_000 }, async () => {
    assert.equal(await closedWithoutAnswer(ports.SASL_PLAINTEXT!, metadataFrame()), true);
    assert.equal(await closedWithoutAnswer(ports.SASL_SSL!, metadataFrame(), { ca }), true);
    // The same request is answered on the plaintext listener.
    assert.equal(await closedWithoutAnswer(ports.PLAINTEXT!, metadataFrame()), false);
  });

  it('refuses a plaintext client on a TLS listener, and a TLS client on a plaintext one', { timeout: 30_000 }, async () => {
    assert.notEqual(await errorOf(describeBrokers(client(ports.SSL!, { connectionTimeout: 1_500, requestTimeout: 2_000 }))), 'no error');
    assert.notEqual(await errorOf(describeBrokers(client(ports.PLAINTEXT!, { ssl: { ca: [ca] }, connectionTimeout: 1_500 }))), 'no error');
  });

  it('names an SSL client by its certificate and refuses one no mapping rule applies to', { timeout: 30_000 }, async () => {
    const [aliceCert, aliceKey] = certs.client('/O=Acme/CN=Alice', 'alice');
    const ok = client(ports.SSL!, { ssl: { ca: [ca], cert: readFileSync(aliceCert), key: readFileSync(aliceKey) } });
    assert.equal((await describeBrokers(ok)).length, 1);
    const [otherCert, otherKey] = certs.client('/O=Other/CN=eve', 'eve');
    const refused = client(ports.SSL!, { ssl: { ca: [ca], cert: readFileSync(otherCert), key: readFileSync(otherKey) } });
    assert.notEqual(await errorOf(describeBrokers(refused)), 'no error');
    // A certificate from a CA the broker does not trust gives no principal: the client is anonymous, not Alice.
    const stranger = client(ports.SSL!, { ssl: { ca: [ca], cert: readFileSync(certs.strangerCert), key: readFileSync(certs.strangerKey) } });
    assert.equal((await describeBrokers(stranger)).length, 1);
  });
});

describe('ssl.principal.mapping.rules', () => {
  it('applies rules in order, with case changes, DEFAULT keeping the name', () => {
    const rules = parseMappingRules('RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/,RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/L,RULE:^.*[Cc][Nn]=([a-zA-Z0-9.]*).*$/$1/U,DEFAULT');
    assert.equal(mapPrincipalName('CN=kafka-admin,OU=ServiceUsers,O=Unknown', rules), 'kafka-admin');
    assert.equal(mapPrincipalName('CN=Duke,OU=JavaSoft,O=Sun Microsystems,L=Santa Clara,ST=CA,C=US', rules), 'duke@javasoft');
    assert.equal(mapPrincipalName('OU=x,cn=admin.user,O=y', rules), 'ADMIN.USER');
    assert.equal(mapPrincipalName('O=nothing', rules), 'O=nothing');
    assert.throws(() => mapPrincipalName('O=nothing', parseMappingRules('RULE:^CN=(.*)$/$1/')), /No rules apply/);
  });

  it("writes a certificate subject as Java's X500Principal does (RFC 2253, most specific first)", () => {
    assert.equal(rfc2253('C=US\nO=Acme, Inc.\nCN=alice'), 'CN=alice,O=Acme\\, Inc.,C=US');
  });
});
