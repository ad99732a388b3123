// Erase on disk (docs/jetstream.md 1.5, step 5): STREAM.MSG.DELETE without no_erase removes the
// record from the log, so a Kafka reader (a plain Fetch from offset 0) no longer gets it and no
// file under the data directory holds its payload; with no_erase the record stays for Kafka.
// Every other record keeps its offset, key and value. The erase rewrites sealed units of
// storage only (the stream topics here get 4 KiB segments, so the deleted records are in sealed
// ones), crash-safe: a kill -9 in the middle of a rewrite (the broker kills itself when its erase
// filter reaches the second record, WHARF_TEST_ERASE_KILL_AT) loses and damages nothing, and
// the restart finishes the erase from __jetstream_state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nats from 'nats';
import { startTestBroker } from '../support/broker.js';
import { kafkaClient, rawKafkajs } from '../kafka/support/kafkajs.js';
import { repoRoot } from '../support/wharf.js';
import { freePort, LOOPBACK, waitForNatsInfo } from '../support/net.js';
import { waitFor } from '../support/wait.js';

const sc = nats.StringCodec();
const COUNT = 300;
const payload = (seq: number): string => `secret-${String(seq).padStart(4, '0')}-${'p'.repeat(80)}`;

/** Every record of partition 0 of `topic` over Kafka (a plain Fetch loop), by offset. */
async function kafkaRecords(port: number, topic: string): Promise<Map<number, { key: string | null; value: string | null }>> {
  const kafka = kafkaClient(port, 'erase');
  const raw = await rawKafkajs(kafka);
  const out = new Map<number, { key: string | null; value: string | null }>();
  try {
    let offset = 0;
    for (;;) {
      const r = await raw.fetch({ topic, partition: 0, offset, maxWaitTime: 10, maxBytes: 1 << 20, partitionMaxBytes: 1 << 20 });
      assert.equal(r.errorCode, 0);
      let next = offset;
      for (const rec of r.records) {
        out.set(Number(rec.offset), { key: rec.key, value: rec.value });
        next = Math.max(next, Number(rec.offset) + 1);
      }
      const hw = Number(r.highWatermark);
      // An erased record at the end of a batch leaves a gap the fetch returns again: step over it.
      if (next === offset) next = offset + 1;
      if (next >= hw) break;
      offset = next;
    }
  } finally {
    await raw.close();
  }
  return out;
}

/** Files under `dir` whose bytes contain `needle`. */
function filesHolding(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (readFileSync(p).includes(needle)) hits.push(p);
    }
  };
  walk(dir);
  return hits;
}

/** Files under `dir` whose name ends with `suffix`. */
function filesNamed(dir: string, suffix: string): string[] {
  const hits: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(suffix)) hits.push(p);
    }
  };
  walk(dir);
  return hits;
}

/** Creates the stream over Kafka (wharf.nats.subjects) with 4 KiB segments, so most of it is sealed soon. */
async function createStream(kafkaPort: number, topic: string): Promise<void> {
  const admin = kafkaClient(kafkaPort, 'erase-admin').admin();
  await admin.connect();
  try {
    const ok = await admin.createTopics({
      waitForLeaders: false,
      topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'wharf.nats.subjects', value: 'e.*' }, { name: 'segment.bytes', value: '4096' }] }],
    });
    assert.equal(ok, true);
  } finally {
    await admin.disconnect();
  }
}

/** What a Kafka reader must see: every sequence but the erased ones, with its subject and payload. */
function checkKafkaView(records: Map<number, { key: string | null; value: string | null }>, erased: readonly number[], total: number): void {
  for (let seq = 1; seq <= total; seq++) {
    const r = records.get(seq - 1);
    if (erased.includes(seq)) {
      assert.equal(r, undefined, `seq ${seq} was erased but Kafka still reads it`);
      continue;
    }
    assert.ok(r !== undefined, `seq ${seq} (offset ${seq - 1}) is missing over Kafka`);
    assert.deepEqual(r, { key: `e.${seq % 3}`, value: payload(seq) }, `offset ${seq - 1}`);
  }
}

