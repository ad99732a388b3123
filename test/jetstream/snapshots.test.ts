// Index snapshots (docs/jetstream.md 1.18, step 2): a broker process restarted on its data
// directory loads the last complete snapshot of each file stream and replays only the log after
// it. Counted, never timed: the broker logs per stream what it replayed ('stream recovered':
// the snapshot's sequence, the records decoded, the sequences indexed), and the tests compare
// those counts and the stream's state (info, deleted list, subjects, messages) before and after.
//  - Periodic snapshots and kill -9: the restart replays only the tail after the newest one.
//  - kill -9 in the middle of a snapshot write (the broker kills itself after the first chunk,
//    WHARF_TEST_SNAPSHOT_KILL_AFTER_CHUNK): the restart uses the previous whole snapshot, or the
//    whole log when there is none, never the half one.
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

const sc = nats.StringCodec();
/** Messages of the big part of each stream: sized to take seconds on a loaded 2-core machine. */
const N = 100_000;
const SUBJECTS = 1000;

interface LogLine {
  msg?: string;
  stream?: string;
  snapshot_seq?: number;
  replayed_records?: number;
  replayed_seqs?: number;
  last_seq?: number;
  ms?: number;
}

interface Broker {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  lines: LogLine[];
  output: () => string;
}

async function start(port: number, dataDir: string, args: string[] = [], env: Record<string, string> = {}): Promise<Broker> {
  const main = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
  const child = spawn(
    process.execPath,
    [main, '--host', LOOPBACK, '--port', String(port), '--http-port', '-1', '--kafka-port', '-1', '--data-dir', dataDir, '--log-level', 'info', '--log-format', 'json', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  let out = '';
  let partial = '';
  const lines: LogLine[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    out = (out + d.toString()).slice(-16_000);
    partial += d.toString();
    const parts = partial.split('\n');
    partial = parts.pop()!;
    for (const l of parts) {
      try {
        lines.push(JSON.parse(l) as LogLine);
      } catch {
        /* not a log line */
      }
    }
  });
  child.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-16_000)));
  const kill = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', kill);
  let gone = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      process.removeListener('exit', kill);
      gone = `wharf exited (code ${code}, signal ${signal}):\n${out}`;
      resolve({ code, signal });
    }),
  );
  await waitForNatsInfo(port, 60_000, () => (gone === '' ? undefined : gone));
  return { child, exited, lines, output: () => out };
}

function recovered(b: Broker, stream: string): LogLine {
  const l = b.lines.find((x) => x.msg === 'stream recovered' && x.stream === stream);
  assert.ok(l !== undefined, `no 'stream recovered' line for ${stream}:\n${b.output()}`);
  return l;
}

function snapshotsWritten(b: Broker, stream: string): number[] {
  return b.lines.filter((x) => x.msg === 'index snapshot written' && x.stream === stream).map((x) => x.snapshot_seq!);
}

/** Publishes `n` messages on `prefix.<i % SUBJECTS>` without acks, then waits until the stream holds them. */
async function bulk(nc: nats.NatsConnection, jsm: nats.JetStreamManager, stream: string, prefix: string, n: number): Promise<void> {
  const before = (await jsm.streams.info(stream)).state.last_seq;
  for (let i = 0; i < n; i++) {
    nc.publish(`${prefix}.${i % SUBJECTS}`, sc.encode(`m${before + i + 1}`));
    if (i % 2000 === 1999) await nc.flush();
  }
  await nc.flush();
  await waitFor(async () => (await jsm.streams.info(stream)).state.last_seq >= before + n, { what: `${n} messages in ${stream}`, timeoutMs: 120_000 });
}

interface View {
  state: Record<string, unknown>;
  deleted: number[];
  subjects: Record<string, number>;
  sample: Array<[number, string, string] | [number, null]>;
}

