// Wharf as a target: the CLI (dist/src/cli/main.js) as a child process with NATS, JetStream and
// Kafka on fixed loopback ports, so clients reconnect to the same address after a restart.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../support/net.js';
import { repoRoot } from '../../support/wharf.js';
import { BrokerProcess } from './process.js';
import { waitForPort } from './ready.js';
import type { LaunchTweaks, Target } from './target.js';

export async function wharfTarget(tweaks: LaunchTweaks, extraArgs: string[] = []): Promise<Target> {
  let natsPort = await freePort();
  let kafkaPort = await freePort();
  const base = mkdtempSync(join(tweaks.dataParent ?? tmpdir(), 'wharf-rel-'));
  const dataDir = join(base, 'data');
  mkdirSync(dataDir, { recursive: true });
  const proc = new BrokerProcess('wharf');
  const main = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
  const args = () => [
    main, '--host', '127.0.0.1', '--port', String(natsPort), '--kafka-port', String(kafkaPort), '--http-port', '-1',
    '--data-dir', dataDir, '--log-level', 'warn', '--group-initial-rebalance-delay', '0', '--group-min-session-timeout', '1s',
    ...extraArgs,
  ];
  let started = false;
  const launch = async () => {
    proc.launch(process.execPath, args(), tweaks.env);
    const dead = () => (proc.running() ? undefined : `wharf exited during start:\n${proc.output()}`);
    await waitForPort(natsPort, true, 60_000, dead);
    await waitForPort(kafkaPort, false, 30_000, dead);
  };
  return {
    kind: 'wharf',
    get natsUrl() {
      return `nats://127.0.0.1:${natsPort}`;
    },
    get kafkaBootstrap() {
      return `127.0.0.1:${kafkaPort}`;
    },
    jetstream: true,
    dataDir,
    async start() {
      // A free port can be taken by another process before the broker binds it (the machine is
      // shared): the first start picks new ports then; restarts must keep theirs.
      for (let attempt = 0; ; attempt++) {
        try {
          await launch();
          started = true;
          return;
        } catch (err) {
          if (started || attempt >= 3 || !/EADDRINUSE/.test((err as Error).message)) throw err;
          natsPort = await freePort();
          kafkaPort = await freePort();
        }
      }
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
