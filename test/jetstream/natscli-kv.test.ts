// The `nats` CLI (natscli v0.5.0) on KV buckets and object stores: `nats kv add/put/get/create/
// update/del/purge/history/ls/watch/rm` and `nats object add/put/get/ls/info/del/seal/rm`, against
// Wharf and, as the control, against nats-server v2.15.2 with -js, with the same assertions on
// both. These are the commands the issue names; the CLI reaches KV and the object store through
// nats.go's jetstream package, so they cover its KV and object paths as a user runs them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peerSkip } from '../support/peers.js';
import { startNatsServer } from '../support/nats-server.js';
import { runNats, startNats, type CliResult } from '../support/natscli.js';
import { startWharf } from '../support/wharf.js';

function show(r: CliResult): string {
  return `exit ${r.code}${r.timedOut ? ' TIMED OUT' : ''}\n--- stdout\n${r.stdout.slice(-3000)}\n--- stderr\n${r.stderr.slice(-3000)}`;
}

async function ok(url: string, args: string[]): Promise<CliResult> {
  const r = await runNats(url, args);
  assert.equal(r.code, 0, `nats ${args.join(' ')}\n${show(r)}`);
  return r;
}

async function fails(url: string, args: string[], pattern: RegExp): Promise<void> {
  const r = await runNats(url, args);
  assert.notEqual(r.code, 0, `nats ${args.join(' ')} should fail\n${show(r)}`);
  assert.match(r.stdout + r.stderr, pattern, `nats ${args.join(' ')}\n${show(r)}`);
}

/** The rows of `nats kv history` as [revision, op, value]. */
function historyRows(out: string): [number, string, string][] {
  const rows: [number, string, string][] = [];
  for (const line of out.split('\n')) {
    const cells = line.split('│').map((c) => c.trim());
    // │ key │ revision │ op │ created │ length │ value │
    if (cells.length === 8 && /^\d+$/.test(cells[2]!)) rows.push([Number(cells[2]), cells[3]!, cells[6]!]);
  }
  return rows;
}

/** The watched entries `nats kv watch` printed, as `OP key rev value` lines. */
function watchLines(out: string): string[] {
  // natscli prints: [2026-12-02 01:29:41] PUT CFG > a: one   (or DELETE / PURGE without a value)
  const lines: string[] = [];
  for (const m of out.matchAll(/^\[[^\]]+\] (PUT|DELETE|PURGE) [^>]+> ([^:\s]+)(?:: (.*))?$/gm)) lines.push(`${m[1]} ${m[2]}${m[3] !== undefined ? ` ${m[3]}` : ''}`);
  return lines;
}

