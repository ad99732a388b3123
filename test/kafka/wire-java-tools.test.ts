// Apache Kafka 4.4's own Java tools against Wharf: kafka-topics, kafka-configs, the console
// producer and consumer (each run through the reference install's kafka-run-class.sh).
// The console producer runs with enable.idempotence=false: idempotence (InitProducerId) is the
// coordinator issue's; the Java producer enables it by default.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { startTestBroker } from '../support/broker.js';
import { findPeer, peerSkip } from '../support/peers.js';
import type { Broker } from '../../src/index.js';

function run(cmd: string, args: string[], input?: string, timeoutMs = 60_000): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ stdout, stderr, code: err ? ((err as { code?: number }).code ?? 1) : 0 });
    });
    child.stdin!.end(input ?? '');
  });
}

describe('Apache Kafka 4.4 tools', { skip: peerSkip('kafka') }, () => {
  let broker: Broker;
  let bs: string;
  const tool = (cls: string, args: string[], input?: string) => run('bash', [join(dirname(findPeer('kafka')!), 'kafka-run-class.sh'), cls, '--bootstrap-server', bs, ...args], input);
  const topics = (args: string[]) => tool('org.apache.kafka.tools.TopicCommand', args);
  const configs = (args: string[]) => tool('org.apache.kafka.tools.ConfigCommand', args);

  before(async () => {
    broker = await startTestBroker({ kafkaPort: 0, fsync: 'never' });
    bs = `127.0.0.1:${broker.ports.kafka}`;
  });
  after(() => broker?.close());

  test('kafka-topics: create, list, describe, alter partitions, errors, delete', async () => {
    let r = await topics(['--create', '--topic', 'jt', '--partitions', '3', '--config', 'retention.ms=60000']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Created topic jt\./);
    r = await topics(['--create', '--topic', 'jt', '--partitions', '1']);
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /TopicExistsException|already exists/);
    r = await topics(['--create', '--topic', 'rf', '--replication-factor', '3']);
    assert.match(r.stdout + r.stderr, /InvalidReplicationFactorException/);
    r = await topics(['--list']);
    assert.deepEqual(r.stdout.trim().split('\n'), ['jt']);
    r = await topics(['--alter', '--topic', 'jt', '--partitions', '5']);
    assert.equal(r.code, 0, r.stderr);
    r = await topics(['--describe', '--topic', 'jt']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /PartitionCount: 5\s+ReplicationFactor: 1\s+Configs: \S*retention.ms=60000/);
    assert.match(r.stdout, /Partition: 4\s+Leader: 1\s+Replicas: 1\s+Isr: 1/);
    r = await topics(['--alter', '--topic', 'jt', '--partitions', '2']);
    assert.match(r.stdout + r.stderr, /InvalidPartitionsException/);
    r = await topics(['--delete', '--topic', 'jt']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(broker.log.hasTopic('jt'), false);
  });

  test('kafka-configs: add, delete and describe topic configs; broker configs', async () => {
    await broker.log.createTopic('cfg');
    let r = await configs(['--entity-type', 'topics', '--entity-name', 'cfg', '--alter', '--add-config', 'retention.ms=1000,cleanup.policy=compact']);
    assert.equal(r.code, 0, r.stderr);
    r = await configs(['--entity-type', 'topics', '--entity-name', 'cfg', '--describe']);
    assert.match(r.stdout, /cleanup.policy=compact/);
    assert.match(r.stdout, /retention.ms=1000/);
    r = await configs(['--entity-type', 'topics', '--entity-name', 'cfg', '--alter', '--delete-config', 'retention.ms']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(broker.log.describeTopic('cfg').configs['retention.ms'], undefined);
    r = await configs(['--entity-type', 'topics', '--entity-name', 'cfg', '--alter', '--add-config', 'segment.bytes=12']);
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /InvalidConfigurationException|segment.bytes/);
    r = await configs(['--entity-type', 'brokers', '--entity-name', '1', '--describe', '--all']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /num.partitions=1/);
  });

  test('console producer (zstd) and console consumer by partition', async () => {
    const lines = Array.from({ length: 20 }, (_, i) => `line-${i}`);
    let r = await tool(
      'org.apache.kafka.tools.ConsoleProducer',
      ['--topic', 'console', '--command-property', 'enable.idempotence=false', '--command-property', 'compression.type=zstd'],
      lines.join('\n') + '\n',
    );
    assert.equal(r.code, 0, r.stderr);
    r = await tool('org.apache.kafka.tools.consumer.ConsoleConsumer', ['--topic', 'console', '--partition', '0', '--offset', 'earliest', '--max-messages', '20', '--formatter-property', 'print.offset=true']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      r.stdout.trim().split('\n'),
      lines.map((l, i) => `Offset:${i}\t${l}`),
    );
  });
});