test('MSG.DELETE erases the record from the log for Kafka readers and on disk; no_erase keeps it for Kafka; other records keep their offsets', { timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-js-erase-'));
  try {
    let b = await startTestBroker({ dataDir, kafkaPort: 0 });
    let nc = await nats.connect({ servers: `127.0.0.1:${b.ports.nats}` });
    let jsm = await nc.jetstreamManager();
    await createStream(b.ports.kafka, 'E');
    const js = nc.jetstream();
    await publishAll(js);
    assert.equal(filesHolding(dataDir, payload(50)).length > 0, true, 'the payload is on disk before the delete');
    assert.equal(await jsm.streams.deleteMessage('E', 50), true);
    assert.equal(await jsm.streams.deleteMessage('E', 60, false), true);
    assert.equal(await jsm.streams.deleteMessage('E', 200), true);
    const stream = b.jetstream!.registry.get('E')!;
    await waitFor(() => stream.pendingErases === 0, { what: 'the erases done', timeoutMs: 60_000, detail: () => `${stream.pendingErases} pending` });
    const records = await kafkaRecords(b.ports.kafka, 'E');
    checkKafkaView(records, [50, 200], COUNT);
    assert.ok(records.has(59), 'no_erase: the record stays readable over Kafka');
    assert.deepEqual(filesHolding(dataDir, payload(50)), [], 'no file holds the erased payload');
    assert.deepEqual(filesHolding(dataDir, payload(200)), []);
    assert.ok(filesHolding(dataDir, payload(60)).length > 0, 'no_erase: the payload stays on disk');
    await nc.close();
    await b.close();

    // After a restart (whole-log replay: the erased records are gaps in the log now) NATS sees the same stream.
    b = await startTestBroker({ dataDir, kafkaPort: 0, jsSnapshotBytes: -1 });
    nc = await nats.connect({ servers: `127.0.0.1:${b.ports.nats}` });
    jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info('E', { deleted_details: true });
    assert.deepEqual([info.state.messages, info.state.first_seq, info.state.last_seq, info.state.deleted], [COUNT - 3, 1, COUNT, [50, 60, 200]]);
    await assert.rejects(jsm.streams.getMessage('E', { seq: 50 }));
    assert.equal(sc.decode((await jsm.streams.getMessage('E', { seq: 51 })).data), payload(51));
    await nc.close();
    await b.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

/** Publishes seq 1..COUNT in pipelined groups of 10, so batches hold several records (an erase rebuilds a batch around the others). */
async function publishAll(js: nats.JetStreamClient): Promise<void> {
  for (let first = 1; first <= COUNT; first += 10) {
    const acks = await Promise.all(Array.from({ length: 10 }, (_, i) => js.publish(`e.${(first + i) % 3}`, sc.encode(payload(first + i)))));
    assert.deepEqual(acks.map((a) => a.seq), Array.from({ length: 10 }, (_, i) => first + i));
  }
}

interface Child {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
}

async function startChild(port: number, kafkaPort: number, dataDir: string, env: Record<string, string> = {}): Promise<Child> {
  const main = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
  const child = spawn(process.execPath, [main, '--host', LOOPBACK, '--port', String(port), '--http-port', '-1', '--kafka-port', String(kafkaPort), '--data-dir', dataDir, '--log-level', 'info', '--log-format', 'json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-32_000)));
  child.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-32_000)));
  const kill = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', kill);
  let gone = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      process.removeListener('exit', kill);
      gone = `wharf exited (code ${code}, signal ${signal}):\n${out}`;
      resolve({ code, signal });
    }),
  );
  await waitForNatsInfo(port, 60_000, () => (gone === '' ? undefined : gone));
  return { child, exited, output: () => out };
}

test('kill -9 in the middle of an erase rewrite: no other record is lost or damaged, and the restart finishes the erase', { timeout: 180_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-js-erasekill-'));
  const port = await freePort();
  const kafkaPort = await freePort();
  let b = await startChild(port, kafkaPort, dataDir, { WHARF_TEST_ERASE_KILL_AT: '2' });
  try {
    let nc = await nats.connect({ servers: `${LOOPBACK}:${port}`, reconnect: false });
    const jsm = await nc.jetstreamManager();
    await createStream(kafkaPort, 'K');
    const js = nc.jetstream({ timeout: 20_000 });
    await publishAll(js);
    // The first erase completes; the second kills the broker while its segment is being rewritten.
    assert.equal(await jsm.streams.deleteMessage('K', 40), true);
    await waitFor(() => b.output().includes('deleted messages erased from the log'), { what: 'the first erase', timeoutMs: 60_000, detail: b.output });
    assert.equal(await jsm.streams.deleteMessage('K', 120), true);
    const gone = await b.exited;
    assert.equal(gone.signal, 'SIGKILL', `the broker killed itself in the rewrite:\n${b.output()}`);
    await nc.close().catch(() => {});

    b = await startChild(port, kafkaPort, dataDir);
    // The restart finishes the erase (re-queued from __jetstream_state) and every other record is intact.
    await waitFor(async () => !(await kafkaRecords(kafkaPort, 'K')).has(119), { what: 'seq 120 erased after the restart', timeoutMs: 60_000, detail: b.output });
    checkKafkaView(await kafkaRecords(kafkaPort, 'K'), [40, 120], COUNT);
    assert.deepEqual(filesHolding(dataDir, payload(40)), []);
    assert.deepEqual(filesHolding(dataDir, payload(120)), []);
    assert.deepEqual(filesNamed(dataDir, '.cleaned'), [], 'no leftover of the interrupted rewrite');
    nc = await nats.connect({ servers: `${LOOPBACK}:${port}`, reconnect: false });
    const info = await (await nc.jetstreamManager()).streams.info('K', { deleted_details: true });
    assert.deepEqual([info.state.messages, info.state.last_seq, info.state.deleted], [COUNT - 2, COUNT, [40, 120]]);
    assert.equal((await nc.jetstream().publish('e.0', sc.encode('after'))).seq, COUNT + 1);
    await nc.close();
  } finally {
    b.child.kill('SIGKILL');
    await b.exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
});
