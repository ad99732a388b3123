// The log opens batches of every codec with the codecs in src/core/records: compacted topics
// compact snappy, lz4 and zstd batches, the key check of compacted topics sees inside snappy
// batches at append time (snappy is synchronous), and a native codec module is loaded only when
// a batch of its codec is first opened.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestBroker } from '../support/broker.js';
import { splitBatches } from '../support/records.js';
import { buildRecordBatchAsync, decodeRecordsAsync } from '../../src/core/records/batch.js';
import { CompressionType } from '../../src/core/records/compression.js';
import { isLogError } from '../../src/core/records/errors.js';

const CODECS = [CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd];

test('compacted topics keep the latest record per key in snappy, lz4 and zstd batches', async () => {
  const broker = await startTestBroker({ kafkaPort: 0, fsync: 'never' });
  try {
    await broker.log.createTopic('latest', { configs: { 'cleanup.policy': 'compact', 'segment.bytes': '1024', 'min.cleanable.dirty.ratio': '0.01' } });
    const p = broker.log.partition('latest', 0);
    for (let round = 0; round < 6; round++) {
      for (const compression of CODECS) {
        const records = ['a', 'b', 'c'].map((k) => ({ key: Buffer.from(k), value: Buffer.from(`${k}-${round}-${compression}-${'p'.repeat(60)}`) }));
        await p.append(await buildRecordBatchAsync({ records, compression }));
      }
    }
    await broker.log.runMaintenance();
    const seen = new Map<string, string>();
    let total = 0;
    let offset = p.logStartOffset;
    while (offset < p.highWatermark) {
      const r = await p.read(offset, 1 << 20);
      for (const chunk of r.chunks) {
        for (const b of splitBatches(chunk)) {
          for (const rec of await decodeRecordsAsync(b)) {
            if (rec.offset < offset) continue;
            total++;
            seen.set(rec.key!.toString(), rec.value!.toString());
          }
        }
      }
      offset = r.nextOffset;
    }
    assert.ok(total < 6 * 3 * 3, `compaction removed superseded records (${total} left of 54)`);
    for (const k of ['a', 'b', 'c']) assert.match(seen.get(k)!, new RegExp(`^${k}-5-${CompressionType.Zstd}-`), `latest value of ${k}`);
  } finally {
    await broker.close();
  }
});

test('a keyless record inside a snappy batch is refused on a compacted topic', async () => {
  const broker = await startTestBroker({ kafkaPort: 0, fsync: 'never' });
  try {
    await broker.log.createTopic('keyed', { configs: { 'cleanup.policy': 'compact' } });
    const batch = await buildRecordBatchAsync({ records: [{ key: null, value: Buffer.from('v') }], compression: CompressionType.Snappy });
    await assert.rejects(broker.log.partition('keyed', 0).append(batch), (e: unknown) => isLogError(e) && e.code === 'INVALID_RECORD');
  } finally {
    await broker.close();
  }
});

// A broker in a child process (this test process has loaded every codec by now): which native
// codec modules are in its module cache after each step.
/** The compiled tree this test belongs to (dist/ with tsc's layout): the child imports its src/. */
const BUILD_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = `
import { createRequire } from 'node:module';
const [build, dataDir] = process.argv.slice(1);
const { startBroker } = await import(build + '/src/index.js');
const batches = await import(build + '/src/core/records/batch.js');
const cache = createRequire(build + '/src/index.js').cache;
const loaded = () => ['snappy', 'lz4-napi', '@mongodb-js/zstd'].filter((m) => Object.keys(cache).some((k) => k.includes('/node_modules/' + m + '/')));
const steps = {};
const broker = await startBroker({ host: '127.0.0.1', nats: { port: 0 }, http: { port: -1 }, kafka: { port: 0 }, logLevel: 'silent', storage: { fsync: 'never', dataDir } });
await broker.log.createTopic('t', { configs: { 'cleanup.policy': 'compact' } });
const p = broker.log.partition('t', 0);
for (const compression of [0, 1]) await p.append(batches.buildRecordBatch({ records: [{ key: 'k', value: 'v' }], compression }));
await broker.log.runMaintenance();
steps.uncompressedAndGzip = loaded();
await p.append(await batches.buildRecordBatchAsync({ records: [{ key: 'k', value: 'v' }], compression: 3 }));
steps.lz4 = loaded();
await p.append(batches.buildRecordBatch({ records: [{ key: 'k', value: 'v' }], compression: 2 }));
steps.snappy = loaded();
await broker.close();
console.log(JSON.stringify(steps));
`;

test('a native codec module is loaded only when a batch of its codec is first opened', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-codecs-'));
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', CHILD, BUILD_ROOT, dataDir], { timeout: 60_000 });
    const steps = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, string[]>;
    assert.deepEqual(steps, { uncompressedAndGzip: [], lz4: ['lz4-napi'], snappy: ['snappy', 'lz4-napi'] });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
