// The BROKER_LOGGER config resource through the wire, with Kafka 4.4's own kafka-configs tool
// (ConfigCommand, --entity-type broker-loggers):
//   - differential: the same commands against Apache Kafka 4.4 and Wharf on the logger both have
//     (root): SET, describe, and the refusals (unknown logger, unknown level, OFF, removing the
//     root logger's level, another broker's id) with Kafka's messages; and the same raw requests
//     (IncrementalAlterConfigs, DescribeConfigs, AlterConfigs, ListConfigResources) compared
//     field by field, error codes and messages included;
//   - behaviour: Wharf's loggers are its components; SET group-coordinator=DEBUG makes the group
//     coordinator log its rebalances at debug while the root stays at WARN, DELETE puts it back to
//     the root's level; ListConfigResources lists the resource.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { startTestBroker } from '../support/broker.js';
import { startKafka } from '../support/kafka.js';
import { peerSkip } from '../support/peers.js';
import { configsTool } from './support/config-tool.js';
import { startBroker } from '../../src/index.js';
import { configFromFlags } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { RawKafkaClient } from './support/groups-raw.js';

/** The tool's answer without what differs by nature (stack traces, JVM log lines, the loggers only one broker has). */
function essence(r: { out: string; code: number }): string {
  const lines = r.out.split('\n').filter((l) => l.trim() !== '' && !/^\s+at |^\[\d{4}-|SLF4J|^WARN\b|^Caused by/.test(l) && (!/^\s+\S+=/.test(l) || /^\s+root=/.test(l)));
  return `${r.code === 0 ? 'ok' : 'failed'}: ${lines.join(' | ')}`.replace(/127\.0\.0\.1:\d+/g, 'B');
}

const LOGGERS = ['--entity-type', 'broker-loggers', '--entity-name', '1'];

async function scenario(bootstrap: string): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  const step = async (name: string, args: string[]) => void out.push([name, essence(await configsTool(bootstrap, args))]);
  await step('set root=ERROR', [...LOGGERS, '--alter', '--add-config', 'root=ERROR']);
  await step('describe', [...LOGGERS, '--describe']);
  await step('set root=OFF', [...LOGGERS, '--alter', '--add-config', 'root=OFF']);
  await step('describe after OFF', [...LOGGERS, '--describe']);
  await step('an unknown logger', [...LOGGERS, '--alter', '--add-config', 'no.such.logger=INFO']);
  await step('an unknown level', [...LOGGERS, '--alter', '--add-config', 'root=LOUD']);
  await step('a level in lower case', [...LOGGERS, '--alter', '--add-config', 'root=debug']);
  await step('delete the root level', [...LOGGERS, '--alter', '--delete-config', 'root']);
  await step('delete an unknown logger', [...LOGGERS, '--alter', '--delete-config', 'no.such.logger']);
  await step('another broker id', ['--entity-type', 'broker-loggers', '--entity-name', '7', '--alter', '--add-config', 'root=INFO']);
  await step('describe another broker id', ['--entity-type', 'broker-loggers', '--entity-name', '7', '--describe']);
  await step('set root=INFO', [...LOGGERS, '--alter', '--add-config', 'root=INFO']);
  return out;
}

/** The same raw requests on the resource, answers as JSON (bigints as strings). */
async function rawScenario(c: RawKafkaClient): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  const show = (x: unknown) => JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
  const alter = async (name: string, resourceName: string, configs: Array<{ name: string; configOperation: number; value: string | null }>) =>
    void out.push([name, show((await c.request(44, 1, { resources: [{ resourceType: 8, resourceName, configs }], validateOnly: false })).responses)]);
  await alter('SET root=INFO', '1', [{ name: 'root', configOperation: 0, value: 'INFO' }]);
  await alter('SET OFF', '1', [{ name: 'root', configOperation: 0, value: 'OFF' }]);
  await alter('SET lower case', '1', [{ name: 'root', configOperation: 0, value: 'debug' }]);
  await alter('SET without a value', '1', [{ name: 'root', configOperation: 0, value: null }]);
  await alter('SET an unknown logger', '1', [{ name: 'no.such', configOperation: 0, value: 'INFO' }]);
  await alter('DELETE an unknown logger', '1', [{ name: 'no.such', configOperation: 1, value: null }]);
  await alter('APPEND', '1', [{ name: 'root', configOperation: 2, value: 'INFO' }]);
  await alter('SUBTRACT', '1', [{ name: 'root', configOperation: 3, value: 'INFO' }]);
  for (const n of ['7', 'x', '']) {
    await alter(`SET on broker ${JSON.stringify(n)}`, n, [{ name: 'root', configOperation: 0, value: 'INFO' }]);
    const d = await c.request(32, 4, { resources: [{ resourceType: 8, resourceName: n, configurationKeys: null }], includeSynonyms: true, includeDocumentation: true });
    out.push([`describe broker ${JSON.stringify(n)}`, show(d.results.map((x) => [x.errorCode, x.errorMessage, x.configs.length]))]);
  }
  const d = await c.request(32, 4, { resources: [{ resourceType: 8, resourceName: '1', configurationKeys: ['root', 'nope'] }], includeSynonyms: true, includeDocumentation: true });
  out.push(['describe root', show(d.results)]);
  out.push(['ListConfigResources [8]', show(await c.request(74, 1, { resourceTypes: [8] }))]);
  out.push(['AlterConfigs', show((await c.request(33, 2, { resources: [{ resourceType: 8, resourceName: '1', configs: [{ name: 'root', value: 'INFO' }] }], validateOnly: false })).responses)]);
  return out;
}

