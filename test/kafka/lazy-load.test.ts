// The Kafka front-end's request path (the codec of every API and every handler) loads when the
// first Kafka client connects, not at start (issue 15: idle RSS). Clients that connect while it
// loads are served once it has: eight raw connections opened at once to a fresh broker each
// send ApiVersions and each gets its answer. Runs in its own process (node --test runs each
// file in one), so nothing else has loaded the module before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { kafkaConnectionModuleLoaded } from '../../src/kafka/server.js';
import { startWharf } from '../support/wharf.js';

/** ApiVersions v0 (header v1) with `correlationId`; resolves with the response's correlation id and error code. */
function apiVersions(port: number, correlationId: number): Promise<{ correlationId: number; errorCode: number }> {
  return new Promise((resolve, reject) => {
    const clientId = Buffer.from('lazy-load-test');
    const frame = Buffer.alloc(4 + 2 + 2 + 4 + 2 + clientId.length);
    frame.writeInt32BE(frame.length - 4, 0);
    frame.writeInt16BE(18, 4); // ApiVersions
    frame.writeInt16BE(0, 6);
    frame.writeInt32BE(correlationId, 8);
    frame.writeInt16BE(clientId.length, 12);
    clientId.copy(frame, 14);
    const socket = connect(port, '127.0.0.1', () => socket.write(frame));
    let buf = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        socket.destroy();
        resolve({ correlationId: buf.readInt32BE(4), errorCode: buf.readInt16BE(8) });
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`connection closed before the answer to ApiVersions ${correlationId}`)));
    socket.setTimeout(30_000, () => {
      socket.destroy();
      reject(new Error(`no answer to ApiVersions ${correlationId}`));
    });
  });
}

test('the Kafka request path loads on the first connection, and the first clients are all served', async () => {
  const broker = await startWharf({ kafkaPort: 0 });
  try {
    assert.equal(kafkaConnectionModuleLoaded(), false, 'loaded at start');
    const port = broker.kafkaPort!;
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => apiVersions(port, 100 + i)));
    assert.deepEqual(
      answers,
      Array.from({ length: 8 }, (_, i) => ({ correlationId: 100 + i, errorCode: 0 })),
    );
    assert.equal(kafkaConnectionModuleLoaded(), true);
    // Once loaded, a connection is served at once.
    assert.deepEqual(await apiVersions(port, 7), { correlationId: 7, errorCode: 0 });
  } finally {
    await broker.close();
  }
});
