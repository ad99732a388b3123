// One ArrayBuffer for the process's hot byte buffers: the shared read buffer and its join buffer
// (src/util/shared-read.ts) and the full-size outbound staging buffers of the NATS front-end's
// pool (src/nats/outbound.ts).
//
// Why one: a routed message reaches a NATS receiver as a range of the read buffer, which the
// receiver copies into its staging buffer. Node's Buffer#copy of a range that does not start at
// 0 makes a Uint8Array view of the range on every call (lib/buffer.js, _copyActual, Node 20), so
// a 1 KB pub/sub run made one heap object per message there, 93 of its ~130 bytes of garbage
// per message (docs/nats-performance.md). Between two buffers of one ArrayBuffer,
// TypedArray#copyWithin copies without making any object.
//
// The arena is allocated on first use, without zero-filling: pages the process never touches
// (staging slots an idle broker never takes) are not resident; slots a backlog touched stay
// resident (at most 8 MiB; the pool of buffers of their own it replaces kept at most 4 MiB).

const READ_SIZE = 64 * 1024;
const JOIN_SIZE = 2 * READ_SIZE;
const SLOT_SIZE = 64 * 1024;
/**
 * Staging slots in the arena (8 MiB): the bound of the staging pool. 64 slots left a receiver
 * that `nats bench sub` let fall behind copying a quarter of its messages into buffers outside
 * the arena (64 -> 44 B/msg of garbage with 128, docs/nats-performance.md).
 */
export const ARENA_SLOTS = 128;

let arena: Buffer | null = null;

function arenaBuffer(): Buffer {
  arena ??= Buffer.allocUnsafeSlow(READ_SIZE + JOIN_SIZE + ARENA_SLOTS * SLOT_SIZE);
  return arena;
}

/** The process-wide read buffer (64 KiB). */
export function arenaReadBuffer(): Buffer {
  return arenaBuffer().subarray(0, READ_SIZE);
}

/** The process-wide buffer a read is joined into with the unparsed tail of the previous one (128 KiB). */
export function arenaJoinBuffer(): Buffer {
  return arenaBuffer().subarray(READ_SIZE, READ_SIZE + JOIN_SIZE);
}

/** Staging slot `i` (0 <= i < ARENA_SLOTS), 64 KiB: each is handed out once, to the staging pool. */
export function arenaSlot(i: number): Buffer {
  const at = READ_SIZE + JOIN_SIZE + i * SLOT_SIZE;
  return arenaBuffer().subarray(at, at + SLOT_SIZE);
}

/** Whether `b` is a view of the arena (any part of it). */
export function inArena(b: Uint8Array): boolean {
  return arena !== null && b.buffer === arena.buffer;
}

/** Whether `b` is a view of the read or the join buffer (bytes the next read overwrites). */
export function inArenaReads(b: Uint8Array): boolean {
  return inArena(b) && b.byteOffset < READ_SIZE + JOIN_SIZE;
}

/** Copies `src[start, end)` to `dst` at `at`; both must be views of the arena (inArena). Makes no object. */
export function copyWithinArena(dst: Buffer, at: number, src: Buffer, start: number, end: number): void {
  const from = src.byteOffset;
  arena!.copyWithin(dst.byteOffset + at, from + start, from + end);
}
