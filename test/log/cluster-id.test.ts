// The cluster id is broker-wide metadata of the log, kept by its storage engine: created on
// the first open, the same on every open after that. The local engine stores it atomically
// (fsync + rename) in <dataDir>/metadata.json and adopts, once, the id an older broker kept in
// <dataDir>/kafka/cluster.json, so that existing data directories keep their cluster id.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { engineTest, openTestLog, tempDir } from '../storage/helpers.js';

engineTest('the cluster id is created on the first open (22 characters of base64url, as Kafka’s) and kept after that', async (place) => {
  let log = await place.open();
  const id = log.clusterId;
  assert.match(id, /^[A-Za-z0-9_-]{22}$/);
  await log.close();
  log = await place.open();
  assert.equal(log.clusterId, id);
  await log.close();
});

// Local only: about the files of a data directory.
test('the local engine keeps the cluster id in metadata.json and adopts an older broker’s kafka/cluster.json once', async () => {
  const { dir, cleanup } = tempDir();
  try {
    // A data directory as an older broker left it: wharf.json, topics/, kafka/cluster.json.
    await (await openTestLog(dir)).close();
    unlinkSync(join(dir, 'metadata.json'));
    mkdirSync(join(dir, 'kafka'));
    const legacy = 'LegacyClusterId_012345';
    writeFileSync(join(dir, 'kafka', 'cluster.json'), JSON.stringify({ clusterId: legacy }) + '\n');
    let log = await openTestLog(dir);
    assert.equal(log.clusterId, legacy);
    await log.close();
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8')), { clusterId: legacy });
    assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.tmp')), [], 'no temporary file left behind');
    // Adopted once: the old file no longer matters.
    writeFileSync(join(dir, 'kafka', 'cluster.json'), JSON.stringify({ clusterId: 'SomethingElse_98765432' }) + '\n');
    log = await openTestLog(dir);
    assert.equal(log.clusterId, legacy);
    await log.close();
    rmSync(join(dir, 'kafka'), { recursive: true });
    log = await openTestLog(dir);
    assert.equal(log.clusterId, legacy);
    await log.close();
  } finally {
    cleanup();
  }
});

test('an unreadable kafka/cluster.json is not adopted: the directory gets a new cluster id and still opens', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await (await openTestLog(dir)).close();
    unlinkSync(join(dir, 'metadata.json'));
    mkdirSync(join(dir, 'kafka'));
    writeFileSync(join(dir, 'kafka', 'cluster.json'), '{"clus'); // torn: it was written without fsync
    const log = await openTestLog(dir);
    assert.match(log.clusterId, /^[A-Za-z0-9_-]{22}$/);
    await log.close();
    assert.ok(existsSync(join(dir, 'kafka', 'cluster.json')), 'the old file is left as it was');
  } finally {
    cleanup();
  }
});
