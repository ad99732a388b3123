// The broker's components start in order and close in reverse, on shutdown and when a later
// component fails to start: a failed start leaves no listener open and the data directory
// unlocked, so the same directory can be used again at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect as tcpConnect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker } from '../../src/index.js';
import { freePort, LOOPBACK } from '../support/net.js';

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tcpConnect({ host: LOOPBACK, port });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

test('a component that fails to start closes the ones started before it, and unlocks the data directory', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-lifecycle-'));
  const natsPort = await freePort();
  // The monitor starts last: its port is taken, so every other component has started by then.
  const blocker: Server = createServer();
  const httpPort = await freePort();
  await new Promise<void>((r) => blocker.listen(httpPort, LOOPBACK, () => r()));
  try {
    const config = { host: LOOPBACK, nats: { port: natsPort }, kafka: { port: 0 }, http: { port: httpPort }, storage: { dataDir }, logLevel: 'silent' as const };
    await assert.rejects(startBroker(config), /EADDRINUSE/);
    assert.ok(await refused(natsPort), 'the NATS listener started before the failure is closed');
    // The log was closed too: the data directory's lock is free for a new broker.
    const broker = await startBroker({ ...config, http: { port: -1 } });
    try {
      assert.equal(broker.ports.nats, natsPort);
      assert.ok(broker.ports.kafka > 0);
    } finally {
      await broker.close();
    }
    assert.ok(await refused(natsPort), 'close() closes the NATS listener');
  } finally {
    blocker.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
