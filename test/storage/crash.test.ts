// The crash test: a writer in a child process is killed with SIGKILL at random moments, over
// many rounds on the same data directory. After every kill the log is recovered and checked:
// every acknowledged batch is present at the offset it was acknowledged with, in order, with
// no duplicates and no gaps. Under 'always' that is the contract; under 'interval' and 'never'
// a process crash (as opposed to an OS crash or power loss) must lose nothing acknowledged
// either, since an append is acknowledged only after its write() reached the page cache.
// Local engine only: it is about recovering files from disk after a crash; a memory engine's
// data dies with its process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { decodeRecords } from '../../src/core/records/batch.js';
import { splitBatches } from '../support/records.js';
import { openTestLog, tempDir } from './helpers.js';

const WRITER = fileURLToPath(new URL('./crash-writer.js', import.meta.url));

interface Ack {
  seq: number;
  offset: number;
  count: number;
}

/** Runs the writer until it has printed READY and then for `runMs`, kills it, returns its acks. */
function runWriterAndKill(dir: string, policy: string, seqStart: number, runMs: number): Promise<{ acks: Ack[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, '--crash-writer', dir, policy, String(seqStart), '16'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let killTimer: NodeJS.Timeout | null = null;
    const hardStop = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      out += d;
      if (!killTimer && out.includes('READY\n')) killTimer = setTimeout(() => child.kill('SIGKILL'), runMs);
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(hardStop);
      if (killTimer) clearTimeout(killTimer);
      if (signal !== 'SIGKILL') return reject(new Error(`writer exited with ${code ?? signal}: ${err}`));
      const acks: Ack[] = [];
      for (const line of out.split('\n')) {
        const m = /^A (\d+) (\d+) (\d+)$/.exec(line);
        if (m) acks.push({ seq: Number(m[1]), offset: Number(m[2]), count: Number(m[3]) });
      }
      resolve({ acks, stderr: err });
    });
  });
}

/**
 * Runs up to `rounds` rounds within `budgetMs`, and past either until at least `minRounds` rounds
 * ran and more than `minAcked` appends were acknowledged: a loaded machine makes the test slower,
 * not weaker (each round's kill comes a few milliseconds after READY, whatever the load).
 */
async function crashRounds(policy: 'always' | 'interval', o: { rounds: number; budgetMs: number; minRounds: number; minAcked: number }): Promise<{ rounds: number; acked: number }> {
  const { dir, cleanup } = tempDir('wharf-crash-');
  const acked = new Map<number, Ack>(); // seq -> ack, over all rounds
  const started = Date.now();
  let done = 0;
  try {
    for (let round = 0; round < o.rounds * 20; round++) {
      const enough = done >= o.minRounds && acked.size > o.minAcked;
      if (enough && (round >= o.rounds || Date.now() - started >= o.budgetMs)) break;
      const runMs = 5 + Math.floor(Math.random() * 150);
      const { acks } = await runWriterAndKill(dir, policy, round * 1_000_000, runMs);
      // Acknowledgements come in offset order.
      for (let i = 1; i < acks.length; i++) assert.ok(acks[i]!.offset > acks[i - 1]!.offset, `round ${round}: acks out of offset order`);
      for (const a of acks) acked.set(a.seq, a);

      const log = await openTestLog(dir, { fsync: policy });
      try {
        if (!log.hasTopic('crash')) {
          assert.equal(acked.size, 0, 'topic lost after acknowledged appends');
          continue;
        }
        const p = log.partition('crash', 0);
        assert.ok(p.online, `partition offline after round ${round}: ${p.failure?.message}`);
        const seen = new Map<number, number>(); // seq -> offset of its first record
        let expected = 0;
        let offset = 0;
        while (offset < p.highWatermark) {
          const r = await p.read(offset, 1 << 20);
          assert.ok(r.bytes > 0);
          for (const chunk of r.chunks) {
            for (const b of splitBatches(chunk)) {
              const recs = decodeRecords(b);
              for (const rec of recs) {
                assert.equal(rec.offset, expected, `round ${round}: gap or overlap at offset ${expected}`);
                expected++;
              }
              const seq = Number(recs[0]!.value!.toString().split('|')[0]);
              assert.ok(!seen.has(seq), `round ${round}: seq ${seq} stored twice`);
              seen.set(seq, recs[0]!.offset);
            }
          }
          offset = r.nextOffset;
        }
        assert.equal(expected, p.highWatermark);
        for (const a of acked.values()) {
          assert.equal(seen.get(a.seq), a.offset, `round ${round}: acknowledged seq ${a.seq} (offset ${a.offset}) missing or moved`);
        }
      } finally {
        await log.close();
      }
      done++;
    }
  } finally {
    cleanup();
  }
  return { rounds: done, acked: acked.size };
}

test('SIGKILL crash test, fsync=always: every acknowledged batch survives, in order, once, without gaps', { timeout: 900_000 }, async () => {
  const r = await crashRounds('always', { rounds: 30, budgetMs: 45_000, minRounds: 10, minAcked: 100 });
  assert.ok(r.rounds >= 10, `only ${r.rounds} rounds ran`);
  assert.ok(r.acked > 100, `only ${r.acked} acknowledged appends over ${r.rounds} rounds`);
});

test('SIGKILL crash test, fsync=interval: a process crash loses nothing acknowledged', { timeout: 900_000 }, async () => {
  const r = await crashRounds('interval', { rounds: 12, budgetMs: 20_000, minRounds: 5, minAcked: 100 });
  assert.ok(r.rounds >= 5, `only ${r.rounds} rounds ran`);
  assert.ok(r.acked > 100, `only ${r.acked} acknowledged appends over ${r.rounds} rounds`);
});
