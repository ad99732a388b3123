// librdkafka (confluent-kafka from PyPI): a cooperative-sticky consumer group and transactional
// read-process-write (send_offsets_to_transaction, an aborted transaction) against Wharf.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startTestBroker } from '../support/broker.js';
import { findPeer, peerSkip } from '../support/peers.js';

describe('confluent-kafka: cooperative-sticky groups and transactions', { skip: peerSkip('python-confluent-kafka') }, () => {
  test('read-process-write: every input exactly once in the committed output, offsets committed with it', async () => {
    const broker = await startTestBroker({ kafkaPort: 0, fsync: 'never', groupInitialRebalanceDelay: 0 });
    try {
      const script = fileURLToPath(new URL('../../../test/kafka/support/confluent_kafka_txn.py', import.meta.url));
      const r = await new Promise<{ stdout: string; stderr: string; code: number }>((resolve) => {
        execFile(findPeer('python-confluent-kafka')!, [script, `127.0.0.1:${broker.ports.kafka}`], { timeout: 90_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
          resolve({ stdout, stderr, code: err ? ((err as { code?: number }).code ?? 1) : 0 }),
        );
      });
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
      assert.equal(out.aborted, 1);
      assert.deepEqual(out.out, Array.from({ length: 200 }, (_, i) => i), 'each input once, nothing from the aborted transaction');
      assert.deepEqual(out.committed, { '0': 50, '1': 50, '2': 50, '3': 50 });
      assert.ok(out.second.length > 0, 'the second member got partitions');
      assert.deepEqual([...out.first, ...out.second].sort(), [0, 1, 2, 3]);
    } finally {
      await broker.close();
    }
  });
});
