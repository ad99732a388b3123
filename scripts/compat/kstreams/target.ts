// The broker a kstreams case runs against, inside the suite's own network namespace, reachable
// at localhost:9092: three of the demos (PipeDemo, TemperatureDemo, PageViewTypedDemo) hard-code
// that address and are run unmodified, so the namespace gives every case a loopback of its own
// where port 9092 is free whatever else runs on the machine. Wharf listens there itself; the
// reference Kafka 4.4 (the control) starts through the peers' start-kafka.sh on a port of its
// choosing, and a byte forwarder on 9092 carries the bootstrap connection to it (Kafka's metadata
// then names its own 127.0.0.1 port, which the clients reach directly).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { startWharf, type Context } from '../lib.js';

export type KstreamsTarget = 'wharf' | 'kafka';

export interface Broker {
  bootstrap: string;
  output(): string;
  stop(): Promise<void>;
}

export const BOOTSTRAP = '127.0.0.1:9092';

export async function startBroker(ctx: Context, target: KstreamsTarget, extra: string[] = []): Promise<Broker> {
  if (target === 'wharf') {
    const w = await startWharf(ctx, { host: '127.0.0.1', port: 4222, kafkaPort: 9092, args: extra });
    return { bootstrap: BOOTSTRAP, output: () => w.output(), stop: () => w.stop() };
  }
  const home = join(ctx.peersDir, 'kafka');
  const data = mkdtempSync(join(ctx.work, 'kafka-data-'));
  const addr = execFileSync('bash', [join(home, 'bin', 'start-kafka.sh'), data, ...extra], { encoding: 'utf8', timeout: 180_000, env: { ...process.env, KAFKA_START_TIMEOUT: '150' } }).trim().split('\n').pop()!;
  const port = Number(addr.split(':')[1]);
  const sockets = new Set<Socket>();
  const fwd: Server = createServer((a) => {
    const b = connect(port, '127.0.0.1');
    sockets.add(a).add(b);
    a.pipe(b).pipe(a);
    const end = () => {
      a.destroy();
      b.destroy();
      sockets.delete(a);
      sockets.delete(b);
    };
    a.on('error', end).on('close', end);
    b.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve, reject) => fwd.once('error', reject).listen(9092, '127.0.0.1', () => resolve()));
  return {
    bootstrap: BOOTSTRAP,
    output: () => '',
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => fwd.close(() => r()));
      try {
        execFileSync('bash', [join(home, 'bin', 'stop-kafka.sh'), data], { stdio: 'ignore', timeout: 90_000 });
      } finally {
        rmSync(data, { recursive: true, force: true });
      }
    },
  };
}
