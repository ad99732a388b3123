// The options table is the one source of flags, config-file keys, defaults, --help and the
// README's table: these tests fail when any of them drifts from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, DEFAULT_OPTIONS, OPTIONS, defaultText, parseRawOptions, resolveOptions } from '../../src/config.js';
import { parseCommandLine, usage } from '../../src/cli/args.js';
import { withOptionsTable } from '../../scripts/options-table.js';
import { repoRoot } from '../support/wharf.js';
import { connect } from 'nats';
import { startBroker } from '../../src/index.js';

test("the README's options table is the generated one", () => {
  const readme = readFileSync(join(repoRoot(), 'README.md'), 'utf8');
  assert.equal(readme, withOptionsTable(readme), 'README.md is stale: run `npm run build && node dist/scripts/options-table.js`');
});

test('--help lists every option with its default', () => {
  const help = usage();
  for (const o of OPTIONS) {
    const line = help.split('\n').find((l) => l.includes(`--${o.flag} <value>`));
    assert.ok(line, `--${o.flag} is missing from --help`);
    const d = defaultText(o).replace(/`/g, '');
    if (d !== '') assert.ok(line.includes(`(default ${d})`), `--${o.flag}: ${line}`);
  }
});

test('defaults live in their sections, each client listener inherits the broker host, the monitor stays on loopback', () => {
  assert.equal(DEFAULT_OPTIONS.nats.port, 4222);
  assert.equal(DEFAULT_OPTIONS.kafka.port, 9092);
  assert.equal(DEFAULT_OPTIONS.http.port, 8222);
  assert.equal(DEFAULT_OPTIONS.storage.engine, 'local');
  assert.equal(DEFAULT_OPTIONS.groups.initialRebalanceDelay, 3_000);
  assert.equal(DEFAULT_OPTIONS.transactions.maxTimeout, 900_000);
  const o = resolveOptions({ host: '10.1.2.3', kafka: { host: '::1' } });
  assert.deepEqual([o.nats.host, o.kafka.host, o.http.host], ['10.1.2.3', '::1', '127.0.0.1']);
  assert.equal(DEFAULT_OPTIONS.http.host, '127.0.0.1', 'monitoring is not opened to other interfaces by default');
  assert.equal(resolveOptions({ http: { host: '0.0.0.0' } }).http.host, '0.0.0.0');
  assert.throws(() => resolveOptions({ bogus: 1 } as never), /unknown option "bogus"/);
});

test('config files take flag names in any spelling, flat or in sections', () => {
  const flat = parseRawOptions({ 'max-payload': '2KB', kafka_port: '-1', fsyncInterval: '5s', 'group-max-size': 3 }, 'f.json');
  assert.deepEqual(flat, { nats: { maxPayload: 2048 }, kafka: { port: -1 }, storage: { fsyncInterval: 5_000 }, groups: { maxSize: 3 } });
  const nested = parseRawOptions({ nats: { max_payload: '2KB', port: 4333 }, storage: { 'fsync-interval': 5 } }, 'f.json');
  assert.deepEqual(nested, { nats: { maxPayload: 2048, port: 4333 }, storage: { fsyncInterval: 5_000 } });
  assert.throws(() => parseRawOptions({ nats: { nope: 1 } }, 'f.json'), (e: unknown) => e instanceof ConfigError && /unknown option "nats.nope"/.test(e.message));
  assert.throws(() => parseRawOptions({ 'max-payload': 'lots' }, 'f.json'), /f\.json: max-payload: expected a size/);
});

test('flags land in their sections and override the config file', () => {
  const cmd = parseCommandLine(['-p', '0', '--kafka-port', '-1', '--storage', 'memory', '--group-initial-rebalance-delay', '0', '-l', 'warn']);
  assert.equal(cmd.kind, 'run');
  assert.deepEqual(cmd.options, { nats: { port: 0 }, kafka: { port: -1 }, storage: { engine: 'memory' }, groups: { initialRebalanceDelay: 0 }, logLevel: 'warn' });
  assert.throws(() => parseCommandLine(['--max-payload', 'lots']), /--max-payload: expected a size/);
});

test('short flags take negative values too (-m -1)', () => {
  const cmd = parseCommandLine(['-m', '-1', '-p', '0']);
  assert.deepEqual(cmd.options, { http: { port: -1 }, nats: { port: 0 } });
});

test('--mappings takes nats-server mappings as JSON, validated by the core with its errors', async () => {
  const cmd = parseCommandLine(['--mappings', '{"in.*": "out.$1"}']);
  assert.deepEqual(cmd.options, { nats: { mappings: { 'in.*': 'out.$1' } } });
  assert.throws(() => parseCommandLine(['--mappings', '{"foo": ""}']), /--mappings: Error adding mapping for "foo" to "" : invalid mapping destination/);
  assert.throws(() => parseCommandLine(['--mappings', '[1]']), /--mappings: expected an object/);
  const mapped = await startBroker({ host: '127.0.0.1', nats: { port: 0, mappings: { 'in.*': 'out.$1' } }, kafka: { port: -1 }, http: { port: -1 }, storage: { engine: 'memory' }, logLevel: 'silent' });
  try {
    const nc = await connect({ port: mapped.ports.nats });
    const sub = nc.subscribe('out.>', { max: 1 });
    nc.publish('in.x', 'hello');
    for await (const m of sub) assert.deepEqual([m.subject, m.string()], ['out.x', 'hello']);
    await nc.close();
  } finally {
    await mapped.close();
  }
});
