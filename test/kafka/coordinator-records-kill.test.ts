// kill -9 of a broker while it rewrites a data directory's JSON coordinator records in Kafka's
// schemas (the one-time migration, src/core/coordinators/internal-topic.ts): 30 000 committed
// offsets written the old way (the coordinators without a record codec write exactly what
// brokers before the schemas wrote), then the wharf CLI started on the directory and killed with
// SIGKILL after growing delays until one run finishes the rewrite. Whenever the kills landed, a
// broker started afterwards has every offset, and no JSON record is live. (Where a crash between
// two batches leaves the topic is pinned down exactly in test/coordinators/record-migration.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { openTestLog, silentLogger, tempDir } from '../storage/helpers.js';
import { freePort, LOOPBACK, sleep } from '../support/net.js';
import { repoRoot } from '../support/wharf.js';
import { startCoordinators } from '../../src/core/coordinators/index.js';
import { decodeRecords, forEachBatch, batchIsControl } from '../../src/core/records/batch.js';
import { consumerOffsetsCodec, transactionStateCodec } from '../../src/kafka/coordinator-records.js';
import type { Log } from '../../src/core/log/index.js';

const GROUPS = 300;
const PARTITIONS = 100;

async function liveJson(log: Log): Promise<number> {
  const p = log.partition('__consumer_offsets', 0);
  const latest = new Map<string, boolean>();
  let offset = p.logStartOffset;
  while (offset < p.highWatermark) {
    const r = await p.read(offset, 8 << 20, { maxOffset: p.highWatermark });
    if (r.bytes === 0) break;
    for (const chunk of r.chunks) {
      forEachBatch(chunk, (pos, size) => {
        const b = chunk.subarray(pos, pos + size);
        if (batchIsControl(b)) return;
        for (const rec of decodeRecords(b)) if (rec.key) latest.set(rec.key.toString('latin1'), rec.value !== null);
      });
    }
    offset = r.nextOffset;
  }
  return [...latest].filter(([k, live]) => live && k.startsWith('[')).length;
}

/** Runs the CLI on the directory; kills it with SIGKILL after `ms`; resolves with whether it had finished the rewrite. */
async function runAndKill(dataDir: string, ms: number): Promise<{ rewrote: boolean; out: string }> {
  const main = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
  const args = [main, '--host', LOOPBACK, '--port', String(await freePort()), '--http-port', '-1', '--kafka-port', String(await freePort()), '--data-dir', dataDir, '--log-level', 'info'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-50_000)));
  child.stderr.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-50_000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  process.once('exit', () => child.kill('SIGKILL'));
  await Promise.race([sleep(ms), exited]);
  child.kill('SIGKILL');
  await exited;
  return { rewrote: out.includes("rewrote Wharf's JSON records"), out };
}

test('kill -9 during the rewrite of JSON coordinator records loses no offset', { timeout: 600_000 }, async (t) => {
  const { dir, cleanup } = tempDir('wharf-migrate-kill-');
  try {
    let log = await openTestLog(dir, { fsync: 'never' });
    const c = await startCoordinators({ log, logger: silentLogger, groups: { offsetsRetentionCheckIntervalMs: 0 }, transactions: { abortTimedOutIntervalMs: 0 } });
    await log.createTopic('t', { partitions: PARTITIONS });
    for (let g = 0; g < GROUPS; g++) {
      const offsets = Array.from({ length: PARTITIONS }, (_, p) => ({ topic: 't', partition: p, offset: g * 1000 + p, leaderEpoch: -1, metadata: '' }));
      const r = await c.groups.commitOffsets({ groupId: `g${g}`, memberId: '', groupInstanceId: null, generationIdOrMemberEpoch: -1, apiVersion: 8, offsets });
      assert.ok(r.every((x) => x.error === null));
    }
    c.close();
    await log.close();

    // Kill after growing delays until a run gets through the rewrite.
    let kills = 0;
    let beforeRewrite = 0;
    for (let ms = 150; ; ms = Math.round(ms * 1.6)) {
      const r = await runAndKill(dir, ms);
      kills++;
      if (r.rewrote) break;
      beforeRewrite++;
      assert.ok(ms < 120_000, `the broker never finished the rewrite: ${r.out}`);
    }
    t.diagnostic(`${kills} kills, ${beforeRewrite} of them before the rewrite had finished`);
    assert.ok(beforeRewrite >= 1, 'at least one kill landed before the rewrite finished');

    log = await openTestLog(dir);
    const c2 = await startCoordinators({ log, logger: silentLogger, groups: { offsetsRetentionCheckIntervalMs: 0 }, transactions: { abortTimedOutIntervalMs: 0 }, recordCodecs: { consumerOffsets: consumerOffsetsCodec, transactionState: transactionStateCodec } });
    let missing = 0;
    for (let g = 0; g < GROUPS; g++) {
      for (let p = 0; p < PARTITIONS; p++) if (c2.groups.offsets.get(`g${g}`, 't', p)?.offset !== g * 1000 + p) missing++;
    }
    c2.close();
    assert.equal(missing, 0);
    assert.equal(await liveJson(log), 0);
    await log.close();
  } finally {
    cleanup();
  }
});
