// Reads of accepted plain TCP connections into one buffer shared by the whole process.
//
// By default Node allocates a fresh buffer for every read of every socket (64 KiB reserved,
// trimmed to what arrived), outside the JavaScript heap. At a few hundred MB/s of publishes that
// external memory is what drives V8's garbage collector: it starts a full mark-compact each time
// external allocations grow by its limit, which a 1 KB pub/sub run hit about 20 times in 300,000
// messages (docs/benchmarks.md, NATS). Node's `onread` option reads into a caller's buffer
// instead and hands it to a callback synchronously; the callback must be done with the bytes
// when it returns, since the next read, of this or any other connection, overwrites them.
// Receivers of routed messages already follow that rule (Router: `msg` is valid during the call
// only); this module is where it starts to matter.
//
// net.Server cannot be asked for `onread`, so an accepted socket (from a listener created with
// pauseOnConnect, so nothing was read yet) gives its handle to a new net.Socket made with the
// option, and the server's connection count moves with it. That touches net.Socket's `_handle`
// and `_server`, which Node's own cluster module relies on; where they are missing the accepted
// socket is used as it is.
//
// WHARF_DEBUG_SCRIBBLE_READS=1 overwrites each read's bytes after its callback returns, so that
// a receiver that kept a view of them sees garbage at once instead of on an unlucky day
// (test/nats/shared-read.test.ts runs the broker so).
import { Socket, type Server } from 'node:net';
import { arenaJoinBuffer, arenaReadBuffer, inArenaReads } from './byte-arena.js';

export const SHARED_READ_SIZE = 64 * 1024;

let shared: Buffer | null = null;

/** The process-wide read buffer (allocated on first use, in the byte arena: src/util/byte-arena.ts). */
export function sharedReadBuffer(): Buffer {
  shared ??= arenaReadBuffer();
  return shared;
}

let joined: Buffer | null = null;

/** Whether `b` is a view of the shared read buffer or of the join buffer (its bytes change with the next read). */
export function inSharedReadBuffer(b: Buffer): boolean {
  return inArenaReads(b);
}

/**
 * `held` (the unparsed tail of the last read) followed by `chunk`, in a second process-wide
 * buffer instead of a fresh one: a parser calls this when a read ends inside a control line, and
 * the next read would otherwise cost a copy into a new 64 KiB allocation. The result is valid
 * until the next call, by the same rule as the shared read buffer. Larger joins than the buffer
 * (a paused connection's backlog) are allocated as before.
 */
export function joinReads(held: Buffer, chunk: Buffer): Buffer {
  const n = held.length + chunk.length;
  if (n > 2 * SHARED_READ_SIZE) return Buffer.concat([held, chunk], n);
  joined ??= arenaJoinBuffer();
  held.copy(joined, 0);
  chunk.copy(joined, held.length);
  return joined.subarray(0, n);
}

const scribble = process.env.WHARF_DEBUG_SCRIBBLE_READS === '1';

interface NetInternals {
  _handle?: unknown;
  _server?: Server | null;
  server?: Server | null;
}

/**
 * Moves a paused accepted socket onto one that reads into the shared buffer and passes each read
 * to `onChunk` (a view valid during the call only). Returns the new socket, or null when this
 * Node cannot do it (then `accepted` is untouched and still paused).
 */
export function adoptWithSharedReads(accepted: Socket, onChunk: (chunk: Buffer) => void): Socket | null {
  const old = accepted as unknown as NetInternals;
  const handle = old._handle;
  if (handle === undefined || handle === null || !('readStart' in (handle as object))) return null;
  const server = old._server ?? null;
  const buffer = sharedReadBuffer();
  old._handle = null;
  old._server = null;
  old.server = null;
  // `handle` is a constructor option Node's type definitions leave out (net.Server passes it).
  const options = {
    handle,
    readable: true,
    writable: true,
    allowHalfOpen: accepted.allowHalfOpen,
    onread: {
      buffer,
      callback: (n: number, buf: Uint8Array): boolean => {
        onChunk((buf as Buffer).subarray(0, n));
        if (scribble) (buf as Buffer).fill(0xee, 0, n);
        return true;
      },
    },
  } as unknown as ConstructorParameters<typeof Socket>[0];
  const fresh = new Socket(options);
  const f = fresh as unknown as NetInternals;
  f._server = server;
  f.server = server;
  return fresh;
}
