// One Kafka server.properties given to Wharf (--kafka-config) and to Apache Kafka 4.4: PLAINTEXT,
// SASL_PLAINTEXT and SASL_SSL listeners (PKCS12 keystore), SCRAM-SHA-256 and PLAIN enabled, PLAIN
// users from PlainLoginModule's JAAS line, StandardAuthorizer, super.users. Only the ports and the
// log directory differ between the two files; Kafka's KRaft keys are in both (Wharf warns that they
// mean nothing on one node). The same scenario runs against each through kafkajs (and the product
// codec for AlterUserScramCredentials, which kafkajs lacks): SCRAM users made over PLAINTEXT
// (whose User:ANONYMOUS is a super user, as the broker's own listener needs it in Kafka), ACLs
// for them, then what each principal is allowed and refused on each SASL listener, and the
// authentication refusals (wrong password, unknown PLAIN user, a mechanism not enabled). The
// outcomes must be the same from both, and equal the list written out here.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import kafkajs, { type AclOperationTypes as AclOperation, type AclPermissionTypes as AclPermission, type AclResourceTypes as AclResource, type Kafka as KafkaClient, type KafkaConfig, type ResourcePatternTypes as ResourcePattern, type SASLOptions } from 'kafkajs';
import { startBroker, type Broker } from '../../src/index.js';
import { saltPassword, scramMechanism } from '../../src/core/security/scram.js';
import { ApiKey } from '../../src/kafka/protocol/messages/index.js';
import { RawKafka } from '../kafka/support/raw-kafka.js';
import { startKafkaOnProperties } from '../support/kafka-properties.js';
import { makeTestCerts, PKCS12_PASSWORD, type TestCerts } from '../support/certs.js';
import { freePort } from '../support/net.js';
import { peerSkip } from '../support/peers.js';
import { waitFor } from '../support/wait.js';

const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, logLevel, ResourcePatternTypes } = kafkajs;

const SHA256 = scramMechanism('SCRAM-SHA-256')!;

interface Ports {
  plain: number;
  sasl: number;
  saslSsl: number;
  controller: number;
}

/** The one server.properties (ports and log.dirs are what differ). */
function properties(p: Ports, logDir: string, certs: TestCerts): string {
  return `process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${p.controller}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listeners=PLAINTEXT://127.0.0.1:${p.plain},SASL_PLAINTEXT://127.0.0.1:${p.sasl},SASL_SSL://127.0.0.1:${p.saslSsl},CONTROLLER://127.0.0.1:${p.controller}
advertised.listeners=PLAINTEXT://127.0.0.1:${p.plain},SASL_PLAINTEXT://127.0.0.1:${p.sasl},SASL_SSL://localhost:${p.saslSsl}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-256,PLAIN
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" user_admin="admin-secret";
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" user_admin="admin-secret";
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PKCS12
ssl.keystore.location=${certs.serverP12}
ssl.keystore.password=${PKCS12_PASSWORD}
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin;User:ANONYMOUS
log.dirs=${logDir}
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
`;
}

interface Target {
  ports: Ports;
  stop(): Promise<void>;
}

async function startWharf(file: string, ports: Ports): Promise<Target> {
  const broker: Broker = await startBroker({ host: '127.0.0.1', logLevel: 'silent', nats: { port: 0 }, http: { port: -1 }, kafka: { configFile: file }, storage: { engine: 'memory' } });
  return { ports, stop: () => broker.close() };
}

/** Apache Kafka 4.4 from the peers' installation, with this file as its server.properties. */
async function startKafka(file: string, dir: string, ports: Ports): Promise<Target> {
  const kafka = await startKafkaOnProperties(file, dir);
  return { ports, stop: () => kafka.stop() };
}

/** What an attempt ended in: 'ok' (with a value), or the error's Kafka type or message. */
async function outcome<T>(p: Promise<T>, show: (v: T) => string = () => ''): Promise<string> {
  try {
    const v = await p;
    const s = show(v);
    return s ? `ok ${s}` : 'ok';
  } catch (e) {
    const err = e as Error & { type?: string; errors?: (Error & { type?: string })[] };
    if (err.type) return err.type;
    if (err.errors?.length) return err.errors.map((x) => x.type ?? x.message).join(',');
    // SASL refusals: kafkajs wraps the broker's message.
    return err.message.replace(/^.*?failed: /, '');
  }
}

