// Durability of acknowledged publishes across kill -9 (issue 11, "Durability"): a broker
// process runs on one data directory; publishers send with Nats-Msg-Id and PubAcks; the
// broker is killed with SIGKILL while they run, restarted on the same directory, and:
//  - every publish that got a PubAck is there, at the sequence its PubAck named, with its data;
//  - its Nats-Msg-Id is still deduplicated (inside the duplicate window) after the restart;
//  - the stream goes on from there (new publishes get the following sequences).
// Three rounds; each round waits for its publishes by count, not by time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nats from 'nats';
import { repoRoot } from '../support/wharf.js';
import { freePort, LOOPBACK, waitForNatsInfo } from '../support/net.js';
import { waitFor } from '../support/wait.js';

const ROUNDS = 3;
const PER_ROUND = 300;
const PUBLISHERS = 4;

interface Broker {
  child: ChildProcess;
  exited: Promise<void>;
  output: () => string;
}

async function start(port: number, dataDir: string): Promise<Broker> {
  const main = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
  const child = spawn(process.execPath, [main, '--host', LOOPBACK, '--port', String(port), '--http-port', '-1', '--kafka-port', '-1', '--data-dir', dataDir, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-16_000)));
  child.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-16_000)));
  const kill = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', kill);
  let gone = '';
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      process.removeListener('exit', kill);
      gone = `wharf exited (code ${code}, signal ${signal}):\n${out}`;
      resolve();
    }),
  );
  await waitForNatsInfo(port, 20_000, () => (gone === '' ? undefined : gone));
  return { child, exited, output: () => out };
}

test('kill -9 while publishing with PubAcks: every acknowledged publish survives, its Nats-Msg-Id still deduplicated', { timeout: 240_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-js-crash-'));
  const port = await freePort();
  /** Acknowledged publishes: msg id -> [seq, payload]. */
  const acked = new Map<string, [number, string]>();
  let broker = await start(port, dataDir);
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      const nc = await nats.connect({ servers: `${LOOPBACK}:${port}`, reconnect: false });
      const jsm = await nc.jetstreamManager();
      const js = nc.jetstream({ timeout: 10_000 });
      if (round === 1) await jsm.streams.add({ name: 'CRASH', subjects: ['crash.*'], duplicate_window: 120 * 1e9 });
      // What the previous rounds got acknowledged is all there, and still deduplicated.
      const info = await jsm.streams.info('CRASH');
      assert.ok(info.state.messages >= acked.size, `round ${round}: ${info.state.messages} messages, ${acked.size} acknowledged`);
      for (const [id, [seq, data]] of acked) {
        const m = await jsm.streams.getMessage('CRASH', { seq });
        assert.equal(m.header.get('Nats-Msg-Id'), id, `round ${round}: seq ${seq} holds the publish acknowledged as ${id}`);
        assert.equal(nats.StringCodec().decode(m.data), data);
      }
      const probe = [...acked].slice(-20);
      for (const [id, [seq]] of probe) {
        const again = await js.publish('crash.retry', nats.StringCodec().encode('retry'), { msgID: id });
        assert.deepEqual([again.seq, again.duplicate], [seq, true], `round ${round}: ${id} is a duplicate of seq ${seq} after the restart`);
      }
      // Publish until this round's share is acknowledged, then kill -9 with publishes in flight.
      const target = acked.size + PER_ROUND;
      let stop = false;
      const loops = Array.from({ length: PUBLISHERS }, async (_, p) => {
        for (let i = 0; !stop; ) {
          // Eight publishes in flight per publisher: pipelined, as async publishers are.
          const window: Promise<void>[] = [];
          for (let k = 0; k < 8 && !stop; k++, i++) {
            const kid = `r${round}-p${p}-${i}`;
            const kdata = `payload ${kid}`;
            window.push(
              js.publish(`crash.${p}`, nats.StringCodec().encode(kdata), { msgID: kid }).then(
                (ack) => {
                  assert.equal(ack.duplicate, false);
                  acked.set(kid, [ack.seq, kdata]);
                },
                () => {
                  stop = true;
                },
              ),
            );
          }
          await Promise.all(window);
        }
      });
      await waitFor(() => acked.size >= target, { what: `${PER_ROUND} acknowledged publishes in round ${round}`, timeoutMs: 60_000, detail: () => `${acked.size} acknowledged; broker output:\n${broker.output()}` });
      broker.child.kill('SIGKILL');
      await broker.exited;
      stop = true;
      await Promise.all(loops);
      await nc.close().catch(() => {});
      broker = await start(port, dataDir);
    }
    // After the last restart: everything acknowledged is there, and the stream goes on.
    const nc = await nats.connect({ servers: `${LOOPBACK}:${port}`, reconnect: false });
    try {
      const jsm = await nc.jetstreamManager();
      const js = nc.jetstream();
      const seqs = new Set<number>();
      for (const [id, [seq, data]] of acked) {
        assert.ok(!seqs.has(seq), `two acknowledged publishes at seq ${seq}`);
        seqs.add(seq);
        const m = await jsm.streams.getMessage('CRASH', { seq });
        assert.equal(m.header.get('Nats-Msg-Id'), id);
        assert.equal(nats.StringCodec().decode(m.data), data);
      }
      const last = (await jsm.streams.info('CRASH')).state.last_seq;
      const next = await js.publish('crash.after', nats.StringCodec().encode('after'));
      assert.equal(next.seq, last + 1);
      assert.ok(acked.size >= ROUNDS * PER_ROUND);
    } finally {
      await nc.close();
    }
  } finally {
    broker.child.kill('SIGKILL');
    await broker.exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
});
