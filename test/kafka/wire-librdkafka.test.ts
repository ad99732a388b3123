// librdkafka clients against Wharf through the wire: kcat from Debian (librdkafka 2.0.2, which
// needs Produce v0 in the ApiVersions list) and confluent-kafka from PyPI (the newest
// librdkafka). Every compression codec, consume by assignment, metadata, offsets by time,
// admin. In CI a missing peer fails the suite; elsewhere it is skipped with the install hint.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startTestBroker } from '../support/broker.js';
import { findPeer, peerSkip } from '../support/peers.js';
import type { Broker } from '../../src/index.js';

function run(cmd: string, args: string[], input?: string, timeoutMs = 30_000): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ stdout, stderr, code: err ? ((err as { code?: number }).code ?? 1) : 0 });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

describe('kcat (Debian, librdkafka 2.0.2)', { skip: peerSkip('kcat') }, () => {
  let broker: Broker;
  let bs: string;
  const kcat = (args: string[], input?: string) => run(findPeer('kcat')!, ['-b', bs, ...args], input);

  before(async () => {
    broker = await startTestBroker({ kafkaPort: 0, fsync: 'never' });
    bs = `127.0.0.1:${broker.ports.kafka}`;
  });
  after(() => broker?.close());

  test('produce with every codec (auto-created topic), consume it all back', async () => {
    const codecs = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
    for (const z of codecs) {
      const r = await kcat(['-P', '-t', 'kc', '-p', '0', '-z', z, '-K', ':'], `k-${z}:a-${z}\nk-${z}:b-${z}\n`);
      assert.equal(r.code, 0, `${z}: ${r.stderr}`);
    }
    const r = await kcat(['-C', '-t', 'kc', '-p', '0', '-o', 'beginning', '-e', '-f', '%o|%k|%s\n']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      r.stdout.trim().split('\n'),
      codecs.flatMap((z, i) => [`${i * 2}|k-${z}|a-${z}`, `${i * 2 + 1}|k-${z}|b-${z}`]),
    );
  });

  test('metadata as JSON', async () => {
    const r = await kcat(['-L', '-J']);
    assert.equal(r.code, 0, r.stderr);
    const md = JSON.parse(r.stdout);
    assert.deepEqual(md.brokers, [{ id: 1, name: bs }]);
    assert.equal(md.controllerid, 1);
    const kc = md.topics.find((t: { topic: string }) => t.topic === 'kc');
    assert.deepEqual(kc.partitions, [{ partition: 0, leader: 1, replicas: [{ id: 1 }], isrs: [{ id: 1 }] }]);
  });

  test('offsets by timestamp, and consuming from an offset and with -o -2', async () => {
    const r = await kcat(['-Q', '-t', 'kc:0:0']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /kc \[0\]\s+offset 0/);
    const tail = await kcat(['-C', '-t', 'kc', '-p', '0', '-o', '-2', '-e', '-f', '%o\n']);
    assert.deepEqual(tail.stdout.trim().split('\n'), ['8', '9']);
    const mid = await kcat(['-C', '-t', 'kc', '-p', '0', '-o', '5', '-c', '2', '-f', '%o\n']);
    assert.deepEqual(mid.stdout.trim().split('\n'), ['5', '6']);
  });
});

describe('confluent-kafka (PyPI, newest librdkafka)', { skip: peerSkip('python-confluent-kafka') }, () => {
  test('admin, produce with every codec, consume by assignment', async () => {
    const broker = await startTestBroker({ kafkaPort: 0, fsync: 'never' });
    try {
      const script = fileURLToPath(new URL('../../../test/kafka/support/confluent_kafka_check.py', import.meta.url));
      const r = await run(findPeer('python-confluent-kafka')!, [script, `127.0.0.1:${broker.ports.kafka}`], undefined, 60_000);
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
      for (const [i, z] of ['none', 'gzip', 'snappy', 'lz4', 'zstd'].entries()) assert.deepEqual(out[`produce-${z}`], [['None', i]]);
      assert.deepEqual(out.consumed.map((m: unknown[]) => m[2]), ['v-none', 'v-gzip', 'v-snappy', 'v-lz4', 'v-zstd']);
      assert.deepEqual(out.consumed[4][3], [['h', 'zstd']]);
      assert.equal(out['retention.ms'], '3600000');
      assert.deepEqual(out.offsets, { '0': 5, '1': 0 });
      assert.deepEqual(out.deleted, { '0': 2 });
    } finally {
      await broker.close();
    }
  });
});
