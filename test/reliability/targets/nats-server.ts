// nats-server v2.15.2 (the reference peer) as a target: JetStream on, its store in the data
// directory, a fixed loopback port so clients reconnect to it after a restart.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../support/net.js';
import { requirePeer } from '../../support/peers.js';
import { BrokerProcess } from './process.js';
import { waitForPort } from './ready.js';
import type { LaunchTweaks, Target } from './target.js';

export async function natsServerTarget(tweaks: LaunchTweaks): Promise<Target> {
  const bin = requirePeer('nats-server');
  const port = await freePort();
  const base = mkdtempSync(join(tweaks.dataParent ?? tmpdir(), 'nats-rel-'));
  const dataDir = join(base, 'store');
  mkdirSync(dataDir, { recursive: true });
  const proc = new BrokerProcess('nats-server');
  return {
    kind: 'nats-server',
    natsUrl: `nats://127.0.0.1:${port}`,
    kafkaBootstrap: undefined,
    jetstream: true,
    dataDir,
    async start() {
      proc.launch(bin, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dataDir], tweaks.env, base);
      await waitForPort(port, true, 30_000, () => (proc.running() ? undefined : `nats-server exited during start:\n${proc.output()}`));
    },
    signal: (sig) => proc.signal(sig),
    exited: () => proc.exited(),
    running: () => proc.running(),
    rss: () => proc.rss(),
    pid: () => proc.pid(),
    output: () => proc.output(),
    async destroy() {
      await proc.stop();
      rmSync(base, { recursive: true, force: true });
    },
  };
}