async function view(jsm: nats.JetStreamManager, stream: string, seqs: number[]): Promise<View> {
  const info = await jsm.streams.info(stream, { subjects_filter: '>', deleted_details: true });
  const { messages, bytes, first_seq, last_seq, num_subjects, num_deleted } = info.state;
  const sample: View['sample'] = [];
  for (const seq of seqs) {
    try {
      const m = await jsm.streams.getMessage(stream, { seq });
      sample.push([seq, m.subject, sc.decode(m.data)]);
    } catch {
      sample.push([seq, null]);
    }
  }
  return { state: { messages, bytes, first_seq, last_seq, num_subjects, num_deleted }, deleted: info.state.deleted ?? [], subjects: info.state.subjects ?? {}, sample };
}

async function connect(port: number): Promise<{ nc: nats.NatsConnection; jsm: nats.JetStreamManager; js: nats.JetStreamClient }> {
  const nc = await nats.connect({ servers: `${LOOPBACK}:${port}`, reconnect: false });
  return { nc, jsm: await nc.jetstreamManager(), js: nc.jetstream({ timeout: 20_000 }) };
}

const SAMPLE = [1, 2, 777, 5_000, 50_000, 65_536, 65_537, 99_999, 100_000, 100_001, 100_250, 100_499, 100_500];

