// The outbound staging pool and the byte arena (src/nats/outbound.ts, src/util/byte-arena.ts):
// copies from the shared read buffer into a staging buffer of the arena make no object, so the
// pool must hand out arena slots before buffers of their own, and keep every arena slot when a
// backed-up receiver had more buffers out than the arena holds (a pool bounded below the arena,
// or one that kept buffers of their own in the arena's place, loses slots). The socket here is a stand-in
// that records what the Outbound writes and gives the buffers back when the test says (the
// written bytes are what a real socket would send; the end-to-end behaviour is in
// shared-read.test.ts). This file runs in a process of its own: the pool is process state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { Outbound, overflowStagingCount, trimOverflow } from '../../src/nats/outbound.js';
import { ARENA_SLOTS, inArena } from '../../src/util/byte-arena.js';
import { sharedReadBuffer } from '../../src/util/shared-read.js';

/** Records writes; each flush's callback is kept until release(). */
class HeldSocket {
  readonly written: Buffer[] = [];
  private readonly callbacks: Array<() => void> = [];
  readonly writableLength = 0;
  write(chunk: Buffer, cb?: () => void): boolean {
    this.written.push(chunk);
    if (cb !== undefined) this.callbacks.push(cb);
    return true;
  }
  cork(): void {}
  uncork(): void {}
  release(): void {
    for (const cb of this.callbacks.splice(0)) cb();
  }
}

const CHUNK = 8000;

/** Fills `out` until it has taken `buffers` full-size staging buffers, from `src[start, start + CHUNK)` each time. */
function fill(out: Outbound, src: Buffer, start: number, buffers: number): void {
  // Staging grows from 512 bytes by doubling: every buffer before the full-size ones is small.
  const perBuffer = Math.floor((64 * 1024) / CHUNK);
  for (let i = 0; i < (buffers + 8) * perBuffer; i++) out.bytes(src, start, start + CHUNK);
}

const fullSize = (s: HeldSocket): Buffer[] => s.written.filter((b) => b.length >= 64 * 1024 - CHUNK);

test('copies from the shared read buffer into arena staging are exact, and every arena slot is kept after a backlog', () => {
  const read = sharedReadBuffer();
  for (let i = 0; i < read.length; i++) read[i] = (i * 7) % 253;
  const start = 1234;
  const expected = Buffer.from(read.subarray(start, start + CHUNK));

  // A backed-up receiver: every arena slot out, and then buffers of their own.
  const a = new Outbound();
  const sa = new HeldSocket();
  fill(a, read, start, ARENA_SLOTS);
  a.flush(sa as unknown as Socket);
  const b = new Outbound();
  const sb = new HeldSocket();
  fill(b, read, start, 6);
  b.flush(sb as unknown as Socket);
  assert.ok(fullSize(sa).length >= ARENA_SLOTS - 8);
  assert.ok(fullSize(sb).some((w) => !inArena(w)), 'with every arena slot out, a buffer of its own');
  for (const w of [...sa.written, ...sb.written]) {
    for (let at = 0; at + CHUNK <= w.length; at += CHUNK) assert.ok(w.subarray(at, at + CHUNK).equals(expected), 'a copied range differs');
  }

  // The buffers of their own are written first, then the arena's: every arena slot comes back.
  sb.release();
  sa.release();
  const c = new Outbound();
  const sc = new HeldSocket();
  fill(c, read, start, ARENA_SLOTS - 8);
  c.flush(sc as unknown as Socket);
  const taken = fullSize(sc);
  assert.ok(taken.length >= ARENA_SLOTS - 16, `${taken.length} full-size buffers`);
  assert.deepEqual(
    taken.map((w) => inArena(w)),
    taken.map(() => true),
    'a full-size staging buffer outside the arena while arena slots were free',
  );
});

test('past the arena, buffers of their own are reused while the backlog lasts and dropped after two idle trims', () => {
  const read = sharedReadBuffer();
  const start = 99;
  // Every arena slot out (the first test's slots came back: take them all again), then 6 more.
  const a = new Outbound();
  const sa = new HeldSocket();
  fill(a, read, start, ARENA_SLOTS + 6);
  a.flush(sa as unknown as Socket);
  // Buffers of their own at full size (their ArrayBuffer is the staging size; the small first ones are smaller).
  const ownFull = (x: HeldSocket): Buffer[] => x.written.filter((w) => !inArena(w) && w.buffer.byteLength >= 64 * 1024);
  const own = ownFull(sa);
  assert.ok(own.length >= 6, `${own.length} buffers of their own`);
  assert.equal(overflowStagingCount(), 0, 'none free while the socket holds them');
  sa.release();
  assert.equal(overflowStagingCount(), own.length, 'written: kept for the next backlog');
  trimOverflow();
  assert.equal(overflowStagingCount(), own.length, 'a trim right after the backlog keeps them (they were in use in its interval)');

  // The next backlog past the arena takes the same buffers again instead of new ones.
  const b = new Outbound();
  const sb = new HeldSocket();
  fill(b, read, start, ARENA_SLOTS + 4);
  b.flush(sb as unknown as Socket);
  const again = ownFull(sb);
  assert.ok(again.length > 0);
  for (const w of again) assert.ok(own.some((o) => o.buffer === w.buffer), 'a new buffer while one of the overflow was free');
  assert.equal(overflowStagingCount(), own.length - again.length);
  trimOverflow();
  assert.equal(overflowStagingCount(), 0, 'a trim during the backlog drops what stayed free through its interval');
  sb.release();
  const kept = overflowStagingCount();
  assert.equal(kept, again.length);
  trimOverflow();
  assert.equal(overflowStagingCount(), kept, 'the first trim after the backlog keeps them (they were in use)');
  trimOverflow();
  assert.equal(overflowStagingCount(), 0, 'unused for a whole interval: dropped');
});
