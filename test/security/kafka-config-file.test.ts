// --kafka-config: a Kafka server.properties read into Wharf's options. The properties syntax,
// what each key becomes (listeners with the protocol map and advertised addresses, PLAIN users
// from the JAAS config, keystores, ACL and topic defaults), what is refused by name and what is
// only a warning; then a broker started from a file, used through kafkajs with SASL/PLAIN.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { ConfigError, resolveOptions } from '../../src/config.js';
import { parseProperties } from '../../src/core/security/config/java-properties.js';
import { KafkaConfigError, mapKafkaProperties, parseJaas } from '../../src/core/security/config/kafka-properties.js';
import { startBroker } from '../../src/index.js';

const map = (text: string) => mapKafkaProperties(parseProperties(text));

describe('Java properties syntax', () => {
  it('reads =, : and blank separators, comments, continuations and escapes', () => {
    const p = parseProperties('# c\n! c\na=1\nb : 2\nc 3\nlong = one,\\\n    two\nkey\\=with\\:seps = x\\ty\nu = \\u0041\n');
    assert.deepEqual(p.map((e) => [e.key, e.value]), [['a', '1'], ['b', '2'], ['c', '3'], ['long', 'one,two'], ['key=with:seps', 'x\ty'], ['u', 'A']]);
  });
});

