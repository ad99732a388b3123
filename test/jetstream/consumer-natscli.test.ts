// JetStream consumers with the `nats` CLI (natscli v0.5.0), against Wharf and, as the control,
// nats-server v2.15.2 with -js: `nats consumer add/info/ls/next/rm` give the same answers on both,
// and quick `nats bench js` runs (pub, consume with explicit acks, ordered, fetch) complete with
// every message counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseBenchCsv, runNats } from '../support/natscli.js';
import { startConsumerTarget, startReferenceTarget, type ConsumerTarget } from './support/consumer-target.js';

async function cli(url: string, args: string[]): Promise<string> {
  const r = await runNats(url, args, { timeoutMs: 30_000 });
  assert.equal(r.timedOut, false, `nats ${args.join(' ')} timed out`);
  assert.equal(r.code, 0, `nats ${args.join(' ')}: ${r.stderr}${r.stdout}`);
  return r.stdout + r.stderr;
}

/** The CLI session both servers get; returns what is compared. */
async function session(t: ConsumerTarget): Promise<Record<string, unknown>> {
  const url = `nats://127.0.0.1:${t.port}`;
  await cli(url, ['stream', 'add', 'ORDERS', '--subjects', 'orders.>', '--defaults']);
  for (let i = 1; i <= 3; i++) await cli(url, ['pub', `orders.${i}`, `m${i}`, '--jetstream']);
  await cli(url, ['consumer', 'add', 'ORDERS', 'C1', '--pull', '--ack', 'explicit', '--defaults']);
  const added = await cli(url, ['consumer', 'info', 'ORDERS', 'C1', '--json']);
  const created = JSON.parse(added.slice(added.indexOf('{'))) as { config: Record<string, unknown>; num_pending: number };
  await cli(url, ['consumer', 'add', 'ORDERS', 'C2', '--pull', '--ack', 'explicit', '--filter', 'orders.3', '--defaults']);
  const ls = await cli(url, ['consumer', 'ls', 'ORDERS', '--names']);
  const next = await cli(url, ['consumer', 'next', 'ORDERS', 'C1', '--count', '2']);
  const infoText = await cli(url, ['consumer', 'info', 'ORDERS', 'C1', '--json']);
  const info = JSON.parse(infoText.slice(infoText.indexOf('{'))) as { delivered: { stream_seq: number }; ack_floor: { stream_seq: number }; num_pending: number; num_ack_pending: number };
  const filtered = await cli(url, ['consumer', 'next', 'ORDERS', 'C2']);
  await cli(url, ['consumer', 'rm', 'ORDERS', 'C2', '-f']);
  const after = await cli(url, ['consumer', 'ls', 'ORDERS', '--names']);
  const cfg = created.config;
  return {
    createdConfig: {
      ack_policy: cfg['ack_policy'],
      ack_wait: cfg['ack_wait'],
      deliver_policy: cfg['deliver_policy'],
      max_ack_pending: cfg['max_ack_pending'],
      max_waiting: cfg['max_waiting'],
      replay_policy: cfg['replay_policy'],
    },
    createdPending: created.num_pending,
    names: ls.trim().split(/\s+/).sort(),
    nextLines: next.split('\n').filter((l) => /subj:|^m\d|Acknowledged/.test(l)).map((l) => l.replace(/^\[[^\]]+\] /, '')),
    info: [info.delivered.stream_seq, info.ack_floor.stream_seq, info.num_pending, info.num_ack_pending],
    filtered: filtered.split('\n').filter((l) => /subj:|^m\d/.test(l)).map((l) => l.replace(/^\[[^\]]+\] /, '')),
    after: after.trim().split(/\s+/).sort(),
  };
}

test('nats CLI: consumer add/ls/next/info/rm answer as on nats-server', { timeout: 120_000 }, async () => {
  const results: Record<string, unknown>[] = [];
  for (const start of [startReferenceTarget, startConsumerTarget]) {
    const t = await start();
    try {
      results.push(await session(t));
    } finally {
      await t.close();
    }
  }
  const [reference, wharf] = results;
  assert.deepEqual(wharf, reference);
  // And what they agree on is what it should be.
  assert.deepEqual((reference as { names: string[] }).names, ['C1', 'C2']);
  assert.deepEqual((reference as { info: number[] }).info, [2, 2, 1, 0]);
});

test('nats CLI: quick bench js runs complete on Wharf (pub, consume with acks, ordered, fetch)', { timeout: 180_000 }, async () => {
  const t = await startConsumerTarget();
  const dir = mkdtempSync(join(tmpdir(), 'wharf-bench-js-'));
  try {
    const url = `nats://127.0.0.1:${t.port}`;
    const msgs = 2000;
    await cli(url, ['stream', 'add', 'BENCH', '--subjects', 'bench.js', '--defaults']);
    for (const c of ['b-consume', 'b-fetch']) await cli(url, ['consumer', 'add', 'BENCH', c, '--pull', '--ack', 'explicit', '--defaults']);
    const runs: Array<[string, string[]]> = [
      ['pub', ['bench', 'js', 'pub', 'async', 'bench.js', '--stream', 'BENCH', '--msgs', String(msgs), '--size', '128']],
      ['consume', ['bench', 'js', 'consume', '--stream', 'BENCH', '--consumer', 'b-consume', '--msgs', String(msgs)]],
      ['ordered', ['bench', 'js', 'ordered', '--stream', 'BENCH', '--msgs', String(msgs)]],
      ['fetch', ['bench', 'js', 'fetch', '--stream', 'BENCH', '--consumer', 'b-fetch', '--msgs', String(msgs)]],
    ];
    for (const [name, args] of runs) {
      const csv = join(dir, `${name}.csv`);
      await cli(url, [...args, '--no-progress', '--csv', csv]);
      const rows = parseBenchCsv(readFileSync(csv, 'utf8'));
      // natscli counts a publish and its ack as two messages, but bytes once per payload.
      const bytes = rows.reduce((n, r) => n + Number(r['MsgBytes'] ?? 0), 0);
      assert.equal(bytes, msgs * 128, `${name}: ${JSON.stringify(rows)}`);
    }
    const info = await cli(url, ['consumer', 'info', 'BENCH', 'b-consume', '--json']);
    const ci = JSON.parse(info.slice(info.indexOf('{'))) as { ack_floor: { stream_seq: number }; num_pending: number };
    assert.deepEqual([ci.ack_floor.stream_seq, ci.num_pending], [msgs, 0]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await t.close();
  }
});