/** Waits until the stream has at least n consumers (a watcher has subscribed once its consumer exists). */
async function waitConsumers(url: string, stream: string, n: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const info = JSON.parse((await ok(url, ['stream', 'info', stream, '-j'])).stdout) as { state: { consumer_count: number } };
    if (info.state.consumer_count >= n) return;
    assert.ok(Date.now() < deadline, `${stream} has ${info.state.consumer_count} consumers, expected ${n}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function consumerCount(url: string, stream: string): Promise<number> {
  return (JSON.parse((await ok(url, ['stream', 'info', stream, '-j'])).stdout) as { state: { consumer_count: number } }).state.consumer_count;
}

const skip = peerSkip('nats-server', 'nats');

for (const kind of ['nats-server', 'wharf'] as const) {
  describe(`natscli kv and object against ${kind}`, { skip }, () => {
    let url: string;
    let close: () => Promise<void>;
    let store: string;

    before(async () => {
      store = mkdtempSync(join(tmpdir(), 'wharf-natscli-kv-'));
      const t = kind === 'nats-server' ? await startNatsServer({ args: ['-js', '-sd', store] }) : await startWharf();
      url = `nats://${t.host}:${t.port}`;
      close = () => t.close();
    });

    after(async () => {
      await close?.();
      rmSync(store, { recursive: true, force: true });
    });

    it('kv add, put, get, create and update with the expected revision, history', async () => {
      const add = await ok(url, ['kv', 'add', 'CFG', '--history', '5', '--ttl', '1h']);
      assert.match(add.stdout, /History Kept: 5/);
      assert.match(add.stdout, /Maximum Age: 1h0m0s/);
      assert.match(add.stdout, /JetStream Stream: KV_CFG/);
      await ok(url, ['kv', 'put', 'CFG', 'a', 'one']);
      await ok(url, ['kv', 'put', 'CFG', 'a', 'two']);
      // create: only for a new key (or one whose last operation is a delete).
      await fails(url, ['kv', 'create', 'CFG', 'a', 'three'], /err_code=10071 description=wrong last sequence: 2/);
      await ok(url, ['kv', 'create', 'CFG', 'b', 'bee']);
      // update: only at the key's current revision.
      await ok(url, ['kv', 'update', 'CFG', 'a', 'upd', '2']);
      await fails(url, ['kv', 'update', 'CFG', 'a', 'upd2', '3'], /err_code=10071 description=wrong last sequence: 4/);
      assert.match((await ok(url, ['kv', 'get', 'CFG', 'a'])).stdout, /CFG > a revision: 4 created @[^\n]*\n\nupd\n/);
      assert.equal((await ok(url, ['kv', 'get', 'CFG', 'a', '--revision', '1', '--raw'])).stdout, 'one');
      assert.deepEqual(historyRows((await ok(url, ['kv', 'history', 'CFG', 'a'])).stdout), [
        [1, 'PUT', 'one'],
        [2, 'PUT', 'two'],
        [4, 'PUT', 'upd'],
      ]);
      assert.deepEqual((await ok(url, ['kv', 'ls', 'CFG'])).stdout.split('\n').filter(Boolean).sort(), ['a', 'b']);
      assert.match((await ok(url, ['kv', 'ls', '--names'])).stdout, /^CFG$/m);
    });

    it('kv watch: every entry, history, updates only, from a revision', async () => {
      // Everything so far: the last value of each key (a at 4, b at 3), then live updates.
      const base = await consumerCount(url, 'KV_CFG');
      const all = startNats(url, ['kv', 'watch', 'CFG']);
      const hist = startNats(url, ['kv', 'watch', 'CFG', 'a', '--history']);
      const upd = startNats(url, ['kv', 'watch', 'CFG', '--updates']);
      const rev = startNats(url, ['kv', 'watch', 'CFG', '--revision', '2']);
      try {
        assert.ok(await all.waitOutput(/PUT CFG > a: upd/, 10_000), all.stdout + all.stderr);
        assert.ok(await hist.waitOutput(/PUT CFG > a: upd/, 10_000), hist.stdout + hist.stderr);
        assert.ok(await rev.waitOutput(/PUT CFG > a: upd/, 10_000), rev.stdout + rev.stderr);
        // The --updates watcher prints nothing until an update: it has subscribed once its consumer exists.
        await waitConsumers(url, 'KV_CFG', base + 4);
        await ok(url, ['kv', 'put', 'CFG', 'c', 'live']);
        for (const w of [all, hist, upd, rev]) if (w !== hist) assert.ok(await w.waitOutput(/PUT CFG > c: live/, 10_000), w.stdout + w.stderr);
        assert.deepEqual(watchLines(all.stdout), ['PUT b bee', 'PUT a upd', 'PUT c live']);
        assert.deepEqual(watchLines(hist.stdout), ['PUT a one', 'PUT a two', 'PUT a upd']);
        assert.deepEqual(watchLines(upd.stdout), ['PUT c live']);
        assert.deepEqual(watchLines(rev.stdout), ['PUT a two', 'PUT b bee', 'PUT a upd', 'PUT c live']);
      } finally {
        await Promise.all([all.stop(), hist.stop(), upd.stop(), rev.stop()]);
      }
    });

    it('kv del and purge leave markers; a watcher sees them', async () => {
      const w = startNats(url, ['kv', 'watch', 'CFG']);
      try {
        assert.ok(await w.waitOutput(/PUT CFG > c: live/, 10_000), w.stdout + w.stderr);
        await ok(url, ['kv', 'del', 'CFG', 'b', '-f']);
        await fails(url, ['kv', 'get', 'CFG', 'b'], /key not found/);
        await ok(url, ['kv', 'purge', 'CFG', 'a', '-f']);
        // The purge keeps only its marker of the key's history.
        const rows = historyRows((await ok(url, ['kv', 'history', 'CFG', 'a'])).stdout);
        assert.deepEqual(rows.map(([, op]) => op), ['PURGE']);
        assert.ok(await w.waitOutput(/PURGE CFG > a/, 10_000), w.stdout + w.stderr);
        assert.deepEqual(watchLines(w.stdout), ['PUT b bee', 'PUT a upd', 'PUT c live', 'DELETE b', 'PURGE a'], w.stdout);
        // A deleted key can be created again.
        await ok(url, ['kv', 'create', 'CFG', 'b', 'again']);
        assert.match((await ok(url, ['kv', 'get', 'CFG', 'b', '--raw'])).stdout, /^again$/);
      } finally {
        await w.stop();
      }
      const info = (await ok(url, ['kv', 'info', 'CFG'])).stdout;
      assert.match(info, /Values Stored: 5/, 'the messages of KV_CFG: b bee, its delete marker and b again (history 5), c, and the purge marker of a');
    });

    it('kv add with per-key TTL support and a marker TTL; kv rm', async () => {
      const add = await ok(url, ['kv', 'add', 'TTLB', '--ttl', '1h', '--marker-ttl', '2s']);
      assert.match(add.stdout, /Per-Key TTL Supported: true/);
      assert.match(add.stdout, /Limit Marker TTL: 2s/);
      await ok(url, ['kv', 'put', 'TTLB', 'x', 'y']);
      await ok(url, ['kv', 'rm', 'TTLB', '-f']);
      await ok(url, ['kv', 'rm', 'CFG', '-f']);
      assert.doesNotMatch((await ok(url, ['kv', 'ls', '--names'])).stdout, /^(CFG|TTLB)$/m);
      await fails(url, ['kv', 'get', 'CFG', 'a'], /bucket not found/);
    });

    it('object add, put (one chunk and many), ls, info, get, del, seal, rm', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'wharf-natscli-obj-'));
      try {
        const small = join(dir, 'small.txt');
        const big = join(dir, 'big.bin');
        writeFileSync(small, 'data\n');
        const bigData = randomBytes(300_000); // 3 chunks of the CLI's 128 KiB
        writeFileSync(big, bigData);
        await ok(url, ['object', 'add', 'OBJ']);
        await ok(url, ['object', 'put', 'OBJ', small, '--name', 'small']);
        await ok(url, ['object', 'put', 'OBJ', big, '--name', 'big', '--no-progress']);
        const ls = (await ok(url, ['object', 'ls', 'OBJ'])).stdout;
        assert.match(ls, /│ small +│ 5 B /);
        assert.match(ls, /│ big +│ 293 KiB /);
        const info = (await ok(url, ['object', 'info', 'OBJ', 'big'])).stdout;
        assert.match(info, /Size: 293 KiB/);
        assert.match(info, /Chunks: 3/);
        const out = join(dir, 'big.out');
        await ok(url, ['object', 'get', 'OBJ', 'big', '-O', out, '-f', '--no-progress']);
        assert.ok(readFileSync(out).equals(bigData), 'the object reads back byte for byte');
        await ok(url, ['object', 'del', 'OBJ', 'big', '-f']);
        const after = (await ok(url, ['object', 'ls', 'OBJ'])).stdout;
        assert.doesNotMatch(after, /│ big /);
        assert.match(after, /│ small /);
        await ok(url, ['object', 'seal', 'OBJ', '-f']);
        assert.match((await ok(url, ['object', 'info', 'OBJ'])).stdout, /Sealed: true/);
        await fails(url, ['object', 'put', 'OBJ', small, '--name', 'again'], /sealed|10052|invalid operation on sealed/i);
        await ok(url, ['object', 'rm', 'OBJ', '-f']);
        await fails(url, ['object', 'ls', 'OBJ'], /not found/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
