// The Kafka target formats its log directory with a fresh cluster id. One id in 64 starts with
// '-', and StorageTool then takes `-t -gSqzgTvvinEp56QBWV8vw` for an option and fails: a round of
// kafka-txn / clock-jump against Kafka (seed 19401, 4 December 2026) failed that way before its
// broker started. The id is drawn again, as Kafka's Uuid.randomUuid does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kafkaClusterId } from './targets/kafka.js';

test('a Kafka cluster id never starts with "-" (StorageTool would take it for an option)', () => {
  const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x01)]; // 0xf8... encodes as "-..."
  assert.ok(draws[0]!.toString('base64url').startsWith('-'));
  let n = 0;
  const id = kafkaClusterId(() => draws[n++]!);
  assert.equal(n, 2, 'drawn again');
  assert.ok(!id.startsWith('-'));
  assert.equal(Buffer.from(id, 'base64url').length, 16);
  for (let i = 0; i < 2_000; i++) assert.ok(!kafkaClusterId().startsWith('-'));
});
