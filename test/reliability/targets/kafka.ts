// Apache Kafka 4.4 (the reference peer) as a target: one KRaft broker+controller launched from
// the installed jars (scripts/peers/install-kafka.sh) on fixed loopback ports chosen here, so a
// restart after kill -9 comes back on the same address with the same log directory. Kafka's
// own defaults apply (no fsync per append: it relies on replication, which one node lacks).
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from '../../support/net.js';
import { requirePeer } from '../../support/peers.js';
import { BrokerProcess } from './process.js';
import { waitForPort } from './ready.js';
import type { LaunchTweaks, Target } from './target.js';

/**
 * A Kafka Uuid: 16 random bytes in URL-safe base64 without padding, drawn again while it starts
 * with '-' (as Kafka's Uuid.randomUuid does): StorageTool's argument parser takes `-t -gSq...` for
 * an option, and the format failed (seed 19401, one id in 64).
 */
export function kafkaClusterId(random: (n: number) => Buffer = randomBytes): string {
  for (;;) {
    const id = random(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

export async function kafkaTarget(tweaks: LaunchTweaks): Promise<Target> {
  const home = dirname(dirname(requirePeer('kafka')));
  const cp = readFileSync(join(home, 'classpath.txt'), 'utf8').trim();
  const port = await freePort();
  const cport = await freePort();
  const base = mkdtempSync(join(tweaks.dataParent ?? tmpdir(), 'kafka-rel-'));
  const dataDir = join(base, 'logs');
  mkdirSync(dataDir, { recursive: true });
  const props = join(base, 'server.properties');
  writeFileSync(props, [
    'process.roles=broker,controller', 'node.id=1', `controller.quorum.voters=1@127.0.0.1:${cport}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${cport}`, `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER', 'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT', `log.dirs=${dataDir}`, 'num.partitions=1',
    'offsets.topic.replication.factor=1', 'offsets.topic.num.partitions=1', 'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1', 'transaction.state.log.num.partitions=1', 'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1', 'group.initial.rebalance.delay.ms=0', 'group.min.session.timeout.ms=1000', 'auto.create.topics.enable=true', '',
  ].join('\n'));
  const jvm = ['-Xms128m', '-Xmx768m', '-XX:+UseG1GC', '-Djava.awt.headless=true', `-Dlog4j2.configurationFile=${join(home, 'config', 'log4j2.yaml')}`, `-Dkafka.logs.dir=${base}`, '-cp', cp];
  const clusterId = kafkaClusterId();
  execFileSync('java', [...jvm, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', props], { stdio: 'ignore' });
  const proc = new BrokerProcess('kafka');
  return {
    kind: 'kafka',
    natsUrl: undefined,
    kafkaBootstrap: `127.0.0.1:${port}`,
    jetstream: false,
    dataDir,
    async start() {
      if (!existsSync(join(dataDir, 'meta.properties'))) throw new Error(`Kafka log directory ${dataDir} is not formatted`);
      proc.launch('java', [...jvm, 'kafka.Kafka', props], tweaks.env, base);
      await waitForPort(port, false, 120_000, () => (proc.running() ? undefined : `kafka exited during start:\n${proc.output()}`));
      // The listener opens before the broker has caught up with its metadata: wait for the log line.
      const deadline = Date.now() + 120_000;
      while (!proc.printedSinceLaunch(/Kafka Server started/) && Date.now() < deadline) {
        if (!proc.running()) throw new Error(`kafka exited during start:\n${proc.output()}`);
        await new Promise((r) => setTimeout(r, 200));
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
