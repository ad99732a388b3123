import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchOf, openTestLog, readAll, tempDir } from '../storage/helpers.js';

test('append, read, reopen', async () => {
  const { dir, cleanup } = tempDir();
  try {
    let log = await openTestLog(dir);
    await log.createTopic('t', { partitions: 2 });
    const p = log.partition('t', 0);
    const rs = await Promise.all(Array.from({ length: 50 }, (_, i) => p.append(batchOf(`m${i}`, 3))));
    assert.deepEqual(rs.map((r) => r.baseOffset), Array.from({ length: 50 }, (_, i) => i * 3));
    assert.equal(p.highWatermark, 150);
    const all = await readAll(log, 't');
    assert.equal(all.length, 150);
    assert.equal(all[4]!.value, 'm1-1');
    await log.close();
    log = await openTestLog(dir);
    const again = await readAll(log, 't');
    assert.deepEqual(again, all);
    assert.equal(log.partition('t', 1).highWatermark, 0);
    await log.close();
  } finally {
    cleanup();
  }
});
