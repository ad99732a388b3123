// A broker without a Kafka listener loads no module of the Kafka front-end (issue 15: idle RSS
// and start time of brokers embedded as NATS servers): src/broker.ts imports src/kafka/front-end.js
// with import() only when a Kafka listener is configured. Each broker runs in a fresh child
// process under the module log (test/support/module-log: every module the process loads, one
// URL a line), embedded as applications embed it (test/support/embedded-broker.ts) or as the
// `wharf` command; the native add-ons are read from the child's /proc/PID/maps (Linux). With a
// Kafka listener the same log shows the front-end, as the control that the log sees it when it
// loads; the request path and the compression codecs wait for their first use even then. The
// coordinators the Kafka listener serves (groups, producer state, transactions: core) load with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnWharf } from '../support/wharf.js';

const REGISTER = fileURLToPath(new URL('../support/module-log/register.js', import.meta.url));
const EMBEDDED = fileURLToPath(new URL('../support/embedded-broker.js', import.meta.url));
const linux = process.platform === 'linux';

/** URLs of the modules of the Kafka front-end (src/kafka, built or not). */
const kafkaModules = (urls: string[]) => urls.filter((u) => /\/src\/kafka\//.test(u));
/** The coordinators the Kafka listener serves (core: groups, transactions), loaded with the front-end. */
const kafkaCoordinators = (urls: string[]) => urls.filter((u) => /\/src\/core\/coordinators\/(index|group-coordinator|consumer-group|share-group|streams-group|transaction-coordinator|producer-state)\.js$/.test(u));
/** Modules and native add-ons of the compression codecs (snappy, lz4-napi, @mongodb-js/zstd). */
const codecs = (names: string[]) => names.filter((n) => /snappy|lz4|zstd/i.test(n));

function readLog(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').filter((u) => u !== '');
}

interface Embedded {
  ports: { nats: number; kafka: number };
  nativeAddons: string[];
  modules: string[];
}

/** Runs test/support/embedded-broker.js with `kafka.port` under the module log. */
async function embedded(kafkaPort: number): Promise<Embedded> {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-not-loaded-'));
  try {
    const log = join(dir, 'modules.txt');
    const spec = { config: { host: '127.0.0.1', nats: { port: 0 }, kafka: { port: kafkaPort }, http: { port: 0 }, storage: { dataDir: join(dir, 'data') }, logLevel: 'warn' }, settleMs: 100 };
    const child = spawn(process.execPath, ['--import', REGISTER, EMBEDDED, JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WHARF_MODULE_LOG: log } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(timer);
    const line = /^EMBEDDED-BROKER (.*)$/m.exec(out);
    assert.ok(code === 0 && line !== null, `embedded broker exited ${code}:\n${out}`);
    const report = JSON.parse(line[1]!) as Omit<Embedded, 'modules'>;
    return { ...report, modules: readLog(log) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('an embedded broker without a Kafka listener loads no module of src/kafka', async () => {
  const r = await embedded(-1);
  assert.equal(r.ports.kafka, -1);
  // The log saw the broker load (else an empty log would pass).
  assert.ok(r.modules.some((u) => u.endsWith('/dist/src/broker.js')), `the module log missed the broker:\n${r.modules.join('\n')}`);
  assert.ok(r.modules.some((u) => u.endsWith('/dist/src/nats/server.js')));
  assert.deepEqual(kafkaModules(r.modules), [], 'modules of the Kafka front-end loaded by a NATS-only broker');
  assert.deepEqual(kafkaCoordinators(r.modules), [], "the Kafka listener's coordinators loaded by a NATS-only broker");
  assert.deepEqual(codecs(r.modules), []);
  if (linux) assert.deepEqual(codecs(r.nativeAddons), []);
});

test('the wharf command with --kafka-port -1 loads no module of src/kafka', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-not-loaded-'));
  const log = join(dir, 'modules.txt');
  // spawnWharf starts `node dist/src/cli/main.js ... --kafka-port -1` and waits for NATS' INFO.
  const wharf = await spawnWharf([], { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${REGISTER}`, WHARF_MODULE_LOG: log });
  try {
    const maps = linux ? readFileSync(`/proc/${wharf.process.pid}/maps`, 'utf8') : '';
    const modules = readLog(log);
    assert.ok(modules.some((u) => u.endsWith('/dist/src/cli/main.js')) && modules.some((u) => u.endsWith('/dist/src/broker.js')), `the module log missed the CLI:\n${modules.join('\n')}`);
    assert.deepEqual(kafkaModules(modules), [], 'modules of the Kafka front-end loaded by `wharf --kafka-port -1`');
    assert.deepEqual(kafkaCoordinators(modules), [], "the Kafka listener's coordinators loaded by `wharf --kafka-port -1`");
    assert.deepEqual(codecs(modules), []);
    assert.deepEqual(codecs(maps.split('\n').filter((l) => l.endsWith('.node'))), []);
  } finally {
    await wharf.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('with a Kafka listener the front-end loads at start; its request path and the codecs wait for their first use', async () => {
  const r = await embedded(0);
  assert.ok(r.ports.kafka > 0);
  const kafka = kafkaModules(r.modules);
  assert.ok(kafka.some((u) => u.endsWith('/dist/src/kafka/front-end.js')), `the module log saw no Kafka front-end:\n${r.modules.join('\n')}`);
  assert.ok(kafka.some((u) => u.endsWith('/dist/src/kafka/server.js')));
  assert.ok(kafkaCoordinators(r.modules).some((u) => u.endsWith('/group-coordinator.js')));
  // The codec of every API and the handlers come with the first connection (lazy-load.test.ts).
  assert.deepEqual(kafka.filter((u) => /\/kafka\/(connection|apis\/|protocol\/messages\/(?!consumer-protocol-))/.test(u)), []);
  assert.deepEqual(codecs(r.modules), []);
  if (linux) assert.deepEqual(codecs(r.nativeAddons), []);
});