async function scenario(t: Target, ca: Buffer): Promise<string[]> {
  const out: string[] = [];
  const client = (port: number, sasl?: SASLOptions, ssl = false, extra: Partial<KafkaConfig> = {}) =>
    new Kafka({ clientId: 'diff', brokers: [`${ssl ? 'localhost' : '127.0.0.1'}:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 10_000, requestTimeout: 20_000, ...(sasl ? { sasl } : {}), ...(ssl ? { ssl: { ca: [ca] } } : {}), ...extra });
  const scram = (username: string, password: string): SASLOptions => ({ mechanism: 'scram-sha-256', username, password });
  const plain = (username: string, password: string): SASLOptions => ({ mechanism: 'plain', username, password });

  // Over PLAINTEXT, as the super user ANONYMOUS: SCRAM users, topics, ACLs.
  const raw = await RawKafka.connect('127.0.0.1', t.ports.plain);
  try {
    const up = (name: string, password: string) => {
      const salt = randomBytes(16);
      return { name, mechanism: SHA256.code, iterations: 4096, salt, saltedPassword: saltPassword(SHA256, password, salt, 4096) };
    };
    const r = await raw.send(ApiKey.AlterUserScramCredentials, 0, { deletions: [], upsertions: [up('alice', 'alice-secret'), up('bob', 'bob-secret')] });
    // Sorted: Kafka answers in its own (hash) order, Wharf in the request's; the order means nothing.
    out.push(`scram users: ${r.results.map((x) => `${x.user}=${x.errorCode}`).sort().join(' ')}`);
  } finally {
    raw.close();
  }
  const admin = client(t.ports.plain).admin();
  await admin.connect();
  try {
    out.push(`create topics: ${await outcome(admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'orders', numPartitions: 1 }, { topic: 'secret', numPartitions: 1 }] }), String)}`);
    const acl = (resourceType: AclResource, resourceName: string, pattern: ResourcePattern, operation: AclOperation, permissionType: AclPermission) => ({ resourceType, resourceName, resourcePatternType: pattern, principal: 'User:alice', host: '*', operation, permissionType });
    out.push(
      `create acls: ${await outcome(
        admin.createAcls({
          acl: [
            acl(AclResourceTypes.TOPIC, 'orders', ResourcePatternTypes.LITERAL, AclOperationTypes.WRITE, AclPermissionTypes.ALLOW),
            acl(AclResourceTypes.TOPIC, 'orders', ResourcePatternTypes.LITERAL, AclOperationTypes.READ, AclPermissionTypes.ALLOW),
            acl(AclResourceTypes.TOPIC, 'sec', ResourcePatternTypes.PREFIXED, AclOperationTypes.ALL, AclPermissionTypes.DENY),
            acl(AclResourceTypes.TOPIC, 'secret', ResourcePatternTypes.LITERAL, AclOperationTypes.READ, AclPermissionTypes.ALLOW),
          ],
        }),
        String,
      )}`,
    );
  } finally {
    await admin.disconnect();
  }
  // SCRAM credentials and ACLs reach Kafka's brokers through its metadata log: wait until alice gets in.
  await waitFor(async () => (await outcome(client(t.ports.sasl, scram('alice', 'alice-secret')).admin().connect())) === 'ok', { what: 'alice logging in with SCRAM', timeoutMs: 60_000 });

  const asUser = async (label: string, k: KafkaClient) => {
    const a = k.admin();
    const connected = await outcome(a.connect());
    out.push(`${label} connect: ${connected}`);
    if (connected !== 'ok') return;
    try {
      out.push(`${label} topics: ${await outcome(a.listTopics(), (v) => v.filter((n) => !n.startsWith('__')).sort().join(',') || '(none)')}`);
      out.push(`${label} offsets of secret: ${await outcome(a.fetchTopicOffsets('secret'), (v) => v.map((o) => o.high).join(','))}`);
      out.push(`${label} configs of secret: ${await outcome(a.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: 'secret', configNames: ['retention.ms'] }] }), (v) => String(v.resources.map((r) => r.errorCode)))}`);
      out.push(`${label} create topic: ${await outcome(a.createTopics({ topics: [{ topic: `new-${label.replace(/\W/g, '')}` }] }), String)}`);
      out.push(`${label} describe acls: ${await outcome(a.describeAcls({ resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY }), (v) => String(v.resources.length))}`);
    } finally {
      await a.disconnect();
    }
    const producer = k.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      out.push(`${label} produce orders: ${await outcome(producer.send({ topic: 'orders', messages: [{ value: label }] }), (v) => String(v.map((m) => m.errorCode)))}`);
      out.push(`${label} produce secret: ${await outcome(producer.send({ topic: 'secret', messages: [{ value: label }] }), (v) => String(v.map((m) => m.errorCode)))}`);
    } finally {
      await producer.disconnect();
    }
  };
  await asUser('alice SCRAM SASL_PLAINTEXT', client(t.ports.sasl, scram('alice', 'alice-secret')));
  await asUser('alice SCRAM SASL_SSL', client(t.ports.saslSsl, scram('alice', 'alice-secret'), true));
  await asUser('bob SCRAM SASL_PLAINTEXT', client(t.ports.sasl, scram('bob', 'bob-secret')));
  await asUser('admin PLAIN SASL_SSL', client(t.ports.saslSsl, plain('admin', 'admin-secret'), true));
  // Refusals.
  out.push(`wrong SCRAM password: ${await outcome(client(t.ports.sasl, scram('alice', 'nope')).admin().connect())}`);
  out.push(`unknown SCRAM user: ${await outcome(client(t.ports.sasl, scram('mallory', 'x')).admin().connect())}`);
  out.push(`alice with PLAIN (not a PLAIN user): ${await outcome(client(t.ports.saslSsl, plain('alice', 'alice-secret'), true).admin().connect())}`);
  out.push(`a mechanism not enabled: ${await outcome(client(t.ports.sasl, { mechanism: 'scram-sha-512', username: 'alice', password: 'alice-secret' }).admin().connect())}`);
  return out;
}

const EXPECTED = [
  'scram users: alice=0 bob=0',
  'create topics: ok true',
  'create acls: ok true',
  'alice SCRAM SASL_PLAINTEXT connect: ok',
  'alice SCRAM SASL_PLAINTEXT topics: ok orders',
  'alice SCRAM SASL_PLAINTEXT offsets of secret: TOPIC_AUTHORIZATION_FAILED',
  'alice SCRAM SASL_PLAINTEXT configs of secret: TOPIC_AUTHORIZATION_FAILED',
  'alice SCRAM SASL_PLAINTEXT create topic: TOPIC_AUTHORIZATION_FAILED',
  'alice SCRAM SASL_PLAINTEXT describe acls: CLUSTER_AUTHORIZATION_FAILED',
  'alice SCRAM SASL_PLAINTEXT produce orders: ok 0',
  'alice SCRAM SASL_PLAINTEXT produce secret: Not authorized to access topics: [Topic authorization failed]',
  'alice SCRAM SASL_SSL connect: ok',
  'alice SCRAM SASL_SSL topics: ok orders',
  'alice SCRAM SASL_SSL offsets of secret: TOPIC_AUTHORIZATION_FAILED',
  'alice SCRAM SASL_SSL configs of secret: TOPIC_AUTHORIZATION_FAILED',
  'alice SCRAM SASL_SSL create topic: TOPIC_AUTHORIZATION_FAILED',
  'alice SCRAM SASL_SSL describe acls: CLUSTER_AUTHORIZATION_FAILED',
  'alice SCRAM SASL_SSL produce orders: ok 0',
  'alice SCRAM SASL_SSL produce secret: Not authorized to access topics: [Topic authorization failed]',
  'bob SCRAM SASL_PLAINTEXT connect: ok',
  'bob SCRAM SASL_PLAINTEXT topics: ok (none)',
  'bob SCRAM SASL_PLAINTEXT offsets of secret: TOPIC_AUTHORIZATION_FAILED',
  'bob SCRAM SASL_PLAINTEXT configs of secret: TOPIC_AUTHORIZATION_FAILED',
  'bob SCRAM SASL_PLAINTEXT create topic: TOPIC_AUTHORIZATION_FAILED',
  'bob SCRAM SASL_PLAINTEXT describe acls: CLUSTER_AUTHORIZATION_FAILED',
  'bob SCRAM SASL_PLAINTEXT produce orders: Not authorized to access topics: [Topic authorization failed]',
  'bob SCRAM SASL_PLAINTEXT produce secret: Not authorized to access topics: [Topic authorization failed]',
  'admin PLAIN SASL_SSL connect: ok',
  'admin PLAIN SASL_SSL topics: ok orders,secret',
  'admin PLAIN SASL_SSL offsets of secret: ok 0',
  'admin PLAIN SASL_SSL configs of secret: ok 0',
  'admin PLAIN SASL_SSL create topic: ok true',
  'admin PLAIN SASL_SSL describe acls: ok 3',
  'admin PLAIN SASL_SSL produce orders: ok 0',
  'admin PLAIN SASL_SSL produce secret: ok 0',
  'wrong SCRAM password: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256',
  'unknown SCRAM user: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256',
  'alice with PLAIN (not a PLAIN user): Authentication failed: Invalid username or password',
  'a mechanism not enabled: UNSUPPORTED_SASL_MECHANISM',
];

describe('one server.properties: Wharf and Apache Kafka 4.4 decide the same', () => {
  let certs: TestCerts;
  let ca: Buffer;
  before(() => {
    certs = makeTestCerts();
    ca = readFileSync(certs.caCert);
  });
  after(() => certs?.remove());

  for (const kind of ['wharf', 'kafka'] as const) {
    describe(kind, { skip: kind === 'kafka' ? peerSkip('kafka') : false }, () => {
      let dir: string;
      let target: Target | undefined;
      before(async () => {
        dir = mkdtempSync(join(tmpdir(), `wharf-kconf-${kind}-`));
        const ports: Ports = { plain: await freePort(), sasl: await freePort(), saslSsl: await freePort(), controller: await freePort() };
        mkdirSync(join(dir, 'logs'));
        const file = join(dir, 'server.properties');
        writeFileSync(file, properties(ports, join(dir, 'logs'), certs));
        target = kind === 'wharf' ? await startWharf(file, ports) : await startKafka(file, dir, ports);
      });
      after(async () => {
        await target?.stop();
        rmSync(dir, { recursive: true, force: true });
      });

      it('gives each request the same answer', { timeout: 240_000 }, async () => {
        const got = await scenario(target!, ca);
        assert.deepEqual(got, EXPECTED);
      });
    });
  }
});
