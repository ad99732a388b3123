// The `nats` CLI (natscli v0.5.0) on the JetStream 2.12 features, against Wharf and, as the
// control, nats-server v2.15.2 with -js, with the same assertions on both: `nats bench js pub
// batch` (atomic batch publish; natscli refuses servers below 2.12) on a stream made with
// `--allow-batch`, `nats counter increment/decrement/get` on an `--allow-counter` stream, and
// `nats pub --schedule-after` on an `--allow-schedules` stream, whose message is waited for in
// the stream (state, not the clock).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peerSkip } from '../support/peers.js';
import { startNatsServer } from '../support/nats-server.js';
import { runNats, type CliResult } from '../support/natscli.js';
import { startWharf } from '../support/wharf.js';

function show(r: CliResult): string {
  return `exit ${r.code}${r.timedOut ? ' TIMED OUT' : ''}\n--- stdout\n${r.stdout.slice(-3000)}\n--- stderr\n${r.stderr.slice(-3000)}`;
}

async function ok(url: string, args: string[], timeoutMs?: number): Promise<CliResult> {
  const r = await runNats(url, args, timeoutMs !== undefined ? { timeoutMs } : {});
  assert.equal(r.code, 0, `nats ${args.join(' ')}\n${show(r)}`);
  return r;
}

const skip = peerSkip('nats-server', 'nats');

for (const kind of ['nats-server', 'wharf'] as const) {
  describe(`natscli on the 2.12 features against ${kind}`, { skip }, () => {
    let url: string;
    let close: () => Promise<void>;
    let store: string;

    before(async () => {
      store = mkdtempSync(join(tmpdir(), 'wharf-natscli-212-'));
      const t = kind === 'nats-server' ? await startNatsServer({ args: ['-js', '-sd', store] }) : await startWharf();
      url = `nats://${t.host}:${t.port}`;
      close = () => t.close();
    });

    after(async () => {
      await close?.();
      rmSync(store, { recursive: true, force: true });
    });

    it('nats bench js pub batch stores every message of its atomic batches', async () => {
      await ok(url, ['stream', 'add', 'benchstream', '--subjects', 'bench.>', '--allow-batch', '--defaults']);
      const r = await ok(url, ['bench', 'js', 'pub', 'batch', 'bench.x', '--msgs', '5000', '--batch', '100', '--size', '64', '--no-progress'], 120_000);
      assert.match(r.stdout + r.stderr, /atomic batch publisher stats: [\d,]+ msgs\/sec/);
      const info = JSON.parse((await ok(url, ['stream', 'info', 'benchstream', '-j'])).stdout) as { config: { allow_atomic?: boolean }; state: { messages: number; last_seq: number } };
      assert.equal(info.config.allow_atomic, true);
      assert.deepEqual([info.state.messages, info.state.last_seq], [5000, 5000]);
    });

    it('nats counter increments, decrements and reads a counter', async () => {
      await ok(url, ['stream', 'add', 'CNT', '--subjects', 'cnt.>', '--allow-counter', '--defaults']);
      assert.equal((await ok(url, ['counter', 'increment', 'cnt.a', '5'])).stdout.trim(), '5');
      assert.equal((await ok(url, ['counter', 'increment', 'cnt.a', '37'])).stdout.trim(), '42');
      assert.equal((await ok(url, ['counter', 'decrement', 'cnt.a', '2'])).stdout.trim(), '40');
      assert.equal((await ok(url, ['counter', 'get', 'cnt.a'])).stdout.trim(), '40');
    });

    it('nats pub --schedule-after: the message reaches its destination in the stream', async () => {
      await ok(url, ['stream', 'add', 'SCH', '--subjects', 'sch.>', '--allow-schedules', '--defaults']);
      await ok(url, ['pub', 'sch.s1', 'hello later', '--schedule-after=1s', '--schedule-dest=sch.out']);
      const end = Date.now() + 15_000;
      let r: CliResult;
      for (;;) {
        r = await runNats(url, ['stream', 'get', 'SCH', '--last-for', 'sch.out']);
        if (r.code === 0 || Date.now() > end) break;
        await new Promise((res) => setTimeout(res, 200));
      }
      assert.equal(r.code, 0, show(r));
      assert.match(r.stdout, /Nats-Scheduler: sch\.s1/);
      assert.match(r.stdout, /hello later/);
    });
  });
}