describe('a server.properties mapped onto Wharf options', () => {
  it('maps listeners through the protocol map, with advertised addresses and per-listener SASL', () => {
    const { options, warnings } = map(`
listeners=CLIENT://:9092,SECURE://127.0.0.1:9093,CONTROLLER://:9094
advertised.listeners=CLIENT://broker.example:19092,SECURE://broker.example:19093
listener.security.protocol.map=CLIENT:PLAINTEXT,SECURE:SASL_SSL,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
sasl.enabled.mechanisms=PLAIN
listener.name.secure.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \\
    username="admin" password="admin-secret" user_admin="admin-secret" user_alice="alice-secret";
ssl.keystore.type=PKCS12
ssl.keystore.location=/etc/kafka/broker.p12
ssl.keystore.password=pw
ssl.truststore.type=PEM
ssl.truststore.location=/etc/kafka/ca.pem
ssl.client.auth=required
super.users=User:admin
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
process.roles=broker,controller
node.id=1
offsets.topic.replication.factor=1
`);
    assert.deepEqual(options['kafka-listeners'], [
      { name: 'CLIENT', host: '', port: 9092, protocol: 'PLAINTEXT', advertisedHost: 'broker.example', advertisedPort: 19092 },
      { name: 'SECURE', host: '127.0.0.1', port: 9093, protocol: 'SASL_SSL', advertisedHost: 'broker.example', advertisedPort: 19093, plainUsers: { admin: 'admin-secret', alice: 'alice-secret' } },
    ]);
    assert.deepEqual(options['kafka-sasl-mechanisms'], ['PLAIN']);
    assert.equal(options['kafka-ssl-keystore-type'], 'PKCS12');
    assert.equal(options['kafka-ssl-keystore'], '/etc/kafka/broker.p12');
    assert.equal(options['kafka-ssl-truststore'], '/etc/kafka/ca.pem');
    assert.equal(options['kafka-ssl-client-auth'], 'required');
    assert.equal(options['kafka-super-users'], 'User:admin');
    assert.equal(options['kafka-acls'], true);
    assert.equal(options['kafka-allow-everyone-if-no-acl'], 'false');
    assert.ok(warnings.some((w) => w.startsWith('listeners: CONTROLLER')));
    assert.ok(warnings.some((w) => w.startsWith('process.roles')));
    assert.ok(warnings.some((w) => w.startsWith('offsets.topic.replication.factor')));
  });

  it('maps the topic, log, group and transaction defaults Wharf has options for, in their units', () => {
    const { options } = map('num.partitions=3\nlog.retention.hours=24\nlog.segment.bytes=1048576\nlog.dirs=/var/lib/wharf\ngroup.initial.rebalance.delay.ms=0\noffsets.retention.minutes=60\nauto.create.topics.enable=false\nlog.retention.check.interval.ms=2000\n');
    assert.equal(options['num-partitions'], '3');
    assert.deepEqual(options['kafka-topic-defaults'], { 'retention.ms': String(24 * 3_600_000), 'segment.bytes': '1048576' });
    assert.equal(options['data-dir'], '/var/lib/wharf');
    assert.equal(options['group-initial-rebalance-delay'], '0ms');
    assert.equal(options['offsets-retention'], '60m');
    assert.equal(options['auto-create-topics'], 'false');
    assert.equal(options['log-retention-check-interval'], '2000ms');
  });

  it('refuses what Wharf does not serve, naming the key', () => {
    const refused = (text: string, re: RegExp) => assert.throws(() => map(text), (e: Error) => e instanceof KafkaConfigError && re.test(e.message));
    refused('bogus.setting=1', /bogus\.setting: unknown or unsupported/);
    refused('ssl.keystore.type=JKS\nssl.keystore.location=/k.jks', /JKS keystores are not supported/);
    refused('authorizer.class.name=kafka.security.authorizer.AclAuthorizer', /only org\.apache\.kafka\.metadata\.authorizer\.StandardAuthorizer/);
    refused('sasl.enabled.mechanisms=GSSAPI', /GSSAPI/);
    refused('listeners=FOO://:9092', /listener FOO has no security protocol/);
    refused('log.dirs=/a,/b', /one directory/);
    refused('listeners=PLAINTEXT://:9092\nlistener.name.other.plain.sasl.jaas.config=x required;', /other is not a listener/);
    refused('sasl.oauthbearer.jwks.endpoint.url=https://idp/jwks', /JWKS file/);
  });

  it('reads JAAS entries as Kafka writes them', () => {
    assert.deepEqual(parseJaas('org.apache.kafka.common.security.plain.PlainLoginModule required username="a" password="p\\"q" user_a="p";', 'k'), [
      { module: 'org.apache.kafka.common.security.plain.PlainLoginModule', flag: 'required', options: { username: 'a', password: 'p"q', user_a: 'p' } },
    ]);
    assert.throws(() => parseJaas('Module required a="b"', 'k'), /must end with ';'/);
  });

  it('resolves a file under explicit options, errors as ConfigError naming the file and key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wharf-props-'));
    try {
      const file = join(dir, 'server.properties');
      writeFileSync(file, 'num.partitions=4\nmessage.max.bytes=2048\n');
      const o = resolveOptions({ kafka: { configFile: file, messageMaxBytes: 4096 } });
      assert.equal(o.kafka.numPartitions, 4);
      assert.equal(o.kafka.messageMaxBytes, 4096);
      writeFileSync(file, 'num.partitions=0\n');
      assert.throws(() => resolveOptions({ kafka: { configFile: file } }), (e: Error) => e instanceof ConfigError && e.message.includes(file) && /num\.partitions/.test(e.message));
      writeFileSync(file, 'listeners=SASL_PLAINTEXT://:0\n');
      assert.throws(() => resolveOptions({ kafka: { configFile: file } }), /SASL\/PLAIN needs users/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('starts a broker from a server.properties with a SASL/PLAIN listener', { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wharf-props-'));
    const file = join(dir, 'server.properties');
    writeFileSync(
      file,
      [
        'listeners=SASL_PLAINTEXT://127.0.0.1:0',
        'sasl.enabled.mechanisms=PLAIN',
        'listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_app="app-pw";',
        'num.partitions=2',
        '',
      ].join('\n'),
    );
    const broker = await startBroker({ host: '127.0.0.1', logLevel: 'silent', nats: { port: 0 }, http: { port: -1 }, storage: { engine: 'memory' }, kafka: { configFile: file } });
    try {
      const kafka = new Kafka({ brokers: [`127.0.0.1:${broker.ports.kafka}`], logLevel: logLevel.NOTHING, retry: { retries: 0 }, sasl: { mechanism: 'plain', username: 'app', password: 'app-pw' } });
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'from-properties' }] });
      const meta = await admin.fetchTopicMetadata({ topics: ['from-properties'] });
      await admin.disconnect();
      assert.equal(meta.topics[0]!.partitions.length, 2, 'num.partitions applied');
      const bad = new Kafka({ brokers: [`127.0.0.1:${broker.ports.kafka}`], logLevel: logLevel.NOTHING, retry: { retries: 0 }, sasl: { mechanism: 'plain', username: 'app', password: 'wrong' } });
      await assert.rejects(bad.admin().connect(), /Invalid username or password/);
    } finally {
      await broker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