describe('BROKER_LOGGER with kafka-configs: Kafka 4.4 vs Wharf', { skip: peerSkip('kafka') }, () => {
  test('the same answers to the same commands and requests on the root logger', { timeout: 600_000 }, async (t) => {
    const both = async (bootstrap: string, port: number) => {
      const tool = await scenario(bootstrap);
      const c = await RawKafkaClient.connect(port);
      try {
        return [...tool, ...(await rawScenario(c))];
      } finally {
        await c.close();
      }
    };
    const kafka = await startKafka();
    let expected: Array<[string, string]>;
    try {
      expected = await both(kafka.bootstrap, kafka.port);
    } finally {
      await kafka.close();
    }
    const broker = await startTestBroker({ kafkaPort: 0, fsync: 'never' });
    let actual: Array<[string, string]>;
    try {
      actual = await both(`127.0.0.1:${broker.ports.kafka}`, broker.ports.kafka);
    } finally {
      await broker.close();
    }
    for (const [name, v] of actual) t.diagnostic(`${name}: ${v}`);
    assert.deepEqual(actual, expected);
  });
});

describe('BROKER_LOGGER: Wharf components as loggers', { skip: peerSkip('kafka') }, () => {
  test('SET changes a component logger at run time, DELETE resets it to the root level', { timeout: 300_000 }, async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new PassThrough();
    let buf = '';
    sink.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        lines.push(JSON.parse(buf.slice(0, i)) as Record<string, unknown>);
        buf = buf.slice(i + 1);
      }
    });
    const dataDir = mkdtempSync(join(tmpdir(), 'wharf-loggers-'));
    const broker = await startBroker(
      configFromFlags({ host: '127.0.0.1', port: 0, httpPort: -1, kafkaPort: 0, logLevel: 'warn', fsync: 'never', groupInitialRebalanceDelay: 0, dataDir }),
      createLogger('warn', { format: 'json', destination: sink }),
    );
    const bootstrap = `127.0.0.1:${broker.ports.kafka}`;
    const raw = await RawKafkaClient.connect(broker.ports.kafka);
    const debugOf = (component: string) => lines.filter((l) => l.level === 20 && l.component === component).length;
    const rebalance = async (groupId: string) => {
      const j = await raw.joinAndSync(groupId, 't', { sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000 });
      await raw.request(13, 5, { groupId, members: [{ memberId: j.memberId, groupInstanceId: null, reason: null }] });
    };
    try {
      const described = await configsTool(bootstrap, [...LOGGERS, '--describe']);
      assert.equal(described.code, 0, described.out);
      assert.match(described.out, /^\s+root=WARN sensitive=false synonyms=\{\}$/m);
      assert.match(described.out, /^\s+group-coordinator=WARN sensitive=false synonyms=\{\}$/m, 'the components are loggers, at the root level');
      assert.match(described.out, /^\s+kafka=WARN /m);

      await rebalance('before');
      assert.equal(debugOf('group-coordinator'), 0, 'no debug line at WARN');
      const set = await configsTool(bootstrap, [...LOGGERS, '--alter', '--add-config', 'group-coordinator=DEBUG']);
      assert.equal(set.code, 0, set.out);
      assert.match((await configsTool(bootstrap, [...LOGGERS, '--describe'])).out, /^\s+group-coordinator=DEBUG /m);
      await rebalance('during');
      assert.ok(debugOf('group-coordinator') > 0, 'the group coordinator logs its rebalance at debug');
      assert.equal(lines.filter((l) => l.level === 20 && l.component !== 'group-coordinator').length, 0, 'the other loggers stay at WARN');

      const del = await configsTool(bootstrap, [...LOGGERS, '--alter', '--delete-config', 'group-coordinator']);
      assert.equal(del.code, 0, del.out);
      assert.match((await configsTool(bootstrap, [...LOGGERS, '--describe'])).out, /^\s+group-coordinator=WARN /m, 'back to the root level');
      const seen = debugOf('group-coordinator');
      await rebalance('after');
      assert.equal(debugOf('group-coordinator'), seen, 'no debug line after the reset');

      const listed = await raw.request(74, 1, { resourceTypes: [8] });
      assert.deepEqual([listed.errorCode, listed.configResources.map((r) => [r.resourceType, r.resourceName])], [0, [[8, '1']]]);
    } finally {
      await raw.close();
      await broker.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