test('periodic snapshots: after kill -9 the restart replays only the log after the newest snapshot, and the stream is the same', { timeout: 300_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-js-snap-'));
  const port = await freePort();
  let b = await start(port, dataDir, ['--js-snapshot-bytes', '256KB']);
  try {
    let c = await connect(port);
    // Per-subject limits and explicit deletes leave deleted sequences all over the index.
    // nats.js 2.x has no allow_msg_ttl in its types: the API request itself.
    const created = nats.JSONCodec<{ error?: unknown }>().decode((await c.nc.request('$JS.API.STREAM.CREATE.SNAP', nats.JSONCodec().encode({ name: 'SNAP', subjects: ['snap.>'], max_msgs_per_subject: 90, allow_msg_ttl: true }))).data);
    assert.equal(created.error, undefined);
    await bulk(c.nc, c.jsm, 'SNAP', 'snap', N);
    await c.jsm.streams.deleteMessage('SNAP', 99_500);
    await c.jsm.streams.deleteMessage('SNAP', 99_600, false);
    // The tail: acknowledged publishes after the last burst, one with a long TTL and a Msg-Id.
    for (let i = 0; i < 500; i++) await c.js.publish(`snap.t${i % 7}`, sc.encode(`t${i}`), i === 3 ? { msgID: 'tail-3', headers: ttlHeader('1h') } : undefined);
    await c.jsm.streams.deleteMessage('SNAP', 100_250);
    const written = snapshotsWritten(b, 'SNAP');
    // At least the one at the end of the burst (a snapshot waits for nothing in flight, so a
    // pipelined burst may get no other on a loaded machine).
    assert.ok(written.length >= 1, `periodic snapshots were written: ${JSON.stringify(written)}`);
    const before = await view(c.jsm, 'SNAP', SAMPLE);
    await c.nc.close();
    b.child.kill('SIGKILL');
    await b.exited;

    b = await start(port, dataDir, ['--js-snapshot-bytes', '256KB']);
    const r = recovered(b, 'SNAP');
    const last = Number(before.state['last_seq']);
    assert.equal(last, N + 500);
    assert.ok(r.snapshot_seq! >= Math.max(...written) && r.snapshot_seq! <= last, `the newest whole snapshot was loaded: ${JSON.stringify(r)}, written ${JSON.stringify(written)}`);
    assert.equal(r.replayed_seqs, last - r.snapshot_seq!, 'the replay indexed exactly the tail');
    assert.ok(r.replayed_records! >= r.replayed_seqs! && r.replayed_records! <= r.replayed_seqs! + 2_000, `the replay decoded the tail only: ${JSON.stringify(r)}`);
    // A fifth of the log at most (without the snapshot it would be all of it): under load the
    // newest snapshot of a pipelined burst can be one taken ~10 % before its end (CI saw 10 500).
    assert.ok(r.replayed_records! < N / 5, `a fifth of the log at most: ${JSON.stringify(r)}`);
    c = await connect(port);
    assert.deepEqual(await view(c.jsm, 'SNAP', SAMPLE), before);
    // The duplicate window and the TTL came back with the snapshot or the tail.
    const dup = await c.js.publish('snap.t3', sc.encode('again'), { msgID: 'tail-3' });
    assert.equal(dup.duplicate, true);
    const next = await c.js.publish('snap.after', sc.encode('after'));
    assert.equal(next.seq, last + 1);
    await c.nc.close();
  } finally {
    b.child.kill('SIGKILL');
    await b.exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
});

function ttlHeader(ttl: string): nats.MsgHdrs {
  const h = nats.headers();
  h.set('Nats-TTL', ttl);
  return h;
}

test('kill -9 in the middle of a snapshot write: the previous whole snapshot, or the whole log, is used, never the half one', { timeout: 300_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-js-snapkill-'));
  const port = await freePort();
  const killer = { WHARF_TEST_SNAPSHOT_KILL_AFTER_CHUNK: '0' };
  // Snapshots only at a clean close: each SIGTERM below writes one (about 3 chunks of 1 MiB at 100 k messages).
  const args = ['--js-snapshot-bytes', '0'];
  let b = await start(port, dataDir, args, killer);
  const K = 300;
  try {
    // A: the first snapshot is cut after its first chunk by the broker killing itself.
    let c = await connect(port);
    await c.jsm.streams.add({ name: 'HALF', subjects: ['half.>'] });
    await bulk(c.nc, c.jsm, 'HALF', 'half', N);
    const a = await view(c.jsm, 'HALF', SAMPLE);
    await c.nc.close();
    b.child.kill('SIGTERM');
    assert.equal((await b.exited).signal, 'SIGKILL', `the broker killed itself in the snapshot write:\n${b.output()}`);

    // B: no whole snapshot: the whole log is replayed. Then a clean close writes one at N + K.
    b = await start(port, dataDir, args);
    let r = recovered(b, 'HALF');
    assert.deepEqual([r.snapshot_seq, r.replayed_seqs], [0, N], `full replay: ${JSON.stringify(r)}`);
    c = await connect(port);
    assert.deepEqual(await view(c.jsm, 'HALF', SAMPLE.filter((s) => s <= N)), { ...a, sample: a.sample.filter(([s]) => s <= N) });
    for (let i = 0; i < K; i++) await c.js.publish(`half.b${i % 5}`, sc.encode(`b${i}`));
    await c.nc.close();
    b.child.kill('SIGTERM');
    assert.equal((await b.exited).code, 0, b.output());
    assert.deepEqual(snapshotsWritten(b, 'HALF'), [N + K]);

    // C: that snapshot is loaded (nothing replayed); K more, and the next snapshot write is cut.
    b = await start(port, dataDir, args, killer);
    r = recovered(b, 'HALF');
    assert.deepEqual([r.snapshot_seq, r.replayed_seqs, r.replayed_records], [N + K, 0, 0], `snapshot loaded: ${JSON.stringify(r)}`);
    c = await connect(port);
    for (let i = 0; i < K; i++) await c.js.publish(`half.c${i % 5}`, sc.encode(`c${i}`));
    const want = await view(c.jsm, 'HALF', [...SAMPLE, N + K, N + K + 1, N + 2 * K]);
    await c.nc.close();
    b.child.kill('SIGTERM');
    assert.equal((await b.exited).signal, 'SIGKILL', `the broker killed itself in the snapshot write:\n${b.output()}`);

    // D: the previous snapshot (N + K) is used and the K after it replayed; the stream is whole.
    b = await start(port, dataDir, args);
    r = recovered(b, 'HALF');
    assert.deepEqual([r.snapshot_seq, r.replayed_seqs], [N + K, K], `previous snapshot and the tail: ${JSON.stringify(r)}`);
    c = await connect(port);
    assert.deepEqual(await view(c.jsm, 'HALF', [...SAMPLE, N + K, N + K + 1, N + 2 * K]), want);
    await c.nc.close();
  } finally {
    b.child.kill('SIGKILL');
    await b.exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
});
