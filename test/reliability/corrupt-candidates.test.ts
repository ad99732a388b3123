// The damage faults pick files of the workload's topics only: Wharf names a topic's directory by
// its id, so an internal topic (__transaction_state, __consumer_offsets, ...) is known by the name
// in its topic.json, not by the path. A flip in __transaction_state once kept the broker from
// starting (docs/reliability.md, bit-flip seed 19303): that was the fault's filter, not the workload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { candidates } from './faults/corrupt.js';

function topic(dataDir: string, id: string, name: string): string {
  const p = join(dataDir, 'topics', id, '0');
  mkdirSync(p, { recursive: true });
  writeFileSync(join(dataDir, 'topics', id, 'topic.json'), JSON.stringify({ name, topicId: id, partitions: 1 }));
  const seg = join(p, '00000000000000000000.log');
  writeFileSync(seg, Buffer.alloc(64, 1));
  writeFileSync(join(p, '00000000000000000000.index'), Buffer.alloc(16, 1));
  return seg;
}

test('Wharf layout: internal topics are recognised by the name in topic.json', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-corrupt-'));
  const user = topic(dir, 'AAAAAAAAAAAAAAAAAAAAAA', 'rel-queue');
  topic(dir, 'BBBBBBBBBBBBBBBBBBBBBB', '__transaction_state');
  topic(dir, 'CCCCCCCCCCCCCCCCCCCCCC', '__consumer_offsets');
  assert.deepEqual(candidates(dir, 'bit-flip', 'wharf'), [user]);
  assert.deepEqual(candidates(dir, 'index', 'wharf'), [user.replace(/\.log$/, '.index')]);
});

test('Kafka layout: internal topics are recognised by their directory names', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-corrupt-'));
  for (const d of ['rel-queue-0', '__transaction_state-0']) {
    mkdirSync(join(dir, d));
    writeFileSync(join(dir, d, '00000000000000000000.log'), Buffer.alloc(64, 1));
  }
  assert.deepEqual(candidates(dir, 'torn-tail', 'kafka'), [join(dir, 'rel-queue-0', '00000000000000000000.log')]);
});
