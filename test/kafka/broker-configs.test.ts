// Dynamic broker configs (the BROKER config resource) through the wire:
//   - differential: Kafka 4.4's own kafka-configs tool (ConfigCommand) against Apache Kafka 4.4
//     and Wharf runs the same alter and describe commands on the cluster default (--entity-default)
//     and the broker (--entity-name 1): what is accepted, what is refused and with which message,
//     how describe shows the levels (DYNAMIC_BROKER_CONFIG, DYNAMIC_DEFAULT_BROKER_CONFIG), and the
//     topic config a dynamic log.* default becomes;
//   - behaviour: a dynamic message.max.bytes changes what Produce accepts (kafkajs), a dynamic
//     producer.id.expiration.ms what the producer state keeps;
//   - a restart keeps the dynamic configs (they are stored with the broker's metadata records).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestBroker } from '../support/broker.js';
import { startKafka, type RunningKafka } from '../support/kafka.js';
import { peerSkip } from '../support/peers.js';
import { configsTool } from './support/config-tool.js';
import type { Broker } from '../../src/index.js';
import { RawKafka } from './support/raw-kafka.js';
import { kafkaClient } from './support/kafkajs.js';

/** The tool's answer without what differs by nature (stack traces, log lines of the JVM). */
function essence(r: { out: string; code: number }): string {
  const lines = r.out.split('\n').filter((l) => l.trim() !== '' && !/^\s+at |^\[\d{4}-|SLF4J|WARN|^Caused by/.test(l));
  return `${r.code === 0 ? 'ok' : 'failed'}: ${lines.join(' | ')}`.replace(/--bootstrap-server \S+/g, '--bootstrap-server B');
}

const DEFAULT = ['--entity-type', 'brokers', '--entity-default'];
const BROKER = ['--entity-type', 'brokers', '--entity-name', '1'];

/** The same commands, in order, on one broker. */
async function scenario(bootstrap: string, raw: RawKafka): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const step = async (name: string, args: string[]) => {
    out[name] = essence(await configsTool(bootstrap, args));
  };
  await step('default: set log.retention.ms and producer.id.expiration.ms', [...DEFAULT, '--alter', '--add-config', 'log.retention.ms=3600000,producer.id.expiration.ms=5000']);
  await step('default: describe', [...DEFAULT, '--describe']);
  await step('broker: set log.retention.ms', [...BROKER, '--alter', '--add-config', 'log.retention.ms=7200000']);
  await step('broker: describe dynamic', [...BROKER, '--describe']);
  await step('default: num.partitions is read-only', [...DEFAULT, '--alter', '--add-config', 'num.partitions=3']);
  await step('broker: auto.create.topics.enable is read-only', [...BROKER, '--alter', '--add-config', 'auto.create.topics.enable=false']);
  await step('default: a per-broker config', [...DEFAULT, '--alter', '--add-config', 'sasl.kerberos.min.time.before.relogin=58000']);
  await step('broker: the same per-broker config', [...BROKER, '--alter', '--add-config', 'sasl.kerberos.min.time.before.relogin=58000']);
  await step('default: a TLS config without a listener prefix', [...DEFAULT, '--alter', '--add-config', 'ssl.keystore.location=/tmp/ks']);
  await step('default: not a number', [...DEFAULT, '--alter', '--add-config', 'log.retention.ms=soon']);
  await step('default: a thread pool (kept)', [...DEFAULT, '--alter', '--add-config', 'num.io.threads=4']);
  await step('default: describe after', [...DEFAULT, '--describe']);
  // The topic config a dynamic log default becomes.
  const r = await raw.send(19, 7, { topics: [{ name: 'dyn', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });
  assert.equal(r.topics[0]!.errorCode, 0);
  const described = await raw.send(32, 4, { resources: [{ resourceType: 2, resourceName: 'dyn', configurationKeys: ['retention.ms', 'max.message.bytes'] }], includeSynonyms: false, includeDocumentation: false });
  out['topic: retention.ms and its source'] = JSON.stringify(described.results[0]!.configs.map((c) => [c.name, c.value, c.configSource]).sort());
  await step('broker: delete log.retention.ms', [...BROKER, '--alter', '--delete-config', 'log.retention.ms']);
  const again = await raw.send(32, 4, { resources: [{ resourceType: 2, resourceName: 'dyn', configurationKeys: ['retention.ms'] }], includeSynonyms: false, includeDocumentation: false });
  out['topic: retention.ms after the delete'] = JSON.stringify(again.results[0]!.configs.map((c) => [c.name, c.value, c.configSource]));
  await step('broker: delete what is not set', [...BROKER, '--alter', '--delete-config', 'log.retention.ms']);
  await step('default: delete all', [...DEFAULT, '--alter', '--delete-config', 'log.retention.ms,producer.id.expiration.ms,num.io.threads']);
  await step('broker: delete the kerberos setting', [...BROKER, '--alter', '--delete-config', 'sasl.kerberos.min.time.before.relogin']);
  await step('broker: describe dynamic, none left', [...BROKER, '--describe']);
  return out;
}

describe('differential: dynamic broker configs with kafka-configs, Kafka 4.4 vs Wharf', { skip: peerSkip('kafka') }, () => {
  let kafka: RunningKafka;
  let wharf: Broker;
  let kc: RawKafka;
  let wc: RawKafka;

  before(async () => {
    const started = await Promise.allSettled([startKafka(['auto.create.topics.enable=false']).then((k) => (kafka = k)), startTestBroker({ kafkaPort: 0, autoCreateTopics: false, fsync: 'never' }).then((w) => (wharf = w))]);
    for (const r of started) if (r.status === 'rejected') throw r.reason;
    [kc, wc] = await Promise.all([RawKafka.connect(kafka.host, kafka.port), RawKafka.connect('127.0.0.1', wharf.ports.kafka)]);
  });

  after(async () => {
    kc?.close();
    wc?.close();
    await Promise.allSettled([kafka?.close(), wharf?.close()]);
  });

  test('the same answers to the same kafka-configs commands', { timeout: 600_000 }, async () => {
    // One after the other: each command starts a JVM, and the machine has two cores.
    const k = await scenario(kafka.bootstrap, kc);
    const w = await scenario(`127.0.0.1:${wharf.ports.kafka}`, wc);
    const diffs: string[] = [];
    for (const key of Object.keys(k)) if (k[key] !== w[key]) diffs.push(`${key}:\n  kafka: ${k[key]}\n  wharf: ${w[key]}`);
    assert.equal(diffs.length, 0, `${diffs.length} of ${Object.keys(k).length} steps differ:\n${diffs.join('\n')}`);
  });
});

/** IncrementalAlterConfigs through the wire (raw): one SET or DELETE on a broker level. */
async function alterBroker(c: RawKafka, resourceName: string, name: string, value: string | null): Promise<[number, string | null]> {
  const r = await c.send(44, 1, { resources: [{ resourceType: 4, resourceName, configs: [{ name, configOperation: value === null ? 1 : 0, value }] }], validateOnly: false });
  return [r.responses[0]!.errorCode, r.responses[0]!.errorMessage];
}

test('dynamic message.max.bytes and producer.id.expiration.ms change what Wharf does', { timeout: 60_000 }, async () => {
  const broker = await startTestBroker({ kafkaPort: 0, fsync: 'never' });
  const raw = await RawKafka.connect('127.0.0.1', broker.ports.kafka);
  const producer = kafkaClient(broker.ports.kafka).producer({ allowAutoTopicCreation: true, retry: { retries: 0 } });
  await producer.connect();
  try {
    const big = 'x'.repeat(20_000);
    await producer.send({ topic: 'sized', messages: [{ value: big }] });
    assert.deepEqual(await alterBroker(raw, '', 'message.max.bytes', '10000'), [0, null]);
    await assert.rejects(producer.send({ topic: 'sized', messages: [{ value: big }] }), /too large|MESSAGE_TOO_LARGE|larger than/i, 'the cluster default applies to the topic');
    // The broker's own level wins over the cluster default.
    assert.deepEqual(await alterBroker(raw, '1', 'message.max.bytes', '100000'), [0, null]);
    await producer.send({ topic: 'sized', messages: [{ value: big }] });
    assert.deepEqual(await alterBroker(raw, '1', 'message.max.bytes', null), [0, null]);
    await assert.rejects(producer.send({ topic: 'sized', messages: [{ value: big }] }), /too large|MESSAGE_TOO_LARGE|larger than/i);
    assert.deepEqual(await alterBroker(raw, '', 'message.max.bytes', null), [0, null]);
    await producer.send({ topic: 'sized', messages: [{ value: big }] });

    assert.equal(broker.coordinators!.producers.expiration.producerIdExpirationMs, 86_400_000);
    assert.deepEqual(await alterBroker(raw, '', 'producer.id.expiration.ms', '2000'), [0, null]);
    assert.equal(broker.coordinators!.producers.expiration.producerIdExpirationMs, 2000);
    assert.deepEqual(await alterBroker(raw, '', 'producer.id.expiration.ms', null), [0, null]);
    assert.equal(broker.coordinators!.producers.expiration.producerIdExpirationMs, 86_400_000, 'back to the static value');
    const [code, message] = await alterBroker(raw, '', 'producer.id.expiration.ms', '0');
    assert.equal(code, 42, 'INVALID_REQUEST');
    assert.match(message ?? '', /producer\.id\.expiration\.ms/);

    // A password is kept but never described with its value, as Kafka describes it.
    assert.deepEqual(await alterBroker(raw, '1', 'listener.name.plaintext.ssl.keystore.password', 'secret'), [0, null]);
    const d = await raw.send(32, 4, { resources: [{ resourceType: 4, resourceName: '1', configurationKeys: ['listener.name.plaintext.ssl.keystore.password'] }], includeSynonyms: true, includeDocumentation: false });
    const [entry] = d.results[0]!.configs;
    assert.deepEqual([entry?.value, entry?.isSensitive, entry?.configSource, entry?.synonyms.map((x) => x.value)], [null, true, 2, [null]]);
  } finally {
    await producer.disconnect();
    raw.close();
    await broker.close();
  }
});

test('dynamic broker configs survive a restart', { timeout: 60_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-dynconf-'));
  let broker = await startTestBroker({ kafkaPort: 0, fsync: 'always', dataDir });
  let raw = await RawKafka.connect('127.0.0.1', broker.ports.kafka);
  try {
    await broker.log.createTopic('kept');
    assert.deepEqual(await alterBroker(raw, '', 'log.retention.ms', '3600000'), [0, null]);
    assert.deepEqual(await alterBroker(raw, '1', 'log.segment.bytes', '2097152'), [0, null]);
    assert.deepEqual(await alterBroker(raw, '', 'producer.id.expiration.ms', '5000'), [0, null]);
    raw.close();
    await broker.close();

    broker = await startTestBroker({ kafkaPort: 0, fsync: 'always', dataDir });
    raw = await RawKafka.connect('127.0.0.1', broker.ports.kafka);
    const d = await raw.send(32, 4, { resources: [{ resourceType: 4, resourceName: '', configurationKeys: null }, { resourceType: 4, resourceName: '1', configurationKeys: ['log.segment.bytes', 'log.retention.ms'] }, { resourceType: 2, resourceName: 'kept', configurationKeys: ['retention.ms', 'segment.bytes'] }], includeSynonyms: false, includeDocumentation: false });
    const show = (i: number) => d.results[i]!.configs.map((c) => [c.name, c.value, c.configSource]).sort();
    assert.deepEqual(show(0), [['log.retention.ms', '3600000', 3], ['min.insync.replicas', '1', 3], ['producer.id.expiration.ms', '5000', 3]]);
    assert.deepEqual(show(1), [['log.retention.ms', '3600000', 3], ['log.segment.bytes', '2097152', 2]]);
    assert.deepEqual(show(2), [['retention.ms', '3600000', 3], ['segment.bytes', '2097152', 2]], 'the topic follows the restored defaults');
    assert.equal(broker.coordinators!.producers.expiration.producerIdExpirationMs, 5000);
  } finally {
    raw.close();
    await broker.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
